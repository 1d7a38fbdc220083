"""Image-quality metrics with the super-resolution papers' convention: on luma (Y), border shaved.

PSNR comes from torchmetrics, SSIM from scikit-image (its Gaussian-window SSIM over the valid region
is the MATLAB `ssim` of the papers; torchmetrics' differs from it by ~0.005 on detailed images).
This module only fixes the convention (which channel, which border, which data range) so that every
caller (evaluation CLI, demos, tests) measures the same way.
"""

from __future__ import annotations

import torch
from PIL import Image

from core.imaging import pil_to_tensor, rgb_to_y


def _shave(x: torch.Tensor, border: int) -> torch.Tensor:
    return x[..., border:-border, border:-border] if border > 0 else x


def _as_batch(y: torch.Tensor) -> torch.Tensor:
    """(H, W), (1, H, W) or (N, 1, H, W) -> (N, 1, H, W) float64."""
    while y.ndim < 4:
        y = y.unsqueeze(0)
    return y.double()


def psnr(pred: torch.Tensor, target: torch.Tensor, shave: int = 0) -> float:
    """PSNR in dB of luma tensors in [0, 1] (same shape), `shave` pixels dropped from every border."""
    from torchmetrics.functional.image import peak_signal_noise_ratio  # on first use: ~4 s off the app's start-up

    p, t = _shave(_as_batch(pred), shave), _shave(_as_batch(target), shave)
    return float(peak_signal_noise_ratio(p, t, data_range=1.0))


def ssim(pred: torch.Tensor, target: torch.Tensor, shave: int = 0) -> float:
    """SSIM (Gaussian window 11, sigma 1.5, as Wang et al.) of luma tensors in [0, 1]."""
    from skimage.metrics import structural_similarity  # on first use, as above

    p, t = _shave(_as_batch(pred), shave), _shave(_as_batch(target), shave)
    scores = [
        structural_similarity(a[0].numpy(), b[0].numpy(), gaussian_weights=True, sigma=1.5,
                              use_sample_covariance=False, data_range=1.0)
        for a, b in zip(p, t, strict=True)
    ]
    return float(sum(scores) / len(scores))


def quantize(y: torch.Tensor) -> torch.Tensor:
    """Clamp to [0, 1] and round to 8-bit levels, as a saved image would be."""
    return y.clamp(0, 1).mul(255).round().div(255)


def image_quality(pred: Image.Image, target: Image.Image, shave: int = 0) -> dict[str, float]:
    """PSNR (dB) and SSIM of two RGB images of the same size, on Y, with `shave` border pixels dropped."""
    if pred.size != target.size:
        raise ValueError(f"Images differ in size: {pred.size} vs {target.size}.")
    py, ty = rgb_to_y(pil_to_tensor(pred)), rgb_to_y(pil_to_tensor(target))
    return {"psnr": psnr(py, ty, shave), "ssim": ssim(py, ty, shave)}


class _Given(torch.nn.Module):
    """The 'feature extractor' handed to torchmetrics' FID when the features are already computed."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N, d) and (M, d): the 'FD' of FID.

    ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) (Heusel et al. 2017), computed in float64 by
    torchmetrics' `FrechetInceptionDistance` fed with the given features.
    """
    from torchmetrics.image.fid import FrechetInceptionDistance

    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"Need two feature sets (N, d) with the same d and N >= 2, got {tuple(a.shape)} and {tuple(b.shape)}.")
    fid = FrechetInceptionDistance(feature=_Given(a.shape[1]), normalize=True)
    fid.update(a.double(), real=True)
    fid.update(b.double(), real=False)
    return float(fid.compute())
