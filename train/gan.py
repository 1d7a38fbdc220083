"""Train GANs on Fashion-MNIST and measure them (FID with our classifier's features, class accuracy).

    python -m train.gan fit --arch dcgan --steps 15000 --batch 128 --ema 0.999 --run-dir runs/gan_dcgan --threads 1
    python -m train.gan continue runs/gan_dcgan             # after any stop: goes on from the last save
    python -m train.gan evaluate checkpoints/gan/dcgan.safetensors --write-card
    python -m train.gan evaluate checkpoints/gan/cgan.safetensors --inception --write-card  # + Inception FID

The exact commands that made the shipped models are in their cards (`training.command`) and in README.

`fit` writes sample grids (`run-dir/samples_<step>.png`) and losses (`run-dir/log.csv`), stops with a
clear message if a loss becomes NaN, resumes from `--run-dir`, and runs under `torchrun`.
"""

from __future__ import annotations

import argparse
import copy
from collections.abc import Callable
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F
from torchvision.utils import save_image

from core import checkpoints
from core.fashion.data import load_split, to_input
from core.fashion.task import TASK as FASHION
from core.gan.augment import POLICIES, consistency_view, diff_augment
from core.gan.curves import last_step, summarise
from core.gan.evaluate import evaluate_generator
from core.gan.explore import BANK, direction_ranges
from core.gan.models import DISCRIMINATORS
from core.gan.sample import DIRECTIONS, Sampler, open_generator
from core.gan.task import TASK
from core.gan.timeline import TIMELINE_SAMPLES, TIMELINE_SEED, Timeline, record_frame, timeline_file, timeline_inputs
from core.registry import build_model
from core.training import LOG_FILE, LoopConfig, TrainLoop, ema_update
from train import common

TIMELINE_FILE = "timeline.safetensors"  # in the run folder: every recorded frame

#: Architecture defaults: G/D arguments, loss, learning rates and Adam betas of each family.
RECIPES = {
    "gan": dict(g={"z_dim": 100}, d={}, loss="nonsat", lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999)),
    "dcgan": dict(g={"z_dim": 100, "width": 32}, d={"width": 32}, loss="nonsat", lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999)),
    "cgan": dict(g={"z_dim": 128, "width": 64, "num_classes": 10}, d={"width": 64, "num_classes": 10},
                 loss="hinge", lr_g=1e-4, lr_d=4e-4, betas=(0.0, 0.9)),
}


def d_loss(kind: str, real: torch.Tensor, fake: torch.Tensor, smooth: float) -> torch.Tensor:
    """Discriminator loss on real and fake logits; `smooth` < 1 is one-sided label smoothing (Salimans 2016)."""
    if kind == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    return (F.binary_cross_entropy_with_logits(real, torch.full_like(real, smooth))
            + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))


def g_loss(kind: str, fake: torch.Tensor) -> torch.Tensor:
    """Generator loss: the paper's minimax log(1 - D(G(z))), its non-saturating variant, or hinge."""
    if kind == "hinge":
        return -fake.mean()
    if kind == "minimax":
        return -F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


