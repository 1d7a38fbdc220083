"""Real-photo folders (core.fashion.photos), their evaluation (`python -m train.fashion photos`), finding the garment
in a photo (core.fashion.predict.to_fashion_mnist) and the partial-label loss of photo training, on tiny generated
folders and the shipped classifiers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from core.checkpoints import read_card
from core.fashion.data import CLASSES, load_split, render_as_photo
from core.fashion.evaluate import evaluate_photos
from core.fashion.photos import (
    CLOTHING_CREDIT,
    FOLDER_CLASSES,
    Photo,
    PhotoSetError,
    accepted_mask,
    folder_caption,
    hit,
    list_photos,
    order_key,
    split_photos,
)
from core.fashion.predict import classify, garment_mask, open_classifier, to_fashion_mnist
from core.fashion.task import EXAMPLES_DIR, TASK
from core.imaging import open_image
from train import fashion

ROOT = Path(__file__).resolve().parent.parent
RESNET = ROOT / "checkpoints" / "fashion" / "resnet.safetensors"
SOFTMAX = ROOT / "checkpoints" / "fashion" / "softmax.safetensors"


def trouser_shape(size: tuple[int, int] = (300, 400)) -> Image.Image:
    """An 'L' mask (255 = garment) of a pair of trousers: a waistband and two legs with a gap between them."""
    w, h = size
    m = Image.new("L", size, 0)
    d = ImageDraw.Draw(m)
    d.rectangle((w * 0.3, h * 0.15, w * 0.7, h * 0.3), fill=255)
    d.polygon([(w * 0.3, h * 0.3), (w * 0.48, h * 0.3), (w * 0.45, h * 0.85), (w * 0.33, h * 0.85)], fill=255)
    d.polygon([(w * 0.52, h * 0.3), (w * 0.7, h * 0.3), (w * 0.67, h * 0.85), (w * 0.55, h * 0.85)], fill=255)
    return m


def photo_of(shape: Image.Image, garment: tuple[int, int, int], floor: tuple[int, int, int], seed: int) -> Image.Image:
    """`shape` in the colour `garment` on a textured floor of colour `floor` (noise and tiles' grout lines)."""
    rng = np.random.default_rng(seed)
    w, h = shape.size
    page = np.asarray(floor, np.float32) + rng.normal(0, 12, (h, w, 3))
    page[:: 40] -= 40  # grout lines every 40 px
    page[:, :: 40] -= 40
    cloth = np.asarray(garment, np.float32) + rng.normal(0, 6, (h, w, 3))
    a = np.asarray(shape, np.float32)[..., None] / 255
    return Image.fromarray(np.clip(page * (1 - a) + cloth * a, 0, 255).astype(np.uint8), "RGB")


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory) -> Path:
    """A tiny photo set: 5 trousers in pants/, 5 in dress/ (wrongly filed, so they score 0), 3 in hat/ (not
    scored), one unreadable file in pants/ and a text file beside the photos (ignored: not an image)."""
    root = tmp_path_factory.mktemp("photos")
    colours = [((40, 40, 90), (200, 60, 50)), ((30, 30, 30), (210, 190, 150)), ((120, 30, 30), (230, 230, 225)),
               ((20, 60, 20), (160, 160, 170)), ((60, 40, 20), (90, 140, 200))]
    for folder, n in (("pants", 5), ("dress", 5), ("hat", 3)):
        (root / folder).mkdir()
        for i in range(n):
            garment, floor = colours[i % len(colours)]
            photo_of(trouser_shape(), garment, floor, seed=i).save(root / folder / f"{folder}{i}.jpg", quality=90)
    (root / "pants" / "broken.jpg").write_bytes(b"\xff\xd8\xff not really a JPEG")
    (root / "pants" / "notes.txt").write_text("not a photo")
    return root


