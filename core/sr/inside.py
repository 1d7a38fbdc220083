"""Inside FSRCNN, for a learner: what each stage of the network computes on a crop, its learned first-layer
filters, and where its result differs from bicubic (and from the truth), drawn as pictures with readable captions.

Stages are the paper's: feature extraction (d maps, 5x5), shrinking (s maps, 1x1), m mapping layers (s maps,
3x3), expanding (d maps, 1x1), deconvolution (the upscaled luma). Each shows its most active channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from core.imaging import captioned, map_image, pil_to_tensor, rgb_to_y, text_tile, tile_column, tile_row
from core.sr.compare import ZOOM_LR, Comparison, detail_box, preview
from core.sr.upscale import Upscaler

#: Channels shown per stage (the most active on the crop), and the side each map is drawn at.
CHANNELS = 4
MAP_SIDE = 120
#: How much the difference maps are amplified: a difference of 255/GAIN (8-bit) or more is drawn white.
GAIN = 8


@dataclass
class Stage:
    name: str  # the paper's word: "Feature extraction", ...
    shape: str  # e.g. "56 maps, 5x5 conv" (what the layer is; drawn in the bundled font, which has no "×")
    maps: torch.Tensor  # (k, h, w): the k most active channels on the crop


def stages(upscaler: Upscaler, lr: Image.Image, k: int = CHANNELS) -> list[Stage]:
    """What each stage computes on the LR image `lr` (keep it small: a zoom crop), in the paper's order."""
    net, cfg = upscaler.model, upscaler.model.config
    y = rgb_to_y(pil_to_tensor(lr.convert("RGB")))
    out: list[Stage] = []
    with torch.inference_mode():
        x = net.feature(y[None])
        out.append(Stage("Feature extraction", f"{cfg.d} maps, 5x5 conv", _most_active(x[0], k)))
        x = net.shrink(x)
        out.append(Stage("Shrinking", f"{cfg.s} maps, 1x1 conv", _most_active(x[0], k)))
        for i, layer in enumerate(net.mapping):
            x = layer(x)
            out.append(Stage(f"Mapping {i + 1} of {cfg.m}", f"{cfg.s} maps, 3x3 conv", _most_active(x[0], k)))
        x = net.expand(x)
        out.append(Stage("Expanding", f"{cfg.d} maps, 1x1 conv", _most_active(x[0], k)))
        hr = net.deconv(x)[0]
        out.append(Stage("Deconvolution", f"9x9, stride {cfg.scale}: the result", hr))
    return out


def _most_active(maps: torch.Tensor, k: int) -> torch.Tensor:
    """The `k` channels of (C, h, w) `maps` that vary most over the crop (a flat map says nothing)."""
    spread = maps.flatten(1).std(1)
    return maps[spread.argsort(descending=True)[:k]]


def stages_panel(stages_: list[Stage], side: int = MAP_SIDE) -> Image.Image:
    """One row per stage: its name and shape, then its maps (each stretched to its own range)."""
    rows = []
    for st in stages_:
        rows.append(tile_row([text_tile([st.name, st.shape], 300, side), *(map_image(m, side) for m in st.maps)]))
    return tile_column(rows)


def first_layer_filters(upscaler: Upscaler, side: int = 48) -> Image.Image:
    """The d learned 5×5 filters of the feature-extraction layer, each stretched to its own range, 14 a row."""
    w = upscaler.model.feature[0].weight.detach()[:, 0]  # (d, 5, 5)
    tiles = [map_image(f, side) for f in w]
    per_row = 14
    return tile_column([tile_row(tiles[i : i + per_row], gap=4) for i in range(0, len(tiles), per_row)], gap=4)


def _luma(img: Image.Image) -> np.ndarray:
    return rgb_to_y(pil_to_tensor(img.convert("RGB")))[0].numpy() * 255


def difference(a: Image.Image, b: Image.Image, gain: int = GAIN) -> Image.Image:
    """|Y(a) − Y(b)| × `gain` as a grey-scale picture (white: a difference of 255/gain or more, 8-bit)."""
    d = np.abs(_luma(a) - _luma(b)) * gain
    return Image.fromarray(np.clip(d, 0, 255).round().astype(np.uint8), "L")


def difference_maps(c: Comparison, gain: int = GAIN, side: int = 640) -> dict[str, Image.Image]:
    """Display-sized difference maps of a comparison: where FSRCNN changed bicubic's result and, with a ground
    truth, where each is wrong. Keys are the captions (drawn in the bundled font: "x", not "×")."""
    maps = {f"|FSRCNN - bicubic| x{gain}": difference(c.fsrcnn, c.bicubic, gain)}
    if c.ground_truth is not None:
        maps[f"|bicubic - truth| x{gain}"] = difference(c.bicubic, c.ground_truth, gain)
        maps[f"|FSRCNN - truth| x{gain}"] = difference(c.fsrcnn, c.ground_truth, gain)
    return {k: preview(v, side) for k, v in maps.items()}


@dataclass
class Inside:
    """What the 'look inside' views show for one comparison: pictures, and what they mean in words."""

    difference: Image.Image  # the difference maps side by side, captioned
    stages: Image.Image  # the stages on the zoom crop
    filters: Image.Image  # the first layer's learned filters
    crop: tuple[int, int, int, int]  # the LR box the stages ran on (the zoom panel's)
    gain: int


def look_inside(c: Comparison, lr_box: tuple[int, int, int, int] | None = None, gain: int = GAIN) -> Inside:
    """The look-inside views of comparison `c`; the stages run on `lr_box` (default: the zoom panel's crop)."""
    box = lr_box or detail_box(c.lr, min(ZOOM_LR, c.lr.width, c.lr.height))
    maps = difference_maps(c, gain)
    return Inside(tile_row([captioned(m, k) for k, m in maps.items()]),
                  stages_panel(stages(c.upscaler, c.lr.crop(box))), first_layer_filters(c.upscaler), box, gain)
