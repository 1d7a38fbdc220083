"""Loading from a Hugging Face Hub repo id, against a local cache laid out as the Hub client writes it."""

import shutil

import pytest
import torch

from core.checkpoints import CheckpointError, hub_download, load_checkpoint, save_checkpoint
from core.sr.model import FSRCNN
from train import push

CARD = {"task": "sr", "name": "fsrcnn_x2", "arch": "fsrcnn", "title": "tiny", "config": {"scale": 2, "d": 8, "s": 4, "m": 1}}


def _fake_hub_cache(tmp_path, repo="someone/fsrcnn", name="fsrcnn_x2"):
    """The real huggingface_hub cache layout: models--owner--repo/{refs/main, snapshots/<commit>/files}."""
    src = tmp_path / "src"
    model = FSRCNN(2, 8, 4, 1)
    save_checkpoint(model, src / f"{name}.safetensors", CARD)
    commit = "0123456789abcdef0123456789abcdef01234567"
    root = tmp_path / "cache" / f"models--{repo.replace('/', '--')}"
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text(commit)
    snap = root / "snapshots" / commit
    snap.mkdir(parents=True)
    for f in src.iterdir():
        shutil.copy(f, snap / f.name)
    return tmp_path / "cache", model


def test_a_hub_checkpoint_loads_through_the_real_client_from_its_cache(tmp_path, monkeypatch):
    cache, model = _fake_hub_cache(tmp_path)
    path = hub_download("someone/fsrcnn", "fsrcnn_x2", cache_dir=cache)
    loaded, card = load_checkpoint(path, task="sr")  # sha256 verified like any checkpoint
    x = torch.rand(1, 1, 9, 9)
    assert torch.equal(loaded(x), model.eval()(x)) and card["title"] == "tiny"


def test_offline_hub_failure_is_clear_and_the_shipped_models_still_work(tmp_path):
    with pytest.raises(CheckpointError, match="Hugging Face Hub repo 'nobody/missing'.*shipped models still work"):
        hub_download("nobody/missing", "fsrcnn_x2", cache_dir=tmp_path)


def test_push_stages_weights_card_and_a_model_card(tmp_path):
    src = tmp_path / "ck" / "fsrcnn_x2.safetensors"
    save_checkpoint(FSRCNN(2, 8, 4, 1), src, {**CARD, "metrics": {"Set5": {"psnr": 30.1}},
                                              "training": {"command": "python -m train.sr fit ...", "steps": 5}})
    files = push.stage(src, tmp_path / "stage")
    assert sorted(f.name for f in files) == ["README.md", "fsrcnn_x2.json", "fsrcnn_x2.safetensors"]
    readme = (tmp_path / "stage" / "README.md").read_text()
    assert readme.startswith("---\nlibrary_name: pytorch") and "value: 30.1" in readme and "train.sr fit" in readme
    assert "| Set5 | ? | 30.1 |" in readme  # the measured table shows what the card has, and marks what it lacks
    src.write_bytes(src.read_bytes()[:-3] + b"xyz")  # tampered: refused before anything is published
    with pytest.raises(CheckpointError):
        push.stage(src, tmp_path / "stage2")


def test_load_upscaler_accepts_a_hub_repo_id(tmp_path, monkeypatch):
    import huggingface_hub.constants

    from core.sr.task import load_upscaler

    cache, _ = _fake_hub_cache(tmp_path, repo="someone/fsrcnn-hub")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    up = load_upscaler(2, "someone/fsrcnn-hub")  # name defaults to fsrcnn_x2
    from PIL import Image

    assert up.scale == 2 and up.card["title"] == "tiny" and up(Image.new("RGB", (10, 8), "gray")).size == (20, 16)
    from core.sr.task import TASK

    same = TASK.load("someone/fsrcnn-hub/fsrcnn_x2")  # the contract's loader takes `owner/repo/name` too
    assert same.card["sha256"] == up.card["sha256"] and same.card["title"] == "tiny"


# ---------------------------------------------------------------- Hub model cards of the shipped checkpoints
#: (task, shipped checkpoint, the arXiv link its card must cite): one of each kind.
SHIPPED = [("sr", "fsrcnn_x2", "https://arxiv.org/abs/1608.00367"),
           ("fashion", "resnet", "https://arxiv.org/abs/1512.03385"),
           ("gan", "gan", "https://arxiv.org/abs/1406.2661"),
           ("gan", "cgan", "https://arxiv.org/abs/1411.1784")]


def _staged_card(tmp_path, task, name, repo="someone/p2d"):
    import json

    from huggingface_hub import ModelCard

    from core.checkpoints import shipped

    folder = tmp_path / "stage"
    push.stage(shipped(task, name), folder, repo=repo)
    card = json.loads(shipped(task, name).with_suffix(".json").read_text())
    readme = folder / "README.md"
    return ModelCard.load(readme), readme.read_text(), card, folder


