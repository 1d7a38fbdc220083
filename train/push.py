"""Publish a checkpoint (weights + card) to a Hugging Face Hub model repo, with a model card README.

    python -m train.push checkpoints/sr/fsrcnn_x2.safetensors --repo you/fsrcnn-x2 [--private]
    python -m train.push checkpoints/sr/fsrcnn_x2.safetensors --stage-only out/ [--repo you/fsrcnn-x2]  # upload nothing

The README is a Hub model card built from the checkpoint's JSON card alone: YAML metadata (licence, tags, datasets,
pipeline tag and a `model-index` of the measured metrics, written by huggingface_hub's own emitter), the paper, a
"Use it" snippet with the real load call (`core.sr.task.load_upscaler(2, "you/fsrcnn-x2/fsrcnn_x2")`,
`core.fashion.task.TASK.load("you/repo/resnet")`, `core.gan.task.TASK.load("you/repo/cgan")`), how it was trained
and what was measured. Publishing needs a token (`huggingface-cli login` or HF_TOKEN) and a network; staging neither.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from core.checkpoints import PAPER_INIT, load_checkpoint, read_card
from core.fashion.evaluate import card_photos
from core.fashion.photos import CLOTHING_CREDIT
from core.tasks import Paper, duration, task

PROJECT = "paper-to-demo"
LICENSE = "mit"
FASHION_MNIST_HUB = "zalando-datasets/fashion_mnist"  # the Hub's Fashion-MNIST dataset
CLOTHING_HUB = "clothing-dataset-small"  # the real photos (github.com/alexeygrigorev/clothing-dataset-small)
#: Hub metadata per task: pipeline tag (None: no Hub pipeline fits), tags, Hub datasets the model was trained on.
#: SR was trained on T91 (and measured on Set5/Set14), for which we know of no canonical Hub dataset id: none named.
HUB = {
    "sr": {"pipeline_tag": "image-to-image", "tags": ["super-resolution", "image-to-image"], "datasets": None},
    "fashion": {"pipeline_tag": "image-classification", "tags": ["image-classification", "fashion-mnist"],
                "datasets": [FASHION_MNIST_HUB]},
    "gan": {"pipeline_tag": "unconditional-image-generation", "tags": ["image-generation", "gan", "fashion-mnist"],
            "datasets": [FASHION_MNIST_HUB]},
}
#: Papers a card cites besides its variant's own (core.<task>.task): the dataset, and the idea a variant builds on.
CONDITIONAL_GAN_PAPER = Paper("Mirza, Osindero. Conditional Generative Adversarial Nets. 2014.",
                              "https://arxiv.org/abs/1411.1784")
#: YAML keys in the order the card shows them.
ORDER = ["library_name", "license", "tags", "datasets", "pipeline_tag", "base_model", "eval_results", "model_name"]


def _conditional(card: dict) -> bool:
    return bool(card.get("config", {}).get("num_classes", 0))


def _papers(card: dict) -> list[tuple[str, Paper]]:
    """(role, paper): the variant's own (from core.<task>.task), the conditional-GAN idea it builds on, the dataset."""
    from core.fashion.task import FASHION_PAPER

    variant = task(card["task"]).variants.get(card.get("variant", ""))
    papers = [("Paper", variant.paper)] if variant else []
    if card["task"] == "gan" and _conditional(card):
        papers.append(("Builds on", CONDITIONAL_GAN_PAPER))
    if card["task"] in ("fashion", "gan") and all(p != FASHION_PAPER for _, p in papers):
        papers.append(("Dataset", FASHION_PAPER))
    return papers


def _sr_protocol(scale: int) -> str:
    return f"Y channel (BT.601), {scale} px border shaved, given MATLAB-bicubic LR"


