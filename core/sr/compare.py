"""Bicubic vs FSRCNN on one image: what both demos show (and the slide export reuses).

`compare(img, scale, arch, ground_truth)` upscales with both methods and times them; in
ground-truth mode the image is first downsized by `scale` (the papers' bicubic degradation), so
both results can be scored against the original with PSNR/SSIM on Y.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from core.metrics import image_quality
from core.sr.data import bicubic_downscale, crop_to_multiple
from core.sr.upscale import Progress, bicubic, load_upscaler


@dataclass
class Comparison:
    scale: int
    model: str
    lr: Image.Image  # what was upscaled
    bicubic: Image.Image
    fsrcnn: Image.Image
    seconds: dict[str, float]  # {"bicubic": s, "fsrcnn": s}
    ground_truth: Image.Image | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # {"bicubic": {"psnr", "ssim"}, ...}

    def summary(self) -> str:
        """Markdown lines: sizes, times and (with a ground truth) PSNR/SSIM."""
        lines = [
            f"**x{self.scale}** {self.lr.width}×{self.lr.height} → {self.fsrcnn.width}×{self.fsrcnn.height} px",
            "",
            "| | time | PSNR (Y) | SSIM (Y) |" if self.metrics else "| | time |",
            "|---|---|---|---|" if self.metrics else "|---|---|",
        ]
        for key, label in (("bicubic", "Bicubic"), ("fsrcnn", self.model)):
            row = f"| {label} | {self.seconds[key] * 1000:.0f} ms |"
            if self.metrics:
                m = self.metrics[key]
                row += f" {m['psnr']:.2f} dB | {m['ssim']:.4f} |"
            lines.append(row)
        if self.metrics:
            lines += ["", f"Ground truth: your image; the input was it downsized x{self.scale} (bicubic), {self.scale}px border shaved."]
        return "\n".join(lines)


def compare(
    img: Image.Image, scale: int, arch: str = "fsrcnn", ground_truth: bool = False, progress: Progress | None = None
) -> Comparison:
    """Upscale `img` by bicubic and FSRCNN (`arch`); with `ground_truth`, downsize it first and score both."""
    upscaler = load_upscaler(scale, arch)
    gt = None
    if ground_truth:
        gt = crop_to_multiple(img, scale)
        if gt.width < scale * 8 or gt.height < scale * 8:
            raise ValueError(f"For ground-truth mode the image must be at least {scale * 8}px on each side.")
        img = bicubic_downscale(gt, scale)
    t0 = time.perf_counter()
    bic = bicubic(img, scale)
    t1 = time.perf_counter()
    sr = upscaler(img, progress)
    t2 = time.perf_counter()
    title = upscaler.card.get("title", upscaler.name)
    result = Comparison(scale, title, img, bic, sr, {"bicubic": t1 - t0, "fsrcnn": t2 - t1}, gt)
    if gt is not None:
        result.metrics = {"bicubic": image_quality(bic, gt, scale), "fsrcnn": image_quality(sr, gt, scale)}
    return result


def detail_box(img: Image.Image, size: int) -> tuple[int, int, int, int]:
    """The `size`x`size` box of `img` with the most edge energy (where upscalers differ most)."""
    size = min(size, img.width, img.height)
    g = np.asarray(img.convert("L"), dtype=np.float32)
    energy = np.abs(np.diff(g, axis=0))[:, :-1] + np.abs(np.diff(g, axis=1))[:-1, :]
    # Integral image -> sum of energy in every box, on a coarse grid of candidate corners.
    ii = np.pad(energy.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    s = size - 1
    step = max(1, size // 4)
    best, box = -1.0, (0, 0)
    for y in range(0, energy.shape[0] - s + 1, step):
        for x in range(0, energy.shape[1] - s + 1, step):
            e = ii[y + s, x + s] - ii[y, x + s] - ii[y + s, x] + ii[y, x]
            if e > best:
                best, box = e, (x, y)
    return box[0], box[1], box[0] + size, box[1] + size


def zoom_panel(images: dict[str, Image.Image], box: tuple[int, int, int, int], zoom_to: int = 256) -> Image.Image:
    """Side-by-side crops of `box` from same-size images, enlarged (nearest) to `zoom_to` px and labelled."""
    tiles = []
    for label, im in images.items():
        crop = im.crop(box).resize((zoom_to, zoom_to), Image.NEAREST)
        tile = ImageOps.expand(crop, border=(0, 0, 0, 22), fill="white")  # caption below the crop
        ImageDraw.Draw(tile).text((4, zoom_to + 5), label, fill="black")
        tiles.append(tile)
    gap = 6
    panel = Image.new("RGB", (len(tiles) * (zoom_to + gap) - gap, zoom_to + 22), "white")
    for i, t in enumerate(tiles):
        panel.paste(t, (i * (zoom_to + gap), 0))
    return panel


def comparison_zoom(c: Comparison, crop: int = 64) -> Image.Image:
    """The zoom panel for a comparison: bicubic | FSRCNN (| ground truth) at the most detailed spot."""
    box = detail_box(c.bicubic, crop * c.scale // 2)
    images = {"Bicubic": c.bicubic, "FSRCNN": c.fsrcnn}
    if c.ground_truth is not None:
        images["Ground truth"] = c.ground_truth
    return zoom_panel(images, box)
