"""FSRCNN speed on this CPU, against its own plain-GEMM rate; peak memory of a large upscale; GPU throughput.

    python -m bench.sr_speed [--runs 5] [--threads N] [--tile T] [--memory]

The headline is the whole `load_upscaler(s)(img)` call (colour conversion, bicubic chroma and tiling included;
best of `--runs` after a warm-up). The "bound" is the time FSRCNN's arithmetic would take at this CPU's BEST
plain-GEMM rate of the run: the rate (a 1x1 256->256 convolution on 128x128, best of `--runs`, same threads) is
read before the first model and again after each one, and the highest reading is used, since on a shared host
it swings 2-3x between minutes while FSRCNN's own time barely moves (a low reading makes FSRCNN look close to the
bound); the best rate and the range seen are printed. FSRCNN (d, s, m) costs 2 * (25d + ds + 9ms^2 + sd + 81d)
FLOP per LR pixel (24,928 for (56, 12, 4)); the ratio is the whole call over that bound. `--memory` measures the peak resident memory of a 4000x3000 photo at x2 in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys

import torch
import torch.nn.functional as F

from bench.timing import best_seconds
from core.examples import example_photo
from core.sr.task import TASK, load_upscaler
from core.sr.upscale import bicubic

#: (scale, LR width, LR height): the cases the ratio is reported for.
CASES = ((2, 512, 512), (3, 512, 512), (4, 1200, 800))


def gemm_rate(runs: int) -> float:
    """This CPU's plain-GEMM rate (FLOP/s): a 1x1 256->256 convolution on a 128x128 input."""
    x, w = torch.randn(1, 256, 128, 128), torch.randn(256, 256, 1, 1)
    with torch.inference_mode():
        t = best_seconds(lambda: F.conv2d(x, w), max(runs, 5))
    return 2 * 256 * 256 * 128 * 128 / t


def flop_per_lr_pixel(config: dict) -> int:
    """FLOP (2 per multiply-add) of FSRCNN (d, s, m) per LR pixel: the deconvolution counts its 81 real taps."""
    d, s, m = config["d"], config["s"], config["m"]
    return 2 * (25 * d + d * s + 9 * m * s * s + s * d + 81 * d)


def photo(w: int, h: int):
    return example_photo("astronaut").resize((w, h))


class GemmRates:
    """The plain-GEMM rate read several times over a run: the bound uses the best reading."""

    def __init__(self, runs: int):
        self.runs, self.readings = runs, []

    def measure(self) -> float:
        self.readings.append(gemm_rate(self.runs))
        return self.readings[-1]

    @property
    def best(self) -> float:
        return max(self.readings)

    def summary(self) -> str:
        lo, hi = min(self.readings), max(self.readings)
        return (f"Plain-GEMM rate (1x1 conv 256->256 on 128x128), {len(self.readings)} readings over the run: "
                f"best {hi / 1e9:.0f} GFLOP/s (the bound uses it), range {lo / 1e9:.0f}-{hi / 1e9:.0f} GFLOP/s")


def measure_cases(runs: int, tile: int | None, rates: GemmRates) -> list[dict]:
    """Time every case's whole call and bicubic, reading the GEMM rate before the first model and after each."""
    out = []
    if not rates.readings:
        rates.measure()
    for scale, w, h in CASES:
        for name in TASK.names(scale=scale):
            up = TASK.load(name)
            if tile:
                up.tile = tile
            img = photo(w, h)
            t = best_seconds(lambda up=up, img=img: up(img), runs)
            t_bic = best_seconds(lambda img=img, s=scale: bicubic(img, s), runs)
            rates.measure()
            out.append({"title": up.card.get("title", up.name), "scale": scale, "w": w, "h": h, "seconds": t,
                        "bicubic_seconds": t_bic, "flop": flop_per_lr_pixel(up.card["config"]) * w * h})
    return out


def ratio_table(measured: list[dict], rate: float) -> list[str]:
    """The table: the whole call first, then its bound at `rate` (FLOP/s: the run's best GEMM rate) and the ratio."""
    rows = ["| model | whole call (ms) | input → output | FLOP | bound at best GEMM rate (ms) | ratio | FSRCNN / bicubic |",
            "|---|---|---|---|---|---|---|"]
    for m in measured:
        t, s, w, h, bound = m["seconds"], m["scale"], m["w"], m["h"], m["flop"] / rate
        rows.append(f"| {m['title']} | {t * 1000:.0f} | {w}×{h} → {w * s}×{h * s} | {m['flop'] / 1e9:.2f} G "
                    f"| {bound * 1000:.0f} | {t / bound:.1f}× | {t / m['bicubic_seconds']:.0f}× |")
    return rows


def peak_memory_mb(w: int = 4000, h: int = 3000, scale: int = 2) -> tuple[float, float]:
    """(peak RSS before the call, peak RSS after it) in MB of a fresh process that upscales a `w`x`h` photo."""
    code = (f"import resource; from bench.sr_speed import photo; from core.sr.task import load_upscaler; "
            f"up = load_upscaler({scale}); img = photo({w}, {h}); "
            f"base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; out = up(img); "
            f"print(base / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after = map(float, res.stdout.split()[-2:])
    return before, after


def gpu_table(runs: int) -> list[str]:
    if not torch.cuda.is_available():
        return ["(no CUDA device here: GPU throughput not measured)"]
    up = load_upscaler(2)
    model = up.model.cuda()
    y = torch.rand(1, 1, 1080, 1920, device="cuda")

    def step():
        with torch.inference_mode():
            model(y)
        torch.cuda.synchronize()

    t = statistics.median([best_seconds(step, 1) for _ in range(runs)])
    mp = 1920 * 1080 * 4 / 1e6
    return ["| GPU | 1920×1080 → x2 (Y) | ms | output MP/s |", "|---|---|---|---|",
            f"| {torch.cuda.get_device_name()} | 3840×2160 | {t * 1000:.1f} | {mp / t:.0f} |"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--tile", type=int, help="LR tile side (default: the upscaler's)")
    p.add_argument("--memory", action="store_true", help="also measure the peak memory of 4000x3000 at x2")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}; load average {load:.1f}; "
          f"best of {args.runs} runs\n")
    rates = GemmRates(args.runs)
    measured = measure_cases(args.runs, args.tile, rates)
    print(rates.summary() + "\n")
    print("\n".join(ratio_table(measured, rates.best)))
    if args.memory:
        before, after = peak_memory_mb()
        print(f"\nPeak RSS, 4000×3000 at x2 (8000×6000 output): {after:.0f} MB "
              f"({before:.0f} MB before the call: model, input photo, libraries)")
    print()
    print("\n".join(gpu_table(args.runs)))


if __name__ == "__main__":
    main()