def eval_results(card: dict) -> list:
    """The card's measured metrics as huggingface_hub EvalResults (the model-index): SR PSNR/SSIM per set at the
    card's scale, the classifier's test accuracy, a generator's Inception FID and classifier-feature FID."""
    from huggingface_hub import EvalResult

    m, kind = card.get("metrics", {}), card["task"]
    out = []
    if kind == "sr":
        scale = card["config"]["scale"]
        for name, r in m.items():
            if not isinstance(r, dict):
                continue
            common = {"task_type": "image-to-image", "task_name": f"Image super-resolution x{scale}",
                      "dataset_type": name.lower(), "dataset_name": f"{name} (x{scale})", "dataset_split": "test"}
            for key, label in (("psnr", "PSNR (dB)"), ("ssim", "SSIM")):
                if key in r:
                    out.append(EvalResult(**common, metric_type=key, metric_value=r[key],
                                          metric_name=f"{label}, {_sr_protocol(scale)}"))
    elif kind == "fashion" and "test_accuracy" in m:
        out.append(EvalResult(task_type="image-classification", task_name="Image classification",
                              dataset_type=FASHION_MNIST_HUB, dataset_name="Fashion-MNIST", dataset_split="test",
                              metric_type="accuracy", metric_value=m["test_accuracy"],
                              metric_name="Test accuracy (the 10,000 test images, measured once)"))
        if (photos := card_photos(card)).get("photo_top1") is not None:
            out.append(EvalResult(task_type="image-classification", task_name="Image classification (real photos)",
                                  dataset_type=CLOTHING_HUB, dataset_name="Clothing dataset photos",
                                  dataset_split="validation", metric_type="accuracy", metric_value=photos["photo_top1"],
                                  metric_name=f"Grouped top-1 on {photos.get('photo_count', '?')} held-out photos "
                                              "(a class a person would accept)"))
    elif kind == "gan":
        n = m.get("samples", "?")
        common = {"task_type": "unconditional-image-generation",
                  "task_name": "Image generation" + (" (classes drawn uniformly)" if _conditional(card) else ""),
                  "dataset_type": FASHION_MNIST_HUB, "dataset_name": "Fashion-MNIST", "dataset_split": "test"}
        if "fid_inception" in m:
            out.append(EvalResult(**common, metric_type="fid", metric_value=m["fid_inception"],
                                  metric_name=f"FID, InceptionV3 pool features, {n} samples vs the test images"))
        if "fid_classifier" in m:
            out.append(EvalResult(**common, metric_type="fid_classifier", metric_value=m["fid_classifier"],
                                  metric_name=f"FID on the features of {m.get('fid_classifier_model', 'our classifier')}"
                                              f", {n} samples vs the test images"))
    return out


def _snippet(card: dict, repo: str | None) -> list[str]:
    """A Python snippet that loads this model by the real loader: from the Hub repo, or from the staged files."""
    name, kind = card["name"], card["task"]
    spec = f"{repo}/{name}" if repo else f"{card['weights']}"  # owner/repo/name, or the file beside its card
    where = ("downloads the weights and card, checks the sha256" if repo
             else f"the downloaded {card['weights']} beside its {name}.json card; checks the sha256")
    if kind == "sr":
        scale = card["config"]["scale"]
        body = ["from PIL import Image", "", "from core.sr.task import load_upscaler", "",
                f'upscaler = load_upscaler({scale}, "{spec}")  # {where}',
                f'big = upscaler(Image.open("photo.png"))  # RGB in, RGB x{scale} out (FSRCNN on Y, bicubic colour)',
                f'big.save("photo_x{scale}.png")']
    elif kind == "fashion":
        body = ["from PIL import Image", "", "from core.fashion.task import TASK", "",
                f'classifier = TASK.load("{spec}")  # {where}',
                'print(classifier.predict(Image.open("garment.png")))  # {class: probability}, most likely first']
    else:
        body = ["from core.gan.task import TASK", "", f'sampler = TASK.load("{spec}")  # {where}']
        if _conditional(card):
            body.append('images = sampler.sample(16, seed=0, label=TASK.class_index("Sneaker"))  '
                        '# (16, 1, 28, 28) in [0, 1]')
        else:
            body.append("images = sampler.sample(16, seed=0)  # (16, 1, 28, 28) in [0, 1]")
    return ["```python", *body, "```"]


