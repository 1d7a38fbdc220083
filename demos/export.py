"""Slide-ready figures and a Markdown summary of every measured number, with no server.

    python -m demos.export --out slides/ [--images photo1.jpg photo2.png] [--runs docs/training-logs runs/] [--zip]

Writes SR comparison panels (bicubic | FSRCNN | ground truth with zoomed crops, PSNR in the caption) and
FSRCNN's look-inside figures (difference map, stages, first-layer filters), classifier confusion matrices and
where the classifier's evidence lies on two examples, GAN sample grids per class, the principal directions'
strips, a real garment projected into the latent space and an interpolation GIF, training curves from the trainers' CSV logs (where `--runs` holds them) and
`summary.md`. Both apps call `make_pack`
from a button (About), with the photos the user gives.
"""

from __future__ import annotations

import argparse
import csv
import shutil
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from core.examples import example_photo
from core.fashion.data import CLASSES
from core.fashion.inside import saliency_figure
from core.fashion.predict import to_fashion_mnist
from core.fashion.task import TASK as FASHION
from core.gan.explore import STRIP_STEPS, direction_strips
from core.gan.project import describe, project, projection_figure
from core.gan.render import to_gif, to_grid
from core.gan.task import TASK as GAN
from core.imaging import flatten, open_image, tile_column, tile_row
from core.plots import confusion_matrix_figure
from core.sr import inside as sr_inside
from core.sr.compare import Comparison, compare, detail_box, zoom_panel
from core.sr.task import TASK as SR


def _row(images: dict[str, Image.Image], height: int, box: tuple[int, int, int, int]) -> Image.Image:
    """The full images side by side at `height` px, the zoomed `box` outlined in red on each."""
    tiles = []
    for im in images.values():
        f = height / im.height
        tile = im.resize((round(im.width * f), height), Image.BICUBIC)
        ImageDraw.Draw(tile).rectangle([round(v * f) for v in box], outline=(230, 30, 30), width=3)
        tiles.append(tile)
    return tile_row(tiles)


def slide(figure: Image.Image) -> Image.Image:
    """A figure of the apps (transparent around its pictures) laid on white with a margin, as a slide wants it."""
    return ImageOps.expand(flatten(figure), 10, "white")


