import json
import pickle

import pytest
import torch

from core.checkpoints import CheckpointError, load_checkpoint, read_card, save_checkpoint
from core.sr.model import FSRCNN

CARD = {"task": "sr", "name": "t", "arch": "fsrcnn", "config": {"scale": 3, "d": 8, "s": 4, "m": 1}}


def test_round_trip_rebuilds_the_same_model(tmp_path):
    model = FSRCNN(3, 8, 4, 1)
    card = save_checkpoint(model, tmp_path / "t.safetensors", CARD)
    assert len(card["sha256"]) == 64 and read_card(tmp_path / "t.safetensors")["sha256"] == card["sha256"]
    loaded, card2 = load_checkpoint(tmp_path / "t.safetensors", task="sr")
    x = torch.rand(1, 1, 10, 12)
    assert torch.equal(loaded(x), model.eval()(x))
    assert card2["config"] == CARD["config"] and not loaded.training


def test_tampered_weights_are_detected(tmp_path):
    path = tmp_path / "t.safetensors"
    save_checkpoint(FSRCNN(3, 8, 4, 1), path, CARD)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="does not match its card"):
        load_checkpoint(path)


def test_pickle_is_refused_without_being_unpickled(tmp_path):
    path = tmp_path / "evil.safetensors"
    save_checkpoint(FSRCNN(3, 8, 4, 1), path, CARD)

    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled!')",))

    path.write_bytes(pickle.dumps(Boom()))
    card = json.loads(path.with_suffix(".json").read_text())
    from core.checkpoints import sha256_file, write_card

    write_card(path, card)  # even with a matching sha256, the file is not safetensors
    assert read_card(path)["sha256"] == sha256_file(path)
    with pytest.raises(CheckpointError, match="not a valid safetensors"):
        load_checkpoint(path)


def test_missing_wrong_task_and_wrong_shape(tmp_path):
    with pytest.raises(CheckpointError, match="missing"):
        load_checkpoint(tmp_path / "nothing.safetensors")
    path = tmp_path / "t.safetensors"
    save_checkpoint(FSRCNN(3, 8, 4, 1), path, CARD)
    with pytest.raises(CheckpointError, match="not a 'gan'"):
        load_checkpoint(path, task="gan")
    card = json.loads(path.with_suffix(".json").read_text())
    card["config"]["d"] = 16
    path.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match="does not fit"):
        load_checkpoint(path)


def test_a_crash_mid_save_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "t.safetensors"
    save_checkpoint(FSRCNN(3, 8, 4, 1), path, CARD)
    before = path.read_bytes()
    import core.checkpoints as ck

    def crash(tensors, filename, metadata=None):  # write half a file, then die
        with open(filename, "wb") as f:
            f.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(ck, "save_file", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(FSRCNN(3, 8, 4, 1), path, CARD)
    assert path.read_bytes() == before
    assert load_checkpoint(path)[1]["sha256"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_bare_load_checkpoint_finds_the_architecture_by_itself(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "t.safetensors"
    save_checkpoint(FSRCNN(3, 8, 4, 1), path, CARD)
    code = f"from core.checkpoints import load_checkpoint; print(type(load_checkpoint({str(path)!r})[0]).__name__)"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "FSRCNN", out.stderr[-1000:]


def test_every_model_records_the_arguments_it_was_built_with_and_cards_use_them():
    from core.checkpoints import list_shipped, load_checkpoint, shipped
    from core.registry import build_model, registered
    from core.tasks import tasks

    tasks()  # every task's models are imported, and so registered
    for arch, ctor in registered().items():
        model = ctor()
        config = model.init_config  # every argument, defaults filled in, JSON-ready
        again = build_model(arch, **config)
        assert again.init_config == config and type(again) is ctor
        assert [p.shape for p in again.parameters()] == [p.shape for p in model.parameters()]
    for t in tasks():
        for name in list_shipped(t.key):
            model, card = load_checkpoint(shipped(t.key, name))
            assert card["config"].items() <= model.init_config.items(), name  # the card's arguments, as built


def test_saved_checkpoints_and_cards_get_the_permissions_of_a_plain_write(tmp_path):
    import os

    path = tmp_path / "t.safetensors"
    save_checkpoint(FSRCNN(3, 8, 4, 1), path, CARD)
    (tmp_path / "plain").write_text("x")
    expected = (tmp_path / "plain").stat().st_mode & 0o777
    for written in (path, path.with_suffix(".json")):
        assert written.stat().st_mode & 0o777 == expected, oct(written.stat().st_mode)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_a_later_evaluation_keeps_the_metrics_and_the_command_of_an_earlier_one(tmp_path):
    from train.common import record_metrics

    path = tmp_path / "t.safetensors"
    card = save_checkpoint(FSRCNN(3, 8, 4, 1), path, CARD)
    record_metrics(path, card, {"fid": 1.0, "fid_inception": 20.0}, "evaluate t --inception --write-card")
    card = read_card(path)
    record_metrics(path, card, {"fid": 0.5}, "evaluate t --write-card")
    card = read_card(path)
    assert card["metrics"] == {"fid": 0.5, "fid_inception": 20.0}
    assert card["evaluation"] == {"command": "evaluate t --write-card",
                                  "earlier_commands": ["evaluate t --inception --write-card"]}
    record_metrics(path, card, {"fid": 0.4}, "evaluate t --write-card")  # the same command again: no repeat
    assert read_card(path)["evaluation"]["earlier_commands"] == ["evaluate t --inception --write-card"]
    load_checkpoint(path)  # the card still matches its weights
