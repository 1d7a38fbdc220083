"""Train and evaluate Fashion-MNIST classifiers: softmax regression, MLP, small CNN, small ResNet.

    python -m train.fashion fit --arch cnn --epochs 10 --run-dir runs/fashion_cnn --out checkpoints/fashion/cnn.safetensors
    python -m train.fashion continue runs/fashion_cnn      # after any stop: goes on from the last save
    python -m train.fashion evaluate checkpoints/fashion/cnn.safetensors --write-card
    python -m train.fashion photos ../shared/data/clothing/train checkpoints/fashion/*.safetensors   # real photos
    python -m train.fashion fit --arch resnet --init checkpoints/fashion/resnet.safetensors \
        --photos ../shared/data/clothing/train --run-dir runs/photo_resnet ...   # Fashion-MNIST + photos, jointly

The exact commands that made the shipped models are in their cards (`training.command`) and in README.
Runs unchanged under `torchrun --nproc_per_node N -m train.fashion fit ...`.
"""

from __future__ import annotations

import argparse
import copy
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from torch import nn
from torchvision.transforms import v2
from tqdm import tqdm

from core import checkpoints
from core.fashion.data import (
    VALIDATION_SEED,
    VALIDATION_SIZE,
    load_split,
    to_input,
    validation_split,
)
from core.fashion.evaluate import PhotoScores, cpu_latency_ms, evaluate_classifier, evaluate_photos
from core.fashion.photos import (
    CLOTHING_CREDIT,
    CLOTHING_SOURCE,
    FOLDER_CLASSES,
    FOOTWEAR,
    SPLITS,
    VALIDATION_FRACTION,
    PhotoSetError,
    accepted_mask,
    folder_caption,
    list_photos,
    order_key,
    split_photos,
)
from core.fashion.photos import VALIDATION_SEED as PHOTO_SEED
from core.fashion.predict import Classifier, image_to_tensor, open_classifier, to_fashion_mnist
from core.fashion.task import EXAMPLES_DIR, MANIFEST, TASK
from core.imaging import ImageInputError, open_image
from core.registry import build_model
from core.training import LoopConfig, TrainLoop, ema_update, recalibrate_bn, world_size
from train import common

#: Training images (the first, unaugmented) on which the EMA weights' batch-norm statistics are recomputed.
BN_IMAGES = 4096


def augmenter() -> v2.Compose:
    """Random shifts (pad 2 + crop), horizontal flips and random erasing, on (1, 28, 28) tensors."""
    return v2.Compose([v2.RandomCrop(28, padding=2), v2.RandomHorizontalFlip(), v2.RandomErasing(p=0.5, value=0)])


def partial_label_loss(logits: torch.Tensor, accepted: torch.Tensor) -> torch.Tensor:
    """-log(sum of the probabilities of the accepted classes), averaged: logits (N, C), accepted (N, C) bool with at
    least one True a row. With one accepted class it is the cross-entropy; with several, the model is free to
    share the probability among them (a long-sleeved top may be a Pullover, a Shirt or a T-shirt/top)."""
    accepted_logits = logits.masked_fill(~accepted, float("-inf"))
    return (logits.logsumexp(-1) - accepted_logits.logsumexp(-1)).mean()


def kept_loss(logits: torch.Tensor, teacher_logits: torch.Tensor) -> torch.Tensor:
    """KL(teacher || model) of the class probabilities, averaged over the batch: what keeps a fine-tuned model's
    answers on Fashion-MNIST those of the model it started from while it learns photos ("learning without
    forgetting", Li & Hoiem 2016). Zero exactly when the two agree."""
    return nn.functional.kl_div(logits.log_softmax(-1), teacher_logits.log_softmax(-1), log_target=True,
                                reduction="batchmean")


@dataclass
class PhotoViews:
    """The scored photos of one split as the models see them (28x28 views through `to_fashion_mnist`)."""

    x: torch.Tensor  # (N, 1, 28, 28) in [0, 1]
    accepted: torch.Tensor  # (N, 10) bool
    footwear: torch.Tensor  # (N,) bool
    description: str


