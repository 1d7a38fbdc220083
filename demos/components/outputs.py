"""Where the Gradio handlers put their outputs, and an image input that hands uploads to `core` undecoded."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import gradio as gr
from PIL import Image

from core.imaging import ImageInputError, open_image

#: Downloads are written here (one folder per request); removed at exit, and folders older than an hour
#: are pruned on the way, so a long-running Space does not fill its disk.
OUTPUTS = tempfile.TemporaryDirectory(prefix="paper-to-demo-outputs-")
OUTPUT_MAX_AGE_S = 3600


def _output_folder(stem: str) -> Path:
    now = time.time()
    for old in Path(OUTPUTS.name).iterdir():
        if now - old.stat().st_mtime > OUTPUT_MAX_AGE_S:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{stem}-", dir=OUTPUTS.name))


def save_outputs(stem: str, items: dict[str, Image.Image | bytes], compress_level: int = 1) -> list[str]:
    """Write one request's outputs (file name -> PIL image, saved as PNG, or bytes) into a folder of its own
    and return their paths, in order (PNGs at zlib level 1: the fastest, a few % larger than level 6).

    Images go back to Gradio as files, never as PIL objects: Gradio caches a PIL output under a path named
    by its content hash with a plain write, so two users receiving the same image at once (same seed, same
    example) can be served a half-rewritten file (`bench.load` caught it); files are copied atomically."""
    folder = _output_folder(stem)
    paths = []
    for name, item in items.items():
        path = folder / name
        if isinstance(item, Image.Image):
            item.save(path, format="PNG", compress_level=compress_level)
        else:
            path.write_bytes(item)
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


def cached_examples(demo: gr.Blocks, rows: list[list], inputs: list, outputs: list, fn, key: str,
                    **kwargs) -> tuple[gr.Examples, dict]:
    """Examples answered from a cache (lazily: each is computed at its first use), the first of them on screen
    when the page opens: the caller builds the inputs with the first row's values (so nothing a visitor does can be
    overwritten by a late page load), and its answer is read from the same cache (the first visitor of a fresh
    server waits for it once, every later page view reads it). `key` names the cache folder: it must change when
    what the examples answer changes (e.g. the checkpoints' sha256); Gradio's own key is the component's number.
    Returns the examples and the first answer's event: a visitor's own action must cancel it (`cancels=`), so that
    a first answer still being computed never lands over theirs."""
    from gradio import utils as gradio_utils

    ex = gr.Examples(rows, inputs=inputs, outputs=outputs, fn=fn, cache_examples=True, cache_mode="lazy", **kwargs)
    ex.cached_folder = gradio_utils.get_cache_folder() / key
    ex.cached_file, ex.cached_indices_file = ex.cached_folder / "log.csv", ex.cached_folder / "indices.csv"

    def first_answer(request: gr.Request):
        return ex.load_from_cache(0, request)

    first = demo.load(first_answer, None, outputs, postprocess=False, api_name=False)
    ex.dataset.click(None, None, None, cancels=[first], queue=False, api_name=False)  # another example picked
    return ex, first
