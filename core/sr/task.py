"""The upscaling task's contract (see core.tasks): FSRCNN and FSRCNN-s at x2, x3 and x4, one entry per scale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import checkpoints
from core.examples import PHOTOS
from core.sr.model import SCALES, check_scale
from core.sr.upscale import Upscaler, open_upscaler
from core.tasks import Paper, Task, Variant

FSRCNN_PAPER = Paper(
    "Dong, Loy, Tang. Accelerating the Super-Resolution Convolutional Neural Network. ECCV 2016.",
    "https://arxiv.org/abs/1608.00367",
)
#: Example photos (core.examples.PHOTOS) with the checkpoint they open at; only shipped ones are offered.
EXAMPLES = (("chelsea", "fsrcnn_x2"), ("coffee", "fsrcnn-s_x3"), ("astronaut", "fsrcnn_x4"), ("rocket", "fsrcnn_x3"))


class UpscaleTask(Task):
    key = "sr"
    order = 0
    tab = "Upscale"
    icon = ":material/zoom_in:"
    heading = "Upscaling: bicubic vs FSRCNN"
    intro = (
        "FSRCNN (Dong et al., 2016) learns to upscale the brightness channel; colour is bicubic. "
        "Tick *compare with ground truth* to downsize your image first and score both methods against it."
    )
    picker = "Model"
    what = "upscaler"
    glossary = {
        "PSNR": "peak signal-to-noise ratio of the brightness (Y) channel against the true image, in dB, its border "
                "of `scale` px left out (+1 dB is about a fifth less squared error); measured on Set5 and Set14 by "
                "`python -m train.sr evaluate`.",
        "SSIM": "structural similarity of the brightness channel (1 = identical): local means, contrasts and "
                "correlations, closer to what an eye notices than PSNR; measured with PSNR.",
        "Bicubic": "the classic way to enlarge an image, a smooth 4×4-pixel interpolation (the papers' baseline).",
    }
    variants = {
        "fsrcnn": Variant("fsrcnn", "FSRCNN (56,12,4)", FSRCNN_PAPER, "fsrcnn", {"d": 56, "s": 12, "m": 4}),
        "fsrcnn-s": Variant("fsrcnn-s", "FSRCNN-s (32,5,1)", FSRCNN_PAPER, "fsrcnn", {"d": 32, "s": 5, "m": 1}),
    }

    def open(self, path: Path) -> Upscaler:
        return open_upscaler(path)

    def facets(self, card: dict[str, Any]) -> dict[str, Any]:
        return {"scale": card.get("config", {}).get("scale")}

    def metric_labels(self, metrics: dict[str, Any]) -> list[str]:
        return [f"{s} {m['psnr']:.2f} dB (bicubic {m['bicubic_psnr']:.2f}), SSIM {m['ssim']:.4f}"
                for s, m in metrics.items()]

    def label(self, name: str) -> str:
        """The picker shows the variant's title alone (the scale is picked beside it; the note shows the metrics)."""
        e = self.entry(name)
        return e.variant.title if e.variant else e.title

    def scales(self) -> list[int]:
        """The scales at which something is shipped, in order."""
        return [s for s in SCALES if self.entries(scale=s)]

    def measured(self, name: str) -> str:
        """One line of a model's measured quality from its card, 'Set5 36.36 dB (bicubic 33.66) · Set14 ...', or
        'Unavailable: <why>' when the checkpoint is missing or damaged (it is verified, so the note says so up front)."""
        try:
            card = checkpoints.verify(self.entry(name).path, self.key)
        except checkpoints.CheckpointError as e:
            return f"Unavailable: {e}"
        parts = [f"{s} {m['psnr']:.2f} dB (bicubic {m['bicubic_psnr']:.2f})" for s, m in card.get("metrics", {}).items()]
        return f"{card.get('title', card['name'])}: " + (" · ".join(parts) or "not measured")

    def examples(self) -> list[tuple[str, str]]:
        """(photo, checkpoint name) of the examples the demos offer: those whose checkpoint is shipped."""
        have = set(self.names())
        return [(p, n) for p, n in EXAMPLES if n in have and p in PHOTOS]


TASK = UpscaleTask()


def load_upscaler(scale: int, variant: str = "fsrcnn") -> Upscaler:
    """The shipped upscaler of `variant` ("fsrcnn", "fsrcnn-s") at `scale` (2, 3, 4), a `.safetensors` path or a
    Hub id `owner/repo[/name]` (name defaults to `fsrcnn_x<scale>`): a shortcut for users over `TASK.load`.
    Cached; CheckpointError or ValueError say what is wrong."""
    scale = check_scale(scale)
    if "/" in variant or variant.endswith(".safetensors"):
        upscaler = TASK.load(str(checkpoints.resolve(variant, f"fsrcnn_x{scale}")))
    elif variant in TASK.variants:
        upscaler = TASK.load(f"{variant}_x{scale}")
    else:
        raise ValueError(f"Unknown upscaler '{variant}'. Choose one of: {', '.join(TASK.variants)}, a path or a Hub id.")
    if upscaler.scale != scale:
        raise checkpoints.CheckpointError(f"'{variant}' is an x{upscaler.scale} model, not x{scale}.")
    return upscaler
