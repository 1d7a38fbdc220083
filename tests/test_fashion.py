"""Fashion-MNIST: data loading, models, a short real training run, and predict() on photo-like input."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from core.fashion.data import (
    CLASSES,
    DEBIAN_DIR,
    IDX_FILES,
    DataMissingError,
    load_split,
    prepare_root,
    render_as_photo,
    to_input,
)
from core.fashion.models import MLP, SmallCNN, SmallResNet, SoftmaxRegression
from core.fashion.predict import to_fashion_mnist
from core.fashion.task import TASK

HAVE_DATA = all((DEBIAN_DIR / f"{n}.gz").is_file() for n in IDX_FILES)
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="dataset-fashion-mnist is not installed (make setup installs it)")


def _idx_images(a: np.ndarray) -> bytes:
    return struct.pack(">IIII", 0x803, *a.shape) + a.astype(np.uint8).tobytes()


def _idx_labels(a: np.ndarray) -> bytes:
    return struct.pack(">II", 0x801, len(a)) + a.astype(np.uint8).tobytes()


def test_idx_files_are_decompressed_from_a_debian_style_folder_and_read(tmp_path):
    rng = np.random.default_rng(0)
    src = tmp_path / "debian"
    src.mkdir()
    data = {
        "train-images-idx3-ubyte": _idx_images(rng.integers(0, 256, (12, 28, 28))),
        "train-labels-idx1-ubyte": _idx_labels(np.arange(12) % 10),
        "t10k-images-idx3-ubyte": _idx_images(rng.integers(0, 256, (5, 28, 28))),
        "t10k-labels-idx1-ubyte": _idx_labels(np.arange(5)),
    }
    for name, blob in data.items():
        (src / f"{name}.gz").write_bytes(gzip.compress(blob))
    root = prepare_root(tmp_path / "root", source=src)
    x, y = load_split(True, root)
    assert x.shape == (12, 28, 28) and x.dtype == torch.uint8 and y.tolist() == list(np.arange(12) % 10)
    assert np.array_equal(x[3].numpy(), np.frombuffer(data["train-images-idx3-ubyte"][16:], np.uint8).reshape(12, 28, 28)[3])
    assert load_split(False, root)[0].shape == (5, 28, 28)
    assert to_input(x).shape == (12, 1, 28, 28) and float(to_input(x).max()) <= 1.0


def test_missing_data_gives_a_clear_message(tmp_path):
    with pytest.raises(DataMissingError, match="apt-get install dataset-fashion-mnist"):
        load_split(True, tmp_path / "empty", source=tmp_path / "nowhere")


@needs_data
def test_the_real_dataset_has_the_published_sizes():
    x, y = load_split(True)
    assert x.shape == (60000, 28, 28) and torch.bincount(y).tolist() == [6000] * 10
    assert load_split(False)[0].shape == (10000, 28, 28)


@pytest.mark.parametrize("model", [SoftmaxRegression(), MLP(), SmallCNN(), SmallResNet()], ids=lambda m: type(m).__name__)
def test_architectures_map_images_to_ten_logits(model):
    x = torch.rand(4, 1, 28, 28)
    assert model(x).shape == (4, 10) and model.features(x).shape[0] == 4
    if isinstance(model, SmallResNet):
        assert sum(p.numel() for p in model.parameters()) <= 1_500_000


@pytest.fixture(scope="module")
def short_run(tmp_path_factory) -> Path:
    """A small CNN really trained for 48 steps on 2,048 images, shipping EMA weights: the checkpoint's path."""
    from train import fashion

    run_dir = tmp_path_factory.mktemp("fashion_run")
    fashion.main(["fit", "--arch", "cnn", "--subset", "2048", "--steps", "48", "--batch", "64", "--run-dir",
                  str(run_dir), "--quiet", "--eval-every", "1000", "--ema", "0.9"])
    return run_dir / "model.safetensors"


@needs_data
def test_a_short_real_training_run_beats_chance(short_run):
    clf = TASK.load(str(short_run))
    acc = clf.card["metrics"]["test_accuracy"]
    assert acc > 0.5, acc  # chance is 0.1
    conf = np.array(clf.card["metrics"]["confusion_matrix"])
    assert conf.sum() == 10000 and np.trace(conf) / 10000 == pytest.approx(acc, abs=1e-4)


