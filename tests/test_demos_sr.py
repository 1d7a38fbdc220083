"""The Upscale demo in both apps, exercised in-process on the shipped checkpoints."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from support import before_after_sliders, same_render

from core.checkpoints import PAPER_INIT
from core.sr.task import TASK

ROOT = Path(__file__).resolve().parent.parent
SCALE, ARCH = 2, "fsrcnn_x2"


def _plain_upscale(up, img: Image.Image) -> np.ndarray:
    """The reference: whole image, the model's layers with a plain ConvTranspose2d, colour by core.imaging."""
    from core.imaging import pil_to_tensor, rgb_to_ycbcr, tensor_to_pil, ycbcr_to_rgb
    from core.sr.upscale import bicubic

    m, s = up.model, up.scale
    with torch.inference_mode():
        y = rgb_to_ycbcr(pil_to_tensor(img))[None, :1]
        ycc = rgb_to_ycbcr(pil_to_tensor(bicubic(img, s)))
        ycc[:1] = F.conv_transpose2d(m.trunk(y), m.deconv.weight, m.deconv.bias, s, 4, s - 1)[0]
        return np.asarray(tensor_to_pil(ycbcr_to_rgb(ycc)), dtype=int)


@pytest.mark.parametrize("arch", TASK.names())
def test_fast_upscaler_equals_the_plain_conv_transpose_version(arch, photo):
    """Tiles, the GEMM deconvolution and the 8-bit colour path change nothing beyond 1/255."""
    up = TASK.load(arch)
    scale = up.scale
    img = photo.crop((20, 10, 20 + 2 * up.tile + 37, 10 + up.tile + 23))  # 3 x 2 tiles, ragged edges
    out = np.asarray(up(img), dtype=int)
    ref = _plain_upscale(up, img)
    assert out.shape == ref.shape == (img.height * scale, img.width * scale, 3)
    assert same_render(out, ref, share=1e-3)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_gemm_deconv_is_the_transposed_convolution(scale):
    from core.sr.model import gemm_deconv

    g = torch.Generator().manual_seed(scale)
    x, w, b = torch.randn(2, 56, 17, 23, generator=g), torch.randn(56, 1, 9, 9, generator=g), torch.randn(1, generator=g)
    ref = F.conv_transpose2d(x, w, b, scale, 4, scale - 1)
    assert torch.allclose(gemm_deconv(x, w, b, scale), ref, atol=1e-4)


