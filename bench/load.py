"""Load test: the Gradio suite in its own process, `--clients` concurrent gradio_client users, mixed requests.

    python -m bench.load [--requests 200] [--clients 20]

Requests cycle through: upscale a 512x512 photo x2, classify a photo, sample 64 GAN images. Prints
throughput, p50/p95/p99 latency per kind, errors, and the server's resident memory before and after; then the
server's own CPU time per request of each kind (read from /proc, so the clients' work is not counted; the mean
of `--cpu-requests` sequential requests) beside the CPU time of the same core call made in this process with
the server's thread setting (`demos.REQUEST_THREADS`), and Gradio's own floor: the server CPU of a request to
the smallest Gradio app that answers with a ready PNG file (`FLOOR_APP`).
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

from PIL import Image

from core.examples import example_photo
from core.fashion.predict import classify
from core.fashion.task import TASK as FASHION
from core.gan.task import TASK as GAN
from core.sr.task import load_upscaler
from demos import serve_threads


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) that process `pid` has used, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def core_cpu_ms(call, n: int) -> float:
    """CPU milliseconds of one `call()` in this process (mean of `n`, after one warm-up)."""
    call()
    t = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - t) / n * 1000


def wait_ready(url: str, timeout: float = 120) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


#: The smallest Gradio server that answers as the suite's endpoints do (queued, a PNG file out): what a request
#: costs a Gradio server on this machine before any work of ours.
FLOOR_APP = """
import sys, tempfile
import gradio as gr
from PIL import Image
png = tempfile.mkdtemp() + "/grid.png"
Image.new("L", (242, 242), 128).save(png)
with gr.Blocks() as demo:
    demo.queue(default_concurrency_limit=4, max_size=64)
    seed, caption, grid = gr.Number(), gr.Markdown(), gr.Image(format="png")
    gr.Button().click(lambda s: (png, f"seed {s}"), seed, [grid, caption], api_name="image")
demo.launch(server_name="127.0.0.1", server_port=int(sys.argv[1]), quiet=True)
"""


def gradio_floor_ms(port: int, n: int) -> float:
    """Server CPU milliseconds per request of `FLOOR_APP` (mean of `n` sequential requests, after a warm-up)."""
    from gradio_client import Client

    server = subprocess.Popen([sys.executable, "-c", FLOOR_APP, str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_ready(f"http://127.0.0.1:{port}/")
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        client.predict(0, api_name="/image")
        t = cpu_s(server.pid)
        for i in range(n):
            client.predict(i + 1, api_name="/image")
        return (cpu_s(server.pid) - t) / n * 1000
    finally:
        server.terminate()
        server.wait(10)


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
    p.add_argument("--cpu-requests", type=int, default=10, help="sequential requests per kind for the CPU table")
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
        kinds = ["upscale 512² x2", "classify", "sample 64"]
        calls = {
            kinds[0]: lambda c, i: c.predict(handle_file(str(photo)), "x2", "fsrcnn_x2", False, api_name="/upscale"),
            kinds[1]: lambda c, i: c.predict(handle_file(str(garment)), "resnet", api_name="/classify"),
            kinds[2]: lambda c, i: c.predict("cgan", i, "All classes", 64, 1.0, api_name="/sample"),
        }
        server_cpu: dict[str, float] = {}
        for kind, call in calls.items():
            call(warm, 0)
            t = cpu_s(server.pid)
            for i in range(args.cpu_requests):
                call(warm, i + 1)
            server_cpu[kind] = (cpu_s(server.pid) - t) / args.cpu_requests * 1000
        rss_before = rss_mb(server.pid)
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
                    calls[kind](client, i)
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

        t0, cpu0 = time.perf_counter(), cpu_s(server.pid)
        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall, mixed_cpu = time.perf_counter() - t0, cpu_s(server.pid) - cpu0
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
    threads = serve_threads()  # the core calls below run with the server's thread setting
    img = Image.open(photo)
    up, clf, gen = load_upscaler(2), FASHION.load("resnet"), GAN.load("cgan")
    g_img, seeds = Image.open(garment), iter(range(10**6))
    core = {kinds[0]: core_cpu_ms(lambda: up(img), args.cpu_requests),
            kinds[1]: core_cpu_ms(lambda: classify(g_img, clf), args.cpu_requests),
            kinds[2]: core_cpu_ms(lambda: gen.sample(64, next(seeds)), args.cpu_requests)}
    print(f"\nserver CPU per request ({args.cpu_requests} sequential requests of each kind; torch threads {threads}), "
          f"beside the core call in-process; the mixed run above: {mixed_cpu / max(done, 1) * 1000:.0f} ms a request\n")
    print("| request | server CPU (ms) | core call CPU (ms) | ratio | server CPU beyond the core call (ms) |\n"
          "|---|---|---|---|---|")
    for kind in kinds:
        print(f"| {kind} | {server_cpu[kind]:.0f} | {core[kind]:.0f} | {server_cpu[kind] / core[kind]:.1f}× | "
              f"{server_cpu[kind] - core[kind]:.0f} |")
    floor = gradio_floor_ms(args.port + 1, args.cpu_requests * 2)
    print(f"\nGradio's own floor on this machine: {floor:.0f} ms of server CPU a request (a queued endpoint that returns "
          "a ready PNG file and a caption, `FLOOR_APP`)")


if __name__ == "__main__":
    main()
