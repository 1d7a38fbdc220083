"""Bicubic vs FSRCNN on one image: what both demos show (and the slide export reuses).

`compare(img, upscaler, ground_truth)` upscales with both methods and times them; in
ground-truth mode the image is first downsized by `scale` (the papers' bicubic degradation), so
both results can be scored against the original with PSNR/SSIM on Y. `previews` gives the
display-sized copies a browser shows, `zoom_view` the zoomed detail with an overview that marks
where the crop comes from; both are cheap whatever the image size (the full-resolution result is
only written when it is downloaded, as a fast PNG: `core.imaging.png_bytes`).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from PIL import Image, ImageDraw

from core.imaging import captioned, png_bytes, tile_row
from core.metrics import image_quality
from core.sr.data import bicubic_downscale, crop_to_multiple
from core.sr.upscale import Upscaler, bicubic

#: Longest side (px) of the before/after images a browser is sent. Larger results are downscaled for display.
PREVIEW_SIDE = 1600
#: JPEG quality (4:4:4 chroma) of the before/after display copies (see `encode_preview`).
PREVIEW_QUALITY = 95
#: LR pixels per side of the zoomed crop (x2: 64 output px), each tile of the zoom panel, and the overview.
ZOOM_LR, ZOOM_TO, OVERVIEW_SIDE = 32, 256, 256
#: Phases of one upscale, in order, as the progress bars name them.
PHASES = {"bicubic": "Bicubic", "model": "FSRCNN tiles", "previews": "Preparing previews", "png": "Writing the PNG"}

Report = Callable[[float, str], None]  # (fraction done in [0, 1], phase text)
#: Seconds between two reports of FSRCNN's progress (the last tile is always reported): each report is a message
#: to the browser, and a 512x512 x2 upscale's 25 tiles, reported one by one, cost the server more than its
#: previews do.
REPORT_EVERY_S = 0.25


@dataclass
class Comparison:
    upscaler: Upscaler  # what made `fsrcnn`
    lr: Image.Image  # what was upscaled
    bicubic: Image.Image
    fsrcnn: Image.Image
    seconds: dict[str, float]  # {"bicubic": s, "model": s}
    ground_truth: Image.Image | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # {"bicubic": {"psnr", "ssim"}, ...}

    @property
    def scale(self) -> int:
        return self.upscaler.scale

    @property
    def model(self) -> str:
        """The upscaler's title, e.g. 'FSRCNN (56,12,4) x2'."""
        return self.upscaler.card.get("title", self.upscaler.name)

    def summary(self) -> str:
        """Markdown lines: sizes, times and (with a ground truth) PSNR/SSIM."""
        lines = [
            f"**x{self.scale}** {self.lr.width}×{self.lr.height} → {self.fsrcnn.width}×{self.fsrcnn.height} px",
            "",
            "| | time | PSNR (Y) | SSIM (Y) |" if self.metrics else "| | time |",
            "|---|---|---|---|" if self.metrics else "|---|---|",
        ]
        for key, label in (("bicubic", "Bicubic"), ("model", self.model)):
            row = f"| {label} | {self.seconds[key] * 1000:.0f} ms |"
            if self.metrics:
                m = self.metrics[key]
                row += f" {m['psnr']:.2f} dB | {m['ssim']:.4f} |"
            lines.append(row)
        if self.metrics:
            lines += ["", f"Ground truth: your image; the input was it downsized x{self.scale} (bicubic), {self.scale}px border shaved."]
        return "\n".join(lines)

    @cached_property
    def png(self) -> bytes:
        """The full-resolution FSRCNN result as PNG file bytes (the download), encoded once."""
        return png_bytes(self.fsrcnn)


def file_name(upscaler: Upscaler) -> str:
    """What the full-resolution result of `upscaler` is called when downloaded, e.g. `fsrcnn_x2.png`."""
    return f"{upscaler.name}.png"


def prepare(img: Image.Image, scale: int, ground_truth: bool) -> tuple[Image.Image, Image.Image | None]:
    """(what to upscale, ground truth or None): with `ground_truth`, the image cropped to a multiple of `scale`
    is the truth and its bicubic downsizing the input."""
    if not ground_truth:
        return img, None
    gt = crop_to_multiple(img, scale)
    if gt.width < scale * 8 or gt.height < scale * 8:
        raise ValueError(f"For ground-truth mode the image must be at least {scale * 8}px on each side.")
    return bicubic_downscale(gt, scale), gt


