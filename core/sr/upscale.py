"""Upscaling API used by the demos, the evaluation CLI and users: `load_upscaler` and `bicubic`.

FSRCNN sees only the luma (Y) channel; chroma (Cb, Cr) comes from bicubic upscaling, as in the paper.
Large images are processed in overlapping tiles so that memory stays bounded; the margin covers the
network's receptive field, so the tiled result equals whole-image inference.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from PIL import Image

from core import checkpoints
from core.imaging import ImageInputError, pil_to_tensor, rgb_to_ycbcr, tensor_to_pil, ycbcr_to_rgb
from core.sr.model import FSRCNN

SCALES = (2, 3, 4)
ARCHS = {"fsrcnn": "FSRCNN (56,12,4)", "fsrcnn-s": "FSRCNN-s (32,5,1)"}
#: Largest output an upscaler produces (pixels): 64 MP, e.g. 2000x2000 input at x4.
MAX_OUTPUT_PIXELS = 64_000_000
DEFAULT_TILE = 256  # LR pixels per tile side

Progress = Callable[[int, int], None]  # (tiles done, tiles in all)


def check_scale(scale: int) -> int:
    if scale not in SCALES:
        raise ValueError(f"Scale must be one of {', '.join(map(str, SCALES))}; got {scale}.")
    return int(scale)


def bicubic(img: Image.Image, scale: int) -> Image.Image:
    """Pillow bicubic upscaling by `scale` (the papers' baseline)."""
    check_scale(scale)
    return img.resize((img.width * scale, img.height * scale), Image.BICUBIC)


def checkpoint_name(scale: int, arch: str = "fsrcnn") -> str:
    """Shipped checkpoint name for an architecture and scale, e.g. `fsrcnn_x2`."""
    return f"{arch}_x{scale}"


def available() -> list[tuple[str, int]]:
    """(arch, scale) pairs with a shipped checkpoint."""
    out = []
    for name in checkpoints.list_shipped("sr"):
        arch, _, s = name.rpartition("_x")
        if arch in ARCHS and s.isdigit():
            out.append((arch, int(s)))
    return out


class Upscaler:
    """A trained FSRCNN for one scale. `upscaler(img)` returns the RGB image `scale` times larger."""

    def __init__(self, model: FSRCNN, card: dict, tile: int = DEFAULT_TILE):
        self.model = model.eval()
        self.card = card
        self.scale = model.scale
        self.tile = tile
        # The output at one HR pixel depends on LR pixels within 2 (5x5) + m (3x3s) + 2 (deconv) of it.
        self.margin = 2 + model.config.m + 3

    @property
    def name(self) -> str:
        return self.card.get("name", f"fsrcnn_x{self.scale}")

    @torch.inference_mode()
    def upscale_y(self, y: torch.Tensor, progress: Progress | None = None) -> torch.Tensor:
        """(1, 1, H, W) LR luma in [0, 1] -> (1, 1, sH, sW), not clamped, in overlapping tiles."""
        _, _, h, w = y.shape
        s, t, mgn = self.scale, self.tile, self.margin
        out = torch.empty(1, 1, h * s, w * s)
        starts = [(y0, x0) for y0 in range(0, h, t) for x0 in range(0, w, t)]
        for i, (y0, x0) in enumerate(starts):
            y1, x1 = min(y0 + t, h), min(x0 + t, w)
            ya, xa = max(y0 - mgn, 0), max(x0 - mgn, 0)
            yb, xb = min(y1 + mgn, h), min(x1 + mgn, w)
            sr = self.model(y[:, :, ya:yb, xa:xb])
            out[:, :, y0 * s : y1 * s, x0 * s : x1 * s] = sr[
                :, :, (y0 - ya) * s : (y1 - ya) * s, (x0 - xa) * s : (x1 - xa) * s
            ]
            if progress is not None:
                progress(i + 1, len(starts))
        return out

    def __call__(self, img: Image.Image, progress: Progress | None = None) -> Image.Image:
        """RGB image -> RGB image `scale` times larger: FSRCNN luma, bicubic chroma."""
        out_pixels = img.width * img.height * self.scale**2
        if out_pixels > MAX_OUTPUT_PIXELS:
            raise ImageInputError(
                f"x{self.scale} of a {img.width}x{img.height} image would be {out_pixels / 1e6:.0f} megapixels; "
                f"the limit is {MAX_OUTPUT_PIXELS / 1e6:.0f}. Please use a smaller image or scale."
            )
        img = img.convert("RGB")
        y = rgb_to_ycbcr(pil_to_tensor(img))[None, :1]
        ycc = rgb_to_ycbcr(pil_to_tensor(bicubic(img, self.scale)))
        ycc[:1] = self.upscale_y(y, progress)[0]
        return tensor_to_pil(ycbcr_to_rgb(ycc))


def load_upscaler(scale: int, arch: str = "fsrcnn") -> Upscaler:
    """The shipped FSRCNN for `scale` (2, 3 or 4) and `arch` ("fsrcnn" or "fsrcnn-s"), a `.safetensors` path,
    or a Hugging Face Hub id `owner/repo[/name]` (name defaults to `fsrcnn_x<scale>`).

    Loaded once and cached. Raises `CheckpointError` if that checkpoint is missing or corrupt.
    """
    return _load(check_scale(scale), arch)


@functools.lru_cache(maxsize=16)
def _load(scale: int, arch: str) -> Upscaler:
    if "/" in arch or arch.endswith(".safetensors"):
        path = checkpoints.resolve(arch, default_name=checkpoint_name(scale))
    else:
        if arch not in ARCHS:
            raise ValueError(f"Unknown upscaler '{arch}'. Choose one of: {', '.join(ARCHS)}, a path or a Hub id.")
        path = checkpoints.shipped("sr", checkpoint_name(scale, arch))
        if not path.is_file():
            have = ", ".join(f"{a} x{s}" for a, s in available()) or "none"
            raise checkpoints.CheckpointError(f"No shipped {ARCHS[arch]} checkpoint for x{scale} ({path}); shipped: {have}.")
    model, card = checkpoints.load_checkpoint(path, task="sr")
    if model.scale != scale:
        raise checkpoints.CheckpointError(f"'{path.name}' is an x{model.scale} model, not x{scale}.")
    return Upscaler(model, card)


def measured(scale: int, arch: str = "fsrcnn") -> str:
    """One line of the shipped model's measured quality, e.g. 'Set5 36.52 dB (bicubic 33.66) · Set14 ...', or
    'Unavailable: <why>' when that checkpoint is missing or damaged (it is loaded, so the pickers say so up front)."""
    try:
        card = load_upscaler(scale, arch).card
    except checkpoints.CheckpointError as e:
        return f"Unavailable: {e}"
    parts = [f"{name} {m['psnr']:.2f} dB (bicubic {m['bicubic_psnr']:.2f})" for name, m in card.get("metrics", {}).items()]
    return f"{card.get('title', card['name'])}: " + (" · ".join(parts) or "not measured")
