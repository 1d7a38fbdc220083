"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), read through torchvision's `FashionMNIST`.

Where the data comes from, in order: `<root>/FashionMNIST/raw/` if it already holds the four idx
files; the Debian package `dataset-fashion-mnist` (`/usr/share/datasets/fashion-mnist/*.gz`, which is
decompressed into that folder, because Debian recompressed the files and torchvision's md5 check
refuses them as they are); torchvision's own download when `download=True` and a network exists.
"""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import numpy as np
import torch
from PIL import Image

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
#: Where Debian's `dataset-fashion-mnist` puts the data ($PAPER_TO_DEMO_DEBIAN_DATA overrides it, e.g. to test
#: a machine without it).
DEBIAN_DIR = Path(os.environ.get("PAPER_TO_DEMO_DEBIAN_DATA", "/usr/share/datasets/fashion-mnist"))
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
DEFAULT_ROOT = Path(os.environ.get("PAPER_TO_DEMO_DATA", Path.home() / ".cache" / "paper-to-demo" / "data"))


class DataMissingError(FileNotFoundError):
    """Fashion-MNIST is not on this machine; the message says how to get it."""


def prepare_root(root: Path | None = None, source: Path = DEBIAN_DIR) -> Path:
    """Make `<root>/FashionMNIST/raw/` hold the four decompressed idx files, from `source` if needed.

    Returns `root`. Files already there are kept; nothing is downloaded.
    """
    root = Path(root or DEFAULT_ROOT)
    raw = root / "FashionMNIST" / "raw"
    for name in IDX_FILES:
        target = raw / name
        gz = Path(source) / f"{name}.gz"
        if target.is_file() or not gz.is_file():
            continue
        raw.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        with gzip.open(gz, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(tmp, target)
    return root


def available(root: Path | None = None, source: Path = DEBIAN_DIR) -> bool:
    """Whether the dataset is on this machine (in `root`, or in `source` to decompress there), without importing
    torchvision or downloading anything."""
    raw = prepare_root(root, source) / "FashionMNIST" / "raw"
    return all((raw / name).is_file() for name in IDX_FILES)


def load_split(
    train: bool, root: Path | None = None, download: bool = False, source: Path = DEBIAN_DIR
) -> tuple[torch.Tensor, torch.Tensor]:
    """(images uint8 [N, 28, 28], labels int64 [N]) of the train (60,000) or test (10,000) split."""
    from torchvision.datasets import FashionMNIST

    root = prepare_root(root, source)
    try:
        ds = FashionMNIST(str(root), train=train, download=download)
    except RuntimeError as e:
        raise DataMissingError(
            f"Fashion-MNIST was not found under {root / 'FashionMNIST' / 'raw'}. Install it with "
            "`sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu; `make setup` does this), pass "
            "--download on a machine with internet, or point --data at a folder with the idx files."
        ) from e
    return ds.data, ds.targets


#: The validation split: images held out of the 60,000 training images for every choice (epoch, test-time
#: augmentation, hyper-parameters), so that the test set is measured once, at the end.
VALIDATION_SIZE = 5000
VALIDATION_SEED = 0


def validation_split(labels: torch.Tensor, size: int = VALIDATION_SIZE,
                     seed: int = VALIDATION_SEED) -> tuple[torch.Tensor, torch.Tensor]:
    """(training indices, validation indices) into the training set: `size` images held out, the same number of
    each class (stratified), drawn by a seeded permutation within each class. Fixed by (labels, size, seed)."""
    classes = labels.unique()
    if size % len(classes):
        raise ValueError(f"A stratified validation split needs a multiple of {len(classes)} images, got {size}.")
    g = torch.Generator().manual_seed(seed)
    val = []
    for c in classes.tolist():
        idx = (labels == c).nonzero().flatten()
        if len(idx) <= size // len(classes):
            raise ValueError(f"Class {c} has {len(idx)} images: too few to hold out {size // len(classes)}.")
        val.append(idx[torch.randperm(len(idx), generator=g)[: size // len(classes)]])
    val = torch.cat(val).sort().values
    keep = torch.ones(len(labels), dtype=torch.bool)
    keep[val] = False
    return keep.nonzero().flatten(), val


def to_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 [N, 28, 28] -> float [N, 1, 28, 28] in [0, 1], exactly as the models take them."""
    return images.float().div(255).unsqueeze(1)


def render_as_photo(
    image: torch.Tensor, size: int = 280, canvas: tuple[int, int] = (480, 400), seed: int = 0
) -> Image.Image:
    """A 28x28 uint8 Fashion-MNIST image rendered like a phone photo of the garment.

    Dark, coloured garment on a light, slightly uneven background; upscaled to `size` px and placed
    off-centre on a `canvas` (width, height) RGB image. Used to test and demonstrate `predict`.
    """
    rng = np.random.default_rng(seed)
    obj = Image.fromarray(image.numpy().astype(np.uint8), "L").resize((size, size), Image.BICUBIC)
    a = np.asarray(obj, dtype=np.float32)[..., None] / 255.0  # 1 = garment, 0 = background
    garment = rng.uniform(10, 120, 3)
    background = rng.uniform(205, 245, 3)
    w, h = canvas
    x0, y0 = rng.integers(0, w - size + 1), rng.integers(0, h - size + 1)
    shade = np.linspace(0, rng.uniform(-20, 20), w)[None, :, None] + np.linspace(0, rng.uniform(-15, 15), h)[:, None, None]
    page = np.clip(background + shade + rng.normal(0, 2, (h, w, 3)), 0, 255)
    patch = page[y0 : y0 + size, x0 : x0 + size]
    page[y0 : y0 + size, x0 : x0 + size] = patch * (1 - a) + garment * a
    return Image.fromarray(np.clip(page, 0, 255).astype(np.uint8), "RGB")
