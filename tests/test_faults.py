"""A missing or corrupt checkpoint disables that model with a visible message; everything else keeps working."""

import shutil

import pytest

import core.checkpoints as ck
from core.fashion import predict
from core.fashion.task import TASK as FASHION
from core.gan import sample
from core.gan.task import TASK as GAN
from core.sr import upscale
from core.sr.task import TASK as SR


@pytest.fixture()
def broken_dir(tmp_path, monkeypatch):
    """A copy of the shipped checkpoints in which one classifier and one generator are damaged."""
    root = tmp_path / "checkpoints"
    shutil.copytree(ck.CHECKPOINT_DIR, root)
    fashion, gan = sorted((root / "fashion").glob("*.safetensors")), sorted((root / "gan").glob("*.safetensors"))
    if fashion:
        fashion[0].write_bytes(fashion[0].read_bytes()[:100])  # truncated weights
    if gan:
        gan[0].with_suffix(".json").write_text("{ not json")  # corrupt card
    x4 = root / "sr" / "fsrcnn_x4.safetensors"
    if x4.is_file():
        x4.write_bytes(x4.read_bytes()[:-64])  # truncated weights, card intact
    monkeypatch.setattr(ck, "CHECKPOINT_DIR", root)
    for cached in (predict._load, sample._load, upscale._load):
        cached.cache_clear()
    yield root, fashion[0].stem if fashion else None, gan[0].stem if gan else None
    for cached in (predict._load, sample._load, upscale._load):
        cached.cache_clear()


def test_the_suite_builds_and_reports_the_broken_models(broken_dir, photo):
    root, bad_fashion, bad_gan = broken_dir
    from demos.gradio_app import build_demo

    build_demo()  # does not raise
    if bad_fashion:
        assert FASHION.label(bad_fashion).endswith("(unavailable)")
        with pytest.raises(ck.CheckpointError, match=bad_fashion):
            predict.load_classifier(bad_fashion)
        others = [a for a in predict.available() if a != bad_fashion]
        if others:
            assert predict.best_arch() != bad_fashion
            assert sum(predict.load_classifier(others[0]).predict(photo).values()) == pytest.approx(1.0)
    if bad_gan:
        assert GAN.label(bad_gan).endswith("(unavailable)")
    if (root / "sr" / "fsrcnn_x4.json").is_file():
        note = SR.measured("fsrcnn", 4)  # shown under the Upscale model picker in both apps
        # The note names the file as it lies in the checkpoint folder, never by the server's absolute path.
        assert note.startswith("Unavailable") and "'checkpoints/sr/fsrcnn_x4.safetensors'" in note
        assert str(root) not in note
    working = [(a, s) for a, s in SR.pairs() if (a, s) != ("fsrcnn", 4)]
    if working:
        arch, scale = working[0]
        assert "dB" in SR.measured(arch, scale)
        assert upscale.load_upscaler(scale, arch)(photo.crop((0, 0, 20, 20))).size == (20 * scale, 20 * scale)


def test_a_variant_missing_at_one_scale_leaves_that_picker_and_says_which_file(tmp_path, monkeypatch):
    """Every variant ships at every scale; a user's folder without one (here FSRCNN-s x4) must not offer it."""
    root = tmp_path / "checkpoints"
    shutil.copytree(ck.CHECKPOINT_DIR, root)
    for f in (root / "sr").glob("fsrcnn-s_x4.*"):
        f.unlink()
    monkeypatch.setattr(ck, "CHECKPOINT_DIR", root)
    upscale._load.cache_clear()
    try:
        assert "fsrcnn-s" not in SR.available(4) and "fsrcnn-s" in SR.available(3)
        assert [name for _, name in SR.choices(4)] == ["fsrcnn"]
        with pytest.raises((ck.CheckpointError, ValueError), match="checkpoints/sr/fsrcnn-s_x4.safetensors"):
            upscale.load_upscaler(4, "fsrcnn-s")
    finally:
        upscale._load.cache_clear()
