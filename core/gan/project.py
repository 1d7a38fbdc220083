"""Projecting an image into a generator's latent space: the z (and, for a conditional generator, the class) whose
image G(z) is closest to a 28x28 view (GAN inversion by optimisation, as in Zhu et al. 2016, "Generative Visual
Manipulation on the Natural Image Manifold", without their encoder).

`starts` candidate latents (random; for a conditional generator spread evenly over its classes, so every class is
tried) are optimised at once, as one batch, by Adam on the pixel error in the generator's own [-1, 1] range; the best one is kept. A
drawing or photo becomes a 28x28 view through `core.fashion.predict.to_fashion_mnist` first.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from core.fashion.data import CLASSES
from core.fashion.predict import image_to_tensor
from core.gan.explore import nearest_training_images, training_images
from core.gan.render import to_bytes
from core.gan.sample import Sampler
from core.imaging import captioned, tile_row

#: The search's defaults, chosen on 30 Fashion-MNIST test images with the shipped generators, one CPU thread on a
#: busy 2-core machine (`python -m bench.gan_project --images 30 --settings 150x8@0.1 150x20@0.1 300x20@0.1`).
#: Mean pixel MSE of the best match ([0, 1] scale; a random sample: 0.09-0.17, the nearest of the 60,000 training
#: images: 0.017) and seconds per image, 150 steps x 8 / 20 starts and 300 x 20:
#: GAN 0.0206 (2.0 s) / 0.0204 (1.7 s) / 0.0190 (4.6 s); DCGAN 0.0074 (3.8 s) / 0.0070 (5.0 s) / 0.0057 (8.7 s);
#: conditional GAN 0.0087 (3.1 s) / 0.0066 (3.2 s) / 0.0056 (4.1 s). The shipped classifier gives the match the test
#: image's class for 60 % (GAN), 83 % (DCGAN) and 87 % (conditional GAN) of them at 150 x 20 (the nearest training
#: image: 90 %). 300 steps would cost the DCGAN 9 s. Keeping every start to the end instead of the best 3 after a third
#: of the steps: conditional GAN 0.0071 in twice the time; a learning rate of 0.2: no better.
STEPS = 150
STARTS = 20  # two for each class of the conditional GAN
LR = 0.1
#: After this fraction of the steps only the `KEEP` best candidates go on.
PRUNE_AT, KEEP = 1 / 3, 3
MAX_STEPS, MAX_STARTS = 2000, 640
#: How often (in steps) the progress callback hears of the search.
REPORT_EVERY = 10

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Projection:
    """The best match found for a target: images are (1, 1, 28, 28) float in [0, 1]."""

    target: Tensor  # the 28x28 view that was projected
    image: Tensor  # G(z, label): the best match
    z: Tensor  # (z_dim,) its latent
    label: int | None  # its class (conditional generators), else None
    distance: float  # L2 distance between target and image, in pixels on the [0, 1] scale (as the nearest search)
    nearest: Tensor  # the training image closest to the target
    nearest_distance: float  # its L2 distance to the target, same units
    where: str  # which training images were searched, in words
    seconds: float  # the search's wall-clock time

    @property
    def mse(self) -> float:
        """Mean squared pixel error of the match, [0, 1] scale."""
        return self.distance**2 / self.target.numel()

    def class_name(self) -> str | None:
        return None if self.label is None else CLASSES[self.label]

    def latent_file(self, model: str) -> str:
        """A file name for `latent_npy`: 'projected_latent_<model>[_<class>].npy' (no spaces or slashes)."""
        klass = "" if self.label is None else "_" + "-".join(self.class_name().replace("/", " ").split())
        return f"projected_latent_{model}{klass}.npy"

    def latent_npy(self) -> bytes:
        """The match's latent as a (1, z_dim) float32 .npy file (no pickle): `Sampler.generate` redraws the match
        from it (with `label`, for a conditional generator)."""
        buf = io.BytesIO()
        np.save(buf, self.z[None].numpy().astype(np.float32), allow_pickle=False)
        return buf.getvalue()


def as_target(view: Image.Image | Tensor) -> Tensor:
    """A 28x28 view (an 'L' image, or a tensor of 784 values in [0, 1]) -> (1, 1, 28, 28) float in [0, 1].
    Raises ValueError for another size, values outside [0, 1] or a blank view."""
    if isinstance(view, Image.Image):
        if view.size != (28, 28):
            raise ValueError(f"A projection needs the 28x28 view of an image; got {view.size[0]}x{view.size[1]} "
                             "(make it with core.fashion.predict.to_fashion_mnist).")
        x = image_to_tensor(view.convert("L"))
    elif isinstance(view, Tensor) and view.numel() == 784:
        x = view.detach().float().reshape(1, 1, 28, 28)
    else:
        raise ValueError("A projection needs a 28x28 image; got "
                         f"{tuple(view.shape) if isinstance(view, Tensor) else type(view).__name__}.")
    if not torch.isfinite(x).all() or x.min() < 0 or x.max() > 1:
        raise ValueError("A projection needs pixel values from 0 to 1.")
    if x.max() == 0:
        raise ValueError("The image is blank: there is no garment to project (draw or upload one).")
    return x


def _check(value: int, limit: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
        raise ValueError(f"{what} must be a whole number from 1 to {limit}; got {value!r}.")
    return value


def _starts(sampler: Sampler, starts: int, seed: int) -> tuple[Tensor, Tensor | None]:
    """The candidates' first latents (starts, z_dim) and their classes (starts,): every class in turn, so that
    each is tried as soon as `starts` >= the number of classes; None for an unconditional generator."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(starts, sampler.z_dim, generator=g)
    y = torch.arange(starts) % sampler.num_classes if sampler.conditional else None
    return z, y


