"""The Gradio demo suite: layout and wiring only; every computation is a `core` call.

    python app.py            # http://127.0.0.1:7860
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from pathlib import Path

import gradio as gr
from PIL import Image

from core.checkpoints import CheckpointError
from core.examples import example_photo_files, fashion_example_files
from core.fashion import CLASSES
from core.fashion.data import DataMissingError
from core.fashion.predict import available as fashion_available
from core.fashion.predict import best_arch, classify, load_classifier, model_label
from core.gan.explore import arithmetic, latents_npy, move_along_directions, nearest_training_images, to_gif, to_grid
from core.gan.latent import MAX_SEED
from core.gan.sample import available as gan_available
from core.gan.sample import load_generator
from core.gan.sample import model_label as gan_model_label
from core.imaging import ImageInputError, open_image
from core.plots import confusion_matrix_figure
from core.sr import ARCHS
from core.sr import available as sr_available
from core.sr.compare import compare, comparison_zoom
from core.sr.upscale import measured

#: Gradio refuses uploads over this size before our code sees them.
MAX_FILE_SIZE = "25mb"
USER_ERRORS = (ImageInputError, CheckpointError, ValueError)


#: Downloads are written here (one folder per request); removed at exit, and folders older than an hour
#: are pruned on the way, so a long-running Space does not fill its disk.
OUTPUTS = tempfile.TemporaryDirectory(prefix="paper-to-demo-outputs-")
OUTPUT_MAX_AGE_S = 3600


def _output_folder(stem: str) -> Path:
    now = time.time()
    for old in Path(OUTPUTS.name).iterdir():
        if now - old.stat().st_mtime > OUTPUT_MAX_AGE_S:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{stem}-", dir=OUTPUTS.name))


def _outputs(stem: str, items: dict[str, Image.Image | bytes]) -> list[str]:
    """Write one request's outputs (file name -> PIL image, saved as PNG, or bytes) into a folder of its own
    and return their paths, in order.

    Images go back to Gradio as files, never as PIL objects: Gradio caches a PIL output under a path named
    by its content hash with a plain write, so two users receiving the same image at once (same seed, same
    example) can be served a half-rewritten file (`bench.load` caught it); files are copied atomically."""
    folder = _output_folder(stem)
    paths = []
    for name, item in items.items():
        path = folder / name
        if isinstance(item, Image.Image):
            item.save(path, format="PNG")
        else:
            path.write_bytes(item)
        paths.append(str(path))
    return paths


def image_input(**kwargs) -> gr.Image:
    """A `gr.Image` whose upload reaches the handler as a path, undecoded, so that `core.imaging.open_image`
    validates it and words the error (Gradio's own decoding would fail first, with an internal message).
    Patched on the instance: a subclass would make Gradio write a .pyi stub beside this file."""
    comp = gr.Image(type="filepath", **kwargs)
    decode = comp.preprocess

    def preprocess(payload):
        if payload is None or not payload.path or (payload.url or "").startswith("data:"):
            return decode(payload)
        return payload.path

    comp.preprocess = preprocess
    return comp


def _model_choices() -> list[tuple[str, str]]:
    archs = sorted({a for a, _ in sr_available()}) or list(ARCHS)
    return [(ARCHS[a], a) for a in archs]


def run_upscale(path: str | None, scale: str, arch: str, ground_truth: bool, progress=gr.Progress()):
    """Gradio handler: (before/after slider, zoom panel, summary markdown, PNG path to download)."""
    if not path:
        raise gr.Error("Please upload an image or pick an example first.")
    try:
        img = open_image(path)
        s = int(str(scale).lstrip("x"))
        c = compare(img, s, arch, ground_truth, progress=lambda i, n: progress(i / n, desc="FSRCNN tiles"))
    except USER_ERRORS as e:
        raise gr.Error(str(e)) from e
    before, after, zoom = _outputs("upscale", {f"bicubic_x{s}.png": c.bicubic, f"fsrcnn_x{s}.png": c.fsrcnn,
                                               "zoom.png": comparison_zoom(c)})
    return (before, after), zoom, c.summary(), after


def upscale_tab() -> tuple:
    """The Upscale tab; returns (scale, model, measured-note) components for the start-up event."""
    gr.Markdown(
        "### Upscaling: bicubic vs FSRCNN\n"
        "FSRCNN (Dong et al., 2016) learns to upscale the brightness channel; colour is bicubic. "
        "Tick *compare with ground truth* to downsize your image first and score both methods against it."
    )
    with gr.Row():
        with gr.Column(scale=1):
            inp = image_input(label="Low-resolution image", elem_id="upscale-input", height=320)
            scale = gr.Radio(["x2", "x3", "x4"], value="x2", label="Scale")
            choices = _model_choices()
            arch = gr.Dropdown(choices, value=choices[0][1], label="Model")
            info = gr.Markdown(elem_id="upscale-measured")
            gt = gr.Checkbox(False, label="Compare with ground truth (downsize my image first, then score)")
            btn = gr.Button("Upscale", variant="primary")
            gr.Examples([[str(p)] for p in example_photo_files()], inputs=[inp], label="Example photos (scikit-image)")
        with gr.Column(scale=2):
            slider = gr.ImageSlider(label="Bicubic ◀ ▶ FSRCNN", format="png", elem_id="upscale-output")
            zoom = gr.Image(label="Zoomed detail (nearest-neighbour)", format="png")
            stats = gr.Markdown(label="Timing and quality")
            download = gr.File(label="Download the FSRCNN result (PNG)")
    btn.click(
        run_upscale, [inp, scale, arch, gt], [slider, zoom, stats, download], api_name="upscale", concurrency_limit=2
    )
    for comp in (scale, arch):
        comp.change(show_measured, [scale, arch], info, api_name=False)
    return scale, arch, info


def show_measured(scale: str, arch: str) -> str:
    """The measured PSNR of the chosen model (from its card), shown under the model picker."""
    return "Measured (PSNR on Y): " + measured(int(str(scale).lstrip("x")), arch)


def _classify(img, arch: str):
    try:
        p = classify(open_image(img), arch)
    except USER_ERRORS as e:
        raise gr.Error(str(e)) from e
    (view,) = _outputs("classify", {"model_view.png": p.view.resize((168, 168), Image.NEAREST)})
    return p.top(5), view, f"**{p.model}**: {p.milliseconds:.1f} ms on the CPU"


def run_classify(path: str | None, arch: str):
    """Gradio handler for an uploaded photo: (top-5 label dict, the model's 28x28 view, timing markdown)."""
    if not path:
        raise gr.Error("Please upload a photo or pick an example first.")
    return _classify(path, arch)


def run_classify_drawing(sketch: dict | None, arch: str):
    """Gradio handler for the sketchpad: same outputs as `run_classify`."""
    composite = (sketch or {}).get("composite")
    if composite is None or composite.getextrema()[3] == (0, 0):
        raise gr.Error("Draw a garment first (dark strokes on the white canvas).")
    return _classify(composite, arch)


def confusion_plot(arch: str):
    try:
        card = load_classifier(arch).card
    except USER_ERRORS as e:
        raise gr.Error(str(e)) from e
    m = card.get("metrics", {})
    return confusion_matrix_figure(m["confusion_matrix"], CLASSES, f"{card['title']}: test accuracy {m['test_accuracy']:.1%}")


def _best_classifier(archs: list[str]) -> str:
    try:
        return best_arch()
    except CheckpointError:
        return archs[-1]


def classify_tab() -> tuple | None:
    """The Classify tab; returns (model, confusion plot) for the start-up event, or None without checkpoints."""
    gr.Markdown(
        "### Fashion-MNIST classification\n"
        "Upload a photo of a garment (on a light background) or draw one. The image is turned into what the "
        "models were trained on: grayscale, inverted, cropped to the object and shrunk to 28×28 (shown below)."
    )
    archs = fashion_available()
    if not archs:
        gr.Markdown("No classifier checkpoint is shipped in `checkpoints/fashion/`.")
        return
    with gr.Row():
        with gr.Column(scale=1):
            arch = gr.Dropdown([(model_label(a), a) for a in archs], value=_best_classifier(archs), label="Model (test accuracy)")
            with gr.Tab("Photo"):
                inp = image_input(label="Photo of a garment", elem_id="classify-input", height=280)
                btn = gr.Button("Classify", variant="primary")
                examples = fashion_example_files()
                if examples:
                    gr.Examples([[str(p)] for p in examples], inputs=[inp],
                                label="Fashion-MNIST test images, rendered as photos")
            with gr.Tab("Draw"):
                pad = gr.Sketchpad(type="pil", label="Draw a garment", canvas_size=(280, 280), elem_id="classify-sketch")
                draw_btn = gr.Button("Classify drawing", variant="primary")
        with gr.Column(scale=1):
            label = gr.Label(num_top_classes=5, label="Top-5 probabilities", elem_id="classify-label")
            view = gr.Image(label="What the model saw (28×28)", format="png", height=180)
            timing = gr.Markdown()
        with gr.Column(scale=1):
            plot = gr.Plot(label="Confusion matrix on the 10,000 test images", show_label=False)
    btn.click(run_classify, [inp, arch], [label, view, timing], api_name="classify")
    draw_btn.click(run_classify_drawing, [pad, arch], [label, view, timing], api_name="classify_drawing")
    arch.change(confusion_plot, arch, plot, api_name=False)
    return arch, plot


def _sampler(arch: str):
    try:
        return load_generator(arch)
    except USER_ERRORS as e:
        raise gr.Error(str(e)) from e


def _label(sampler, label: str):
    return None if label == "All classes" or not sampler.conditional else CLASSES.index(label)


def run_sample(arch: str, seed: float, label: str, n: float, truncation: float):
    """Gradio handler: (sample grid, [grid PNG, latents .npy] to download)."""
    s = _sampler(arch)
    try:
        images = s.sample(int(n), int(seed), _label(s, label), float(truncation))
    except ValueError as e:
        raise gr.Error(str(e)) from e
    files = _outputs(f"samples-{int(seed)}", {"grid.png": to_grid(images, nrow=8),
                                               "latents.npy": latents_npy(s, int(n), int(seed), float(truncation))})
    return files[0], files


def run_interpolate(arch: str, seed_a: float, seed_b: float, steps: float, mode: str, label: str):
    """Gradio handler: (strip of frames, animated GIF path)."""
    s = _sampler(arch)
    try:
        frames = s.interpolate(int(seed_a), int(seed_b), int(steps), mode, _label(s, label))
    except ValueError as e:
        raise gr.Error(str(e)) from e
    return _outputs("interpolation", {"strip.png": to_grid(frames, nrow=len(frames)), "frames.gif": to_gif(frames)})


def run_arithmetic(arch: str, a: float, b: float, c: float, label: str):
    s = _sampler(arch)
    try:
        images = arithmetic(s, int(a), int(b), int(c), _label(s, label))
    except ValueError as e:
        raise gr.Error(str(e)) from e
    return _outputs("arithmetic", {"arithmetic.png": to_grid(images, nrow=4, scale=4)})[0]


def run_directions(arch: str, seed: float, label: str, *amounts: float):
    s = _sampler(arch)
    try:
        image = move_along_directions(s, int(seed), list(amounts), _label(s, label))
        near, dist = nearest_training_images(image[0])
    except (ValueError, DataMissingError) as e:
        raise gr.Error(str(e)) from e
    caption = "Nearest training images (L2 distance in pixels): " + ", ".join(f"{d:.2f}" for d in dist)
    moved, nearest = _outputs("directions", {"sample.png": to_grid(image, nrow=1, scale=6),
                                             "nearest.png": to_grid(near, nrow=5, scale=3)})
    return moved, nearest, caption


def gan_tab() -> tuple | None:
    """The GAN tab; returns (button, inputs, grid, files) for the start-up sample, or None without checkpoints."""
    gr.Markdown(
        "### GAN latent space\n"
        "Generators trained on Fashion-MNIST, from the 2014 GAN to a class-conditional GAN. "
        "A seed fixes the latent vectors, so the same seed gives the same images everywhere."
    )
    archs = gan_available()
    if not archs:
        gr.Markdown("No generator checkpoint is shipped in `checkpoints/gan/`.")
        return
    default = "cgan" if "cgan" in archs else archs[-1]
    with gr.Row():
        arch = gr.Dropdown([(gan_model_label(a), a) for a in archs], value=default, label="Model (FID: lower is better)")
        label = gr.Dropdown(["All classes", *CLASSES], value="All classes", label="Class (conditional model)")
        seed = gr.Number(0, precision=0, minimum=0, maximum=MAX_SEED, label="Seed")
        dice = gr.Button("🎲 Random seed", scale=0)
    with gr.Tab("Samples"):
        with gr.Row():
            n = gr.Slider(1, 64, 32, step=1, label="Images")
            trunc = gr.Slider(0.1, 1.0, 1.0, step=0.05, label="Truncation (lower: more typical, less varied)")
        sample_btn = gr.Button("Sample", variant="primary")
        grid = gr.Image(label="Samples", format="png", elem_id="gan-grid")
        files = gr.File(label="Download: grid (PNG) and latent vectors (.npy)", file_count="multiple")
    with gr.Tab("Interpolate"):
        with gr.Row():
            seed_b = gr.Number(1, precision=0, minimum=0, maximum=MAX_SEED, label="Second seed")
            steps = gr.Slider(2, 32, 10, step=1, label="Frames")
            mode = gr.Radio(["slerp", "lerp"], value="slerp", label="Path")
        interp_btn = gr.Button("Interpolate", variant="primary")
        strip = gr.Image(label="From the first seed to the second", format="png")
        gif = gr.File(label="Animated GIF")
    with gr.Tab("Arithmetic"):
        with gr.Row():
            sa, sb, sc = (gr.Number(v, precision=0, minimum=0, maximum=MAX_SEED, label=f"Seed {k}") for k, v in zip("ABC", (0, 1, 2), strict=True))
        arith_btn = gr.Button("A − B + C", variant="primary")
        arith = gr.Image(label="A | B | C | A − B + C", format="png")
    with gr.Tab("Directions"):
        gr.Markdown("Move the seed's latent along the 5 principal directions of the latent space (GANSpace). "
                    "Below: the closest training images, to check the sample is not memorised.")
        with gr.Row():
            with gr.Column():
                amounts = [gr.Slider(-3, 3, 0, step=0.25, label=f"Direction {i + 1}") for i in range(5)]
            moved = gr.Image(label="Sample", format="png")
        near = gr.Image(label="Nearest training images", format="png")
        near_text = gr.Markdown()
    dice.click(lambda: random.randrange(MAX_SEED), None, seed, api_name=False)
    sample_inputs = [arch, seed, label, n, trunc]
    sample_btn.click(run_sample, sample_inputs, [grid, files], api_name="sample")
    for comp in (n, trunc):
        comp.release(run_sample, sample_inputs, [grid, files], api_name=False)
    seed.submit(run_sample, sample_inputs, [grid, files], api_name=False)
    interp_btn.click(run_interpolate, [arch, seed, seed_b, steps, mode, label], [strip, gif], api_name="interpolate")
    arith_btn.click(run_arithmetic, [arch, sa, sb, sc, label], arith, api_name="arithmetic")
    dir_inputs = [arch, seed, label, *amounts]
    for sl in amounts:
        sl.release(run_directions, dir_inputs, [moved, near, near_text], api_name=False)
    return sample_btn, sample_inputs, grid, files


def build_demo() -> gr.Blocks:
    # delete_cache: Gradio's own copies of uploads and outputs are removed hourly once an hour old.
    with gr.Blocks(title="paper-to-demo", delete_cache=(OUTPUT_MAX_AGE_S, OUTPUT_MAX_AGE_S)) as demo:
        gr.Markdown(
            "# paper-to-demo\nThree classic deep-learning papers, trained by us on real data and running live on "
            "the CPU: **Upscale** (FSRCNN super-resolution), **Classify** (Fashion-MNIST, from softmax regression "
            "to a small ResNet) and **GAN** (from the 2014 GAN to a class-conditional GAN). Every number shown "
            "was measured by a command in the repository; see the model cards in `checkpoints/`."
        )
        with gr.Tab("Upscale"):
            sr = upscale_tab()
        with gr.Tab("Classify"):
            wired = classify_tab()
        with gr.Tab("GAN"):
            gan = gan_tab()
        demo.load(show_measured, sr[:2], sr[2], api_name=False)
        if wired:
            demo.load(confusion_plot, wired[0], wired[1], api_name=False)
        if gan:
            demo.load(run_sample, gan[1], [gan[2], gan[3]], api_name=False)
    return demo.queue(default_concurrency_limit=4, max_size=64)


def launch(demo: gr.Blocks | None = None, **kwargs) -> gr.Blocks:
    demo = demo or build_demo()
    # server_port None: $GRADIO_SERVER_PORT, else 7860 (the next free one if taken).
    opts = dict(server_name="127.0.0.1", server_port=None, max_file_size=MAX_FILE_SIZE, show_error=True)
    demo.launch(**{**opts, **kwargs})
    return demo
