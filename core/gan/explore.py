"""What the latent-space explorer shows, independent of any UI: arithmetic, directions, neighbours, latents
(the pictures are drawn by `core.gan.render`)."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open

from core.fashion.data import available, load_split, to_input
from core.gan.latent import MAX_SEED, check_seed, direction_spread, latents, truncate
from core.gan.sample import DIRECTIONS, MAX_SAMPLES, Sampler, check_count

#: How far the direction sliders reach, in standard deviations of the latents along each direction:
#: +-2 keeps about 95 % of the latents the generator was trained on; further out the images turn to noise.
DIRECTION_SPREAD = 2.0
DIRECTION_STEP = 0.05


def latents_npy(sampler: Sampler, n: int, seed: int, truncation: float = 1.0) -> bytes:
    """The latent vectors behind `sampler.sample(n, seed, ..., truncation)` as a .npy file (float32, no pickle)."""
    check_count(n, MAX_SAMPLES, "samples")
    buf = io.BytesIO()
    np.save(buf, truncate(latents(n, seed, sampler.z_dim), truncation).numpy(), allow_pickle=False)
    return buf.getvalue()


def arithmetic(sampler: Sampler, seed_a: int, seed_b: int, seed_c: int, label: int | None = None) -> torch.Tensor:
    """Images of A, B, C and A - B + C (latent arithmetic, Radford et al. 2016): (4, 1, 28, 28)."""
    z = torch.cat([latents(1, s, sampler.z_dim) for s in (seed_a, seed_b, seed_c)])
    z = torch.cat([z, (z[0] - z[1] + z[2])[None]])
    y = sampler.labels(1, seed_a, label)
    return sampler.generate(z, None if y is None else y.expand(4))


def arithmetic_captions(seed_a: int, seed_b: int, seed_c: int) -> list[str]:
    """The captions of `arithmetic`'s four images, in order."""
    return [f"A (seed {seed_a})", f"B (seed {seed_b})", f"C (seed {seed_c})", "A − B + C"]


def move_latent(sampler: Sampler, z: torch.Tensor, amounts: list[float], y: torch.Tensor | None = None) -> torch.Tensor:
    """The image of latent `z` (1, z_dim) [class `y` (1,)] moved by `amounts[i]` along principal direction i:
    (1, 1, 28, 28)."""
    d = sampler.directions[: len(amounts)]
    return sampler.generate(z + (torch.tensor(amounts, dtype=torch.float32)[:, None] * d).sum(0), y)


def move_along_directions(sampler: Sampler, seed: int, amounts: list[float], label: int | None = None) -> torch.Tensor:
    """seed's first image after moving its latent by `amounts[i]` along principal direction i: (1, 1, 28, 28)."""
    return move_latent(sampler, latents(1, seed, sampler.z_dim), amounts, sampler.labels(1, seed, label))


#: The direction strips: each direction walked from -reach to +reach in STRIP_STEPS images, for STRIP_SEEDS seeds
#: (the one picked and the next ones), so that what a direction does can be told from what one seed happens to do.
STRIP_SEEDS = 3
STRIP_STEPS = 7


def direction_strips(sampler: Sampler, reach: list[float], seed: int = 0, label: int | None = None,
                     rows: int = STRIP_SEEDS, steps: int = STRIP_STEPS) -> torch.Tensor:
    """Images of each direction i walked over [-reach[i], +reach[i]] in `steps`, for seeds seed .. seed + rows - 1:
    (len(reach) * rows * steps, 1, 28, 28), one row of `steps` per (direction, seed), directions outermost."""
    seeds = [(check_seed(seed) + k) % (MAX_SEED + 1) for k in range(rows)]
    d = sampler.directions[: len(reach)]
    z0 = torch.cat([latents(1, s, sampler.z_dim) for s in seeds])  # (S, z)
    t = torch.linspace(-1, 1, steps)
    zs = [z0[j] + t[:, None] * (r * d[i])[None] for i, r in enumerate(reach) for j in range(len(seeds))]
    ys = [sampler.labels(1, s, label) for _ in reach for s in seeds]
    y = None if ys[0] is None else torch.cat([v.expand(steps) for v in ys])
    return sampler.generate(torch.cat(zs), y)


def direction_ranges(sampler: Sampler, k: int = DIRECTIONS) -> list[float]:
    """For each of the first `k` principal directions, how far its slider reaches either way (latent units):
    `DIRECTION_SPREAD` times the spread of the latents along it, rounded to the slider's step."""
    spread = direction_spread(sampler.directions[:k], sampler.z_dim)
    return [round(round(float(s) * DIRECTION_SPREAD / DIRECTION_STEP) * DIRECTION_STEP, 2) for s in spread]


#: A class-balanced sixth of the Fashion-MNIST training images, shipped so that the memorisation check works
#: where the dataset is not installed (a Space): uint8 `images` (N, 28, 28), their `labels` and their `indices` in
#: the training split; written by `python -m train.gan bank`, which records how in the file's metadata.
BANK = Path(__file__).resolve().parent / "training_bank.safetensors"


@dataclass(frozen=True)
class TrainingImages:
    """The images the memorisation check searches: uint8 (N, 784) (47 MB for all 60,000, not 188 MB as float),
    their squared norms in [0, 1] units, and what they are, in words for a caption."""

    images: torch.Tensor
    norms: torch.Tensor
    what: str


@functools.lru_cache(maxsize=1)
def training_images() -> TrainingImages:
    """All 60,000 training images where the dataset is installed, else the shipped bank (`BANK`)."""
    if available():
        images = load_split(True)[0].flatten(1)
        what = f"the {len(images):,} training images"
    else:
        with safe_open(BANK, "pt") as f:
            images, meta = f.get_tensor("images").flatten(1), f.metadata()
        what = (f"{len(images):,} of the {int(meta['of']):,} training images ({int(meta['per_class']):,} a class, "
                "shipped with the app)")
    return TrainingImages(images, to_input(images).flatten(1).pow(2).sum(1), what)


def nearest_training_images(image: torch.Tensor, k: int = 5, chunk: int = 10_000) -> tuple[torch.Tensor, list[float]]:
    """The `k` training images closest (L2 in pixels, [0, 1] scale) to `image` (1, 28, 28): a memorisation check
    over `training_images()` (its `what` says which)."""
    bank = training_images()
    images, norms = bank.images, bank.norms
    q = image.reshape(-1).float()
    dots = torch.cat([images[i : i + chunk].float().div(255) @ q for i in range(0, len(images), chunk)])
    d2 = norms - 2 * dots + q.pow(2).sum()
    dist, idx = torch.topk(d2, k, largest=False)
    return to_input(images[idx].view(k, 28, 28)), [float(v) for v in dist.clamp(min=0).sqrt()]
