import io

import numpy as np
import pytest
import torch
from PIL import Image

from core.imaging import ImageInputError, open_image, pil_to_tensor, rgb_to_y, rgb_to_ycbcr, tensor_to_pil, ycbcr_to_rgb


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


def test_open_image_refuses_non_images_and_empty(tmp_path):
    fake = tmp_path / "notes.png"
    fake.write_text("this is not an image")
    with pytest.raises(ImageInputError, match="not an image"):
        open_image(fake)
    with pytest.raises(ImageInputError, match="empty"):
        open_image(b"")
    with pytest.raises(ImageInputError, match="No image file"):
        open_image(tmp_path / "missing.png")


def test_open_image_refuses_truncated_files(photo):
    for fmt in ("PNG", "JPEG"):
        data = _png_bytes(photo, fmt)
        with pytest.raises(ImageInputError, match="truncated or damaged"):
            open_image(data[: len(data) // 2])


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


def _frames_gif() -> bytes:
    frames = [Image.new("RGB", (12, 10), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


@pytest.mark.parametrize("name, make, size", [
    ("1x1 image", lambda: _png_bytes(Image.new("RGB", (1, 1), "red")), (1, 1)),
    ("LA with alpha", lambda: _png_bytes(Image.new("LA", (6, 4), (0, 0))), (6, 4)),
    ("palette with transparency", lambda: _png_bytes(Image.new("P", (5, 5), 0), transparency=0), (5, 5)),
    ("animated GIF", _frames_gif, (12, 10)),
    ("WebP", lambda: _png_bytes(Image.new("RGB", (9, 7), "green"), "WEBP"), (9, 7)),
    ("16-bit grayscale", lambda: _png_bytes(Image.fromarray(np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000)), (8, 8)),
])
def test_odd_but_valid_inputs_become_rgb(name, make, size):
    img = open_image(make())
    assert img.mode == "RGB" and img.size == size, name


def test_animated_gif_gives_its_first_frame_and_alpha_goes_white():
    assert open_image(_frames_gif()).getpixel((0, 0)) == (255, 0, 0)
    assert open_image(_png_bytes(Image.new("LA", (2, 2), (0, 0)))).getpixel((0, 0)) == (255, 255, 255)
