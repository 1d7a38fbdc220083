"""Checkpoints: safetensors weights plus a JSON card that holds everything needed to rebuild the model.

`checkpoints/<task>/<name>.safetensors` + `checkpoints/<task>/<name>.json`. The card records the
architecture and its arguments, the data, the exact training command, steps, wall time, hardware,
measured metrics and the sha256 of the weights file. Loading verifies the sha256 and never unpickles.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from core.registry import UnknownArchitecture, build_model, registered

#: Shipped checkpoints; `PAPER_TO_DEMO_CHECKPOINTS` points the whole suite at another folder of the same layout.
CHECKPOINT_DIR = Path(os.environ.get("PAPER_TO_DEMO_CHECKPOINTS", Path(__file__).resolve().parent.parent / "checkpoints"))
FORMAT = "paper-to-demo/1"
#: A card's `training.init` for a model trained from its paper's initialisation (any other value names the
#: checkpoint it started from: the card panel shows it as "Started from").
PAPER_INIT = "paper initialisation"

REPO_ROOT = Path(__file__).resolve().parent.parent


class CheckpointError(RuntimeError):
    """A checkpoint is missing, corrupt, tampered with, or not the kind that was asked for."""


def display_path(path: Path) -> str:
    """How messages name a file: relative to the repository (or the checkpoint folder), never by the server's
    absolute path; a file elsewhere by its name alone."""
    path = Path(path).resolve()
    for root, prefix in ((REPO_ROOT, ""), (CHECKPOINT_DIR.resolve(), "checkpoints/")):
        if path.is_relative_to(root):
            return prefix + path.relative_to(root).as_posix()
    return path.name


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read the process's umask (setting it back at once)


def _temp_beside(path: Path) -> tuple[int, str]:
    """A temporary file in `path`'s folder (created if needed), for `_replace` to move onto `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")


def _replace(tmp: str, path: Path) -> None:
    """Move the finished `tmp` onto `path` atomically, with the permissions a plain `open(path, "w")` would give
    (mkstemp's, and those of the file safetensors writes, are owner-only: checkpoints unreadable to others)."""
    os.chmod(tmp, 0o666 & ~_UMASK)
    os.replace(tmp, path)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either the old file or the new one, never half."""
    path = Path(path)
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_save_tensors(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str] | None = None) -> None:
    """safetensors `save_file`, but through a temporary file and an atomic rename."""
    path = Path(path)
    fd, tmp = _temp_beside(path)
    os.close(fd)
    try:
        save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, tmp, metadata=metadata)
        _replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def card_path(weights: Path) -> Path:
    return Path(weights).with_suffix(".json")


def save_checkpoint(model: torch.nn.Module, path: Path, card: dict[str, Any]) -> dict[str, Any]:
    """Save weights (safetensors) and card (JSON, sha256 filled in). `card` must hold `arch` and `config`.

    The weights go first, the card last, each atomically; returns the card as written.
    """
    path = Path(path)
    if path.suffix != ".safetensors":
        raise ValueError(f"Checkpoint weights must end in .safetensors, got '{path.name}'.")
    for key in ("task", "arch", "config"):
        if key not in card:
            raise ValueError(f"A checkpoint card needs '{key}'.")
    atomic_save_tensors(model.state_dict(), path)
    card = {"format": FORMAT, **card, "weights": path.name, "sha256": sha256_file(path)}
    atomic_write_bytes(card_path(path), (json.dumps(card, indent=2) + "\n").encode())
    return card


def read_card(path: Path) -> dict[str, Any]:
    """The JSON card beside `path` (a .safetensors or .json path)."""
    cpath = card_path(Path(path))
    if not cpath.is_file():
        raise CheckpointError(f"Checkpoint card '{display_path(cpath)}' is missing.")
    try:
        card = json.loads(cpath.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(f"Checkpoint card '{display_path(cpath)}' is not valid JSON: {e}.") from e
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise CheckpointError(f"'{display_path(cpath)}' is not a {FORMAT} checkpoint card.")
    return card


def write_card(path: Path, card: dict[str, Any]) -> None:
    """Rewrite the card beside `path` (e.g. to add metrics), keeping the weights' sha256 in step."""
    card = {**card, "sha256": sha256_file(Path(path).with_suffix(".safetensors"))}
    atomic_write_bytes(card_path(Path(path)), (json.dumps(card, indent=2) + "\n").encode())


