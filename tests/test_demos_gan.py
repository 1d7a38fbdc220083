"""The GAN explorer in both apps, exercised in-process on the shipped generators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from support import same_render

from core.gan.render import to_grid
from core.gan.task import TASK
from core.tasks import clear_caches

ROOT = Path(__file__).resolve().parent.parent


def _pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def _conditional() -> str:
    arch = TASK.default()
    assert TASK.conditional(arch)  # the conditional GAN, the best-ranked shipped generator
    return arch


def test_sample_endpoint_is_seeded_and_downloadable(client):
    arch = TASK.names()[-1]
    grid, caption = client.predict(arch, 3, "All classes", 16, 1.0, api_name="/sample")
    again, _ = client.predict(arch, 3, "All classes", 16, 1.0, api_name="/sample")
    other, _ = client.predict(arch, 4, "All classes", 16, 1.0, api_name="/sample")
    a, b, c = (_pixels(p) for p in (grid, again, other))
    assert a.shape == b.shape and np.array_equal(a, b) and not np.array_equal(a, c)
    assert Path(grid).name == "grid.png"
    # The latents, made when asked for, are the ones behind that grid: generating from them redraws it.
    latents = client.predict(arch, 3, "All classes", 16, 1.0, api_name="/sample_latents")
    assert Path(latents).name == "latents_seed3_n16.npy"
    z = np.load(latents, allow_pickle=False)
    assert z.shape == (16, TASK.load(arch).z_dim) and z.dtype == np.float32
    s = TASK.load(arch)
    redrawn = s.generate(torch.from_numpy(z), s.labels(16, 3, None))
    assert same_render(a, np.asarray(to_grid(redrawn, nrow=8).convert("RGB")))
    with pytest.raises(Exception, match="greater than maximum"):  # bounded as the samples are
        client.predict(arch, 3, "All classes", 10**7, 1.0, api_name="/sample_latents")
    assert "16 samples" in caption and "seed 3" in caption


def test_a_picked_class_steers_the_conditional_model(client):
    """'Sneaker' gives sneakers (as the shipped classifier sees them); an unconditional model ignores the class."""
    from core.fashion.task import TASK as FASHION

    arch = _conditional()
    grid, caption = client.predict(arch, 5, "Sneaker", 16, 1.0, api_name="/sample")
    assert "Sneaker" in caption
    images = TASK.load(arch).sample(16, 5, TASK.class_index("Sneaker"))
    assert same_render(_pixels(grid), np.asarray(to_grid(images, nrow=8).convert("RGB")))
    predicted = FASHION.load(FASHION.judge).predict_tensor(images).argmax(1)
    assert (predicted == TASK.class_index("Sneaker")).float().mean() >= 0.75
    for plain in (a for a in TASK.names() if not TASK.conditional(a)):
        picked, text = client.predict(plain, 5, "Sneaker", 8, 1.0, api_name="/sample")
        everything, _ = client.predict(plain, 5, "All classes", 8, 1.0, api_name="/sample")
        assert same_render(_pixels(picked), _pixels(everything)) and "Sneaker" not in text


def test_class_control_policy():
    for arch in TASK.names():
        note = TASK.class_note(arch)
        assert ("unconditional" in note) == (not TASK.load(arch).conditional)
    assert all(e[0] in TASK.names() for e in TASK.examples())
    assert TASK.title(TASK.default()) in TASK.card_markdown(TASK.default())


def test_interpolation_wraps_into_rows_and_animates(client):
    arch = TASK.names()[-1]
    frames, gif = client.predict(arch, 0, 1, 32, "slerp", "All classes", api_name="/interpolate")
    # 32 frames of 28 px (+2 px padding), 8 per row, enlarged 3x: 4 rows, not a 35 px ribbon.
    assert Image.open(frames).size == ((8 * 30 + 2) * 3, (4 * 30 + 2) * 3)
    g = Image.open(gif)
    assert g.format == "GIF" and g.n_frames == 62  # 32 forwards + 30 back
    _, short_gif = client.predict(arch, 0, 1, 6, "slerp", "All classes", api_name="/interpolate")
    assert Image.open(short_gif).n_frames == 10  # 6 forwards + 4 back


def test_arithmetic_shows_four_captioned_images(client):
    from core.gan.explore import arithmetic
    from core.gan.render import to_grid

    arch = TASK.names()[-1]
    *images, = client.predict(arch, 0, 1, 2, "All classes", api_name="/arithmetic")
    paths, captions = images[:4], images[4:]
    assert [c.strip("*") for c in captions] == ["A (seed 0)", "B (seed 1)", "C (seed 2)", "A − B + C"]
    expected = arithmetic(TASK.load(arch), 0, 1, 2)
    for k, path in enumerate(paths):
        assert same_render(_pixels(path), np.asarray(to_grid(expected[k : k + 1], nrow=1, scale=4).convert("RGB")))
    assert not same_render(_pixels(paths[3]), _pixels(paths[0]))
    with pytest.raises(Exception, match="Seed must be|less than minimum value 0"):
        client.predict(arch, -1, "All classes", 4, 1.0, api_name="/sample")


def test_directions_start_at_the_seed_and_stay_on_the_data(client):
    from core.gan.explore import DIRECTION_SPREAD, direction_ranges
    from core.gan.latent import latents
    from core.gan.render import to_grid

    arch = TASK.names()[-1]
    s = TASK.load(arch)
    moved, near, caption, start = client.predict(arch, 4, "All classes", 0, 0, 0, 0, 0, api_name="/directions")
    assert start == ""  # from the seed, not from a projection
    # No slider moved: the seed's own first sample.
    assert same_render(_pixels(moved), np.asarray(to_grid(s.sample(1, 4), nrow=1, scale=6).convert("RGB")))
    assert near is None or Image.open(near).width > Image.open(near).height * 4
    assert "Nearest training images" in caption
    # Each slider reaches DIRECTION_SPREAD standard deviations of the latents along its direction.
    spread = (latents(4096, 99, s.z_dim) @ s.directions[:5].T).std(0)
    reach = direction_ranges(s)
    # An independent sample of latents: the spread estimate differs by ~1 % (n = 4096), the slider step by 0.025.
    assert len(reach) == 5 and np.allclose(reach, DIRECTION_SPREAD * spread.numpy(), atol=0.1)
    assert TASK.direction_reach(arch) == reach  # what the card says (the app's sliders) is what core computes


def test_streamlit_gan_page():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "gan.py"), default_timeout=60).run()
    assert not at.exception and not at.error
    assert sum(type(e).__name__ == "Image" for e in at.main) >= 1
    at.number_input(key="seed").set_value(7).run()
    assert not at.exception and not at.error
    assert "seed 7" in at.image[0].captions[0]
    # Arithmetic: four images, each captioned.
    captions = [c for img in at.image for c in img.captions]
    assert {"A (seed 0)", "B (seed 1)", "C (seed 2)", "A − B + C"} <= set(captions)
    assert "Model card" in [e.label for e in at.expander]
    # Direction sliders reach the range the card gives, which is what core computes for the model.
    from core.gan.explore import direction_ranges

    arch = at.radio(key="arch").value
    assert at.slider(key=f"dir0_{arch}").max == TASK.direction_reach(arch)[0] == direction_ranges(TASK.load(arch))[0]


def test_streamlit_class_control_is_off_for_an_unconditional_model():
    from streamlit.testing.v1 import AppTest

    plain = [a for a in TASK.names() if not TASK.conditional(a)]
    assert plain and TASK.conditional(TASK.default())  # the 2014 GAN and DCGAN; the conditional GAN by default
    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "gan.py"), default_timeout=60).run()
    at.selectbox(key="label").set_value("Sneaker").run()
    assert not at.selectbox(key="label").disabled and "Sneaker" in at.image[0].captions[0]
    at.radio(key="arch").set_value(plain[0]).run()
    assert not at.exception and not at.error
    box = at.selectbox(key="label")
    assert box.disabled and box.value == "All classes" and "unconditional" in box.help
    assert any("unconditional" in c.value for c in at.caption)
    assert "Sneaker" not in at.image[0].captions[0]


def test_identical_requests_get_files_of_their_own():
    """Two users asking for the same images must not share (and overwrite) one output file."""
    from core.gan.render import to_grid
    from demos.components.outputs import save_outputs

    grid = to_grid(TASK.load(TASK.names()[-1]).sample(4, 5), nrow=8)
    (a,), (b,) = (save_outputs("samples-5", {"grid.png": grid}) for _ in range(2))
    assert a != b and Path(a).parent != Path(b).parent
    assert Path(a).read_bytes() == Path(b).read_bytes() and Image.open(a).format == "PNG"


def test_watch_it_learn_says_when_no_timeline_was_recorded():
    silent = [name for name in TASK.names() if TASK.entry(name).card.get("timeline") is None]
    assert "gan" in silent  # the 2014 GAN predates the timeline
    for name in silent:
        assert TASK.timeline(name) is None
        assert TASK.timeline_note(name).startswith(f"No timeline was recorded for {TASK.title(name)}")


@pytest.fixture()
def with_timeline(checkpoint_copy):
    """The shipped checkpoints in a scratch folder, the default generator given a timeline of three frames
    that its real generator draws on the fixed seeds (as the trainer records them)."""
    import torch

    from core import checkpoints
    from core.gan.timeline import Timeline, record_frame, timeline_file, timeline_inputs

    name = TASK.default()
    s = TASK.load(name)
    z, y = timeline_inputs(s.z_dim, s.num_classes)
    frames = [record_frame(s.g, z * f, y) for f in (0.0, 0.5, 1.0)]
    weights = checkpoints.shipped("gan", name)
    Timeline([100, 200, 300], torch.stack(frames)).save(timeline_file(weights))
    card = checkpoints.read_card(weights)
    checkpoints.write_card(weights, {**card, "timeline": {"file": timeline_file(weights).name, "steps": [100, 200, 300]}})
    clear_caches()
    return name, frames


def test_watch_it_learn_shows_the_recorded_timeline_in_streamlit(with_timeline):
    from streamlit.testing.v1 import AppTest

    name, frames = with_timeline
    t = TASK.timeline(name)
    assert t.steps == [100, 200, 300] and all(np.array_equal(t.frames[i], f) for i, f in enumerate(frames))
    assert "3 points" in TASK.timeline_note(name)
    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "gan.py"), default_timeout=120).run()
    assert not at.exception
    step = at.slider(key=f"timeline_{name}")
    assert (step.min, step.max, step.value) == (1, 3, 3)  # frames counted from 1; opens on the last point
    step.set_value(1).run()
    assert not at.exception
    assert any("Step 100 of 300" in str(getattr(el, "caption", "")) or "Step 100 of 300" in str(el.proto)
               for el in at.main)


def test_the_presentation_pack_carries_the_timeline(with_timeline, tmp_path):
    from demos import export

    written = export.make_pack(tmp_path / "pack", runs=[])
    gif = Image.open(tmp_path / "pack" / "gan_timeline.gif")
    assert tmp_path / "pack" / "gan_timeline.gif" in written and gif.n_frames == 3
    assert "`gan_timeline.gif`: The same 32 seeded samples" in (tmp_path / "pack" / "summary.md").read_text()


def test_the_presentation_shows_the_default_generators_timeline_or_else_another_ones(checkpoint_copy):
    from core import checkpoints

    names = TASK.names()
    assert len(names) >= 2

    def set_timeline(name, entry):
        weights = checkpoints.shipped("gan", name)
        card = {k: v for k, v in checkpoints.read_card(weights).items() if k != "timeline"}
        checkpoints.write_card(weights, {**card, **({"timeline": entry} if entry else {})})

    for n in names:
        set_timeline(n, None)
    assert TASK.timeline_model() is None
    other = next(n for n in names if n != TASK.default())
    set_timeline(other, {"file": "x.timeline.safetensors", "steps": [1, 2]})
    assert TASK.timeline_model() == other
    set_timeline(TASK.default(), {"file": "y.timeline.safetensors", "steps": [1, 2]})
    assert TASK.timeline_model() == TASK.default()


def test_project_endpoint_finds_a_close_match_and_its_latent(client):
    """A photo of a garment (a Classify example) projected by the app: the figure, a caption with the distances,
    and the latent, which redraws the match; the drawing endpoint says what is missing."""
    from gradio_client import handle_file

    from core.fashion.predict import to_fashion_mnist
    from core.fashion.task import TASK as FASHION
    from core.gan.project import FIGURE_SIDE, project, projection_figure
    from core.imaging import open_image

    path, _ = FASHION.examples()[0]
    arch = _conditional()
    view, match, nearest, caption, npy = client.predict(handle_file(str(path)), arch, api_name="/project")
    s = TASK.load(arch)
    p = project(s, to_fashion_mnist(open_image(path)))  # what the app computed, in-process
    for shown, image in ((view, p.target), (match, p.image), (nearest, p.nearest)):
        assert same_render(_pixels(shown), np.asarray(to_grid(image, nrow=1, scale=6).convert("RGB")))
    assert projection_figure(p).width >= 3 * FIGURE_SIDE  # the same three, as one picture (the presentation pack)
    assert f"L2 distance {p.distance:.2f}" in caption and p.class_name() in caption
    assert Path(npy).name == p.latent_file(arch)
    z = torch.from_numpy(np.load(npy, allow_pickle=False))
    assert torch.allclose(s.generate(z, torch.tensor([p.label])), p.image, atol=1e-5)
    with pytest.raises(Exception, match="Draw a garment first"):
        client.predict(None, arch, api_name="/project_drawing")
    with pytest.raises(Exception, match="Upload a photo or draw a garment first"):
        client.predict(None, arch, api_name="/project")


def test_streamlit_projects_a_photo_and_directions_start_from_it():
    from streamlit.testing.v1 import AppTest

    from core.fashion.task import TASK as FASHION

    path, _ = FASHION.examples()[0]
    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "gan.py"), default_timeout=120).run()
    at.radio(key="project_source").set_value("Photo").run()
    at.button(key="project_go").click().run()
    assert "Draw a garment or upload a photo first." in [w.value for w in at.warning]
    at.file_uploader(key="project_photo").upload(path.name, path.read_bytes(), "image/png").run()
    at.button(key="project_go").click().run()
    assert not at.exception and not at.error
    captions = [c for img in at.image for c in img.captions]
    assert any(c.startswith("Input view | best match") for c in captions)
    assert any("best match" in m.value and "L2 distance" in m.value for m in at.markdown)
    at.toggle(key="dir_from_projection").set_value(True).run()
    assert "Your projected image, moved" in [c for img in at.image for c in img.captions]


def test_streamlit_draws_the_training_curves():
    from streamlit.testing.v1 import AppTest

    arch = TASK.default()
    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / "gan.py"), default_timeout=120).run()
    assert TASK.curves_note(arch) in [c.value for c in at.caption]
    assert "Training curves (from the training log)" in [c for img in at.image for c in img.captions]
