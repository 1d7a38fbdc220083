"""Load test: the Gradio suite in its own process, `--clients` concurrent gradio_client users, mixed requests.

    python -m bench.load [--requests 200] [--clients 20]

Requests cycle through: upscale a 512x512 photo x2, classify a photo, sample 64 GAN images. Prints
throughput, p50/p95/p99 latency per kind, errors, and the server's resident memory before and after.
Traffic goes to 127.0.0.1 only; the run is bounded by `--requests` and `--timeout`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

from core.examples import example_photo
from core.fashion.task import TASK as FASHION


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_ready(url: str, timeout: float = 120) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def describe(e: BaseException) -> str:
    """The exception and its causes, innermost last: what actually failed, not only the wrapper."""
    parts = []
    while e is not None and len(parts) < 4:
        parts.append(f"{type(e).__module__}.{type(e).__name__}: {str(e)[:200]}")
        e = e.__cause__ or e.__context__
    return " <- ".join(parts)


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q / 100 * (len(xs) - 1)))]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--port", type=int, default=7881)
    p.add_argument("--timeout", type=float, default=900, help="seconds for the whole run")
    args = p.parse_args()
    from gradio_client import Client, handle_file

    tmp = Path(tempfile.mkdtemp())
    photo = tmp / "photo512.png"
    example_photo("astronaut").resize((512, 512)).save(photo)
    garment = FASHION.examples()[0][0]
    env = {**os.environ, "GRADIO_SERVER_PORT": str(args.port), "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen([sys.executable, "app.py"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{args.port}/"
    try:
        wait_ready(url)
        warm = Client(url, verbose=False)  # first use of each model loads it; measure steady state after
        warm.predict(handle_file(str(photo)), "x2", "fsrcnn_x2", False, api_name="/upscale")
        warm.predict(handle_file(str(garment)), "resnet", api_name="/classify")
        warm.predict("cgan", 0, "All classes", 64, 1.0, api_name="/sample")
        rss_before = rss_mb(server.pid)
        kinds = ["upscale 512² x2", "classify", "sample 64"]
        jobs = list(range(args.requests))
        lat: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        lock = threading.Lock()
        deadline = time.time() + args.timeout

        def worker() -> None:
            client = Client(url, verbose=False)
            while time.time() < deadline:
                with lock:
                    if not jobs:
                        return
                    i = jobs.pop()
                kind = kinds[i % 3]
                t0 = time.perf_counter()
                try:
                    if i % 3 == 0:
                        client.predict(handle_file(str(photo)), "x2", "fsrcnn_x2", False, api_name="/upscale")
                    elif i % 3 == 1:
                        client.predict(handle_file(str(garment)), "resnet", api_name="/classify")
                    else:
                        client.predict("cgan", i, "All classes", 64, 1.0, api_name="/sample")
                    with lock:
                        lat[kind].append(time.perf_counter() - t0)
                except Exception as e:  # noqa: BLE001 - every failure is counted and reported
                    with lock:
                        errors.append(f"{kind} after {time.perf_counter() - t0:.1f}s: {describe(e)}")

        rss_samples: list[tuple[int, float]] = []  # (requests finished, RSS MB), every second
        stop = threading.Event()

        def sample_rss() -> None:
            while not stop.wait(1.0):
                rss_samples.append((sum(len(v) for v in lat.values()) + len(errors), rss_mb(server.pid)))

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        stop.set()
        rss_after = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(10)
    done = sum(len(v) for v in lat.values())
    print(f"{done} requests ({args.clients} concurrent clients) in {wall:.1f}s: {done / wall:.2f} req/s, "
          f"{len(errors)} errors; server RSS {rss_before:.0f} MB -> {rss_after:.0f} MB; {os.cpu_count()} CPU cores\n")
    print("| request | n | p50 (s) | p95 (s) | p99 (s) |\n|---|---|---|---|---|")
    for kind in kinds:
        xs = lat[kind]
        if xs:
            print(f"| {kind} | {len(xs)} | {statistics.median(xs):.2f} | {percentile(xs, 95):.2f} | {percentile(xs, 99):.2f} |")
    if rss_samples:
        marks = [args.requests * q // 4 for q in (1, 2, 3, 4)]
        at = [next((mb for n, mb in rss_samples if n >= m), rss_samples[-1][1]) for m in marks]
        print(f"\nserver RSS (MB) after {', '.join(map(str, marks))} requests: {', '.join(f'{mb:.0f}' for mb in at)}; "
              f"peak {max(mb for _, mb in rss_samples):.0f}")
    for e in errors[:10]:
        print("error:", e)


if __name__ == "__main__":
    main()