def adversarial_step(g, d, opt_g, opt_d, real: torch.Tensor, y: torch.Tensor | None, z: torch.Tensor,
                     loss_kind: str, smooth: float = 1.0, aux_weight: float = 0.0,
                     augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
                     top_k: int | None = None, consistency: float = 0.0) -> dict[str, float]:
    """One D update then one G update on a batch; returns the losses.

    `aux_weight` > 0 adds the AC-GAN class term (conditional D only): D learns the classes of real images,
    G is rewarded when D recognises the class it was asked for. `augment` (DiffAugment) is applied to every
    image D sees, real and generated, in both updates. `top_k` < batch: G learns only from the k generated
    images D rates most real (Sinha et al. 2020, "Top-k training of GANs"). `consistency` > 0: balanced
    consistency regularisation (bCR, Zhao et al. 2021): D's update also pays `consistency` x the squared
    difference between its logit for an image and for a mirrored, shifted copy, on real and generated images.
    """
    aug = augment or (lambda x: x)
    fake = g(z, y)
    logs = {}
    if aux_weight:
        real_logit, real_class = d(aug(real), y, with_class=True)
        logs["loss_d_class"] = F.cross_entropy(real_class, y)
    else:
        real_logit = d(aug(real), y)
    fake_logit_d = d(aug(fake.detach()), y)
    ld = d_loss(loss_kind, real_logit, fake_logit_d, smooth)
    if aux_weight:
        ld = ld + aux_weight * logs["loss_d_class"]
    if consistency:
        logs["loss_d_consistency"] = (F.mse_loss(d(consistency_view(real), y), real_logit)
                                      + F.mse_loss(d(consistency_view(fake.detach()), y), fake_logit_d))
        ld = ld + consistency * logs["loss_d_consistency"]
    opt_d.zero_grad(set_to_none=True)
    ld.backward()
    opt_d.step()
    if aux_weight:
        fake_logit, fake_class = d(aug(fake), y, with_class=True)
    else:
        fake_logit, fake_class = d(aug(fake), y), None
    keep = fake_logit.topk(top_k).indices if top_k and top_k < len(fake_logit) else slice(None)
    lg = g_loss(loss_kind, fake_logit[keep])
    if aux_weight:
        logs["loss_g_class"] = F.cross_entropy(fake_class[keep], y[keep])
        lg = lg + aux_weight * logs["loss_g_class"]
    opt_g.zero_grad(set_to_none=True)
    lg.backward()
    opt_g.step()
    return {"loss_d": ld.item(), "loss_g": lg.item(), **{k: v.item() for k, v in logs.items()}}


def top_k_size(batch: int, step: int, n_train: int, keep: float, decay: float = 0.99) -> int:
    """Sinha et al.'s schedule: k starts at the batch and shrinks by `decay` each epoch, down to `keep` x batch."""
    epoch = step * batch // n_train
    return max(int(keep * batch), int(batch * decay**epoch))


def lr_factor(step: int, steps: int, decay_from: int | None) -> float:
    """The learning rates' factor for training step `step` (0-based): 1, then from `decay_from` on falling
    linearly to 0 at the run's end. A function of the step alone, so a resumed run goes on exactly."""
    if not decay_from or step < decay_from:
        return 1.0
    return max(0.0, (steps - step) / max(1, steps - decay_from))


