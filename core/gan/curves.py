"""A generator's training curves, small enough to ship in its card (the Space carries the cards, not the runs):
the losses of the run's log.csv (core.training's long format: step, split, name, value), averaged over windows of
consecutive logged steps, and any measurement logged during training (e.g. an FID), as it was logged.

Card entry (`curves`), written by `python -m train.gan fit` and `python -m train.gan curves`:
    {"window": 10, "series": {"loss_d": {"steps": [...], "values": [...]}, ...}, "measured": {"fid": {...}}}
"""

from __future__ import annotations

import csv
from pathlib import Path

#: At most this many points a loss curve: the window is the fewest logged steps that keeps under it.
MAX_POINTS = 200
#: Evaluation-split entries that time the run rather than measure the model: not curves.
TIMINGS = ("cpu_s", "wall_s")
#: What each logged series means, for a plot's legend.
MEANINGS = {
    "loss_d": "discriminator loss",
    "loss_g": "generator loss",
    "loss_d_class": "discriminator's class loss (AC-GAN term)",
    "loss_g_class": "generator's class loss (AC-GAN term)",
}


def read_log(path: Path) -> dict[tuple[str, str], list[tuple[int, float]]]:
    """A training log -> {(split, name): [(step, value), ...] in step order}."""
    series: dict[tuple[str, str], list[tuple[int, float]]] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            series.setdefault((row["split"], row["name"]), []).append((int(row["step"]), float(row["value"])))
    return {k: sorted(v) for k, v in series.items()}


def window_for(n: int, max_points: int = MAX_POINTS) -> int:
    """The fewest consecutive logged values a point averages so that `n` values give at most `max_points`."""
    return max(1, -(-n // max_points))


def averaged(points: list[tuple[int, float]], window: int) -> dict[str, list]:
    """Means over consecutive windows of `window` points, each at its window's last step (a last, shorter window
    included): {"steps": [...], "values": [...]} (values rounded to 6 significant digits, as the log writes them)."""
    steps, values = [], []
    for i in range(0, len(points), window):
        chunk = points[i : i + window]
        steps.append(chunk[-1][0])
        values.append(float(f"{sum(v for _, v in chunk) / len(chunk):.6g}"))
    return {"steps": steps, "values": values}


def summarise(log: Path, max_points: int = MAX_POINTS) -> dict:
    """The card's `curves` entry for the run logged in `log` (see the module's docstring)."""
    series = read_log(log)
    train = {name: pts for (split, name), pts in series.items() if split == "train"}
    if not train:
        raise ValueError(f"'{log}' logs no training losses (expected rows with split 'train').")
    window = window_for(max(len(p) for p in train.values()), max_points)
    measured = {name: {"steps": [s for s, _ in pts], "values": [v for _, v in pts]}
                for (split, name), pts in series.items() if split != "train" and name not in TIMINGS}
    return {"window": window, "series": {name: averaged(pts, window) for name, pts in train.items()},
            "measured": measured}


def last_step(curves: dict) -> int:
    """The last step the curves reach."""
    return max(s["steps"][-1] for s in curves["series"].values())


def panels(curves: dict) -> dict[str, dict[str, dict]]:
    """The card's curves grouped for `core.plots.training_curves_figure`: the adversarial losses, the class
    losses (AC-GAN term) where logged, and each measurement logged during training."""
    every = f"mean of every {curves['window']} logged steps" if curves["window"] > 1 else "as logged"
    out: dict[str, dict[str, dict]] = {}
    for name, c in curves["series"].items():
        panel = f"Class losses ({every})" if "class" in name else f"Losses ({every})"
        out.setdefault(panel, {})[MEANINGS.get(name, name)] = c
    for name, c in curves.get("measured", {}).items():
        out[f"{name} during training"] = {name: c}
    return out