# ------------------------------------------------------------------------------------------------ the photo set
def test_folders_map_to_the_classes_a_person_would_accept():
    assert set(FOLDER_CLASSES) == {"dress", "hat", "longsleeve", "outwear", "pants", "shirt", "shoes", "shorts",
                                   "skirt", "t-shirt"}
    assert all(c in CLASSES for cs in FOLDER_CLASSES.values() for c in cs)
    shoe = Photo(Path("x.jpg"), "shoes")
    assert [CLASSES[i] for i in shoe.accepted] == ["Sandal", "Sneaker", "Ankle boot"] and shoe.scored
    assert not Photo(Path("x.jpg"), "skirt").scored and Photo(Path("x.jpg"), "skirt").accepted == ()
    assert hit(["Bag", "Sneaker", "Coat"], shoe, 1) is False and hit(["Bag", "Sneaker", "Coat"], shoe, 3) is True
    mask = accepted_mask([shoe, Photo(Path("y.jpg"), "pants"), Photo(Path("z.jpg"), "hat")])
    assert mask.tolist() == [[c in ("Sandal", "Sneaker", "Ankle boot") for c in CLASSES],
                             [c == "Trouser" for c in CLASSES], [False] * 10]


def test_a_folder_is_listed_by_folder_and_name_images_only(photo_folder):
    photos = list_photos(photo_folder)
    assert [(p.folder, p.path.name) for p in photos][:6] == [("dress", f"dress{i}.jpg") for i in range(5)] + [
        ("hat", "hat0.jpg")]
    assert len(photos) == 14 and not any(p.path.suffix == ".txt" for p in photos)


def test_a_folder_of_another_layout_is_a_clear_error(tmp_path):
    with pytest.raises(PhotoSetError, match="No folder"):
        list_photos(tmp_path / "missing")
    with pytest.raises(PhotoSetError, match="holds no images"):
        list_photos(tmp_path)
    (tmp_path / "tshirt").mkdir()
    with pytest.raises(PhotoSetError, match="tshirt"):
        list_photos(tmp_path)


def test_the_validation_split_is_stratified_fixed_by_names_and_seed_and_disjoint():
    photos = [Photo(Path(f"/a/{f}/{i}.jpg"), f) for f, n in (("pants", 50), ("shoes", 21), ("hat", 7))
              for i in range(n)]
    val, train = split_photos(photos, "val"), split_photos(photos, "train")
    assert {f: sum(p.folder == f for p in val) for f in ("pants", "shoes", "hat")} == {"pants": 10, "shoes": 4,
                                                                                      "hat": 1}
    assert not set(val) & set(train) and len(val) + len(train) == len(photos)
    assert split_photos(photos[::-1], "val") == val[::-1]  # the names decide, not the order they came in
    moved = [Photo(Path(f"/elsewhere/{p.folder}/{p.path.name}"), p.folder) for p in photos]
    assert [p.path.name for p in split_photos(moved, "val")] == [p.path.name for p in val]
    assert split_photos(photos, "val", seed=1) != val
    assert split_photos(photos, "all") == photos
    more = split_photos(photos + [Photo(Path("/a/pants/new.jpg"), "pants")], "val")
    assert len(set(more) ^ set(val)) <= 2  # one photo added: at most it and one other change sides
    with pytest.raises(ValueError, match="split"):
        split_photos(photos, "test")