def search(sampler: Sampler, target: Tensor, steps: int = STEPS, starts: int = STARTS, lr: float = LR,
           seed: int = 0, progress: Progress | None = None, keep: int = KEEP) -> tuple[Tensor, Tensor | None, Tensor]:
    """Optimise every candidate's latent by Adam for the first `PRUNE_AT` of `steps`, then only the `keep` best
    for the rest (successive halving: the classes that cannot match are dropped early). Returns the survivors'
    best latents (K, z_dim), their classes (K,) or None, and their squared errors (K,) summed over pixels, on the
    [0, 1] scale. `target`: (1, 1, 28, 28) in [0, 1]."""
    _check(steps, MAX_STEPS, "Steps")
    _check(starts, MAX_STARTS, "Starts")
    z, y = _starts(sampler, starts, seed)
    goal = target * 2 - 1  # the generator's range
    g = sampler.g.requires_grad_(False)  # gradients flow to z only
    best_z, best = z.clone(), torch.full((len(z),), float("inf"))
    prune = max(1, int(steps * PRUNE_AT)) if len(z) > keep else steps + 1
    opt = torch.optim.Adam([z.requires_grad_(True)], lr=lr)
    for step in range(steps + 1):
        with torch.enable_grad():
            err = (g(z, y) - goal).pow(2).flatten(1).sum(1)  # (K,) in the [-1, 1] range
        better = err.detach() < best
        best = torch.where(better, err.detach(), best)
        best_z[better] = z.detach()[better]
        if step == steps:  # the last evaluation: no update after it
            break
        if step == prune:  # go on from the best `keep` candidates' best latents, with a fresh optimiser
            top = best.topk(keep, largest=False).indices
            best_z, best, y = best_z[top], best[top], None if y is None else y[top]
            z = best_z.clone().requires_grad_(True)
            opt = torch.optim.Adam([z], lr=lr)
            continue
        opt.zero_grad(set_to_none=True)
        err.sum().backward()  # the candidates are independent: one backward pass serves all
        opt.step()
        if progress and step % REPORT_EVERY == 0:
            progress(step / steps, f"Step {step} of {steps}: best pixel error so far {float(best.min()) / 4:.1f}")
    return best_z, y, best / 4  # [-1, 1] -> [0, 1]: squared errors scale by 1/4


def project(sampler: Sampler, view: Image.Image | Tensor, steps: int = STEPS, starts: int = STARTS,
            lr: float = LR, seed: int = 0, progress: Progress | None = None, keep: int = KEEP) -> Projection:
    """The latent (and class) whose image is closest to `view` (a 28x28 view, light garment on black), and the
    training image closest to the view, for comparison. `progress(fraction, text)` hears of the search as it goes.
    The same inputs give the same answer (the starts are drawn from `seed`)."""
    target = as_target(view)
    t0 = time.perf_counter()
    zs, ys, errs = search(sampler, target, steps, starts, lr, seed, progress, keep)
    k = int(errs.argmin())
    label = None if ys is None else int(ys[k])
    image = sampler.generate(zs[k : k + 1], None if ys is None else ys[k : k + 1])
    if progress:
        progress(1.0, "Searching the training images")
    near, dist = nearest_training_images(target[0], k=1)
    return Projection(target, image, zs[k].clone(), label, float((image - target).norm()), near[:1],
                      dist[0], training_images().what, time.perf_counter() - t0)


#: Each picture of `projection_figure`, in px (the 28x28 images enlarged 10 times, nearest).
FIGURE_SIDE = 280


def _tile(image: Tensor, side: int) -> Image.Image:
    return Image.fromarray(to_bytes(image.reshape(28, 28)).numpy(), "L").resize((side, side), Image.NEAREST)


def projection_figure(p: Projection, side: int = FIGURE_SIDE) -> Image.Image:
    """The projection as one RGB picture: input view | best match | nearest training image, each `side` px and
    captioned with its L2 distance to the input (the apps and the presentation pack show this)."""
    what = f"Match ({p.class_name()})" if p.label is not None else "Best match"
    return tile_row([captioned(_tile(p.target, side), "Input (28×28 view)"),
                     captioned(_tile(p.image, side), f"{what}: {p.distance:.2f}"),
                     captioned(_tile(p.nearest, side), f"Nearest real: {p.nearest_distance:.2f}")])


def describe(p: Projection, model: str) -> str:
    """What a projection found, in a sentence or two (plain text; Markdown-safe)."""
    klass = f" of class {p.class_name()}" if p.label is not None else ""
    closer = "closer to your image than" if p.distance < p.nearest_distance else "further from your image than"
    return (f"{model}'s best match{klass}: L2 distance {p.distance:.2f} to the input view (pixels on a 0-1 scale; "
            f"mean squared error {p.mse:.4f}), {closer} the nearest of {p.where} ({p.nearest_distance:.2f}). "
            f"Found in {p.seconds:.1f} s on the CPU.")