def test_flip_tta_averages_an_image_and_its_mirror_image():
    torch.manual_seed(0)
    net = SmallCNN().eval()
    x = torch.rand(6, 1, 28, 28)
    with torch.no_grad():
        p = net.probabilities(x, flip_tta=True)
        expected = (net(x).softmax(-1) + net(x.flip(-1)).softmax(-1)) / 2
        assert torch.allclose(p, expected, atol=1e-6) and torch.allclose(p.sum(-1), torch.ones(6))
        # With TTA a garment and its mirror image get the same answer; a single view does not.
        assert torch.allclose(net.probabilities(x.flip(-1), flip_tta=True), p, atol=1e-6)
        assert not torch.allclose(net.probabilities(x.flip(-1)), net.probabilities(x), atol=1e-4)


@needs_data
def test_evaluate_records_flip_tta_in_the_card_and_predict_follows_it(short_run):
    from core.checkpoints import load_checkpoint
    from core.fashion.predict import Classifier
    from train import fashion

    fashion.main(["evaluate", str(short_run), "--flip-tta", "--write-card"])
    model, card = load_checkpoint(short_run)
    assert card["inference"] == {"flip_tta": True} and "--flip-tta" in card["evaluation"]["command"]
    assert 0.5 < card["metrics"]["test_accuracy_single_view"] <= 1.0
    x = to_input(load_split(False)[0][:64])
    clf = Classifier(model, card)
    assert clf.flip_tta and torch.equal(clf.predict_tensor(x), model.probabilities(x, flip_tta=True))

    fashion.main(["evaluate", str(short_run), "--no-flip-tta", "--write-card"])
    model, card = load_checkpoint(short_run)
    assert card["inference"] == {"flip_tta": False} and "test_accuracy_single_view" not in card["metrics"]
    assert torch.equal(Classifier(model, card).predict_tensor(x), model.probabilities(x))


def test_preprocessing_turns_a_photo_back_into_the_dataset_image():
    rng = np.random.default_rng(0)
    img = torch.zeros(28, 28, dtype=torch.uint8)
    img[4:24, 9:19] = torch.from_numpy(rng.integers(120, 255, (20, 10)).astype(np.uint8))  # a 'trouser' blob
    view = np.asarray(to_fashion_mnist(render_as_photo(img, seed=3)), dtype=np.float32)
    assert view.shape == (28, 28)
    rows, cols = np.nonzero(view > 40)
    # Longest edge (height 20 -> 28) fills the canvas; the object is centred horizontally.
    assert rows.min() <= 1 and rows.max() >= 26 and abs((cols.min() + cols.max()) / 2 - 13.5) <= 1.5
    assert view[:, :3].max() < 20 and view[:, -3:].max() < 20  # background is black, like the dataset


best = pytest.mark.skipif(not TASK.names() or not HAVE_DATA, reason="needs shipped classifiers and the dataset")


@best
@pytest.mark.parametrize("name", ["default", "cnn"])
def test_predict_keeps_its_accuracy_on_photo_like_renderings(name):
    clf = TASK.load(TASK.default() if name == "default" else name)
    x, y = load_split(False)
    idx = torch.arange(0, 10000, 25)  # 400 test images
    raw = clf.predict_tensor(to_input(x[idx])).argmax(-1)
    photos = torch.tensor([CLASSES.index(next(iter(clf.predict(render_as_photo(x[i], seed=int(i)))))) for i in idx])
    acc_raw = float((raw == y[idx]).float().mean())
    acc_photo = float((photos == y[idx]).float().mean())
    assert acc_photo >= 0.9 * acc_raw, (acc_photo, acc_raw)
    assert float((photos == raw).float().mean()) > 0.85  # same label for a dataset image and its photo


@best
def test_probabilities_sum_to_one_and_are_ranked(photo):
    clf = TASK.load(TASK.default())
    probs = clf.predict(photo)
    assert list(probs) and set(probs) == set(CLASSES)
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)
    assert list(probs.values()) == sorted(probs.values(), reverse=True)
    p = clf.predict_tensor(torch.rand(3, 1, 28, 28))
    assert p.shape == (3, 10) and torch.allclose(p.sum(-1), torch.ones(3))
    with pytest.raises(ValueError, match="shape"):
        clf.predict_tensor(torch.rand(3, 28, 28))


def test_unknown_model_name_is_a_clear_error():
    with pytest.raises(ValueError, match=f"Unknown classifier 'vgg'. Shipped: {', '.join(TASK.names())}."):
        TASK.load("vgg")