def fit(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # the initial weights
    recipe = copy.deepcopy(RECIPES[args.arch])
    if args.width:
        recipe["g"]["width"] = recipe["d"]["width"] = args.width
    loss_kind = args.loss or recipe["loss"]
    G = build_model(args.arch, **recipe["g"])
    D = DISCRIMINATORS[args.arch](**{**recipe["d"], **({"dropout": args.dropout} if args.arch == "gan" else {})})
    # NHWC convolutions: a training step of the conditional GAN takes ~20 % less time on the CPU (bench.gan_speed).
    G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    modules = {"G": G, "D": D}
    if args.ema:
        modules["G_ema"] = copy.deepcopy(G).requires_grad_(False)
    opt_g = torch.optim.Adam(G.parameters(), args.lr_g or recipe["lr_g"], betas=recipe["betas"])
    opt_d = torch.optim.Adam(D.parameters(), args.lr_d or recipe["lr_d"], betas=recipe["betas"])
    if args.lr_decay_from and args.lr_decay_from >= args.steps:
        raise SystemExit(f"--lr-decay-from {args.lr_decay_from}: the run ends at step {args.steps}; give a step before it.")
    base_lr = {opt: opt.param_groups[0]["lr"] for opt in (opt_g, opt_d)}
    x_all, y_all = load_split(True, args.data, args.download)
    x_all = to_input(x_all) * 2 - 1  # [-1, 1], as tanh outputs
    # The full state (with Adam's moments) may stay on one machine; the weights file is what a commit carries.
    cfg = LoopConfig(steps=args.steps, eval_every=args.sample_every, weights_file=True, **common.loop_limits(args))
    loop = TrainLoop(cfg, modules, {"G": opt_g, "D": opt_d})
    if loop.is_main:
        common.record_run(args.run_dir, "train.gan", args.argv, loop.step, resizable=True,
                          fresh_optimizers=loop.fresh_optimizers, changeable=tuple(CHANGEABLE))
    dev, g, d = loop.device, loop.modules["G"], loop.modules["D"]
    batches = loop.index_batches(len(x_all), args.batch)
    conditional = G.num_classes > 0
    if args.aux_weight and not conditional:
        raise SystemExit("--aux-weight needs a conditional GAN (--arch cgan).")
    fixed = torch.Generator().manual_seed(1234)
    fixed_z = torch.randn(100, G.z_dim, generator=fixed).to(dev)
    fixed_y = torch.arange(10).repeat_interleave(10).to(dev) if conditional else None
    # Watch it learn: the same seeded samples at every --sample-every steps, kept in the run folder.
    timeline_z, timeline_y = timeline_inputs(G.z_dim, G.num_classes)
    timeline = Timeline.load(loop.run_dir / TIMELINE_FILE) or Timeline([], torch.empty(0, dtype=torch.uint8))

    augment = partial(diff_augment, policy=args.diffaug) if args.diffaug else None

    def train_step(step: int) -> dict[str, float]:
        idx = next(batches)
        real, y = x_all[idx].to(dev), (y_all[idx].to(dev) if conditional else None)
        z = torch.randn(len(idx), G.z_dim, device=dev)
        k = top_k_size(len(idx), step, len(x_all), args.top_k) if args.top_k else None
        factor = lr_factor(step, args.steps, args.lr_decay_from)
        for opt, lr in base_lr.items():
            opt.param_groups[0]["lr"] = lr * factor
        logs = adversarial_step(g, d, opt_g, opt_d, real, y, z, loss_kind, args.label_smoothing, args.aux_weight,
                                augment, k, args.consistency)
        if args.ema:
            ema_update(loop.raw["G_ema"], loop.raw["G"], args.ema)
        return logs

    def save_grid() -> dict[str, float]:
        served = loop.raw["G_ema" if args.ema else "G"]  # the loop has put every module in eval mode
        imgs = served(fixed_z, fixed_y).add(1).div(2)
        save_image(imgs, loop.run_dir / f"samples_{loop.step:06d}.png", nrow=10, padding=1)
        timeline.add(loop.step, record_frame(served, timeline_z, timeline_y))
        timeline.save(loop.run_dir / TIMELINE_FILE)
        return {}

    loop.run(train_step, save_grid)
    common.finish(loop, "train.gan", lambda: export(args, loop, loss_kind, recipe, len(x_all), timeline))


def export(args: argparse.Namespace, loop: TrainLoop, loss_kind: str, recipe: dict, n_train: int,
           timeline: Timeline) -> None:
    served = loop.raw["G_ema" if args.ema else "G"].cpu().eval()
    out = Path(args.out or Path(args.run_dir) / "model.safetensors")
    card = common.model_card(
        "gan", out, TASK.variants[args.arch], served,
        data={"train": f"Fashion-MNIST train, {n_train} images, scaled to [-1, 1]"},
        training=common.training_block(
            loop, "train.gan", args.argv, args.batch,
            loss=loss_kind,
            optimizer=f"Adam G {args.lr_g or recipe['lr_g']} / D {args.lr_d or recipe['lr_d']}, betas {recipe['betas']}"
            + (f", both falling linearly to 0 from step {args.lr_decay_from:,}" if args.lr_decay_from else ""),
            ema=args.ema or None,
            aux_class_weight=args.aux_weight or None,
            diffaugment=",".join(args.diffaug) or None,
            top_k=f"k from the batch down to {args.top_k} x batch, x0.99 per epoch" if args.top_k else None,
            consistency=(f"bCR weight {args.consistency} on real and generated images (mirror + shift up to 1/8)"
                         if args.consistency else None),
            label_smoothing=args.label_smoothing,
        ),
        metrics={},
    )
    if len(timeline):
        shipped = timeline.thinned()
        shipped.save(timeline_file(out))
        card["timeline"] = {"file": timeline_file(out).name, "frames": len(shipped), "steps": shipped.steps,
                            "samples": TIMELINE_SAMPLES, "seed": TIMELINE_SEED}
    card["latent_directions"] = latent_directions(served)
    card["curves"] = summarise(loop.run_dir / LOG_FILE)  # the apps draw them; the Space ships no runs
    checkpoints.save_checkpoint(served, out, card)
    if not args.no_eval:
        argv = ["evaluate", str(out), "--n", str(args.eval_n), "--write-card"]
        measure(out, args.data, args.download, args.eval_n, False, common.command_line("train.gan", argv))
    print(f"Wrote {out}")


def latent_directions(generator: torch.nn.Module) -> dict:
    """What the explorer's direction sliders need, for the card (so that the apps start without the weights):
    how many principal directions, and how far each slider reaches either way (core.gan.explore)."""
    return {"count": DIRECTIONS, "reach": direction_ranges(Sampler(generator, {}))}


def describe(args: argparse.Namespace) -> None:
    """`describe CHECKPOINT`: write the card's `latent_directions` (export does this for new generators)."""
    sampler = open_generator(args.checkpoint)
    card = {**sampler.card, "latent_directions": latent_directions(sampler.g)}
    checkpoints.write_card(args.checkpoint, card)
    print(f"{args.checkpoint}: latent_directions {card['latent_directions']}")


def write_curves(args: argparse.Namespace) -> None:
    """`curves CHECKPOINT --log RUN/log.csv`: write the card's training curves from the log of the run that made it
    (export does this for new generators); the log must end at the card's last step."""
    card = checkpoints.read_card(args.checkpoint)
    curves = summarise(args.log)
    steps = card.get("training", {}).get("steps")
    if steps is not None and last_step(curves) != steps:
        raise SystemExit(f"{args.log} ends at step {last_step(curves):,}, but {args.checkpoint} was trained for "
                         f"{steps:,} steps: it is the log of another run.")
    checkpoints.write_card(args.checkpoint, {**card, "curves": curves})
    print(f"{args.checkpoint}: curves of {', '.join(curves['series'])}, each logged value averaged over "
          f"{curves['window']} logged steps")


def write_bank(args: argparse.Namespace) -> None:
    """`bank`: the training images the memorisation check searches where the dataset is not installed (a Space):
    `--per-class` images of each class, drawn by a seeded permutation within the class, in training-split order."""
    images, labels = load_split(True, args.data, args.download)
    g = torch.Generator().manual_seed(args.seed)
    picked = [(labels == c).nonzero().flatten() for c in range(int(labels.max()) + 1)]
    if args.per_class > min(len(p) for p in picked):
        raise SystemExit(f"--per-class {args.per_class}: the smallest class has {min(len(p) for p in picked)} images.")
    idx = torch.cat([p[torch.randperm(len(p), generator=g)[: args.per_class]] for p in picked]).sort().values
    meta = {"source": "Fashion-MNIST training split", "of": str(len(images)), "per_class": str(args.per_class),
            "seed": str(args.seed), "command": common.command_line("train.gan", args.argv)}
    checkpoints.atomic_save_tensors({"images": images[idx], "labels": labels[idx], "indices": idx.int()}, args.out,
                                    metadata=meta)
    print(f"Wrote {len(idx):,} training images ({args.per_class:,} a class) to {args.out} "
          f"({args.out.stat().st_size / 1e6:.1f} MB)")


def measure(checkpoint: Path, data: Path | None, download: bool, n: int, inception: bool,
            record: str | None = None) -> dict:
    """FID and class statistics of a generator checkpoint; with `record` (the command), written into its card."""
    sampler = open_generator(checkpoint)
    card = sampler.card
    judge = FASHION.load(FASHION.judge)
    metrics = evaluate_generator(sampler, judge, n=n, data=data, download=download, inception=inception)
    print(f"{card['title']}: " + ", ".join(f"{k}={v}" for k, v in metrics.items() if not isinstance(v, (dict, list))))
    if record:
        common.record_metrics(checkpoint, card, metrics, record)
    return metrics


def evaluate(args: argparse.Namespace) -> None:
    measure(args.checkpoint, args.data, args.download, args.n, args.inception,
            common.command_line("train.gan", args.argv) if args.write_card else None)


#: What a run may change as it goes on (`continue RUN --flag VALUE`, e.g. on a copy of a run: a branch).
CHANGEABLE = {"--lr-decay-from": "from this step on, both learning rates fall linearly to 0 at the run's end",
              "--consistency": "bCR weight (balanced consistency regularisation of D, e.g. 10; 0 = off)"}


def _policy(value: str) -> list[str]:
    names = [p for p in value.split(",") if p]
    if unknown := [p for p in names if p not in POLICIES]:
        raise argparse.ArgumentTypeError(f"unknown DiffAugment policy {', '.join(unknown)}; choose from {', '.join(POLICIES)}")
    return names


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m train.gan", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit", help="train a GAN on Fashion-MNIST")
    f.add_argument("--arch", choices=list(RECIPES), required=True,
                   help=", ".join(f"{k} = {v.title}" for k, v in TASK.variants.items()))
    f.add_argument("--loss", choices=("minimax", "nonsat", "hinge"), help="default: nonsat (gan, dcgan), hinge (cgan)")
    common.add_data_flags(f)
    f.add_argument("--out", type=Path, help="final checkpoint; default <run-dir>/model.safetensors")
    f.add_argument("--steps", type=int, default=10_000, help="total steps (one D and one G update each)")
    f.add_argument("--batch", type=int, default=64, help="real images per step and process")
    f.add_argument("--width", type=int, help="channel width of G and D (dcgan, cgan); default 32 / 64")
    f.add_argument("--lr-g", type=float, help="G's Adam learning rate (default: the recipe's)")
    f.add_argument("--lr-d", type=float, help="D's Adam learning rate (default: the recipe's)")
    f.add_argument("--label-smoothing", type=float, default=1.0, help="target for real images in D (e.g. 0.9)")
    f.add_argument("--dropout", type=float, default=0.3, help="dropout in D (gan only)")
    f.add_argument("--ema", type=float, default=0.0, help="EMA decay of G's weights, served (e.g. 0.999); 0 = off")
    f.add_argument("--aux-weight", type=float, default=0.0,
                   help="weight of an AC-GAN class loss on D's auxiliary head (cgan only, e.g. 1.0); 0 = off")
    f.add_argument("--diffaug", type=_policy, default=[],
                   help=f"DiffAugment for D, comma-separated from: {', '.join(POLICIES)} (e.g. translation,cutout)")
    f.add_argument("--top-k", type=float, default=0.0,
                   help="top-k G updates: the fraction of a batch kept at the end (e.g. 0.5); 0 = off")
    f.add_argument("--sample-every", type=int, default=1000, help="write a grid of fixed samples every N steps")
    f.add_argument("--eval-n", type=int, default=10_000, help="generated images for FID")
    f.add_argument("--no-eval", action="store_true", help="skip the measurement at the end")
    f.add_argument("--lr-decay-from", type=int, default=0, help=CHANGEABLE["--lr-decay-from"] + "; 0 = constant")
    f.add_argument("--consistency", type=float, default=0.0, help=CHANGEABLE["--consistency"])
    common.fit_command(sub, f, "train.gan", fit, resizable=True, changeable=CHANGEABLE)
    e = common.evaluate_command(sub, "FID (our classifier's features), class accuracy and histogram", evaluate)
    common.add_data_flags(e)
    e.add_argument("--n", type=int, default=10_000, help="generated images (and as many test images) for FID")
    e.add_argument("--inception", action="store_true",
                   help="also the standard Inception FID (needs requirements-eval.txt; minutes on a CPU)")
    d = sub.add_parser("describe", help="write what the explorer needs (latent_directions) into a card")
    d.add_argument("checkpoint", type=Path)
    d.set_defaults(func=describe)
    c = sub.add_parser("curves", help="write the training curves of a run's log.csv into a card (the apps draw them)")
    c.add_argument("checkpoint", type=Path)
    c.add_argument("--log", type=Path, required=True, help="the log.csv of the run that made the checkpoint")
    c.set_defaults(func=write_curves)
    b = sub.add_parser("bank", help="write the training images the memorisation check ships with (no dataset needed)")
    common.add_data_flags(b)
    b.add_argument("--per-class", type=int, default=1000, help="images of each class (default 1000: 10,000 in all)")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--out", type=Path, default=BANK, help="file (default: the shipped bank)")
    b.set_defaults(func=write_bank)
    common.run(p, argv)


if __name__ == "__main__":
    main()