def compare(
    img: Image.Image, upscaler: Upscaler, ground_truth: bool = False, progress: Report | None = None
) -> Comparison:
    """Upscale `img` by bicubic and by `upscaler`; with `ground_truth`, downsize it first and score both.
    `progress(fraction, phase)` hears the bicubic step, FSRCNN's tiles every `REPORT_EVERY_S` and the last one."""
    report = progress or (lambda f, p: None)
    scale = upscaler.scale
    img, gt = prepare(img, scale, ground_truth)
    upscaler.check_size(img)
    report(0.0, PHASES["bicubic"])
    t0 = time.perf_counter()
    bic = bicubic(img, scale)
    t1 = time.perf_counter()

    last = [t1]

    def tile_done(i: int, n: int) -> None:
        now = time.perf_counter()
        if i == n or now - last[0] >= REPORT_EVERY_S:
            last[0] = now
            report(0.1 + 0.9 * i / n, f"{PHASES['model']} ({i}/{n})")

    sr = upscaler(img, tile_done, base=bic)
    t2 = time.perf_counter()
    result = Comparison(upscaler, img, bic, sr, {"bicubic": t1 - t0, "model": t2 - t1}, gt)
    if gt is not None:
        result.metrics = {"bicubic": image_quality(bic, gt, scale), "model": image_quality(sr, gt, scale)}
    return result


# ------------------------------------------------------------------ what a browser is sent
def preview(img: Image.Image, side: int = PREVIEW_SIDE) -> Image.Image:
    """`img` itself if it fits `side`x`side`, else a copy downscaled to fit (antialiased)."""
    if max(img.size) <= side:
        return img
    k = side / max(img.size)
    return img.resize((max(1, round(img.width * k)), max(1, round(img.height * k))), Image.LANCZOS, reducing_gap=3.0)


def encode_preview(img: Image.Image, side: int = PREVIEW_SIDE) -> tuple[bytes, str]:
    """(file bytes, extension) of the display copy: a JPEG (`PREVIEW_QUALITY`, 4:4:4 chroma) of `img` fitted to
    `side`. Its error (45 dB PSNR on an x2 result) is a tenth of the difference it shows (bicubic vs FSRCNN: 35 dB);
    it encodes in 7 ms where the PNG takes 75, and is a quarter of its size. The exact pixels are in the zoom panel
    and the download."""
    buf = io.BytesIO()
    preview(img, side).save(buf, format="JPEG", quality=PREVIEW_QUALITY, subsampling=0)
    return buf.getvalue(), "jpg"


def previews(c: Comparison) -> dict[str, tuple[bytes, str]]:
    """{"bicubic": (bytes, ext), "model": (bytes, ext)}: the before/after pair, the same size."""
    return {"bicubic": encode_preview(c.bicubic), "model": encode_preview(c.fsrcnn)}


