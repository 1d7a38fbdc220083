"""The GAN explorer in both apps, exercised in-process on the shipped generators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.gan.sample import available

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not available(), reason="no shipped generator")


def test_sample_endpoint_is_seeded_and_downloadable(client):
    arch = available()[-1]
    grid, files = client.predict(arch, 3, "All classes", 16, 1.0, api_name="/sample")
    again, _ = client.predict(arch, 3, "All classes", 16, 1.0, api_name="/sample")
    other, _ = client.predict(arch, 4, "All classes", 16, 1.0, api_name="/sample")
    a, b, c = (np.asarray(Image.open(p)) for p in (grid, again, other))
    assert a.shape == b.shape and np.array_equal(a, b) and not np.array_equal(a, c)
    names = sorted(Path(f).name for f in files)
    assert names == ["grid.png", "latents.npy"]
    z = np.load(next(f for f in files if f.endswith(".npy")), allow_pickle=False)
    assert z.shape[0] == 16 and z.dtype == np.float32


def test_interpolation_arithmetic_and_bad_parameters(client):
    arch = available()[-1]
    strip, gif = client.predict(arch, 0, 1, 6, "slerp", "All classes", api_name="/interpolate")
    assert Image.open(strip).width > Image.open(strip).height * 4
    g = Image.open(gif)
    assert g.format == "GIF" and g.n_frames == 10  # 6 forwards + 4 back
    assert Image.open(client.predict(arch, 0, 1, 2, "All classes", api_name="/arithmetic")).width > 0
    with pytest.raises(Exception, match="Seed must be|less than minimum value 0"):
        client.predict(arch, -1, "All classes", 4, 1.0, api_name="/sample")


def test_streamlit_gan_page():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "gan.py"), default_timeout=60).run()
    assert not at.exception and not at.error
    assert sum(type(e).__name__ == "Image" for e in at.main) >= 1
    at.number_input(key="seed").set_value(7).run()
    assert not at.exception and not at.error


def test_identical_requests_get_files_of_their_own():
    """Two users asking for the same images must not share (and overwrite) one output file."""
    from demos.gradio_app import run_sample

    arch = available()[-1]
    (grid_a, files_a), (grid_b, files_b) = (run_sample(arch, 5, "All classes", 4, 1.0) for _ in range(2))
    assert grid_a != grid_b and Path(grid_a).parent != Path(grid_b).parent
    assert Path(grid_a).read_bytes() == Path(grid_b).read_bytes()
    assert grid_a in files_a and Image.open(grid_a).format == "PNG"
