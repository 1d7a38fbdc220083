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
        shipped = t.entries()
        assert shipped and all(e.variant is not None for e in shipped), (t.key, [e.name for e in shipped])
        assert t.default() in t.names()
        for e in shipped:  # each shipped checkpoint loads, and its card names its variant's registered architecture
            card = t.load(e.name).card
            assert card["task"] == t.key and card["arch"] == e.variant.architecture
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
    from core.sr.model import parse_scale

    for scale in (2, 3, 4):
        names = [n for _, n in sr.choices(scale=scale)]
        assert names == [f"fsrcnn_x{scale}", f"fsrcnn-s_x{scale}"]
        for n in names:
            assert sr.load(n).scale == scale
        assert sr.default(scale=scale) == f"fsrcnn_x{scale}"
        assert sr.counterpart("fsrcnn-s_x2", scale=scale) == f"fsrcnn-s_x{scale}"
    assert parse_scale("x3") == 3 == parse_scale(3)
    with pytest.raises(ValueError, match="x2, x3, x4"):
        parse_scale("x5")


def test_labels_carry_the_measured_metrics_of_the_cards():
    fashion, gan = task("fashion"), task("gan")
    assert fashion.names() and gan.names()
    for name in fashion.names():
        acc = fashion.entry(name).card["metrics"]["test_accuracy"]
        assert fashion.label(name) == f"{fashion.variants[name].title} · {acc * 100:.1f} %"
    for name in gan.names():
        m = gan.entry(name).card["metrics"]
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


def test_the_apps_start_from_the_cards_alone_without_torchvision():
    """Labels, defaults, 'conditional' and the slider reach come from the cards: listing them loads no weights
    and imports no torchvision (a fresh process, as a server starts)."""
    import subprocess
    import sys

    code = ("import sys; from core.tasks import tasks, _opened; "
            "[(t.names(), [t.label(n) for n in t.names()], t.default(), t.choices()) for t in tasks()]; "
            "from core.gan.task import TASK as G; G.direction_reach(G.default()); G.conditional(G.default()); "
            "print('torchvision' in sys.modules, _opened.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.split() == ["False", "0"], out.stdout + out.stderr[-1000:]


def test_a_damaged_checkpoint_is_never_the_default(tmp_path, monkeypatch):
    """The default is the best-ranked checkpoint whose weights verify; the damaged one is labelled unavailable."""
    import shutil

    from core.tasks import clear_caches

    root = tmp_path / "checkpoints"
    shutil.copytree(checkpoints.CHECKPOINT_DIR / "fashion", root / "fashion")
    best = task("fashion").default()
    weights = root / "fashion" / f"{best}.safetensors"
    weights.write_bytes(weights.read_bytes()[:-64])
    monkeypatch.setattr(checkpoints, "CHECKPOINT_DIR", root)
    clear_caches()
    try:
        fashion = task("fashion")
        assert fashion.default() != best and fashion.default() in fashion.names()
        assert fashion.label(best).endswith("(unavailable)")
        with pytest.raises(checkpoints.CheckpointError, match=f"checkpoints/fashion/{best}.safetensors"):
            fashion.load(best)
    finally:
        clear_caches()


def test_dcgan_starts_from_the_papers_initialisation():
    from core.gan.models import DCGANDiscriminator, DCGANGenerator

    torch.manual_seed(0)
    for net in (DCGANGenerator(100, 32), DCGANDiscriminator(32)):
        for m in net.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)):
                assert m.weight.std().item() == pytest.approx(0.02, rel=0.15), m
            if isinstance(m, torch.nn.BatchNorm2d):
                assert m.weight.mean().item() == pytest.approx(1.0, abs=0.02)
