"""Upscaling API used by the demos, the evaluation CLI and users: `load_upscaler` and `bicubic`.

FSRCNN sees only the luma (Y) channel; chroma (Cb, Cr) comes from bicubic upscaling, as in the paper.
Large images are processed in overlapping tiles so that memory stays bounded; the margin covers the
network's receptive field, so the tiled result equals whole-image inference.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from core import checkpoints
from core.imaging import ImageInputError, rgb_to_ycbcr, ycbcr_to_rgb
from core.sr.model import FSRCNN, check_scale, gemm_deconv

#: Largest output an upscaler produces (pixels): 64 MP, e.g. 2000x2000 input at x4.
MAX_OUTPUT_PIXELS = 64_000_000
#: LR pixels per tile side. Small enough that a tile's 56-channel activations (56 x 112^2 floats, 2.8 MB)
#: stay in the CPU's cache, large enough that the recomputed margins cost little: measured best in
#: bench.sr_speed (whole 512x512 images run 2-3x slower per pixel, being memory-bound).
DEFAULT_TILE = 112

#: LR pixels on each side of an output pixel that FSRCNN's 9x9 deconvolution reads (at x2: input offsets -2..2).
DECONV_REACH = 2

Progress = Callable[[int, int], None]  # (tiles done, tiles in all)


def bicubic(img: Image.Image, scale: int) -> Image.Image:
    """Pillow bicubic upscaling by `scale` (the papers' baseline)."""
    check_scale(scale)
    return img.resize((img.width * scale, img.height * scale), Image.BICUBIC)


def _luma_weights() -> tuple[torch.Tensor, float, float]:
    """(RGB -> Y weights for 0-255 values, Y offset in 0-255, gain of Y in RGB), read off core.imaging's BT.601
    conversion so that it stays the one definition. Replacing the luma of an RGB pixel by y' changes each of
    R, G, B by gain * (y' - y): the conversion is affine and Y's column of its inverse is (gain, gain, gain)."""
    offset = rgb_to_ycbcr(torch.zeros(3, 1, 1, dtype=torch.float64))[:, 0, 0]  # (Y, Cb, Cr) of black
    weights = rgb_to_ycbcr(torch.eye(3, dtype=torch.float64)[:, :, None, None])[:, 0, 0, 0] - offset[0]
    gain = ycbcr_to_rgb((offset + torch.tensor([1.0, 0, 0], dtype=torch.float64))[:, None, None])[:, 0, 0]
    return weights.float(), float(offset[0]) * 255.0, float(gain[0])


_LUMA, _Y_OFFSET, _Y_GAIN = _luma_weights()


def _luma(rgb: torch.Tensor) -> torch.Tensor:
    """(h, w, 3) float RGB in 0-255 -> (h, w) luma Y in [16, 235] (0-255 units)."""
    return (rgb @ _LUMA).add_(_Y_OFFSET)


class Upscaler:
    """A trained FSRCNN for one scale. `upscaler(img)` returns the RGB image `scale` times larger."""

    def __init__(self, model: FSRCNN, card: dict, tile: int = DEFAULT_TILE):
        self.model = model.eval()
        self.card = card
        self.scale = model.scale
        self.tile = tile
        # The output at one HR pixel depends on LR pixels within 2 (5x5) + m (3x3s) + 2 (deconv) of it;
        # one more pixel of margin for safety.
        self.margin = 2 + model.config.m + 3

    @property
    def name(self) -> str:
        return self.card.get("name", f"fsrcnn_x{self.scale}")

    def tiles(self, w: int, h: int) -> list[tuple[tuple[int, int, int, int], tuple[int, int, int, int]]]:
        """The LR tiles of a `w`x`h` image: (tile box, tile box widened by the margin), boxes as (x0, y0, x1, y1)."""
        t, mgn = self.tile, self.margin
        out = []
        for y0 in range(0, h, t):
            for x0 in range(0, w, t):
                x1, y1 = min(x0 + t, w), min(y0 + t, h)
                out.append(((x0, y0, x1, y1), (max(x0 - mgn, 0), max(y0 - mgn, 0), min(x1 + mgn, w), min(y1 + mgn, h))))
        return out

    def _tile_y(self, y: torch.Tensor, box: tuple[int, int, int, int], wide: tuple[int, int, int, int]) -> torch.Tensor:
        """FSRCNN of the widened tile `y` (1, 1, h', w'), cropped to `box`: (sh, sw), not clamped.

        The deconvolution runs on the box plus its reach only (DECONV_REACH LR pixels), not the whole margin."""
        s, r = self.scale, DECONV_REACH
        feat = self.model.trunk(y)  # (1, d, h', w')
        fx0, fy0 = max(box[0] - r, wide[0]), max(box[1] - r, wide[1])
        fx1, fy1 = min(box[2] + r, wide[2]), min(box[3] + r, wide[3])
        feat = feat[:, :, fy0 - wide[1] : fy1 - wide[1], fx0 - wide[0] : fx1 - wide[0]]
        deconv = self.model.deconv
        sr = gemm_deconv(feat, deconv.weight, deconv.bias, s)[0, 0]  # (s(fy1-fy0), s(fx1-fx0))
        dx, dy = box[0] - fx0, box[1] - fy0
        return sr[dy * s : (dy + box[3] - box[1]) * s, dx * s : (dx + box[2] - box[0]) * s]

    @torch.inference_mode()
    def upscale_y(self, y: torch.Tensor, progress: Progress | None = None) -> torch.Tensor:
        """(1, 1, H, W) LR luma in [0, 1] -> (1, 1, sH, sW), not clamped, in overlapping tiles."""
        _, _, h, w = y.shape
        s = self.scale
        out = torch.empty(1, 1, h * s, w * s)
        tiles = self.tiles(w, h)
        for i, (box, wide) in enumerate(tiles):
            x0, y0, x1, y1 = box
            out[0, 0, y0 * s : y1 * s, x0 * s : x1 * s] = self._tile_y(y[:, :, wide[1] : wide[3], wide[0] : wide[2]], box, wide)
            if progress is not None:
                progress(i + 1, len(tiles))
        return out

    def check_size(self, img: Image.Image) -> None:
        out_pixels = img.width * img.height * self.scale**2
        if out_pixels > MAX_OUTPUT_PIXELS:
            raise ImageInputError(
                f"x{self.scale} of a {img.width}x{img.height} image would be {out_pixels / 1e6:.0f} megapixels; "
                f"the limit is {MAX_OUTPUT_PIXELS / 1e6:.0f}. Please use a smaller image or scale."
            )

    @torch.inference_mode()
    def __call__(
        self, img: Image.Image, progress: Progress | None = None, base: Image.Image | None = None
    ) -> Image.Image:
        """RGB image -> RGB image `scale` times larger: FSRCNN luma, bicubic chroma.

        `base` is `bicubic(img, scale)` when the caller has it already. The work goes tile by tile, from 8-bit
        pixels to 8-bit pixels, so that memory holds the input, `base` and the result, never a float copy of
        a whole image: a 4000x3000 photo at x2 adds about 0.5 GB at its peak (bench.sr_speed --memory)."""
        self.check_size(img)
        img = img.convert("RGB")
        s = self.scale
        base = base if base is not None else bicubic(img, s)
        out = Image.new("RGB", base.size)
        tiles = self.tiles(img.width, img.height)
        for i, (box, wide) in enumerate(tiles):
            y = _luma(torch.from_numpy(np.array(img.crop(wide))).float())  # (h', w') in 0-255
            sr_y = self._tile_y(y.div_(255.0)[None, None], box, wide)  # (sh, sw) in [0, 1]
            hr_box = tuple(v * s for v in box)
            rgb = torch.from_numpy(np.array(base.crop(hr_box))).float()  # (sh, sw, 3) bicubic
            # Bicubic chroma, FSRCNN luma: move R, G, B alike by the change of Y.
            delta = sr_y.mul(255.0).sub_(_luma(rgb)).mul_(_Y_GAIN)
            rgb = rgb.add_(delta[:, :, None]).clamp_(0, 255).round_().to(torch.uint8)
            out.paste(Image.fromarray(rgb.numpy(), "RGB"), hr_box[:2])
            if progress is not None:
                progress(i + 1, len(tiles))
        return out


def open_upscaler(path: Path) -> Upscaler:
    """The FSRCNN checkpoint at `path` as an `Upscaler` (uncached: `core.sr.task.TASK.load` caches by sha256).
    Raises `CheckpointError` naming the file if it is missing, damaged or not an upscaler."""
    model, card = checkpoints.load_checkpoint(path, task="sr")
    return Upscaler(model, card)
