"""Where the Gradio handlers put their outputs, and an image input that hands uploads to `core` undecoded."""

from __future__ import annotations

import functools
import hashlib
import shutil
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path

import gradio as gr
from PIL import Image

from core.imaging import ImageInputError, open_image, png_bytes

#: Downloads are written here (one folder per request); removed at exit, and folders older than an hour
#: are pruned on the way, so a long-running Space does not fill its disk.
OUTPUTS = tempfile.TemporaryDirectory(prefix="paper-to-demo-outputs-")
OUTPUT_MAX_AGE_S = 3600


#: How every output picture of the suite behaves (collected by `demos.gradio_app.suite_css`):
#: - its toolbar (fullscreen, download, share) sits in a row of its own above the picture, never over its
#:   top-right corner (where the zoom panel's last tile, the last interpolation frame and the GIFs are); an upload
#:   box keeps Gradio's own layout (its height is fixed, and its picture is the visitor's own);
#: - fullscreen enlarges the picture itself to fit the screen (Gradio's own rule only ever shrinks it), and the
#:   generated Fashion-MNIST pictures stay sharp when enlarged.
CSS = """
.block:not(:has(input[type=file])) .image-container:has(> .icon-button-wrapper.top-panel) {
  display: flex; flex-direction: column;
}
.block:not(.fullscreen):not(:has(input[type=file])) .image-container > .icon-button-wrapper.top-panel {
  position: static; align-self: flex-end; margin: 0 0 4px 0;
}
.block.fullscreen .image-container img { object-fit: contain !important; width: 100%; height: 100%; }
.block.fullscreen[id^="gan-"] img { image-rendering: pixelated; }
"""


def _output_folder(stem: str) -> Path:
    now = time.time()
    for old in Path(OUTPUTS.name).iterdir():
        if now - old.stat().st_mtime > OUTPUT_MAX_AGE_S:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{stem}-", dir=OUTPUTS.name))


def save_outputs(stem: str, items: dict[str, Image.Image | bytes]) -> list[str]:
    """Write one request's outputs (file name -> PIL image, saved as a fast PNG by `core.imaging.png_bytes`, or
    bytes) into a folder of its own and return their paths, in order.

    Images go back to Gradio as files, never as PIL objects: Gradio caches a PIL output under a path named
    by its content hash with a plain write, so two users receiving the same image at once (same seed, same
    example) can be served a half-rewritten file (`bench.load` caught it); files are copied atomically."""
    folder = _output_folder(stem)
    paths = []
    for name, item in items.items():
        path = folder / name
        path.write_bytes(png_bytes(item) if isinstance(item, Image.Image) else item)
        paths.append(str(path))
    return paths


def image_input(**kwargs) -> gr.Image:
    """A `gr.Image` whose upload reaches the handler as a path, undecoded, so that `core.imaging.open_image`
    validates it and words the error (Gradio's own decoding would fail first, with an internal message).
    Patched on the instance: a subclass would make Gradio write a .pyi stub beside this file."""
    comp = gr.Image(type="filepath", **kwargs)
    decode = comp.preprocess

    def preprocess(payload):
        if payload is None or not payload.path or (payload.url or "").startswith("data:"):
            return decode(payload)
        return payload.path

    comp.preprocess = preprocess

    def check_upload(path: str | None):
        """At once, on upload: a file that is not a usable image is named and removed (no broken thumbnail)."""
        if not path:
            return gr.skip()
        try:
            open_image(path)
        except ImageInputError as e:
            gr.Warning(str(e))
            return None
        return gr.skip()

    comp.upload(check_upload, comp, comp, api_name=False, show_progress="hidden")
    return comp


def on_demand_download(label: str, elem_id: str) -> tuple[gr.Button, gr.DownloadButton]:
    """A download whose file is made when it is asked for, in one click (most visitors never download, and the
    file can cost as much as the answer): (the button a visitor sees, the hidden download button it fills).
    Wire it with `wire_download`."""
    button = gr.Button(label, elem_id=f"{elem_id}-button")
    return button, gr.DownloadButton(visible="hidden", elem_id=elem_id)


def wire_download(parts: tuple[gr.Button, gr.DownloadButton], fn, inputs: list, api_name: str) -> None:
    """`fn(*inputs)` -> a file path, run when the visible button is pressed; the file then goes to the browser
    (a click on the hidden download button, which hands its file over). `api_name` names it for API users."""
    button, hidden = parts
    button.click(fn, inputs, hidden, api_name=api_name, concurrency_limit=2).success(
        None, None, None, js=f"() => document.querySelector('#{hidden.elem_id}')?.click()")


class RecentResults:
    """The latest results that a later request may want (a download asked for after the answer), newest kept,
    at most `max_bytes` of pixels in all: what is evicted is recomputed by its caller. Thread-safe."""

    def __init__(self, max_bytes: int = 384 * 2**20):
        self.max_bytes, self._items, self._lock = max_bytes, OrderedDict(), threading.Lock()

    def put(self, key: Hashable, img: Image.Image) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = img
            while len(self._items) > 1 and sum(_nbytes(v) for v in self._items.values()) > self.max_bytes:
                self._items.popitem(last=False)

    def get(self, key: Hashable) -> Image.Image | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
            return self._items.get(key)


def _nbytes(img: Image.Image) -> int:
    return img.width * img.height * len(img.getbands())


def code_fingerprint(root: Path = Path(__file__).resolve().parents[2]) -> str:
    """A short hash of the suite's Python source under `root` (core/ and demos/): what draws an answer, besides the
    weights. An example answer cached by other code (a caption restyled, a panel redrawn) is then never shown."""
    h = hashlib.sha256()
    for path in sorted(p for d in ("core", "demos") for p in (root / d).rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


#: The running suite's own fingerprint, computed once (its source does not change under a running server).
suite_fingerprint = functools.cache(code_fingerprint)


def cached_examples(demo: gr.Blocks, rows: list[list], inputs: list, outputs: list, fn, key: str,
                    **kwargs) -> tuple[gr.Examples, dict]:
    """Examples answered from a cache (lazily: each is computed at its first use), the first of them on screen
    when the page opens: the caller builds the inputs with the first row's values (so nothing a visitor does can be
    overwritten by a late page load), and its answer is read from the same cache (the first visitor of a fresh
    server waits for it once, every later page view reads it). `key` names the cache folder: it must change when
    what the examples answer changes (e.g. the checkpoints' sha256); the outputs' kinds and the code's fingerprint
    are added to it (a cache written for other outputs, or drawn by other code, is never read); Gradio's own key is
    the component's number.
    Returns the examples and the first answer's event: a visitor's own action must cancel it (`cancels=`), so that
    a first answer still being computed never lands over theirs."""
    from gradio import utils as gradio_utils

    ex = gr.Examples(rows, inputs=inputs, outputs=outputs, fn=fn, cache_examples=True, cache_mode="lazy", **kwargs)
    kinds = zlib.crc32(" ".join(type(o).__name__ for o in outputs).encode())
    ex.cached_folder = gradio_utils.get_cache_folder() / f"{key}-{kinds:08x}-{suite_fingerprint()}"
    ex.cached_file, ex.cached_indices_file = ex.cached_folder / "log.csv", ex.cached_folder / "indices.csv"

    def first_answer(request: gr.Request):
        return ex.load_from_cache(0, request)

    first = demo.load(first_answer, None, outputs, postprocess=False, api_name=False)
    ex.dataset.click(None, None, None, cancels=[first], queue=False, api_name=False)  # another example picked
    return ex, first
