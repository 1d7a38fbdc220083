"""Train and evaluate FSRCNN (Dong et al. 2016) on T91; measure on Set5/Set14/BSD100.

The shipped models come from the commands recorded in their cards (`training.command`, `continued_with`).
The paper's recipe: one long x3 training of the whole network, then the other scales by training only the
deconvolution on top of the x3 layers (`--init <x3 model> --freeze-trunk`), optionally a short fine-tune of all:

    python -m train.sr fit --scale 3 --data ../shared/data/sr/T91 --run-dir checkpoints/sr/runs/fsrcnn_x3 \
        --steps 300000 --compile --threads 1 --out checkpoints/sr/fsrcnn_x3.safetensors
    python -m train.sr continue checkpoints/sr/runs/fsrcnn_x3        # after any stop: goes on from the last save
    python -m train.sr export checkpoints/sr/runs/fsrcnn_x3 --out checkpoints/sr/fsrcnn_x3.safetensors
    python -m train.sr evaluate checkpoints/sr/fsrcnn_x3.safetensors --data ../shared/data/sr --write-card

Checkpoints and hyper-parameters are chosen on T91 images held out of training (`--holdout`), never on
Set5/Set14, which `evaluate` measures once at the end. `fit` works unchanged under `torchrun`.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn

from core import checkpoints
from core.sr.data import PAPER_SCALES, PatchSet, holdout_pairs, make_patches, split_images
from core.sr.evaluate import evaluate_pairs, evaluate_sets
from core.sr.model import FSRCNN
from core.training import LoopConfig, TrainLoop, ema_update
from train.common import (
    RUN_FILE,
    add_continue_command,
    add_run_flags,
    command_line,
    loop_limits,
    record_metrics,
    record_run,
    run,
    training_block,
)

PRESETS = {"fsrcnn": (56, 12, 4), "fsrcnn-s": (32, 5, 1)}
TITLES = {"fsrcnn": "FSRCNN", "fsrcnn-s": "FSRCNN-s"}


def build(args: argparse.Namespace) -> FSRCNN:
    """A fresh FSRCNN with the paper's initialisation, or started from `--init`: every layer when the init
    model has this scale, every layer but the deconvolution otherwise (the paper's transfer between scales)."""
    d, s, m = PRESETS[args.arch]
    model = FSRCNN(args.scale, d, s, m)
    if args.init:
        init, _ = checkpoints.load_checkpoint(args.init, task="sr")
        same = init.scale == args.scale
        state = {k: v for k, v in init.state_dict().items() if same or not k.startswith("deconv.")}
        model.load_state_dict(state, strict=same)
    return model


class Setup:
    """Everything a run is made of, built the same way by `fit` and `export`: model, data, optimizer, loop."""

    def __init__(self, args: argparse.Namespace):
        if args.threads:
            torch.set_num_threads(args.threads)
        self.args = args
        torch.manual_seed(args.seed)  # the initial weights, so that a run and its restart from scratch agree
        model = build(args)
        self.train_files, self.val_files = split_images(args.data, args.holdout)
        self.patches: PatchSet = make_patches(
            self.train_files, args.scale, args.patch, args.stride, PAPER_SCALES if args.augment else (1.0,)
        )
        self.val_pairs = holdout_pairs(self.val_files, args.scale)
        trunk = [p for n, p in model.named_parameters() if not n.startswith("deconv.")]
        if args.freeze_trunk:  # the paper's transfer: only the deconvolution learns the new scale
            for p in trunk:
                p.requires_grad_(False)
        deconv = {"params": list(model.deconv.parameters()), "lr": args.lr * args.deconv_lr}
        # The paper trains the deconvolution with a 10x smaller learning rate than the convolutions.
        self.opt = torch.optim.Adam(([] if args.freeze_trunk else [{"params": trunk}]) + [deconv], lr=args.lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, T_max=args.steps, eta_min=args.lr * 0.01)
        cfg = LoopConfig(steps=args.steps, eval_every=args.eval_every, **loop_limits(args))
        modules = {"fsrcnn": model}
        if args.ema:  # an exponential moving average of the weights: what is validated and shipped
            modules["ema"] = copy.deepcopy(model).requires_grad_(False)
        self.loop = TrainLoop(cfg, modules, {"adam": self.opt}, {"cosine": sched})

    @property
    def served(self) -> FSRCNN:
        """The model a checkpoint of this run holds: the EMA weights where the run keeps them."""
        return self.loop.raw["ema" if self.args.ema else "fsrcnn"]

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        """Mean PSNR (dB, Y, border shaved) on the held-out T91 images, of the served weights (and of the raw
        ones where they differ)."""
        nets = {"val_psnr": self.served, **({"val_psnr_raw": self.loop.raw["fsrcnn"]} if self.args.ema else {})}
        out = {}
        for key, net in nets.items() if self.val_pairs else ():
            upscale = lambda y, net=net: net(y.to(self.loop.device)).cpu()  # noqa: E731
            out[key] = evaluate_pairs(self.val_pairs, self.args.scale, upscale)["psnr"]
        return out


def fit(args: argparse.Namespace) -> None:
    run_ = Setup(args)
    loop, patches, opt = run_.loop, run_.patches, run_.opt
    if loop.is_main:
        record_run(args.run_dir, "train.sr", args.argv, loop.step)
        print(f"{len(patches)} LR/HR patch pairs ({args.patch}px LR) from {len(run_.train_files)} images of {args.data}, "
              f"{len(run_.val_files)} held out for validation; device {loop.device}; step {loop.step}/{args.steps}")
    batches = loop.index_batches(len(patches), args.batch)
    net = torch.compile(loop.modules["fsrcnn"], dynamic=False) if args.compile else loop.modules["fsrcnn"]

    def train_step(step: int) -> dict[str, float]:
        lr, hr = patches.batch(next(batches), loop.step_generator(step))
        loss = nn.functional.mse_loss(net(lr.to(loop.device)), hr.to(loop.device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if args.ema:
            ema_update(loop.raw["ema"], loop.raw["fsrcnn"], args.ema)
        return {"mse": loss.item()}

    loop.run(train_step, run_.validate)
    if loop.is_main and loop.finished:
        export(run_)
    elif loop.is_main:
        print(f"Stopped at step {loop.step} of {args.steps}, saved; go on with: python -m train.sr continue {args.run_dir}")
    loop.close()


def export(run_: Setup, out: Path | None = None) -> dict:
    """Write the run's current weights as a checkpoint with its card (validation PSNR measured now)."""
    args, loop = run_.args, run_.loop
    model = run_.served
    val = run_.validate()
    model = model.cpu().eval()
    out = Path(out or args.out or Path(args.run_dir) / "model.safetensors")
    seen = loop.step * args.batch * loop.world_size
    init = "paper initialisation"
    if args.init:
        init_card = checkpoints.read_card(args.init)
        init = f"{Path(args.init).name} (sha256 {init_card['sha256'][:12]}, {init_card.get('title', '')})"
    card = {
        "task": "sr",
        "name": out.stem,
        "arch": "fsrcnn",
        "title": f"{TITLES[args.arch]} {tuple(PRESETS[args.arch])} x{args.scale}",
        "config": model.card_config(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "paper": "Dong, Loy, Tang. Accelerating the Super-Resolution Convolutional Neural Network. ECCV 2016.",
        "data": {
            "train": f"{Path(args.data).name} less {len(run_.val_files)} held-out images: {len(run_.patches)} "
            f"{args.patch}px LR patches (stride {args.stride or args.patch // 2}), "
            + ("paper augmentation: scales 1.0/0.9/0.8/0.7/0.6, random rotations and flips" if args.augment
               else "random rotations and flips"),
            "validation": f"{Path(args.data).name} held out: {', '.join(p.stem for p in run_.val_files)}",
            "degradation": "Pillow bicubic downscaling, 8-bit LR",
        },
        "training": training_block(
            loop, "train.sr", args.argv, args.batch,
            optimizer=f"Adam lr {args.lr} (deconv x{args.deconv_lr}), cosine to 1% over {args.steps} steps, MSE on Y"
            + (", only the deconvolution trained" if args.freeze_trunk else "")
            + (f"; weights are the EMA (decay {args.ema})" if args.ema else ""),
            init=init,
            patches_per_second=round(seen / max(loop.wall_time, 1e-9), 1),
            run=str(args.run_dir),
        ),
        "validation": {k: round(v, 3) for k, v in val.items()},
        "metrics": {},
    }
    card = checkpoints.save_checkpoint(model, out, card)
    print(f"Wrote {out} (step {loop.step}, validation {card['validation']}); "
          f"measure it with: python -m train.sr evaluate {out} --write-card")
    return card


def export_run(args: argparse.Namespace) -> None:
    """`export RUN_DIR`: a checkpoint from a run's latest state, without training further."""
    recorded = json.loads((Path(args.run_dir) / RUN_FILE).read_text())["argv"]
    fit_args = _parser().parse_args(recorded + ["--quiet"])
    fit_args.argv = recorded
    export(Setup(fit_args), args.out)


def _upscale_fn(model: FSRCNN):
    @torch.inference_mode()
    def upscale(y: torch.Tensor) -> torch.Tensor:
        return model(y)

    return upscale


def evaluate(args: argparse.Namespace) -> None:
    model, card = checkpoints.load_checkpoint(args.checkpoint, task="sr")
    scale = model.scale
    roots = {}
    for name in args.sets:
        root = Path(args.data) / name
        if (root / f"image_SRF_{scale}").is_dir():
            roots[name] = root
        else:
            print(f"{name}: not found under {args.data}, skipped", file=sys.stderr)
    t0 = time.perf_counter()
    results = evaluate_sets(roots, scale, _upscale_fn(model))
    print(f"\n{card.get('title', card.get('name'))}  (PSNR dB / SSIM on Y, {scale}px shaved, {time.perf_counter() - t0:.1f}s)")
    print(f"| set | images | bicubic | {card.get('name')} |")
    print("|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['images']} | {r['bicubic_psnr']:.2f} / {r['bicubic_ssim']:.4f} | {r['psnr']:.2f} / {r['ssim']:.4f} |")
    if args.write_card:
        record_metrics(args.checkpoint, card, results, command_line("train.sr", args.argv))
        print(f"Updated {Path(args.checkpoint).with_suffix('.json')}")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m train.sr", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit", help="train FSRCNN on a folder of HR images (continues a run it finds in --run-dir)")
    f.add_argument("--scale", type=int, choices=(2, 3, 4), required=True, help="upscaling factor")
    f.add_argument("--arch", choices=sorted(PRESETS), default="fsrcnn", help="fsrcnn = (56,12,4), fsrcnn-s = (32,5,1)")
    f.add_argument("--data", type=Path, required=True, help="folder of HR training images (T91)")
    f.add_argument("--holdout", type=int, default=8, help="images of --data held out for validation (fixed by name)")
    f.add_argument("--out", type=Path, help="final checkpoint (.safetensors); default <run-dir>/model.safetensors")
    f.add_argument("--init", type=Path, help="checkpoint to start from (all layers at the same scale, else all "
                   "but the deconvolution)")
    f.add_argument("--freeze-trunk", action="store_true", help="train only the deconvolution (the paper's transfer)")
    f.add_argument("--steps", type=int, default=60_000, help="total steps of the run (the cosine schedule's length)")
    f.add_argument("--batch", type=int, default=64, help="patches per step and process")
    f.add_argument("--patch", type=int, default=24, help="LR patch size in pixels")
    f.add_argument("--stride", type=int, help="LR stride between patches (default patch/2)")
    f.add_argument("--no-augment", dest="augment", action="store_false", help="skip the paper's downscaled copies")
    f.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate of the convolutions")
    f.add_argument("--deconv-lr", type=float, default=0.1, help="the deconvolution's learning rate, times --lr")
    f.add_argument("--eval-every", type=int, default=2000, help="validate every N steps")
    f.add_argument("--ema", type=float, default=0.0, help="EMA decay of the weights, validated and shipped (0 = off)")
    f.add_argument("--compile", action="store_true", help="torch.compile the training step (faster after ~1 min)")
    add_run_flags(f)
    f.set_defaults(func=fit)
    add_continue_command(sub, "train.sr")
    x = sub.add_parser("export", help="write a checkpoint from a run's latest state (no training)")
    x.add_argument("run_dir", type=Path)
    x.add_argument("--out", type=Path, help="checkpoint path (default: the run's --out)")
    x.set_defaults(func=export_run)
    e = sub.add_parser("evaluate", help="PSNR/SSIM table on Set5/Set14/BSD100 beside bicubic")
    e.add_argument("checkpoint", type=Path)
    e.add_argument("--data", type=Path, default=Path("../shared/data/sr"), help="folder holding the sets")
    e.add_argument("--sets", nargs="+", default=["Set5", "Set14", "BSD100"])
    e.add_argument("--write-card", action="store_true", help="store the results in the checkpoint card")
    e.set_defaults(func=evaluate)
    return p


def main(argv: list[str] | None = None) -> None:
    run(_parser(), argv)


if __name__ == "__main__":
    main()
