"""The Streamlit suite in a real browser (Debian's Chromium via Playwright, 1440x900), used as a person would."""

from __future__ import annotations

import pytest
from support import screenshot, streamlit_page

from core.fashion.task import TASK as FASHION
from core.gan.task import TASK as GAN
from core.sr.task import TASK as SR


@pytest.fixture(scope="module")
def page():
    with streamlit_page() as pg:
        yield pg


def _open(page, title: str) -> None:
    page.get_by_role("link", name=title).first.click()
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)


def test_the_upscale_page_offers_only_what_is_shipped_and_no_developer_toolbar(page):
    _open(page, SR.tab)
    page.get_by_role("heading", name=SR.heading).wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Deploy").count() == 0  # toolbarMode = "viewer"
    page.get_by_text("Bicubic (", exact=False).first.wait_for(timeout=120_000)  # the example's result is shown
    gt = page.get_by_test_id("stCheckbox").filter(has_text="Compare with ground truth").first
    assert gt.inner_text().strip().startswith("Compare with ground truth")
    assert gt.locator("p").first.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")  # not cut off
    page.get_by_test_id("stSelectbox").filter(has_text=SR.picker).click()
    options = page.get_by_role("option").all_inner_texts()
    assert options == [SR.label(n) for n in SR.names(scale=2)]  # x2: only the x2 checkpoints, never another scale's
    page.keyboard.press("Escape")
    screenshot(page, "streamlit_upscale", full_page=False)


def test_the_classify_page_shows_the_true_class_in_full(page):
    _open(page, FASHION.tab)
    caption = page.get_by_text("Input (true class:", exact=False).first
    caption.wait_for(timeout=120_000)
    box = caption.bounding_box()
    assert box and box["width"] > 50 and caption.inner_text().rstrip().endswith(")")  # not cut off
    # The confusion matrix is drawn (a vector figure whose cells carry the counts as text).
    page.locator("svg").filter(has_text="Ankle boot").first.wait_for(timeout=60_000)
    screenshot(page, "streamlit_classify", full_page=False)


def test_the_gan_page_turns_the_class_control_off_for_the_unconditional_gan(page):
    assert "gan" in GAN.names()
    _open(page, GAN.tab)
    page.get_by_text(GAN.label("gan"), exact=True).click()
    klass = page.get_by_test_id("stSelectbox").filter(has_text="Class")
    page.wait_for_function("(el) => el.querySelector('input')?.disabled === true", arg=klass.element_handle(),
                           timeout=60_000)
    assert "All classes" in klass.evaluate("(el) => el.textContent + (el.querySelector('input')?.value ?? '')")
    screenshot(page, "streamlit_gan_unconditional", full_page=False)


def test_the_gan_page_plays_the_default_generators_timeline_and_its_slider_moves_through_it(page):
    from core.gan.timeline import frame_caption

    t = GAN.timeline(GAN.default())
    assert t is not None  # the conditional GAN's
    _open(page, GAN.tab)
    page.get_by_text(GAN.label(GAN.default()), exact=True).click()
    page.get_by_role("tab", name="Watch it learn").click()
    page.get_by_text(GAN.timeline_note(GAN.default())[:40], exact=False).wait_for(timeout=60_000)
    page.get_by_text(frame_caption(t, len(t) - 1)).wait_for(timeout=60_000)
    page.get_by_text("The whole timeline, looping").wait_for(timeout=60_000)
    # Home on the focused slider: the first point of training, drawn again.
    box = page.get_by_test_id("stSlider").filter(has_text="Point of training")
    shown = box.get_by_test_id("stSliderThumbValue")
    assert shown.inner_text().strip() == str(len(t))  # the slider counts frames as the caption does
    box.get_by_role("slider").press("Home")
    page.get_by_text(frame_caption(t, 0)).wait_for(timeout=60_000)
    assert shown.inner_text().strip() == "1"
    screenshot(page, "streamlit_gan_timeline", full_page=False)
