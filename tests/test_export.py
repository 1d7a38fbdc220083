"""`python -m demos.export`: slide figures and the summary of measured numbers, with no server."""

from PIL import Image

from core.fashion.task import TASK as FASHION
from demos import export


def test_export_writes_panels_grids_curves_and_summary(tmp_path, photo):
    runs = tmp_path / "runs" / "toy_run"
    runs.mkdir(parents=True)
    (runs / "log.csv").write_text("step,split,name,value\n50,train,loss,1.0\n100,train,loss,0.5\n100,eval,acc,0.8\n")
    src = tmp_path / "cat.png"
    photo.crop((0, 0, 240, 180)).save(src)
    out = tmp_path / "slides"
    export.main(["--out", str(out), "--images", str(src), "--runs", str(tmp_path / "runs"), "--scale", "2"])
    names = {p.name for p in out.iterdir()}
    summary = (out / "summary.md").read_text()
    assert "curves_toy_run.png" in names and Image.open(out / "curves_toy_run.png").width > 400
    panel = next(n for n in names if n.startswith("sr_cat_x"))
    assert Image.open(out / panel).width > 900 and "dB" in summary and "sr_cat_x" in summary
    assert FASHION.names() and {f"confusion_{a}.png" for a in FASHION.names()} <= names and "test accuracy" in summary
    fashion = summary.split("## Fashion-MNIST classification", 1)[1].split("\n## ", 1)[0]
    assert "—" not in fashion and "?" not in fashion  # every cell of a shipped classifier holds a measured number
    gif = Image.open(out / "gan_interpolation.gif")
    assert gif.n_frames == 30 and "Inception FID" in summary
    # The look-inside figures (#29): FSRCNN's difference map, stages and filters on the first photo, where the
    # classifier's evidence lies on two examples, the GAN's direction strips; laid on white, as slides are.
    inside = {f"sr_inside_{w}_cat_x2.png" for w in ("difference", "stages", "filters")}
    saliency = {n for n in names if n.startswith("classify_saliency_")}
    assert inside <= names and len(saliency) == 2 and {"gan_directions.png", "gan_projection.png"} <= names
    for name in [*inside, *saliency, "gan_directions.png", "gan_projection.png", panel]:
        fig = Image.open(out / name)
        assert fig.mode in ("RGB", "L") and fig.width > 300, name
        assert fig.convert("RGB").getpixel((2, 2)) == (255, 255, 255) or name == "gan_directions.png", name
    assert all(f"`{n}`" in summary for n in [*inside, "gan_projection.png"])


def test_the_export_button_of_the_gradio_app_returns_the_pack(client, photo, tmp_path):
    import zipfile

    from gradio_client import handle_file

    src = tmp_path / "my photo.png"
    photo.crop((0, 0, 200, 150)).save(src)
    path = client.predict([handle_file(str(src))], api_name="/export_pack")
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        summary = z.read("summary.md").decode()
    assert "summary.md" in names and any(n.startswith("curves_") for n in names)
    # the user's photo became the upscaling panel
    assert any(n.startswith("sr_my photo_x") for n in names) and "dB" in summary
    assert "gan_interpolation.gif" in names and "Inception FID" in summary


def test_the_streamlit_about_page_offers_the_pack_after_the_click():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parent.parent / "demos" / "st_pages" / "about.py"
    at = AppTest.from_file(str(page), default_timeout=300).run()
    assert not at.exception and "Presentation pack" in at.markdown[1].value
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert at.session_state.pack[:2] == b"PK"  # a zip, offered by the download button
