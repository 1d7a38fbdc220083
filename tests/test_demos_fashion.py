"""The Classify demo in both apps, exercised in-process on the shipped checkpoints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from core.fashion.data import CLASSES
from core.fashion.task import TASK

ROOT = Path(__file__).resolve().parent.parent


def test_gradio_classify_endpoint_returns_top5_and_the_models_view(client):
    from gradio_client import handle_file

    example, truth = TASK.examples()[0]  # a rendered T-shirt/top
    assert truth == "T-shirt/top"
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
    # The example is named by its true class, and the input's caption says it in full.
    truth = dict(TASK.examples())[at.selectbox(key="example").value]
    assert f"true class: {truth}" in at.image[0].captions[0]
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
