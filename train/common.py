"""What every `python -m train.<task>` CLI shares: the run flags, the recorded command lines, continuing a run,
the card's training block, and card updates."""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core import checkpoints
from core.tasks import Variant
from core.training import TrainLoop, hardware_description

RUN_FILE = "run.json"  # beside the state in a run folder: the command that started the run and each continuation
SITTING_FLAGS = ("--stop-at-step", "--stop-after-minutes")  # apply to one sitting, not to the run: never recorded


def command_line(module: str, argv: list[str]) -> str:
    """The exact command, as recorded in checkpoint cards: `python -m train.sr fit --scale 2 ...`."""
    return f"python -m {module} " + " ".join(shlex.quote(a) for a in argv)


def fit_command(sub: argparse._SubParsersAction, fit: argparse.ArgumentParser, module: str,
                func: Callable[[argparse.Namespace], None], save_every: int = 500, resizable: bool = False,
                changeable: dict[str, str] | None = None) -> None:
    """Finish a trainer's `fit` parser with the run flags, and add `continue` beside it (with `--steps` when the
    trainer can change a run's length from its current step: `resizable`; with each flag of `changeable`, {flag:
    help}, that a run may change from its current step on: `record_run(..., changeable=...)` records it)."""
    add_run_flags(fit, save_every)
    fit.set_defaults(func=func)
    add_continue_command(sub, module, resizable, changeable or {})


def evaluate_command(sub: argparse._SubParsersAction, help: str,
                     func: Callable[[argparse.Namespace], None]) -> argparse.ArgumentParser:
    """`evaluate CHECKPOINT [--write-card]`; the trainer adds its own options to the returned parser."""
    e = sub.add_parser("evaluate", help=help)
    e.add_argument("checkpoint", type=Path, help="a .safetensors checkpoint (its card lies beside it)")
    e.add_argument("--write-card", action="store_true", help="store the results in the checkpoint card")
    e.set_defaults(func=func)
    return e


def model_card(task: str, out: Path, variant: Variant, model: Any, title: str | None = None,
               **rest: Any) -> dict[str, Any]:
    """The head of every checkpoint card (its variant, and what rebuilds the model: the arguments it recorded when
    it was built), followed by `rest`."""
    return {"task": task, "name": Path(out).stem, "variant": variant.name, "arch": variant.architecture,
            "title": title or variant.title, "config": model.init_config,
            "parameters": sum(p.numel() for p in model.parameters()), **rest}


def add_run_flags(p: argparse.ArgumentParser, save_every: int = 500) -> None:
    """The flags of every `fit`: where the run lives, its seed, and where and how fast it runs."""
    p.add_argument("--run-dir", type=Path, required=True,
                   help="the run's folder: resumable state, log.csv, run.json; the same command continues it")
    p.add_argument("--seed", type=int, default=0, help="seeds initialisation, data order and augmentation")
    p.add_argument("--save-every", type=int, default=save_every, help="save the state every N steps")
    p.add_argument("--save-seconds", type=float, default=180.0,
                   help="also save when this many seconds passed since the last save (a stop loses at most this)")
    p.add_argument("--device", help="cpu, cuda, cuda:1 (default: CUDA when available); a state continues on any")
    p.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_sitting_flags(p)


def add_data_flags(p: argparse.ArgumentParser) -> None:
    """Where Fashion-MNIST is read from (the classifier and GAN trainers)."""
    p.add_argument("--data", type=Path, help="root holding FashionMNIST/raw (default ~/.cache/paper-to-demo/data)")
    p.add_argument("--download", action="store_true", help="let torchvision download the data (needs internet)")


def add_sitting_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stop-after-minutes", type=float,
                   help="end this sitting after this long, saved (e.g. before a session ends); continue later")
    p.add_argument("--stop-at-step", type=int, help="end this sitting at this step, saved; continue later")


def loop_limits(args: argparse.Namespace) -> dict[str, Any]:
    """The LoopConfig fields that the run flags set."""
    minutes = getattr(args, "stop_after_minutes", None)
    return {"run_dir": args.run_dir, "seed": args.seed, "save_every": args.save_every,
            "save_seconds": args.save_seconds, "device": args.device, "progress": not args.quiet,
            "stop_at_step": getattr(args, "stop_at_step", None), "stop_after_s": minutes * 60 if minutes else None}


