"""Measuring a classifier: accuracy, per-class accuracy, confusion matrix, CPU latency and throughput on
Fashion-MNIST; grouped top-1/top-3 accuracy on folders of real photos (core.fashion.photos)."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch

from core.fashion.data import CLASSES
from core.fashion.models import Network as Net
from core.fashion.photos import FOLDER_CLASSES, FOOTWEAR, Photo, hit
from core.fashion.predict import Classifier, classify
from core.imaging import ImageInputError, open_image


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


@dataclass
class FolderScore:
    """One classifier on one folder of photos: how many, how many right at top-1 and top-3, and what it answered."""

    folder: str
    photos: int = 0
    top1: int = 0
    top3: int = 0
    answers: Counter = field(default_factory=Counter)  # top-1 class -> photos

    def add(self, ranked: list[str], photo: Photo) -> None:
        self.photos += 1
        self.top1 += hit(ranked, photo, 1)
        self.top3 += hit(ranked, photo, 3)
        self.answers[ranked[0]] += 1


@dataclass
class PhotoScores:
    """One classifier on a photo set: per folder, and summed over the scored folders (`grouped`)."""

    model: str
    folders: dict[str, FolderScore]
    milliseconds: float  # median time of `classify` (preprocessing + inference) per photo

    def total(self, folders: Iterable[str]) -> FolderScore:
        out = FolderScore("+".join(folders))
        for f in folders:
            if f in self.folders:
                s = self.folders[f]
                out.photos, out.top1, out.top3 = out.photos + s.photos, out.top1 + s.top1, out.top3 + s.top3
                out.answers.update(s.answers)
        return out

    @property
    def grouped(self) -> FolderScore:
        """Every scored folder together (hat, shorts and skirt are not in it)."""
        return self.total([f for f in self.folders if FOLDER_CLASSES[f]])

    def metrics(self) -> dict[str, Any]:
        """The scores as a card stores them: grouped and footwear top-1/top-3, photo counts, per-folder top-1."""
        g, shoes = self.grouped, self.folders.get(FOOTWEAR, FolderScore(FOOTWEAR))
        rate = lambda n, s: round(n / s.photos, 4) if s.photos else None  # noqa: E731
        return {"photo_top1": rate(g.top1, g), "photo_top3": rate(g.top3, g), "photo_count": g.photos,
                "photo_footwear_top1": rate(shoes.top1, shoes), "photo_footwear_count": shoes.photos,
                "photo_per_folder_top1": {f: rate(s.top1, s) for f, s in self.folders.items() if FOLDER_CLASSES[f]}}


def card_photos(card: dict[str, Any] | None) -> dict[str, Any]:
    """A classifier card's real-photo figures: its `photos` block (`python -m train.fashion photos DIR CKPT
    --write-card`, PhotoScores.metrics), {} where the card has none."""
    return (card or {}).get("photos") or {}


def evaluate_photos(classifiers: list[Classifier], photos: list[Photo],
                    progress: Callable[[int, int], None] | None = None) -> tuple[list[PhotoScores], list[str]]:
    """Each classifier on each photo through the demos' own path, `classify(open_image(path), classifier)`:
    (one PhotoScores per classifier, the files that could not be read, each with why). Each photo is decoded once;
    `progress(done, total)` is called after each."""
    scores = [PhotoScores(c.title, {}, 0.0) for c in classifiers]
    times: list[list[float]] = [[] for _ in classifiers]
    unreadable = []
    for i, photo in enumerate(photos):
        try:
            img = open_image(photo.path)
        except ImageInputError as e:
            unreadable.append(f"{photo.path}: {e}")
            continue
        for clf, s, t in zip(classifiers, scores, times, strict=True):
            pred = classify(img, clf)
            s.folders.setdefault(photo.folder, FolderScore(photo.folder)).add(list(pred.probabilities), photo)
            t.append(pred.milliseconds)
        if progress:
            progress(i + 1, len(photos))
    for s, t in zip(scores, times, strict=True):
        s.milliseconds = statistics.median(t) if t else 0.0
    return scores, unreadable
