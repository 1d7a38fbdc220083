"""FSRCNN speed: CPU latency on a 512x512 input vs Pillow bicubic; GPU throughput where CUDA exists.

    python -m bench.sr_speed [--size 512] [--runs 7] [--threads N]

Prints a Markdown table (median of `--runs` runs after one warm-up).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch

from core.examples import example_photo
from core.sr import available, bicubic, load_upscaler


def median_seconds(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cpu_table(size: int, runs: int) -> list[str]:
    img = example_photo("astronaut").resize((size, size))
    rows = ["| model | input | output | FSRCNN (ms) | bicubic (ms) | FSRCNN / bicubic |", "|---|---|---|---|---|---|"]
    for arch, scale in sorted(available(), key=lambda a: (a[1], a[0])):
        up = load_upscaler(scale, arch)
        t_sr = median_seconds(lambda up=up: up(img), runs)
        t_bic = median_seconds(lambda s=scale: bicubic(img, s), runs)
        rows.append(
            f"| {up.card.get('title', up.name)} | {size}×{size} | {size * scale}×{size * scale} "
            f"| {t_sr * 1000:.0f} | {t_bic * 1000:.1f} | {t_sr / t_bic:.0f}× |"
        )
    return rows


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

    t = median_seconds(step, runs)
    mp = 1920 * 1080 * 4 / 1e6
    return ["| GPU | 1920×1080 → x2 (Y) | ms | output MP/s |", "|---|---|---|---|",
            f"| {torch.cuda.get_device_name()} | 3840×2160 | {t * 1000:.1f} | {mp / t:.0f} |"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}; median of {args.runs} runs\n")
    print("\n".join(cpu_table(args.size, args.runs)))
    print()
    print("\n".join(gpu_table(args.runs)))


if __name__ == "__main__":
    main()