def verify(path: Path, task: str | None = None) -> dict[str, Any]:
    """The card of the checkpoint at `path` once its weights match the card's sha256 (and its task is `task`).

    Raises `CheckpointError` naming the file if the weights or card are missing, the card is damaged, the task
    differs, or the sha256 does not match. The hash is computed once per version of the file (its size and
    modification time): asking again costs a `stat`.
    """
    path = Path(path).with_suffix(".safetensors")
    if not path.is_file():
        raise CheckpointError(f"Checkpoint weights '{display_path(path)}' are missing.")
    card = read_card(path)
    if task is not None and card.get("task") != task:
        raise CheckpointError(f"'{path.name}' is a '{card.get('task')}' checkpoint, not a '{task}' one.")
    st = path.stat()
    digest = _sha256_of_version(path.resolve(), st.st_size, st.st_mtime_ns)
    if digest != card.get("sha256"):
        raise CheckpointError(
            f"Checkpoint '{display_path(path)}' does not match its card (sha256 {digest[:12]}… != "
            f"{str(card.get('sha256'))[:12]}…): the file is corrupt or was modified."
        )
    return card


@functools.lru_cache(maxsize=256)
def _sha256_of_version(path: Path, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def load_checkpoint(path: Path, task: str | None = None) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Rebuild the model a checkpoint describes, in eval mode on the CPU: `(model, card)`.

    Raises `CheckpointError` (naming the file) for everything `verify` checks, if the file is not safetensors
    (pickles are refused, never opened), or if its architecture is not registered (import the module that
    defines it first: each task's inference module does).
    """
    path = Path(path).with_suffix(".safetensors")
    card = verify(path, task)
    try:
        state = load_file(path)
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"Checkpoint '{display_path(path)}' is not a valid safetensors file: {e}.") from e
    if card["arch"] not in registered():
        _import_models_of(card.get("task"))
    try:
        model = build_model(card["arch"], **card["config"])
    except UnknownArchitecture as e:
        raise CheckpointError(f"Checkpoint '{display_path(path)}': {e}") from e
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise CheckpointError(f"Checkpoint '{display_path(path)}' does not fit architecture '{card['arch']}': {e}") from e
    return model.eval(), card


def _import_models_of(task: str | None) -> None:
    """Import the model module of `task` by the layout's convention (`core/<task>/models.py` or `model.py`), so
    that a bare `load_checkpoint` builds any shipped architecture. (Discovery by name,
    as `core.tasks.tasks()` finds the tasks: the registry imports no model.)"""
    if not (task and str(task).isidentifier() and importlib.util.find_spec(f"core.{task}")):
        return
    for name in (f"core.{task}.models", f"core.{task}.model"):
        if importlib.util.find_spec(name):
            importlib.import_module(name)
            return


def shipped(task: str, name: str) -> Path:
    """Path of a shipped checkpoint: `checkpoints/<task>/<name>.safetensors`."""
    return CHECKPOINT_DIR / task / f"{name}.safetensors"


def list_shipped(task: str) -> list[str]:
    """Names of the shipped checkpoints of `task` (those with a card), sorted."""
    folder = CHECKPOINT_DIR / task
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def hub_download(repo_id: str, name: str, cache_dir: Path | None = None, revision: str | None = None) -> Path:
    """Fetch `<name>.safetensors` and its card from a Hugging Face Hub model repo (or the local HF cache).

    Raises `CheckpointError` with a clear message when offline (`HF_HUB_OFFLINE=1`, no network) or missing.
    """
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError, LocalEntryNotFoundError

    try:
        weights = hf_hub_download(repo_id, f"{name}.safetensors", cache_dir=cache_dir, revision=revision)
        hf_hub_download(repo_id, f"{name}.json", cache_dir=cache_dir, revision=revision)
    except (HfHubHTTPError, LocalEntryNotFoundError, HFValidationError, OSError, ValueError) as e:
        raise CheckpointError(
            f"Could not get '{name}' from the Hugging Face Hub repo '{repo_id}' ({type(e).__name__}). "
            "Check the repo id and your network (HF_HUB_OFFLINE=1 forbids downloads); the shipped models still work."
        ) from e
    return Path(weights)


def resolve(spec: str | os.PathLike, default_name: str) -> Path:
    """A checkpoint given as a local `.safetensors` path or a Hub id `owner/repo` or `owner/repo/name`."""
    text = str(spec)
    if text.endswith(".safetensors") or Path(text).is_file():
        return Path(text)
    parts = text.split("/")
    if len(parts) in (2, 3) and all(parts):
        return hub_download("/".join(parts[:2]), parts[2] if len(parts) == 3 else default_name)
    raise CheckpointError(f"'{text}' is neither a shipped model, a .safetensors file, nor a Hub id 'owner/repo[/name]'.")
