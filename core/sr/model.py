"""FSRCNN: Dong, Loy & Tang, "Accelerating the Super-Resolution Convolutional Neural Network" (ECCV 2016).

The network works on the luma (Y) channel of the low-resolution image directly (no bicubic
pre-upscaling) and upsamples only at its end, with a learned deconvolution:

    feature extraction   Conv(5x5, d)   + PReLU
    shrinking            Conv(1x1, s)   + PReLU
    mapping              m x Conv(3x3, s) + PReLU
    expanding            Conv(1x1, d)   + PReLU
    deconvolution        ConvTranspose(9x9, 1, stride=scale)

FSRCNN is (d, s, m) = (56, 12, 4); FSRCNN-s is (32, 5, 1).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.registry import register_model

#: The upscaling factors FSRCNN is trained and shipped for (the paper's).
SCALES = (2, 3, 4)


def parse_scale(scale: int | str) -> int:
    """2, "2" or "x2" -> 2; anything else is a ValueError naming the scales."""
    text = str(scale).strip().lower().removeprefix("x")
    if isinstance(scale, bool) or not text.isdigit() or int(text) not in SCALES:
        raise ValueError(bad_scale_message(scale))
    return int(text)


def check_scale(scale: int) -> int:
    """`scale` itself when it is one of SCALES (an int, not a bool); else the ValueError `parse_scale` gives."""
    if isinstance(scale, bool) or scale not in SCALES:
        raise ValueError(bad_scale_message(scale))
    return int(scale)


def bad_scale_message(scale: object) -> str:
    return f"Scale must be one of {', '.join(f'x{s}' for s in SCALES)}; got {scale!r}."


@dataclass
class FSRCNNConfig:
    scale: int = 2
    d: int = 56  # LR feature dimension
    s: int = 12  # shrunk dimension
    m: int = 4  # mapping depth


@register_model("fsrcnn")
class FSRCNN(nn.Module):
    def __init__(self, scale: int = 2, d: int = 56, s: int = 12, m: int = 4):
        super().__init__()
        check_scale(scale)
        self.config = FSRCNNConfig(scale, d, s, m)
        self.feature = nn.Sequential(nn.Conv2d(1, d, 5, padding=2), nn.PReLU(d))
        self.shrink = nn.Sequential(nn.Conv2d(d, s, 1), nn.PReLU(s))
        self.mapping = nn.Sequential(*[nn.Sequential(nn.Conv2d(s, s, 3, padding=1), nn.PReLU(s)) for _ in range(m)])
        self.expand = nn.Sequential(nn.Conv2d(s, d, 1), nn.PReLU(d))
        # padding 4 and output_padding scale-1 make the output exactly scale x the input size.
        self.deconv = nn.ConvTranspose2d(d, 1, 9, stride=scale, padding=4, output_padding=scale - 1)
        # Where the sub-pixel form of the deconvolution takes each tap from (not a parameter, not saved).
        self.register_buffer("subpixel_index", subpixel_layout(9, scale, 4)[0], persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """The paper's initialisation: He et al. for the convolutions, N(0, 0.001) for the deconvolution."""
        for mod in self.modules():
            if isinstance(mod, nn.Conv2d):
                fan_out = mod.out_channels * mod.kernel_size[0] * mod.kernel_size[1]
                nn.init.normal_(mod.weight, 0.0, math.sqrt(2.0 / fan_out))
                nn.init.zeros_(mod.bias)
            elif isinstance(mod, nn.PReLU):
                nn.init.constant_(mod.weight, 0.25)
        nn.init.normal_(self.deconv.weight, 0.0, 0.001)
        nn.init.zeros_(self.deconv.bias)

    @property
    def scale(self) -> int:
        return self.config.scale

    def trunk(self, y: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) LR luma -> (N, d, H, W) features: every layer but the deconvolution (shared by all scales)."""
        x = self.feature(y)  # (N, d, H, W)
        x = self.shrink(x)  # (N, s, H, W)
        x = self.mapping(x)  # (N, s, H, W)
        return self.expand(x)  # (N, d, H, W)

    def upsample(self, x: torch.Tensor) -> torch.Tensor:
        """(N, d, H, W) features -> (N, 1, sH, sW): the deconvolution, computed in its sub-pixel form."""
        return subpixel_deconv(x, self.deconv.weight, self.deconv.bias, self.scale, self.subpixel_index)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) low-resolution luma in [0, 1] -> (N, 1, scale*H, scale*W)."""
        return self.upsample(self.trunk(y))


