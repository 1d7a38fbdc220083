"""Classifying user images: `open_classifier(path).predict(img)`, `classify(img, classifier)`.

A phone photo (dark garment on a light background, any size and colour) or a mouse drawing is turned
into what Fashion-MNIST looks like (Xiao et al. 2017's own pipeline, in reverse): grayscale, light
object on black, trimmed to the object, longest edge resized to 28, centred on a 28x28 canvas.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from core import checkpoints
from core.fashion.data import CLASSES
from core.fashion.models import Network


def to_fashion_mnist(img: Image.Image) -> Image.Image:
    """Any RGB/L image -> the 28x28 'L' image the models were trained on (light object on black)."""
    g = np.asarray(ImageOps.grayscale(img), dtype=np.float32)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    if np.median(border) > 127:  # light background (photo, drawing): invert to light-on-dark
        g = 255.0 - g
    g = np.clip(g - np.median(np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])), 0, None)  # background -> 0
    # Otsu's threshold separates garment from (unevenly lit) background; a quarter of it keeps faint parts.
    # (scikit-image is imported on first use, not with the module: it costs ~0.4 s of every app's start-up.)
    from skimage.filters import threshold_otsu

    t = threshold_otsu(g) if g.max() > g.min() else 0.0
    g = np.clip(g - 0.25 * t, 0, None)
    mask = g > max(0.25 * t, 1.0)
    if mask.any():
        ys, xs = np.nonzero(mask)
        g = g[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    if g.max() > 0:
        g = g * (255.0 / g.max())
    obj = Image.fromarray(g.astype(np.uint8), "L")
    h, w = obj.height, obj.width
    side = max(h, w)
    nw, nh = max(1, round(28 * w / side)), max(1, round(28 * h / side))
    obj = obj.resize((nw, nh), Image.LANCZOS)
    canvas = Image.new("L", (28, 28), 0)
    canvas.paste(obj, ((28 - nw) // 2, (28 - nh) // 2))
    return canvas


def _ranked(probs: torch.Tensor) -> dict[str, float]:
    return {CLASSES[i]: float(probs[i]) for i in probs.argsort(descending=True).tolist()}


def image_to_tensor(view: Image.Image) -> torch.Tensor:
    """28x28 'L' image -> (1, 1, 28, 28) float in [0, 1]."""
    return torch.from_numpy(np.asarray(view, dtype=np.float32) / 255.0)[None, None]


class Classifier:
    """A trained Fashion-MNIST classifier and its card."""

    def __init__(self, model: Network, card: dict):
        self.model = model.eval()
        self.card = card

    @property
    def name(self) -> str:
        return self.card.get("name", self.card["arch"])

    @property
    def flip_tta(self) -> bool:
        """Whether predictions average the image and its mirror image (the card's `inference.flip_tta`)."""
        return bool(self.card.get("inference", {}).get("flip_tta", False))

    @property
    def title(self) -> str:
        """The model's title, saying so when it averages the image with its mirror image."""
        return self.card.get("title", self.name) + (" (image + mirror image averaged)" if self.flip_tta else "")

    @torch.inference_mode()
    def predict_tensor(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, 1, 28, 28) in [0, 1], as the dataset stores them -> probabilities (N, 10)."""
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise ValueError(f"Expected a tensor of shape (N, 1, 28, 28), got {tuple(x.shape)}.")
        return self.model.probabilities(x.float(), self.flip_tta)

    def predict(self, img: Image.Image) -> dict[str, float]:
        """Any user image -> {class name: probability}, summing to 1, most likely first."""
        return _ranked(self.predict_tensor(image_to_tensor(to_fashion_mnist(img)))[0])


def open_classifier(path: Path) -> Classifier:
    """The classifier checkpoint at `path` (uncached: `core.fashion.task.TASK.load` caches by sha256). Raises
    `CheckpointError` naming the file if it is missing, damaged or not a classifier."""
    model, card = checkpoints.load_checkpoint(path, task="fashion")
    return Classifier(model, card)


@dataclass
class Prediction:
    probabilities: dict[str, float]  # class name -> probability, most likely first
    view: Image.Image  # the 28x28 image the model saw
    milliseconds: float  # preprocessing + inference
    model: str  # the model's title (Classifier.title)

    def top(self, k: int = 5) -> dict[str, float]:
        return dict(list(self.probabilities.items())[:k])


def classify(img: Image.Image, clf: Classifier) -> Prediction:
    """What both demos show for one image: probabilities, the model's 28x28 view and the time taken."""
    import skimage.filters  # noqa: F401  (imported on first use, ~0.5 s once: outside the time a visitor is shown)

    t0 = time.perf_counter()
    view = to_fashion_mnist(img)
    probs = _ranked(clf.predict_tensor(image_to_tensor(view))[0])
    ms = (time.perf_counter() - t0) * 1000
    return Prediction(probs, view, ms, clf.title)


def side_by_side(view: Image.Image, classifiers: list[Classifier]) -> list[tuple[str, str, float]]:
    """Every classifier's answer on the same 28x28 `view` (what `classify` made of the input):
    (model title, most likely class, its probability), in the order given."""
    x = image_to_tensor(view)
    out = []
    for clf in classifiers:
        best, p = next(iter(_ranked(clf.predict_tensor(x)[0]).items()))
        out.append((clf.title, best, p))
    return out
