"""Generated images as pictures: the one mapping of a generator's tanh output to pixels, grids and GIFs.

Images are (N, 1, 28, 28) floats in [0, 1] (what `Sampler` returns); a generator's own output is in [-1, 1].
"""

from __future__ import annotations

import io

import torch
from PIL import Image

#: Interpolation frames per row: 32 frames wrap into 4 rows of 8, each frame large enough to see.
FRAMES_PER_ROW = 8


def from_tanh(x: torch.Tensor) -> torch.Tensor:
    """A generator's output in [-1, 1] -> images in [0, 1] (clamped)."""
    return x.add(1).div(2).clamp(0, 1)


def to_bytes(images: torch.Tensor) -> torch.Tensor:
    """Images in [0, 1] -> uint8 0..255 (rounded), the same shape."""
    return images.mul(255).round().clamp(0, 255).byte()


def tile(images: torch.Tensor, nrow: int = 8, padding: int = 2, pad_value: float = 1.0) -> torch.Tensor:
    """(N, 1, H, W) -> one (H', W') grid, `nrow` images a row, `padding` px of `pad_value` around each (as
    torchvision's `make_grid`, without importing torchvision at serving time: a single image comes back bare)."""
    n, _, h, w = images.shape
    if n == 1:
        return images[0, 0].clone()
    cols = min(nrow, n)
    rows = -(-n // cols)
    grid = torch.full((rows * (h + padding) + padding, cols * (w + padding) + padding), pad_value,
                      dtype=images.dtype)
    for i in range(n):
        r, c = divmod(i, cols)
        y, x = padding + r * (h + padding), padding + c * (w + padding)
        grid[y : y + h, x : x + w] = images[i, 0]
    return grid


def to_grid(images: torch.Tensor, nrow: int = 8, scale: int = 3) -> Image.Image:
    """(N, 1, 28, 28) in [0, 1] -> one grey-scale grid image on white, enlarged `scale` times (nearest) for display
    (grey-scale, as the data: a third of the bytes to encode and send that an RGB copy would be)."""
    img = Image.fromarray(to_bytes(tile(images.float(), nrow)).numpy(), "L")
    return img.resize((img.width * scale, img.height * scale), Image.NEAREST)


def to_gif(frames: torch.Tensor, scale: int = 6, ms: int = 80) -> bytes:
    """(N, 1, 28, 28) frames -> an animated GIF that plays forwards then backwards, looping."""
    imgs = [Image.fromarray(to_bytes(f[0]).numpy(), "L").resize((28 * scale, 28 * scale), Image.NEAREST)
            for f in frames]
    seq = imgs + imgs[-2:0:-1]
    buf = io.BytesIO()
    seq[0].save(buf, format="GIF", save_all=True, append_images=seq[1:], duration=ms, loop=0)
    return buf.getvalue()


def grids_gif(grids: list[Image.Image], ms: int = 250, hold: int = 6) -> bytes:
    """Grid images -> a looping GIF, the last one held `hold` times as long."""
    buf = io.BytesIO()
    durations = [ms] * (len(grids) - 1) + [ms * hold]
    grids[0].save(buf, format="GIF", save_all=True, append_images=grids[1:], duration=durations, loop=0)
    return buf.getvalue()


def interpolation_grid(frames: torch.Tensor) -> Image.Image:
    """Interpolation frames wrapped into rows of `FRAMES_PER_ROW`, enlarged 3x: 32 frames stay readable."""
    return to_grid(frames, nrow=min(len(frames), FRAMES_PER_ROW), scale=3)
