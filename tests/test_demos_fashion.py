"""The Classify demo in both apps, exercised in-process on the shipped checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from core.examples import fashion_example_files
from core.fashion import CLASSES
from core.fashion.predict import available, load_classifier

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not available() or not fashion_example_files(), reason="needs classifiers and data")


def test_gradio_classify_endpoint_returns_top5_and_the_models_view(client):
    from gradio_client import handle_file

    example = fashion_example_files()[0]  # a rendered T-shirt/top
    label, view, timing = client.predict(handle_file(str(example)), available()[-1], api_name="/classify")
    assert label["label"] in CLASSES and len(label["confidences"]) == 5
    assert sum(c["confidence"] for c in label["confidences"]) <= 1.0 + 1e-6
    assert Image.open(view).size == (168, 168) and "ms" in timing
    # The answer says when the model averaged the image with its mirror image (the card's inference.flip_tta).
    assert ("mirror image averaged" in timing) == load_classifier(available()[-1]).flip_tta


def test_gradio_classify_drawing_and_empty_canvas(client):
    from gradio_client import handle_file

    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).rectangle((100, 40, 180, 250), fill=(0, 0, 0, 255))  # a dark bar: trouser-like
    path = ROOT / ".pytest_cache" / "drawing.png"
    path.parent.mkdir(exist_ok=True)
    canvas.save(path)
    sketch = {"background": None, "layers": [], "composite": handle_file(str(path))}
    label, _, _ = client.predict(sketch, available()[-1], api_name="/classify_drawing")
    assert label["label"] in CLASSES
    empty = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    empty.save(path)
    with pytest.raises(Exception, match="Draw a garment first"):
        client.predict({"background": None, "layers": [], "composite": handle_file(str(path))}, available()[-1],
                       api_name="/classify_drawing")


def test_streamlit_classify_page_shows_probabilities_and_confusion_matrix():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "classify.py"), default_timeout=60).run()
    assert not at.exception and not at.error
    assert at.subheader[0].value in CLASSES
    assert len([e for e in at.main if type(e).__name__ == "Progress"]) == 5
    at.radio(key="source").set_value("Draw").run()
    assert not at.exception and "Draw a garment" in at.info[0].value
    at.radio(key="source").set_value("Upload").run()
    at.file_uploader(key="upload").upload("notes.txt", b"hello", "text/plain")
    at.run()
    assert "not an image" in at.error[0].value
