"""Fashion-MNIST classifiers on the CPU: latency per image (batch 1) and throughput (batch 256).

    python -m bench.fashion_speed [--runs 200] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import platform

import torch

from bench.timing import median_seconds
from core.fashion.evaluate import cpu_latency_ms
from core.fashion.predict import classify
from core.fashion.task import TASK
from core.imaging import open_image


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--threads", type=int)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}\n")
    photo = open_image(TASK.examples()[0][0])
    print("| model | parameters | test accuracy | ms / image (batch 1) | images/s (batch 256) | demo answer (photo → probabilities) |")
    print("|---|---|---|---|---|---|")
    for arch in TASK.names():
        clf = TASK.load(arch)
        speed = cpu_latency_ms(clf.model, args.runs, flip_tta=clf.flip_tta)
        demo = median_seconds(lambda c=clf: classify(photo, c), max(10, args.runs // 10))
        print(f"| {clf.title} | {clf.card['parameters']:,} | {clf.card['metrics']['test_accuracy']:.2%} "
              f"| {speed['latency_ms_batch1']:.2f} | {speed['images_per_s_batch256']:,} | {demo * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
