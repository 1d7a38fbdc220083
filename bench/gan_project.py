"""How well the shipped generators reproduce real Fashion-MNIST test images by projection (core.gan.project),
for a few search settings: mean pixel MSE of the best match ([0, 1] scale), how often the shipped classifier
gives the match the class it gives the test image, and the seconds per projection.

    python -m bench.gan_project [--images 100] [--settings 150x4@0.1 300x4@0.1/40 ...] [--threads 1]

Baselines in the same table: a random sample of the generator (seed i, the image's own class for a conditional
generator) and the nearest training image.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch

from core.fashion.data import load_split, to_input
from core.fashion.task import TASK as FASHION
from core.gan.explore import nearest_training_images
from core.gan.project import KEEP, LR, STARTS, STEPS, project
from core.gan.task import TASK


def setting(text: str) -> tuple[int, int, float, int]:
    """'150x4@0.1' -> (steps 150, 4 starts, lr 0.1, the default KEEP); '150x4@0.1/40' keeps 40 after pruning."""
    steps, rest = text.split("x")
    starts, rest = rest.split("@")
    lr, _, keep = rest.partition("/")
    return int(steps), int(starts), float(lr), int(keep or KEEP)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=int, default=100, help="test images, evenly spread over the test split")
    p.add_argument("--settings", nargs="+", default=[f"{STEPS}x{STARTS}@{LR}"], help="STEPSxSTARTS@LR ...")
    p.add_argument("--models", nargs="+", help="default: every shipped generator")
    p.add_argument("--threads", type=int, default=1, help="torch threads (the apps serve with 1)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    images, _ = load_split(False)
    pick = torch.linspace(0, len(images) - 1, args.images).long()
    targets = to_input(images[pick])  # (N, 1, 28, 28) in [0, 1]
    judge = FASHION.load(FASHION.default())
    truth = judge.predict_tensor(targets).argmax(1)
    print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} "
          f"torch threads, torch {torch.__version__}; {args.images} test images\n")
    print("| model | search | pixel MSE | classifier agrees | s / image |")
    print("|---|---|---|---|---|")
    near = torch.cat([nearest_training_images(t, k=1)[0] for t in targets])
    print(f"| (nearest training image) | all 60,000 | {(near - targets).pow(2).mean():.4f} "
          f"| {(judge.predict_tensor(near).argmax(1) == truth).float().mean():.0%} | |")
    for arch in args.models or TASK.names():
        s = TASK.load(arch)
        rand = torch.cat([s.sample(1, i, int(truth[i]) if s.conditional else None) for i in range(len(targets))])
        print(f"| {s.card['title']} | random sample | {(rand - targets).pow(2).mean():.4f} "
              f"| {(judge.predict_tensor(rand).argmax(1) == truth).float().mean():.0%} | |")
        for text in args.settings:
            steps, starts, lr, keep = setting(text)
            t0 = time.perf_counter()
            found = torch.cat([project(s, t, steps, starts, lr, keep=keep).image for t in targets])
            sec = (time.perf_counter() - t0) / len(targets)
            print(f"| {s.card['title']} | {steps} steps × {starts} starts, lr {lr:g}, best {keep} after 1/3 | "
                  f"{(found - targets).pow(2).mean():.4f} | "
                  f"{(judge.predict_tensor(found).argmax(1) == truth).float().mean():.0%} | {sec:.2f} |", flush=True)


if __name__ == "__main__":
    main()
