"""Projecting images into a generator's latent space (core.gan.project) and the training curves shipped in the
generators' cards (core.gan.curves), on the shipped generators and their real training logs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
import torch

from core.checkpoints import read_card, shipped
from core.fashion.predict import to_fashion_mnist
from core.fashion.task import TASK as FASHION
from core.gan.curves import summarise
from core.gan.latent import latents
from core.gan.project import FIGURE_SIDE, as_target, project, projection_figure
from core.gan.task import TASK
from core.imaging import open_image

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """As the apps serve: one torch thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _random_mse(s, target, label=None, n=8) -> float:
    """The mean pixel MSE between `target` and n seeded samples: what no search at all achieves."""
    return float((s.sample(n, 0, label) - target).pow(2).mean())


def test_projecting_a_generated_image_recovers_it():
    """G(z*) for a known z* and class: the search finds an image almost equal to it, far closer than a sample,
    with the class it was drawn with; the latent it returns redraws the match."""
    s = TASK.load(TASK.default())
    assert s.conditional
    target = s.generate(latents(1, 12345, s.z_dim), torch.tensor([7]))  # a sneaker
    p = project(s, target[0])
    assert p.label == 7 and p.class_name() == "Sneaker"
    assert p.mse < 0.003 and p.mse < _random_mse(s, target, 7) / 20
    z = torch.from_numpy(np.load(io.BytesIO(p.latent_npy()), allow_pickle=False))
    assert z.shape == (1, s.z_dim) and z.dtype == torch.float32
    assert torch.allclose(s.generate(z, torch.tensor([p.label])), p.image, atol=1e-5)


@pytest.mark.parametrize("arch", TASK.names())
def test_a_real_image_matches_better_than_a_random_sample(arch):
    """A real photo of a T-shirt (the first Classify example), through the 28x28 view: every shipped
    generator's match is several times closer than its random samples, and the nearest training image is found."""
    path, _ = FASHION.examples()[0]
    view = to_fashion_mnist(open_image(path))
    s = TASK.load(arch)
    p = project(s, view)
    target = as_target(view)
    assert torch.equal(p.target, target)
    assert p.mse < _random_mse(s, target) / 3
    assert abs(p.distance - float((p.image - target).norm())) < 1e-4
    assert abs(p.nearest_distance - float((p.nearest - target).norm())) < 1e-3
    assert p.nearest_distance < float((s.sample(1, 0) - target).norm())
    figure = projection_figure(p)
    assert figure.width >= 3 * FIGURE_SIDE and figure.height > FIGURE_SIDE


def test_progress_is_reported_in_order_and_the_answer_is_repeatable():
    s = TASK.load(TASK.default())
    target = s.sample(1, 3, 1)[0]
    heard: list[tuple[float, str]] = []
    p = project(s, target, steps=60, progress=lambda f, text: heard.append((f, text)))
    fractions = [f for f, _ in heard]
    assert len(heard) >= 5 and fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1
    assert all(0 <= f <= 1 for f in fractions) and "Step 10 of 60" in " ".join(t for _, t in heard)
    again = project(s, target, steps=60)
    assert torch.equal(p.image, again.image) and p.label == again.label


@pytest.mark.parametrize("bad, message", [
    (torch.zeros(28, 28), "blank"),
    (torch.rand(32, 32), "28x28"),
    (torch.full((28, 28), 2.0), "from 0 to 1"),
    ("a string", "28x28"),
])
def test_bad_input_gets_a_clear_error(bad, message):
    with pytest.raises(ValueError, match=message):
        project(TASK.load(TASK.default()), bad)


def test_bad_search_settings_get_a_clear_error():
    s = TASK.load(TASK.default())
    with pytest.raises(ValueError, match="Steps must be a whole number from 1"):
        project(s, s.sample(1, 0, 0)[0], steps=0)
    with pytest.raises(ValueError, match="Starts must be a whole number from 1"):
        project(s, s.sample(1, 0, 0)[0], starts=10**6)


#: The log of the run that made each shipped generator (the Space ships the cards, not these logs).
LOGS = {"cgan": ROOT / "checkpoints/gan/runs/cgan/log.csv", "dcgan": ROOT / "checkpoints/gan/runs/dcgan/log.csv",
        "gan": ROOT / "docs/training-logs/gan_gan/log.csv"}


@pytest.mark.parametrize("arch", sorted(LOGS))
def test_shipped_curves_are_the_logs_own_values(arch):
    """The card's curves equal the log's losses, averaged over the stated window, read here independently."""
    curves = read_card(shipped("gan", arch))["curves"]
    assert curves == summarise(LOGS[arch])
    rows = list(csv.DictReader(open(LOGS[arch], newline="")))
    w = curves["window"]
    for name, c in curves["series"].items():
        values = [(int(r["step"]), float(r["value"])) for r in rows if r["split"] == "train" and r["name"] == name]
        assert len(c["steps"]) == -(-len(values) // w) <= 200
        for i, (step, mean) in enumerate(zip(c["steps"], c["values"], strict=True)):
            chunk = values[i * w : (i + 1) * w]
            assert step == chunk[-1][0] and mean == pytest.approx(sum(v for _, v in chunk) / len(chunk), rel=1e-5)
    assert curves["series"]["loss_d"]["steps"][-1] == read_card(shipped("gan", arch))["training"]["steps"]
    figure = TASK.curves_figure(arch)
    assert len(figure.axes) == (2 if "loss_d_class" in curves["series"] else 1)
    assert figure.axes[0].lines[0].get_ydata().tolist() == curves["series"]["loss_d"]["values"]


def test_curves_from_another_runs_log_are_refused(checkpoint_copy, tmp_path):
    from train.gan import main

    log = (ROOT / "docs/training-logs/gan_dcgan/log.csv").read_text().splitlines()
    short = tmp_path / "log.csv"  # the DCGAN's log cut at step 5,000: a shorter run's
    short.write_text("\n".join(line for line in log if not line[0].isdigit() or int(line.split(",")[0]) <= 5000))
    with pytest.raises(SystemExit, match="ends at step 5,000.*trained for 15,000 steps"):
        main(["curves", str(checkpoint_copy / "gan" / "dcgan.safetensors"), "--log", str(short)])