@functools.cache
def subpixel_layout(kernel: int, stride: int, padding: int) -> tuple[torch.Tensor, int, int]:
    """Where each tap of the sub-pixel convolution comes from in the transposed convolution's kernel.

    A transposed convolution (kernel k, stride s, padding p) writes output row Y = s*i + a from input rows
    i - t with kernel row ky = s*t + a + p. Gathering those rows per phase a gives an ordinary convolution
    with s*s output channels (one per phase (a, b)) over input offsets t, followed by a pixel shuffle.
    Returns (index (s*s, K, K) into the flattened k*k kernel, k*k meaning "no tap"; K; left padding).
    """
    size, t_max = _subpixel_extent(kernel, stride, padding)
    index = torch.full((stride, stride, size, size), kernel * kernel, dtype=torch.long)
    for a in range(stride):
        for b in range(stride):
            for qy in range(size):
                for qx in range(size):
                    ky = stride * (t_max - qy) + a + padding  # conv tap q reads input row i + q - t_max
                    kx = stride * (t_max - qx) + b + padding
                    if 0 <= ky < kernel and 0 <= kx < kernel:
                        index[a, b, qy, qx] = ky * kernel + kx
    return index.reshape(stride * stride, size, size), size, t_max


def _subpixel_extent(kernel: int, stride: int, padding: int) -> tuple[int, int]:
    """(K, t_max): the sub-pixel kernel size and its left padding, from the input offsets t any phase reads."""
    ts = [t for a in range(stride) for t in range(-kernel, kernel + 1) if 0 <= stride * t + a + padding < kernel]
    return max(ts) - min(ts) + 1, max(ts)


def subpixel_deconv(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, scale: int, index: torch.Tensor | None = None
) -> torch.Tensor:
    """`ConvTranspose2d(d, 1, k, stride=scale, padding=k//2, output_padding=scale-1)` computed exactly as a
    convolution with scale**2 output channels and a pixel shuffle (Shi et al. 2016): same weights, same
    result up to float rounding, faster on the CPU (bench.sr_speed) and differentiable in `weight`."""
    d, _, k, _ = weight.shape
    size, left = _subpixel_extent(k, scale, k // 2)
    if index is None:
        index = subpixel_layout(k, scale, k // 2)[0].to(weight.device)
    flat = torch.cat([weight.reshape(d, k * k), weight.new_zeros(d, 1)], dim=1)  # (d, k*k + 1): last = no tap
    w = flat[:, index].permute(1, 0, 2, 3)  # (s*s, d, K, K)
    x = F.pad(x, (left, size - 1 - left, left, size - 1 - left))
    out = F.conv2d(x, w, bias.expand(scale * scale))  # (N, s*s, H, W)
    return F.pixel_shuffle(out, scale)  # (N, 1, sH, sW)


def gemm_deconv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, scale: int) -> torch.Tensor:
    """`ConvTranspose2d(d, 1, k, stride=scale, padding=k//2, output_padding=scale-1)` computed as the textbook
    transposed convolution: every input pixel's k*k output taps by one GEMM, then col2im (`F.fold`) adds each
    tap at its output place. Exactly the layer's arithmetic (k*k*d multiply-adds per input pixel, no zero taps);
    fastest on the CPU for tiles that fit in the cache (bench.sr_speed). (N, d, H, W) -> (N, 1, sH, sW)."""
    n, d, h, w = x.shape
    k = weight.shape[-1]
    cols = torch.matmul(weight.reshape(d, k * k).t(), x.reshape(n, d, h * w))  # (N, k*k, H*W)
    out = F.fold(cols, (scale * h, scale * w), k, stride=scale, padding=k // 2)  # (N, 1, sH, sW)
    return out.add_(bias.reshape(1, -1, 1, 1))
