"""The Classify demo in both apps, exercised in-process on the shipped checkpoints."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.fashion.data import CLASSES
from core.fashion.task import TASK

ROOT = Path(__file__).resolve().parent.parent


def test_gradio_classify_endpoint_returns_top5_and_the_models_view(client):
    from gradio_client import handle_file

    example, _ = TASK.examples()[0]  # a real photo of a T-shirt
    label, view, timing = client.predict(handle_file(str(example)), TASK.names()[-1], api_name="/classify")
    assert label["label"] in CLASSES and len(label["confidences"]) == 5
    assert sum(c["confidence"] for c in label["confidences"]) <= 1.0 + 1e-6
    assert Image.open(view).size == (168, 168) and "ms" in timing
    # The answer says when the model averaged the image with its mirror image (the card's inference.flip_tta).
    assert ("mirror image averaged" in timing) == TASK.load(TASK.names()[-1]).flip_tta


def test_gradio_classify_drawing_and_empty_canvas(client, tmp_path):
    from gradio_client import handle_file

    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).rectangle((100, 40, 180, 250), fill=(0, 0, 0, 255))  # a dark bar: trouser-like
    path = tmp_path / "drawing.png"
    canvas.save(path)
    sketch = {"background": None, "layers": [], "composite": handle_file(str(path))}
    label, _, _ = client.predict(sketch, TASK.names()[-1], api_name="/classify_drawing")
    assert label["label"] in CLASSES
    empty = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    empty.save(path)
    with pytest.raises(Exception, match="Draw a garment first"):
        client.predict({"background": None, "layers": [], "composite": handle_file(str(path))}, TASK.names()[-1],
                       api_name="/classify_drawing")


def test_streamlit_classify_page_shows_probabilities_and_confusion_matrix():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "fashion.py"), default_timeout=60).run()
    assert not at.exception and not at.error
    assert at.subheader[0].value in CLASSES
    assert len([e for e in at.main if type(e).__name__ == "Progress"]) == 5
    # The example photo is named by what it shows and the right answers; the caption says it and credits the photo.
    shows = dict(TASK.examples())[at.selectbox(key="example").value]
    assert shows.startswith("t-shirt (") and f"Input: {shows}" in at.image[0].captions[0]
    assert "clothing dataset" in at.image[0].captions[0]
    # The confusion matrix is inline SVG (theme-coloured text); the model card is one click away.
    svg = next(m.value for m in at.markdown if m.value.startswith("<svg"))
    assert "currentColor" in svg and TASK.confusion_title(at.selectbox(key="arch").value) in svg
    assert "Model card" in [e.label for e in at.expander]
    # Switching the model answers with the new model.
    other = next(a for a in TASK.names() if a != at.selectbox(key="arch").value)
    at.selectbox(key="arch").set_value(other).run()
    assert not at.exception and TASK.load(other).title in at.caption[-1].value
    at.radio(key="source").set_value("Draw").run()
    assert not at.exception and "Draw a garment" in at.info[0].value
    at.radio(key="source").set_value("Upload").run()
    at.file_uploader(key="upload").upload("notes.txt", b"hello", "text/plain")
    at.run()
    assert "not an image" in at.error[0].value


def test_confusion_matrix_svg_is_vector_theme_aware_and_complete():
    from core.plots import confusion_matrix_svg

    arch = TASK.names()[-1]
    matrix = TASK.entry(arch).metrics["confusion_matrix"]
    svg = confusion_matrix_svg(matrix, CLASSES, TASK.confusion_title(arch))
    assert svg.startswith("<svg") and "width: 100%" in svg and "viewBox" in svg
    assert "#000000" not in svg and "fill: #ffffff" not in svg.split("<g id=\"axes_1\">")[0]  # no painted page
    texts = re.findall(r">([^<>]+)</text>", svg)
    for row in matrix:  # every non-zero count is real text (sharp, selectable), as are the class names
        for count in row:
            assert not count or str(count) in texts
    assert set(CLASSES) <= set(texts) and TASK.confusion_title(arch) in texts


def test_classify_endpoint_answers_with_the_picked_model(client):
    """Each model answers as core's `classify` does (the browser test checks the switch itself re-answers)."""
    from gradio_client import handle_file

    from core.fashion.predict import classify
    from core.imaging import open_image

    path, _ = TASK.examples()[0]
    for arch in TASK.names():
        label, _, timing = client.predict(handle_file(str(path)), arch, api_name="/classify")
        assert label["label"] == next(iter(classify(open_image(path), TASK.load(arch)).probabilities))
        assert TASK.load(arch).title in timing


