"""The GAN task's contract (see core.tasks): from the 2014 GAN to a class-conditional GAN, on Fashion-MNIST."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import checkpoints
from core.fashion.data import CLASSES
from core.gan.curves import panels
from core.gan.explore import direction_ranges
from core.gan.sample import Sampler, open_generator
from core.gan.timeline import Timeline
from core.plots import training_curves_figure
from core.tasks import Entry, Paper, Task, Variant

ALL_CLASSES = "All classes"


@dataclass(frozen=True)
class Range:
    """A control's range: both apps build their sliders from these."""

    low: float
    high: float
    default: float
    step: float


SAMPLES = Range(1, 64, 32, 1)  # images per grid
TRUNCATION = Range(0.1, 1.0, 1.0, 0.05)
FRAMES = Range(2, 32, 10, 1)  # interpolation frames
#: The interpolation's second seed on opening (the first is the shared seed, 0): of seeds 1-59, the one whose first
#: sample differs most from seed 0's under the shipped conditional GAN (pixel L2 11.3, against 6.6 for seed 1, whose
#: walk was ten near-identical dresses): a narrow dark dress widening into a light one.
SECOND_SEED = 21
#: Example settings (model, class, seed) the apps offer; those of unshipped models are left out.
EXAMPLES = (("cgan", "Sneaker", 7), ("cgan", "Trouser", 3), ("cgan", "Dress", 11), ("dcgan", ALL_CLASSES, 0),
            ("gan", ALL_CLASSES, 0))