def test_compare_scores_fsrcnn_above_bicubic_against_ground_truth(photo):
    from core.sr.compare import compare, comparison_zoom

    phases = []
    c = compare(photo, TASK.load(ARCH), ground_truth=True, progress=lambda f, p: phases.append((f, p)))
    w, h = photo.width - photo.width % SCALE, photo.height - photo.height % SCALE
    assert c.fsrcnn.size == c.bicubic.size == (w, h) and c.lr.size == (w // SCALE, h // SCALE)
    assert c.metrics["model"]["psnr"] > c.metrics["bicubic"]["psnr"]
    assert "PSNR" in c.summary() and comparison_zoom(c).width > 4 * 256  # where | bicubic | FSRCNN | truth
    assert phases[0] == (0.0, "Bicubic") and phases[-1][0] == 1.0 and phases[-1][1].startswith("FSRCNN tiles")
    assert [f for f, _ in phases] == sorted(f for f, _ in phases)


def test_zoom_crops_are_the_results_own_pixels_and_the_overview_marks_them(photo):
    """The zoom is computed from the input alone, yet shows exactly the full results' pixels at its box, and
    the overview outlines that box in red; a click on the overview maps back to the image."""
    from core.sr.compare import OVERVIEW_SIDE, ZOOM_TO, compare, zoom_view

    c = compare(photo, TASK.load(ARCH))
    z = zoom_view(c.lr, c.upscaler, at=(300, 40))
    x0, y0, x1, y1 = z.box
    assert (x1 - x0, y1 - y0) == (32 * SCALE, 32 * SCALE) and z.lr_box == (284, 24, 316, 56)
    gap = 6
    for k, full in enumerate((c.bicubic, c.fsrcnn), start=1):
        left = OVERVIEW_SIDE + gap + (k - 1) * (ZOOM_TO + gap)
        tile = np.asarray(z.panel.crop((left, 0, left + ZOOM_TO, ZOOM_TO)))
        assert (tile[..., 3] == 255).all()  # the pictures are opaque; only what lies around them is transparent
        assert np.array_equal(tile[..., :3], np.asarray(full.crop(z.box).resize((ZOOM_TO, ZOOM_TO), Image.NEAREST)))
    ov = np.asarray(z.panel.crop((0, 0, *z.overview)), dtype=int)
    red = (ov[..., 0] > 200) & (ov[..., 1] < 60) & (ov[..., 2] < 60)
    ys, xs = np.nonzero(red)
    k = z.overview[0] / c.lr.width
    assert abs(xs.min() - 284 * k) <= 2 and abs(xs.max() - 316 * k) <= 2 and abs(ys.min() - 24 * k) <= 2
    assert z.lr_point(300 * k, 40 * k) == pytest.approx((300, 40), abs=2) and z.lr_point(OVERVIEW_SIDE + 10, 5) is None


def test_the_zoom_panel_reads_on_a_dark_page_no_white_strip_or_block(photo):
    """#29 defect 10: in dark mode the panel showed a white caption strip and a white block under the overview.
    Around the pictures the panel is transparent, and each caption is white text on a dark chip of its own."""
    from core.imaging import CAPTION_H, flatten
    from core.sr.compare import compare, zoom_view

    c = compare(photo, TASK.load(ARCH))
    z = zoom_view(c.lr, c.upscaler)
    a = np.asarray(z.panel)
    assert z.panel.mode == "RGBA"
    ow, oh = z.overview
    assert oh < a.shape[0] - CAPTION_H  # the overview is shorter than the zoomed tiles: the room below it is empty
    below = a[oh + CAPTION_H :, :ow]
    assert (below[..., 3] == 0).all()  # ... and transparent, not a white block
    strip = a[oh : oh + CAPTION_H, :ow]  # the overview's caption: a dark chip with light text, the rest transparent
    chip = strip[strip[..., 3] > 0]
    assert (strip[..., 3] == 0).any() and np.median(chip[:, :3]) < 80 and (chip[:, :3] > 200).all(axis=1).sum() > 30
    on_dark = np.asarray(flatten(z.panel, "#18181b"))  # Gradio's dark page
    assert not ((on_dark > 245).all(axis=2)[:, :ow].sum(axis=1) > 0.8 * ow).any()  # no white row across the overview


def test_automatic_zoom_picks_texture_not_a_flat_area_or_a_lone_edge():
    from core.sr.compare import detail_box

    rng = np.random.default_rng(0)
    a = np.full((300, 400), 128, np.uint8)
    a[:, 200:] = 20  # one hard edge between two flat halves: strong gradient, no detail
    a[220:270, 40:90] = rng.integers(90, 170, (50, 50))  # a small area of real texture
    x0, y0, x1, y1 = detail_box(Image.fromarray(a).convert("RGB"), 32)
    assert 40 - 8 <= x0 and x1 <= 90 + 8 and 220 - 8 <= y0 and y1 <= 270 + 8
    assert detail_box(Image.new("RGB", (100, 60), "gray"), 32) == (34, 14, 66, 46)  # flat: the centre


def _psnr(a: Image.Image, b: Image.Image) -> float:
    err = (np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) ** 2
    return float(10 * np.log10(255**2 / err.mean()))


def test_previews_are_display_sized_and_near_exact(photo):
    from core.sr.compare import PREVIEW_SIDE, encode_preview

    data, ext = encode_preview(photo)
    shown = Image.open(io.BytesIO(data))
    assert ext == "jpg" and shown.format == "JPEG" and shown.size == photo.size and _psnr(shown, photo) > 40
    big = photo.resize((3600, 2400))
    data, ext = encode_preview(big)
    small = Image.open(io.BytesIO(data))
    assert ext == "jpg" and small.format == "JPEG" and small.size == (PREVIEW_SIDE, 1067) and len(data) < 2_000_000


def test_model_card_is_written_for_a_visitor():
    text = TASK.card_markdown(ARCH)
    card = TASK.entry(ARCH).card
    assert f"Set5 {card['metrics']['Set5']['psnr']:.2f} dB" in text and f"{card['training']['steps']:,} steps" in text
    assert card["training"].get("init", PAPER_INIT) != PAPER_INIT  # the paper's transfer: x2 from the x3 model
    assert "Started from another trained model" in text
    # No developer text: commands, paths, hashes, the server's folders stay in the JSON card.
    for dev in ("python -m", "checkpoints/", "--", "sha256", "../", str(ROOT), ".safetensors"):
        assert dev not in text, dev


def test_gradio_upscale_endpoint(client, tmp_path, photo):
    from gradio_client import handle_file

    path = tmp_path / "cat.png"
    photo.crop((100, 50, 260, 170)).save(path)
    args = (handle_file(str(path)), f"x{SCALE}", ARCH, False)
    # The full-resolution PNG is made when asked for: before the answer (made again), and after it (kept).
    first = client.predict(*args, api_name="/upscale_png")
    slider, zoom, summary = client.predict(*args, api_name="/upscale")
    download = client.predict(*args, api_name="/upscale_png")
    before, after = (Image.open(p) for p in slider)
    assert before.size == after.size == (160 * SCALE, 120 * SCALE) and after.format == "JPEG"  # display copies
    full = Image.open(download)
    assert full.size == (160 * SCALE, 120 * SCALE) and full.format == "PNG" and Path(download).name == "fsrcnn_x2.png"
    exact = np.asarray(TASK.load(ARCH)(Image.open(path).convert("RGB")))
    assert np.array_equal(np.asarray(full), exact) and np.array_equal(np.asarray(Image.open(first)), exact)
    # The display copy shows the result itself, far closer to it than bicubic is.
    assert _psnr(after, full) > 40 and _psnr(after, full) > _psnr(before, full) + 5
    assert f"x{SCALE}" in summary and "ms" in summary
    assert Image.open(zoom).width > 3 * 256


def test_gradio_large_image_gets_previews_and_a_full_resolution_download(client, tmp_path):
    from gradio_client import handle_file

    from core.examples import example_photo
    from core.sr.compare import PREVIEW_SIDE

    path = tmp_path / "big.png"
    example_photo("coffee").resize((1200, 800)).save(path)
    args = (handle_file(str(path)), f"x{SCALE}", ARCH, False)
    slider, _, summary = client.predict(*args, api_name="/upscale")
    download = client.predict(*args, api_name="/upscale_png")
    before, after = (Image.open(p) for p in slider)
    assert before.size == after.size == (PREVIEW_SIDE, round(PREVIEW_SIDE * 2 / 3)) and after.format == "JPEG"
    assert Path(slider[1]).stat().st_size < 2_000_000
    assert Image.open(download).size == (2400, 1600) and "1200×800 → 2400×1600" in summary


def test_gradio_upscale_errors_are_clear_and_name_no_server_path(client, tmp_path):
    from gradio_client import handle_file

    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    with pytest.raises(Exception, match="not an image"):
        client.predict(handle_file(str(bad)), f"x{SCALE}", ARCH, False, api_name="/upscale")
    ok = tmp_path / "ok.png"
    Image.new("RGB", (40, 30), "gray").save(ok)
    assert "40×30 → 80×60" in client.predict(handle_file(str(ok)), f"x{SCALE}", ARCH, False, api_name="/upscale")[2]
    with pytest.raises(Exception, match="not an image"):  # the download refuses it as the answer does
        client.predict(handle_file(str(bad)), f"x{SCALE}", ARCH, False, api_name="/upscale_png")
    with pytest.raises(Exception) as err:  # an unknown model: refused by name, listing the shipped ones
        client.predict(handle_file(str(ok)), "x4", "fsrcnn-xl_x4", False, api_name="/upscale")
    assert "fsrcnn-xl_x4" in str(err.value) and "fsrcnn-s_x4" in str(err.value)
    assert str(ROOT) not in str(err.value)
    # A model of another scale (the picker not yet narrowed when Upscale was clicked): the same model at the scale
    # asked for answers, and the summary names it.
    summary = client.predict(handle_file(str(ok)), "x4", "fsrcnn-s_x2", False, api_name="/upscale")[2]
    assert "40×30 → 160×120" in summary and "FSRCNN-s (32,5,1) x4" in summary


def _page():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "sr.py"), default_timeout=60)
    return at


