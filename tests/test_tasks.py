"""The task contract (core.tasks): every task is served by both apps from one definition."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from core import checkpoints
from core.tasks import Task, about, suite_intro, task, tasks

ROOT = Path(__file__).resolve().parent.parent


def test_every_task_has_a_gradio_tab_a_streamlit_page_and_shipped_cards():
    keys = [t.key for t in tasks()]
    assert keys == ["sr", "fashion", "gan"] and len(set(keys)) == len(keys)
    for t in tasks():
        assert isinstance(t, Task) and task(t.key) is t
        assert (ROOT / "demos" / "tabs" / f"{t.key}.py").is_file(), t.key
        assert (ROOT / "demos" / "st_pages" / f"{t.key}.py").is_file(), t.key
        shipped = t.available()
        assert shipped and set(shipped) <= set(t.variants), (t.key, shipped)
        assert t.default() in shipped
        for name in shipped:  # each shipped variant loads, and its card names the registered architecture
            card = t.card(name)
            assert card["task"] == t.key and card["arch"] == t.variants[name].architecture
        assert t.papers() and all(p.url.startswith("https://") for p in t.papers())
        assert t.tab in suite_intro() and all(p.citation in about() for p in t.papers())
    with pytest.raises(KeyError, match="No task 'ocr'"):
        task("ocr")


def _string_constants(path: Path) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_the_apps_hold_no_model_names():
    names = {n for t in tasks() for n in t.variants} | {v.architecture for t in tasks() for v in t.variants.values()}
    for path in sorted((ROOT / "demos").rglob("*.py")):
        found = _string_constants(path) & names
        assert not found, f"{path.relative_to(ROOT)} names {sorted(found)}: policy belongs in core"


def test_the_upscale_picker_offers_only_what_is_shipped_at_a_scale():
    sr = task("sr")
    for scale in (2, 3, 4):
        names = [n for _, n in sr.choices(scale)]
        assert names == [v for v, s in sr.pairs() if s == scale]
        for n in names:
            assert sr.load(n, scale).scale == scale
    assert sr.parse_scale("x3") == 3 == sr.parse_scale(3)
    with pytest.raises(ValueError, match="x2, x3, x4"):
        sr.parse_scale("x5")


def test_labels_carry_the_measured_metrics_of_the_cards():
    fashion, gan = task("fashion"), task("gan")
    for name in fashion.available():
        acc = fashion.card(name)["metrics"]["test_accuracy"]
        assert fashion.label(name) == f"{fashion.variants[name].title} · {acc * 100:.1f} %"
    for name in gan.available():
        m = gan.card(name)["metrics"]
        assert f"FID {m['fid_classifier']:.2f}" in gan.label(name)
    assert gan.class_index("Sneaker") == 7 and gan.class_index("All classes") is None
    with pytest.raises(ValueError, match="Unknown class 'Hat'"):
        gan.class_index("Hat")


def test_errors_name_checkpoints_relative_to_the_repository(tmp_path):
    missing = checkpoints.CHECKPOINT_DIR / "sr" / "nope_x2.safetensors"
    with pytest.raises(checkpoints.CheckpointError) as e:
        checkpoints.load_checkpoint(missing)
    assert "'checkpoints/sr/nope_x2.safetensors'" in str(e.value) and str(ROOT) not in str(e.value)
    with pytest.raises(checkpoints.CheckpointError, match="'elsewhere.safetensors' are missing"):
        checkpoints.load_checkpoint(tmp_path / "elsewhere.safetensors")


def test_dcgan_starts_from_the_papers_initialisation():
    from core.gan.models import DCGANDiscriminator, DCGANGenerator

    torch.manual_seed(0)
    for net in (DCGANGenerator(100, 32), DCGANDiscriminator(32)):
        for m in net.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)):
                assert m.weight.std().item() == pytest.approx(0.02, rel=0.15), m
            if isinstance(m, torch.nn.BatchNorm2d):
                assert m.weight.mean().item() == pytest.approx(1.0, abs=0.02)
