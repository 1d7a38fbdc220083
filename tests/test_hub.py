"""Loading from a Hugging Face Hub repo id, against a local cache laid out as the Hub client writes it."""

import shutil

import pytest
import torch

from core.checkpoints import CheckpointError, hub_download, load_checkpoint, save_checkpoint
from core.sr.model import FSRCNN
from train import push

CARD = {"task": "sr", "name": "fsrcnn_x2", "arch": "fsrcnn", "title": "tiny", "config": {"scale": 2, "d": 8, "s": 4, "m": 1}}


def _fake_hub_cache(tmp_path, repo="someone/fsrcnn", name="fsrcnn_x2"):
    """The real huggingface_hub cache layout: models--owner--repo/{refs/main, snapshots/<commit>/files}."""
    src = tmp_path / "src"
    model = FSRCNN(2, 8, 4, 1)
    save_checkpoint(model, src / f"{name}.safetensors", CARD)
    commit = "0123456789abcdef0123456789abcdef01234567"
    root = tmp_path / "cache" / f"models--{repo.replace('/', '--')}"
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text(commit)
    snap = root / "snapshots" / commit
    snap.mkdir(parents=True)
    for f in src.iterdir():
        shutil.copy(f, snap / f.name)
    return tmp_path / "cache", model


def test_a_hub_checkpoint_loads_through_the_real_client_from_its_cache(tmp_path, monkeypatch):
    cache, model = _fake_hub_cache(tmp_path)
    path = hub_download("someone/fsrcnn", "fsrcnn_x2", cache_dir=cache)
    loaded, card = load_checkpoint(path, task="sr")  # sha256 verified like any checkpoint
    x = torch.rand(1, 1, 9, 9)
    assert torch.equal(loaded(x), model.eval()(x)) and card["title"] == "tiny"


def test_offline_hub_failure_is_clear_and_the_shipped_models_still_work(tmp_path):
    with pytest.raises(CheckpointError, match="Hugging Face Hub repo 'nobody/missing'.*shipped models still work"):
        hub_download("nobody/missing", "fsrcnn_x2", cache_dir=tmp_path)


def test_push_stages_weights_card_and_a_model_card(tmp_path):
    src = tmp_path / "ck" / "fsrcnn_x2.safetensors"
    save_checkpoint(FSRCNN(2, 8, 4, 1), src, {**CARD, "metrics": {"Set5": {"psnr": 30.1}},
                                              "training": {"command": "python -m train.sr fit ...", "steps": 5}})
    files = push.stage(src, tmp_path / "stage")
    assert sorted(f.name for f in files) == ["README.md", "fsrcnn_x2.json", "fsrcnn_x2.safetensors"]
    readme = (tmp_path / "stage" / "README.md").read_text()
    assert readme.startswith("---\nlibrary_name: pytorch") and '"psnr": 30.1' in readme and "train.sr fit" in readme
    src.write_bytes(src.read_bytes()[:-3] + b"xyz")  # tampered: refused before anything is published
    with pytest.raises(CheckpointError):
        push.stage(src, tmp_path / "stage2")


def test_load_upscaler_accepts_a_hub_repo_id(tmp_path, monkeypatch):
    import huggingface_hub.constants

    from core.sr.task import load_upscaler

    cache, _ = _fake_hub_cache(tmp_path, repo="someone/fsrcnn-hub")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    up = load_upscaler(2, "someone/fsrcnn-hub")  # name defaults to fsrcnn_x2
    from PIL import Image

    assert up.scale == 2 and up.card["title"] == "tiny" and up(Image.new("RGB", (10, 8), "gray")).size == (20, 16)
    from core.sr.task import TASK

    same = TASK.load("someone/fsrcnn-hub/fsrcnn_x2")  # the contract's loader takes `owner/repo/name` too
    assert same.card["sha256"] == up.card["sha256"] and same.card["title"] == "tiny"