def test_streamlit_page_shows_all_the_models_on_the_same_input():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "fashion.py"), default_timeout=60).run()
    assert not any("on the same 28×28 view" in m.value for m in at.markdown)  # computed only when asked for
    at.toggle(key="all_models").set_value(True).run()
    assert not at.exception and not at.error
    table = next(m.value for m in at.markdown if "on the same 28×28 view" in m.value)
    assert all(TASK.load(n).title in table for n in TASK.names())


def _look_inside_handlers(demo) -> list:
    return [f for f in demo.fns.values() if getattr(f, "name", "") == "look_inside"]


def test_gradio_look_inside_is_computed_while_open_and_shows_the_models_own_pictures(tmp_path):
    """The accordion's handler (in-process, on the suite's own Blocks): nothing while closed; open, the core's
    pictures of the picked model on the input on screen; every answer refreshes it."""
    import gradio as gr

    from core.fashion import inside
    from core.fashion.predict import to_fashion_mnist
    from core.imaging import open_image
    from demos.gradio_app import build_demo

    demo = build_demo()
    handlers = _look_inside_handlers(demo)
    # Refreshed by: Classify, Classify drawing, an example, the model picker, and opening the accordion.
    assert len(handlers) == 5
    look = handlers[0].fn
    path, _ = TASK.examples()[1]  # trousers
    assert look(False, "photo", str(path), None, "cnn") == (gr.skip(),) * 4  # closed: nothing computed or sent
    for arch in ("cnn", "mlp"):
        note, evidence, stages, weights = look(True, "photo", str(path), None, arch)
        v = inside.look_inside(TASK.load(arch), to_fashion_mnist(open_image(path)), TASK.load("softmax"))
        assert note == TASK.evidence_note(v.method)
        for shown, made in ((evidence, v.saliency), (stages, v.stages), (weights, v.weights)):
            assert np.array_equal(np.asarray(Image.open(shown)), np.asarray(made))
    # Nothing on screen to look at: it says so instead of failing.
    note, *pictures = look(True, "drawing", str(path), {"composite": None}, "cnn")
    assert "first" in note and pictures == [None, None, None]


def test_streamlit_page_looks_inside_the_classifier_when_opened():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "fashion.py"), default_timeout=60).run()
    assert TASK.inside_label in [e.label for e in at.expander]
    shown = len(at.image)
    assert not any("Where the score comes from" in m.value for m in at.markdown)  # computed only when opened
    at.session_state["inside"] = True  # the visitor opens the expander
    at.run()
    assert not at.exception and not at.error
    notes = [m.value for m in at.markdown]
    resnet = TASK.entry(at.selectbox(key="arch").value).variant.architecture == "resnet"
    assert TASK.evidence_note(f"Grad-CAM, {'stage 3' if resnet else 'layer2'}") \
        in notes and TASK.stages_note in notes and TASK.weights_note in notes
    assert len(at.image) == shown + 3  # evidence, stages, softmax weights
    at.selectbox(key="arch").set_value("mlp").run()  # the model switch redraws it for the new model
    assert TASK.evidence_note("integrated gradients") in [m.value for m in at.markdown]


def test_confusion_matrix_counts_fit_their_cells_with_a_margin():
    """#29 defect 7: three-digit counts touched their cells' edges. Each count's width (DejaVu Sans digits, the
    SVG's first font) is at most 3/4 of the cells' pitch, and the counts are no smaller than the class names less
    a fifth."""
    from core.plots import DIGIT_EM, TICK_FONT, confusion_matrix_svg

    for arch in TASK.names():
        matrix = TASK.entry(arch).metrics["confusion_matrix"]
        svg = confusion_matrix_svg(matrix, CLASSES, TASK.confusion_title(arch))
        counts = [(float(size), float(x), float(y), text) for size, x, y, text in re.findall(
            r'font-size: ([\d.]+)px[^>]*x="([\d.]+)" y="([\d.]+)"[^>]*>(\d+)</text>', svg)]
        assert len(counts) == sum(1 for row in matrix for c in row if c)
        size = {c[0] for c in counts}.pop()
        rows = {}
        for _, x, y, _ in counts:
            rows.setdefault(round(y, 1), []).append(x)
        pitch = min(b - a for xs in rows.values() for a, b in zip(sorted(xs), sorted(xs)[1:], strict=False))
        widest = max(len(t) for *_, t in counts)
        assert widest * DIGIT_EM * size <= 0.75 * pitch + 1e-6, (arch, size, pitch)
        assert size >= 0.8 * TICK_FONT
