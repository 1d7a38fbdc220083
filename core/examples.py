"""Example photos for the demos: real images that ship with scikit-image (no download needed)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image

#: scikit-image's bundled photos used as demo examples, with a short caption each.
PHOTOS = {
    "chelsea": "Chelsea the cat (451×300)",
    "coffee": "A cup of coffee (600×400)",
    "astronaut": "Astronaut Eileen Collins (512×512)",
    "rocket": "A rocket launch (427×640)",
    "camera": "The cameraman (512×512, grayscale)",
}


def example_photo(name: str) -> Image.Image:
    """One of `PHOTOS` as an RGB PIL image."""
    import skimage.data

    if name not in PHOTOS:
        raise ValueError(f"Unknown example '{name}'. Choose one of: {', '.join(PHOTOS)}.")
    return Image.fromarray(getattr(skimage.data, name)()).convert("RGB")


def example_photo_files(folder: Path | None = None) -> list[Path]:
    """Write every example photo as PNG into `folder` (a temporary one by default); returns the paths."""
    folder = Path(folder or Path(tempfile.gettempdir()) / "paper-to-demo-examples")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in PHOTOS:
        path = folder / f"{name}.png"
        if not path.is_file():
            example_photo(name).save(path)
        paths.append(path)
    return paths
