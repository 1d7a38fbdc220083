"""The demo apps (Gradio suite, Streamlit pages): layout and wiring only; every computation is a `core` call.

Importing the package caps glibc's malloc arenas (see `limit_malloc_arenas`) before the servers start
their worker threads, and lets idle OpenMP threads sleep (see `OMP_WAIT_POLICY`); the servers call
`serve_threads()` when they start.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_ARENA_MAX = -8  # glibc mallopt parameter


def limit_malloc_arenas(n: int = 2) -> bool:
    """Cap glibc's malloc arenas at `n`, as MALLOC_ARENA_MAX does (an explicit MALLOC_ARENA_MAX wins).

    glibc gives threads that allocate concurrently their own arena (up to 8 per core); with the web
    servers' worker threads, memory freed after large requests then stays spread over many arenas and
    the server's resident memory creeps up. Measured with `python -m bench.load` (README, Reliability).
    """
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, n))
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to tune
        return False


limit_malloc_arenas()

#: OpenMP threads that finish their part of an operation sleep instead of spinning (an explicit setting wins;
#: it only counts if set before torch is first imported, as it is when an app starts). A server runs several
#: requests at once, each of whose operations use every core: spinning threads then burn the CPU that the
#: other request's threads wait for. A 512x512 x2 FSRCNN on 2 cores with the other one busy, in-process:
#: 1114 ms CPU / 934 ms wall spinning, 334 ms CPU / 343 ms wall sleeping (one thread: 275 / 277 ms).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

#: Gradio's queue keeps a record of its last events (10,000 by default) and, after every event, rebuilds a
#: pandas table of all of them for its monitoring summary: a cost per request that grows with the records.
#: Here it keeps the last 500 and refreshes the summary every 50 events (an explicit setting wins).
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "500")
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "50")


#: Threads that one request's torch operations use while an app serves (PAPER_TO_DEMO_THREADS overrides it).
#: One: the server runs requests side by side (Gradio's queue, Streamlit's sessions), and that is where a
#: Space's few cores go furthest. Server CPU per 512x512 x2 upscale, one thread vs two (sleeping OpenMP waits
#: both), a training on the other core: 472 vs 549 ms (10 sequential gradio_client requests, the server's CPU
#: time read from /proc, as `python -m bench.load` reads it; its table is in README).
REQUEST_THREADS = 1


def serve_threads() -> int:
    """Set torch's intra-op threads for serving (`REQUEST_THREADS`, or $PAPER_TO_DEMO_THREADS); returns them."""
    import torch

    n = int(os.environ.get("PAPER_TO_DEMO_THREADS", REQUEST_THREADS))
    torch.set_num_threads(n)
    return n
