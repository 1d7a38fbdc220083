"""How long the two demo suites take to answer their first request, from a cold `python` start, and what building
the Gradio suite costs beyond the bare `import torch, gradio` (both in the same fresh process, min of the runs).

    python -m bench.startup [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request

SUITES = {
    "Gradio (app.py)": ([sys.executable, "app.py"], "http://127.0.0.1:{port}/", {"GRADIO_SERVER_PORT": "{port}"}),
    "Streamlit (demos/streamlit_app.py)": (
        [sys.executable, "-m", "streamlit", "run", "demos/streamlit_app.py", "--server.port", "{port}",
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        "http://127.0.0.1:{port}/_stcore/health", {}),
}


def time_to_ready(cmd: list[str], url: str, env: dict[str, str], timeout: float = 120) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t0 < timeout:
            try:
                with urllib.request.urlopen(url, timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"{cmd} did not answer {url} within {timeout}s")
    finally:
        proc.terminate()
        proc.wait(10)


#: One fresh process: the bare imports, then build_demo(); prints both times and whether torchvision was imported.
BUILD = ("import sys, time; t0 = time.perf_counter(); import torch, gradio; t1 = time.perf_counter(); "
         "from demos.gradio_app import build_demo; build_demo(); t2 = time.perf_counter(); "
         "print(t1 - t0, t2 - t1, 'torchvision' in sys.modules)")


def build_cost(env: dict[str, str]) -> tuple[float, float, bool]:
    """(seconds of `import torch, gradio`, seconds of build_demo() after them, torchvision imported) in a fresh
    process."""
    out = subprocess.run([sys.executable, "-c", BUILD], env={**os.environ, **env}, capture_output=True, text=True,
                         timeout=300, check=True)
    imports, build, torchvision = out.stdout.split()[-3:]
    return float(imports), float(build), torchvision == "True"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    env = {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    print(f"{os.cpu_count()} CPU cores; median of {args.runs} cold starts\n")
    print("| suite | seconds to first answer |\n|---|---|")
    for name, (cmd, url, extra) in SUITES.items():
        port = "7871" if "Gradio" in name else "8571"
        sub = lambda s, port=port: s.replace("{port}", port)  # noqa: E731
        times = [time_to_ready([sub(c) for c in cmd], sub(url), {**env, **{k: sub(v) for k, v in extra.items()}})
                 for _ in range(args.runs)]
        print(f"| {name} | {statistics.median(times):.1f} |")
    costs = [build_cost(env) for _ in range(args.runs)]
    print(f"\n| step (min of {args.runs} fresh processes) | seconds |\n|---|---|")
    print(f"| import torch, gradio | {min(c[0] for c in costs):.2f} |")
    print(f"| build_demo() after them | {min(c[1] for c in costs):.2f} |")
    print(f"| torchvision imported by build_demo() | {'yes' if any(c[2] for c in costs) else 'no'} |")


if __name__ == "__main__":
    main()
