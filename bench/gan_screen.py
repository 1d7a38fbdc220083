"""Screening GAN runs cheaply, before paying for the full evaluation (`train.gan evaluate --inception`).

Reads a run folder's latest saved generator (the EMA one when the run keeps it) or a checkpoint, and prints
the classifier-feature FID and conditional accuracy on `--n` samples and, with `--inception`, the Inception
FID of `--inception-n` samples. Screens choose (which run to lengthen, which step to ship), so by default they
never read the test set: the reference is a fixed, stratified 5,000 of the training images
(`core.fashion.data.validation_split(labels, 5000)`, seed 0; their Inception features are cached). The
full evaluation measures against the test set, once. `--reference test` compares with the 10,000 test
images instead (what the screens quoted in README before 2026-12-01 used). FID is biased upwards at small
n, so compare screens of the same n and reference only.

    python -m bench.gan_screen checkpoints/gan/runs/cgan --inception                 # a run, as it stands
    python -m bench.gan_screen checkpoints/gan/cgan.safetensors --inception         # a checkpoint

Nothing is written into cards: the numbers are for choosing what to train further, and the figures that
README and cards quote come from `train.gan evaluate`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from core.fashion.data import load_split, to_input, validation_split
from core.fashion.task import TASK as FASHION
from core.gan.evaluate import (
    cached_inception_features,
    classifier_features,
    conditional_accuracy,
    generate,
    inception_features,
)
from core.gan.sample import Sampler, open_generator
from core.metrics import frechet_distance
from core.registry import build_model
from core.training import read_state
from train.gan import RECIPES

#: How many real images each reference holds: a stratified part of the training set, or the whole test set.
REFERENCE_N = {"train": 5_000, "test": 10_000}


def reference_images(which: str) -> tuple[str, torch.Tensor]:
    """(cache name, images in [0, 1]) of the screen's real reference: fixed by construction."""
    n = REFERENCE_N[which]
    x, y = load_split(which == "train")
    if which == "train":
        _, idx = validation_split(y, n)  # stratified, seeded: the same 5,000 images every time
        return f"fashion_mnist_train_stratified_{n}", to_input(x[idx])
    return f"fashion_mnist_test_{n}", to_input(x[:n])


def run_sampler(run_dir: Path) -> tuple[Sampler, int]:
    """The run's latest saved generator (G_ema when kept) and its step, built from the run's own command."""
    fit = argparse.ArgumentParser(add_help=False)
    fit.add_argument("--arch", required=True)
    fit.add_argument("--width", type=int)
    run, _ = fit.parse_known_args(json.loads((run_dir / "run.json").read_text())["argv"][1:])
    g_args = {**RECIPES[run.arch]["g"], **({"width": run.width} if run.width else {})}
    model = build_model(run.arch, **g_args)
    state = read_state(run_dir / "weights.safetensors")
    model.load_state_dict(state["models"]["G_ema" if "G_ema" in state["models"] else "G"])
    return Sampler(model, {"name": run_dir.name}), int(state["loop"]["step"])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.gan_screen", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", type=Path, help="a run folder (train.gan fit --run-dir) or a .safetensors checkpoint")
    p.add_argument("--n", type=int, default=5000, help="samples for the classifier-feature FID and class accuracy")
    p.add_argument("--inception", action="store_true", help="also the Inception FID of --inception-n samples")
    p.add_argument("--inception-n", type=int, default=2000, help="samples for the Inception screen")
    p.add_argument("--reference", choices=sorted(REFERENCE_N), default="train",
                   help="real images to compare with: 5,000 stratified training images (default) or the 10,000 test images")
    p.add_argument("--threads", type=int, default=1, help="CPU threads for torch")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.source.is_dir():
        sampler, step = run_sampler(args.source)
    else:
        sampler = open_generator(args.source)
        step = sampler.card.get("training", {}).get("steps")
    judge = FASHION.load(FASHION.judge)
    name, real_x = reference_images(args.reference)
    fake_f, _ = classifier_features(generate(sampler, args.n), judge)
    out = {"source": str(args.source), "step": step, "n": args.n, "reference": f"{args.reference} {len(real_x)}",
           "fid_classifier": round(frechet_distance(fake_f, classifier_features(real_x, judge)[0]), 3)}
    if sampler.conditional:
        out["conditional_accuracy"], _ = conditional_accuracy(sampler, judge, args.n)
    if args.inception:
        real = cached_inception_features(name, real_x)
        fake = inception_features(generate(sampler, args.inception_n))
        out[f"fid_inception_{args.inception_n}_vs_{args.reference}_{len(real_x)}"] = round(frechet_distance(fake, real), 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
