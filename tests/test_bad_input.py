"""The bad-input corpus (tests/corpus.py) through every image entry point of both apps.

Each file goes to the running Gradio suite over HTTP (the `upscale` and `classify` endpoints) and to the
Streamlit pages (upload widget): accepted files give a result, refused ones a clear message, nothing hangs,
and the next request works.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from support import before_after_sliders

from core.fashion.data import CLASSES
from core.fashion.task import TASK as FASHION
from tests.corpus import CORPUS, Case

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 120  # a hang fails the test instead of blocking the suite
ENDPOINTS = {
    "upscale": lambda f: (f, "x2", "fsrcnn_x2", False),
    "classify": lambda f: (f, None),
}


def _call(client, endpoint: str, path: Path):
    from gradio_client import handle_file

    args = list(ENDPOINTS[endpoint](handle_file(str(path))))
    if endpoint == "classify":
        args[1] = FASHION.default()
    return client.submit(*args, api_name=f"/{endpoint}").result(timeout=TIMEOUT_S)


def _check_result(endpoint: str, result) -> None:
    if endpoint == "upscale":
        before, after = (Image.open(p) for p in result[0])
        assert after.size == before.size and after.width >= 2
    else:
        assert result[0]["label"] in CLASSES


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("case", CORPUS, ids=str)
def test_gradio_endpoints_on_the_corpus(client, tmp_path, endpoint: str, case: Case):
    path = tmp_path / case.filename
    path.write_bytes(case.make())
    if case.refusal:
        with pytest.raises(Exception, match=case.refusal):
            _call(client, endpoint, path)
    else:
        _check_result(endpoint, _call(client, endpoint, path))
    good = tmp_path / "good.png"
    Image.new("RGB", (40, 30), "gray").save(good)
    _check_result(endpoint, _call(client, endpoint, good))  # the server still answers the next user


def test_gradio_server_refuses_uploads_over_the_size_limit(gradio_url, client, tmp_path):
    """The server itself answers 413 (gradio_client would refuse before sending; a browser or script may not)."""
    import httpx

    from demos.gradio_app import MAX_FILE_SIZE

    limit = int(MAX_FILE_SIZE.removesuffix("mb")) * 1024 * 1024
    upload = f"{gradio_url.rstrip('/')}/gradio_api/upload"
    big = b"\x89PNG\r\n\x1a\n" + bytes(limit + 1024)
    r = httpx.post(upload, files={"files": ("big.png", big, "image/png")}, timeout=TIMEOUT_S)
    assert r.status_code == 413 and "exceeded" in r.text
    good = tmp_path / "good.png"
    Image.new("RGB", (40, 30), "gray").save(good)
    _check_result("upscale", _call(client, "upscale", good))


def _streamlit_upload(page: str, case: Case):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "demos" / "st_pages" / f"{page}.py"), default_timeout=TIMEOUT_S).run()
    at.radio(key="source").set_value("Upload").run()
    at.file_uploader(key="upload").upload(case.filename, case.make(), "application/octet-stream")
    return at.run()


@pytest.mark.parametrize("page", ["sr", "fashion"])
@pytest.mark.parametrize("case", CORPUS, ids=str)
def test_streamlit_pages_on_the_corpus(page: str, case: Case):
    at = _streamlit_upload(page, case)
    assert not at.exception
    if case.refusal:
        assert len(at.error) == 1
        assert re.search(case.refusal, at.error[0].value), at.error[0].value
    else:
        assert not at.error
        if page == "sr":
            # bicubic | FSRCNN in one slider, and the zoom
            assert before_after_sliders(at) == 1 and sum(type(e).__name__ == "Image" for e in at.main) == 1
        else:
            assert at.subheader[0].value in CLASSES


BAD_PARAMETERS = {  # name: (endpoint, arguments with the file as None, the message Gradio's validation gives)
    "scale x5": ("upscale", (None, "x5", "fsrcnn_x2", False), "'x5'.*not in the list of choices"),
    "scale 5": ("upscale", (None, 5, "fsrcnn_x2", False), "5.*not in the list of choices"),
    "unknown upscaler": ("upscale", (None, "x2", "srgan", False), "Unknown upscaler 'srgan'. Shipped: fsrcnn_x2, fsrcnn_x3"),
    "unknown classifier": ("classify", (None, "vit"), "vit is not in the list of choices"),
    "seed -1": ("sample", ("cgan", -1, "All classes", 4, 1.0), "-1 is less than minimum value 0"),
    "seed 10**12": ("sample", ("cgan", 10**12, "All classes", 4, 1.0), "greater than maximum value"),
    "n=0": ("sample", ("cgan", 0, "All classes", 0, 1.0), "0 is less than minimum value 1"),
    "n=10,000": ("sample", ("cgan", 0, "All classes", 10_000, 1.0), "10000 is greater than maximum value 64"),
    "label 11": ("sample", ("cgan", 0, 11, 4, 1.0), "11 is not in the list of choices"),
    "unknown generator": ("sample", ("stylegan", 0, "All classes", 4, 1.0), "'stylegan'.*not in the list of choices"),
    "truncation 0": ("sample", ("cgan", 0, "All classes", 4, 0.0), "less than minimum value 0.1"),
    "1000 frames": ("interpolate", ("cgan", 0, 1, 1000, "slerp", "All classes"), "greater than maximum value 32"),
    "unknown path": ("interpolate", ("cgan", 0, 1, 5, "cubic", "All classes"), "'cubic'.*not in the list of choices"),
    "arithmetic seed -5": ("arithmetic", ("cgan", -5, 1, 2, "All classes"), "-5 is less than minimum value 0"),
}


@pytest.mark.parametrize("name", list(BAD_PARAMETERS))
def test_gradio_endpoints_refuse_bad_parameters_clearly(client, tmp_path, name):
    from gradio_client import handle_file

    endpoint, args, message = BAD_PARAMETERS[name]
    if args[0] is None:
        Image.new("RGB", (40, 30), "gray").save(tmp_path / "good.png")
        args = (handle_file(str(tmp_path / "good.png")), *args[1:])
    with pytest.raises(Exception, match=message):
        client.submit(*args, api_name=f"/{endpoint}").result(timeout=TIMEOUT_S)


def test_gradio_serves_no_file_beyond_its_examples_and_outputs(gradio_url, client, tmp_path):
    import httpx

    from core.fashion.data import DEFAULT_ROOT

    base = gradio_url.rstrip("/")
    for path in ("/etc/passwd", ROOT / "checkpoints" / "fashion" / "resnet.json", ROOT / "README.md", "app.py",
                 DEFAULT_ROOT / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte"):
        r = httpx.get(f"{base}/gradio_api/file={path}", timeout=TIMEOUT_S)
        assert r.status_code in (403, 404), path
    good = tmp_path / "good.png"
    Image.new("RGB", (40, 30), "gray").save(good)
    out = _call(client, "classify", good)[1]  # an output the server did hand out is downloadable
    assert Image.open(out).size == (168, 168)