def _metrics_table(card: dict) -> list[str]:
    m, kind = card.get("metrics", {}), card["task"]
    if kind == "sr":
        scale = card["config"]["scale"]
        rows = [f"| set (x{scale}) | images | PSNR (dB) | SSIM | bicubic PSNR (dB) | bicubic SSIM |",
                "|---|---|---|---|---|---|"]
        rows += [f"| {s} | {r.get('images', '?')} | {r.get('psnr', '?')} | {r.get('ssim', '?')} | "
                 f"{r.get('bicubic_psnr', '?')} | {r.get('bicubic_ssim', '?')} |" for s, r in m.items() if isinstance(r, dict)]
        return [*rows, "", f"Protocol: {_sr_protocol(scale)}; the LR images are the sets' own `_LR.png`."]
    rows = ["| metric | value |", "|---|---|"]
    if kind == "fashion":
        if "test_accuracy" in m:
            rows.append(f"| test accuracy (10,000 test images) | {m['test_accuracy']:.2%} |")
        rows += [f"| accuracy: {c} | {a:.1%} |" for c, a in m.get("per_class_accuracy", {}).items()]
        if "latency_ms_batch1" in m:
            rows.append(f"| CPU latency, batch 1 | {m['latency_ms_batch1']} ms |")
        if "images_per_s_batch256" in m:
            rows.append(f"| CPU throughput, batch 256 | {m['images_per_s_batch256']:,} images/s |")
        return rows + _photo_rows(card_photos(card))
    labels = [("fid_inception", "Inception FID (lower is better)"),
              ("fid_classifier", f"FID on {m.get('fid_classifier_model', 'classifier')} features"),
              ("fid_classifier_real_train_vs_test", "the same FID, real training vs test images (floor)"),
              ("samples", "samples measured"), ("conditional_accuracy", "conditional accuracy (class asked = class seen)")]
    shown = {"samples": lambda v: f"{v:,}", "conditional_accuracy": lambda v: f"{v:.2%}"}
    rows += [f"| {label} | {shown.get(k, str)(m[k])} |" for k, label in labels if k in m]
    return [*rows, "", "FIDs compare the samples with the 10,000 Fashion-MNIST test images."]


def _photo_rows(photos: dict) -> list[str]:
    """The classifier card's real-photo figures (its `photos` block, `python -m train.fashion photos`) as a table."""
    if photos.get("photo_top1") is None:
        return []
    n = photos.get("photo_count", "?")
    rows = ["", f"On real phone photos of clothes ({CLOTHING_CREDIT}): {n} photos held out as a validation split "
                f"({photos.get('photos', '')}), an answer right when it is a class a person would accept (a shoe: "
                "Sandal, Sneaker or Ankle boot), through the demo's own preprocessing.", "",
            "| real photos | value |", "|---|---|", f"| grouped top-1 | {photos['photo_top1']:.1%} |"]
    if "photo_top3" in photos:
        rows.append(f"| grouped top-3 | {photos['photo_top3']:.1%} |")
    if "photo_footwear_top1" in photos:
        rows.append(f"| footwear top-1 ({photos.get('photo_footwear_count', '?')} photos) | "
                    f"{photos['photo_footwear_top1']:.1%} |")
    rows += [f"| top-1: {f} | {a:.1%} |" for f, a in photos.get("photo_per_folder_top1", {}).items()]
    if photos.get("command"):
        rows += ["", f"Measured with `{photos['command']}`."]
    return rows


