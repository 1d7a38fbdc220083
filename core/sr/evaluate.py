"""Benchmark evaluation of an upscaler, the papers' way: given `_LR.png`, PSNR/SSIM on Y, `scale` px shaved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from core.metrics import psnr, quantize, ssim
from core.sr.data import EvalPair, load_eval_pairs, y_of
from core.sr.upscale import bicubic

UpscaleY = Callable[[torch.Tensor], torch.Tensor]  # (1, 1, H, W) -> (1, 1, sH, sW)


def evaluate_pairs(pairs: list[EvalPair], scale: int, upscale_y: UpscaleY | None) -> dict[str, float]:
    """Mean PSNR (dB) and SSIM over `pairs`; `upscale_y=None` measures Pillow bicubic."""
    ps, ss = [], []
    for p in pairs:
        hr = y_of(p.hr)
        if upscale_y is None:
            sr = y_of(bicubic(p.lr, scale))
        else:
            sr = upscale_y(y_of(p.lr)[None])[0]
        sr = quantize(sr)
        ps.append(psnr(sr, hr, shave=scale))
        ss.append(ssim(sr, hr, shave=scale))
    return {"psnr": sum(ps) / len(ps), "ssim": sum(ss) / len(ss), "images": len(pairs)}


def evaluate_sets(
    roots: dict[str, Path], scale: int, upscale_y: UpscaleY
) -> dict[str, dict[str, float]]:
    """{set name: {psnr, ssim, bicubic_psnr, bicubic_ssim, images}} for every set found under `roots`."""
    out = {}
    for name, root in roots.items():
        pairs = load_eval_pairs(root, scale)
        model = evaluate_pairs(pairs, scale, upscale_y)
        base = evaluate_pairs(pairs, scale, None)
        out[name] = {
            "psnr": round(model["psnr"], 3),
            "ssim": round(model["ssim"], 4),
            "bicubic_psnr": round(base["psnr"], 3),
            "bicubic_ssim": round(base["ssim"], 4),
            "images": model["images"],
        }
    return out
