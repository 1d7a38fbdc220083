"""Watch it learn: the same seeded samples drawn at regular steps during training, shipped beside the generator.

The trainer records a frame (`TIMELINE_SAMPLES` fixed latents and, for a conditional model, fixed labels
0, 1, ..., 9, 0, ...) at every `--sample-every` steps into the run folder, and `export` ships at most
`MAX_FRAMES` of them as `<name>.timeline.safetensors` beside the weights (uint8: about 25 kB a frame).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from safetensors.torch import load_file

from core.checkpoints import atomic_save_tensors
from core.gan.latent import latents
from core.gan.render import from_tanh, grids_gif, to_bytes, to_grid

TIMELINE_SEED = 1234
TIMELINE_SAMPLES = 32
MAX_FRAMES = 40
SUFFIX = ".timeline.safetensors"


def timeline_inputs(z_dim: int, num_classes: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The fixed latents (TIMELINE_SAMPLES, z_dim) and labels (conditional models) every frame is drawn from."""
    z = latents(TIMELINE_SAMPLES, TIMELINE_SEED, z_dim)
    y = torch.arange(TIMELINE_SAMPLES) % num_classes if num_classes else None
    return z, y


@torch.no_grad()
def record_frame(generator: torch.nn.Module, z: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
    """(N, 28, 28) uint8: the generator's images for the fixed inputs (its output in [-1, 1] mapped to 0..255)."""
    dev = next(generator.parameters()).device
    out = generator(z.to(dev), None if y is None else y.to(dev))
    return to_bytes(from_tanh(out))[:, 0].cpu()


@dataclass
class Timeline:
    steps: list[int]
    frames: torch.Tensor  # (T, N, 28, 28) uint8, one frame per step

    def __len__(self) -> int:
        return len(self.steps)

    def add(self, step: int, frame: torch.Tensor) -> None:
        """Record `frame` at `step` (replacing a frame already recorded there, as after a resumed run)."""
        keep = [i for i, s in enumerate(self.steps) if s < step]
        self.steps = [self.steps[i] for i in keep] + [step]
        self.frames = torch.cat([self.frames[keep], frame[None]]) if keep else frame[None].clone()

    def thinned(self, limit: int = MAX_FRAMES) -> Timeline:
        """At most `limit` frames, evenly spread, the first and the last kept."""
        if len(self) <= limit:
            return self
        idx = torch.linspace(0, len(self) - 1, limit).round().long().unique()
        return Timeline([self.steps[i] for i in idx.tolist()], self.frames[idx])

    def images(self, i: int) -> torch.Tensor:
        """Frame `i` as images (N, 1, 28, 28) in [0, 1] (what `core.gan.render.to_grid` takes)."""
        return self.frames[i][:, None].float().div(255)

    def gif(self, nrow: int = 8, ms: int = 250) -> bytes:
        """The whole timeline as an animated GIF of sample grids (looping, the last frame held)."""
        return grids_gif([to_grid(self.images(i), nrow=nrow, scale=2) for i in range(len(self))], ms)

    def save(self, path: Path) -> None:
        atomic_save_tensors({"steps": torch.tensor(self.steps, dtype=torch.long), "frames": self.frames}, path)

    @classmethod
    def load(cls, path: Path) -> Timeline | None:
        """The timeline stored at `path`, or None where there is none."""
        if not Path(path).is_file():
            return None
        t = load_file(path)
        return cls(t["steps"].tolist(), t["frames"])


def timeline_file(weights: Path) -> Path:
    """Where a generator's timeline lies: `<name>.timeline.safetensors` beside `<name>.safetensors`."""
    return Path(weights).with_name(Path(weights).stem + SUFFIX)


def frame_caption(t: Timeline, i: int) -> str:
    return f"Step {t.steps[i]:,} of {t.steps[-1]:,} (frame {i + 1} of {len(t)})"


def grid_image(t: Timeline, i: int, nrow: int = 8) -> Image.Image:
    return to_grid(t.images(i), nrow=nrow, scale=3)