# ------------------------------------------------------------------------------------------------ the evaluation
def test_photo_scores_are_what_classify_answers_photo_by_photo(photo_folder):
    """evaluate_photos against a reference: classify(open_image(path)) for each readable photo, counted by hand."""
    classifiers = [open_classifier(SOFTMAX), open_classifier(RESNET)]
    photos = list_photos(photo_folder)
    scores, unreadable = evaluate_photos(classifiers, photos)
    assert len(unreadable) == 1 and "broken.jpg" in unreadable[0]
    for clf, s in zip(classifiers, scores, strict=True):
        for folder in ("pants", "dress", "hat"):
            mine = [p for p in photos if p.folder == folder and p.path.name != "broken.jpg"]
            answers = [list(classify(open_image(p.path), clf).probabilities) for p in mine]
            f = s.folders[folder]
            assert f.photos == len(mine) == sum(f.answers.values())
            assert f.top1 == sum(hit(a, p, 1) for a, p in zip(answers, mine, strict=True))
            assert f.top3 == sum(hit(a, p, 3) for a, p in zip(answers, mine, strict=True))
        assert s.folders["dress"].top1 == sum(a == "Dress" for a in s.folders["dress"].answers.elements())
        g = s.grouped  # pants and dress, not hat
        assert g.photos == 10 and g.top1 == s.folders["pants"].top1 + s.folders["dress"].top1
        assert s.metrics()["photo_top1"] == round(g.top1 / 10, 4) and s.metrics()["photo_footwear_top1"] is None
    # The strong model sees these trousers on textured, coloured floors as trousers.
    assert scores[1].folders["pants"].top1 >= 4


def test_the_photos_command_prints_the_table_and_writes_the_card(photo_folder, tmp_path, capsys):
    ckpt = tmp_path / "resnet.safetensors"
    shutil.copy(RESNET, ckpt)
    shutil.copy(RESNET.with_suffix(".json"), ckpt.with_suffix(".json"))
    fashion.main(["photos", str(photo_folder), str(ckpt), "--split", "all", "--quiet", "--write-card"])
    out = capsys.readouterr().out
    assert "14 photos" in out and "pants (5)" in out and "grouped (10)" in out and "hat (3)" in out
    assert "broken.jpg" in out
    card = read_card(ckpt)
    scores, _ = evaluate_photos([open_classifier(RESNET)], list_photos(photo_folder))
    assert card["photos"]["photo_top1"] == scores[0].metrics()["photo_top1"] and card["photos"]["photo_count"] == 10
    assert "python -m train.fashion photos" in card["photos"]["command"]
    assert read_card(RESNET).get("photos") is None or read_card(RESNET)["photos"] != card["photos"]


# ------------------------------------------------------------------------------------------------ finding the garment
@pytest.mark.parametrize("garment,floor", [((40, 40, 90), (200, 60, 50)), ((200, 200, 195), (60, 50, 45)),
                                           ((30, 30, 30), (210, 190, 150))])
def test_the_garment_is_found_on_a_coloured_textured_floor(garment, floor):
    """Dark on red, light on dark, dark on beige tiles: the mask is the drawn garment (IoU > 0.8 at the working
    size), and the 28x28 view is the garment's shape with the gap between the legs."""
    shape = trouser_shape()
    img = photo_of(shape, garment, floor, seed=1)
    small = img.copy()
    small.thumbnail((128, 128), Image.BILINEAR, reducing_gap=2.0)
    mask = garment_mask(np.asarray(small, np.float32))
    truth = np.asarray(shape.resize(small.size, Image.BILINEAR)) > 127
    assert (mask & truth).sum() / (mask | truth).sum() > 0.8
    view = np.asarray(to_fashion_mnist(img))
    rows, cols = np.nonzero(view > 30)
    assert rows.min() <= 1 and rows.max() >= 26  # the long side fills the canvas
    assert view[20:26, 13:15].mean() < view[20:26, 8:11].mean() / 2  # between the legs is dark


def test_a_dataset_image_uploaded_as_it_is_keeps_its_brightness():
    x = torch.zeros(28, 28, dtype=torch.uint8)
    x[4:24, 9:19] = 200
    x[10:24, 13:15] = 0
    view = np.asarray(to_fashion_mnist(Image.fromarray(x.numpy(), "L")), np.float32)
    assert view[12, 10] > 200 and view[20, 14] < 30  # not negated


