"""The GAN task's contract (see core.tasks): from the 2014 GAN to a class-conditional GAN, on Fashion-MNIST."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.fashion.data import CLASSES
from core.tasks import Paper, Task, Variant

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
#: Interpolation frames per row: 32 frames wrap into 4 rows of 8, each frame large enough to see.
FRAMES_PER_ROW = 8
#: Example settings (model, class, seed) the apps offer; those of unshipped models are left out.
EXAMPLES = (("cgan", "Sneaker", 7), ("cgan", "Trouser", 3), ("cgan", "Dress", 11), ("dcgan", ALL_CLASSES, 0),
            ("gan", ALL_CLASSES, 0))


class GanTask(Task):
    key = "gan"
    tab = "GAN"
    icon = ":material/palette:"
    heading = "GAN latent space"
    intro = (
        "Generators trained on Fashion-MNIST, from the 2014 GAN to a class-conditional GAN. "
        "A seed fixes the latent vectors, so the same seed gives the same images everywhere."
    )
    picker = "Model (FID: lower is better)"
    model_module = "core.gan.models"
    variants = {
        "gan": Variant("gan", "GAN (Goodfellow et al. 2014)", Paper(
            "Goodfellow et al. Generative Adversarial Nets. NeurIPS 2014.", "https://arxiv.org/abs/1406.2661")),
        "dcgan": Variant("dcgan", "DCGAN (Radford et al. 2016)", Paper(
            "Radford, Metz, Chintala. Unsupervised Representation Learning with Deep Convolutional Generative "
            "Adversarial Networks. ICLR 2016.", "https://arxiv.org/abs/1511.06434")),
        "cgan": Variant("cgan", "Conditional GAN (SN, hinge, EMA)", Paper(
            "Miyato, Koyama. cGANs with Projection Discriminator. ICLR 2018.", "https://arxiv.org/abs/1802.05637")),
    }

    def default(self) -> str:
        """The conditional GAN where shipped, else the newest shipped generator."""
        have = self.available()
        preferred = (["cgan"] if "cgan" in have else []) + have[::-1]
        return self.first_loadable(preferred) or (have[-1] if have else "cgan")

    def load(self, name: str) -> Any:
        from core.gan.sample import load_generator

        return load_generator(name)

    def metric_labels(self, metrics: dict[str, Any]) -> list[str]:
        fid, inception = metrics.get("fid_classifier"), metrics.get("fid_inception")
        return ([] if fid is None else [f"FID {fid:.2f}"]) + (
            [] if inception is None else [f"Inception FID {inception:.1f}"])

    def conditional(self, name: str) -> bool:
        """Whether the generator takes a class (the class control applies)."""
        return self.load(name).conditional

    def class_note(self, name: str) -> str:
        """The class control's explanation: what it does for this model, or why it is off."""
        if self.conditional(name):
            return "Steers the conditional generator; 'All classes' draws a class at random for each image."
        return f"Off: {self.title(name)} is unconditional, so it draws every class at random and cannot be steered."

    def examples(self) -> list[tuple[str, str, int]]:
        """(model, class, seed) settings worth a click, for the shipped models."""
        have = set(self.available())
        return [e for e in EXAMPLES if e[0] in have]

    def example_label(self, name: str, class_name: str, seed: int) -> str:
        return f"{self.title(name)} · {class_name} · seed {seed}"

    def sample_caption(self, name: str, seed: int, class_name: str | None, n: int, truncation: float) -> str:
        """What a sample grid shows, in words: model, seed, class and truncation."""
        what = class_name if class_name and self.conditional(name) else ALL_CLASSES.lower()
        return (f"{n} samples from {self.title(name)}, seed {seed}, {what}"
                + ("" if truncation >= 1 else f", truncation {truncation:g}"))

    def _timeline_entry(self, name: str) -> dict | None:
        """The card's `timeline` entry of a generator; None where its training recorded none or its card is damaged."""
        from core import checkpoints

        try:
            return self.card(name).get("timeline") or None
        except (checkpoints.CheckpointError, ValueError):
            return None

    def timeline(self, name: str):
        """The shipped 'watch it learn' timeline of a generator (core.gan.timeline.Timeline), or None where its
        training recorded none."""
        from core import checkpoints
        from core.gan.timeline import Timeline

        entry = self._timeline_entry(name)
        return Timeline.load(checkpoints.shipped(self.key, name).with_name(entry["file"])) if entry else None

    def timeline_model(self) -> str | None:
        """The generator whose timeline a presentation shows: the default one if it recorded one, else the first
        shipped generator that did; None when none did."""
        names = self.available()
        return next((n for n in ([self.default(), *names] if names else []) if self._timeline_entry(n)), None)

    def timeline_note(self, name: str) -> str:
        """What the 'Watch it learn' view says about a model's timeline."""
        t = self.timeline(name)
        if t is None:
            return (f"No timeline was recorded for {self.title(name)}: it was trained before the trainer recorded "
                    "one. Every generator trained from now on carries one.")
        return (f"The same {t.frames.shape[1]} seeded samples, drawn at {len(t)} points of {self.title(name)}'s "
                f"training (steps {t.steps[0]:,} to {t.steps[-1]:,}).")

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
