"""Train and evaluate FSRCNN (Dong et al. 2016) on T91; measure on Set5/Set14/BSD100.

    python -m train.sr fit --scale 2 --data ../shared/data/sr/T91 --eval-data ../shared/data/sr/Set5 \
        --steps 60000 --run-dir runs/sr_x2 --out checkpoints/sr/fsrcnn_x2.safetensors
    python -m train.sr evaluate checkpoints/sr/fsrcnn_x2.safetensors --data ../shared/data/sr --write-card

`fit` resumes from `--run-dir` if it holds a saved state (so a killed run just continues), and works
unchanged under `torchrun --nproc_per_node N -m train.sr fit ...`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn

from core import checkpoints
from core.sr.data import PAPER_SCALES, load_eval_pairs, make_patches
from core.sr.evaluate import evaluate_pairs, evaluate_sets
from core.sr.model import FSRCNN
from core.training import LoopConfig, TrainLoop, hardware_description
from train.common import command_line, record_metrics, run

PRESETS = {"fsrcnn": (56, 12, 4), "fsrcnn-s": (32, 5, 1)}


def build(args: argparse.Namespace) -> FSRCNN:
    d, s, m = PRESETS[args.arch]
    model = FSRCNN(args.scale, d, s, m)
    if args.init:
        # The paper's transfer: reuse every layer but the deconvolution from a model of another scale.
        init, _ = checkpoints.load_checkpoint(args.init, task="sr")
        state = {k: v for k, v in init.state_dict().items() if not k.startswith("deconv.")}
        model.load_state_dict(state, strict=False)
    return model


def fit(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads) if args.threads else None
    model = build(args)
    patches = make_patches(args.data, args.scale, args.patch, args.stride, PAPER_SCALES if args.augment else (1.0,))
    eval_pairs = load_eval_pairs(args.eval_data, args.scale) if args.eval_data else []
    deconv = list(model.deconv.parameters())
    rest = [p for n, p in model.named_parameters() if not n.startswith("deconv.")]
    # The paper trains the deconvolution with a 10x smaller learning rate than the convolutions.
    opt = torch.optim.Adam([{"params": rest}, {"params": deconv, "lr": args.lr * 0.1}], lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.steps, eta_min=args.lr * 0.01)
    cfg = LoopConfig(
        steps=args.steps, run_dir=args.run_dir, seed=args.seed, eval_every=args.eval_every,
        save_every=args.save_every, device=args.device, progress=not args.quiet,
    )
    loop = TrainLoop(cfg, {"fsrcnn": model}, {"adam": opt}, {"cosine": sched})
    if loop.is_main:
        print(f"{len(patches)} LR/HR patch pairs ({args.patch}px LR) from {args.data}; device {loop.device}")
    batches = loop.index_batches(len(patches), args.batch)
    gen = torch.Generator().manual_seed(args.seed + loop.rank)
    net = loop.modules["fsrcnn"]

    def train_step(step: int) -> dict[str, float]:
        lr, hr = patches.batch(next(batches), gen)
        lr, hr = lr.to(loop.device), hr.to(loop.device)
        loss = nn.functional.mse_loss(net(lr), hr)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return {"mse": loss.item()}

    def evaluate() -> dict[str, float]:
        upscale = lambda y: loop.raw["fsrcnn"](y.to(loop.device)).cpu()  # noqa: E731
        return {"set5_psnr": evaluate_pairs(eval_pairs, args.scale, upscale)["psnr"]} if eval_pairs else {}

    loop.run(train_step, evaluate)
    if loop.is_main:
        export(args, loop, len(patches))
    loop.close()


def export(args: argparse.Namespace, loop: TrainLoop, n_patches: int) -> None:
    model = loop.raw["fsrcnn"].cpu().eval()
    out = Path(args.out or Path(args.run_dir) / "model.safetensors")
    card = {
        "task": "sr",
        "name": out.stem,
        "arch": "fsrcnn",
        "title": f"{'FSRCNN-s' if args.arch == 'fsrcnn-s' else 'FSRCNN'} {tuple(PRESETS[args.arch])} x{args.scale}",
        "config": model.card_config(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "paper": "Dong, Loy, Tang. Accelerating the Super-Resolution Convolutional Neural Network. ECCV 2016.",
        "data": {
            "train": f"{Path(args.data).name}: {n_patches} {args.patch}px LR patches (stride {args.stride or args.patch // 2}),"
            f" {'paper augmentation: scales 1.0/0.9/0.8/0.7/0.6, random rotations and flips' if args.augment else 'no augmentation'}",
            "degradation": "Pillow bicubic downscaling, 8-bit LR",
        },
        "training": {
            "command": command_line("train.sr", args.argv),
            "steps": loop.step,
            "batch": args.batch * loop.world_size,
            "optimizer": f"Adam lr {args.lr} (deconv x0.1), cosine to 1%, MSE on Y",
            "init": str(args.init) if args.init else "paper initialisation",
            "wall_time_s": round(loop.wall_time, 1),
            "hardware": hardware_description(loop.device) + (f" x{loop.world_size} processes" if loop.distributed else ""),
        },
        "metrics": {},
    }
    if args.eval_data:
        card["metrics"] = evaluate_sets({Path(args.eval_data).name: Path(args.eval_data)}, args.scale, _upscale_fn(model))
    card = checkpoints.save_checkpoint(model, out, card)
    print(f"Wrote {out} and {out.with_suffix('.json')}: {card['metrics']}")


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


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m train.sr", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit", help="train FSRCNN on a folder of HR images")
    f.add_argument("--scale", type=int, choices=(2, 3, 4), required=True)
    f.add_argument("--arch", choices=sorted(PRESETS), default="fsrcnn", help="fsrcnn = (56,12,4), fsrcnn-s = (32,5,1)")
    f.add_argument("--data", type=Path, required=True, help="folder of HR training images (T91)")
    f.add_argument("--eval-data", type=Path, help="evaluation set root with image_SRF_<scale>/ (Set5)")
    f.add_argument("--run-dir", type=Path, required=True, help="resumable state, log.csv")
    f.add_argument("--out", type=Path, help="final checkpoint (.safetensors); default <run-dir>/model.safetensors")
    f.add_argument("--init", type=Path, help="checkpoint whose layers (all but the deconvolution) start this run")
    f.add_argument("--steps", type=int, default=60_000)
    f.add_argument("--batch", type=int, default=64, help="patches per step and process")
    f.add_argument("--patch", type=int, default=24, help="LR patch size in pixels")
    f.add_argument("--stride", type=int, help="LR stride between patches (default patch/2)")
    f.add_argument("--no-augment", dest="augment", action="store_false", help="skip the paper's downscaled copies")
    f.add_argument("--lr", type=float, default=1e-3)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--eval-every", type=int, default=2000)
    f.add_argument("--save-every", type=int, default=500)
    f.add_argument("--device", help="cpu, cuda, cuda:1 (default: CUDA when available)")
    f.add_argument("--threads", type=int, help="CPU threads for torch")
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    f.set_defaults(func=fit)
    e = sub.add_parser("evaluate", help="PSNR/SSIM table on Set5/Set14/BSD100 beside bicubic")
    e.add_argument("checkpoint", type=Path)
    e.add_argument("--data", type=Path, default=Path("../shared/data/sr"), help="folder holding the sets")
    e.add_argument("--sets", nargs="+", default=["Set5", "Set14", "BSD100"])
    e.add_argument("--write-card", action="store_true", help="store the results in the checkpoint card")
    e.set_defaults(func=evaluate)
    run(p, argv)


if __name__ == "__main__":
    main()
