"""Latent-space tools: seeded latents, interpolation, truncation and principal directions.

Latents come from a CPU `torch.Generator` seeded by the user's seed, so a seed gives the same
images on every machine and device.
"""

from __future__ import annotations

import secrets

import torch
from torch import Tensor

MAX_SEED = 2**32 - 1


def check_seed(seed: int) -> int:
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"Seed must be a whole number from 0 to {MAX_SEED}; got {seed!r}.")
    return seed


def random_seed() -> int:
    """A fresh seed for the "random seed" buttons (any of the 2**32 seeds, equally likely)."""
    return secrets.randbelow(MAX_SEED + 1)


def latents(n: int, seed: int, z_dim: int) -> Tensor:
    """(n, z_dim) standard-normal latents, the same for a seed on every machine."""
    g = torch.Generator().manual_seed(check_seed(seed))
    return torch.randn(n, z_dim, generator=g)


def truncate(z: Tensor, psi: float) -> Tensor:
    """Scale latents towards the mean (0) by `psi` in (0, 1]: less variety, more typical samples."""
    if not 0.0 < psi <= 1.0:
        raise ValueError(f"Truncation must be in (0, 1]; got {psi}.")
    return z * psi


def lerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Straight line from a (t=0) to b (t=1); t: (steps,) -> (steps, z_dim)."""
    return a[None] + (b - a)[None] * t[:, None]


def slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation (Shoemake 1985; White 2016 for GANs): keeps latents at a typical norm."""
    omega = torch.arccos(torch.clamp(torch.dot(a / a.norm(), b / b.norm()), -1.0, 1.0))
    if omega.abs() < 1e-6:
        return lerp(a, b, t)
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so)[:, None] * a[None] + (torch.sin(t * omega) / so)[:, None] * b[None]


def principal_directions(first_layer: torch.nn.Module, z_dim: int, k: int = 5, n: int = 4096, seed: int = 0) -> Tensor:
    """GANSpace (Härkönen et al. 2020): PCA of the first layer's activations, mapped back to z by least squares.

    Returns (k, z_dim) unit directions, most variance first.
    """
    z = latents(n, seed, z_dim)
    with torch.no_grad():
        h = first_layer(z).flatten(1)
    h = h - h.mean(0)
    with torch.random.fork_rng(devices=[]):  # pca_lowrank draws random projections: seeded, the same everywhere
        torch.manual_seed(seed)
        _, _, v = torch.pca_lowrank(h, q=k, center=False)  # (hdim, k)
    coords = h @ v  # (n, k)
    b = torch.linalg.lstsq(z, coords).solution  # (z_dim, k)
    d = b.T
    return d / d.norm(dim=1, keepdim=True)


def direction_spread(directions: Tensor, z_dim: int, n: int = 4096, seed: int = 0) -> Tensor:
    """The standard deviation of `n` seeded latents along each of `directions` (k, z_dim): (k,).

    About 1 for unit directions in a standard-normal latent space; measured rather than assumed, so that a
    direction that is not a unit vector (or another latent prior) still gets a range that stays on the data."""
    return (latents(n, seed, z_dim) @ directions.T).std(0)