def test_the_validation_split_is_fixed_stratified_and_disjoint():
    from core.fashion.data import validation_split

    labels = torch.randint(0, 10, (60_000,), generator=torch.Generator().manual_seed(1))
    train, val = validation_split(labels, 5000)
    assert len(val) == 5000 and len(train) == 55_000
    assert not set(train.tolist()) & set(val.tolist()) and sorted(train.tolist() + val.tolist()) == list(range(60_000))
    assert torch.bincount(labels[val], minlength=10).tolist() == [500] * 10  # stratified
    again = validation_split(labels, 5000)
    assert torch.equal(again[1], val) and not torch.equal(validation_split(labels, 5000, seed=1)[1], val)
    with pytest.raises(ValueError, match="multiple of 10"):
        validation_split(labels, 4999)


@needs_data
def test_the_card_records_the_protocol_and_choices_are_measured_on_validation_only(short_run, capsys):
    import json

    from train import fashion

    card = json.loads(short_run.with_suffix(".json").read_text())
    # The short run held out the default 5,000 images; validated on them, measured the test set once.
    assert card["training"]["held_out"] == 5000 and "5000 of the 60,000" in card["protocol"]["validation"]
    assert 0.5 < card["validation"]["val_accuracy"] <= 1 and "measured once" in card["protocol"]["test"]
    fashion.main(["evaluate", str(short_run), "--split", "val", "--flip-tta", "--write-card"])
    assert "5000 held-out training images, with flip TTA" in capsys.readouterr().out
    card = json.loads(short_run.with_suffix(".json").read_text())
    assert 0.3 < card["validation"]["val_accuracy_flip_tta"] <= 1 and card["inference"] == {"flip_tta": True}
    fashion.main(["evaluate", str(short_run), "--split", "val", "--no-flip-tta", "--write-card"])  # back to single view


@needs_data
def test_the_run_ships_the_ema_weights_it_validated(short_run):
    from core.checkpoints import load_checkpoint
    from core.training import STATE_FILE, read_state

    state = read_state(short_run.parent / STATE_FILE)["models"]
    model, card = load_checkpoint(short_run, task="fashion")
    val = card["validation"]
    ema_won = val["val_accuracy_ema"] >= val["val_accuracy_raw"]
    assert val["val_accuracy"] == max(val["val_accuracy_ema"], val["val_accuracy_raw"])  # the shipped weights'
    shipped = {k: v for k, v in model.named_parameters()}
    # the weights that validated better: the EMA here (a short run's last weights are noisier), never by chance
    torch.testing.assert_close(shipped, {k: state["ema" if ema_won else "net"][k] for k in shipped})
    assert any(not torch.equal(state["ema"][k], state["net"][k]) for k in shipped)
    assert ("EMA (decay 0.9), batch-norm statistics recomputed" in card["training"]["optimizer"]) == ema_won
    if ema_won:  # statistics of its own, not the raw model's that each step copies over
        stats = {k: v for k, v in model.state_dict().items() if k.endswith("running_mean")}
        assert stats and all(not torch.equal(v, state["net"][k]) for k, v in stats.items())


@needs_data
def test_a_wider_deeper_resnet_is_trained_and_its_card_rebuilds_it(tmp_path):
    """--width/--blocks reach the model, the card records them, and the checkpoint loads as that network."""
    from train import fashion

    fashion.main(["fit", "--arch", "resnet", "--width", "8", "--blocks", "2", "--subset", "256", "--steps", "4",
                  "--batch", "32", "--run-dir", str(tmp_path), "--quiet", "--eval-every", "1000"])
    clf = TASK.load(str(tmp_path / "model.safetensors"))
    assert clf.card["config"]["width"] == 8 and clf.card["config"]["blocks"] == 2
    assert isinstance(clf.model, SmallResNet) and clf.model.fc[1].in_features == 32
    assert sum(type(m).__name__ == "ResidualBlock" for m in clf.model.modules()) == 6
    with pytest.raises(SystemExit, match="--width applies to the ResNets only"):
        fashion.main(["fit", "--arch", "cnn", "--width", "8", "--run-dir", str(tmp_path / "cnn"), "--quiet"])


def test_side_by_side_gives_each_classifier_its_own_answer_on_the_same_view():
    from PIL import Image

    from core.fashion.data import CLASSES
    from core.fashion.predict import classify, image_to_tensor, side_by_side
    from core.fashion.task import TASK

    path, _ = TASK.examples()[0]
    view = classify(Image.open(path), TASK.load(TASK.default())).view
    names = TASK.names()
    rows = side_by_side(view, [TASK.load(n) for n in names])
    assert [m for m, _, _ in rows] == [TASK.load(n).title for n in names]
    for n, (_, best, p) in zip(names, rows, strict=True):
        alone = TASK.load(n).predict_tensor(image_to_tensor(view))[0]  # the same model on the same view, by itself
        assert best == CLASSES[int(alone.argmax())] and p == pytest.approx(float(alone.max()), abs=1e-6)
