"""Train and evaluate Fashion-MNIST classifiers: softmax regression, MLP, small CNN, small ResNet.

    python -m train.fashion fit --arch cnn --epochs 10 --run-dir runs/fashion_cnn --out checkpoints/fashion/cnn.safetensors
    python -m train.fashion continue runs/fashion_cnn      # after any stop: goes on from the last save
    python -m train.fashion evaluate checkpoints/fashion/cnn.safetensors --write-card

The exact commands that made the shipped models are in their cards (`training.command`) and in README.
Runs unchanged under `torchrun --nproc_per_node N -m train.fashion fit ...`.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

import torch
from torch import nn
from torchvision.transforms import v2

from core import checkpoints
from core.fashion.data import (
    CLASSES,
    VALIDATION_SEED,
    VALIDATION_SIZE,
    load_split,
    render_as_photo,
    to_input,
    validation_split,
)
from core.fashion.evaluate import cpu_latency_ms, evaluate_classifier
from core.fashion.predict import Classifier
from core.fashion.task import EXAMPLES_DIR, MANIFEST, TASK
from core.registry import build_model
from core.training import LoopConfig, TrainLoop, ema_update, recalibrate_bn, world_size
from train import common

#: Training images (the first, unaugmented) on which the EMA weights' batch-norm statistics are recomputed.
BN_IMAGES = 4096


def augmenter() -> v2.Compose:
    """Random shifts (pad 2 + crop), horizontal flips and random erasing, on (1, 28, 28) tensors."""
    return v2.Compose([v2.RandomCrop(28, padding=2), v2.RandomHorizontalFlip(), v2.RandomErasing(p=0.5, value=0)])


def fit(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # the initial weights
    variant = TASK.variants[args.arch]
    config = dict(variant.config)
    for key in ("width", "blocks"):
        if (value := getattr(args, key)) is not None:
            if args.arch != "resnet":
                raise SystemExit(f"--{key} applies to --arch resnet only.")
            config[key] = value
    model = build_model(variant.architecture, **config)
    all_x, all_y = load_split(True, args.data, args.download)
    test_x, test_y = load_split(False, args.data, args.download)
    all_x, test_x = to_input(all_x), to_input(test_x)
    train_idx, val_idx = validation_split(all_y, args.val) if args.val else (torch.arange(len(all_y)), None)
    train_x, train_y = all_x[train_idx], all_y[train_idx]
    val_x, val_y = (all_x[val_idx], all_y[val_idx]) if val_idx is not None else (None, None)
    if args.subset:
        train_x, train_y = train_x[: args.subset], train_y[: args.subset]
    steps_per_epoch = len(train_x) // (args.batch * world_size())
    steps = args.epochs * steps_per_epoch if args.steps is None else args.steps
    if args.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), args.lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay)
    else:
        opt = torch.optim.AdamW(model.parameters(), args.lr, weight_decay=args.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps, pct_start=0.15)
    # Choices are made on the validation split; the test set is measured once, when the run ends.
    cfg = LoopConfig(steps=steps, eval_every=args.eval_every or steps_per_epoch, **common.loop_limits(args))
    modules = {"net": model}
    if args.ema:  # an exponential moving average of the weights: what is validated and shipped
        modules["ema"] = copy.deepcopy(model).requires_grad_(False)
    loop = TrainLoop(cfg, modules, {"opt": opt}, {"onecycle": sched})
    if loop.is_main:
        common.record_run(args.run_dir, "train.fashion", args.argv, loop.step)
    batches = loop.index_batches(len(train_x), args.batch)
    aug = augmenter() if args.augment else None
    net = loop.modules["net"]
    served = "ema" if args.ema else "net"
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)

    def train_step(step: int) -> dict[str, float]:
        idx = next(batches)
        x = train_x[idx]
        if aug is not None:
            x = torch.stack([aug(im) for im in x])
        x, y = x.to(loop.device), train_y[idx].to(loop.device)
        loss = loss_fn(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if args.ema:
            ema_update(loop.raw["ema"], loop.raw["net"], args.ema)
        return {"loss": loss.item()}

    def validate() -> dict[str, float]:
        """Accuracy on the validation split of the EMA weights (batch-norm statistics recomputed for them on
        fixed training images) and of the raw weights beside them; without EMA, of the raw weights."""
        if args.ema:  # every step copies the raw model's statistics over these again: training is unchanged
            recalibrate_bn(loop.raw["ema"], train_x[:BN_IMAGES].to(loop.device))
        if val_x is None:
            return {}
        out = {"val_accuracy": evaluate_classifier(loop.raw[served], val_x, val_y)["test_accuracy"]}
        if args.ema:
            out["val_accuracy_raw"] = evaluate_classifier(loop.raw["net"], val_x, val_y)["test_accuracy"]
        return out

    last = loop.run(train_step, validate)  # the final step's validation (empty when resumed at the end)
    common.finish(loop, "train.fashion", lambda: export(args, loop, len(train_x), test_x, test_y, last or validate()))


def shipped_weights(args: argparse.Namespace, validation: dict[str, float]) -> str:
    """Which weights a run ships, chosen on the validation split: the EMA unless the raw weights validate better
    (with no split, the EMA: the choice of an earlier run with one)."""
    if not args.ema:
        return "net"
    return "net" if validation.get("val_accuracy_raw", 0.0) > validation.get("val_accuracy", 0.0) else "ema"


def weights_note(args: argparse.Namespace, weights: str) -> str:
    """The card's words on which weights ship (empty without EMA)."""
    if weights == "ema":
        return f"; weights are the EMA (decay {args.ema}), batch-norm statistics recomputed on {BN_IMAGES} training images"
    if args.ema:
        return f"; weights are the last ones, which validated better than their EMA (decay {args.ema})"
    return ""


