"""The bad-input corpus: files a public demo gets, generated here (nothing is stored in the repository).

Each case is either *accepted* (`refusal is None`: the input becomes an RGB image of `size`) or *refused*
with `ImageInputError` whose message matches `refusal`. The same corpus runs through `core.imaging.open_image`,
the Gradio endpoints and the Streamlit pages (tests/test_imaging.py, tests/test_bad_input.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.imaging import MAX_PIXELS


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    make: Callable[[], bytes]
    refusal: str | None = None  # regex of the error message; None: accepted
    size: tuple[int, int] | None = None  # (width, height) of the accepted, oriented image

    def __str__(self) -> str:
        return self.name


def encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _photo(w: int = 48, h: int = 32) -> Image.Image:
    """A small image with detail (a gradient with a dark square), so codecs have something to compress."""
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :, None] * np.ones((h, 1, 3), np.float32)
    x[h // 4 : 3 * h // 4, w // 4 : w // 2] = 20
    return Image.fromarray(x.astype(np.uint8), "RGB")


def _truncated(fmt: str) -> bytes:
    data = encode(_photo(), fmt)
    return data[: len(data) // 2]


def _bomb() -> bytes:
    # A 1-bit PNG of 20000x20000 compresses to a few kB but would decode to 400 MP.
    return encode(Image.new("1", (20000, 20000)))


def _over_limit() -> bytes:
    # Just over MAX_PIXELS (8000 x 5001); a plain grey image, so the file stays small.
    return encode(Image.new("L", (8000, MAX_PIXELS // 8000 + 1), 128))


def _exif_rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: display rotated 90 degrees clockwise
    return encode(_photo(48, 32), "JPEG", exif=exif)


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (12, 10), c) for c in ("red", "blue")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:])


def _gray16() -> bytes:
    return encode(Image.fromarray(np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000))


CORPUS: list[Case] = [
    Case("empty file", "empty.png", lambda: b"", refusal="empty"),
    Case("text file named .png", "notes.png", lambda: b"this is not an image\n", refusal="not an image"),
    Case("truncated PNG", "cut.png", lambda: _truncated("PNG"), refusal="truncated or damaged"),
    Case("truncated JPEG", "cut.jpg", lambda: _truncated("JPEG"), refusal="truncated or damaged"),
    Case("decompression bomb", "bomb.png", _bomb, refusal="too large"),
    Case("image over the pixel limit", "huge.png", _over_limit, refusal="too large"),
    Case("1x1 image", "dot.png", lambda: encode(Image.new("RGB", (1, 1), "red")), size=(1, 1)),
    Case("palette", "palette.png", lambda: encode(_photo().convert("P")), size=(48, 32)),
    Case("palette with transparency", "palette_t.png", lambda: encode(Image.new("P", (5, 5), 0), transparency=0),
         size=(5, 5)),
    Case("LA with alpha", "la.png", lambda: encode(Image.new("LA", (6, 4), (0, 0))), size=(6, 4)),
    Case("RGBA with transparency", "rgba.png", lambda: encode(Image.new("RGBA", (7, 5), (255, 0, 0, 0))), size=(7, 5)),
    Case("CMYK JPEG", "cmyk.jpg", lambda: encode(_photo().convert("CMYK"), "JPEG"), size=(48, 32)),
    Case("16-bit grayscale PNG", "gray16.png", _gray16, size=(8, 8)),
    Case("EXIF-rotated JPEG", "rotated.jpg", _exif_rotated, size=(32, 48)),
    Case("animated GIF", "anim.gif", _animated_gif, size=(12, 10)),
    Case("WebP", "photo.webp", lambda: encode(_photo(), "WEBP"), size=(48, 32)),
]

ACCEPTED = [c for c in CORPUS if c.refusal is None]
REFUSED = [c for c in CORPUS if c.refusal is not None]
