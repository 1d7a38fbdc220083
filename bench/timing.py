"""Wall-clock timing shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def _times(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def best_seconds(fn: Callable[[], object], runs: int) -> float:
    """The fastest of `runs` calls after a warm-up: the machine's capability, least disturbed by other load."""
    return min(_times(fn, runs))


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    """The median of `runs` calls after a warm-up: what a user typically waits."""
    return statistics.median(_times(fn, runs))
