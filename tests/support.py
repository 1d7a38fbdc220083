"""What the browser tests share: Debian's Chromium driven by Playwright against the Gradio suite on a free port."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def suite_page(width: int = 1440, height: int = 900, tab: str | None = None) -> Iterator:
    """A browser page on a freshly built Gradio suite (closed afterwards), on `tab` if given."""
    from playwright.sync_api import sync_playwright

    from demos.gradio_app import build_demo, launch

    assert Path(CHROMIUM).is_file(), "Chromium is missing: `make setup` installs the Debian package chromium"
    demo = build_demo()
    launch(demo, server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(demo.local_url)
            if tab:
                page.get_by_role("tab", name=tab).click()
            yield page
            browser.close()
    finally:
        demo.close()


def screenshot(page, name: str, full_page: bool = True, readme: bool = False) -> None:
    """Keep a screenshot: README's pictures under $SAVE_SCREENSHOTS, every other step under
    $SAVE_STEP_SCREENSHOTS (to look at what a user sees), where those are set."""
    folder = os.environ.get("SAVE_SCREENSHOTS" if readme else "SAVE_STEP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


@contextmanager
def served_page(cmd: list[str], cwd: Path, env: dict[str, str], ready: str, page_url: str, width: int = 1440,
                height: int = 900, timeout: float = 180) -> Iterator:
    """A browser page on the server that `cmd` starts in `cwd` (stopped afterwards), once `ready` answers."""
    import subprocess
    import time
    import urllib.request

    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), "Chromium is missing: `make setup` installs the Debian package chromium"
    server = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(ready, timeout=2).read()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    server.kill()
                    raise RuntimeError(f"{cmd} did not come up:\n{server.communicate()[0][-3000:]}") from None
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(page_url)
            yield page
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def streamlit_command(app: str, port: int, python: str | None = None) -> list[str]:
    import sys

    return [python or sys.executable, "-m", "streamlit", "run", app, "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true"]


@contextmanager
def streamlit_page(width: int = 1440, height: int = 900) -> Iterator:
    """A browser page on the Streamlit suite, served by `streamlit run` on a free port (stopped afterwards)."""
    root, port = Path(__file__).resolve().parent.parent, free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with served_page(streamlit_command("demos/streamlit_app.py", port), root, env,
                     f"http://127.0.0.1:{port}/_stcore/health", f"http://127.0.0.1:{port}/", width, height) as page:
        yield page


def same_render(a, b, share: float = 0.01) -> bool:
    """Two 8-bit renderings of the same computation, equal up to float summation order (the server's worker thread
    against the test, tiles against the whole image): a value on a rounding boundary may land one level apart.
    Allows a difference of one level in under `share` of the values; an image of another seed, class or model
    differs far more."""
    import numpy as np

    a, b = np.asarray(a, dtype=np.int16), np.asarray(b, dtype=np.int16)
    if a.shape != b.shape:
        return False
    diff = np.abs(a - b)
    return int(diff.max(initial=0)) <= 1 and float((diff > 0).mean()) < share


def before_after_sliders(at) -> int:
    """How many before/after sliders (demos.components.before_after) a Streamlit AppTest run shows."""
    return sum(getattr(e, "type", None) == "bidi_component" and e.proto.component_name == "paper_to_demo_before_after"
               for e in at.main)
