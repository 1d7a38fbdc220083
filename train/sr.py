"""Train and evaluate FSRCNN (Dong et al. 2016) on T91 (or several folders); measure on Set5/Set14/BSD100.

The shipped models come from the commands recorded in their cards (`training.command`, `continued_with`).
The paper's recipe: one long x3 training of the whole network, then the other scales by training only the
deconvolution on top of the x3 layers (`--init <x3 model> --freeze-trunk`), optionally a short fine-tune of all:

    python -m train.sr fit --scale 3 --data ../shared/data/sr/T91 --run-dir checkpoints/sr/runs/fsrcnn_x3 \
        --steps 300000 --compile --threads 1 --out checkpoints/sr/fsrcnn_x3.safetensors
    python -m train.sr continue checkpoints/sr/runs/fsrcnn_x3        # after any stop: goes on from the last save
    python -m train.sr export checkpoints/sr/runs/fsrcnn_x3 --out checkpoints/sr/fsrcnn_x3.safetensors
    python -m train.sr evaluate checkpoints/sr/fsrcnn_x3.safetensors --data ../shared/data/sr --write-card

`--data` takes several folders, trained on together: the "291 images" of later SR papers are T91 + BSD200,

    python -m train.sr fit --scale 3 --data ../shared/data/sr/T91 ../shared/data/sr/BSD200 \
        --run-dir checkpoints/sr/runs/fsrcnn_x3_291 --steps 300000 --compile --threads 1

Checkpoints and hyper-parameters are chosen on images held out of training (`--holdout` of each folder, fixed by
name), never on Set5/Set14, which `evaluate` measures once at the end. `fit` works unchanged under `torchrun`.
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
from core.sr.data import PAPER_SCALES, PatchSet, count_patches, holdout_pairs, make_patches, split_images
from core.sr.evaluate import evaluate_pairs, evaluate_sets
from core.sr.model import FSRCNN, SCALES
from core.sr.task import TASK
from core.training import LOG_FILE, LoopConfig, TrainLoop, ema_update
from train import common

#: The paper's Set5 PSNR (dB) for FSRCNN trained on T91 only (Dong et al. 2016), for the learning curve.
PAPER_SET5 = {2: 36.94, 3: 33.06, 4: 30.55}
MILESTONES = "milestones.json"

def build(args: argparse.Namespace) -> FSRCNN:
    """A fresh FSRCNN with the paper's initialisation, or started from `--init`: every layer when the init
    model has this scale, every layer but the deconvolution otherwise (the paper's transfer between scales)."""
    model = FSRCNN(args.scale, **TASK.variants[args.arch].config)
    if args.init:
        init, _ = checkpoints.load_checkpoint(args.init, task="sr")
        same = init.scale == args.scale
        state = {k: v for k, v in init.state_dict().items() if same or not k.startswith("deconv.")}
        model.load_state_dict(state, strict=same)
    return model


class Run:
    """A run as its folder restores it, built the same way by `fit`, `export` and `milestone`: model, optimizer,
    schedule and loop (resumed from the saved state), with the held-out validation pairs. Not its training
    patches: only `fit` cuts them (`patches`); the others need only their number (`patch_count`)."""

    def __init__(self, args: argparse.Namespace):
        if args.threads:
            torch.set_num_threads(args.threads)
        self.args = args
        torch.manual_seed(args.seed)  # the initial weights, so that a run and its restart from scratch agree
        model = build(args)
        self.train_files, self.val_files = split_images(args.data, args.holdout)
        self.val_pairs = holdout_pairs(self.val_files, args.scale)
        trunk = [p for n, p in model.named_parameters() if not n.startswith("deconv.")]
        if args.freeze_trunk:  # the paper's transfer: only the deconvolution learns the new scale
            for p in trunk:
                p.requires_grad_(False)
        deconv = {"params": list(model.deconv.parameters()), "lr": args.lr * args.deconv_lr}
        # The paper trains the deconvolution with a 10x smaller learning rate than the convolutions.
        self.opt = torch.optim.Adam(([] if args.freeze_trunk else [{"params": trunk}]) + [deconv], lr=args.lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, T_max=args.steps, eta_min=args.lr * 0.01)
        cfg = LoopConfig(steps=args.steps, eval_every=args.eval_every, **common.loop_limits(args))
        modules = {"fsrcnn": model}
        if args.ema:  # an exponential moving average of the weights: what is validated and shipped
            modules["ema"] = copy.deepcopy(model).requires_grad_(False)
        self.loop = TrainLoop(cfg, modules, {"adam": self.opt}, {"cosine": sched})
        # Resumed with another length (`continue --steps`): the cosine ends at the new length, going on from the
        # current learning rate (the scheduler's recursive form keeps it continuous); `record_run` records it.
        sched.T_max = args.steps

    @property
    def _scales(self) -> tuple[float, ...]:
        return PAPER_SCALES if self.args.augment else (1.0,)

    def patches(self) -> PatchSet:
        """The training patches (every training image and, with --augment, its downscaled copies; seconds)."""
        a = self.args
        return make_patches(self.train_files, a.scale, a.patch, a.stride, self._scales)

    def patch_count(self) -> int:
        """`len(self.patches())` from the images' sizes alone, without cutting a patch."""
        a = self.args
        return count_patches(self.train_files, a.scale, a.patch, a.stride, self._scales)

    @property
    def served(self) -> FSRCNN:
        """The model a checkpoint of this run holds: the EMA weights where the run keeps them."""
        return self.loop.raw["ema" if self.args.ema else "fsrcnn"]

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        """Mean PSNR (dB, Y, border shaved) on the images held out of the --data folders, of the served weights
        (and of the raw ones where they differ)."""
        nets = {"val_psnr": self.served, **({"val_psnr_raw": self.loop.raw["fsrcnn"]} if self.args.ema else {})}
        out = {}
        for key, net in nets.items() if self.val_pairs else ():
            upscale = lambda y, net=net: net(y.to(self.loop.device)).cpu()  # noqa: E731
            out[key] = evaluate_pairs(self.val_pairs, self.args.scale, upscale)["psnr"]
        return out


def fit(args: argparse.Namespace) -> None:
    run_ = Run(args)
    loop, patches, opt = run_.loop, run_.patches(), run_.opt
    if loop.is_main:
        common.record_run(args.run_dir, "train.sr", args.argv, loop.step, resizable=True)
        print(f"{len(patches)} LR/HR patch pairs ({args.patch}px LR) from {len(run_.train_files)} images of "
              f"{' + '.join(str(d) for d in args.data)}, "
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
    common.finish(loop, "train.sr", lambda: export(run_, n_patches=len(patches)))


def _validation_figures(run_: Run) -> dict[str, float]:
    """The card's `validation` entry: `Run.validate` now, rounded."""
    return {k: round(v, 3) for k, v in run_.validate().items()}


def _data_phrases(run_: Run) -> tuple[str, str]:
    """The card's (trained on, validated on) phrases, naming each --data folder with its number of images and
    those held out of it, e.g. ("T91 (91 images, 8 held out) + BSD200 (200 images, 8 held out)",
    "T91 held out: t14, ...; BSD200 held out: ..."). One folder: the phrases single-folder cards always had."""
    folders = [Path(d) for d in run_.args.data]
    held = {d: [p.stem for p in run_.val_files if p.parent == d] for d in folders}
    count = {d: len(held[d]) + sum(p.parent == d for p in run_.train_files) for d in folders}
    if len(folders) == 1:
        (d,) = folders
        trained = f"{d.name} less {len(held[d])} held-out images" if held[d] else f"{d.name}, all {count[d]} images"
    else:
        trained = " + ".join(f"{d.name} ({count[d]} images, {len(held[d])} held out)" if held[d]
                             else f"{d.name} (all {count[d]} images)" for d in folders)
    if not run_.val_files:  # --holdout 0: the final model on every image, its settings chosen on a held-out run
        return trained, ("none: every image of --data trained on (--holdout 0), so nothing is validated; choose "
                         "its settings on a run that holds images out")
    return trained, "; ".join(f"{d.name} held out: {', '.join(held[d])}" for d in folders)


def export(run_: Run, out: Path | None = None, n_patches: int | None = None) -> dict:
    """Write the run's current weights as a checkpoint with its card (validation PSNR measured now).
    `n_patches`: the number of training patches, where the caller cut them (else counted: `Run.patch_count`)."""
    args, loop = run_.args, run_.loop
    model = run_.served
    val = _validation_figures(run_)
    model = model.cpu().eval()
    n_patches = run_.patch_count() if n_patches is None else n_patches
    out = Path(out or args.out or Path(args.run_dir) / "model.safetensors")
    seen = loop.step * args.batch * loop.world_size
    init = checkpoints.PAPER_INIT
    if args.init:
        init_card = checkpoints.read_card(args.init)
        init = f"{args.init} (sha256 {init_card['sha256'][:12]}, {init_card.get('title', '')})"
        if (before := init_card.get("training", {}).get("init")) and before != checkpoints.PAPER_INIT:
            init += f", itself started from {before}"  # the lineage: x3 trunk -> deconvolution -> fine-tune
    variant = TASK.variants[args.arch]
    trained, validation = _data_phrases(run_)
    card = common.model_card(
        "sr", out, variant, model, title=f"{variant.title} x{args.scale}",
        paper=variant.paper.citation,
        data={
            "train": f"{trained}: {n_patches} {args.patch}px LR patches (stride {args.stride or args.patch // 2}), "
            + ("paper augmentation: scales 1.0/0.9/0.8/0.7/0.6, random rotations and flips" if args.augment
               else "random rotations and flips"),
            "validation": validation,
            "degradation": "Pillow bicubic downscaling, 8-bit LR",
        },
        training=common.training_block(
            loop, "train.sr", args.argv, args.batch,
            optimizer=f"Adam lr {args.lr} (deconv x{args.deconv_lr}), cosine to 1% over {args.steps} steps, MSE on Y"
            + "".join(f" (the cosine's end moved from step {c['steps_before']} to {c['steps']} at step {c['at_step']},"
                      " going on from the learning rate it had)" for c in common.length_changes(args.run_dir))
            + (", only the deconvolution trained" if args.freeze_trunk else "")
            + (f"; weights are the EMA (decay {args.ema})" if args.ema else ""),
            init=init,
            patches_per_second=round(seen / max(loop.wall_time, 1e-9), 1),
            run=str(args.run_dir),
        ),
        validation=val,
        metrics={},
    )
    card = checkpoints.save_checkpoint(model, out, card)
    print(f"Wrote {out} (step {loop.step}, validation {card['validation']}); "
          f"measure it with: python -m train.sr evaluate {out} --write-card")
    return card


def export_run(args: argparse.Namespace) -> None:
    """`export RUN_DIR`: a checkpoint from a run's latest state, without training further."""
    export(Run(_recorded_fit_args(args.run_dir)), args.out)


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
        common.record_metrics(args.checkpoint, card, results, common.command_line("train.sr", args.argv))
        print(f"Updated {Path(args.checkpoint).with_suffix('.json')}")


def learning_curve(run_dirs: list[Path], out: Path, paper: dict[int, float] | None = None) -> Path:
    """PSNR on the held-out images against CPU-hours for each run (its log.csv), with the Set5 figures measured
    at milestones (milestones.json in the run folder, written by `milestone`) and the paper's Set5 figure."""
    import csv

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Two panels: the validation images and Set5 are different images, so their PSNRs are not comparable.
    fig, (val_ax, test_ax) = plt.subplots(1, 2, figsize=(10, 4), dpi=150)
    for k, run_dir in enumerate(run_dirs):
        with open(Path(run_dir) / LOG_FILE, newline="") as f:
            rows = list(csv.DictReader(f))
        at = {int(r["step"]): float(r["value"]) for r in rows if r["name"] == "cpu_s"}
        pts = [(at[int(r["step"])] / 3600, float(r["value"])) for r in rows
               if r["name"] == "val_psnr" and int(r["step"]) in at]
        color, name = f"C{k}", Path(run_dir).name
        if pts:
            val_ax.plot(*zip(*pts, strict=True), color=color, label=name)
        miles = Path(run_dir) / MILESTONES
        if miles.is_file():
            m = json.loads(miles.read_text())
            test_ax.plot([x["cpu_hours"] for x in m], [x["Set5"] for x in m], "o--", color=color, label=name)
            scale = m[-1]["scale"]
            if paper and scale in paper:
                test_ax.axhline(paper[scale], color=color, ls=":", label=f"paper, x{scale}: {paper[scale]:.2f} dB")
    val_ax.set_title("Validation: each run's held-out training images (what choices use)", fontsize=9)
    test_ax.set_title("Set5, measured at milestones (never to choose)", fontsize=9)
    for ax in (val_ax, test_ax):
        ax.set_xlabel("CPU-hours (process CPU time, all threads)")
        ax.set_ylabel("PSNR on Y (dB)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def milestone(args: argparse.Namespace) -> None:
    """`milestone RUN_DIR`: measure the run's current weights (those a checkpoint would hold) on Set5/Set14 once,
    and note the figures (with steps, CPU-hours and validation, as its card would give them) in
    RUN_DIR/milestones.json for the learning curve. Nothing is shipped and nothing is chosen by these figures
    (the run validates on images held out of its training folders)."""
    fit_args = _recorded_fit_args(args.run_dir)
    run_ = Run(fit_args)
    validation = _validation_figures(run_)
    model = run_.served.cpu().eval()
    roots = {name: Path(args.data) / name for name in ("Set5", "Set14") if (Path(args.data) / name).is_dir()}
    results = evaluate_sets(roots, fit_args.scale, _upscale_fn(model))
    training = common.training_block(run_.loop, "train.sr", fit_args.argv, fit_args.batch)
    entry = {"step": run_.loop.step, "cpu_hours": training["cpu_hours"], "scale": fit_args.scale,
             **validation, **{k: v["psnr"] for k, v in results.items()}}
    path = Path(args.run_dir) / MILESTONES
    done = json.loads(path.read_text()) if path.is_file() else []
    done = [d for d in done if d["step"] != entry["step"]] + [entry]
    checkpoints.atomic_write_bytes(path, (json.dumps(done, indent=1) + "\n").encode())
    print(f"Milestone at step {entry['step']}: {entry}")
    if args.curve:
        print(f"Wrote {learning_curve([Path(args.run_dir)], args.curve, PAPER_SET5)}")


def _recorded_fit_args(run_dir: Path) -> argparse.Namespace:
    """The `fit` arguments a run was started with (RUN_DIR/run.json)."""
    recorded = json.loads((Path(run_dir) / common.RUN_FILE).read_text())["argv"]
    fit_args = _parser().parse_args(recorded + ["--quiet"])
    fit_args.argv = recorded
    return fit_args


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m train.sr", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit", help="train FSRCNN on folder(s) of HR images (continues a run it finds in --run-dir)")
    f.add_argument("--scale", type=int, choices=SCALES, required=True, help="upscaling factor")
    f.add_argument("--arch", choices=list(TASK.variants), default="fsrcnn",
                   help=", ".join(f"{k} = {v.title}" for k, v in TASK.variants.items()))
    f.add_argument("--data", type=Path, nargs="+", required=True,
                   help="folder(s) of HR training images, trained on together (T91; T91 BSD200 for the 291 images)")
    f.add_argument("--holdout", type=int, default=8,
                   help="images of each --data folder held out for validation (fixed by name)")
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
    common.fit_command(sub, f, "train.sr", fit, resizable=True)
    x = sub.add_parser("export", help="write a checkpoint from a run's latest state (no training)")
    x.add_argument("run_dir", type=Path)
    x.add_argument("--out", type=Path, help="checkpoint path (default: the run's --out)")
    x.set_defaults(func=export_run)
    ms = sub.add_parser("milestone", help="measure a run's current weights on Set5/Set14 for its learning curve")
    ms.add_argument("run_dir", type=Path)
    ms.add_argument("--data", type=Path, default=Path("../shared/data/sr"), help="folder holding Set5 and Set14")
    ms.add_argument("--curve", type=Path, help="also draw the learning curve (PNG) here")
    ms.set_defaults(func=milestone)
    e = common.evaluate_command(sub, "PSNR/SSIM table on Set5/Set14/BSD100 beside bicubic", evaluate)
    e.add_argument("--data", type=Path, default=Path("../shared/data/sr"), help="folder holding the sets")
    e.add_argument("--sets", nargs="+", default=["Set5", "Set14", "BSD100"], help="sets to measure, where found")
    return p


def main(argv: list[str] | None = None) -> None:
    common.run(_parser(), argv)


if __name__ == "__main__":
    main()