def photo_views(folder: Path, split: str, quiet: bool = False) -> PhotoViews:
    """The `split` of the photo folder, scored folders only, each photo through the demos' preprocessing once
    (deterministic: a resumed run makes the same views); unreadable photos are skipped with a line."""
    photos = [p for p in split_photos(list_photos(folder), split) if p.scored]
    views, kept = [], []
    for p in tqdm(photos, desc=f"{split} photos", leave=False, disable=quiet):
        try:
            views.append(image_to_tensor(to_fashion_mnist(open_image(p.path))))
            kept.append(p)
        except ImageInputError as e:
            print(f"skipped (unreadable): {p.path}: {e}")
    if not kept:
        raise SystemExit(f"{folder} has no readable photo in a scored folder in its {split} split.")
    return PhotoViews(torch.cat(views), accepted_mask(kept), torch.tensor([p.folder == FOOTWEAR for p in kept]),
                      f"{len(kept)} photos of {folder} ({split} split: {VALIDATION_FRACTION:g} of each folder, "
                      f"seed {PHOTO_SEED}, for validation), folders mapped to the classes a person would accept")


@torch.inference_mode()
def photo_accuracy(model: nn.Module, photos: PhotoViews) -> dict[str, float]:
    """Grouped top-1 accuracy on the photo views (an answer is right when it is an accepted class), and footwear's
    where there are shoes."""
    dev = next(model.parameters()).device
    pred = torch.cat([model.probabilities(x.to(dev)).argmax(-1).cpu() for x in photos.x.split(512)])
    right = photos.accepted[torch.arange(len(pred)), pred]
    out = {"photo_top1": round(float(right.float().mean()), 4)}
    if photos.footwear.any():
        out["photo_footwear_top1"] = round(float(right[photos.footwear].float().mean()), 4)
    return out


def initial_model(args: argparse.Namespace) -> nn.Module:
    """A new model of --arch (with --width/--blocks for the ResNet), or the weights of --init to fine-tune."""
    variant = TASK.variants[args.arch]
    if args.init:
        if args.width is not None or args.blocks is not None:
            raise SystemExit("--init takes the architecture from the checkpoint's card: drop --width and --blocks.")
        model, card = checkpoints.load_checkpoint(args.init, task="fashion")
        if card["arch"] != variant.architecture:
            raise SystemExit(f"--init {args.init} is a {card['arch']}, not a {variant.architecture} (--arch).")
        return model.train()
    config = dict(variant.config)
    for key in ("width", "blocks"):
        if (value := getattr(args, key)) is not None:
            if variant.architecture != "resnet":
                raise SystemExit(f"--{key} applies to the ResNets only.")
            config[key] = value
    return build_model(variant.architecture, **config)


