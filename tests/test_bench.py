"""The benchmarks stay runnable: each module imports (a broken import once went unnoticed in two of them), and
the shared timers measure real calls."""

import importlib
import pkgutil
import time

import pytest

import bench
from bench.timing import best_seconds, median_seconds
from core.fashion.data import DEBIAN_DIR

MODULES = sorted(m.name for m in pkgutil.iter_modules(bench.__path__))


def test_the_benchmarks_are_found():
    assert {"fashion_speed", "gan_speed", "sr_speed", "timing"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_every_benchmark_module_imports(name):
    module = importlib.import_module(f"bench.{name}")
    if name != "timing":
        assert callable(getattr(module, "main", None)), f"bench.{name} has no main()"


def test_timers_measure_the_call_and_skip_the_warm_up():
    calls = []

    def sleep_first_long():
        calls.append(None)
        time.sleep(0.5 if len(calls) == 1 else 0.005)

    assert 0.004 < best_seconds(sleep_first_long, 3) < 0.4  # the 0.5 s warm-up is not counted
    assert len(calls) == 4
    calls.clear()
    assert 0.004 < median_seconds(sleep_first_long, 3) < 0.4


@pytest.mark.skipif(not DEBIAN_DIR.is_dir(), reason="needs Fashion-MNIST (make setup installs it)")
def test_the_gan_screen_chooses_on_training_images_and_ranks_generators(capsys):
    """Screens choose what to train and ship, so by default they compare with a fixed, stratified part of the
    training set, never the test set; and they rank the smooth conditional GAN above the noisy 2014 GAN."""
    import json

    import torch

    from bench import gan_screen
    from core.fashion.data import load_split, to_input, validation_split

    name, ref = gan_screen.reference_images("train")
    train_x, train_y = load_split(True)
    # the documented images: the stratified, seeded 5,000 of `validation_split` (tested in test_fashion.py)
    assert torch.equal(ref, to_input(train_x[validation_split(train_y, 5000)[1]]))
    assert torch.equal(gan_screen.reference_images("train")[1], ref) and "train" in name

    scores = {}
    for model in ("cgan", "gan"):
        gan_screen.main([f"checkpoints/gan/{model}.safetensors", "--n", "300"])
        scores[model] = json.loads(capsys.readouterr().out)
        assert scores[model]["reference"] == "train 5000"
    assert scores["cgan"]["fid_classifier"] < scores["gan"]["fid_classifier"] / 3
    assert scores["cgan"]["conditional_accuracy"] > 0.9 and "conditional_accuracy" not in scores["gan"]


def test_the_sr_speed_bound_uses_the_best_gemm_rate_of_the_run(monkeypatch):
    """A low GEMM reading must not make FSRCNN look close to its bound: the bound uses the run's best reading,
    and the whole call stays the table's first numeric column."""
    from bench import sr_speed

    readings = iter([100e9, 300e9, 150e9])
    monkeypatch.setattr(sr_speed, "gemm_rate", lambda runs: next(readings))
    rates = sr_speed.GemmRates(1)
    for _ in range(3):
        rates.measure()
    assert rates.best == 300e9 and "best 300 GFLOP/s" in rates.summary() and "range 100-300" in rates.summary()
    measured = [{"title": "FSRCNN (56,12,4) x2", "scale": 2, "w": 512, "h": 512, "seconds": 0.6,
                 "bicubic_seconds": 0.01, "flop": 30e9}]
    header, _, row = sr_speed.ratio_table(measured, rates.best)
    assert header.split("|")[2].strip() == "whole call (ms)"
    assert row.split("|")[2].strip() == "600" and "| 100 | 6.0× | 60× |" in row  # 30 GFLOP at 300 GFLOP/s