def validation_block(args: argparse.Namespace, validation: dict[str, float], weights: str) -> dict[str, float]:
    """The card's `validation`: `val_accuracy` is always the shipped weights'; with EMA, both candidates' beside it."""
    if not args.ema or not validation:
        return validation
    return {"val_accuracy": validation["val_accuracy_raw" if weights == "net" else "val_accuracy"],
            "val_accuracy_ema": validation["val_accuracy"], "val_accuracy_raw": validation["val_accuracy_raw"]}


def export(args, loop: TrainLoop, n_train: int, test_x: torch.Tensor, test_y: torch.Tensor,
           validation: dict[str, float]) -> None:
    weights = shipped_weights(args, validation)
    model = loop.raw[weights].cpu().eval()
    out = Path(args.out or Path(args.run_dir) / "model.safetensors")
    variant = TASK.variants[args.arch]
    card = common.model_card(
        "fashion", out, variant, model,
        data={
            "train": f"Fashion-MNIST train, {n_train} images"
            + (", augmented: random 2px shifts, horizontal flips, random erasing" if args.augment else ""),
            "test": "Fashion-MNIST test, 10000 images",
        },
        training=common.training_block(
            loop, "train.fashion", args.argv, args.batch, held_out=args.val,
            optimizer=f"{args.optimizer} lr {args.lr} one-cycle, weight decay {args.weight_decay}, "
            f"label smoothing {args.label_smoothing}{weights_note(args, weights)}",
        ),
        protocol=protocol(args.val),
        validation=validation_block(args, validation, weights),
        metrics={**evaluate_classifier(model, test_x, test_y), **cpu_latency_ms(model)},
    )
    card = checkpoints.save_checkpoint(model, out, card)
    print(f"Wrote {out}: test accuracy {card['metrics']['test_accuracy']:.4f}")


def protocol(val: int) -> dict[str, str]:
    """How the card's numbers were arrived at: what was held out for choices, and what the test set was used for."""
    return {
        "validation": (f"{val} of the 60,000 training images held out, {val // 10} per class "
                       f"(core.fashion.data.validation_split, seed {VALIDATION_SEED}); every choice made on them")
        if val else "none held out: trained on all 60,000 images with settings chosen on a validation split "
                    "in an earlier run (see that run's card)",
        "test": "the 10,000 test images, measured once at the end; no choice made on them",
    }


def evaluate(args: argparse.Namespace) -> None:
    model, card = checkpoints.load_checkpoint(args.checkpoint, task="fashion")
    tta = Classifier(model, card).flip_tta if args.flip_tta is None else args.flip_tta
    if args.split == "val":
        return evaluate_on_validation(args, model, card, tta)
    x, y = load_split(False, args.data, args.download)
    x = to_input(x)
    metrics = {**evaluate_classifier(model, x, y, flip_tta=tta), **cpu_latency_ms(model, flip_tta=tta)}
    if tta:
        metrics["test_accuracy_single_view"] = evaluate_classifier(model, x, y)["test_accuracy"]
    else:  # a single-view number left from an earlier --flip-tta evaluation would no longer be true
        card.get("metrics", {}).pop("test_accuracy_single_view", None)
    print(f"{card.get('title', card['arch'])}: test accuracy {metrics['test_accuracy']:.4f}"
          + (f" with flip TTA ({metrics['test_accuracy_single_view']:.4f} single view)" if tta else "")
          + f", {metrics['latency_ms_batch1']:.2f} ms/image, {metrics['images_per_s_batch256']} images/s at batch 256")
    for c, a in metrics["per_class_accuracy"].items():
        print(f"  {c:12s} {a:.4f}")
    if args.write_card:
        card["inference"] = {"flip_tta": tta}
        common.record_metrics(args.checkpoint, card, metrics, common.command_line("train.fashion", args.argv))


