"""What the latent-space explorer shows, independent of any UI: grids, GIFs, arithmetic, directions, neighbours."""

from __future__ import annotations

import functools
import io

import numpy as np
import torch
from PIL import Image
from torchvision.utils import make_grid

from core.fashion.data import load_split, to_input
from core.gan.latent import latents, truncate
from core.gan.sample import Sampler


def to_grid(images: torch.Tensor, nrow: int = 8, scale: int = 3) -> Image.Image:
    """(N, 1, 28, 28) in [0, 1] -> one RGB grid image, enlarged `scale` times (nearest) for display."""
    grid = make_grid(images, nrow=nrow, padding=2, pad_value=1.0)  # (3, H, W)
    img = Image.fromarray(grid.mul(255).round().byte().permute(1, 2, 0).numpy(), "RGB")
    return img.resize((img.width * scale, img.height * scale), Image.NEAREST)


def to_gif(frames: torch.Tensor, scale: int = 4, ms: int = 80) -> bytes:
    """(N, 1, 28, 28) frames -> an animated GIF that plays forwards then backwards, looping."""
    imgs = [Image.fromarray(f[0].mul(255).round().byte().numpy(), "L").resize((28 * scale, 28 * scale), Image.NEAREST)
            for f in frames]
    seq = imgs + imgs[-2:0:-1]
    buf = io.BytesIO()
    seq[0].save(buf, format="GIF", save_all=True, append_images=seq[1:], duration=ms, loop=0)
    return buf.getvalue()


def latents_npy(sampler: Sampler, n: int, seed: int, truncation: float = 1.0) -> bytes:
    """The latent vectors behind `sampler.sample(n, seed, ..., truncation)` as a .npy file (float32, no pickle)."""
    buf = io.BytesIO()
    np.save(buf, truncate(latents(n, seed, sampler.z_dim), truncation).numpy(), allow_pickle=False)
    return buf.getvalue()


def arithmetic(sampler: Sampler, seed_a: int, seed_b: int, seed_c: int, label: int | None = None) -> torch.Tensor:
    """Images of A, B, C and A - B + C (latent arithmetic, Radford et al. 2016): (4, 1, 28, 28)."""
    z = torch.cat([latents(1, s, sampler.z_dim) for s in (seed_a, seed_b, seed_c)])
    z = torch.cat([z, (z[0] - z[1] + z[2])[None]])
    y = sampler.labels(1, seed_a, label)
    return sampler.generate(z, None if y is None else y.expand(4))


def move_along_directions(sampler: Sampler, seed: int, amounts: list[float], label: int | None = None) -> torch.Tensor:
    """seed's first image after moving its latent by `amounts[i]` along principal direction i: (1, 1, 28, 28)."""
    d = sampler.directions[: len(amounts)]
    z = latents(1, seed, sampler.z_dim) + (torch.tensor(amounts, dtype=torch.float32)[:, None] * d).sum(0)
    return sampler.generate(z, sampler.labels(1, seed, label))


@functools.lru_cache(maxsize=1)
def _training_images() -> tuple[torch.Tensor, torch.Tensor]:
    """The 60,000 training images as uint8 (N, 784) (47 MB, not 188 MB as float) and their squared norms."""
    images = load_split(True)[0].flatten(1)
    return images, to_input(images).flatten(1).pow(2).sum(1)


def nearest_training_images(image: torch.Tensor, k: int = 5, chunk: int = 10_000) -> tuple[torch.Tensor, list[float]]:
    """The `k` training images closest (L2 in pixels, [0, 1] scale) to `image` (1, 28, 28): a memorisation check."""
    images, norms = _training_images()
    q = image.reshape(-1).float()
    dots = torch.cat([images[i : i + chunk].float().div(255) @ q for i in range(0, len(images), chunk)])
    d2 = norms - 2 * dots + q.pow(2).sum()
    dist, idx = torch.topk(d2, k, largest=False)
    return to_input(images[idx].view(k, 28, 28)), [float(v) for v in dist.clamp(min=0).sqrt()]
