"""The Classify and GAN tabs in a real browser (Debian's Chromium, headless, driven by Playwright) at 1440x900,
used the way a person uses them: mouse clicks and drags, no tool pre-selected, answers read off the page and
compared with what `core` computes for the same settings.

`SAVE_SCREENSHOTS=<folder>` keeps a screenshot of each step.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support import CHROMIUM, same_render, screenshot, suite_page

from core.fashion.task import TASK as FASHION
from core.gan.task import TASK as GAN

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Chromium is missing (`make setup`)")


@pytest.fixture(scope="module")
def page():
    with suite_page() as pg:
        yield pg


def _image(page, elem_id: str, not_src: str | None = None, timeout: float = 60_000) -> tuple[str, np.ndarray]:
    """The image shown in `#elem_id` once loaded (and, with `not_src`, once it is a new one): (src, pixels)."""
    handle = page.wait_for_function(
        """([id, old]) => { const el = document.querySelector(`#${id} img`);
             return el && el.complete && el.naturalWidth > 0 && el.src !== old ? el.src : null; }""",
        arg=[elem_id, not_src], timeout=timeout)
    src = handle.json_value()
    body = page.request.get(src).body()
    return src, np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))


def _expected_grid(arch: str, seed: int, class_name: str) -> np.ndarray:
    """What the Samples tab must show for these settings, computed by core directly."""
    from core.gan.render import to_grid
    from core.gan.task import SAMPLES, TRUNCATION

    s = GAN.load(arch)
    label = GAN.class_index(class_name) if s.conditional else None
    images = s.sample(int(SAMPLES.default), seed, label, TRUNCATION.default)
    return np.asarray(to_grid(images, nrow=8).convert("RGB"))


def _seed(page) -> int:
    return int(page.locator("#gan-seed input").input_value())


@pytest.fixture(scope="module")
def gan_page(page):
    assert GAN.names()
    page.get_by_role("tab", name="GAN").click()
    return page


def test_gan_explains_its_two_fids_where_they_are_shown(gan_page):
    page = gan_page
    page.get_by_role("button", name="What the numbers mean").click()
    text = page.locator("#gan-glossary").inner_text()
    assert "Inception FID" in text and "our own Fashion-MNIST classifier" in text and "Truncation" in text
    page.get_by_role("button", name="What the numbers mean").click()  # closed again


def test_gan_random_seed_redraws_the_samples(gan_page):
    page = gan_page
    src, before = _image(page, "gan-grid")
    assert same_render(before, _expected_grid(GAN.default(), _seed(page), "All classes"))
    page.locator("#gan-dice").click()
    src, after = _image(page, "gan-grid", not_src=src)
    seed = _seed(page)
    assert seed != 0 and not same_render(before, after)
    assert same_render(after, _expected_grid(GAN.default(), seed, "All classes"))
    assert f"seed {seed}" in page.locator("#gan-caption").inner_text()
    screenshot(page, "gan_random_seed")


def test_gan_class_pick_redraws_and_the_list_does_not_cover_a_slider(gan_page):
    page = gan_page
    assert GAN.conditional(GAN.default())
    src, before = _image(page, "gan-grid")
    page.locator("#gan-class input").click()
    option = page.get_by_role("option", name="Sneaker", exact=True)
    # The open list must not lie over the Images slider (a click there would also release the slider).
    box, slider = option.bounding_box(), page.locator("#gan-images").bounding_box()
    assert box and slider  # both on screen
    overlaps = not (box["x"] + box["width"] < slider["x"] or slider["x"] + slider["width"] < box["x"]
                    or box["y"] + box["height"] < slider["y"] or slider["y"] + slider["height"] < box["y"])
    assert not overlaps
    option.click()
    src, after = _image(page, "gan-grid", not_src=src)
    assert same_render(after, _expected_grid(GAN.default(), _seed(page), "Sneaker"))
    assert "Sneaker" in page.locator("#gan-caption").inner_text()
    screenshot(page, "gan_class")


def test_gan_class_control_is_off_for_the_unconditional_2014_gan(gan_page):
    page = gan_page
    unconditional = [a for a in GAN.names() if not GAN.conditional(a)]
    assert unconditional
    arch = unconditional[0]
    if page.locator("#gan-class input").input_value() != "Sneaker":  # the visitor's own pick on the default model
        page.locator("#gan-class input").click()
        page.get_by_role("option", name="Sneaker", exact=True).click()
        page.locator("#gan-caption").get_by_text("Sneaker", exact=False).wait_for(timeout=30_000)
    src, _ = _image(page, "gan-grid")
    page.locator("#gan-model").get_by_text(GAN.title(arch)).click()
    page.wait_for_function("() => document.querySelector('#gan-class input').disabled", timeout=30_000)
    assert "unconditional" in page.locator("#gan-class").inner_text()
    assert page.locator("#gan-class input").input_value() == "All classes"
    src, grid = _image(page, "gan-grid", not_src=src)
    assert same_render(grid, _expected_grid(arch, _seed(page), "All classes"))
    screenshot(page, "gan_unconditional")
    assert "All classes" in page.locator("#gan-caption").inner_text()  # one wording, as the control says it
    # Back to the default model: the class control is on again, with the visitor's pick, not reset.
    page.locator("#gan-model").get_by_text(GAN.title(GAN.default())).click()
    page.wait_for_function("() => !document.querySelector('#gan-class input').disabled", timeout=30_000)
    page.wait_for_function("() => document.querySelector('#gan-class input').value === 'Sneaker'", timeout=30_000)
    page.locator("#gan-caption").get_by_text("Sneaker", exact=False).wait_for(timeout=30_000)


def test_gan_directions_show_the_sample_at_once(gan_page):
    from core.gan.explore import move_along_directions
    from core.gan.render import to_grid

    page = gan_page
    page.reload()  # a fresh visit: no slider moved, nothing clicked but the tabs
    page.get_by_role("tab", name="GAN").click()
    page.get_by_role("tab", name="Directions").click()
    _, shown = _image(page, "gan-moved")  # no slider touched
    s = GAN.load(GAN.default())
    label = GAN.class_index(page.locator("#gan-class input").input_value()) if s.conditional else None
    expected = to_grid(move_along_directions(s, _seed(page), [0.0] * 5, label), nrow=1, scale=6)
    assert same_render(shown, np.asarray(expected.convert("RGB")))
    page.locator("#gan-near img").wait_for(timeout=30_000)
    # Each direction walked for this seed and the next ones, drawn as the core computes it.
    from core.gan.explore import STRIP_STEPS, direction_strips

    _, strips = _image(page, "gan-strips")
    walked = direction_strips(s, GAN.direction_reach(GAN.default()), _seed(page), label)
    assert same_render(strips, np.asarray(to_grid(walked, nrow=STRIP_STEPS, scale=2).convert("RGB")))
    screenshot(page, "gan_directions", readme=True)


def test_gan_watch_it_learn_says_what_the_model_recorded(gan_page):
    page = gan_page
    page.get_by_role("tab", name="Watch it learn").click()
    note = page.locator("#gan-timeline-note")
    note.get_by_text(GAN.timeline_note(GAN.default())[:40], exact=False).wait_for(timeout=30_000)
    screenshot(page, "gan_watch_it_learn")
    # A generator that predates the timeline (the 2014 GAN): the note says so and no empty frame or slider is shown.
    silent = [a for a in GAN.names() if GAN.timeline(a) is None]
    assert silent  # the 2014 GAN
    page.locator("#gan-model").get_by_text(GAN.title(silent[0])).click()
    note.get_by_text(GAN.timeline_note(silent[0])[:40], exact=False).wait_for(timeout=30_000)
    page.locator("#gan-timeline-frame img").wait_for(state="detached", timeout=30_000)
    assert not page.locator("#gan-timeline-step").is_visible()
    page.locator("#gan-model").get_by_text(GAN.title(GAN.default())).click()  # leave the page as the other tests expect
    note.get_by_text(GAN.timeline_note(GAN.default())[:40], exact=False).wait_for(timeout=30_000)


def test_gan_watch_it_learn_shows_a_shipped_timeline_and_its_slider_moves_through_it(gan_page):
    from core.gan.timeline import grid_image

    page = gan_page
    # Another generator than the one shown, so that picking it must change the frame.
    learners = [a for a in GAN.names() if GAN.timeline(a) is not None and a != GAN.default()]
    assert learners  # the DCGAN
    arch = learners[0]
    t = GAN.timeline(arch)
    page.get_by_role("tab", name="Watch it learn").click()
    old = page.locator("#gan-timeline-frame img").get_attribute("src") if page.locator("#gan-timeline-frame img").count() else None
    page.locator("#gan-model").get_by_text(GAN.title(arch)).click()
    src, last = _image(page, "gan-timeline-frame", not_src=old)
    assert np.array_equal(last, np.asarray(grid_image(t, len(t) - 1).convert("RGB")))
    page.locator("#gan-timeline-caption").get_by_text(f"frame {len(t)} of {len(t)}").wait_for(timeout=30_000)
    assert page.locator("#gan-timeline-step input[type=number]").input_value() == str(len(t))  # slider = caption
    page.locator("#gan-timeline-gif img").wait_for(timeout=30_000)
    # A click at the slider's left end: the first point of training.
    box = page.locator("#gan-timeline-step input[type=range]").bounding_box()
    page.mouse.click(box["x"] + 1, box["y"] + box["height"] / 2)
    _, first = _image(page, "gan-timeline-frame", not_src=src)
    assert np.array_equal(first, np.asarray(grid_image(t, 0).convert("RGB")))
    assert f"Step {t.steps[0]:,} of {t.steps[-1]:,}" in page.locator("#gan-timeline-caption").inner_text()
    assert "frame 1 of" in page.locator("#gan-timeline-caption").inner_text()
    assert page.locator("#gan-timeline-step input[type=number]").input_value() == "1"  # the slider says frame 1 too
    screenshot(page, "gan_watch_it_learn_timeline")
    page.locator("#gan-model").get_by_text(GAN.title(GAN.default())).click()  # leave the page as the other tests expect
    page.locator("#gan-timeline-note").get_by_text(GAN.timeline_note(GAN.default())[:40], exact=False).wait_for(timeout=30_000)


def test_gan_interpolation_wraps_and_plays_inline(gan_page):
    page = gan_page
    page.get_by_role("tab", name="Interpolate").click()
    _, strip = _image(page, "gan-strip")
    assert strip.shape[1] < 3 * strip.shape[0] * 4 and strip.shape[0] >= 28 * 3  # rows, not a ribbon
    page.wait_for_function("() => { const el = document.querySelector('#gan-gif img'); "
                           "return el && el.complete && el.src.includes('.gif'); }", timeout=30_000)
    # It opens on a walk that shows a change (not seed 0 -> 1, ten near-identical dresses), played large.
    from core.gan.task import SECOND_SEED

    assert SECOND_SEED != 1 and page.locator("#gan-interp-seed-b input").input_value() == str(SECOND_SEED)
    assert page.locator("#gan-gif img").evaluate("(el) => el.naturalWidth") == 28 * 6

    def change(seed_b: int) -> float:  # how far the walk's two ends lie apart, in pixels
        ends = GAN.load(GAN.default()).interpolate(0, seed_b, 2)
        return float((ends[0] - ends[1]).norm())

    assert change(SECOND_SEED) > 1.5 * change(1)
    page.get_by_role("tab", name="Arithmetic").click()
    _image(page, "gan-arith-3")
    assert page.locator("#gan-arith-caption-3").inner_text().strip() == "A − B + C"
    screenshot(page, "gan_arithmetic")


def _stroke(page, canvas, points) -> None:
    """Drag the mouse along `points` (fractions of the canvas), as a hand draws: no tool clicked first."""
    box = canvas.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x0 + points[0][0] * w, y0 + points[0][1] * h)
    page.mouse.down()
    for px, py in points[1:]:
        page.mouse.move(x0 + px * w, y0 + py * h, steps=12)
    page.mouse.up()


def test_gan_projects_a_drawing_and_moves_it_along_the_directions(gan_page):
    from core.gan.explore import move_latent
    from core.gan.render import to_grid

    page = gan_page
    page.get_by_role("tab", name="Project", exact=True).click()
    canvas = page.locator("#gan-project-sketch canvas").first
    canvas.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    # Trousers: a waistband and two legs.
    _stroke(page, canvas, [(0.3, 0.12), (0.7, 0.12)])
    _stroke(page, canvas, [(0.32, 0.12), (0.3, 0.9)])
    _stroke(page, canvas, [(0.68, 0.12), (0.7, 0.9)])
    page.locator("#gan-project-draw").click()
    # The search reports its progress while it runs.
    page.wait_for_function("() => /Step \\d+ of \\d+/.test(document.body.innerText)", timeout=60_000)
    _, match = _image(page, "gan-project-match", timeout=120_000)
    _, view = _image(page, "gan-project-view")
    caption = page.locator("#gan-project-caption")
    caption.get_by_text("best match", exact=False).wait_for(timeout=30_000)
    assert "Draw a garment first" not in page.content()
    import re

    found = re.search(r"best match of class (.+?): L2 distance ([\d.]+)", caption.inner_text())
    assert found and found[1] in GAN.class_choices()  # the conditional GAN tries every class and names its pick
    small = view[::6, ::6, 0]  # the 28x28 view of the drawing: two legs apart below the waistband
    lit = np.nonzero(small[18] > 64)[0]
    assert len(lit) >= 2 and (small[18][lit.min() : lit.max() + 1] <= 64).sum() >= 4
    assert match.shape == view.shape
    screenshot(page, "gan_project_drawing", readme=True)
    # Its latent, downloaded, redraws the match; moving it along the directions starts from it.
    page.locator("#gan-project-latent").wait_for(timeout=30_000)
    with page.expect_download() as download:
        page.locator("#gan-project-latent").click()
    z = np.load(download.value.path(), allow_pickle=False)
    page.locator("#gan-project-use").click()
    page.locator("#gan-dir-from").get_by_text("your projected image", exact=False).wait_for(timeout=30_000)
    s = GAN.load(GAN.default())
    import torch

    expected = to_grid(move_latent(s, torch.from_numpy(z), [0.0] * 5, torch.tensor([GAN.class_index(found[1])])),
                       nrow=1, scale=6)
    page.wait_for_function("(want) => document.querySelector('#gan-dir-from').innerText.includes(want)",
                           arg=found[1], timeout=30_000)
    _, moved = _image(page, "gan-moved")
    page.wait_for_timeout(1000)  # the last of the chained redraws
    _, moved = _image(page, "gan-moved")
    assert same_render(moved, np.asarray(expected.convert("RGB")))
    screenshot(page, "gan_project_directions")


def test_gan_training_curves_are_shown(gan_page):
    page = gan_page
    page.get_by_role("tab", name="Watch it learn").click()
    page.locator("#gan-curves-note").get_by_text(GAN.curves_note(GAN.default())[:40], exact=False).wait_for(timeout=30_000)
    page.locator("#gan-curves img").wait_for(timeout=30_000)
    assert page.locator("#gan-curves img").evaluate("(el) => el.naturalWidth") >= 800
    screenshot(page, "gan_curves")


@pytest.mark.parametrize("width, height", [(390, 844), (1440, 900)])
def test_gan_views_fit_a_phone_and_directions_show_the_sample_while_dragging(gan_page, width, height):
    """Every view's tab is on screen (no '⋯' menu), and the Directions sample is in view while the last slider is
    dragged (on a phone it sat below all five sliders: it comes first now)."""
    page = gan_page
    page.set_viewport_size({"width": width, "height": height})
    try:
        page.reload()
        page.get_by_role("tab", name="GAN").click()
        for name in ("Samples", "Interpolate", "Arithmetic", "Directions", "Project", "Watch it learn"):
            assert page.get_by_role("tab", name=name, exact=True).is_visible(), name
        assert page.locator("#gan-views .overflow-menu:not(.hide)").count() == 0
        page.get_by_role("tab", name="Directions", exact=True).scroll_into_view_if_needed()
        screenshot(page, f"gan_tabs_{width}", full_page=False)
        page.get_by_role("tab", name="Directions", exact=True).click()
        src, _ = _image(page, "gan-moved")
        # The sample at the top of the screen: the five sliders below it are on the same screen.
        page.locator("#gan-moved-col").evaluate("(el) => el.scrollIntoView({block: 'start'})")
        box = page.locator("#gan-dir-4 input[type=range]").bounding_box()
        assert box["y"] + box["height"] <= height
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2, steps=8)
        image = page.locator("#gan-moved img").bounding_box()
        assert image["y"] >= 0 and image["y"] + image["height"] <= height  # the sample is on screen while dragging
        page.mouse.up()
        _image(page, "gan-moved", not_src=src)
        screenshot(page, f"gan_directions_{width}", full_page=False)
    finally:
        page.set_viewport_size({"width": 1440, "height": 900})


@pytest.fixture(scope="module")
def classify_page(page):
    assert FASHION.names() and FASHION.examples()
    page.get_by_role("tab", name="Classify").click()
    return page


def _answer(page, model: str, old: str = "") -> str:
    """The timing line once it names `model` and differs from `old` (and no progress timer is running)."""
    page.wait_for_function(
        """([model, old]) => { const t = document.querySelector('#classify-timing').innerText;
             return t.includes(model) && t.includes('ms on the CPU') && t !== old && !/^\\s*[\\d.]+s\\b/.test(t); }""",
        arg=[model, old], timeout=30_000)
    return page.locator("#classify-timing").inner_text()


def test_classify_model_switch_reanswers(classify_page):
    from core.fashion.predict import classify
    from core.imaging import open_image

    page = classify_page
    path, _ = FASHION.examples()[0]
    page.get_by_role("tab", name="Photo").click()
    page.locator("#classify-input input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Classify", exact=True).click()
    first = _answer(page, FASHION.entry(FASHION.default()).title)
    other = next(a for a in FASHION.names() if a != FASHION.default())
    page.locator("#classify-model input").click()
    page.get_by_role("option", name=FASHION.label(other)).click()
    second = _answer(page, FASHION.entry(other).title, first)  # re-answered by the new model, no click
    top = next(iter(classify(open_image(path), FASHION.load(other)).probabilities))
    page.wait_for_function("(c) => document.querySelector('#classify-label').innerText.includes(c)", arg=top)
    # The confusion matrix follows the model and is vector text, not a bitmap.
    page.wait_for_function("(t) => document.querySelector('#classify-confusion svg text, #classify-confusion svg')"
                           " && document.querySelector('#classify-confusion').innerText.includes(t)",
                           arg=FASHION.confusion_title(other).split(":")[0], timeout=30_000)
    screenshot(page, "classify_switch")
    page.locator("#classify-model input").click()
    page.get_by_role("option", name=FASHION.label(FASHION.default())).click()
    _answer(page, FASHION.entry(FASHION.default()).title, second)


def test_an_example_is_answered_by_the_model_the_visitor_picked(classify_page):
    """A visitor comparing models picks one, then clicks example photos: the picker keeps their model, and each
    example is answered by it (an example once reset the picker to the default model)."""
    from core.fashion.predict import classify
    from core.imaging import open_image

    page = classify_page
    page.get_by_role("tab", name="Photo").click()
    other = next(a for a in FASHION.names() if a != FASHION.default())
    page.locator("#classify-model input").click()
    page.get_by_role("option", name=FASHION.label(other)).click()
    old = _answer(page, FASHION.entry(other).title)
    for path, _ in FASHION.examples()[2:4]:
        page.locator(f"#classify-examples img[src*='{path.stem}']").first.click()
        old = _answer(page, FASHION.entry(other).title, old)
        top = next(iter(classify(open_image(path), FASHION.load(other)).probabilities))
        page.wait_for_function("(c) => document.querySelector('#classify-label').innerText.includes(c)", arg=top)
        assert page.locator("#classify-model input").input_value() == FASHION.label(other)
    page.locator("#classify-model input").click()
    page.get_by_role("option", name=FASHION.label(FASHION.default())).click()
    _answer(page, FASHION.entry(FASHION.default()).title, old)


def test_first_drag_on_the_sketchpad_draws_and_classifies(classify_page):
    page = classify_page
    page.get_by_role("tab", name="Draw").click()
    canvas = page.locator("#classify-sketch canvas").first
    canvas.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    # Its label is read in full (a long one was cut off under the canvas's toolbar).
    label = page.locator("#classify-sketch").get_by_text("Draw a garment", exact=True).first
    assert label.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")
    box = canvas.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]

    def stroke(points):
        page.mouse.move(x0 + points[0][0] * w, y0 + points[0][1] * h)
        page.mouse.down()
        for px, py in points[1:]:
            page.mouse.move(x0 + px * w, y0 + py * h, steps=12)
        page.mouse.up()

    # Trousers, no tool clicked first: a waistband and two legs with a gap between them.
    stroke([(0.3, 0.12), (0.7, 0.12)])
    stroke([(0.32, 0.12), (0.3, 0.9)])
    stroke([(0.68, 0.12), (0.7, 0.9)])
    old = page.locator("#classify-timing").inner_text()
    old_view = page.evaluate("() => document.querySelector('#classify-view img')?.src ?? null")
    page.get_by_role("button", name="Classify drawing").click()
    _answer(page, FASHION.entry(FASHION.default()).title, old)
    assert "Draw a garment first" not in page.content()
    _, view = _image(page, "classify-view", not_src=old_view)
    screenshot(page, "classify_drawing")
    small = view[::6, ::6, 0]  # back to the model's 28x28 view
    row = small[18]  # across the legs, below the waistband
    lit = row > 64
    assert lit.sum() >= 2
    cols = np.nonzero(lit)[0]
    assert (~lit[cols.min() : cols.max() + 1]).sum() >= 4  # the legs stay apart: strokes did not merge
    assert "Trouser" in page.locator("#classify-label").inner_text()
    screenshot(page, "classify_drawing")
    # Clear the canvas and draw again, as a person trying another garment would: the brush is still ready.
    page.locator("#classify-sketch button[aria-label='Clear canvas']").first.click()
    page.wait_for_timeout(500)
    stroke([(0.2, 0.5), (0.8, 0.5)])  # a wide bar
    page.locator("#classify-sketch button[aria-label='Color']").first.wait_for(timeout=10_000)  # the brush's tools
    old = page.locator("#classify-timing").inner_text()
    page.get_by_role("button", name="Classify drawing").click()
    _answer(page, FASHION.entry(FASHION.default()).title, old)
    assert "Draw a garment first" not in page.content()
    assert page.locator(".toast-body, [data-testid='toast-body']").filter(has_text="Draw a garment").count() == 0


def test_look_inside_the_classifier_after_an_example_and_a_model_switch(classify_page):
    """A visitor picks an example, opens "Look inside the classifier" and sees the picked model's evidence, stages
    and the softmax weights, computed by core for that input; switching the model redraws them."""
    from core.fashion import inside
    from core.fashion.predict import classify, to_fashion_mnist
    from core.imaging import open_image

    page = classify_page
    page.get_by_role("tab", name="Photo").click()
    path, _ = FASHION.examples()[1]  # trousers
    answer = next(iter(classify(open_image(path), FASHION.load(FASHION.default())).probabilities))
    old = page.locator("#classify-timing").inner_text()
    page.locator(f"#classify-examples img[src*='{path.stem}']").first.click()
    page.wait_for_function("(c) => document.querySelector('#classify-label').innerText.includes(c)", arg=answer)
    _answer(page, FASHION.entry(FASHION.default()).title, old)
    page.locator("#classify-inside").get_by_text(FASHION.inside_label).click()
    view = to_fashion_mnist(open_image(path))

    def shown_as_core_draws_it(arch: str, old_src: str | None = None) -> str:
        v = inside.look_inside(FASHION.load(arch), view, FASHION.load(FASHION.weights_model))
        expected = np.asarray(v.saliency.convert("RGB"))  # as `_image` reads it back
        src, evidence = _image(page, "classify-evidence", not_src=old_src)
        for _ in range(3):  # the panel settles on this input's pictures (an earlier request's may show first)
            if np.array_equal(evidence, expected):
                break
            src, evidence = _image(page, "classify-evidence", not_src=src, timeout=20_000)
        assert np.array_equal(evidence, expected)
        for elem_id, made in (("classify-stages", v.stages), ("classify-weights", v.weights)):
            assert _image(page, elem_id)[1].shape[:2] == (made.height, made.width)
        page.locator("#classify-inside-note").get_by_text(FASHION.evidence_note(v.method).replace("**", "")[:60]).wait_for()
        return src

    src = shown_as_core_draws_it(FASHION.default())
    # Its captions are drawn at 18 px and shown at the picture's own size (not shrunk) on a laptop.
    assert page.locator("#classify-evidence img").evaluate("(el) => el.getBoundingClientRect().width") >= 684
    page.wait_for_function("() => !document.querySelector('#classify-inside').innerText.includes('processing')")
    screenshot(page, "classify_look_inside", readme=True)
    page.locator("#classify-model input").click()
    page.get_by_role("option", name=FASHION.label("mlp")).click()
    shown_as_core_draws_it("mlp", src)  # redrawn for the new model, no click: integrated gradients now
    page.locator("#classify-model input").click()
    page.get_by_role("option", name=FASHION.label(FASHION.default())).click()
    _answer(page, FASHION.entry(FASHION.default()).title, "")
    page.locator("#classify-inside").get_by_text(FASHION.inside_label).click()  # closed again for the next test
