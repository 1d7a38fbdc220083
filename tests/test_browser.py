"""End to end in a real browser: headless Chromium (Debian's) driven by Playwright, against the Gradio suite.

`SAVE_SCREENSHOTS=docs/screenshots` keeps the screenshots that README shows.
"""

from __future__ import annotations

import pytest
from PIL import Image
from support import screenshot, suite_page

from core.examples import example_photo_files
from core.fashion.data import CLASSES
from core.fashion.task import TASK as FASHION


@pytest.fixture(scope="module")
def page():
    with suite_page(1400, 1100) as pg:
        yield pg


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
    screenshot(page, "upscale", readme=True)


def test_classify_tab_in_the_browser(page):
    page.get_by_role("tab", name="Classify").click()
    page.locator("#classify-input input[type=file]").set_input_files(str(FASHION.examples()[0][0]))
    page.get_by_role("button", name="Classify", exact=True).click()
    page.locator("#classify-label").get_by_text("%").first.wait_for(timeout=30_000)
    text = page.locator("#classify-label").inner_text()
    assert any(c in text for c in CLASSES) and "%" in text
    screenshot(page, "classify", readme=True)


def test_gan_tab_in_the_browser(page):
    page.get_by_role("tab", name="GAN").click()  # the tab samples on opening: no click needed
    img = _wait_image(page, "#gan-grid img")
    w, h = img.evaluate("(el) => [el.naturalWidth, el.naturalHeight]")
    assert (w, h) == ((8 * 28 + 9 * 2) * 3, (4 * 28 + 5 * 2) * 3)  # 32 samples, 8 a row, 2 px gaps, enlarged 3x
    screenshot(page, "gan", readme=True)
