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

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

from core.checkpoints import register_model


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
        if scale not in (2, 3, 4):
            raise ValueError(f"FSRCNN scale must be 2, 3 or 4, got {scale}.")
        self.config = FSRCNNConfig(scale, d, s, m)
        self.feature = nn.Sequential(nn.Conv2d(1, d, 5, padding=2), nn.PReLU(d))
        self.shrink = nn.Sequential(nn.Conv2d(d, s, 1), nn.PReLU(s))
        self.mapping = nn.Sequential(*[nn.Sequential(nn.Conv2d(s, s, 3, padding=1), nn.PReLU(s)) for _ in range(m)])
        self.expand = nn.Sequential(nn.Conv2d(s, d, 1), nn.PReLU(d))
        # padding 4 and output_padding scale-1 make the output exactly scale x the input size.
        self.deconv = nn.ConvTranspose2d(d, 1, 9, stride=scale, padding=4, output_padding=scale - 1)
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

    def card_config(self) -> dict:
        return asdict(self.config)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) low-resolution luma in [0, 1] -> (N, 1, scale*H, scale*W)."""
        x = self.feature(y)  # (N, d, H, W)
        x = self.shrink(x)  # (N, s, H, W)
        x = self.mapping(x)  # (N, s, H, W)
        x = self.expand(x)  # (N, d, H, W)
        return self.deconv(x)  # (N, 1, sH, sW)
