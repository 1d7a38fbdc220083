"""Inside a Fashion-MNIST classifier, for a learner, on the visitor's own input (the 28x28 view that
`core.fashion.predict.to_fashion_mnist` makes): where the model found its evidence, what each stage of the
network computes, and what the softmax regression learned, drawn as pictures with readable captions.

Evidence, for the convolutional models, is Grad-CAM (Selvaraju et al. 2017) on the last 7x7 maps, with each
position's own gradient: the sum over channels of gradient x activation. Everything after those maps is linear,
so this is each position's exact share of the class score. For the ResNet (average-pooled, then linear) it equals
Grad-CAM as published, which averages each channel's gradient over the positions; for the small CNN (flattened,
then linear: each position has its own weights) that averaging throws away where the weights look, and on the
shipped examples its map came out empty (a dress) or beside the garment (a sandal). The softmax regression and
the MLP have no maps: for them it is integrated gradients (Sundararajan et al. 2017) from a black image, which
splits the class score's change from black to the input over the pixels (for the softmax regression exactly:
weight x pixel / std).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn

from core.fashion.data import CLASSES
from core.fashion.models import MLP, Network, SmallCNN, SmallResNet, SoftmaxRegression
from core.fashion.predict import Classifier, image_to_tensor, to_fashion_mnist
from core.imaging import captioned, map_image, text_tile, tile_column, tile_row

#: Channels shown per stage (the most active on the input), the side each map is drawn at, the label above them
#: (three lines, the longest "conv 3x3, stride 2, 2 residual blocks" at 18 px).
CHANNELS = 4
MAP_SIDE = 96
LABEL_W, LABEL_H = 340, 92
#: Side (px) of the enlarged 28x28 view under the evidence (8 px per pixel), and of each softmax weight image.
VIEW_SIDE = 224
WEIGHT_SIDE = 140
#: Share of a class's weights drawn below full colour (see `weight_scale`).
WEIGHT_QUANTILE = 0.99
#: Steps of the integrated-gradients path (midpoint rule). For the shipped MLP's two most likely classes on the
#: examples, the attributions' sum is within 0.4 % of the score's change at 128 steps (0.7 % at 32: ReLU's kinks
#: slow the convergence); 128 cost about 20 ms on one core. tests/test_fashion_inside.py checks it.
IG_STEPS = 128
#: How strongly the evidence's colours cover the view (the garment stays visible below them).
OVERLAY = 0.6


@dataclass
class Stage:
    name: str  # where it is in the model code: "layer1", "stage 2 (body[3:6])", "hidden"
    what: str  # what the layer does: "conv 5x5, BN, ReLU, max-pool"
    shape: tuple[int, ...]  # the stage's output for one image, as the model code's comments write it: (16, 14, 14)
    maps: Tensor  # (k, h, w): the k most active channels (a vector: all its units, as one near-square map)

    @property
    def caption(self) -> str:
        """The shape in the model code's words, and what is shown of it."""
        dims = "(" + ", ".join(str(d) for d in self.shape) + ")"
        if len(self.shape) == 1:
            return f"{dims}: {self.shape[0]} units, drawn {self.maps.shape[1]}x{self.maps.shape[2]}"
        return f"{dims}: the {len(self.maps)} most active of {self.shape[0]}" if self.shape[0] > 1 else dims


def stage_modules(net: Network) -> list[tuple[str, str, nn.Module]]:
    """The modules whose outputs are the network's stages, in order: (name in the model code, what it does, module).
    The softmax regression has none (one linear layer on the pixels)."""
    if isinstance(net, SmallCNN):
        return [("layer1", "conv 5x5, BN, ReLU, max-pool", net.layer1),
                ("layer2", "conv 5x5, BN, ReLU, max-pool", net.layer2)]
    if isinstance(net, SmallResNet):
        b = (len(net.body) - 5) // 3  # residual blocks per stage: conv_bn + b blocks, three times, pool, flatten
        out = []
        for s in range(3):
            first, last = s * (b + 1), s * (b + 1) + b
            stride = ", stride 2" if s else ""
            out.append((f"stage {s + 1} (body[{first}:{last + 1}])", f"conv 3x3{stride}, {b} residual blocks",
                        net.body[last]))
        return [*out, ("pooled (body[-2:])", "average over the 7x7 positions", net.body[-1])]
    if isinstance(net, MLP):
        return [("hidden", f"linear 784 -> {net.fc.in_features}, ReLU", net.hidden)]
    if isinstance(net, SoftmaxRegression):
        return []
    raise TypeError(f"No stages known for {type(net).__name__}.")


def _outputs(net: Network, x: Tensor, modules: list[nn.Module]) -> tuple[Tensor, list[Tensor]]:
    """(logits, each module's output) of one forward pass of `net` on x, so they are what the model computes."""
    seen: dict[int, Tensor] = {}
    hooks = [m.register_forward_hook(lambda m, i, o, k=k: seen.__setitem__(k, o)) for k, m in enumerate(modules)]
    try:
        logits = net(x)
    finally:
        for h in hooks:
            h.remove()
    return logits, [seen[k] for k in range(len(modules))]


