"""Sampling API used by the demos and users: `open_generator(path)` -> `Sampler` (shipped names:
`core.gan.task.TASK.load(name)`)."""

from __future__ import annotations

import functools
from pathlib import Path

import torch
from torch import Tensor

from core import checkpoints
from core.gan import models  # noqa: F401  (registers the architectures that `open_generator` builds)
from core.gan.latent import check_seed, latents, lerp, principal_directions, slerp, truncate
from core.gan.render import from_tanh

MAX_SAMPLES = 1024
MAX_STEPS = 128
#: How many principal directions of the latent space the explorer offers.
DIRECTIONS = 5


def check_count(n: int, limit: int, what: str) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= limit:
        raise ValueError(f"Number of {what} must be from 1 to {limit}; got {n!r}.")
    return n


class Sampler:
    """A trained generator. Images are (N, 1, 28, 28) float in [0, 1]."""

    def __init__(self, generator: torch.nn.Module, card: dict):
        self.g = generator.eval()
        self.card = card
        self.z_dim: int = generator.z_dim
        self.num_classes: int = generator.num_classes

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    def labels(self, n: int, seed: int, label: int | None) -> Tensor | None:
        """The class labels of `n` samples for `seed`: `label` repeated, uniform draws when None (conditional
        models), None for an unconditional model (which refuses a label)."""
        if not self.conditional:
            if label is not None:
                raise ValueError(f"'{self.card.get('name')}' is unconditional: it cannot be steered by class.")
            return None
        if label is None:  # uniform over classes, from the same seed
            g = torch.Generator().manual_seed(check_seed(seed) ^ 0x5EED)
            return torch.randint(0, self.num_classes, (n,), generator=g)
        if not isinstance(label, int) or not 0 <= label < self.num_classes:
            raise ValueError(f"Class label must be from 0 to {self.num_classes - 1}; got {label!r}.")
        return torch.full((n,), label, dtype=torch.long)

    @torch.inference_mode()
    def generate(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """Latents (N, z_dim) [+ labels (N,)] -> images (N, 1, 28, 28) in [0, 1]."""
        return from_tanh(self.g(z.float(), y))

    def sample(self, n: int, seed: int = 0, label: int | None = None, truncation: float = 1.0) -> Tensor:
        """`n` images from `seed`; `label` picks a class (conditional models), `truncation` in (0, 1]."""
        check_count(n, MAX_SAMPLES, "samples")
        z = truncate(latents(n, seed, self.z_dim), truncation)
        return self.generate(z, self.labels(n, seed, label))

    def interpolate(self, seed_a: int, seed_b: int, steps: int, mode: str = "slerp", label: int | None = None) -> Tensor:
        """`steps` images walking from seed_a's first sample to seed_b's (endpoints included)."""
        check_count(steps, MAX_STEPS, "steps")
        if mode not in ("slerp", "lerp"):
            raise ValueError(f"Interpolation mode must be 'slerp' or 'lerp'; got {mode!r}.")
        a, b = latents(1, seed_a, self.z_dim)[0], latents(1, seed_b, self.z_dim)[0]
        t = torch.linspace(0, 1, steps)
        z = (slerp if mode == "slerp" else lerp)(a, b, t)
        y = self.labels(1, seed_a, label)
        return self.generate(z, None if y is None else y.expand(steps))

    @functools.cached_property
    def directions(self) -> Tensor:
        """(DIRECTIONS, z_dim) principal directions of the latent space (GANSpace on the first layer)."""
        first = self.g.net[0] if hasattr(self.g, "net") and isinstance(self.g.net[0], torch.nn.Linear) else self.g.project
        return principal_directions(first, self.z_dim, DIRECTIONS)


def open_generator(path: Path) -> Sampler:
    """The generator checkpoint at `path` as a `Sampler` (uncached: `core.gan.task.TASK.load` caches by sha256).
    Raises `CheckpointError` naming the file if it is missing, damaged or not a generator."""
    model, card = checkpoints.load_checkpoint(path, task="gan")
    # Channels-last convolutions: 64 samples of the shipped conditional GAN in 17 ms instead of 30 (one thread;
    # the images agree within 1e-5).
    return Sampler(model.to(memory_format=torch.channels_last), card)
