"""`python -m demos.export`: slide figures and the summary of measured numbers, with no server."""

from PIL import Image

from core.fashion.predict import available as fashion_available
from core.gan.sample import available as gan_available
from core.sr import available as sr_available
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
    if sr_available():
        panel = next(n for n in names if n.startswith("sr_cat_x"))
        assert Image.open(out / panel).width > 900 and "dB" in summary and "sr_cat_x" in summary
    if fashion_available():
        assert {f"confusion_{a}.png" for a in fashion_available()} <= names and "test accuracy" in summary
    if gan_available():
        gif = Image.open(out / "gan_interpolation.gif")
        assert gif.n_frames == 30 and "FID" in summary