def add_continue_command(sub: argparse._SubParsersAction, module: str, resizable: bool = False,
                         changeable: dict[str, str] | None = None) -> None:
    """`continue RUN_DIR`: run the command recorded in RUN_DIR/run.json again, from the run's saved state.

    A run folder copied elsewhere continues as a run of its own (a branch: e.g. the same GAN with its learning
    rates decayed from here on, beside the original); `--out` must then be given when the original's final
    checkpoint lies outside its folder, so that the branch never overwrites it."""
    c = sub.add_parser("continue", help="continue a run from its latest state with the command that started it")
    c.add_argument("run_dir", type=Path, help="a run folder (holds run.json and state.safetensors)")
    if resizable:
        c.add_argument("--steps", type=int, help="change the run's total steps from now on (kept for later "
                       "continuations): the learning-rate schedule goes on from its current value to its end at "
                       "the new length; run.json and the card record the change")
    for flag, help in (changeable or {}).items():
        c.add_argument(flag, help=f"{help}; from the run's current step on (kept for later continuations; run.json "
                                  "and the card record the change)")
    c.set_defaults(changeable=tuple(changeable or {}))
    c.add_argument("--device", help="override the recorded device (e.g. cuda to continue a CPU run on a GPU)")
    c.add_argument("--threads", type=int, help="override the recorded CPU thread count")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.add_argument("--out", type=Path, help="change where the final checkpoint goes (kept for later continuations)")
    add_sitting_flags(c)
    c.set_defaults(func=lambda args: continue_run(args, module))


def continue_run(args: argparse.Namespace, module: str) -> None:
    path = Path(args.run_dir) / RUN_FILE
    if not path.is_file():
        raise SystemExit(f"{path} is missing: '{args.run_dir}' is not a run folder started by 'python -m {module} fit'.")
    argv = list(json.loads(path.read_text())["argv"])
    if getattr(args, "steps", None) is not None:  # the run's new length: `record_run` checks and records it
        argv = set_flag(argv, "--steps", str(args.steps))
    for flag in args.changeable:  # a setting changed from here on: `record_run` records it
        if (value := getattr(args, flag.lstrip("-").replace("-", "_"))) is not None:
            argv = set_flag(argv, flag, value)
    refuse_overwriting_the_original(argv, Path(args.run_dir), args.out)
    # The run is where it lies now (a folder may be moved, e.g. from a scratch place into the repository).
    argv = set_flag(argv, "--run-dir", str(args.run_dir))
    if args.out is not None:
        argv = set_flag(argv, "--out", str(args.out))
    overrides = {"--device": args.device, "--threads": args.threads, "--stop-after-minutes": args.stop_after_minutes,
                 "--stop-at-step": args.stop_at_step}
    for flag, value in overrides.items():
        if value is not None:  # replaces the recorded value, so that the command noted for this sitting is exact
            argv = set_flag(argv, flag, str(value))
    if args.quiet and "--quiet" not in argv:
        argv.append("--quiet")
    importlib.import_module(module).main(argv)


def refuse_overwriting_the_original(argv: list[str], run_dir: Path, out: Path | None) -> None:
    """A copy of a run folder (its recorded folder still there) must not write its final checkpoint where the
    original's goes when that lies outside the original's folder (e.g. a shipped checkpoint): it needs `--out`."""
    recorded, recorded_out = flag_value(argv, "--run-dir"), flag_value(argv, "--out")
    if out is not None or recorded is None or recorded_out is None:
        return
    original = Path(recorded)
    if not original.is_dir() or original.resolve() == run_dir.resolve():
        return  # the run itself, or a run that was moved: its checkpoint goes where it always would
    if not Path(recorded_out).resolve().is_relative_to(original.resolve()):
        raise SystemExit(f"{run_dir} is a copy of the run {original}, whose final checkpoint goes to {recorded_out}: "
                         f"give --out (e.g. --out {run_dir / 'model.safetensors'}) so that this run does not "
                         "overwrite it.")


def _flag_at(argv: list[str], flag: str) -> tuple[int, bool] | None:
    """(index, whether the value is inline as `flag=value`) of `flag` in `argv`, or None."""
    for i, a in enumerate(argv):
        if a == flag and i + 1 < len(argv):
            return i, False
        if a.startswith(flag + "="):
            return i, True
    return None


def set_flag(argv: list[str], flag: str, value: str) -> list[str]:
    """`argv` with `flag` given `value` (replaced where it was given, else appended)."""
    out = list(argv)
    if (at := _flag_at(out, flag)) is None:
        return out + [flag, value]
    i, inline = at
    if inline:
        out[i] = f"{flag}={value}"
    else:
        out[i + 1] = value
    return out


def flag_value(argv: list[str], flag: str) -> str | None:
    if (at := _flag_at(argv, flag)) is None:
        return None
    i, inline = at
    return argv[i].split("=", 1)[1] if inline else argv[i + 1]


def length_changes(run_dir: Path) -> list[dict[str, int]]:
    path = Path(run_dir) / RUN_FILE
    return json.loads(path.read_text()).get("length_changes", []) if path.is_file() else []


