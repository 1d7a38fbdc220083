"""Measuring a generator with our own Fashion-MNIST classifier: FID on its features, class statistics."""

from __future__ import annotations

from pathlib import Path

import torch

from core.fashion.data import CLASSES, load_split, to_input
from core.fashion.predict import load_classifier
from core.gan.sample import Sampler
from core.metrics import frechet_distance


@torch.inference_mode()
def classifier_features(x: torch.Tensor, batch: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """(penultimate-layer features, predicted class) of the most accurate shipped classifier for x in [0, 1]."""
    net = load_classifier().model
    feats, preds = [], []
    for i in range(0, len(x), batch):
        f = net.features(x[i : i + batch])
        feats.append(f)
        preds.append(net.head()(f).argmax(-1))
    return torch.cat(feats), torch.cat(preds)


def generate(sampler: Sampler, n: int, label: int | None = None, seed: int = 0, batch: int = 500) -> torch.Tensor:
    return torch.cat([sampler.sample(min(batch, n - i), seed=seed + i, label=label) for i in range(0, n, batch)])


def evaluate_generator(sampler: Sampler, n: int = 10_000, data: Path | None = None, download: bool = False) -> dict:
    """FID between `n` samples and the test set on our classifier's features (with the real-vs-real floor:
    `n` training images against the test set), class histogram, and per-class accuracy (conditional models)."""
    test_x, _ = load_split(False, data, download)
    train_x, _ = load_split(True, data, download)
    real_f, _ = classifier_features(to_input(test_x[:n]))
    floor_f, _ = classifier_features(to_input(train_x[:n]))  # real vs real: the best a generator can score
    fake_f, fake_pred = classifier_features(generate(sampler, n))
    hist = torch.bincount(fake_pred, minlength=10).float() / len(fake_pred)
    metrics: dict = {
        "fid_classifier": round(frechet_distance(fake_f, real_f), 3),
        "fid_classifier_real_train_vs_test": round(frechet_distance(floor_f, real_f), 3),
        "fid_classifier_model": load_classifier().card.get("title"),
        "samples": n,
        "class_histogram": {c: round(float(h), 4) for c, h in zip(CLASSES, hist, strict=True)},
    }
    if sampler.conditional:
        per = {}
        for k, c in enumerate(CLASSES):
            _, pred = classifier_features(generate(sampler, max(n // 10, 1), label=k, seed=100_000 * (k + 1)))
            per[c] = round(float((pred == k).float().mean()), 4)
        metrics["conditional_accuracy"] = round(sum(per.values()) / len(per), 4)
        metrics["conditional_accuracy_per_class"] = per
    return metrics
