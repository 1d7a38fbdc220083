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
    names = ({n for t in tasks() for n in t.variants} | {v.architecture for t in tasks() for v in t.variants.values()}
             | {n for t in tasks() for n in t.names()})  # nor a shipped checkpoint's name ("fsrcnn_x2")
    assert {"fsrcnn_x2", "fsrcnn-s_x4", "resnet", "cgan"} <= names
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
    assert sr.scales() == [2, 3, 4]
    assert parse_scale("x3") == 3 == parse_scale(3)
    with pytest.raises(ValueError, match="x2, x3, x4"):
        parse_scale("x5")


def test_labels_carry_the_measured_metrics_of_the_cards():
    fashion, gan = task("fashion"), task("gan")
    assert fashion.names() and gan.names()
    for name in fashion.names():
        card = fashion.entry(name).card
        acc, photo = card["metrics"]["test_accuracy"], card["photos"]["photo_top1"]
        assert fashion.label(name) == f"{fashion.variants[name].title} · {acc * 100:.1f} % · photos {photo * 100:.1f} %"
    # The default classifier is the most accurate shipped one on real photos (what visitors upload).
    assert fashion.default() == max(fashion.names(), key=lambda n: fashion.entry(n).card["photos"]["photo_top1"])
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


def test_a_damaged_checkpoint_is_never_the_default(checkpoint_copy):
    """The default is the best-ranked checkpoint whose weights verify; the damaged one is labelled unavailable."""
    fashion = task("fashion")
    best = fashion.default()
    weights = checkpoint_copy / "fashion" / f"{best}.safetensors"
    assert weights.is_file(), weights
    weights.write_bytes(weights.read_bytes()[:-64])
    assert fashion.default() != best and fashion.default() in fashion.names()
    assert best in fashion.names() and fashion.label(best).endswith("(unavailable)")
    with pytest.raises(checkpoints.CheckpointError, match=f"checkpoints/fashion/{best}.safetensors"):
        fashion.load(best)


def test_listing_labels_and_defaults_loads_no_model():
    """Pickers are built from the cards: listing every task's names, labels, choices and default opens nothing."""
    from core.tasks import _opened, clear_caches

    clear_caches()
    assert _opened.cache_info().currsize == 0
    for t in tasks():
        assert t.names() and t.default() in t.names()
        assert [t.label(n) for n in t.names()] and t.choices()
        assert t.card_markdown(t.default())
    assert _opened.cache_info().currsize == 0
    gan = task("gan")
    assert gan.conditional("cgan") and not gan.conditional("gan")
    assert _opened.cache_info().currsize == 0
    try:  # and the count does see a load: the check above is not vacuous
        gan.load(gan.default())
        assert _opened.cache_info().currsize == 1
    finally:
        clear_caches()


def test_a_variant_keeps_its_counterpart_at_every_scale_and_each_default_is_shipped_there():
    from core.sr.task import TASK as SR

    assert SR.counterpart("fsrcnn-s_x2", scale=4) == "fsrcnn-s_x4"
    assert SR.counterpart("fsrcnn_x4", scale=2) == "fsrcnn_x2"
    assert SR.counterpart("nope_x2", scale=3) == SR.default(scale=3)  # unknown: the default there
    assert SR.scales()
    for s in SR.scales():
        assert SR.names(scale=s) and SR.default(scale=s) in SR.names(scale=s)
        for name in SR.names():
            other = SR.counterpart(name, scale=s)
            assert other in SR.names(scale=s) and SR.entry(other).variant == SR.entry(name).variant


@pytest.mark.parametrize("n,nrow", [(1, 8), (1, 1), (2, 8), (5, 2), (7, 3), (8, 8), (9, 8), (32, 8), (3, 1)])
def test_the_gan_grid_is_torchvisions_make_grid(n, nrow):
    from torchvision.utils import make_grid

    from core.gan.render import tile

    x = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(n))
    torch.testing.assert_close(tile(x, nrow), make_grid(x, nrow, padding=2, pad_value=1.0)[0], rtol=0, atol=0)


def test_dcgan_starts_from_the_papers_initialisation():
    from core.gan.models import DCGANDiscriminator, DCGANGenerator

    torch.manual_seed(0)
    for net in (DCGANGenerator(100, 32), DCGANDiscriminator(32)):
        for m in net.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)):
                assert m.weight.std().item() == pytest.approx(0.02, rel=0.15), m
            if isinstance(m, torch.nn.BatchNorm2d):
                assert m.weight.mean().item() == pytest.approx(1.0, abs=0.02)


def test_every_number_a_task_shows_is_explained_in_its_glossary():
    from core.tasks import about, task

    expected = {"sr": ["PSNR", "SSIM"], "fashion": ["Test accuracy", "Confusion matrix"],
                "gan": ["FID", "Truncation", "slerp / lerp"]}
    for key, terms in expected.items():
        t = task(key)
        assert set(terms) <= set(t.glossary), key
        text = t.glossary_markdown()
        assert all(f"**{term}**" in text for term in terms) and "python -m train." in text  # what measured it
    assert "Inception FID" in task("gan").glossary["FID"] and "What the numbers mean" in about()


def test_classifier_pickers_and_cards_give_test_and_real_photo_accuracy(checkpoint_copy):
    """#30: each classifier's picker label and card give its Fashion-MNIST test accuracy and its grouped top-1 on
    the held-out real photos (the card's `photos`, written by `python -m train.fashion photos --write-card`); the
    glossary says why they differ. A card without the photo measurement shows the test accuracy alone."""
    import json

    from core.fashion.task import TASK as FASHION
    from core.tasks import clear_caches

    for name in FASHION.names():
        card = FASHION.entry(name).card
        test, photo = card["metrics"]["test_accuracy"], card["photos"]["photo_top1"]
        assert FASHION.label(name).endswith(f"{test * 100:.1f} % · photos {photo * 100:.1f} %")
        assert f"photos {photo * 100:.1f} %" in FASHION.card_markdown(name)
    assert "studio shots" in FASHION.glossary["Real photos"] and "Real photos" in FASHION.glossary_markdown()
    path = checkpoint_copy / "fashion" / "mlp.json"
    card = json.loads(path.read_text())
    del card["photos"]
    path.write_text(json.dumps(card))
    clear_caches()
    test = card["metrics"]["test_accuracy"]
    assert FASHION.label("mlp").endswith(f"{test * 100:.1f} %") and "photos" not in FASHION.label("mlp")


def test_the_gan_judge_is_the_classifier_that_measured_the_shipped_generators():
    """Classifier-feature FIDs are comparable only under one classifier: the judge is fixed (not the Classify default,
    which is chosen for photos), and it is the one every shipped GAN card names."""
    fashion, gan = task("fashion"), task("gan")
    judge = fashion.entry(fashion.judge).card
    assert "train_photos" not in judge["data"]  # trained on Fashion-MNIST alone
    for name in gan.names():
        named = gan.entry(name).metrics["fid_classifier_model"]
        assert named == f"{judge['title']} (sha256 {judge['sha256'][:12]})", (name, named)
