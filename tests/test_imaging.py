import io

import numpy as np
import pytest
import torch
from PIL import Image

from core.imaging import ImageInputError, open_image, pil_to_tensor, rgb_to_y, rgb_to_ycbcr, tensor_to_pil, ycbcr_to_rgb
from tests.corpus import CORPUS


def _png_bytes(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_open_image_accepts_path_bytes_and_file(tmp_path, photo):
    path = tmp_path / "cat.png"
    photo.save(path)
    for src in (path, str(path), path.read_bytes(), open(path, "rb")):
        img = open_image(src)
        assert img.mode == "RGB" and img.size == photo.size
        assert np.array_equal(np.asarray(img), np.asarray(photo))


@pytest.mark.parametrize("case", CORPUS, ids=str)
def test_open_image_on_the_bad_input_corpus(case):
    if case.refusal:
        with pytest.raises(ImageInputError, match=case.refusal):
            open_image(case.make())
    else:
        img = open_image(case.make())
        assert img.mode == "RGB" and img.size == case.size


def test_open_image_refuses_a_missing_path_and_a_non_image_file(tmp_path):
    fake = tmp_path / "notes.png"
    fake.write_text("this is not an image")
    with pytest.raises(ImageInputError, match="not an image"):
        open_image(fake)
    with pytest.raises(ImageInputError, match="No image file"):
        open_image(tmp_path / "missing.png")


def test_open_image_refuses_decompression_bomb_before_decoding():
    # A 1-bit PNG of 20000x20000 compresses to a few kB but would decode to 400 MP.
    bomb = _png_bytes(Image.new("1", (20000, 20000)))
    assert len(bomb) < 200_000
    with pytest.raises(ImageInputError, match="too large"):
        open_image(bomb)
    with pytest.raises(ImageInputError, match="too large"):
        open_image(_png_bytes(Image.new("RGB", (300, 200))), max_pixels=50_000)


def test_open_image_normalises_modes(photo):
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 0))  # fully transparent red -> white
    assert open_image(_png_bytes(rgba)).getpixel((0, 0)) == (255, 255, 255)
    g16 = Image.fromarray(np.full((4, 4), 65535, dtype=np.uint16))
    assert open_image(_png_bytes(g16)).getpixel((0, 0)) == (255, 255, 255)
    cmyk = photo.convert("CMYK")
    assert open_image(_png_bytes(cmyk, "JPEG")).mode == "RGB"
    pal = photo.convert("P")
    assert open_image(_png_bytes(pal)).size == photo.size


def test_open_image_applies_exif_orientation(photo):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    data = _png_bytes(photo, "JPEG", exif=exif)
    assert open_image(data).size == (photo.height, photo.width)


def test_ycbcr_matches_matlab_convention_and_roundtrips():
    white, black = torch.ones(3, 1, 1), torch.zeros(3, 1, 1)
    assert rgb_to_y(white).item() == pytest.approx(235 / 255, abs=1e-5)
    assert rgb_to_y(black).item() == pytest.approx(16 / 255, abs=1e-6)
    x = torch.rand(3, 8, 8)
    assert torch.allclose(ycbcr_to_rgb(rgb_to_ycbcr(x)), x, atol=1e-5)


def test_tensor_pil_roundtrip(photo):
    assert np.array_equal(np.asarray(tensor_to_pil(pil_to_tensor(photo))), np.asarray(photo))


def test_animated_gif_gives_its_first_frame_and_alpha_goes_white():
    gif = next(c for c in CORPUS if c.name == "animated GIF")
    assert open_image(gif.make()).getpixel((0, 0)) == (255, 0, 0)
    assert open_image(_png_bytes(Image.new("LA", (2, 2), (0, 0)))).getpixel((0, 0)) == (255, 255, 255)


def test_captions_draw_no_missing_glyph_boxes():
    """The bundled font has no "×": "Input (28×28 view)" showed a box in the projection figure. Captions draw it
    as "x", so the caption equals the one written with "x"."""
    from core.imaging import captioned, text_tile

    pic = Image.new("RGB", (300, 40), "gray")
    assert np.array_equal(np.asarray(captioned(pic, "Input (28×28 view)")), np.asarray(captioned(pic, "Input (28x28 view)")))
    assert not np.array_equal(np.asarray(captioned(pic, "Input (28×28 view)")), np.asarray(captioned(pic, "Input (28 28 view)")))
    assert np.array_equal(np.asarray(text_tile(["5×5"], 120, 60)), np.asarray(text_tile(["5x5"], 120, 60)))