def _most_active(maps: Tensor, k: int) -> Tensor:
    """The `k` channels of (C, h, w) `maps` with the largest mean activation on the input."""
    return maps[maps.flatten(1).mean(1).argsort(descending=True)[:k]]


def _as_map(v: Tensor) -> Tensor:
    """A vector of n units as one (1, rows, n / rows) map, rows the largest divisor of n up to its square root."""
    rows = max(r for r in range(1, int(len(v) ** 0.5) + 1) if len(v) % r == 0)
    return v.reshape(1, rows, -1)


def stages(clf: Classifier, view: Image.Image, k: int = CHANNELS) -> list[Stage]:
    """What each stage of the classifier computes on the 28x28 `view`, from its normalised input on."""
    net = clf.model
    x = image_to_tensor(view)
    found = stage_modules(net)
    with torch.inference_mode():
        _, outs = _outputs(net, x, [m for _, _, m in found])
        out = [Stage("input", "normalised: (x - mean) / std", (1, 28, 28), net.normalise(x)[0])]
    for (name, what, _), o in zip(found, outs, strict=True):
        maps = _most_active(o[0], k) if o.ndim == 4 else _as_map(o[0])
        out.append(Stage(name, what, tuple(o.shape[1:]), maps))
    return out


def stages_panel(stages_: list[Stage], side: int = MAP_SIDE) -> Image.Image:
    """Each stage's name, what it does and its shape, above its maps (each stretched to its own range). Labels go
    above, not beside, the maps: the panel stays narrow enough for a phone to show a stage's label and maps at once."""
    out = []
    for s in stages_:
        maps = tile_row([map_image(m, side) for m in s.maps])
        out.append(tile_column([text_tile([s.name, s.what, s.caption], max(LABEL_W, maps.width), LABEL_H), maps],
                               gap=2))
    return tile_column(out, gap=14)


@dataclass
class Evidence:
    method: str  # what the map is, in words: "Grad-CAM, layer2" or "integrated gradients"
    heat: Tensor  # (28, 28), >= 0: how much each pixel's neighbourhood speaks for the class, 1 at its most
    raw: Tensor  # signed, summing to the class score's change: (7, 7) by position for Grad-CAM, (28, 28) for IG


def cam_layer(net: Network) -> tuple[str, nn.Module] | None:
    """The maps Grad-CAM reads (the last ones, 7x7), as (the stage's name, its module); None for the models
    without maps (softmax regression, MLP)."""
    if isinstance(net, SmallCNN):
        return "layer2", net.layer2
    if isinstance(net, SmallResNet):
        return "stage 3", net.body[-3]  # its last residual block (then average-pool, flatten)
    return None


def evidence_method(clf: Classifier) -> str:
    """How `evidence` explains this classifier, in words."""
    layer = cam_layer(clf.model)
    return f"Grad-CAM, {layer[0]}" if layer else "integrated gradients"


def evidence(clf: Classifier, view: Image.Image, cls: int) -> Evidence:
    """Where the classifier finds evidence for class `cls` in the 28x28 `view` (see the module's docstring)."""
    net, x, layer = clf.model, image_to_tensor(view), cam_layer(clf.model)
    raw = grad_cam(net, x, layer[1], cls) if layer else integrated_gradients(net, x, cls)
    heat = (enlarge(raw) if raw.shape != (28, 28) else raw).clamp(min=0)
    return Evidence(evidence_method(clf), heat / heat.max() if heat.max() > 0 else heat, raw)


def grad_cam(net: Network, x: Tensor, target: nn.Module, cls: int) -> Tensor:
    """Class `cls`'s score by position of `target`'s output (N=1): sum over channels of gradient x activation,
    (h, w). What follows the last maps is linear (flatten or average-pool, then a linear layer), so this is each
    position's exact share: it sums to the score minus the layer's bias."""
    with torch.enable_grad():
        logits, (a,) = _outputs(net, x, [target])
        (g,) = torch.autograd.grad(logits[0, cls], a)
    return (g * a).sum(1)[0].detach()


def enlarge(m: Tensor, side: int = 28) -> Tensor:
    """An (h, w) map enlarged bilinearly to (side, side)."""
    return nn.functional.interpolate(m[None, None], size=(side, side), mode="bilinear", align_corners=False)[0, 0]


def integrated_gradients(net: Network, x: Tensor, cls: int, steps: int = IG_STEPS) -> Tensor:
    """Integrated gradients of class `cls`'s score from a black image to x (1, 1, 28, 28): (28, 28), summing to
    score(x) - score(black) up to the path's discretisation (midpoint rule over `steps`)."""
    alphas = (torch.arange(steps, dtype=x.dtype) + 0.5) / steps
    path = (alphas[:, None, None, None] * x).requires_grad_(True)  # (steps, 1, 28, 28)
    with torch.enable_grad():
        (g,) = torch.autograd.grad(net(path)[:, cls].sum(), path)
    return (g.mean(0) * x[0])[0].detach()


