"""What every `python -m train.<task>` CLI shares: its recorded command line, dispatch, and card updates."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from core import checkpoints


def command_line(module: str, argv: list[str]) -> str:
    """The exact command, as recorded in checkpoint cards: `python -m train.sr fit --scale 2 ...`."""
    return f"python -m {module} " + " ".join(shlex.quote(a) for a in argv)


def run(parser: argparse.ArgumentParser, argv: list[str] | None) -> None:
    """Parse `argv` (default: sys.argv), keep it on `args.argv` for the cards, and call the sub-command."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.argv = argv
    args.func(args)


def record_metrics(checkpoint: Path, card: dict, metrics: dict, command: str) -> None:
    """Merge `metrics` into the card beside `checkpoint`, noting the evaluation command."""
    card["metrics"] = {**card.get("metrics", {}), **metrics}
    card.setdefault("evaluation", {})["command"] = command
    checkpoints.write_card(checkpoint, card)