def without_sitting_flags(argv: list[str]) -> list[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in SITTING_FLAGS:
            skip = True
        elif not a.startswith(tuple(f + "=" for f in SITTING_FLAGS)):
            out.append(a)
    return out


def record_run(run_dir: Path, module: str, argv: list[str], step: int, resizable: bool = False,
               fresh_optimizers: bool = False, changeable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Note this invocation in RUN_DIR/run.json (the first one is the command `continue` repeats); returns the
    list of invocations, each with the step it started from. A `resizable` run resumed with another `--steps`
    takes it as its new length (kept in the recorded command, noted in `length_changes`); a resumed run with
    another value of a `changeable` flag takes it from this step on (noted in `setting_changes`).
    `fresh_optimizers`: this invocation resumed from the weights only (TrainLoop.fresh_optimizers), noted with it."""
    path = Path(run_dir) / RUN_FILE
    run = json.loads(path.read_text()) if path.is_file() else {"argv": without_sitting_flags(argv), "invocations": []}
    for flag in changeable:
        before, after = flag_value(run["argv"], flag), flag_value(argv, flag)
        if step > 0 and after is not None and after != before:
            run["argv"] = set_flag(run["argv"], flag, after)
            run.setdefault("setting_changes", []).append({"at_step": step, "flag": flag, "before": before,
                                                          "after": after})
    before, after = flag_value(run["argv"], "--steps"), flag_value(argv, "--steps")
    if resizable and step > 0 and after is not None and after != before:
        if int(after) <= step:
            raise SystemExit(f"--steps {after}: the run is at step {step} already; give a larger number.")
        run["argv"] = set_flag(run["argv"], "--steps", after)
        run.setdefault("length_changes", []).append(
            {"at_step": step, "steps_before": int(before or 0), "steps": int(after)})
    for flag in ("--run-dir", "--out"):  # a moved run, a new destination: what later continuations use
        if (value := flag_value(argv, flag)) is not None and value != flag_value(run["argv"], flag):
            run["argv"] = set_flag(run["argv"], flag, value)
    run["invocations"].append({"command": command_line(module, argv), "from_step": step,
                               **({"fresh_optimizers": True} if fresh_optimizers else {})})
    checkpoints.atomic_write_bytes(path, (json.dumps(run, indent=2) + "\n").encode())
    return run["invocations"]


def training_block(loop: TrainLoop, module: str, argv: list[str], batch: int, **extra: Any) -> dict[str, Any]:
    """The card's `training` entry: command(s), steps, batch, time, CPU-hours, hardware, plus `extra`."""
    path = Path(loop.run_dir) / RUN_FILE
    run = json.loads(path.read_text()) if path.is_file() else {}
    invocations = run.get("invocations", [])
    commands = [i["command"] for i in invocations]
    restarts = [i["from_step"] for i in invocations if i.get("fresh_optimizers")]
    return {
        "command": commands[0] if commands else command_line(module, argv),
        **({"continued_with": commands[1:]} if len(commands) > 1 else {}),
        **({"optimizers_restarted_at": restarts,
            "optimizers_restarted": "continued from the committed weights without the optimizer state "
                                    "(not kept on this machine): fresh optimizers at these steps"} if restarts else {}),
        **({"setting_changes": run["setting_changes"]} if run.get("setting_changes") else {}),
        "steps": loop.step,
        "batch": batch * loop.world_size,
        **extra,
        "wall_time_s": round(loop.wall_time, 1),
        "cpu_hours": round(loop.cpu_time / 3600, 3),
        "hardware": hardware_description(loop.device) + (f" x{loop.world_size} processes" if loop.distributed else ""),
    }


def finish(loop: TrainLoop, module: str, export: Callable[[], Any]) -> None:
    """After `loop.run`: export the model when the run has trained all its steps, else say how to go on."""
    if loop.is_main and loop.finished:
        export()
    elif loop.is_main:
        print(f"Stopped at step {loop.step} of {loop.cfg.steps}, saved; go on with: "
              f"python -m {module} continue {loop.run_dir}")
    loop.close()


def run(parser: argparse.ArgumentParser, argv: list[str] | None) -> None:
    """Parse `argv` (default: sys.argv), keep it on `args.argv` for the cards, and call the sub-command."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.argv = argv
    args.func(args)


def record_metrics(checkpoint: Path, card: dict, metrics: dict, command: str) -> None:
    """Merge `metrics` into the card beside `checkpoint`, noting the evaluation command (an earlier, different
    command moves to `evaluation.earlier_commands`: metrics it alone measured, e.g. an Inception FID, stay)."""
    card["metrics"] = {**card.get("metrics", {}), **metrics}
    evaluation = card.setdefault("evaluation", {})
    earlier = evaluation.get("command")
    if earlier and earlier != command and earlier not in evaluation.get("earlier_commands", []):
        evaluation.setdefault("earlier_commands", []).append(earlier)
    evaluation["command"] = command
    checkpoints.write_card(checkpoint, card)
