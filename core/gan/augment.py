"""Differentiable augmentation for GAN discriminators (DiffAugment, Zhao et al. 2020, arXiv:2006.10738), and
the transformed view of balanced consistency regularisation (bCR, Zhao et al. 2021, arXiv:2002.04724).

The same random translation and cutout are applied to the real and to the generated images that D sees, in
D's and in G's update; being differentiable, G's gradients pass through them. D then cannot memorise the
training images' exact pixels, and nothing leaks into G's samples (G never sees augmented targets).

Images are in [-1, 1] with a black (-1) background, so what a shift uncovers and what cutout removes is
background, not the grey 0 of the reference implementation.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def translation(x: Tensor, ratio: float = 0.125) -> Tensor:
    """Shift each image by up to `ratio` of its size (integer pixels, independently in x and y)."""
    n, _, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ty = torch.randint(-sy, sy + 1, (n, 1, 1), device=x.device)
    tx = torch.randint(-sx, sx + 1, (n, 1, 1), device=x.device)
    iy = (torch.arange(h, device=x.device)[None, :, None] + ty + 1).clamp(0, h + 1)  # (n, h, 1) into the padded image
    ix = (torch.arange(w, device=x.device)[None, None, :] + tx + 1).clamp(0, w + 1)  # (n, 1, w)
    padded = F.pad(x + 1, (1, 1, 1, 1)).permute(0, 2, 3, 1)  # (n, h+2, w+2, c), the border is background
    shifted = padded[torch.arange(n, device=x.device)[:, None, None], iy, ix]  # (n, h, w, c)
    return shifted.permute(0, 3, 1, 2) - 1


def cutout(x: Tensor, ratio: float = 0.5) -> Tensor:
    """Set one square of `ratio` of the image size, at a random place in each image, to background."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    oy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device)
    ox = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device)
    ys = (torch.arange(ch, device=x.device)[None, :, None] + oy - ch // 2).clamp(0, h - 1)  # (n, ch, 1)
    xs = (torch.arange(cw, device=x.device)[None, None, :] + ox - cw // 2).clamp(0, w - 1)  # (n, 1, cw)
    mask = torch.ones(n, h, w, dtype=x.dtype, device=x.device)
    mask[torch.arange(n, device=x.device)[:, None, None], ys, xs] = 0
    return (x + 1) * mask[:, None] - 1


def flip(x: Tensor) -> Tensor:
    """Mirror each image left-right with probability 1/2 (a garment mirrored is the same garment)."""
    mirrored = torch.rand(len(x), 1, 1, 1, device=x.device) < 0.5
    return torch.where(mirrored, x.flip(3), x)


def consistency_view(x: Tensor) -> Tensor:
    """bCR's transformed image T(x): a random left-right mirror, then a shift of up to 1/8 of the size, as in
    the paper (there 4 pixels of 32). D is asked to rate it as it rates x; G never sees it."""
    return translation(flip(x))


#: The augmentations by name, as `--diffaug` takes them.
POLICIES = {"translation": translation, "cutout": cutout}


def diff_augment(x: Tensor, policy: tuple[str, ...] | list[str]) -> Tensor:
    """`x` through each named augmentation of `policy` (any of POLICIES), in order."""
    for name in policy:
        if name not in POLICIES:
            raise ValueError(f"Unknown DiffAugment policy {name!r}; choose from {', '.join(POLICIES)}.")
        x = POLICIES[name](x)
    return x
