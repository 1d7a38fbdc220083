"""The Upscale demo in both apps, exercised in-process on the shipped checkpoints."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.sr import available

ROOT = Path(__file__).resolve().parent.parent
SCALE, ARCH = 2, "fsrcnn"
pytestmark = pytest.mark.skipif((ARCH, SCALE) not in available(), reason="no shipped FSRCNN x2 checkpoint")


def test_compare_scores_fsrcnn_above_bicubic_against_ground_truth(photo):
    from core.sr.compare import compare, comparison_zoom

    c = compare(photo, SCALE, ARCH, ground_truth=True)
    w, h = photo.width - photo.width % SCALE, photo.height - photo.height % SCALE
    assert c.fsrcnn.size == c.bicubic.size == (w, h) and c.lr.size == (w // SCALE, h // SCALE)
    assert c.metrics["fsrcnn"]["psnr"] > c.metrics["bicubic"]["psnr"]
    assert "PSNR" in c.summary() and comparison_zoom(c).width > 3 * 256


def test_gradio_upscale_endpoint(client, tmp_path, photo):
    from gradio_client import handle_file

    path = tmp_path / "cat.png"
    photo.crop((100, 50, 260, 170)).save(path)
    slider, zoom, summary, download = client.predict(
        handle_file(str(path)), f"x{SCALE}", ARCH, False, api_name="/upscale"
    )
    before, after = (Image.open(p) for p in slider)
    assert before.size == after.size == (160 * SCALE, 120 * SCALE)
    assert Image.open(download).size == (160 * SCALE, 120 * SCALE)
    assert f"x{SCALE}" in summary and "ms" in summary
    assert Image.open(zoom).width > 256


def test_gradio_upscale_rejects_a_non_image_clearly(client, tmp_path):
    from gradio_client import handle_file

    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    with pytest.raises(Exception, match="not an image"):
        client.predict(handle_file(str(bad)), f"x{SCALE}", ARCH, False, api_name="/upscale")
    ok = tmp_path / "ok.png"
    Image.new("RGB", (40, 30), "gray").save(ok)
    assert client.predict(handle_file(str(ok)), f"x{SCALE}", ARCH, False, api_name="/upscale")[3]


def _page():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "upscale.py"), default_timeout=60)
    return at


def test_streamlit_page_upscales_an_example_and_scores_it():
    at = _page().run()
    assert not at.exception and not at.error
    at.radio(key="scale").set_value(SCALE)
    at.checkbox(key="gt").check()
    at.run()
    assert not at.exception and not at.error
    md = " ".join(m.value for m in at.markdown)
    assert "PSNR" in md and "dB" in md


def test_streamlit_page_upload_and_bad_upload():
    at = _page().run()
    at.radio(key="source").set_value("Upload").run()
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (30, 40, 3), dtype=np.uint8)).save(buf, "PNG")
    at.file_uploader(key="upload").upload("x.png", buf.getvalue(), "image/png")
    at.run()
    assert not at.exception and not at.error
    assert sum(type(e).__name__ == "Image" for e in at.main) == 3  # bicubic, FSRCNN, zoom
    assert f"40×30 → {40 * SCALE}×{30 * SCALE} px" in at.markdown[0].value
    at.file_uploader(key="upload").upload("bad.png", b"hello", "image/png")
    at.run()
    assert not at.exception and "not an image" in at.error[0].value