def sr_panel(c: Comparison) -> tuple[Image.Image, str]:
    """Bicubic | FSRCNN | ground truth of a ground-truth comparison `c`, full and zoomed on the most detailed spot,
    and its caption."""
    scale = c.scale
    images = {"Bicubic": c.bicubic, "FSRCNN": c.fsrcnn, "Ground truth": c.ground_truth}
    box = detail_box(c.bicubic, 48 * scale // 2)
    zoom = zoom_panel(images, box, 300)
    full = _row(images, 300, box)
    panel = tile_column([full, zoom], gap=8)
    b, f = c.metrics["bicubic"], c.metrics["model"]
    caption = (f"x{scale}: bicubic {b['psnr']:.2f} dB / {b['ssim']:.4f}, {c.model} {f['psnr']:.2f} dB / {f['ssim']:.4f} "
               "(PSNR/SSIM on Y against the original)")
    return slide(panel), caption


def training_curves(runs: Path, out: Path) -> list[Path]:
    """One PNG per run directory holding a log.csv: every logged series against the step."""
    from matplotlib.figure import Figure  # on first use: matplotlib costs ~0.4 s of the apps' start-up

    written = []
    for log in sorted(runs.glob("*/log.csv")):
        series: dict[str, list[tuple[int, float]]] = defaultdict(list)
        with open(log) as f:
            for row in csv.DictReader(f):
                series[f"{row['split']}: {row['name']}"].append((int(row["step"]), float(row["value"])))
        fig = Figure(figsize=(4.2 * len(series), 3.2))
        axes = fig.subplots(1, len(series), squeeze=False)
        for ax, (name, pts) in zip(axes[0], sorted(series.items()), strict=True):
            ax.plot(*zip(*pts, strict=True))
            ax.set_title(name)
            ax.set_xlabel("step")
        fig.suptitle(log.parent.name)
        fig.tight_layout()
        path = out / f"curves_{log.parent.name}.png"
        fig.savefig(path)
        written.append(path)
    return written


def summary(sections: list[str]) -> str:
    return "# paper-to-demo: measured numbers\n\n" + "\n\n".join(sections) + "\n"


def sr_summary() -> str:
    rows = ["## Super-resolution (PSNR dB / SSIM on Y, scale px shaved)", "",
            "| model | set | bicubic | model |", "|---|---|---|---|"]
    for e in sorted(SR.entries(), key=lambda e: (e.facets["scale"], e.name)):
        card = e.card or {"title": f"{e.title} (unavailable)"}
        for name, m in card.get("metrics", {}).items():
            rows.append(f"| {card['title']} | {name} | {m['bicubic_psnr']:.2f} / {m['bicubic_ssim']:.4f} "
                        f"| {m['psnr']:.2f} / {m['ssim']:.4f} |")
    return "\n".join(rows)


def fashion_summary() -> str:
    rows = ["## Fashion-MNIST classification", "",
            "| model | parameters | test accuracy | ms / image (CPU) | images/s (batch 256) |",
            "|---|---|---|---|---|"]
    for e in FASHION.entries():
        if e.card is None:
            rows.append(f"| {e.title} (unavailable) | | | | |")
            continue
        c = e.card
        m = c["metrics"]
        rows.append(f"| {c['title']} | {c['parameters']:,} | {m['test_accuracy']:.2%} | "
                    f"{m.get('latency_ms_batch1', '?')} | {m.get('images_per_s_batch256', '?')} |")
    return "\n".join(rows)


def gan_summary(learner: str | None = None) -> str:
    """The GANs' measured table; with `learner`, a line on whose training the timeline GIF shows."""
    rows = ["## GANs", "", "| model | FID (classifier features) | its real-vs-real floor | Inception FID "
            "| class accuracy of conditional samples |", "|---|---|---|---|---|"]
    for e in GAN.entries():
        c = e.card or {"title": f"{e.title} (unavailable)"}
        m = c.get("metrics", {})
        rows.append(f"| {c['title']} | {m.get('fid_classifier', '?')} | {m.get('fid_classifier_real_train_vs_test', '—')} "
                    f"| {m.get('fid_inception', '—')} | {m.get('conditional_accuracy', '—')} |")
    if learner is not None:
        rows += ["", f"`gan_timeline.gif`: {GAN.timeline_note(learner)}"]
    return "\n".join(rows)


Progress = Callable[[float, str], None]  # (fraction done, what is being made)


def make_pack(out: Path, images: list[Path] | None = None, scale: int = 3, runs: list[Path] | None = None,
              progress: Progress | None = None) -> list[Path]:
    """Write the presentation pack into `out`: SR panels of `images` (default: two example photos), confusion
    matrices, GAN grids and GIF, training curves of `runs`, and `summary.md`. Returns the files written."""
    say = progress or (lambda f, what: None)
    out.mkdir(parents=True, exist_ok=True)
    sections, written = [], []
    if SR.names():
        scale = scale if SR.names(scale=scale) else SR.scales()[0]
        name = SR.default(scale=scale)
        photos = [(p.stem, open_image(p)) for p in images] if images else \
            [(n, example_photo(n)) for n in ("chelsea", "coffee")]
        captions = []
        for k, (photo, img) in enumerate(photos):
            say(0.6 * k / len(photos), f"Upscaling comparison {k + 1}/{len(photos)}")
            c = compare(img, SR.load(name), ground_truth=True)
            panel, caption = sr_panel(c)
            path = out / f"sr_{photo}_x{scale}.png"
            panel.save(path)
            written.append(path)
            captions.append(f"- `{path.name}`: {caption}")
            if k == 0:  # look inside FSRCNN, on the first photo
                views = sr_inside.look_inside(c)
                for what, figure, text in [
                    ("difference", views.difference, f"where FSRCNN differs from bicubic, and where each is wrong "
                                                      f"against the truth (brightness, amplified {views.gain}x)"),
                    ("stages", views.stages, "the network's stages on the zoomed crop, in the paper's order"),
                    ("filters", views.filters, "the first layer's learned 5x5 filters")]:
                    path = out / f"sr_inside_{what}_{photo}_x{scale}.png"
                    slide(figure).save(path)
                    written.append(path)
                    captions.append(f"- `{path.name}`: {text}")
        sections += [sr_summary(), "SR panels:\n\n" + "\n".join(captions)]
    if FASHION.names():
        say(0.6, "Confusion matrices")
        for arch in FASHION.names():
            card = FASHION.entry(arch).card
            fig = confusion_matrix_figure(card["metrics"]["confusion_matrix"], CLASSES, FASHION.confusion_title(arch))
            path = out / f"confusion_{arch}.png"
            fig.savefig(path, dpi=150)
            written.append(path)
        clf = FASHION.load(FASHION.default())
        for path_in, truth in FASHION.examples()[:2]:  # where the default classifier's evidence lies
            path = out / f"classify_saliency_{truth.split('/')[0].replace(' ', '_').lower()}.png"
            slide(saliency_figure(open_image(path_in), clf)).save(path)
            written.append(path)
        sections.append(fashion_summary())
    if GAN.names():
        say(0.75, "GAN samples")
        s = GAN.load(GAN.default())
        if s.conditional:
            for k, c in enumerate(CLASSES):
                path = out / f"gan_class{k}_{c.split('/')[0].replace(' ', '_').lower()}.png"
                to_grid(s.sample(16, seed=k, label=k), nrow=8).save(path)
                written.append(path)
        else:
            path = out / "gan_samples.png"
            to_grid(s.sample(64, seed=0), nrow=8).save(path)
            written.append(path)
        path = out / "gan_directions.png"  # what each principal direction does, over three seeds
        strips = direction_strips(s, GAN.direction_reach(GAN.default()), 0, None)
        to_grid(strips, nrow=STRIP_STEPS, scale=3).save(path)
        written.append(path)
        if FASHION.names():  # a real garment (a Classify example) projected into the generator's latent space
            example, truth = FASHION.examples()[0]
            p = project(s, to_fashion_mnist(open_image(example)))
            path = out / "gan_projection.png"
            slide(projection_figure(p)).save(path)
            written.append(path)
            projected = f"`gan_projection.png`: a {truth} from the test set projected into {GAN.label(GAN.default())}. " \
                        + describe(p, GAN.label(GAN.default()))
        path = out / "gan_interpolation.gif"
        path.write_bytes(to_gif(s.interpolate(0, 1, 16)))
        written.append(path)
        if (learner := GAN.timeline_model()) is not None:  # watch it learn: the same seeds through training
            path = out / "gan_timeline.gif"
            path.write_bytes(GAN.timeline(learner).gif())
            written.append(path)
        sections.append(gan_summary(learner) + (f"\n\n{projected}" if FASHION.names() else ""))
    say(0.9, "Training curves")
    for folder in runs or []:
        if folder.is_dir():
            written += training_curves(folder, out)
    (out / "summary.md").write_text(summary(sections))
    written.append(out / "summary.md")
    say(1.0, "Done")
    return written


def zip_pack(folder: Path) -> Path:
    """`folder` as `<folder>.zip` beside it."""
    return Path(shutil.make_archive(str(folder), "zip", root_dir=folder))


#: The training logs shipped with the models: what the apps' export button draws curves from.
SHIPPED_LOGS = Path(__file__).resolve().parent.parent / "docs" / "training-logs"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m demos.export", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, required=True, help="folder to write the pack into")
    p.add_argument("--images", nargs="*", type=Path, help="photos for the SR panels (default: scikit-image examples)")
    p.add_argument("--scale", type=int, default=3, help="upscaling factor of the SR panels")
    p.add_argument("--runs", type=Path, nargs="+", default=[SHIPPED_LOGS, Path("runs")],
                   help="folders of training runs (<run>/log.csv); default: the shipped models' logs and runs/")
    p.add_argument("--zip", action="store_true", help="also write <out>.zip")
    args = p.parse_args(argv)
    written = make_pack(args.out, args.images, args.scale, args.runs)
    if args.zip:
        written.append(zip_pack(args.out))
    for w in written:
        print(w)


if __name__ == "__main__":
    main()
