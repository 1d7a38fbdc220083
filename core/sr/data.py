"""Super-resolution data: T91-style training patches and Set5/Set14/BSD100-style evaluation pairs.

Training (the FSRCNN paper's recipe, on one folder of HR images or several, e.g. T91 + BSD200): every HR image
is also used downscaled by 0.9, 0.8, 0.7 and 0.6; the LR image is the bicubic downscale of the HR one (Pillow,
antialiased, rounded to 8 bits as saved images are); patches are cut on a regular grid and given a random
rotation/flip when sampled. Everything happens on the luma channel (BT.601, as MATLAB).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image

from core.imaging import open_image, pil_to_tensor, rgb_to_y

IMAGE_SUFFIXES = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")
PAPER_SCALES = (1.0, 0.9, 0.8, 0.7, 0.6)


def list_images(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"No image folder at '{folder}'.")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"'{folder}' holds no images ({', '.join(IMAGE_SUFFIXES)}).")
    return files


def split_images(folders: Path | Sequence[Path], holdout: int) -> tuple[list[Path], list[Path]]:
    """(training images, validation images) of one folder or several (e.g. T91 and BSD200, the "291 images").

    From each folder, `holdout` images spread evenly over its sorted list are held out, so validation covers
    every kind of image; both lists run folder by folder in the order given, each folder sorted by name. The
    split is fixed by the file names alone, so every run and every continuation holds out the same images.
    """
    folders = [Path(folders)] if isinstance(folders, (str, Path)) else [Path(f) for f in folders]
    if len({f.resolve() for f in folders}) < len(folders):
        raise ValueError(f"A folder is given twice in {[str(f) for f in folders]}: its images would count twice.")
    train, val = [], []
    for folder in folders:
        t, v = _split_folder(folder, holdout)
        train += t
        val += v
    return train, val


def _split_folder(folder: Path, holdout: int) -> tuple[list[Path], list[Path]]:
    """`split_images` of one folder."""
    files = list_images(folder)
    if holdout <= 0:
        return files, []
    if holdout >= len(files):
        raise ValueError(f"Cannot hold out {holdout} of the {len(files)} images in '{folder}'.")
    step = len(files) / holdout
    val = [files[int(i * step + step / 2)] for i in range(holdout)]
    return [f for f in files if f not in val], val


def crop_to_multiple(img: Image.Image, scale: int) -> Image.Image:
    w, h = img.size
    return img.crop((0, 0, w - w % scale, h - h % scale))


def bicubic_downscale(hr: Image.Image, scale: int) -> Image.Image:
    """HR (cropped to a multiple of `scale`) -> 8-bit LR image, Pillow's antialiased bicubic."""
    w, h = hr.size
    return hr.resize((w // scale, h // scale), Image.BICUBIC)


def y_of(img: Image.Image) -> torch.Tensor:
    """RGB PIL image -> (1, H, W) luma in [0, 1]."""
    return rgb_to_y(pil_to_tensor(img))


@dataclass
class PatchSet:
    """Aligned LR/HR luma patches: `lr` (N, 1, p, p) and `hr` (N, 1, s*p, s*p), float16 to save memory."""

    lr: torch.Tensor
    hr: torch.Tensor
    scale: int

    def __len__(self) -> int:
        return self.lr.shape[0]

    def batch(self, idx: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Float32 patches at `idx`, each under one random rotation/flip of the 8 (the same for LR and HR)."""
        lr, hr = self.lr[idx].float(), self.hr[idx].float()
        ops = torch.randint(0, 8, (len(idx),), generator=generator)
        for op in ops.unique().tolist():
            sel = ops == op
            lr[sel] = _dihedral(lr[sel], op)
            hr[sel] = _dihedral(hr[sel], op)
        return lr, hr


def _dihedral(x: torch.Tensor, op: int) -> torch.Tensor:
    x = torch.rot90(x, op % 4, dims=(-2, -1))
    return x.flip(-1) if op >= 4 else x


def _copies(size: tuple[int, int], scale: int, patch: int, scales: tuple[float, ...]) -> list[tuple[float, tuple[int, int]]]:
    """(factor, its copy's size) for each downscaled copy of an image of `size` that holds one HR patch: the copy
    resized by the factor, then cropped to a multiple of `scale` (what `make_patches` cuts)."""
    out = []
    for f in scales:
        w, h = size if f == 1.0 else (round(size[0] * f), round(size[1] * f))
        w, h = w - w % scale, h - h % scale
        if w >= patch * scale and h >= patch * scale:
            out.append((f, (w, h)))
    return out


def _files(images: Path | list[Path]) -> list[Path]:
    return list_images(images) if isinstance(images, (str, Path)) else list(images)


def make_patches(
    images: Path | list[Path], scale: int, patch: int, stride: int | None = None,
    scales: tuple[float, ...] = PAPER_SCALES,
) -> PatchSet:
    """Cut every image (a folder, or a list of files) and its downscaled copies into aligned LR/HR patch pairs.

    `patch` is the LR patch size; HR patches are `scale * patch`. `stride` (LR pixels) defaults to patch//2.
    """
    stride = stride or max(1, patch // 2)
    lrs, hrs = [], []
    for path in _files(images):
        base = open_image(path)
        for f, _ in _copies(base.size, scale, patch, scales):
            hr = base if f == 1.0 else base.resize((round(base.width * f), round(base.height * f)), Image.BICUBIC)
            hr = crop_to_multiple(hr, scale)
            ly, hy = y_of(bicubic_downscale(hr, scale)), y_of(hr)
            lp = ly.unfold(1, patch, stride).unfold(2, patch, stride)  # (1, nh, nw, p, p)
            hp = hy.unfold(1, patch * scale, stride * scale).unfold(2, patch * scale, stride * scale)
            lrs.append(lp.reshape(-1, 1, patch, patch).half())
            hrs.append(hp.reshape(-1, 1, patch * scale, patch * scale).half())
    if not lrs:
        raise ValueError(f"No training image is large enough for {patch}px LR patches at x{scale}.")
    return PatchSet(torch.cat(lrs), torch.cat(hrs), scale)


def count_patches(
    images: Path | list[Path], scale: int, patch: int, stride: int | None = None,
    scales: tuple[float, ...] = PAPER_SCALES,
) -> int:
    """`len(make_patches(...))` with the same arguments, from the images' sizes alone (no resizing, no patch cut)."""
    stride = stride or max(1, patch // 2)
    n = 0
    for path in _files(images):
        for _, (w, h) in _copies(open_image(path).size, scale, patch, scales):
            n += ((w // scale - patch) // stride + 1) * ((h // scale - patch) // stride + 1)  # as unfold counts
    return n


@dataclass
class EvalPair:
    name: str
    lr: Image.Image
    hr: Image.Image


def holdout_pairs(files: list[Path], scale: int) -> list[EvalPair]:
    """Validation pairs from HR images: each cropped to a multiple of `scale`, its LR made as for training."""
    pairs = []
    for path in files:
        hr = crop_to_multiple(open_image(path), scale)
        pairs.append(EvalPair(path.stem, bicubic_downscale(hr, scale), hr))
    return pairs


def find_eval_dir(root: Path, scale: int) -> Path:
    """`root/image_SRF_<scale>` (the layout of Set5, Set14, BSD100, Urban100 in SelfExSR), or `root` itself."""
    root = Path(root)
    sub = root / f"image_SRF_{scale}"
    if sub.is_dir():
        return sub
    if any(root.glob("*_HR.png")):
        return root
    raise FileNotFoundError(f"No '{sub.name}' folder (with *_HR.png / *_LR.png pairs) under '{root}'.")


def load_eval_pairs(root: Path, scale: int) -> list[EvalPair]:
    """The `*_HR.png` / `*_LR.png` pairs of an evaluation set at `scale`.

    Where an image has no `_LR.png`, the LR is made from the HR with `bicubic_downscale`.
    """
    folder = find_eval_dir(root, scale)
    pairs = []
    for hr_path in sorted(folder.glob("*_HR.png")):
        hr = crop_to_multiple(open_image(hr_path), scale)
        lr_path = hr_path.with_name(hr_path.name.replace("_HR.png", "_LR.png"))
        lr = open_image(lr_path) if lr_path.is_file() else bicubic_downscale(hr, scale)
        pairs.append(EvalPair(hr_path.name.replace("_HR.png", ""), lr, hr))
    if not pairs:
        raise FileNotFoundError(f"No *_HR.png images in '{folder}'.")
    return pairs
