"""A missing or corrupt checkpoint disables that model with a visible message; everything else keeps working."""

import pytest

import core.checkpoints as ck
from core.fashion.task import TASK as FASHION
from core.gan.task import TASK as GAN
from core.sr.task import TASK as SR


@pytest.fixture()
def broken_dir(checkpoint_copy):
    """A copy of the shipped checkpoints in which the default classifier, the default generator and the x4
    FSRCNN are damaged."""
    root, bad_fashion, bad_gan = checkpoint_copy, FASHION.default(), GAN.default()
    fashion, gan = root / "fashion" / f"{bad_fashion}.safetensors", root / "gan" / f"{bad_gan}.json"
    x4 = root / "sr" / "fsrcnn_x4.safetensors"
    assert bad_fashion and bad_gan, "the shipped checkpoints have a default classifier and generator"
    for shipped in (fashion, fashion.with_suffix(".json"), gan, gan.with_suffix(".safetensors"), x4, x4.with_suffix(".json")):
        assert shipped.is_file(), f"{shipped.relative_to(root)} is not shipped: the case to damage must exist"
    fashion.write_bytes(fashion.read_bytes()[:100])  # truncated weights
    gan.write_text("{ not json")  # corrupt card
    x4.write_bytes(x4.read_bytes()[:-64])  # truncated weights, card intact
    return root, bad_fashion, bad_gan


def test_the_suite_builds_and_reports_the_broken_models(broken_dir, photo):
    root, bad_fashion, bad_gan = broken_dir
    from demos.gradio_app import build_demo

    build_demo()  # does not raise
    assert FASHION.label(bad_fashion).endswith("(unavailable)")
    with pytest.raises(ck.CheckpointError, match=bad_fashion):
        FASHION.load(bad_fashion)
    others = [a for a in FASHION.names() if a != bad_fashion]
    assert others and FASHION.default() != bad_fashion
    assert sum(FASHION.load(others[0]).predict(photo).values()) == pytest.approx(1.0)
    assert GAN.label(bad_gan).endswith("(unavailable)") and GAN.default() != bad_gan
    note = SR.measured("fsrcnn_x4")  # shown under the Upscale model picker in both apps
    # The note names the file as it lies in the checkpoint folder, never by the server's absolute path.
    assert note.startswith("Unavailable") and "'checkpoints/sr/fsrcnn_x4.safetensors'" in note
    assert str(root) not in note
    assert SR.default(scale=4) == "fsrcnn-s_x4"
    assert "dB" in SR.measured("fsrcnn_x2")
    assert SR.load("fsrcnn_x2")(photo.crop((0, 0, 20, 20))).size == (40, 40)


def test_a_variant_missing_at_one_scale_leaves_that_picker_and_says_which_file(checkpoint_copy):
    """Every variant ships at every scale; a user's folder without one (here FSRCNN-s x4) must not offer it."""
    doomed = sorted((checkpoint_copy / "sr").glob("fsrcnn-s_x4.*"))
    assert [f.name for f in doomed] == ["fsrcnn-s_x4.json", "fsrcnn-s_x4.safetensors"]
    assert "fsrcnn-s_x4" in SR.names(scale=4)
    for f in doomed:
        f.unlink()
    assert "fsrcnn-s_x4" not in SR.names(scale=4) and "fsrcnn-s_x3" in SR.names(scale=3)
    assert [name for _, name in SR.choices(scale=4)] == ["fsrcnn_x4"]
    assert SR.counterpart("fsrcnn-s_x3", scale=4) == "fsrcnn_x4"
    with pytest.raises(ValueError, match="Unknown upscaler 'fsrcnn-s_x4'"):
        SR.load("fsrcnn-s_x4")