def overlay(view: Image.Image, heat: Tensor, side: int = VIEW_SIDE) -> Image.Image:
    """The 28x28 view enlarged (nearest) to `side`, under the heat map in matplotlib's 'inferno' colours."""
    from matplotlib import colormaps  # on first use, as core.plots does: it costs ~0.4 s of every app's start-up

    grey = np.asarray(view.convert("RGB"), dtype=np.float32)
    colours = colormaps["inferno"](heat.numpy())[..., :3] * 255
    mixed = (1 - OVERLAY) * grey + OVERLAY * colours
    return Image.fromarray(mixed.round().astype(np.uint8), "RGB").resize((side, side), Image.NEAREST)


def saliency_panel(clf: Classifier, view: Image.Image, classes: int = 2) -> Image.Image:
    """The view, then the evidence for each of the `classes` most likely classes, captioned with the class and
    its probability, and a line saying what the colours mean and how they were computed."""
    probs = clf.predict_tensor(image_to_tensor(view))[0]
    tiles = [captioned(view.convert("RGB").resize((VIEW_SIDE, VIEW_SIDE), Image.NEAREST), "What it saw (28x28)")]
    for c in probs.argsort(descending=True)[:classes].tolist():
        ev = evidence(clf, view, c)
        none = "" if ev.heat.max() > 0 else ": none found"  # every position speaks against it
        tiles.append(captioned(overlay(view, ev.heat), f"{CLASSES[c]} ({probs[c]:.0%}){none}"))
    where = "where the class's score comes from" if cam_layer(clf.model) else "pixels that raise the class's score"
    return captioned(tile_row(tiles), f"Bright: {where} ({ev.method})")


def saliency_figure(img: Image.Image, clf: Classifier) -> Image.Image:
    """The saliency figure for any image and classifier (the presentation pack's): `saliency_panel` of the
    28x28 view the classifier sees."""
    return saliency_panel(clf, to_fashion_mnist(img))


def softmax_weights(clf: Classifier) -> Tensor:
    """The softmax regression's weights as ten 28x28 images (10, 28, 28), one per class, in class order.
    They act on the normalised pixels; a bright pixel where a class's weight is positive raises its score."""
    if not isinstance(clf.model, SoftmaxRegression):
        raise TypeError(f"{clf.title} is not the softmax regression: only its weights are one image per class.")
    return clf.model.fc.weight.detach().reshape(len(CLASSES), 28, 28)


def weight_scale(w: Tensor) -> float:
    """The |weight| drawn at full colour: the 99th percentile of |w| (a few rarely lit border pixels carry far
    larger weights; scaled to those, the rest would be white)."""
    return float(torch.quantile(w.abs().flatten(), WEIGHT_QUANTILE)) or 1.0


def diverging(w: Tensor, side: int = WEIGHT_SIDE) -> Image.Image:
    """A (28, 28) weight image in matplotlib's 'RdBu_r' colours, symmetric about 0 (white), red positive and
    blue negative, full colour from `weight_scale(w)` on; enlarged (nearest) to `side`."""
    from matplotlib import colormaps

    rgb = colormaps["RdBu_r"](((w / weight_scale(w)).clamp(-1, 1).numpy() + 1) / 2)[..., :3] * 255
    return Image.fromarray(rgb.round().astype(np.uint8), "RGB").resize((side, side), Image.NEAREST)


def weights_panel(softmax: Classifier, per_row: int = 5) -> Image.Image:
    """The softmax regression's ten weight images, captioned with their class, `per_row` a row, with a line
    saying what the colours mean."""
    tiles = [captioned(diverging(w), name) for w, name in zip(softmax_weights(softmax), CLASSES, strict=True)]
    rows = tile_column([tile_row(tiles[i : i + per_row]) for i in range(0, len(tiles), per_row)])
    return captioned(rows, "Red: a lit pixel there raises the class's score; blue: lowers it (each to its own scale)")


@dataclass
class Inside:
    """What the 'look inside the classifier' views show for one input."""

    saliency: Image.Image  # the view and the evidence for the two most likely classes, captioned
    stages: Image.Image  # each stage's most active maps
    weights: Image.Image | None  # the softmax regression's weight images (None without that checkpoint)
    method: str  # how the evidence was computed


def look_inside(clf: Classifier, view: Image.Image, softmax: Classifier | None = None) -> Inside:
    """The look-inside views of `clf` on the 28x28 `view`; the weight images come from `softmax`, if given."""
    return Inside(saliency_panel(clf, view), stages_panel(stages(clf, view)),
                  weights_panel(softmax) if softmax is not None else None,
                  evidence_method(clf))
