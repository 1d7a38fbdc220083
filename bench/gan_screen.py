"""Screening GAN runs cheaply, before paying for the full evaluation (`train.gan evaluate --inception`).

Reads a run folder's latest saved generator (the EMA one when the run keeps it) or a checkpoint, and prints
the classifier-feature FID and conditional accuracy on `--n` samples and, with `--inception`, the Inception
FID of `--inception-n` samples against the cached Inception features of the 10,000 test images (the same
reference as the full evaluation, so only the sample count differs; FID is biased upwards at small n, so
compare screens of the same n only: e.g. the shipped DCGAN scores 24.3 at 2,000 samples and 19.1 at 10,000).

    python -m bench.gan_screen checkpoints/gan/runs/cgan_aux03 --inception          # a run, as it stands
    python -m bench.gan_screen checkpoints/gan/cgan.safetensors --inception          # a checkpoint

Nothing is written into cards: the numbers are for choosing what to train further, and the figures that
README and cards quote come from `train.gan evaluate`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from core import checkpoints
from core.fashion.data import load_split, to_input
from core.gan.evaluate import cached_inception_features, evaluate_generator, generate, inception_features
from core.gan.sample import Sampler
from core.metrics import frechet_distance
from core.training import read_state
from train.gan import RECIPES

REFERENCE_N = 10_000  # test images of the Inception reference (their features are cached)


def run_sampler(run_dir: Path) -> tuple[Sampler, int]:
    """The run's latest saved generator (G_ema when kept) and its step, built from the run's own command."""
    fit = argparse.ArgumentParser(add_help=False)
    fit.add_argument("--arch", required=True)
    fit.add_argument("--width", type=int)
    run, _ = fit.parse_known_args(json.loads((run_dir / "run.json").read_text())["argv"][1:])
    g_args = {**RECIPES[run.arch]["g"], **({"width": run.width} if run.width else {})}
    model = checkpoints.build_model(run.arch, **g_args)
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
    p.add_argument("--threads", type=int, default=1, help="CPU threads for torch")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.source.is_dir():
        sampler, step = run_sampler(args.source)
    else:
        model, card = checkpoints.load_checkpoint(args.source, task="gan")
        sampler, step = Sampler(model, card), card.get("training", {}).get("steps")
    m = evaluate_generator(sampler, n=args.n)
    out = {"source": str(args.source), "step": step, "n": args.n, "fid_classifier": m["fid_classifier"]}
    if sampler.conditional:
        out["conditional_accuracy"] = m["conditional_accuracy"]
    if args.inception:
        test_x, _ = load_split(False)
        real = cached_inception_features(f"fashion_mnist_test_{REFERENCE_N}", to_input(test_x[:REFERENCE_N]))
        fake = inception_features(generate(sampler, args.inception_n))
        out[f"fid_inception_{args.inception_n}_vs_test_{REFERENCE_N}"] = round(frechet_distance(fake, real), 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