def evaluate_on_validation(args: argparse.Namespace, model, card: dict, tta: bool) -> None:
    """Accuracy on the run's validation split (to choose, e.g., test-time augmentation); with --write-card it goes
    into the card's `validation` with the setting, and the demos follow the setting. The test set is not read."""
    held_out = (card.get("training", {}).get("held_out") or 0)
    if not held_out:
        raise SystemExit(f"{args.checkpoint} was trained on every training image: it has no validation split to "
                         "measure (train with --val N to hold one out).")
    all_x, all_y = load_split(True, args.data, args.download)
    _, val_idx = validation_split(all_y, held_out)
    x, y = to_input(all_x[val_idx]), all_y[val_idx]
    key = "val_accuracy_flip_tta" if tta else "val_accuracy"
    acc = evaluate_classifier(model, x, y, flip_tta=tta)["test_accuracy"]
    print(f"{card.get('title', card['arch'])}: validation accuracy {acc:.4f} ({held_out} held-out training images"
          + (", with flip TTA)" if tta else ", single view)"))
    if args.write_card:
        card["validation"] = {**card.get("validation", {}), key: acc}
        card["inference"] = {"flip_tta": tta}
        checkpoints.write_card(args.checkpoint, card)


def write_examples(args: argparse.Namespace) -> None:
    """`examples`: the Classify tab's examples, shipped so that the apps need no dataset: one Fashion-MNIST test
    image per class of `--classes`, rendered as a phone photo (core.fashion.data.render_as_photo), as JPEG, with a
    manifest of their true classes and where each came from."""
    images, labels = load_split(False, args.data, args.download)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for k in args.classes:
        i = int((labels == k).nonzero()[0])  # the first test image of class k
        name = f"fashion_test{i}.jpg"
        render_as_photo(images[i], seed=i).save(args.out / name, quality=90)
        rows.append({"file": name, "class": CLASSES[k],
                     "source": f"Fashion-MNIST test image {i}, rendered as a photo (seed {i})"})
    manifest = {"command": common.command_line("train.fashion", args.argv), "examples": rows}
    checkpoints.atomic_write_bytes(args.out / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
    print(f"Wrote {len(rows)} examples and {MANIFEST} to {args.out}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m train.fashion", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit", help="train a classifier")
    f.add_argument("--arch", choices=list(TASK.variants), required=True,
                   help=", ".join(f"{k} = {v.title}" for k, v in TASK.variants.items()))
    common.add_data_flags(f)
    f.add_argument("--out", type=Path, help="final checkpoint; default <run-dir>/model.safetensors")
    f.add_argument("--width", type=int, help="resnet only: channels of the first stage (default 32; 2x, 4x after)")
    f.add_argument("--blocks", type=int, help="resnet only: residual blocks per stage (default 1)")
    f.add_argument("--epochs", type=int, default=10, help="passes over the training images")
    f.add_argument("--steps", type=int, help="total steps (overrides --epochs)")
    f.add_argument("--subset", type=int, help="train on the first N images only")
    f.add_argument("--val", type=int, default=VALIDATION_SIZE,
                   help="training images held out (stratified, fixed) for every choice; 0: train on all 60,000")
    f.add_argument("--batch", type=int, default=128, help="images per step and process")
    f.add_argument("--optimizer", choices=("adamw", "sgd"), default="adamw")
    f.add_argument("--lr", type=float, default=2e-3, help="peak of the one-cycle schedule")
    f.add_argument("--weight-decay", type=float, default=5e-4)
    f.add_argument("--label-smoothing", type=float, default=0.0)
    f.add_argument("--augment", action="store_true", help="random shifts, flips and erasing")
    f.add_argument("--ema", type=float, default=0.0,
                   help="EMA decay of the weights (e.g. 0.999), batch-norm statistics recomputed for them: validated beside "
                   "the raw weights and shipped unless the raw ones validate better; 0 = off")
    f.add_argument("--eval-every", type=int, help="steps between validations (default: one epoch)")
    common.fit_command(sub, f, "train.fashion", fit, save_every=200)
    e = common.evaluate_command(sub, "accuracy, per-class accuracy, confusion matrix, CPU latency", evaluate)
    common.add_data_flags(e)
    e.add_argument("--flip-tta", action=argparse.BooleanOptionalAction,
                   help="average each image's probabilities with its mirror image's (test-time augmentation); "
                   "default: the card's inference.flip_tta. With --write-card the setting goes into the card, "
                   "and the demos predict the same way")
    e.add_argument("--split", choices=("test", "val"), default="test",
                   help="test: the 10,000 test images (once, at the end); val: the run's validation split (choices)")
    x = sub.add_parser("examples", help="write the Classify tab's example images and their manifest")
    common.add_data_flags(x)
    x.add_argument("--out", type=Path, default=EXAMPLES_DIR, help="folder (default: the shipped examples)")
    x.add_argument("--classes", type=int, nargs="+", default=[0, 1, 3, 5, 6, 8],
                   help="class indices, one example each (default: six classes that look different)")
    x.set_defaults(func=write_examples)
    common.run(p, argv)


if __name__ == "__main__":
    main()