def test_streamlit_page_upscales_an_example_and_scores_it():
    at = _page().run()
    assert not at.exception and not at.error
    at.radio(key="scale").set_value(SCALE)
    at.checkbox(key="gt").check()
    at.run()
    assert not at.exception and not at.error
    md = " ".join(m.value for m in at.markdown)
    assert "PSNR" in md and "dB" in md and TASK.card_markdown("fsrcnn_x2") in md  # the model card


def test_streamlit_picker_offers_only_what_is_shipped_at_the_scale():
    at = _page().run()
    for s in (2, 3, 4):
        at.radio(key="scale").set_value(s).run()
        assert not at.exception and list(at.selectbox(key="arch").options) == [TASK.label(a) for a in TASK.names(scale=s)]


def test_streamlit_page_upload_zoom_and_bad_upload():
    at = _page().run()
    at.radio(key="source").set_value("Upload").run()
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (30, 40, 3), dtype=np.uint8)).save(buf, "PNG")
    at.file_uploader(key="upload").upload("x.png", buf.getvalue(), "image/png")
    at.run()
    assert not at.exception and not at.error
    assert before_after_sliders(at) == 1 and sum(type(e).__name__ == "Image" for e in at.main) == 1  # and the zoom
    assert any(f"40×30 → {40 * SCALE}×{30 * SCALE} px" in m.value for m in at.markdown)
    at.toggle(key="zoom_pick").set_value(True).run()
    at.slider(key="zoom_x").set_value(0).run()
    assert not at.exception and not at.error
    at.file_uploader(key="upload").upload("bad.png", b"hello", "image/png")
    at.run()
    assert not at.exception and "not an image" in at.error[0].value