# ------------------------------------------------------------------ the zoomed detail
def detail_box(img: Image.Image, size: int) -> tuple[int, int, int, int]:
    """The `size`x`size` box of `img` with the most texture (where upscalers differ most).

    Texture is the sum of local gradients, each capped, so that one hard edge against a flat background
    (a border, a horizon) does not outscore an area full of detail; a flat image gives its centre."""
    size = min(size, img.width, img.height)
    g = np.asarray(img.convert("L"), dtype=np.float32)
    energy = np.minimum(np.abs(np.diff(g, axis=0))[:, :-1] + np.abs(np.diff(g, axis=1))[:-1, :], 24.0)
    ii = np.pad(energy.astype(np.float64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))  # integral image
    s = min(size - 1, *energy.shape)
    # Sum of energy in every s x s box at once, on a grid of corners `step` apart.
    step = max(1, size // 8)
    sums = (ii[s:, s:] - ii[:-s, s:] - ii[s:, :-s] + ii[:-s, :-s])[::step, ::step]
    if sums.size == 0 or sums.max() <= 0:
        x, y = (img.width - size) // 2, (img.height - size) // 2
    else:
        y, x = (int(v) * step for v in np.unravel_index(np.argmax(sums), sums.shape))
    return x, y, x + size, y + size


@dataclass
class ZoomView:
    """The zoom panel (overview with the crop marked | bicubic | FSRCNN [| ground truth]) and its geometry."""

    panel: Image.Image
    box: tuple[int, int, int, int]  # the crop, in output pixels
    lr_box: tuple[int, int, int, int]  # the same crop in LR pixels
    lr_size: tuple[int, int]
    overview: tuple[int, int]  # the overview's size in the panel (at its top-left corner)

    def lr_point(self, x: float, y: float) -> tuple[int, int] | None:
        """The LR pixel under panel pixel (x, y), or None if (x, y) is not on the overview."""
        return overview_lr_point(self.lr_size, x, y)


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    k = side / max(size)
    return max(1, round(size[0] * k)), max(1, round(size[1] * k))


def overview_lr_point(lr_size: tuple[int, int], x: float, y: float) -> tuple[int, int] | None:
    """The LR pixel under pixel (x, y) of a zoom panel for an LR image of `lr_size`, or None if (x, y) is not on
    its overview (the panel's top-left tile)."""
    ow, oh = _fit(lr_size, OVERVIEW_SIDE)
    if not (0 <= x < ow and 0 <= y < oh):
        return None
    return min(int(x * lr_size[0] / ow), lr_size[0] - 1), min(int(y * lr_size[1] / oh), lr_size[1] - 1)


def zoom_panel(images: dict[str, Image.Image], box: tuple[int, int, int, int], zoom_to: int = ZOOM_TO) -> Image.Image:
    """Side-by-side crops of `box` from same-size images, enlarged (nearest) to `zoom_to` px and labelled."""
    tiles = []
    for label, im in images.items():
        tiles.append(captioned(im.crop(box).resize((zoom_to, zoom_to), Image.NEAREST), label))
    return tile_row(tiles)


def _overview(lr: Image.Image, lr_box: tuple[int, int, int, int]) -> tuple[Image.Image, tuple[int, int]]:
    """(the whole image fitted in OVERVIEW_SIDE px with the crop outlined in red and captioned, the fitted size)."""
    small = lr.resize(_fit(lr.size, OVERVIEW_SIDE), Image.BILINEAR, reducing_gap=2.0)
    kx, ky = small.width / lr.width, small.height / lr.height
    x0, y0, x1, y1 = round(lr_box[0] * kx), round(lr_box[1] * ky), round(lr_box[2] * kx), round(lr_box[3] * ky)
    ImageDraw.Draw(small).rectangle((x0 - 1, y0 - 1, max(x1, x0 + 2), max(y1, y0 + 2)), outline=(255, 0, 0), width=2)
    return captioned(small, "Where (red box)"), small.size  # the caption right under it, nothing below


def zoom_view(
    lr: Image.Image, upscaler: Upscaler, at: tuple[int, int] | None = None, ground_truth: Image.Image | None = None,
) -> ZoomView:
    """The zoomed detail of upscaling `lr`, centred on LR pixel `at` (default: the most textured spot).

    Computed from `lr` alone (FSRCNN and bicubic of the crop plus a margin, which equal the crop of the whole
    results), so that moving the zoom costs milliseconds whatever the image size."""
    side = min(ZOOM_LR, lr.width, lr.height)
    if at is None:
        lr_box = detail_box(lr, side)
    else:
        x0 = min(max(at[0] - side // 2, 0), lr.width - side)
        y0 = min(max(at[1] - side // 2, 0), lr.height - side)
        lr_box = (x0, y0, x0 + side, y0 + side)
    scale, m = upscaler.scale, upscaler.margin
    wide = (max(lr_box[0] - m, 0), max(lr_box[1] - m, 0), min(lr_box[2] + m, lr.width), min(lr_box[3] + m, lr.height))
    # Bicubic of the box alone: Pillow's resize of a box equals the crop of the whole resize.
    size = ((lr_box[2] - lr_box[0]) * scale, (lr_box[3] - lr_box[1]) * scale)
    crops = {"Bicubic": lr.resize(size, Image.BICUBIC, box=lr_box)}
    sr = upscaler(lr.crop(wide))
    inner = tuple((a - b) * scale for a, b in zip(lr_box, wide[:2] * 2, strict=True))
    crops[upscaler.card.get("title", "FSRCNN")] = sr.crop(inner)
    box = tuple(v * scale for v in lr_box)
    if ground_truth is not None:
        crops["Ground truth"] = ground_truth.crop(box)
    overview, osize = _overview(lr, lr_box)
    tiles = [overview] + [captioned(im.resize((ZOOM_TO, ZOOM_TO), Image.NEAREST), k) for k, im in crops.items()]
    return ZoomView(tile_row(tiles), box, lr_box, lr.size, osize)


def comparison_zoom(c: Comparison) -> Image.Image:
    """The zoom panel of a comparison: where | bicubic | FSRCNN (| ground truth) at the most detailed spot."""
    return zoom_view(c.lr, c.upscaler, ground_truth=c.ground_truth).panel
