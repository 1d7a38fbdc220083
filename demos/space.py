"""Deploy the suite as a Hugging Face Space: `stage` writes exactly what a Space receives, `push` uploads it.

    python -m demos.space stage DIR --sdk gradio|streamlit      # offline; DIR must be empty or new
    python -m demos.space push --repo OWNER/NAME --sdk gradio|streamlit [--private]   # needs a token and a network

What is staged: the app's entry file, `core/`, `demos/`, the shipped checkpoints and their cards (no training
runs, tests, benches or logs), README.md as the Space's page (its front matter from `front_matter`), the pictures
README shows, LICENSE, a `requirements.txt` pinned to the versions installed here (those the tests ran with), and a
`.gitattributes` whose LFS rules cover every binary file staged (so a plain `git push` to the Space works too).
`push` stages into a temporary folder and sends it with `huggingface_hub` (`create_repo(repo_type="space")` +
`upload_folder`, which stores binaries through LFS/Xet).
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.metadata
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The app file each SDK starts (Spaces runs `python app.py`, or `streamlit run demos/streamlit_app.py`).
APP_FILE = {"gradio": "app.py", "streamlit": "demos/streamlit_app.py"}
#: Folders and files staged, relative to the repository; `checkpoints/` is staged separately (no `runs/`).
TREE = ["core", "demos", "docs/screenshots", "docs/training.md", "docs/sr-learning-curve.png", "LICENSE",
        ".streamlit/config.toml"]
#: What is never staged from those folders.
LEFT_OUT = ["__pycache__", "*.pyc", ".gradio", "*.pyi"]
#: Binary files (by name) and the LFS rule each gets in `.gitattributes`.
LFS_PATTERNS = ["*.safetensors", "*.png", "*.jpg", "*.jpeg", "*.gif", "*.webp", "*.npy"]
#: The Hub refuses a single file above this without LFS; we keep every staged file under it.
MAX_FILE_BYTES = 10_000_000
PYTHON_VERSION = "3.11"
SHORT_DESCRIPTION = "FSRCNN upscaling, Fashion-MNIST classifiers and GANs, on CPU"
HUB_DATASETS = ["zalando-datasets/fashion_mnist"]
SDKS = tuple(APP_FILE)


class SpaceError(RuntimeError):
    """Staging or pushing cannot go on; the message says why and what to do."""


def installed(name: str) -> str:
    """The installed version of distribution `name`, without a local build tag ('2.14.1+cu130' -> '2.14.1')."""
    try:
        return importlib.metadata.version(name).split("+")[0]
    except importlib.metadata.PackageNotFoundError as e:
        raise SpaceError(f"{name} is not installed here: install requirements.txt first (make setup).") from e


def requirement_names(path: Path = ROOT / "requirements.txt") -> list[str]:
    """The distribution names in a requirements file, in order (comments, options and markers dropped)."""
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0])
    return names


def pinned_requirements(sdk: str) -> list[str]:
    """requirements.txt pinned to what is installed here, with only `sdk`'s web framework (Spaces installs the SDK
    from `sdk_version` too: the two agree)."""
    other = {s for s in SDKS if s != sdk}
    return [f"{name}=={installed(name)}" for name in requirement_names() if name.lower() not in other]


def front_matter(sdk: str) -> str:
    """The YAML front matter of the Space's README for `sdk` (the repository's own README carries the Gradio one)."""
    lines = [
        "---",
        "title: paper-to-demo",
        "emoji: 🔬",
        "colorFrom: indigo",
        "colorTo: pink",
        f"sdk: {sdk}",
        f"sdk_version: {installed(sdk)}",
        f"app_file: {APP_FILE[sdk]}",
        f'python_version: "{PYTHON_VERSION}"',
        f"short_description: {SHORT_DESCRIPTION}",
        "license: mit",
        "tags: [super-resolution, fsrcnn, gan, fashion-mnist, image-classification, education]",
        "datasets: [" + ", ".join(HUB_DATASETS) + "]",
        "pinned: false",
        "---",
    ]
    return "\n".join(lines) + "\n"


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter with its `---` lines, the rest) of a Markdown file; ('', text) when it has none."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end >= 0:
            return text[: end + 5], text[end + 5 :]
    return "", text


def _left_out(path: Path) -> bool:
    return any(fnmatch.fnmatch(part, pat) for part in path.parts for pat in LEFT_OUT)


def staged_sources(sdk: str) -> list[Path]:
    """Repository files a Space receives as they are (relative paths): the code, the shipped checkpoints and cards
    (`checkpoints/<task>/*`, no `runs/`), the pictures README shows, the licence."""
    files = []
    for entry in TREE:
        p = ROOT / entry
        files += [p] if p.is_file() else [f for f in sorted(p.rglob("*")) if f.is_file()]
    files += sorted(f for f in (ROOT / "checkpoints").glob("*/*") if f.is_file())
    files.append(ROOT / APP_FILE[sdk])
    return sorted({f.relative_to(ROOT) for f in files if not _left_out(f.relative_to(ROOT))})


def gitattributes() -> str:
    return "".join(f"{pat} filter=lfs diff=lfs merge=lfs -text\n" for pat in LFS_PATTERNS)


def is_binary(path: Path) -> bool:
    """Whether git would treat the file as binary: a NUL byte, or not UTF-8 text."""
    data = path.read_bytes()
    if b"\0" in data:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def lfs_covered(path: Path) -> bool:
    return any(fnmatch.fnmatch(path.name, pat) for pat in LFS_PATTERNS)


def stage(folder: Path, sdk: str) -> list[Path]:
    """Write what a Space of `sdk` receives into `folder` (new or empty); returns the files written, relative."""
    if sdk not in SDKS:
        raise SpaceError(f"--sdk must be one of {', '.join(SDKS)}; got {sdk!r}.")
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise SpaceError(f"{folder} is not empty: stage into a new or empty folder (nothing there is overwritten).")
    for rel in staged_sources(sdk):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, folder / rel)
    _, body = split_front_matter((ROOT / "README.md").read_text())
    (folder / "README.md").write_text(front_matter(sdk) + body)
    (folder / "requirements.txt").write_text(
        "# What the tests ran with, pinned (python -m demos.space stage).\n" + "\n".join(pinned_requirements(sdk)) + "\n")
    (folder / ".gitattributes").write_text(gitattributes())
    written = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    check(folder, written)
    return written


def check(folder: Path, files: list[Path]) -> None:
    """Refuse a staging the Hub would refuse: a file over `MAX_FILE_BYTES`, or a binary no LFS rule covers."""
    big = [f"{f} ({(folder / f).stat().st_size / 1e6:.1f} MB)" for f in files if (folder / f).stat().st_size > MAX_FILE_BYTES]
    bare = [str(f) for f in files if is_binary(folder / f) and not lfs_covered(f)]
    if big or bare:
        raise SpaceError("Not stageable: " + "; ".join(
            ([f"over {MAX_FILE_BYTES / 1e6:.0f} MB: {', '.join(big)}"] if big else [])
            + ([f"binary without an LFS rule (add its pattern to LFS_PATTERNS): {', '.join(bare)}"] if bare else [])))


def push(repo: str, sdk: str, private: bool = False, token: str | None = None) -> str:
    """Create or update the Space `repo` (owner/name) with a fresh staging; returns its URL."""
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError

    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        raise SpaceError(f"--repo must be OWNER/NAME (e.g. you/paper-to-demo); got {repo!r}.")
    token = token or get_token()
    if not token:
        raise SpaceError("No Hugging Face token: run `hf auth login` (or set HF_TOKEN) with a write token first.")
    with tempfile.TemporaryDirectory(prefix="paper-to-demo-space-") as tmp:
        stage(Path(tmp) / "space", sdk)
        api = HfApi(token=token)
        try:
            api.create_repo(repo, repo_type="space", space_sdk=sdk, private=private, exist_ok=True)
            api.upload_folder(repo_id=repo, repo_type="space", folder_path=Path(tmp) / "space",
                              commit_message=f"paper-to-demo ({sdk}), staged by python -m demos.space")
        except HfHubHTTPError as e:
            raise SpaceError(f"The Hub refused the push to {repo}: {e}") from e
        except OSError as e:  # no network, DNS, proxy
            raise SpaceError(f"Could not reach the Hugging Face Hub ({e}); push needs a network.") from e
    return f"https://huggingface.co/spaces/{repo}"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m demos.space", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("stage", help="write what a Space receives into DIR (offline)")
    s.add_argument("dir", type=Path)
    s.add_argument("--sdk", choices=SDKS, default="gradio")
    u = sub.add_parser("push", help="create or update a Space on the Hub (needs a token and a network)")
    u.add_argument("--repo", required=True, help="OWNER/NAME")
    u.add_argument("--sdk", choices=SDKS, default="gradio")
    u.add_argument("--private", action="store_true")
    args = p.parse_args(argv)
    try:
        if args.cmd == "stage":
            files = stage(args.dir, args.sdk)
            size = sum((args.dir / f).stat().st_size for f in files)
            print(f"Staged {len(files)} files ({size / 1e6:.1f} MB) for a {args.sdk} Space in {args.dir}")
        else:
            print(f"Pushed: {push(args.repo, args.sdk, args.private)}")
    except SpaceError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