def test_streamlit_page_looks_inside_fsrcnn_on_request():
    at = _page().run()
    captions = lambda: [c for img in at.image for c in img.captions]  # noqa: E731
    assert not any("first layer learned" in c for c in captions())  # computed only when asked for
    at.toggle(key="inside").set_value(True).run()
    assert not at.exception and not at.error
    shown = captions()
    assert any("differs from bicubic" in c for c in shown) and any("stages" in c for c in shown)
    assert any("first layer learned" in c for c in shown)


def test_streamlit_example_is_upscaled_once_for_every_visitor(monkeypatch):
    import streamlit as st

    from core.sr import compare

    st.cache_resource.clear()  # a fresh server
    calls = []
    real = compare.compare
    monkeypatch.setattr(compare, "compare", lambda *a, **k: calls.append(1) or real(*a, **k))  # counts, then runs
    first = _page().run()
    assert not first.exception and not first.error
    n = len(calls)
    assert n >= 1  # the first visitor's example was computed
    second = _page().run()  # another visitor, the same example
    assert not second.exception and not second.error and len(calls) == n  # answered from the cache
    assert [m.value for m in first.markdown if "→" in m.value] == [m.value for m in second.markdown if "→" in m.value]


def test_example_answers_cached_by_other_code_are_not_shown(tmp_path):
    """The first paint comes from Gradio's example cache, which outlives the server: after a change to how the zoom
    panel is drawn (#29 defect 10) the old white-strip panel was still shown. The cache is keyed by the code."""
    import shutil

    from demos.components.outputs import code_fingerprint

    for d in ("core", "demos"):
        shutil.copytree(ROOT / d, tmp_path / d, ignore=shutil.ignore_patterns("__pycache__", "*.safetensors"))
    before = code_fingerprint(tmp_path)
    assert code_fingerprint(tmp_path) == before  # nothing changed: the cache is read
    compare = tmp_path / "core" / "sr" / "compare.py"
    compare.write_text(compare.read_text().replace("Where (red box)", "Where (the red box)"))
    assert code_fingerprint(tmp_path) != before


def test_streamlit_examples_show_as_pictures_and_a_click_picks_one():
    """#29: the Streamlit page offered its examples as a list of names only (Gradio shows thumbnails)."""
    from core.examples import PHOTOS

    at = _page().run()
    assert not at.exception
    assert sum(type(e).__name__ == "Image" for e in at.main) >= 1 + len(PHOTOS)  # a picture per example + the zoom
    at.button(key="use_coffee").click().run()
    assert not at.exception and not at.error and at.selectbox(key="example").value == "coffee"
    assert any("600×400" in m.value for m in at.markdown)  # the coffee cup was upscaled
