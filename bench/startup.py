"""How long the two demo suites take to answer their first request, from a cold `python` start.

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


if __name__ == "__main__":
    main()
