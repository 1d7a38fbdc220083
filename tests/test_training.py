"""The shared training loop, through the real FSRCNN trainer on tiny data."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from PIL import Image
from support import free_port

from core.checkpoints import load_checkpoint
from core.training import STATE_FILE, LoopConfig, TrainingDiverged, TrainLoop, read_state
from train import sr as train_sr

ROOT = Path(__file__).resolve().parent.parent


def _fit_args(hr_folder, run_dir, steps, *extra):
    return ["fit", "--scale", "2", "--data", str(hr_folder), "--holdout", "2", "--run-dir", str(run_dir),
            "--steps", str(steps), "--batch", "16", "--patch", "12", "--quiet", *extra]


def _log(run_dir: Path, name: str) -> list[tuple[int, float]]:
    with open(run_dir / "log.csv") as f:
        return [(int(r["step"]), float(r["value"])) for r in csv.DictReader(f) if r["name"] == name]


def test_short_real_training_lowers_the_loss_and_exports_a_card(hr_folder, tmp_path):
    run = tmp_path / "run"
    train_sr.main(_fit_args(hr_folder, run, 200, "--lr", "3e-3", "--eval-every", "50"))
    mse, psnr = _log(run, "mse"), _log(run, "val_psnr")
    assert mse[-1][1] < mse[0][1]
    assert psnr[-1][1] > psnr[0][1] + 2.0, psnr
    model, card = load_checkpoint(run / "model.safetensors", task="sr")
    # The card's validation figure is measured again on export, on the held-out images, never on a test set.
    assert card["training"]["steps"] == 200 and card["validation"]["val_psnr"] == pytest.approx(psnr[-1][1], abs=0.01)
    assert card["metrics"] == {} and card["data"]["validation"] == f"{hr_folder.name} held out: img1, img4"
    assert "train.sr fit" in card["training"]["command"] and card["training"]["wall_time_s"] > 0
    cpu = _log(run, "cpu_s")
    assert 0 < cpu[-1][1] == pytest.approx(card["training"]["cpu_hours"] * 3600, abs=20)


def test_a_run_stopped_and_continued_ends_with_the_weights_of_an_unbroken_run(hr_folder, tmp_path):

    extra = ("--ema", "0.9", "--eval-every", "4", "--save-every", "1000")  # saves only at the stop and the end
    train_sr.main(_fit_args(hr_folder, tmp_path / "whole", 12, *extra))
    broken = tmp_path / "broken"
    train_sr.main(_fit_args(hr_folder, broken, 12, *extra, "--stop-at-step", "5"))
    assert not (broken / "model.safetensors").exists()  # a stopped sitting ships nothing
    first = json.loads((broken / "run.json").read_text())
    assert "--stop-at-step" not in first["argv"]  # the sitting's limit is not part of the run
    train_sr.main(["continue", str(broken)])
    whole, cont = read_state(tmp_path / "whole" / STATE_FILE), read_state(broken / STATE_FILE)
    assert set(whole["models"]) == {"fsrcnn", "ema"} and cont["loop"]["step"] == whole["loop"]["step"] == 12
    # Weights, EMA weights, Adam moments and the schedule position: the same.
    torch.testing.assert_close(cont["models"], whole["models"], rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(cont["optimizers"]["adam"]["state"], whole["optimizers"]["adam"]["state"],
                               rtol=1e-5, atol=1e-7)
    assert cont["schedulers"] == whole["schedulers"]
    assert [s for s, _ in _log(broken, "mse")] == [s for s, _ in _log(tmp_path / "whole", "mse")]
    card = load_checkpoint(broken / "model.safetensors")[1]
    # The card names the command that started the run and the one that went on with it, from step 5.
    training = card["training"]
    assert training["steps"] == 12 and training["command"].endswith(" --stop-at-step 5")
    assert training["continued_with"] == [training["command"].removesuffix(" --stop-at-step 5")]
    assert [i["from_step"] for i in json.loads((broken / "run.json").read_text())["invocations"]] == [0, 5]


def test_a_continuation_notes_its_overrides_once_with_their_new_values(hr_folder, tmp_path):
    run, threads = tmp_path / "run", torch.get_num_threads()
    train_sr.main(_fit_args(hr_folder, run, 4, "--threads", "1", "--eval-every", "100", "--stop-at-step", "2"))
    try:
        train_sr.main(["continue", str(run), "--threads", "2", "--quiet"])
        assert torch.get_num_threads() == 2  # the override took effect
    finally:
        torch.set_num_threads(threads)
    command = json.loads((run / "run.json").read_text())["invocations"][-1]["command"]
    assert command.count("--threads") == 1 and "--threads 2" in command, command


def test_continue_with_steps_changes_the_runs_length_and_the_schedule_goes_on_from_its_learning_rate(
        hr_folder, tmp_path):
    run = tmp_path / "run"
    train_sr.main(_fit_args(hr_folder, run, 40, "--save-every", "1000", "--stop-at-step", "10"))
    before = read_state(run / STATE_FILE)["optimizers"]["adam"]["param_groups"][0]["lr"]
    train_sr.main(["continue", str(run), "--steps", "16", "--stop-at-step", "11"])
    state = read_state(run / STATE_FILE)
    lr = state["optimizers"]["adam"]["param_groups"][0]["lr"]
    # One step later, on the new cosine: lr(t) - min = (lr(10) - min) * (1 + cos(pi t/16)) / (1 + cos(pi 10/16)).
    import math
    low = 1e-3 * 0.01
    assert lr == pytest.approx(low + (before - low) * (1 + math.cos(math.pi * 11 / 16)) / (1 + math.cos(math.pi * 10 / 16)))
    assert lr < before and state["schedulers"]["cosine"]["T_max"] == 16
    recorded = json.loads((run / "run.json").read_text())
    assert recorded["argv"][recorded["argv"].index("--steps") + 1] == "16"  # kept for later continuations
    train_sr.main(["continue", str(run)])
    assert read_state(run / STATE_FILE)["loop"]["step"] == 16
    final = read_state(run / STATE_FILE)["optimizers"]["adam"]["param_groups"][0]["lr"]
    assert final == pytest.approx(low)  # the schedule ended at the new length
    assert json.loads((run / "run.json").read_text())["length_changes"] == [
        {"at_step": 10, "steps_before": 40, "steps": 16}]
    card = load_checkpoint(run / "model.safetensors")[1]
    assert "moved from step 40 to 16 at step 10" in card["training"]["optimizer"]
    with pytest.raises(SystemExit, match="at step 16 already"):
        train_sr.main(["continue", str(run), "--steps", "12"])
    assert json.loads((run / "run.json").read_text())["argv"] == recorded["argv"]  # a refused change writes nothing


def test_a_moved_run_continues_where_it_lies_and_can_be_given_a_new_destination(hr_folder, tmp_path):
    import shutil

    train_sr.main(_fit_args(hr_folder, tmp_path / "scratch", 8, "--stop-at-step", "4"))
    moved = tmp_path / "repo" / "runs" / "x2"
    shutil.move(tmp_path / "scratch", moved)
    out = tmp_path / "repo" / "fsrcnn_x2.safetensors"
    train_sr.main(["continue", str(moved), "--out", str(out), "--stop-at-step", "6"])
    assert read_state(moved / STATE_FILE)["loop"]["step"] == 6 and not (tmp_path / "scratch").exists()
    argv = json.loads((moved / "run.json").read_text())["argv"]
    assert argv[argv.index("--run-dir") + 1] == str(moved) and argv[argv.index("--out") + 1] == str(out)
    train_sr.main(["continue", str(moved)])  # later continuations keep both
    assert out.is_file() and not (moved / "model.safetensors").exists()


def test_a_killed_run_resumes_and_never_leaves_a_partial_checkpoint(hr_folder, tmp_path):
    run, out = tmp_path / "run", tmp_path / "ship" / "fsrcnn_x2.safetensors"
    cmd = [sys.executable, "-m", "train.sr", *_fit_args(hr_folder, run, 2000, "--save-every", "10", "--out", str(out))]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not (run / STATE_FILE).exists() and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert (run / STATE_FILE).exists() and not out.exists()
    killed_at = read_state(run / STATE_FILE)["loop"]["step"]
    assert 10 <= killed_at < 2000
    done = subprocess.run([*cmd[:-2], "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"Resumed {run} at step {killed_at}" in done.stderr + done.stdout
    assert load_checkpoint(out)[1]["training"]["steps"] == 2000


def test_nan_loss_stops_with_a_clear_message(tmp_path):
    model = torch.nn.Linear(2, 1)
    loop = TrainLoop(LoopConfig(steps=10, run_dir=tmp_path, progress=False, save_every=1),
                     {"m": model}, {"sgd": torch.optim.SGD(model.parameters(), 0.1)})
    with pytest.raises(TrainingDiverged, match="diverged at step 3"):
        loop.run(lambda step: {"loss": float("nan") if step == 2 else 1.0})
    assert (tmp_path / STATE_FILE).exists()  # the last good state is kept


def test_the_trainer_runs_unchanged_under_torchrun_ddp_on_two_cpu_processes(hr_folder, tmp_path):
    run = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
           "-m", "train.sr", *_fit_args(hr_folder, run, 30, "--device", "cpu", "--save-every", "15")]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    card = load_checkpoint(run / "model.safetensors")[1]
    # Two processes of 16 patches: the effective batch doubles; weights were checked equal on both ranks.
    assert card["training"]["batch"] == 32 and "x2 processes" in card["training"]["hardware"]


def test_the_papers_transfer_trains_only_the_deconvolution_on_top_of_another_scale(hr_folder, tmp_path):
    from safetensors.torch import load_file

    train_sr.main(_fit_args(hr_folder, tmp_path / "x2", 10))
    x2 = tmp_path / "x2" / "model.safetensors"
    run = tmp_path / "x3"
    train_sr.main(["fit", "--scale", "3", "--data", str(hr_folder), "--holdout", "2", "--run-dir", str(run),
                   "--steps", "10", "--batch", "16", "--patch", "8", "--quiet", "--init", str(x2), "--freeze-trunk",
                   "--lr", "1e-2"])
    before, after = load_file(x2), load_file(run / "model.safetensors")
    for k, v in after.items():
        if k.startswith("deconv."):
            assert not torch.equal(v, before[k]), k  # the new scale's deconvolution learned
        else:
            assert torch.equal(v, before[k]), k  # every other layer is the x2 model's, untouched
    card = load_checkpoint(run / "model.safetensors")[1]
    assert "only the deconvolution trained" in card["training"]["optimizer"] and "x2" in card["training"]["init"]


def test_the_learning_curve_draws_validation_and_milestones_apart(tmp_path):
    from PIL import Image

    run = tmp_path / "fsrcnn_x3"
    run.mkdir()
    rows = ["step,split,name,value"] + [f"{s},eval,{n},{v}" for s in (1000, 2000)
                                        for n, v in (("val_psnr", 30 + s / 1000), ("cpu_s", s * 3.6))]
    (run / "log.csv").write_text("\n".join(rows) + "\n")
    (run / train_sr.MILESTONES).write_text(json.dumps([{"step": 2000, "cpu_hours": 2.0, "scale": 3, "Set5": 31.5}]))
    out = train_sr.learning_curve([run], tmp_path / "curve.png", train_sr.PAPER_SET5)
    assert Image.open(out).size == (1500, 600)  # two panels, 10 x 4 inches at 150 dpi


def test_recalibrated_batch_norm_statistics_are_those_of_the_images():
    from core.training import recalibrate_bn

    net = torch.nn.Sequential(torch.nn.BatchNorm2d(1), torch.nn.Conv2d(1, 2, 1))
    net.eval()
    images = torch.randn(600, 1, 4, 4) * 3 + 5
    recalibrate_bn(net, images, batch=100)  # equal batches: the average of their means is the mean
    bn = net[0]
    torch.testing.assert_close(bn.running_mean, images.mean().reshape(1), rtol=1e-4, atol=1e-4)
    # update_bn averages the batches' unbiased variances: about the variance of all the pixels
    torch.testing.assert_close(bn.running_var, images.var().reshape(1), rtol=2e-2, atol=0)
    assert not net.training


def test_a_run_on_every_image_says_that_nothing_was_validated(hr_folder, tmp_path):
    """--holdout 0 (the final model on all the data, settings chosen on a held-out run): trains on every image,
    and its card says that it was not validated instead of naming an empty held-out set."""
    run = tmp_path / "all"
    train_sr.main(["fit", "--scale", "2", "--data", str(hr_folder), "--holdout", "0", "--run-dir", str(run),
                   "--steps", "4", "--batch", "8", "--patch", "8", "--quiet", "--eval-every", "2"])
    card = load_checkpoint(run / "model.safetensors")[1]
    assert card["validation"] == {} and card["data"]["validation"].startswith("none: every image")
    assert card["data"]["train"].startswith(f"{hr_folder.name}, all 6 images: ")


def test_export_and_milestone_restore_a_run_without_cutting_its_training_patches(
        hr_folder, eval_root, tmp_path, monkeypatch):
    """`export RUN_DIR` and `milestone RUN_DIR` build the run from its folder and the held-out images only: the
    exported checkpoint and card are those of the fit's own export, and the milestone's figures are those its
    card gives, with Set5/Set14 measured on those weights, all without `make_patches`."""
    from safetensors.torch import load_file

    from core.sr.evaluate import evaluate_sets

    run = tmp_path / "run"
    train_sr.main(_fit_args(hr_folder, run, 6, "--ema", "0.9", "--eval-every", "3"))
    fitted, fit_card = load_checkpoint(run / "model.safetensors")

    def no_patches(*args, **kwargs):
        raise AssertionError("make_patches called: restoring a run needs no training patches")

    monkeypatch.setattr(train_sr, "make_patches", no_patches)
    again = tmp_path / "again.safetensors"
    train_sr.main(["export", str(run), "--out", str(again)])
    weights, fit_weights = load_file(again), load_file(run / "model.safetensors")
    assert weights.keys() == fit_weights.keys()
    for k, v in weights.items():
        assert torch.equal(v, fit_weights[k]), k
    card = load_checkpoint(again)[1]
    assert card["data"] == fit_card["data"] and " 0 12px" not in card["data"]["train"]  # the counted patches
    assert card["validation"] == fit_card["validation"] and set(card["validation"]) == {"val_psnr", "val_psnr_raw"}
    assert card["training"] == fit_card["training"]

    sets = tmp_path / "sets"
    sets.mkdir()
    for name in ("Set5", "Set14"):
        (sets / name).symlink_to(eval_root, target_is_directory=True)
    train_sr.main(["milestone", str(run), "--data", str(sets)])
    (entry,) = json.loads((run / train_sr.MILESTONES).read_text())
    measured = evaluate_sets({n: sets / n for n in ("Set5", "Set14")}, 2, train_sr._upscale_fn(fitted))
    assert entry == {"step": 6, "cpu_hours": fit_card["training"]["cpu_hours"], "scale": 2,
                     **fit_card["validation"], **{n: r["psnr"] for n, r in measured.items()}}


@pytest.mark.parametrize("extra", [(), ("--scale", "3", "--patch", "9", "--stride", "5"),
                                   ("--scale", "4", "--patch", "7", "--no-augment")])
def test_a_runs_patch_count_is_the_number_of_patches_it_cuts(hr_folder, tmp_path, extra):
    args = train_sr._parser().parse_args(_fit_args(hr_folder, tmp_path / "run", 4, *extra))
    run = train_sr.Run(args)
    assert run.patch_count() == len(run.patches()) > 0


def test_a_run_on_several_folders_trains_on_all_and_its_card_names_each(hr_folder, tmp_path, capsys):
    """`--data A B` (T91 + BSD200, the "291 images"): `--holdout 1` holds one image of each folder out, the rest
    of both is trained on, and the card names both folders with their image counts and held-out images."""
    from core.sr.data import count_patches

    other = tmp_path / "other"
    other.mkdir()
    photo = Image.open(hr_folder / "img0.png")
    for i in range(3):
        photo.rotate(90 * i).save(other / f"p{i}.png")
    run = tmp_path / "run"
    argv = ["fit", "--scale", "2", "--data", str(hr_folder), str(other), "--holdout", "1", "--run-dir", str(run),
            "--steps", "3", "--batch", "8", "--patch", "8", "--eval-every", "2", "--quiet"]
    train_sr.main(argv)
    assert f"from 7 images of {hr_folder} + {other}, 2 held out" in capsys.readouterr().out
    card = load_checkpoint(run / "model.safetensors")[1]
    n = count_patches([hr_folder / f"img{i}.png" for i in (0, 1, 2, 4, 5)] + [other / "p0.png", other / "p2.png"],
                      2, 8)
    assert card["data"]["train"].startswith(
        f"{hr_folder.name} (6 images, 1 held out) + other (3 images, 1 held out): {n} 8px LR patches")
    assert card["data"]["validation"] == f"{hr_folder.name} held out: img3; other held out: p1"
    assert train_sr._recorded_fit_args(run).data == [hr_folder, other]  # what `continue` runs again