@pytest.mark.parametrize("seed", [0, 1])
def test_a_fashion_mnist_image_rendered_as_a_photo_comes_back_with_its_class(seed):
    """Most of a sample of test images, photographed (core.fashion.data.render_as_photo) and turned back into a
    28x28 view, get the class the shipped ResNet gives the dataset image itself."""
    clf = TASK.load("resnet")
    x, _ = load_split(False)
    idx = torch.arange(seed, 10000, 100)  # 100 test images
    raw = clf.predict_tensor(x[idx].float().div(255).unsqueeze(1)).argmax(-1)
    back = [CLASSES.index(next(iter(clf.predict(render_as_photo(x[i], seed=int(i) + seed))))) for i in idx]
    assert float((torch.tensor(back) == raw).float().mean()) >= 0.9


def test_the_examples_command_ships_the_first_validation_photo_of_each_folder_credited(photo_folder, tmp_path):
    """`examples --photos`: per folder, the first validation photo in the split's fixed order (never one trained
    on), shrunk, as JPEG; the manifest says what each shows, the accepted classes, its source and the credit; the
    task reads them back. A folder without photos is a clear error."""
    out = tmp_path / "examples"
    fashion.main(["examples", "--photos", str(photo_folder), "--out", str(out), "--folders", "dress", "pants",
                  "--size", "120"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["credit"] == CLOTHING_CREDIT and "examples --photos" in manifest["command"]
    val = split_photos(list_photos(photo_folder), "val")
    for row, folder in zip(manifest["examples"], ("dress", "pants"), strict=True):
        first = min((p for p in val if p.folder == folder), key=lambda p: order_key(p, 0))
        assert row["folder"] == folder and first.path.name in row["source"]
        assert row["accepted"] == list(FOLDER_CLASSES[folder]) and row["class"] == folder_caption(folder)
        shipped = Image.open(out / row["file"])
        assert shipped.format == "JPEG" and max(shipped.size) == 120
        assert shipped.size[0] / shipped.size[1] == pytest.approx(300 / 400, abs=0.01)  # the photo's shape kept
    assert [shows for _, shows in TASK.examples(out)] == ["dress (Dress)", "pants (Trouser)"]
    with pytest.raises(SystemExit, match="no validation photo in a folder 'shoes'"):
        fashion.main(["examples", "--photos", str(photo_folder), "--out", str(out), "--folders", "shoes"])


def test_the_shipped_examples_are_credited_real_photos_of_scored_folders():
    manifest = json.loads((EXAMPLES_DIR / "manifest.json").read_text())
    assert manifest["credit"] == CLOTHING_CREDIT and TASK.examples_credit == CLOTHING_CREDIT
    assert {r["folder"] for r in manifest["examples"]} >= {"shoes", "pants", "dress", "t-shirt"}
    for row in manifest["examples"]:
        assert row["accepted"] == list(FOLDER_CLASSES[row["folder"]]) and "clothing-dataset" in row["source"]
    assert [p.name for p, _ in TASK.examples()] == [r["file"] for r in manifest["examples"]]
    assert folder_caption("shoes") == "shoes (Sandal, Sneaker or Ankle boot)"


# ------------------------------------------------------------------------------------------------ partial-label loss
def test_the_partial_label_loss_is_minus_log_of_the_accepted_probability_and_its_gradient():
    """Logits (0, ln 2, ln 3, 0): p = (1, 2, 3, 1) / 7. Accepting {1, 2}: loss = -log(5/7); its gradient is
    p - q with q = p restricted to the accepted set and renormalised: (1/7, 2/7 - 2/5, 3/7 - 3/5, 1/7)."""
    logits = torch.tensor([[0.0, np.log(2), np.log(3), 0.0]], dtype=torch.float64, requires_grad=True)
    accepted = torch.tensor([[False, True, True, False]])
    loss = fashion.partial_label_loss(logits, accepted)
    assert loss.item() == pytest.approx(-np.log(5 / 7), abs=1e-12)
    loss.backward()
    assert logits.grad.tolist()[0] == pytest.approx([1 / 7, 2 / 7 - 2 / 5, 3 / 7 - 3 / 5, 1 / 7], abs=1e-12)
    # One accepted class: it is the cross-entropy.
    one = torch.tensor([[False, False, True, False]])
    ce = torch.nn.functional.cross_entropy(logits.detach(), torch.tensor([2]))
    assert float(fashion.partial_label_loss(logits.detach(), one)) == pytest.approx(float(ce), abs=1e-12)


def test_the_kept_loss_is_the_kl_divergence_from_the_initial_models_answers():
    """p = softmax(teacher), q = softmax(model): the loss is sum p log(p/q), zero where they agree, whatever the
    logits' shift; its gradient in the model's logits is q - p."""
    teacher = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]], dtype=torch.float64)
    logits = torch.tensor([[0.0, 1.0, 0.0], [1.0, -1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    p, q = teacher.softmax(-1), logits.detach().softmax(-1)
    loss = fashion.kept_loss(logits, teacher)
    assert float(loss.detach()) == pytest.approx(float((p * (p / q).log()).sum(-1).mean()), rel=1e-12)
    loss.backward()
    assert torch.allclose(logits.grad, (q - p) / 2)
    assert float(fashion.kept_loss(teacher + 3.0, teacher)) == pytest.approx(0.0, abs=1e-12)


def test_a_joint_run_on_generated_photos_trains_resumes_and_records_both_figures(photo_folder, tmp_path):
    """A ResNet fine-tuned from the shipped one on Fashion-MNIST and the generated photos (their train split) for a
    few steps, stopped half-way and continued: it ends, and its card holds both figures and both protocols."""
    folder = tmp_path / "ok"
    shutil.copytree(photo_folder, folder)
    (folder / "pants" / "broken.jpg").unlink()
    run = tmp_path / "run"
    argv = ["fit", "--arch", "resnet", "--init", str(RESNET), "--photos", str(folder), "--photo-batch", "4",
            "--subset", "256", "--val", "1000", "--steps", "6", "--batch", "16", "--eval-every", "3",
            "--keep", "1", "--ema", "0.9", "--run-dir", str(run), "--threads", "1", "--quiet"]
    fashion.main([*argv, "--stop-at-step", "3"])
    assert not (run / "model.safetensors").exists()
    fashion.main(["continue", str(run)])
    card = read_card(run / "model.safetensors")
    assert card["training"]["steps"] == 6 and "photos" in card["data"]["train_photos"]
    assert 0 <= card["metrics"]["photo_top1"] <= 1 and card["metrics"]["photo_count"] >= 1
    assert "photos" in card["protocol"]
    # Validation holds both candidates' photo figures; the unsuffixed one is the shipped weights', which the
    # metrics measure again on the same views.
    val, shipped = card["validation"], "raw" if "validated better than their EMA" in card["training"]["optimizer"] else "ema"
    assert {"photo_top1_ema", "photo_top1_raw"} <= set(val)
    assert val["photo_top1"] == val[f"photo_top1_{shipped}"] == card["metrics"]["photo_top1"]
    assert "learning without forgetting" in card["data"]["kept"]
    assert "held out of this fine-tune only" in card["protocol"]["validation"]  # the shipped ResNet saw them


def test_a_screen_ends_on_its_validation_and_never_reads_the_test_set(photo_folder, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "ok"
    shutil.copytree(photo_folder, folder)
    (folder / "pants" / "broken.jpg").unlink()
    read = []
    real_load = fashion.load_split
    monkeypatch.setattr(fashion, "load_split", lambda train, *a: read.append(train) or real_load(train, *a))
    run = tmp_path / "screen"
    fashion.main(["fit", "--arch", "resnet", "--init", str(RESNET), "--photos", str(folder), "--photo-batch", "4",
                  "--subset", "64", "--val", "1000", "--steps", "2", "--batch", "16", "--eval-every", "2", "--screen",
                  "--run-dir", str(run), "--threads", "1", "--quiet"])
    out = capsys.readouterr().out
    assert "Screen ended at step 2" in out and '"photo_top1"' in out and '"val_accuracy"' in out
    assert read == [True] and not list(run.glob("*model*"))  # only the training split read; nothing to ship
