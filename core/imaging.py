"""The only place that touches user image files: open, validate, convert, and the YCbCr maths.

`open_image` turns whatever a user hands us (a path, bytes, a file object or a PIL image) into an
RGB `PIL.Image`, or raises `ImageInputError` with a message a person can act on.
"""

from __future__ import annotations

import functools
import io
import os
import warnings
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

#: Largest image (in pixels, width x height) that `open_image` accepts by default: 40 megapixels,
#: e.g. 8000 x 5000. Larger images, and files that only *claim* to be larger (decompression bombs),
#: are refused before they are decoded.
MAX_PIXELS = 40_000_000

ImageSource = str | os.PathLike | bytes | bytearray | BinaryIO | Image.Image


class ImageInputError(ValueError):
    """The input is not an image we can use; the message says why and what to do."""


def open_image(src: ImageSource, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open `src` as an RGB image, EXIF orientation applied, first frame of an animation.

    Transparent pixels are composited onto white; 16-bit and float images are scaled to 8 bits.
    Raises `ImageInputError` for empty, non-image, truncated or over-large input (over `max_pixels`).
    """
    if isinstance(src, Image.Image):
        _check_size(src.size, max_pixels)
        return _to_rgb(ImageOps.exif_transpose(src))
    fp = _as_file(src)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(fp)
            _check_size(img.size, max_pixels)
            img.seek(0)  # first frame of animated GIF/WebP/APNG
            img.load()
    except ImageInputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageInputError(_too_large_message(None, max_pixels)) from e
    except UnidentifiedImageError as e:
        raise ImageInputError(
            "This file is not an image we can read. Please upload a PNG, JPEG, WebP, GIF or BMP file."
        ) from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ImageInputError(
            f"The image could not be decoded ({e}). The file may be truncated or damaged: "
            "please re-export or re-upload it."
        ) from e
    return _to_rgb(ImageOps.exif_transpose(img))


def _as_file(src: ImageSource) -> BinaryIO:
    if isinstance(src, (bytes, bytearray)):
        if len(src) == 0:
            raise ImageInputError("The file is empty (0 bytes). Please choose an image file.")
        return io.BytesIO(bytes(src))
    if isinstance(src, (str, os.PathLike)):
        path = Path(src)
        if not path.is_file():
            raise ImageInputError(f"No image file at '{path}'.")
        if path.stat().st_size == 0:
            raise ImageInputError(f"The file '{path.name}' is empty (0 bytes). Please choose an image file.")
        return io.BytesIO(path.read_bytes())
    if hasattr(src, "read"):
        data = src.read()
        return _as_file(data if isinstance(data, (bytes, bytearray)) else b"")
    raise ImageInputError(f"Expected an image file, path or bytes, got {type(src).__name__}.")


def _check_size(size: tuple[int, int], max_pixels: int) -> None:
    w, h = size
    if w < 1 or h < 1:
        raise ImageInputError(f"The image has no pixels ({w}x{h}).")
    if w * h > max_pixels:
        raise ImageInputError(_too_large_message(size, max_pixels))


def _too_large_message(size: tuple[int, int] | None, max_pixels: int) -> str:
    what = f"{size[0]}x{size[1]} pixels" if size else "larger than it looks (a decompression bomb)"
    return (
        f"The image is too large ({what}); the limit is {max_pixels / 1e6:.0f} megapixels. "
        "Please resize it and try again."
    )


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB; transparency over white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or a.max() > 255 else 255.0
        if img.mode == "F" and a.max() <= 1.0:
            top = 1.0
        a = np.clip(a / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(a, "L").convert("RGB")
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, img).convert("RGB")
    return img.convert("RGB")


#: zlib level of the PNGs the apps send (results, downloads): level 1 writes a 4800x3200 upscale about 5x faster
#: than Pillow's default 6, for a file about 10 % larger.
PNG_LEVEL = 1
#: zlib strategy of those PNGs: run-length matches only, 5-10 % faster and 5-10 % smaller than the default on
#: the upscaled photos (measured on the examples at x2, x3, x4); on a 64-image GAN grid 15 % faster, 25 % smaller.
PNG_STRATEGY = zlib.Z_RLE


def png_bytes(img: Image.Image) -> bytes:
    """`img` as a fast lossless PNG (`PNG_LEVEL`, `PNG_STRATEGY`): how the apps write every PNG they send."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=PNG_LEVEL, compress_type=PNG_STRATEGY)
    return buf.getvalue()


def pil_to_tensor(img: Image.Image) -> torch.Tensor:
    """RGB/L PIL image -> float tensor (C, H, W) in [0, 1]."""
    a = np.asarray(img, dtype=np.float32) / 255.0
    if a.ndim == 2:
        a = a[:, :, None]
    return torch.from_numpy(a.copy()).permute(2, 0, 1)


def tensor_to_pil(x: torch.Tensor) -> Image.Image:
    """Float tensor (C, H, W) or (H, W) in [0, 1] -> 8-bit PIL image (RGB for 3 channels, L for 1)."""
    x = x.detach().float().cpu().clamp(0, 1).mul(255).round().to(torch.uint8)
    if x.ndim == 3 and x.shape[0] == 1:
        x = x[0]
    if x.ndim == 2:
        return Image.fromarray(x.numpy(), "L")
    return Image.fromarray(x.permute(1, 2, 0).numpy(), "RGB")


# ITU-R BT.601 studio range, as MATLAB's rgb2ycbcr: the convention of the super-resolution papers.
_RGB2YCBCR = torch.tensor(
    [[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]]
) / 255.0
_YCBCR_OFFSET = torch.tensor([16.0, 128.0, 128.0]) / 255.0


def rgb_to_ycbcr(rgb: torch.Tensor) -> torch.Tensor:
    """(..., 3, H, W) RGB in [0, 1] -> YCbCr in [0, 1] (Y in [16, 235]/255), BT.601 as MATLAB."""
    m = _RGB2YCBCR.to(rgb)
    return torch.einsum("ij,...jhw->...ihw", m, rgb) + _YCBCR_OFFSET.to(rgb)[:, None, None]


def ycbcr_to_rgb(ycc: torch.Tensor) -> torch.Tensor:
    """Inverse of `rgb_to_ycbcr` (not clamped)."""
    m = torch.linalg.inv(_RGB2YCBCR.double()).to(ycc)
    return torch.einsum("ij,...jhw->...ihw", m, ycc - _YCBCR_OFFSET.to(ycc)[:, None, None])


def rgb_to_y(rgb: torch.Tensor) -> torch.Tensor:
    """(..., 3, H, W) RGB in [0, 1] -> (..., 1, H, W) luma Y in [16, 235]/255."""
    return rgb_to_ycbcr(rgb)[..., :1, :, :]


#: Size (px) of the text drawn into pictures (captions of the zoom panel, the network's stages): readable on a
#: 1280×720 projector when the picture is shown at its own size.
CAPTION_PX = 18


@functools.lru_cache(maxsize=4)
def caption_font(size: int = CAPTION_PX):
    """Pillow's bundled scalable font at `size` px (the bitmap default is ~10 px: unreadable on a projector);
    loaded once per size, not for every caption drawn."""
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


#: Height (px) of the caption strip under a `captioned` picture: one line of `caption_font()` with a margin.
CAPTION_H = 30
#: Captions and labels are drawn on a dark chip of their own, and everything around the pictures is transparent:
#: the pictures then read the same on a light page, a dark page (a white strip there glared) and a slide.
CHIP = (36, 36, 36, 235)
CLEAR = (0, 0, 0, 0)


def drawable(text: str) -> str:
    """`text` in the characters the bundled font has: its "×" is a missing-glyph box, so it becomes "x"."""
    return text.replace("×", "x")


def draw_caption(tile: Image.Image, y: int, label: str) -> None:
    """Write `label` (white on a dark chip, in the readable font) into the `CAPTION_H`-px strip of the RGBA `tile`
    that starts at row `y`."""
    draw, font, label = ImageDraw.Draw(tile), caption_font(), drawable(label)
    x0, y0, x1, y1 = draw.textbbox((6, y + 5), label, font=font)
    draw.rounded_rectangle((x0 - 5, y + 2, x1 + 5, y + CAPTION_H - 2), radius=5, fill=CHIP)
    draw.text((6, y + 5), label, fill="white", font=font)


def captioned(img: Image.Image, label: str) -> Image.Image:
    """`img` (as RGBA) with a transparent `CAPTION_H`-px strip below it holding `label` on a chip."""
    tile = Image.new("RGBA", (img.width, img.height + CAPTION_H), CLEAR)
    tile.paste(img.convert("RGBA"), (0, 0))
    draw_caption(tile, img.height, label)
    return tile


def text_tile(lines: list[str], width: int, height: int) -> Image.Image:
    """A transparent `width` x `height` tile holding `lines` on a dark chip, vertically centred: the first as a
    heading (22 px, white), the others at `CAPTION_PX` in light grey. (A label beside a row of pictures.)"""
    tile, lines = Image.new("RGBA", (width, height), CLEAR), [drawable(line) for line in lines]
    draw = ImageDraw.Draw(tile)
    top = y = (height - 28 - 24 * (len(lines) - 1)) // 2
    fonts = [caption_font(22 if i == 0 else CAPTION_PX) for i in range(len(lines))]
    right = max(draw.textbbox((6, 0), line, font=f)[2] for line, f in zip(lines, fonts, strict=True))
    draw.rounded_rectangle((1, top - 6, min(width - 1, right + 6), top + 28 + 24 * (len(lines) - 1) + 4), radius=6,
                           fill=CHIP)
    for i, (line, font) in enumerate(zip(lines, fonts, strict=True)):
        draw.text((6, y), line, fill="white" if i == 0 else (215, 215, 215), font=font)
        y += 28 if i == 0 else 24
    return tile


def tile_row(tiles: list[Image.Image], gap: int = 6) -> Image.Image:
    """Tiles side by side, top-aligned, `gap` px apart, on a transparent RGBA panel (as tall as the tallest)."""
    panel = Image.new("RGBA", (sum(t.width for t in tiles) + gap * (len(tiles) - 1), max(t.height for t in tiles)), CLEAR)
    x = 0
    for t in tiles:
        panel.alpha_composite(t.convert("RGBA"), (x, 0))
        x += t.width + gap
    return panel


def tile_column(tiles: list[Image.Image], gap: int = 6) -> Image.Image:
    """Tiles one below the other, left-aligned, `gap` px apart, on a transparent RGBA panel (as wide as the widest)."""
    panel = Image.new("RGBA", (max(t.width for t in tiles), sum(t.height for t in tiles) + gap * (len(tiles) - 1)), CLEAR)
    y = 0
    for t in tiles:
        panel.alpha_composite(t.convert("RGBA"), (0, y))
        y += t.height + gap
    return panel


def flatten(img: Image.Image, background: str = "white") -> Image.Image:
    """An RGBA picture laid on `background` as RGB (for a slide, a JPEG or a comparison of pixels)."""
    if img.mode != "RGBA":
        return img.convert("RGB")
    base = Image.new("RGBA", img.size, background)
    base.alpha_composite(img)
    return base.convert("RGB")


def map_image(m: torch.Tensor, side: int) -> Image.Image:
    """One (h, w) feature map or filter as an RGB picture: contrast-stretched to its own range (black: its
    lowest value, white: its highest), enlarged (nearest neighbour) to `side` px on its longer side."""
    lo, hi = float(m.min()), float(m.max())
    a = ((m.detach().float() - lo) / (hi - lo if hi > lo else 1.0) * 255).round().byte().cpu().numpy()
    img = Image.fromarray(a, "L")
    k = side / max(img.size)
    return img.resize((max(1, round(img.width * k)), max(1, round(img.height * k))), Image.NEAREST).convert("RGB")
