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
    page.get_by_text("Bicubic ◀ ▶", exact=False).first.wait_for(timeout=120_000)  # the example's result is shown
    gt = page.get_by_test_id("stCheckbox").filter(has_text="Compare with ground truth").first
    assert gt.inner_text().strip().startswith("Compare with ground truth")
    assert gt.locator("p").first.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")  # not cut off
    page.get_by_test_id("stSelectbox").filter(has_text=SR.picker).click()
    options = page.get_by_role("option").all_inner_texts()
    assert options == [SR.label(n) for n in SR.names(scale=2)]  # x2: only the x2 checkpoints, never another scale's
    page.keyboard.press("Escape")
    screenshot(page, "streamlit_upscale", full_page=False)


def test_the_upscale_page_compares_in_a_before_after_slider_that_follows_a_drag(page):
    """#29 defect 12: the Streamlit page showed bicubic and FSRCNN as two small pictures side by side."""
    _open(page, SR.tab)
    after = page.locator(".ba img.after").first
    after.wait_for(timeout=120_000)
    imgs = page.locator(".ba img")  # (inside the component's shadow root, which Playwright's locators enter)
    for i in range(2):
        imgs.nth(i).evaluate("(el) => el.decode()")
    sizes = imgs.evaluate_all("(els) => els.map(i => [i.naturalWidth, i.naturalHeight])")
    assert sizes[0] == sizes[1] and sizes[0][0] >= 800  # the same picture twice, at display size
    box = page.locator(".ba .frame").first.bounding_box()
    assert box["width"] >= 600  # the comparison takes the column, not half of it
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.5, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, y, steps=8)  # drag the line to the left: more of FSRCNN shows
    page.mouse.up()
    clip = after.evaluate("(el) => el.style.clipPath")
    assert clip.startswith("inset(0px 0px 0px 2") or clip.startswith("inset(0 0 0 2"), clip
    screenshot(page, "streamlit_upscale_slider", full_page=False, readme=True)


def test_the_classify_page_shows_what_the_photo_shows_and_its_credit_in_full(page):
    _open(page, FASHION.tab)
    caption = page.get_by_text("Input: t-shirt (", exact=False).first  # the first example photo
    caption.wait_for(timeout=120_000)
    box = caption.bounding_box()
    text = caption.inner_text().rstrip()
    assert box and box["width"] > 50 and "clothing dataset" in text and text.endswith("free for any use.")  # not cut
    # The confusion matrix is drawn (a vector figure whose cells carry the counts as text).
    page.locator("svg").filter(has_text="Ankle boot").first.wait_for(timeout=60_000)
    screenshot(page, "streamlit_classify", full_page=False)


def _ink(canvas) -> int:
    """How many pixels of the sketchpad are not white."""
    return canvas.evaluate("""(c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) n += d[i] < 200; return n; }""")


def _stroke(page, canvas, x0: float, x1: float, y: float) -> None:
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * x0, box["y"] + box["height"] * y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * x1, box["y"] + box["height"] * y, steps=10)
    page.mouse.up()


def test_the_sketchpad_draws_clears_and_draws_again_with_a_clear_button_in_the_page_style(page):
    """#29 defect 12: the Streamlit sketchpad's Clear was the browser's bare button."""
    _open(page, FASHION.tab)
    page.get_by_test_id("stRadio").get_by_text("Draw", exact=True).click()
    canvas = page.locator(".pad canvas").first
    canvas.wait_for(timeout=60_000)
    _stroke(page, canvas, 0.3, 0.7, 0.5)
    assert _ink(canvas) > 100
    clear = page.locator(".pad button").first
    style = clear.evaluate("""(b) => { const s = getComputedStyle(b); return [s.borderTopLeftRadius, s.borderTopWidth,
        s.paddingLeft, b.getBoundingClientRect().height, s.cursor]; }""")
    assert style[0] != "0px" and style[1] == "1px" and float(style[2][:-2]) >= 8 and style[3] >= 36 and style[4] == "pointer"
    clear.click()
    assert _ink(canvas) == 0
    _stroke(page, canvas, 0.5, 0.5001, 0.2)  # a dot, then a line: drawing works again after Clear
    _stroke(page, canvas, 0.2, 0.8, 0.6)
    assert _ink(canvas) > 100
    screenshot(page, "streamlit_sketchpad", full_page=False)


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


def test_the_gan_page_projects_a_drawing_and_directions_start_from_it(page):
    _open(page, GAN.tab)
    page.get_by_role("tab", name="Project").click()
    canvas = page.locator(".pad canvas").first
    canvas.wait_for(timeout=60_000)
    for x in (0.3, 0.7):  # two trouser legs, drawn as a hand draws them (no tool to pick)
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * 0.1)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * 0.9, steps=10)
        page.mouse.up()
    _stroke(page, canvas, 0.3, 0.7, 0.1)
    assert _ink(canvas) > 100
    page.get_by_role("button", name="Project", exact=True).click()
    page.get_by_text("Input view | best match | nearest training image", exact=False).wait_for(timeout=120_000)
    page.get_by_text("best match", exact=False).first.wait_for(timeout=30_000)
    screenshot(page, "streamlit_gan_project", full_page=False)
    page.get_by_role("tab", name="Directions").click()
    page.get_by_test_id("stCheckbox").filter(has_text="Start from my projected image").click()
    page.get_by_text("Your projected image, moved").wait_for(timeout=60_000)
    screenshot(page, "streamlit_gan_project_directions", full_page=False)


def test_the_confusion_matrix_reads_on_a_1280_screen_its_counts_inside_their_cells(page):
    """#29 defect 7: at 1280 px the matrix sat in a third of the page, its counts about 9 px and touching their
    cells' edges. Measured in the browser: counts of 16 px or more, each narrower than its cell by a margin."""
    page.set_viewport_size({"width": 1280, "height": 720})
    try:
        _open(page, FASHION.tab)
        svg = page.locator("svg").filter(has_text="Ankle boot").first
        svg.wait_for(timeout=120_000)
        svg.scroll_into_view_if_needed()
        page.wait_for_timeout(500)  # the layout settles at the new width
        m = svg.evaluate("""(svg) => {
            const counts = [...svg.querySelectorAll('text')].filter(t => /^\\d+$/.test(t.textContent.trim()));
            const boxes = counts.map(t => t.getBoundingClientRect());
            const row = boxes.filter(b => Math.abs(b.y - boxes[0].y) < 2).map(b => b.x + b.width / 2).sort((a, b) => a - b);
            const pitch = Math.min(...row.slice(1).map((x, i) => x - row[i]));
            const size = parseFloat(getComputedStyle(counts[0]).fontSize) * svg.getScreenCTM().a;
            return {size, pitch, widest: Math.max(...boxes.map(b => b.width))};
        }""")
        assert m["size"] >= 16, m
        assert m["widest"] <= 0.8 * m["pitch"], m
        screenshot(page, "streamlit_classify_confusion_1280", full_page=False)
    finally:
        page.set_viewport_size({"width": 1440, "height": 900})
