"""Publish a checkpoint (weights + card) to a Hugging Face Hub model repo, with a model card README.

    python -m train.push checkpoints/sr/fsrcnn_x2.safetensors --repo you/fsrcnn-x2 [--private]
    python -m train.push checkpoints/sr/fsrcnn_x2.safetensors --stage-only out/   # write the files, upload nothing

Afterwards `core.sr.task.load_upscaler(2, "you/fsrcnn-x2")` (and `core.fashion.task.TASK.load("you/repo/resnet")`, ...) load it.
Needs a token (`huggingface-cli login` or HF_TOKEN) and a network.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from core.checkpoints import load_checkpoint, read_card


def model_card(card: dict) -> str:
    """README.md for the Hub: YAML front matter, what the model is, how it was trained, measured numbers."""
    t = card.get("training", {})
    lines = [
        "---",
        "library_name: pytorch",
        "tags: [paper-to-demo, " + card["task"] + "]",
        "---",
        f"# {card.get('title', card['name'])}",
        "",
        f"Trained by [paper-to-demo](https://github.com/) (`{card['arch']}`, {card.get('parameters', '?'):,} parameters)."
        if isinstance(card.get("parameters"), int) else f"Trained by paper-to-demo (`{card['arch']}`).",
        "",
        "## Training",
        "",
        f"- Command: `{t.get('command', '?')}`",
        f"- Steps: {t.get('steps', '?')}, batch {t.get('batch', '?')}, wall time {t.get('wall_time_s', '?')} s",
        f"- Hardware: {t.get('hardware', '?')}",
        f"- Data: {json.dumps(card.get('data', {}))}",
        "",
        "## Measured",
        "",
        "```json",
        json.dumps(card.get("metrics", {}), indent=2),
        "```",
        "",
        f"Weights: `{card['weights']}` (safetensors, sha256 `{card['sha256']}`); the card `{Path(card['weights']).stem}.json` "
        "holds the architecture's arguments.",
    ]
    return "\n".join(lines) + "\n"


def stage(checkpoint: Path, folder: Path) -> list[Path]:
    """Copy weights + card into `folder` and write README.md; the checkpoint is verified first."""
    load_checkpoint(checkpoint)  # refuses a corrupt or tampered file before anything is published
    card = read_card(checkpoint)
    folder.mkdir(parents=True, exist_ok=True)
    out = [Path(shutil.copy2(checkpoint, folder)), Path(shutil.copy2(checkpoint.with_suffix(".json"), folder))]
    readme = folder / "README.md"
    readme.write_text(model_card(card))
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
        for f in stage(args.checkpoint, args.stage_only):
            print(f)
        return
    if not args.repo:
        p.error("--repo is required unless --stage-only is given")
    import tempfile

    from huggingface_hub import HfApi

    with tempfile.TemporaryDirectory() as tmp:
        stage(args.checkpoint, Path(tmp))
        api = HfApi()
        api.create_repo(args.repo, private=args.private, exist_ok=True)
        info = api.upload_folder(repo_id=args.repo, folder_path=tmp, commit_message=f"Upload {args.checkpoint.name}")
    print(f"Published {args.checkpoint.name} to https://huggingface.co/{args.repo} ({info})")


if __name__ == "__main__":
    main()