def model_card(card: dict, repo: str | None = None) -> str:
    """README.md for the Hub: YAML metadata (huggingface_hub's emitter), what the model is, how to use it, how it was
    trained, what was measured. `repo` (owner/name) goes into the snippet; without it the snippet loads the files."""
    from huggingface_hub import ModelCard, ModelCardData

    kind, t = card["task"], card.get("training", {})
    hub = HUB[kind]
    variant = task(kind).variants.get(card.get("variant", ""))
    arch = card.get("arch", "")
    tags = [PROJECT, kind, *([variant.name] if variant else []), *([arch] if arch else []), *hub["tags"]]
    if kind == "gan" and _conditional(card):
        tags.append("conditional-gan")
    data = ModelCardData(
        library_name="pytorch", license=LICENSE, tags=tags, datasets=hub["datasets"],
        # no Hub pipeline for class-conditional generation
        pipeline_tag=None if kind == "gan" and _conditional(card) else hub["pipeline_tag"],
        model_name=card.get("title", card["name"]), eval_results=eval_results(card) or None,
    )
    # base_model would name a Hub model id: a card's `init` names local files of this project, never a Hub model.
    title = card.get("title", card["name"])
    papers = _papers(card)
    params = f", {card['parameters']:,} parameters" if isinstance(card.get("parameters"), int) else ""
    what = {"sr": f"upscales images x{card.get('config', {}).get('scale', '?')}: the network works on the "
                  "brightness (Y) channel, colour is upscaled bicubic",
            "fashion": "classifies 28×28 grayscale garment images into the 10 Fashion-MNIST classes",
            "gan": "generates 28×28 grayscale Fashion-MNIST-style images"
                   + (", of a class you choose" if _conditional(card) else "")}[kind]
    lines = [f"# {title}", "",
             f"`{arch}`{params}: {what}. Trained and measured by {PROJECT}, a suite of demos of classic deep-learning "
             "papers trained on real data and running on a CPU.", ""]
    lines += [f"- {role}: [{p.citation}]({p.url})" for role, p in papers]
    lines += ["", "## Use it", "",
              f"With the {PROJECT} code (its `core` package on the Python path; it is not on PyPI):", "",
              *_snippet(card, repo), "",
              f"`{card['weights']}` holds the weights (safetensors, sha256 `{card['sha256']}`); `{card['name']}.json` "
              "holds the architecture's arguments and everything below.", ""]
    lines += ["## Training", ""]
    if t.get("command"):
        lines.append(f"- Command: `{t['command']}`")
    if t.get("continued_with"):
        lines.append(f"- Continued {len(t['continued_with'])} time(s); the last command: "
                     f"`{t['continued_with'][-1]}`")
    facts = [f"{t['steps']:,} steps" if isinstance(t.get("steps"), int) else "",
             f"batch {t['batch']}" if t.get("batch") else "",
             f"{duration(t['wall_time_s'])} wall time" if t.get("wall_time_s") else "",
             f"{t['cpu_hours']} CPU-hours" if t.get("cpu_hours") else ""]
    if any(facts):
        lines.append("- Ran: " + ", ".join(f for f in facts if f))
    if t.get("hardware"):
        lines.append(f"- Hardware: {t['hardware']}")
    if t.get("optimizer"):
        lines.append(f"- Optimizer: {t['optimizer']}")
    if t.get("init") and t["init"] != PAPER_INIT:
        lines.append(f"- Started from: {t['init']}")
    lines += [f"- Data ({k}): {v}" for k, v in (card.get("data") or {}).items()]
    lines += [f"- Protocol ({k}): {v}" for k, v in (card.get("protocol") or {}).items()]
    if card.get("evaluation", {}).get("command"):
        lines.append(f"- Evaluated: `{card['evaluation']['command']}`")
    if card.get("metrics"):
        lines += ["", "## Measured", "", *_metrics_table(card)]
    body = "\n".join(lines) + "\n"
    yaml = data.to_yaml(original_order=ORDER)
    return str(ModelCard(f"---\n{yaml}\n---\n\n{body}"))  # parsed back: what the Hub will read


def stage(checkpoint: Path, folder: Path, repo: str | None = None) -> list[Path]:
    """Copy weights + card into `folder` and write README.md (its snippet loads from `repo` when given); the
    checkpoint is verified first."""
    load_checkpoint(checkpoint)  # refuses a corrupt or tampered file before anything is published
    card = read_card(checkpoint)
    folder.mkdir(parents=True, exist_ok=True)
    out = [Path(shutil.copy2(checkpoint, folder)), Path(shutil.copy2(checkpoint.with_suffix(".json"), folder))]
    readme = folder / "README.md"
    readme.write_text(model_card(card, repo))
    return [*out, readme]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m train.push", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", type=Path)
    p.add_argument("--repo", help="Hub repo id, owner/name")
    p.add_argument("--private", action="store_true")
    p.add_argument("--stage-only", type=Path, metavar="DIR", help="write the files to DIR and upload nothing")
    args = p.parse_args(argv)
    if args.stage_only:
        for f in stage(args.checkpoint, args.stage_only, args.repo):
            print(f)
        return
    if not args.repo:
        p.error("--repo is required unless --stage-only is given")
    import tempfile

    from huggingface_hub import HfApi

    with tempfile.TemporaryDirectory() as tmp:
        stage(args.checkpoint, Path(tmp), args.repo)
        api = HfApi()
        api.create_repo(args.repo, private=args.private, exist_ok=True)
        info = api.upload_folder(repo_id=args.repo, folder_path=tmp, commit_message=f"Upload {args.checkpoint.name}")
    print(f"Published {args.checkpoint.name} to https://huggingface.co/{args.repo} ({info})")


if __name__ == "__main__":
    main()