class GanTask(Task):
    key = "gan"
    order = 2
    tab = "GAN"
    icon = ":material/palette:"
    heading = "GAN latent space"
    intro = (
        "Generators trained on Fashion-MNIST, from the 2014 GAN to a class-conditional GAN. "
        "A seed fixes the latent vectors, so the same seed gives the same images everywhere."
    )
    picker = "Model (FID: lower is better)"
    what = "generator"
    glossary = {
        "FID": "Fréchet distance between the features of 10,000 samples and of the 10,000 test images (lower is "
               "better). Two are listed: 'FID' uses our own Fashion-MNIST classifier's features (quick, sensitive to "
               "garment shapes), 'Inception FID' the standard InceptionV3 features that papers report; "
               "`python -m train.gan evaluate [--inception]`.",
        "Truncation": "draws the latent vectors closer to the centre of their distribution: more typical, cleaner "
                      "images, less variety.",
        "slerp / lerp": "walking between two latent vectors along the sphere they live near (slerp) or a straight "
                        "line (lerp, which passes through less typical, fainter images midway).",
    }
    variants = {
        "gan": Variant("gan", "GAN (Goodfellow et al. 2014)", Paper(
            "Goodfellow et al. Generative Adversarial Nets. NeurIPS 2014.", "https://arxiv.org/abs/1406.2661")),
        "dcgan": Variant("dcgan", "DCGAN (Radford et al. 2016)", Paper(
            "Radford, Metz, Chintala. Unsupervised Representation Learning with Deep Convolutional Generative "
            "Adversarial Networks. ICLR 2016.", "https://arxiv.org/abs/1511.06434")),
        "cgan": Variant("cgan", "Conditional GAN (SN, hinge, EMA)", Paper(
            "Miyato, Koyama. cGANs with Projection Discriminator. ICLR 2018.", "https://arxiv.org/abs/1802.05637")),
    }

    def open(self, path: Path) -> Sampler:
        return open_generator(path)

    def rank(self, entry: Entry) -> float:
        """The closest to the real images first (the cards' classifier-feature FID: the conditional GAN)."""
        return float(entry.metrics.get("fid_classifier", float("inf")))

    def metric_labels(self, metrics: dict[str, Any]) -> list[str]:
        fid, inception = metrics.get("fid_classifier"), metrics.get("fid_inception")
        return ([] if fid is None else [f"FID {fid:.2f}"]) + (
            [] if inception is None else [f"Inception FID {inception:.1f}"])

    def conditional(self, name: str) -> bool:
        """Whether the generator takes a class (the class control applies), from its card."""
        card = self.entry(name).card or {}
        return bool(card.get("config", {}).get("num_classes", 0))

    def direction_reach(self, name: str) -> list[float]:
        """How far each direction slider reaches either way, from the card (`latent_directions`, written by
        `python -m train.gan describe`); computed from the loaded generator where the card has none."""
        card = self.entry(name).card or {}
        return card.get("latent_directions", {}).get("reach") or direction_ranges(self.load(name))

    def class_note(self, name: str) -> str:
        """The class control's explanation: what it does for this model, or why it is off."""
        if self.conditional(name):
            return "Steers the conditional generator; 'All classes' draws a class at random for each image."
        return f"Off: {self.title(name)} is unconditional, so it draws every class at random and cannot be steered."

    def examples(self) -> list[tuple[str, str, int]]:
        """(model, class, seed) settings worth a click, for the shipped models."""
        have = set(self.names())
        return [e for e in EXAMPLES if e[0] in have]

    def example_label(self, name: str, class_name: str, seed: int) -> str:
        return f"{self.title(name)} · {class_name} · seed {seed}"

    def sample_caption(self, name: str, seed: int, class_name: str | None, n: int, truncation: float) -> str:
        """What a sample grid shows, in words: model, seed, class and truncation."""
        what = class_name if class_name and self.conditional(name) else ALL_CLASSES
        return (f"{n} samples from {self.title(name)}, seed {seed}, {what}"
                + ("" if truncation >= 1 else f", truncation {truncation:g}"))

    def _card_part(self, name: str, key: str) -> dict | None:
        """The card's `key` entry of a generator; None where its training recorded none or its card is damaged."""
        try:
            return (self.entry(name).card or {}).get(key) or None
        except ValueError:
            return None

    def _timeline_entry(self, name: str) -> dict | None:
        return self._card_part(name, "timeline")

    def timeline(self, name: str):
        """The shipped 'watch it learn' timeline of a generator (core.gan.timeline.Timeline), or None where its
        training recorded none."""
        entry = self._timeline_entry(name)
        return Timeline.load(checkpoints.shipped(self.key, name).with_name(entry["file"])) if entry else None

    def timeline_model(self) -> str | None:
        """The generator whose timeline a presentation shows: the default one if it recorded one, else the first
        shipped generator that did; None when none did."""
        names = self.names()
        return next((n for n in ([self.default(), *names] if names else []) if self._timeline_entry(n)), None)

    def timeline_note(self, name: str) -> str:
        """What the 'Watch it learn' view says about a model's timeline."""
        t = self.timeline(name)
        if t is None:
            return (f"No timeline was recorded for {self.title(name)}: it was trained before the trainer recorded "
                    "one. Every generator trained from now on carries one.")
        return (f"The same {t.frames.shape[1]} seeded samples, drawn at {len(t)} points of {self.title(name)}'s "
                f"training (steps {t.steps[0]:,} to {t.steps[-1]:,}).")

    def curves(self, name: str) -> dict | None:
        """The training curves shipped in a generator's card (core.gan.curves), or None where it has none."""
        return self._card_part(name, "curves")

    def curves_figure(self, name: str):
        """A matplotlib Figure of the generator's training curves, or None where its card has none."""
        c = self.curves(name)
        return None if c is None else training_curves_figure(panels(c), f"{self.title(name)}: training curves")

    def curves_note(self, name: str) -> str:
        """What the training-curves view shows for a model, in words."""
        c = self.curves(name)
        if c is None:
            return f"No training curves were shipped with {self.title(name)}."
        measured = ("" if c.get("measured") else " No FID was measured during training: the card's FIDs were "
                    "measured once, on the finished model.")
        return (f"The losses logged while {self.title(name)} trained, from its training log; each point averages "
                f"{c['window']} logged values. In a GAN the two losses pull against each other, so they level off "
                f"rather than fall to zero.{measured}")

    @staticmethod
    def class_choices() -> list[str]:
        return [ALL_CLASSES, *CLASSES]

    @staticmethod
    def class_index(name: str | None) -> int | None:
        """'Sneaker' -> 7; 'All classes' or None -> None (uniform over classes)."""
        if name in (None, ALL_CLASSES):
            return None
        if name not in CLASSES:
            raise ValueError(f"Unknown class '{name}'. Choose one of: {', '.join(CLASSES)}.")
        return CLASSES.index(name)


TASK = GanTask()