def _measured(card):
    """{(dataset name, metric type): value} the model-index must hold, read from the card JSON directly."""
    m = card["metrics"]
    if card["task"] == "sr":
        scale = card["config"]["scale"]
        return {(f"{s} (x{scale})", k): m[s][k] for s in ("Set5", "Set14") for k in ("psnr", "ssim")}
    if card["task"] == "fashion":  # and the grouped top-1 on the held-out real photos
        return {("Fashion-MNIST", "accuracy"): m["test_accuracy"],
                ("Clothing dataset photos", "accuracy"): card["photos"]["photo_top1"]}
    return {("Fashion-MNIST", "fid"): m["fid_inception"], ("Fashion-MNIST", "fid_classifier"): m["fid_classifier"]}


@pytest.mark.parametrize("task,name,arxiv", SHIPPED)
def test_the_hub_model_card_holds_the_cards_metrics_and_metadata(tmp_path, task, name, arxiv):
    model_card, text, card, folder = _staged_card(tmp_path, task, name)
    data = model_card.data
    assert data.library_name == "pytorch" and data.license == "mit"
    assert {"paper-to-demo", task, card["arch"]} <= set(data.tags)
    if task == "sr":
        assert data.datasets is None and data.pipeline_tag == "image-to-image" and "super-resolution" in data.tags
    else:
        assert data.datasets == ["zalando-datasets/fashion_mnist"] and "fashion-mnist" in data.tags
    assert data.pipeline_tag == {"fashion": "image-classification", "sr": "image-to-image",
                                 "gan": None if name == "cgan" else "unconditional-image-generation"}[task]
    assert data.base_model is None  # the cards' `init` names local files, never a Hub model
    results = data.eval_results
    assert {(r.dataset_name, r.metric_type): r.metric_value for r in results} == _measured(card)
    assert all(r.task_type and r.task_name and r.dataset_type and r.metric_name for r in results)
    assert all(r.dataset_split == ("validation" if "photos" in r.dataset_name else "test") for r in results)
    if task == "fashion":
        photos = card["photos"]
        assert f"| grouped top-1 | {photos['photo_top1']:.1%} |" in text and photos["command"] in text
        assert f"| footwear top-1 ({photos['photo_footwear_count']} photos) |" in text and "clothing dataset" in text
    if task == "sr":
        assert all("Y channel" in r.metric_name and "2 px border shaved" in r.metric_name
                   and "MATLAB-bicubic" in r.metric_name for r in results)
        assert "| Set5 | 5 | 36.917 | 0.9554 | 33.656 | 0.9297 |" in text
    assert data.model_name == card["title"] and f"# {card['title']}" in model_card.text
    assert arxiv in text and "https://github.com/" not in text and "](https://github.com" not in text
    assert card["training"]["command"] in text and card["training"]["hardware"] in text
    assert f"{card['training']['steps']:,} steps" in text and card["sha256"] in text
    assert sorted(p.name for p in folder.iterdir()) == sorted(["README.md", f"{name}.json", f"{name}.safetensors"])


@pytest.mark.parametrize("hub", [True, False], ids=["hub", "local"])
@pytest.mark.parametrize("task,name,arxiv", SHIPPED[:3])
def test_the_model_cards_use_it_snippet_runs(tmp_path, monkeypatch, task, name, arxiv, hub):
    """The "Use it" code, run as written: from the Hub repo (its cache, offline) or from the downloaded files."""
    import huggingface_hub.constants
    from PIL import Image

    from core.examples import example_photo

    repo = "someone/p2d-snippet"
    model_card, text, card, folder = _staged_card(tmp_path, task, name, repo=repo if hub else None)
    if hub:
        commit = "89abcdef0123456789abcdef0123456789abcdef"
        root = tmp_path / "cache" / f"models--{repo.replace('/', '--')}"
        (root / "refs").mkdir(parents=True)
        (root / "refs" / "main").write_text(commit)
        shutil.copytree(folder, root / "snapshots" / commit)
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
        assert f'"{repo}/{name}"' in text
        work = tmp_path / "work"
        work.mkdir()
    else:
        assert f'"{name}.safetensors"' in text and repo not in text
        work = folder
    example_photo("astronaut").resize((40, 30)).save(work / "photo.png")
    Image.new("L", (28, 28), 255).save(work / "garment.png")
    monkeypatch.chdir(work)
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)
    if task == "sr":
        assert Image.open(work / "photo_x2.png").size == (80, 60) and scope["upscaler"].card["sha256"] == card["sha256"]
    elif task == "fashion":
        assert scope["classifier"].card["sha256"] == card["sha256"]
    else:
        assert tuple(scope["images"].shape) == (16, 1, 28, 28) and scope["sampler"].card["sha256"] == card["sha256"]


def test_stage_only_takes_the_repo_for_the_snippet(tmp_path, capsys):
    from core.checkpoints import shipped

    push.main([str(shipped("gan", "dcgan")), "--stage-only", str(tmp_path / "out"), "--repo", "me/gans"])
    assert 'TASK.load("me/gans/dcgan")' in (tmp_path / "out" / "README.md").read_text()
    assert capsys.readouterr().out.split() == [str(tmp_path / "out" / f) for f in
                                                ("dcgan.safetensors", "dcgan.json", "README.md")]
