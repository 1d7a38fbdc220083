"""Measuring a classifier: accuracy, per-class accuracy, confusion matrix, CPU latency and throughput."""

from __future__ import annotations

import statistics
import time

import torch

from core.fashion.data import CLASSES
from core.fashion.models import Network as Net


@torch.inference_mode()
def evaluate_classifier(model: Net, x: torch.Tensor, y: torch.Tensor, batch: int = 1000, flip_tta: bool = False) -> dict:
    """Accuracy, per-class accuracy and confusion matrix (rows: true class, columns: predicted);
    `flip_tta` as in `Net.probabilities`."""
    model.eval()
    dev = next(model.parameters()).device
    pred = torch.cat([model.probabilities(x[i : i + batch].to(dev), flip_tta).argmax(-1).cpu()
                      for i in range(0, len(x), batch)])
    conf = torch.zeros(10, 10, dtype=torch.long)
    conf.index_put_((y, pred), torch.ones_like(y), accumulate=True)
    per_class = (conf.diag().float() / conf.sum(1).clamp(min=1)).tolist()
    return {
        "test_accuracy": round(float((pred == y).float().mean()), 4),
        "per_class_accuracy": {c: round(a, 4) for c, a in zip(CLASSES, per_class, strict=True)},
        "confusion_matrix": conf.tolist(),
    }


def cpu_latency_ms(model: Net, runs: int = 50, flip_tta: bool = False) -> dict[str, float]:
    """Median CPU latency of one image (batch 1) and throughput at batch 256, probabilities included."""
    model = model.cpu().eval()
    one, many = torch.rand(1, 1, 28, 28), torch.rand(256, 1, 28, 28)
    with torch.inference_mode():
        for _ in range(5):
            model.probabilities(one, flip_tta)
        t1 = []
        for _ in range(runs):
            t0 = time.perf_counter()
            model.probabilities(one, flip_tta)
            t1.append(time.perf_counter() - t0)
        model.probabilities(many, flip_tta)
        t2 = []
        for _ in range(max(3, runs // 10)):
            t0 = time.perf_counter()
            model.probabilities(many, flip_tta)
            t2.append(time.perf_counter() - t0)
    return {"latency_ms_batch1": round(statistics.median(t1) * 1000, 3),
            "images_per_s_batch256": round(256 / statistics.median(t2))}
