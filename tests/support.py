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


def screenshot(page, name: str, full_page: bool = True) -> None:
    """Keep a screenshot under $SAVE_SCREENSHOTS (what README shows), if set."""
    folder = os.environ.get("SAVE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)
