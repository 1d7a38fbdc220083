"""Classifying user images: `open_classifier(path).predict(img)`, `classify(img, classifier)`.

A phone photo (a garment on a floor, a bed or a sheet, any size and colour) or a mouse drawing is turned
into what Fashion-MNIST looks like (Xiao et al. 2017's own pipeline, in reverse): the garment found by its
colour against the border's, light on black (its darkness), trimmed, longest edge resized to 28, centred
on a 28x28 canvas. scikit-image is imported on first use, not with the module: it costs ~0.4 s of every
app's start-up.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from core import checkpoints
from core.fashion.data import CLASSES
from core.fashion.models import Network

#: Long side (px) at which the garment is looked for: detail enough for a 28x28 view, and fast (96, 128 and 192
#: px measured alike on the validation photos; 128 takes about 3 ms a photo).
WORK_SIZE = 128
#: Components of the garment mask smaller than this share of the largest are dropped (texture specks, a floor's
#: pattern), larger ones kept (the second shoe of a pair, a drawing's separate strokes).
MIN_PART = 0.05
LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R BT.601, as PIL's grayscale


def _border(a: np.ndarray, width: int = 2) -> np.ndarray:
    """The pixels of `a` (H, W, C) within `width` of its edges, as (N, C): what the background looks like."""
    c = a.shape[-1]
    return np.concatenate([a[:width].reshape(-1, c), a[-width:].reshape(-1, c),
                           a[:, :width].reshape(-1, c), a[:, -width:].reshape(-1, c)])


def garment_mask(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) float RGB in [0, 255] -> (H, W) bool: the pixels that differ from the background.

    The background is the image's border: its median CIELAB colour, and its spread per channel (a textured floor
    spreads wide, a sheet narrow); each pixel's distance from it, in units of that spread and lightly smoothed, is
    split by Otsu's threshold; parts under MIN_PART of the largest are dropped."""
    from skimage.color import rgb2lab
    from skimage.filters import gaussian, threshold_otsu
    from skimage.measure import label

    lab = rgb2lab(rgb / 255.0)
    border = _border(lab)
    background = np.median(border, axis=0)
    spread = 1.4826 * np.median(np.abs(border - background), axis=0) + 2.0  # robust std (MAD); 2 = no flat zero
    distance = gaussian(np.sqrt((((lab - background) / spread) ** 2).sum(-1)), sigma=1.0)
    if distance.max() - distance.min() < 1e-6:
        return np.zeros(distance.shape, bool)
    mask = distance > threshold_otsu(distance)
    parts = label(mask)
    sizes = np.bincount(parts.ravel())
    sizes[0] = 0
    return mask & (sizes >= MIN_PART * sizes.max())[parts]


def to_fashion_mnist(img: Image.Image) -> Image.Image:
    """Any RGB/L image -> the 28x28 'L' image the models were trained on (light object on black).

    The garment is found by its colour against the border's (`garment_mask`), at WORK_SIZE px; inside it, the
    brightness is the garment's darkness (255 - luma), as in Fashion-MNIST, made of product photos on white and
    negated; an image already in the dataset's form (grey, dark border) keeps its brightness. Trimmed to the
    garment, longest edge resized to 28, centred on a black 28x28 canvas."""
    small = img.convert("RGB")
    small.thumbnail((WORK_SIZE, WORK_SIZE), Image.BILINEAR, reducing_gap=2.0)
    rgb = np.asarray(small, dtype=np.float32)
    luma = rgb @ LUMA
    mask = garment_mask(rgb)
    light_on_dark = np.ptp(rgb, axis=-1).max() < 8 and np.median(_border(luma[..., None])) < 64
    g = (luma if light_on_dark else 255.0 - luma) * mask
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


@functools.cache
def _warm_up() -> None:
    """Pay the preprocessing's one-time costs once (~0.5 s: scikit-image loads its functions when first used, not
    when imported), so that no answer, nor a cached example's, reports them as its time."""
    square = np.full((32, 32, 3), 200, np.uint8)
    square[8:24, 8:24] = 40  # a dark square on a light page: every step of the preprocessing runs
    to_fashion_mnist(Image.fromarray(square))


def classify(img: Image.Image, clf: Classifier) -> Prediction:
    """What both demos show for one image: probabilities, the model's 28x28 view and the time taken."""
    _warm_up()  # the first call's one-time costs, outside the time a visitor is shown
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
