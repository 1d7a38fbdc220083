"""The benchmarks stay runnable: each module imports (a broken import once went unnoticed in two of them), and
the shared timers measure real calls."""

import importlib
import pkgutil
import time

import pytest

import bench
from bench.timing import best_seconds, median_seconds

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
