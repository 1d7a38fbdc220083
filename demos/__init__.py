"""The demo apps (Gradio suite, Streamlit pages): layout and wiring only; every computation is a `core` call.

Importing the package caps glibc's malloc arenas (see `limit_malloc_arenas`) before the servers start
their worker threads.
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
