"""The suite as a Hugging Face Space: what `python -m demos.space` stages, pushes, and how the staged app runs
with nothing but its own files (a fresh venv from the staged requirements, an empty home, no Fashion-MNIST)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import RepoCard
from support import free_port, screenshot, served_page, streamlit_command

from core.fashion.predict import classify
from core.fashion.task import TASK as FASHION
from core.imaging import open_image
from demos import space

#: Words that must never reach a visitor of the Space.
NEVER_SHOWN = ("missing", "apt-get", "unavailable", "Traceback", "not installed")


@pytest.mark.parametrize("sdk", space.SDKS)
def test_staging_holds_what_a_space_needs_and_nothing_the_hub_refuses(tmp_path, sdk):
    files = space.stage(tmp_path / "s", sdk)
    root = tmp_path / "s"
    names = {str(f) for f in files}
    assert {space.APP_FILE[sdk], "README.md", "requirements.txt", ".gitattributes", "LICENSE"} <= names
    assert "core/gan/training_bank.safetensors" in names and "core/fashion/examples/manifest.json" in names
    assert all(f"checkpoints/{t}/{n}.safetensors" in names for t, n in
               [("sr", "fsrcnn_x2"), ("fashion", "resnet"), ("gan", "cgan"), ("gan", "cgan.timeline")])
    assert not any(n.startswith(("tests/", "bench/", "train/", ".venv")) or "/runs/" in n or "__pycache__" in n
                   for n in names)
    assert max((root / f).stat().st_size for f in files) <= space.MAX_FILE_BYTES
    # Every binary file lies under an LFS rule of the staged .gitattributes (what `git push` to a Space needs).
    rules = [line.split()[0] for line in (root / ".gitattributes").read_text().splitlines() if "filter=lfs" in line]
    binaries = [f for f in files if space.is_binary(root / f)]
    assert binaries and all(any(Path(f).match(r) for r in rules) for f in binaries)
    # The front matter pins the SDK at the version the requirements pin, which is what ran the tests here.
    meta = RepoCard.load(root / "README.md").data
    pins = dict(line.split("==") for line in (root / "requirements.txt").read_text().splitlines() if "==" in line)
    assert meta.sdk == sdk and meta.sdk_version == pins[sdk] == space.installed(sdk)
    assert meta.app_file == space.APP_FILE[sdk] and meta.license == "mit" and meta.python_version == "3.11"
    assert len(meta.short_description) <= 60 and ({"gradio", "streamlit"} - {sdk}).isdisjoint(pins)
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"
    # Every relative link of the Space's page (and of the training story it links to) lies in the staging.
    import re

    for page in ("README.md", "docs/training.md"):
        links = re.findall(r"\]\(([^)#\s]+)\)", (root / page).read_text())
        local = [link for link in links if not link.startswith("http")]
        assert local and not [link for link in local if not (root / page).parent.joinpath(link).exists()], page


def test_the_repository_is_itself_the_gradio_space():
    front, _ = space.split_front_matter((space.ROOT / "README.md").read_text())
    assert front == space.front_matter("gradio"), "README's front matter: run python -m demos.space stage and copy it"
    assert f"gradio=={space.installed('gradio')}" in (space.ROOT / "requirements.txt").read_text()


def test_staging_never_overwrites(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(space.SpaceError, match="not empty"):
        space.stage(tmp_path, "gradio")
    assert (tmp_path / "keep.txt").read_text() == "mine" and len(list(tmp_path.iterdir())) == 1


def test_push_without_a_token_says_how_to_log_in(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # no stored token either
    with pytest.raises(space.SpaceError, match="auth login"):
        space.push("you/paper-to-demo", "gradio")
    with pytest.raises(space.SpaceError, match="OWNER/NAME"):
        space.push("not a repo", "gradio", token="hf_x")


def test_push_creates_the_space_and_uploads_the_staging(monkeypatch):
    """Everything up to the Hub runs for real; only the two calls that need the network are replaced."""
    from huggingface_hub import HfApi

    calls = []

    def create_repo(self, repo_id, **kw):
        calls.append(("create", repo_id, kw))

    def upload_folder(self, *, repo_id, folder_path, **kw):
        folder = Path(folder_path)
        calls.append(("upload", repo_id, kw, sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()),
                      RepoCard.load(folder / "README.md").data.sdk))

    monkeypatch.setattr(HfApi, "create_repo", create_repo)
    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    url = space.push("you/paper-to-demo", "streamlit", private=True, token="hf_test")
    assert url == "https://huggingface.co/spaces/you/paper-to-demo"
    (_, repo, kw), (_, repo2, kw2, files, sdk) = calls
    assert repo == repo2 == "you/paper-to-demo" and sdk == "streamlit"
    assert kw == {"repo_type": "space", "space_sdk": "streamlit", "private": True, "exist_ok": True}
    assert kw2["repo_type"] == "space" and "demos/streamlit_app.py" in files and "requirements.txt" in files


# ------------------------------------------------------------------ the staged app, as a Space runs it
def _fresh_space(tmp: Path, sdk: str) -> tuple[Path, Path]:
    """(staged folder, the python of a fresh venv holding only the staged requirements)."""
    folder = tmp / "space"
    space.stage(folder, sdk)
    venv = tmp / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(folder / "requirements.txt")], check=True,
                   timeout=1200)
    return folder, python


def _as_a_space(cmd: list[str], tmp: Path, port: int) -> tuple[list[str], dict[str, str]]:
    """`cmd` and its environment as on a Space: an empty home, no Fashion-MNIST from Debian (as root, a tmpfs
    hides /usr/share/datasets from this process tree only; otherwise the data path points at an empty folder)."""
    home = tmp / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8", "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_SERVER_PORT": str(port)}
    if os.geteuid() == 0 and shutil.which("unshare") and Path("/usr/share/datasets").is_dir():
        cmd = ["unshare", "-m", "sh", "-c", 'mount -t tmpfs none /usr/share/datasets && exec "$@"', "sh", *cmd]
    else:
        (tmp / "no-data").mkdir()
        env["PAPER_TO_DEMO_DEBIAN_DATA"] = str(tmp / "no-data")
    return cmd, env


def _nothing_missing(page) -> None:
    text = page.locator("body").inner_text()
    assert not [w for w in NEVER_SHOWN if w.lower() in text.lower()], text[:2000]


def _loaded(page, selector: str) -> None:
    page.wait_for_function("(sel) => { const el = document.querySelector(sel); "
                           "return el && el.complete && el.naturalWidth > 0; }", arg=selector, timeout=180_000)


def test_the_staged_gradio_space_answers_on_every_tab_from_its_own_files(tmp_path):
    folder, python = _fresh_space(tmp_path, "gradio")
    port = free_port()
    cmd, env = _as_a_space([str(python), "app.py"], tmp_path, port)
    url = f"http://127.0.0.1:{port}/"
    with served_page(cmd, folder, env, url, url) as page:
        _loaded(page, "#upscale-output img")  # no click: the first example, answered
        _loaded(page, "#upscale-zoom img")
        assert page.locator("#upscale-examples img").count() >= 3
        page.get_by_role("tab", name="Classify").click()
        answer = next(iter(classify(open_image(FASHION.examples()[0][0]), FASHION.load(FASHION.default())).probabilities))
        page.locator("#classify-label").get_by_text(answer).first.wait_for(timeout=120_000)
        assert page.locator("#classify-examples img").count() == len(FASHION.examples())
        page.get_by_role("tab", name="GAN").click()
        _loaded(page, "#gan-grid img")
        page.get_by_role("tab", name="Directions").click()
        _loaded(page, "#gan-near img")
        assert "shipped with the app" in page.locator("#gan-near-caption").inner_text()  # the data really is hidden
        screenshot(page, "space_gradio_gan")
        for tab in ("Upscale", "Classify", "GAN", "About"):
            page.get_by_role("tab", name=tab).first.click()
            _nothing_missing(page)


def test_the_staged_streamlit_space_answers_on_every_page_from_its_own_files(tmp_path):
    folder, python = _fresh_space(tmp_path, "streamlit")
    port = free_port()
    cmd, env = _as_a_space(streamlit_command(space.APP_FILE["streamlit"], port, str(python)), tmp_path, port)
    with served_page(cmd, folder, env, f"http://127.0.0.1:{port}/_stcore/health", f"http://127.0.0.1:{port}/") as page:
        page.get_by_text("Bicubic ◀ ▶", exact=False).first.wait_for(timeout=180_000)  # the example photo, upscaled
        _nothing_missing(page)
        page.get_by_role("link", name="Classify").first.click()
        page.get_by_text("Input: t-shirt (", exact=False).first.wait_for(timeout=180_000)  # the first example photo
        page.get_by_text("What the model saw", exact=False).first.wait_for()
        _nothing_missing(page)
        page.get_by_role("link", name="GAN").first.click()
        page.get_by_text("shipped with the app", exact=False).first.wait_for(state="attached", timeout=180_000)
        _nothing_missing(page)
        screenshot(page, "space_streamlit_gan")


# ------------------------------------------------------------------ README, the Space's page
def _readme_section(title: str) -> str:
    text = (space.ROOT / "README.md").read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_readme_measured_table_says_what_the_cards_say():
    from core.tasks import task

    table = _readme_section("Measured")
    sr, fashion, gan = task("sr"), task("fashion"), task("gan")
    for variant in ("fsrcnn", "fsrcnn-s"):
        for bench in ("Set5", "Set14"):
            cell = " / ".join(f"{sr.entry(f'{variant}_x{s}').metrics[bench]['psnr']:.2f}" for s in (2, 3, 4))
            assert cell in table, (variant, bench, cell)
    assert ", ".join(f"{100 * fashion.entry(n).metrics['test_accuracy']:.1f} %"
                     for n in ("softmax", "mlp", "cnn", "resnet")) in table
    assert ", ".join(f"{gan.entry(n).metrics['fid_inception']:.1f}" for n in ("gan", "dcgan", "cgan")) in table


def test_readme_python_client_snippet_runs_against_the_suite(gradio_url, tmp_path, monkeypatch, photo):
    section = _readme_section("Use it from Python")
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    photo.save(tmp_path / "photo.jpg")
    shutil.copy(next(p for p, shows in FASHION.examples() if shows.startswith("shoes")), tmp_path / "shoe.jpg")
    assert 'Client("http://127.0.0.1:7860/")' in code
    scope: dict = {}
    exec(code.replace("http://127.0.0.1:7860/", gradio_url), scope)  # noqa: S102 - our own README's snippet
    assert Path(scope["png"]).name == "fsrcnn_x2.png" and scope["top5"]["label"] and "Sneaker" in scope["caption"]
