"""Shared fixtures: tiny data the tests generate from images that scikit-image ships."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.examples import example_photo

# Gradio's cached example outputs go to a scratch folder, not into the repository's .gradio/.
os.environ.setdefault("GRADIO_EXAMPLES_CACHE", tempfile.mkdtemp(prefix="paper-to-demo-examples-cache-"))


@pytest.fixture(scope="session")
def gradio_url():
    """One Gradio suite for the whole test session, served in-process on a free local port."""
    from demos.gradio_app import build_demo, launch

    demo = build_demo()
    launch(demo, server_port=None, prevent_thread_lock=True, quiet=True)
    yield demo.local_url
    demo.close()


@pytest.fixture()
def client(gradio_url):
    from gradio_client import Client

    return Client(gradio_url, verbose=False)


@pytest.fixture()
def checkpoint_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the shipped checkpoint folder that the whole suite reads for this test (damage it at will);
    loaded models are forgotten before and after, so nothing loaded from the real folder answers for it."""
    import shutil

    import core.checkpoints as ck
    from core.tasks import clear_caches

    root = tmp_path / "checkpoints"
    shutil.copytree(ck.CHECKPOINT_DIR, root, ignore=shutil.ignore_patterns("runs"))
    monkeypatch.setattr(ck, "CHECKPOINT_DIR", root)
    clear_caches()
    yield root
    clear_caches()


@pytest.fixture(scope="session")
def photo() -> Image.Image:
    """A real RGB photo (Chelsea the cat, 451x300)."""
    return example_photo("chelsea")


@pytest.fixture(scope="session")
def hr_folder(tmp_path_factory, photo) -> Path:
    """A tiny T91-like training folder: six 96x96 crops of real photos."""
    folder = tmp_path_factory.mktemp("hr")
    coffee = example_photo("coffee")
    for i, (im, x, y) in enumerate([(photo, 0, 0), (photo, 150, 100), (photo, 300, 180),
                                     (coffee, 0, 0), (coffee, 250, 100), (coffee, 450, 250)]):
        im.crop((x, y, x + 96, y + 96)).save(folder / f"img{i}.png")
    return folder


@pytest.fixture(scope="session")
def eval_root(tmp_path_factory) -> Path:
    """A tiny Set5-like evaluation set: image_SRF_{2,3,4}/*_HR.png and *_LR.png."""
    from core.sr.data import bicubic_downscale, crop_to_multiple

    root = tmp_path_factory.mktemp("evalset")
    astro = example_photo("astronaut").crop((150, 50, 270, 170))
    for s in (2, 3, 4):
        d = root / f"image_SRF_{s}"
        d.mkdir()
        hr = crop_to_multiple(astro, s)
        hr.save(d / f"img_001_SRF_{s}_HR.png")
        bicubic_downscale(hr, s).save(d / f"img_001_SRF_{s}_LR.png")
    return root


def noise_image(w: int, h: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB")
