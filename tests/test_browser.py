"""End to end in a real browser: headless Chromium (Debian's) driven by Playwright, against the Gradio suite.

`SAVE_SCREENSHOTS=docs/screenshots` keeps the screenshots that README shows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from core.examples import example_photo_files, fashion_example_files
from core.fashion import CLASSES

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    from demos.gradio_app import build_demo, launch

    assert Path(CHROMIUM).is_file(), "Chromium is missing: `make setup` installs the Debian package chromium"
    demo = build_demo()
    launch(demo, server_port=None, prevent_thread_lock=True, quiet=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1100})
        pg.goto(demo.local_url)
        yield pg
        browser.close()
    demo.close()


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("SAVE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _wait_image(page, selector: str, timeout: float = 60_000):
    loc = page.locator(selector).first
    loc.wait_for(timeout=timeout)
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=loc.element_handle(), timeout=timeout)
    return loc


def test_upscale_tab_in_the_browser(page):
    photo = example_photo_files()[0]  # chelsea, 451x300
    page.get_by_role("tab", name="Upscale").click()
    page.locator("#upscale-input input[type=file]").set_input_files(str(photo))
    page.get_by_label("Compare with ground truth (downsize my image first, then score)").check()
    page.get_by_role("button", name="Upscale", exact=True).click()
    img = _wait_image(page, "#upscale-output img")
    size = img.evaluate("(el) => [el.naturalWidth, el.naturalHeight]")
    w, h = Image.open(photo).size
    assert size == [w - w % 2, h - h % 2]  # ground-truth mode: downsized x2, then upscaled back
    page.get_by_text("PSNR (Y)").wait_for()
    _screenshot(page, "upscale")


def test_classify_tab_in_the_browser(page):
    page.get_by_role("tab", name="Classify").click()
    page.locator("#classify-input input[type=file]").set_input_files(str(fashion_example_files()[0]))
    page.get_by_role("button", name="Classify", exact=True).click()
    page.locator("#classify-label").get_by_text("%").first.wait_for(timeout=30_000)
    text = page.locator("#classify-label").inner_text()
    assert any(c in text for c in CLASSES) and "%" in text
    _screenshot(page, "classify")


def test_gan_tab_in_the_browser(page):
    page.get_by_role("tab", name="GAN").click()
    page.get_by_role("button", name="Sample", exact=True).click()
    img = _wait_image(page, "#gan-grid img")
    w, h = img.evaluate("(el) => [el.naturalWidth, el.naturalHeight]")
    assert w > 200 and h > 100  # 32 samples on an 8-wide grid, enlarged 3x
    _screenshot(page, "gan")
