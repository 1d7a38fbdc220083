"""Real photos of garments, in folders named by what they show (`<root>/<folder>/<image>`), scored against
Fashion-MNIST's classes.

The folders are those of "the clothing dataset" (alexeygrigorev/clothing-dataset-small): a folder maps to the
set of Fashion-MNIST classes a person would accept for it (a shoe is a Sandal, a Sneaker or an Ankle boot);
`hat`, `shorts` and `skirt` have no Fashion-MNIST class and are left out of every score (`scored` is False).

The validation split is fixed by the file names and a seed, stratified by folder, so nothing is committed:
each folder's photos are ordered by sha256(seed, folder, name) and the first `fraction` of them are validation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from core.fashion.data import CLASSES

#: Folder -> the Fashion-MNIST classes a person would accept, the class the folder names first. T-shirts and
#: shirts accept each other: Fashion-MNIST's own labels mix them (short-sleeved shirts are labelled both ways; they
#: are the shipped ResNet's largest confusion on its own test set), and the dataset's `shirt` folder holds polos and
#: short-sleeved shirts that no 28x28 view tells from a T-shirt.
FOLDER_CLASSES: dict[str, tuple[str, ...]] = {
    "dress": ("Dress",),
    "longsleeve": ("Pullover", "Shirt", "T-shirt/top"),
    "outwear": ("Coat", "Pullover"),
    "pants": ("Trouser",),
    "shirt": ("Shirt", "T-shirt/top"),
    "shoes": ("Sandal", "Sneaker", "Ankle boot"),
    "t-shirt": ("T-shirt/top", "Shirt"),
    "hat": (),
    "shorts": (),
    "skirt": (),
}
#: Where the photos of the clothing dataset come from, and the credit shown wherever they are (README, the apps).
CLOTHING_SOURCE = "the clothing dataset (github.com/alexeygrigorev/clothing-dataset-small, train/)"
CLOTHING_CREDIT = ("Photos: the clothing dataset by Alexey Grigorev and contributors "
                   "(github.com/alexeygrigorev/clothing-dataset-small), free for any use.")
#: The folder whose score is reported on its own: footwear is where photos and Fashion-MNIST differ most
#: (a pair seen from above, against one shoe from the side).
FOOTWEAR = "shoes"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif")
SPLITS = ("val", "train", "all")
#: The fixed validation split of a photo folder: a fifth of each folder's photos, seed 0.
VALIDATION_FRACTION = 0.2
VALIDATION_SEED = 0


class PhotoSetError(ValueError):
    """The folder is not a photo set of the expected layout; the message says what is wrong."""


@dataclass(frozen=True)
class Photo:
    path: Path
    folder: str

    @property
    def accepted(self) -> tuple[int, ...]:
        """Indices into CLASSES of the classes accepted for this photo (empty: not scored)."""
        return tuple(CLASSES.index(c) for c in FOLDER_CLASSES[self.folder])

    @property
    def scored(self) -> bool:
        return bool(FOLDER_CLASSES[self.folder])


def list_photos(root: Path) -> list[Photo]:
    """Every image under `root/<folder>/` for the folders of FOLDER_CLASSES that exist, sorted by folder and name.

    Raises PhotoSetError when `root` is missing, has a sub-folder of another name (a typo would otherwise drop
    it silently) or holds no image."""
    root = Path(root)
    if not root.is_dir():
        raise PhotoSetError(f"No folder at '{root}'.")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    unknown = [p.name for p in folders if p.name not in FOLDER_CLASSES]
    if unknown:
        raise PhotoSetError(f"'{root}' has folders of no known name: {', '.join(unknown)}. Name each folder after "
                            f"what its photos show, one of: {', '.join(FOLDER_CLASSES)}.")
    photos = [Photo(p, d.name) for d in folders for p in sorted(d.iterdir())
              if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if not photos:
        raise PhotoSetError(f"'{root}' holds no images in folders named {', '.join(FOLDER_CLASSES)} "
                            f"(<root>/<folder>/<image>, {', '.join(IMAGE_SUFFIXES)}).")
    return photos


def order_key(photo: Photo, seed: int) -> str:
    """The photo's place in its folder's fixed order (validation takes the first of it)."""
    return hashlib.sha256(f"{seed}/{photo.folder}/{photo.path.name}".encode()).hexdigest()


def split_photos(photos: Sequence[Photo], split: str, fraction: float = VALIDATION_FRACTION,
                 seed: int = VALIDATION_SEED) -> list[Photo]:
    """The `split` ('val', 'train' or 'all') of `photos`: validation is round(fraction * n) photos of each folder
    of n, those first in sha256(seed/folder/name) order; train is the rest. Fixed by the names and the seed: a
    photo added to a folder moves at most one other photo between the splits."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    if split == "all":
        return list(photos)
    val: set[Photo] = set()
    for folder in {p.folder for p in photos}:
        mine = sorted((p for p in photos if p.folder == folder), key=lambda p: order_key(p, seed))
        val.update(mine[: round(fraction * len(mine))])
    return [p for p in photos if (p in val) == (split == "val")]


def accepted_mask(photos: Iterable[Photo]) -> torch.Tensor:
    """(N, 10) bool: which classes each photo accepts (the target of a partial-label loss)."""
    rows = [p.accepted for p in photos]
    mask = torch.zeros(len(rows), len(CLASSES), dtype=torch.bool)
    for i, accepted in enumerate(rows):
        mask[i, list(accepted)] = True
    return mask


def folder_caption(folder: str) -> str:
    """What a photo of `folder` shows and which answers are right: 'shoes (Sandal, Sneaker or Ankle boot)'."""
    accepted = FOLDER_CLASSES[folder]
    return folder if not accepted else f"{folder} ({', '.join(accepted[:-1]) + ' or ' if accepted[1:] else ''}{accepted[-1]})"


def hit(ranked: Sequence[str], photo: Photo, k: int = 1) -> bool:
    """Whether one of the `k` most likely classes (`ranked`, most likely first) is accepted for `photo`."""
    return any(c in FOLDER_CLASSES[photo.folder] for c in ranked[:k])
