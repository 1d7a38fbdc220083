"""The upscaling task's contract (see core.tasks): FSRCNN and FSRCNN-s at x2, x3 and x4."""

from __future__ import annotations

from typing import Any

from core import checkpoints
from core.tasks import Paper, Task, Variant

FSRCNN_PAPER = Paper(
    "Dong, Loy, Tang. Accelerating the Super-Resolution Convolutional Neural Network. ECCV 2016.",
    "https://arxiv.org/abs/1608.00367",
)
SCALES = (2, 3, 4)


class UpscaleTask(Task):
    key = "sr"
    tab = "Upscale"
    icon = ":material/zoom_in:"
    heading = "Upscaling: bicubic vs FSRCNN"
    intro = (
        "FSRCNN (Dong et al., 2016) learns to upscale the brightness channel; colour is bicubic. "
        "Tick *compare with ground truth* to downsize your image first and score both methods against it."
    )
    picker = "Model"
    model_module = "core.sr.model"
    variants = {
        "fsrcnn": Variant("fsrcnn", "FSRCNN (56,12,4)", FSRCNN_PAPER, "fsrcnn", {"d": 56, "s": 12, "m": 4}),
        "fsrcnn-s": Variant("fsrcnn-s", "FSRCNN-s (32,5,1)", FSRCNN_PAPER, "fsrcnn", {"d": 32, "s": 5, "m": 1}),
    }

    @staticmethod
    def checkpoint_name(name: str, scale: int) -> str:
        """Shipped checkpoint name of a variant at a scale, e.g. `fsrcnn_x2`."""
        return f"{name}_x{scale}"

    @staticmethod
    def parse_scale(scale: int | str) -> int:
        """2, "2" or "x2" -> 2; anything else is a ValueError naming the scales."""
        text = str(scale).strip().lower().removeprefix("x")
        if not text.isdigit() or int(text) not in SCALES:
            raise ValueError(f"Scale must be one of {', '.join(f'x{s}' for s in SCALES)}; got {scale!r}.")
        return int(text)

    def pairs(self) -> list[tuple[str, int]]:
        """(variant, scale) pairs with a shipped checkpoint, in registry then scale order."""
        have = set(self.shipped())
        return [(v, s) for v in self.variants for s in SCALES if self.checkpoint_name(v, s) in have]

    def available(self, scale: int | None = None) -> list[str]:
        """The variants shipped at `scale` (at any scale when None)."""
        return list(dict.fromkeys(v for v, s in self.pairs() if scale is None or s == scale))

    def default(self, scale: int | None = None) -> str:
        have = self.available(scale)
        return "fsrcnn" if "fsrcnn" in have or not have else have[0]

    def load(self, name: str, scale: int | None = None) -> Any:
        """The `Upscaler` of a variant at `scale` (default: the variant's first shipped scale)."""
        from core.sr.upscale import load_upscaler

        if scale is None:
            scale = next((s for v, s in self.pairs() if v == name), SCALES[0])
        return load_upscaler(scale, name)

    def card(self, name: str, scale: int | None = None) -> dict[str, Any]:
        return self.load(name, scale).card

    def measured(self, name: str, scale: int) -> str:
        """One line of a model's measured quality from its card, 'Set5 36.36 dB (bicubic 33.66) · Set14 ...', or
        'Unavailable: <why>' when the checkpoint is missing or damaged (it is loaded, so the note says so up front)."""
        try:
            card = self.card(name, scale)
        except (checkpoints.CheckpointError, ValueError) as e:
            return f"Unavailable: {e}"
        parts = [f"{s} {m['psnr']:.2f} dB (bicubic {m['bicubic_psnr']:.2f})" for s, m in card.get("metrics", {}).items()]
        return f"{card.get('title', card['name'])}: " + (" · ".join(parts) or "not measured")

    def metric_labels(self, metrics: dict[str, Any]) -> list[str]:
        return [f"{s} {m['psnr']:.2f} dB (bicubic {m['bicubic_psnr']:.2f}), SSIM {m['ssim']:.4f}"
                for s, m in metrics.items()]

    def card_file(self, name: str, scale: int | None = None) -> str:
        if scale is None:
            scale = next((s for v, s in self.pairs() if v == name), SCALES[0])
        return checkpoints.display_path(checkpoints.card_path(checkpoints.shipped(self.key, self.checkpoint_name(name, scale))))

    def label(self, name: str, scale: int | None = None) -> str:
        return self.title(name)

    def choices(self, scale: int | None = None) -> list[tuple[str, str]]:
        """(label, name) for the model picker at `scale`: only the variants shipped at that scale."""
        return [(self.label(n), n) for n in self.available(scale)]


TASK = UpscaleTask()