def fit(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # the initial weights
    model = initial_model(args)
    if args.keep and not args.init:
        raise SystemExit("--keep keeps the answers of the --init model: give --init.")
    # The model the fine-tune starts from, frozen, in eval mode: its answers on Fashion-MNIST are kept (--keep).
    teacher = initial_model(args).eval().requires_grad_(False) if args.keep else None
    photos = photo_views(args.photos, "train", args.quiet) if args.photos else None
    val_photos = photo_views(args.photos, "val", args.quiet) if args.photos else None
    all_x, all_y = load_split(True, args.data, args.download)
    all_x = to_input(all_x)
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
    photo_batches = loop.index_batches(len(photos.x), args.photo_batch) if photos else None
    aug = augmenter() if args.augment else None
    net = loop.modules["net"]
    served = "ema" if args.ema else "net"
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    # The EMA's batch-norm statistics come from what it serves: training images, and the training photos if any.
    bn_images = train_x[:BN_IMAGES] if photos is None else torch.cat([train_x[:BN_IMAGES], photos.x])

    def train_step(step: int) -> dict[str, float]:
        idx = next(batches)
        x = train_x[idx]
        if photos is not None:  # one forward pass over both: batch norm sees the mixture the model will serve
            pidx = next(photo_batches)
            x = torch.cat([x, photos.x[pidx]])
        if aug is not None:
            x = torch.stack([aug(im) for im in x])
        x, y = x.to(loop.device), train_y[idx].to(loop.device)
        logits = net(x)
        loss = loss_fn(logits[: len(y)], y)
        logs = {}
        if teacher is not None:
            with torch.no_grad():
                taught = teacher.to(loop.device)(x[: len(y)])
            kept = kept_loss(logits[: len(y)], taught)
            logs["kept_loss"] = kept.item()
            loss = loss + args.keep * kept
        if photos is not None:
            photo_loss = partial_label_loss(logits[len(y) :], photos.accepted[pidx].to(loop.device))
            logs = {"fashion_loss": loss.item(), "photo_loss": photo_loss.item()}
            loss = loss + args.photo_weight * photo_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if args.ema:
            ema_update(loop.raw["ema"], loop.raw["net"], args.ema)
        return {"loss": loss.item(), **logs}

    def validate() -> dict[str, float]:
        """Accuracy on the validation split(s) of the EMA weights (batch-norm statistics recomputed for them on
        fixed training images) and of the raw weights beside them (keys ending `_raw`); without EMA, of the raw
        weights."""
        if args.ema:  # every step copies the raw model's statistics over these again: training is unchanged
            recalibrate_bn(loop.raw["ema"], bn_images.to(loop.device))
        out = {}
        if val_x is not None:
            out["val_accuracy"] = evaluate_classifier(loop.raw[served], val_x, val_y)["test_accuracy"]
            if args.ema:
                out["val_accuracy_raw"] = evaluate_classifier(loop.raw["net"], val_x, val_y)["test_accuracy"]
        if val_photos is not None:
            out.update(photo_accuracy(loop.raw[served], val_photos))
            if args.ema:
                out.update({f"{k}_raw": v for k, v in photo_accuracy(loop.raw["net"], val_photos).items()})
        return out

    last = loop.run(train_step, validate)  # the final step's validation (empty when resumed at the end)
    if args.screen:  # a screen ends on its validation: the test set stays unread, and nothing ships from it
        common.finish(loop, "train.fashion", lambda: print(f"Screen ended at step {loop.step}; validation: "
                                                           + json.dumps(last or validate())))
        return
    common.finish(loop, "train.fashion", lambda: export(args, loop, len(train_x), last or validate(), photos,
                                                        val_photos))


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
    """The card's `validation`: each figure without a suffix (`val_accuracy`, `photo_top1`, ...) is the shipped
    weights'; with EMA, both candidates' beside it (`_ema`, `_raw`)."""
    if not args.ema or "val_accuracy" not in validation:
        return validation
    out = {}
    for key in [k for k in validation if not k.endswith("_raw")]:
        ema, raw = validation[key], validation.get(f"{key}_raw")
        out |= {key: raw if weights == "net" and raw is not None else ema, f"{key}_ema": ema}
        if raw is not None:
            out[f"{key}_raw"] = raw
    return out


def export(args, loop: TrainLoop, n_train: int, validation: dict[str, float], photos: PhotoViews | None = None,
           val_photos: PhotoViews | None = None) -> None:
    """The run's checkpoint and card: the weights chosen on validation, then the test set read and measured once."""
    weights = shipped_weights(args, validation)
    test_x, test_y = load_split(False, args.data, args.download)
    test_x = to_input(test_x)
    model = loop.raw[weights].cpu().eval()
    out = Path(args.out or Path(args.run_dir) / "model.safetensors")
    variant = TASK.variants[args.arch]
    card = common.model_card(
        "fashion", out, variant, model,
        data={
            "train": f"Fashion-MNIST train, {n_train} images"
            + (", augmented: random 2px shifts, horizontal flips, random erasing" if args.augment else ""),
            "test": "Fashion-MNIST test, 10000 images",
            **({"train_photos": photos.description.replace("for validation", "the rest for validation")
                + f"; {args.photo_batch} a step beside {args.batch} Fashion-MNIST images, partial-label loss "
                "-log(sum of the accepted classes' probabilities)" + (f" weighted {args.photo_weight}"
                                                                      if args.photo_weight != 1 else ""),
                "photo_validation": val_photos.description} if photos else {}),
            **({"initial_weights": str(args.init)} if args.init else {}),
            **({"kept": f"KL(initial model || model) on the Fashion-MNIST images weighted {args.keep}: the initial "
                        "model's answers kept (learning without forgetting)"} if args.keep else {}),
        },
        training=common.training_block(
            loop, "train.fashion", args.argv, args.batch, held_out=args.val,
            optimizer=f"{args.optimizer} lr {args.lr} one-cycle, weight decay {args.weight_decay}, "
            f"label smoothing {args.label_smoothing}{weights_note(args, weights)}",
        ),
        protocol={**protocol(args.val, args.init), **({"photos": PHOTO_PROTOCOL} if photos else {})},
        validation=validation_block(args, validation, weights),
        metrics={**evaluate_classifier(model, test_x, test_y), **cpu_latency_ms(model),
                 **({**photo_accuracy(model, val_photos), "photo_count": len(val_photos.x)} if val_photos else {})},
    )
    card = checkpoints.save_checkpoint(model, out, card)
    print(f"Wrote {out}: test accuracy {card['metrics']['test_accuracy']:.4f}")


#: How a photo model's photo figures were arrived at (the card's `protocol.photos`).
PHOTO_PROTOCOL = ("photo figures: grouped top-1 on the validation split of the photo folder (a fifth of each folder, "
                  "fixed by file names and seed: core.fashion.photos.split_photos), an answer right when it is a class "
                  "a person would accept (core.fashion.photos.FOLDER_CLASSES); every choice made on them; the same "
                  "as `python -m train.fashion photos FOLDER CKPT` (classify(open_image(path)))")


def protocol(val: int, init: Path | None = None) -> dict[str, str]:
    """How the card's numbers were arrived at: what was held out for choices, and what the test set was used for.
    A fine-tune (`init`) says whether its held-out images were seen by the model it started from."""
    if val:
        validation = (f"{val} of the 60,000 training images held out, {val // 10} per class "
                      f"(core.fashion.data.validation_split, seed {VALIDATION_SEED}); every choice made on them")
        init_held_out = init and (checkpoints.read_card(init).get("training", {}).get("held_out") or 0)
        if init and init_held_out != val:
            validation += (f"; held out of this fine-tune only: {init} was trained on them, so they measure how much "
                           "of its Fashion-MNIST answers the fine-tune keeps, not how it generalises")
    else:
        validation = ("none held out: trained on all 60,000 images with settings chosen on a validation split "
                      "in an earlier run (see that run's card)")
    return {"validation": validation,
            "test": "the 10,000 test images, measured once at the end; no choice made on them"}


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


def photo_table(scores: list[PhotoScores]) -> str:
    """Each model's top-1 / top-3 accuracy per folder, grouped and footwear (a plain-text table, models as columns);
    under it, what each model answered most for the folders that have no Fashion-MNIST class."""
    def cell(s) -> str:
        return f"{s.top1 / s.photos:6.1%} {s.top3 / s.photos:6.1%}" if s.photos else f"{'-':>6} {'-':>6}"

    first = scores[0].folders
    scored = [f for f in FOLDER_CLASSES if FOLDER_CLASSES[f] and f in first]
    head = f"{'folder (photos)':28s}" + "".join(f" | {s.model[:24]:>24s}" for s in scores)
    lines = [head, f"{'':28s}" + " | {:>17s} {:>6s}".format("top-1", "top-3") * len(scores), "-" * len(head)]
    for f in scored:
        lines.append(f"{f'{f} ({first[f].photos})':28s}" + "".join(f" | {'':10s}{cell(s.folders[f])}" for s in scores))
    lines.append("-" * len(head))
    rows = [("grouped", lambda s: s.grouped), ("footwear", lambda s: s.total([FOOTWEAR])),
            ("clothes (no footwear)", lambda s: s.total([f for f in scored if f != FOOTWEAR]))]
    for name, total in rows:
        lines.append(f"{f'{name} ({total(scores[0]).photos})':28s}" + "".join(f" | {'':10s}{cell(total(s))}"
                                                                             for s in scores))
    lines.append(f"{'ms per photo (median)':28s}" + "".join(f" | {s.milliseconds:23.1f}" for s in scores))
    unscored = [f for f in FOLDER_CLASSES if not FOLDER_CLASSES[f] and f in first]
    if unscored:
        lines.append("\nNot scored (no Fashion-MNIST class); each model's most frequent answers:")
        for f in unscored:
            for s in scores:
                top = ", ".join(f"{c} {n}" for c, n in s.folders[f].answers.most_common(3))
                lines.append(f"  {f} ({first[f].photos}), {s.model}: {top}")
    return "\n".join(lines)


def evaluate_photo_folder(args: argparse.Namespace) -> None:
    """`photos`: grouped top-1/top-3 accuracy of each checkpoint on a folder of real photos, through the demos' own
    path; with --write-card, into each card's `photos` block with the command."""
    photos = split_photos(list_photos(args.folder), args.split, args.fraction, args.seed)
    classifiers = [open_classifier(c) for c in args.checkpoints]
    where = f"{args.folder}, split {args.split}" + (f" ({args.fraction:g} of each folder, seed {args.seed})"
                                                     if args.split != "all" else "")
    print(f"{len(photos)} photos ({where}); {len(classifiers)} models; classify(open_image(path), model)")
    with tqdm(total=len(photos), disable=args.quiet, desc="photos") as bar:
        scores, unreadable = evaluate_photos(classifiers, photos, lambda done, total: bar.update(1))
    print(photo_table(scores))
    for u in unreadable:
        print(f"skipped (unreadable): {u}")
    if args.write_card:
        command = common.command_line("train.fashion", args.argv)
        for path, clf, s in zip(args.checkpoints, classifiers, scores, strict=True):
            clf.card["photos"] = {**s.metrics(), "photos": where, "command": command}
            checkpoints.write_card(path, clf.card)


def write_examples(args: argparse.Namespace) -> None:
    """`examples`: the Classify tab's examples, shipped so that the apps need no dataset: one real photo of each of
    `--folders`, the first of the folder's validation split in its fixed order (photos no model trains on, picked by
    that rule alone), shrunk to `--size` px on the long side, as JPEG, with a manifest of what each shows, the
    classes a person would accept for it, where it came from and the dataset's credit."""
    try:
        photos = split_photos(list_photos(args.photos), "val")
    except PhotoSetError as e:
        raise SystemExit(str(e)) from e
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for folder in args.folders:
        mine = [p for p in photos if p.folder == folder]  # split_photos keeps the folder's sorted order
        if not mine:
            raise SystemExit(f"{args.photos} has no validation photo in a folder '{folder}'.")
        first = min(mine, key=lambda p: order_key(p, PHOTO_SEED))
        image = open_image(first.path)
        image.thumbnail((args.size, args.size), Image.LANCZOS)
        name = f"{folder}_{first.path.stem[:8]}.jpg"
        image.save(args.out / name, quality=88)
        rows.append({"file": name, "class": folder_caption(folder), "folder": folder,
                     "accepted": list(FOLDER_CLASSES[folder]),
                     "source": f"{CLOTHING_SOURCE}, {folder}/{first.path.name} (validation split, shrunk to "
                               f"{args.size} px)"})
    manifest = {"command": common.command_line("train.fashion", args.argv), "credit": CLOTHING_CREDIT,
                "examples": rows}
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
    f.add_argument("--width", type=int, help="the ResNets only: channels of the first stage (default 32; 2x, 4x after)")
    f.add_argument("--blocks", type=int, help="the ResNets only: residual blocks per stage (default 1)")
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
    f.add_argument("--screen", action="store_true",
                   help="a screening run: it ends on its validation figures and writes no checkpoint, so the test "
                   "set is not read (choose on screens, then train the chosen settings without --screen)")
    f.add_argument("--init", type=Path, help="start from this checkpoint's weights (fine-tune; its card's architecture)")
    f.add_argument("--photos", type=Path,
                   help="a photo folder (<folder>/<dress|longsleeve|...>/<image>): its training split is trained on "
                   "beside Fashion-MNIST with the partial-label loss, its validation split is validated on")
    f.add_argument("--photo-batch", type=int, default=32, help="photos per step (with --photos)")
    f.add_argument("--photo-weight", type=float, default=1.0, help="weight of the photos' loss (with --photos)")
    f.add_argument("--keep", type=float, default=0.0,
                   help="with --init: weight of KL(initial model || model) on the Fashion-MNIST images, which keeps "
                   "the initial model's answers there while it learns photos (learning without forgetting); 0 = off")
    common.fit_command(sub, f, "train.fashion", fit, save_every=200)
    e = common.evaluate_command(sub, "accuracy, per-class accuracy, confusion matrix, CPU latency", evaluate)
    common.add_data_flags(e)
    e.add_argument("--flip-tta", action=argparse.BooleanOptionalAction,
                   help="average each image's probabilities with its mirror image's (test-time augmentation); "
                   "default: the card's inference.flip_tta. With --write-card the setting goes into the card, "
                   "and the demos predict the same way")
    e.add_argument("--split", choices=("test", "val"), default="test",
                   help="test: the 10,000 test images (once, at the end); val: the run's validation split (choices)")
    ph = sub.add_parser("photos", help="grouped top-1/top-3 accuracy on a folder of real photos "
                        "(<folder>/<dress|hat|longsleeve|outwear|pants|shirt|shoes|shorts|skirt|t-shirt>/<image>)")
    ph.add_argument("folder", type=Path, help="the photo folder, e.g. ../shared/data/clothing/train")
    ph.add_argument("checkpoints", type=Path, nargs="+", help="classifier checkpoints (.safetensors, card beside)")
    ph.add_argument("--split", choices=SPLITS, default="val",
                    help="val: the fixed validation part (every choice is made on it); train: the rest; all: every "
                    "photo (a folder of your own)")
    ph.add_argument("--fraction", type=float, default=VALIDATION_FRACTION, help="share of each folder in val")
    ph.add_argument("--seed", type=int, default=PHOTO_SEED, help="seed of the validation split")
    ph.add_argument("--write-card", action="store_true", help="store the results in each checkpoint's card")
    ph.add_argument("--quiet", action="store_true", help="no progress line")
    ph.set_defaults(func=evaluate_photo_folder)
    x = sub.add_parser("examples", help="write the Classify tab's example photos and their manifest")
    x.add_argument("--photos", type=Path, required=True,
                   help="the photo folder the examples come from (its validation split), e.g. ../shared/data/clothing/train")
    x.add_argument("--out", type=Path, default=EXAMPLES_DIR, help="folder (default: the shipped examples)")
    x.add_argument("--folders", nargs="+", choices=[f for f, c in FOLDER_CLASSES.items() if c],
                   default=["t-shirt", "pants", "dress", "shoes", "longsleeve", "outwear"],
                   help="one example each, in this order (the first is what the tab opens on)")
    x.add_argument("--size", type=int, default=480, help="long side of the shipped photos, in pixels")
    x.set_defaults(func=write_examples)
    common.run(p, argv)


if __name__ == "__main__":
    main()
