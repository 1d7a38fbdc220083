"""End to end in a real browser: headless Chromium (Debian's) driven by Playwright, against the Gradio suite.

`SAVE_SCREENSHOTS=docs/screenshots` keeps the screenshots that README shows.
"""

from __future__ import annotations

import pytest
from PIL import Image
from support import screenshot, suite_page

from core.examples import example_photo_files
from core.fashion.data import CLASSES
from core.fashion.predict import classify
from core.fashion.task import TASK as FASHION
from core.imaging import open_image


@pytest.fixture(scope="module")
def page():
    with suite_page(1400, 1100) as pg:
        yield pg


def _wait_image(page, selector: str, timeout: float = 60_000, size: tuple[int, int] | None = None):
    """The first image under `selector` once loaded (and, with `size`, once it is that many pixels: the answer to
    what was just asked, not the one the page opened with)."""
    page.wait_for_function(
        """([sel, size]) => { const el = document.querySelector(sel);
             return el && el.complete && el.naturalWidth > 0
               && (!size || (el.naturalWidth === size[0] && el.naturalHeight === size[1])); }""",
        arg=[selector, list(size) if size else None], timeout=timeout)
    return page.locator(selector).first


def test_every_tab_opens_with_a_result_and_its_examples_without_a_click():
    with suite_page(1440, 900) as pg:  # a fresh page: nothing clicked, nothing uploaded
        w, h = Image.open(example_photo_files()[0]).size  # the first example: chelsea, x2
        _wait_image(pg, "#upscale-output img", size=(2 * w, 2 * h))
        _wait_image(pg, "#upscale-zoom img")
        pg.locator("#upscale-stats").get_by_text("ms").first.wait_for()
        thumb = pg.locator("#upscale-examples img[src*='chelsea']").first
        assert thumb.is_visible() and thumb.bounding_box()["y"] < 900 - 40  # in view without scrolling
        screenshot(pg, "first-paint-upscale")
        pg.get_by_role("tab", name="Classify").click()
        first = FASHION.examples()[0][0]  # a real photo: the answer is the default model's, whichever it is
        answer = next(iter(classify(open_image(first), FASHION.load(FASHION.default())).probabilities))
        pg.locator("#classify-label").get_by_text(answer).first.wait_for(timeout=60_000)
        _wait_image(pg, "#classify-view img")
        garments = pg.locator("#classify-examples img")
        assert garments.count() == len(FASHION.examples()) and garments.first.bounding_box()["y"] < 900 - 40
        screenshot(pg, "first-paint-classify")
        pg.get_by_role("tab", name="GAN").click()
        _wait_image(pg, "#gan-grid img")


def test_upscale_tab_in_the_browser(page):
    photo = example_photo_files()[0]  # chelsea, 451x300
    page.get_by_role("tab", name="Upscale").click()
    page.locator("#upscale-input input[type=file]").set_input_files(str(photo))
    page.get_by_label("Compare with ground truth (downsize my image first, then score)").check()
    page.get_by_role("button", name="Upscale", exact=True).click()
    w, h = Image.open(photo).size
    _wait_image(page, "#upscale-output img", size=(w - w % 2, h - h % 2))  # ground truth: downsized x2, back up
    page.get_by_text("PSNR (Y)").wait_for()
    # The slider offers no download of its display copy; the full-resolution PNG is the one download.
    assert page.locator("#upscale-output").get_by_role("button", name="Download").count() == 0
    assert page.locator("#upscale-output").get_by_role("button", name="Fullscreen").count() == 1
    screenshot(page, "upscale", readme=True)


def test_classify_tab_in_the_browser(page):
    page.get_by_role("tab", name="Classify").click()
    page.locator("#classify-input input[type=file]").set_input_files(str(FASHION.examples()[0][0]))
    page.get_by_role("button", name="Classify", exact=True).click()
    page.locator("#classify-label").get_by_text("%").first.wait_for(timeout=30_000)
    text = page.locator("#classify-label").inner_text()
    assert any(c in text for c in CLASSES) and "%" in text
    # Every model's answer on the same input, side by side, from the baseline up.
    page.locator("#classify-all").get_by_text("All the models on this input").click()
    table = page.locator("#classify-all-answers ul")
    table.wait_for(timeout=30_000)
    assert table.locator("li").count() == len(FASHION.names())
    assert FASHION.load(FASHION.names()[0]).title in table.inner_text()
    screenshot(page, "classify", readme=True)


def test_gan_tab_in_the_browser(page):
    page.get_by_role("tab", name="GAN").click()  # the tab samples on opening: no click needed
    img = _wait_image(page, "#gan-grid img")
    w, h = img.evaluate("(el) => [el.naturalWidth, el.naturalHeight]")
    assert (w, h) == ((8 * 28 + 9 * 2) * 3, (4 * 28 + 5 * 2) * 3)  # 32 samples, 8 a row, 2 px gaps, enlarged 3x
    screenshot(page, "gan", readme=True)


def test_presentation_mode_fills_a_projector_and_the_header_button_toggles_it(page):
    pg, size0 = page, page.viewport_size
    pg.set_viewport_size({"width": 1280, "height": 720})  # a projector
    base = pg.url.split("?")[0]
    try:
        pg.goto(base + "?present")
        pg.wait_for_function("() => document.body.classList.contains('present')", timeout=30_000)
        pg.locator(".intro").first.wait_for(state="hidden", timeout=10_000)  # the introductions make room
        size = lambda sel: float(pg.locator(sel).first.evaluate(  # noqa: E731
            "(el) => parseFloat(getComputedStyle(el).fontSize)"))
        pg.locator("#upscale-measured p").first.wait_for(timeout=30_000)
        assert size("#upscale-output label span, #upscale-output [data-testid=block-label]") >= 18
        assert size("#upscale-measured p") >= 18
        screenshot(pg, "present_upscale_1280", full_page=False, readme=True)
        pg.get_by_role("button", name="Presentation mode").click()  # off again: the page as it was
        pg.wait_for_function("() => !document.body.classList.contains('present')", timeout=10_000)
        assert pg.locator(".intro").first.is_visible() and size("#upscale-measured p") < 18
    finally:
        pg.set_viewport_size(size0)
        pg.goto(base)  # without the parameter it starts off
    pg.locator("#upscale-output").wait_for()
    assert not pg.evaluate("() => document.body.classList.contains('present')")


def test_a_file_that_is_not_an_image_is_named_at_once_and_leaves_no_broken_thumbnail(page, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("this is not an image")
    page.get_by_role("tab", name="Upscale").click()
    page.locator("#upscale-input input[type=file]").set_input_files(str(bad))
    # No click on Upscale: the message comes with the upload, and the input is empty again.
    page.get_by_text("not an image", exact=False).first.wait_for(timeout=30_000)
    page.locator("#upscale-input img").wait_for(state="detached", timeout=10_000)
    screenshot(page, "upscale_not_an_image")
