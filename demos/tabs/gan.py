"""The GAN tab: sample, interpolate, do latent arithmetic, move along principal directions, project a drawing or
photo into the latent space, and watch the model learn (its timeline and training curves).

The model, class and seed on the left drive every view: changing any of them redraws them all at once."""

from __future__ import annotations

import gradio as gr
import torch

from core.fashion.predict import to_fashion_mnist
from core.fashion.task import SKETCH_SIZE, SKETCH_STROKE
from core.gan.explore import (
    DIRECTION_SPREAD,
    DIRECTION_STEP,
    STRIP_SEEDS,
    STRIP_STEPS,
    arithmetic,
    arithmetic_captions,
    direction_strips,
    latents_npy,
    move_along_directions,
    move_latent,
    nearest_training_images,
    training_images,
)
from core.gan.latent import MAX_SEED, random_seed
from core.gan.project import describe, project
from core.gan.render import interpolation_grid, to_gif, to_grid
from core.gan.sample import DIRECTIONS
from core.gan.task import ALL_CLASSES, FRAMES, SAMPLES, SECOND_SEED, TRUNCATION, GanTask, Range
from core.gan.timeline import frame_caption, grid_image
from core.imaging import open_image
from core.tasks import USER_ERRORS
from demos.components.drawing import drawing_of, drawing_pad
from demos.components.outputs import image_input, on_demand_download, save_outputs, wire_download
from demos.tabs import header


def _slider(r: Range, label: str, **kwargs) -> gr.Slider:
    return gr.Slider(r.low, r.high, r.default, step=r.step, label=label, **kwargs)


def _seed_box(value: int, label: str, **kwargs) -> gr.Number:
    return gr.Number(value, precision=0, minimum=0, maximum=MAX_SEED, label=label, **kwargs)


def build(task: GanTask, demo: gr.Blocks) -> None:
    if not header(task):
        return
    first = task.default()
    with gr.Row():
        # Controls on the left: the class list opens over the seed box, never over a slider that would take
        # the mouse release as its own; a radio shows the models' full labels.
        with gr.Column(scale=1, min_width=330):
            arch = gr.Radio(task.choices(), value=first, label=task.picker, elem_id="gan-model")
            label = gr.Dropdown(task.class_choices(), value=ALL_CLASSES, label="Class", elem_id="gan-class",
                                info=task.class_note(first), interactive=task.conditional(first))
            with gr.Row(equal_height=True):
                seed = _seed_box(0, "Seed", elem_id="gan-seed", min_width=120)
                dice = gr.Button("Random seed", elem_id="gan-dice", min_width=120)
            with gr.Accordion("Model card", open=False):
                card = gr.Markdown(task.card_markdown(first), elem_id="gan-card")
            with gr.Accordion("What the numbers mean", open=False):
                gr.Markdown(task.glossary_markdown(), elem_id="gan-glossary")
        # Tab labels wrap onto a second line on a phone instead of hiding behind Gradio's "⋯" menu.
        with gr.Column(scale=3), gr.Tabs(overflow_behavior="wrap", elem_id="gan-views") as views:
            with gr.Tab("Samples"):
                with gr.Row():
                    n = _slider(SAMPLES, "Images", elem_id="gan-images")
                    trunc = _slider(TRUNCATION, "Truncation (lower: more typical, less varied)")
                caption = gr.Markdown(elem_id="gan-caption")
                grid = gr.Image(show_label=False, format="png", elem_id="gan-grid", buttons=["download", "fullscreen"])
                # The grid downloads from its own button; the latents behind it are made when asked for.
                latents = on_demand_download("Download the latent vectors behind the grid (.npy)", "gan-latents")
            with gr.Tab("Interpolate"):
                with gr.Row():
                    seed_b = _seed_box(SECOND_SEED, "Second seed", elem_id="gan-interp-seed-b")
                    steps = _slider(FRAMES, "Frames")
                    mode = gr.Radio(["slerp", "lerp"], value="slerp", label="Path")
                with gr.Row():
                    with gr.Column(scale=3):
                        gr.Markdown("**Frames**, from the seed to the second seed (left to right, then down)")
                        strip = gr.Image(show_label=False, format="png", elem_id="gan-strip")
                    with gr.Column(scale=1, min_width=160):
                        gr.Markdown("**Animation** (there and back, looping)")
                        gif = gr.Image(show_label=False, type="filepath", elem_id="gan-gif")
            with gr.Tab("Arithmetic"):
                with gr.Row():
                    sa, sb, sc = (_seed_box(v, f"Seed {k}") for k, v in zip("ABC", (0, 1, 2), strict=True))
                with gr.Row():
                    arith, arith_caps = [], []
                    for k in range(4):
                        with gr.Column(min_width=120):
                            arith.append(gr.Image(show_label=False, format="png", elem_id=f"gan-arith-{k}",
                                                  buttons=["download"]))
                            arith_caps.append(gr.Markdown(elem_id=f"gan-arith-caption-{k}"))
            with gr.Tab("Directions", id="directions"):
                gr.Markdown(f"Move the seed's latent along the {DIRECTIONS} principal directions of the latent space "
                            f"(GANSpace). Each slider reaches ±{DIRECTION_SPREAD:g} standard deviations of the latents "
                            "along its direction: "
                            "further out, the generator never saw its input. Below: the closest training "
                            "images, to check the sample is not memorised.")
                reach = task.direction_reach(first)
                dir_from = gr.Markdown(elem_id="gan-dir-from")
                with gr.Row():
                    # The sample first: on a phone the columns stack, and it must show above the sliders.
                    with gr.Column(elem_id="gan-moved-col"):
                        gr.Markdown("**Sample**, moved along the directions")
                        moved = gr.Image(show_label=False, format="png", elem_id="gan-moved", height=180)
                    with gr.Column():
                        amounts = [gr.Slider(-r, r, 0, step=DIRECTION_STEP, label=f"Direction {i + 1}",
                                             elem_id=f"gan-dir-{i}") for i, r in enumerate(reach)]
                near_text = gr.Markdown(elem_id="gan-near-caption")
                near = gr.Image(show_label=False, format="png", elem_id="gan-near")
                gr.Markdown(f"**What each direction does**: each row walks one direction from −{DIRECTION_SPREAD:g}σ "
                            f"to +{DIRECTION_SPREAD:g}σ, left to right, for the seed and the next {STRIP_SEEDS - 1} ({STRIP_SEEDS} rows a "
                            f"direction, directions 1 to {DIRECTIONS} from the top): what changes in every row is what "
                            "the direction means.")
                strips = gr.Image(show_label=False, type="filepath", elem_id="gan-strips")
            with gr.Tab("Project"):
                gr.Markdown("Find the latent vector (and, for the conditional model, the class) whose image is "
                            "closest to your drawing or photo: the generator's best attempt at it, beside the "
                            "closest real training image. A few seconds on the CPU.")
                with gr.Row():
                    with gr.Column(min_width=400):  # the 280 px canvas at full size, beside its toolbar
                        with gr.Tab("Draw"):
                            pj_pad = drawing_pad(demo, elem_id="gan-project-sketch", size=SKETCH_SIZE,
                                                 stroke=SKETCH_STROKE, label="Draw a garment")
                            gr.Markdown("Dark strokes on the white canvas; the brush is ready.")
                            pj_draw_btn = gr.Button("Project drawing", variant="primary", elem_id="gan-project-draw")
                        with gr.Tab("Photo"):
                            pj_inp = image_input(label="Photo of a garment", elem_id="gan-project-input", height=240)
                            pj_btn = gr.Button("Project photo", variant="primary", elem_id="gan-project-photo")
                    with gr.Column(scale=2):
                        with gr.Row():
                            # Short labels: each image is about 130 px wide beside the canvas.
                            pj_images = [gr.Image(label=text, format="png", elem_id=f"gan-project-{key}", min_width=130,
                                                  buttons=[])
                                         for key, text in (("view", "Input (28×28)"), ("match", "Best match"),
                                                           ("nearest", "Nearest real"))]
                        pj_text = gr.Markdown(elem_id="gan-project-caption")
                        with gr.Row():
                            pj_npy = gr.DownloadButton("Download its latent vector (.npy)", visible=False,
                                                       elem_id="gan-project-latent")
                            pj_use = gr.Button("Move it along the directions", visible=False, elem_id="gan-project-use")
            with gr.Tab("Watch it learn"):
                tl_note = gr.Markdown(elem_id="gan-timeline-note")
                with gr.Row():
                    with gr.Column(scale=3):
                        tl_step = gr.Slider(1, 2, 1, step=1, label="Point of training (frame)", visible=False,
                                            elem_id="gan-timeline-step")
                        tl_caption = gr.Markdown(elem_id="gan-timeline-caption")
                        tl_frame = gr.Image(show_label=False, format="png", visible=False, elem_id="gan-timeline-frame")
                    with gr.Column(scale=2, min_width=200):
                        tl_gif = gr.Image(show_label=False, type="filepath", visible=False, elem_id="gan-timeline-gif")
                curves_note = gr.Markdown(elem_id="gan-curves-note")
                curves = gr.Plot(label="Training curves (from the training log)", elem_id="gan-curves")

    def sampler(arch: str):
        try:
            return task.load(arch)
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e

    def class_of(s, name: str) -> int | None:
        return task.class_index(name) if s.conditional else None

    def show_model(arch: str, wanted: str):
        """The class control, model card and direction ranges for this model. An unconditional model shows 'All
        classes' (what it draws); a conditional one gets back the class the visitor last chose."""
        cond = task.conditional(arch)
        klass = gr.Dropdown(interactive=cond, info=task.class_note(arch), value=wanted if cond else ALL_CLASSES)
        sliders = [gr.Slider(minimum=-r, maximum=r, value=0) for r in task.direction_reach(arch)]
        return klass, task.card_markdown(arch), *sliders

    def run_sample(arch: str, seed: float, label: str, n: float, truncation: float):
        """(sample grid PNG, caption)."""
        s = sampler(arch)
        try:
            images = s.sample(int(n), int(seed), class_of(s, label), float(truncation))
            text = task.sample_caption(arch, int(seed), label, int(n), float(truncation))
        except ValueError as e:
            raise gr.Error(str(e)) from e
        (grid_png,) = save_outputs(f"samples-{int(seed)}", {"grid.png": to_grid(images, nrow=8)})
        return grid_png, text

    def latents_file(arch: str, seed: float, label: str, n: float, truncation: float):
        """The latent vectors behind the grid of these inputs, as a .npy file (they are a function of them)."""
        s = sampler(arch)
        try:
            npy = latents_npy(s, int(n), int(seed), float(truncation))
        except ValueError as e:
            raise gr.Error(str(e)) from e
        return save_outputs(f"latents-{int(seed)}", {f"latents_seed{int(seed)}_n{int(n)}.npy": npy})[0]

    def run_interpolate(arch: str, seed_a: float, seed_b: float, steps: float, mode: str, label: str):
        """(frames wrapped into rows, animated GIF path)."""
        s = sampler(arch)
        try:
            frames = s.interpolate(int(seed_a), int(seed_b), int(steps), mode, class_of(s, label))
        except ValueError as e:
            raise gr.Error(str(e)) from e
        return save_outputs("interpolation", {"frames.png": interpolation_grid(frames), "frames.gif": to_gif(frames)})

    def run_arithmetic(arch: str, a: float, b: float, c: float, label: str):
        """(A, B, C, A − B + C images, then their four captions)."""
        s = sampler(arch)
        try:
            images = arithmetic(s, int(a), int(b), int(c), class_of(s, label))
        except ValueError as e:
            raise gr.Error(str(e)) from e
        paths = save_outputs("arithmetic", {f"{k}.png": to_grid(images[k : k + 1], nrow=1, scale=4) for k in range(4)})
        return *paths, *(f"**{t}**" for t in arithmetic_captions(int(a), int(b), int(c)))

    def run_directions(arch: str, seed: float, label: str, start: dict | None, *amounts: float):
        """(moved sample, nearest training images or None, their caption, where it starts from). `start`: a
        projected latent ({"arch", "z", "label"}) to start from instead of the seed's."""
        s = sampler(arch)
        try:
            if start and start["arch"] == arch:
                y = None if start["label"] is None else torch.tensor([start["label"]])
                image = move_latent(s, torch.tensor([start["z"]]), list(amounts), y)
            else:
                image = move_along_directions(s, int(seed), list(amounts), class_of(s, label))
        except ValueError as e:
            raise gr.Error(str(e)) from e
        where = (f"Starting from **your projected image**{start['what']}; change the seed, class or model to start "
                 "from a seed again." if start and start["arch"] == arch else "")
        (moved,) = save_outputs("directions", {"sample.png": to_grid(image, nrow=1, scale=6)})
        near, dist = nearest_training_images(image[0])
        (nearest,) = save_outputs("nearest", {"nearest.png": to_grid(near, nrow=5, scale=3)})
        return moved, nearest, (f"**Nearest training images**, searched among {training_images().what} (L2 distance in pixels): "
                                + ", ".join(f"{d:.2f}" for d in dist)), where

    def run_project(img, arch: str, progress=gr.Progress()):
        """An image -> (its 28x28 view, the best match, the nearest training image, caption, the latent's .npy
        file, the latent for the Directions view)."""
        if img is None:
            raise gr.Error("Upload a photo or draw a garment first.")
        s = sampler(arch)
        progress(0, desc="Making the 28x28 view")
        try:
            p = project(s, to_fashion_mnist(open_image(img)), progress=lambda f, t: progress(f, desc=t))
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e
        shown = {f"{k}.png": to_grid(x, nrow=1, scale=6) for k, x in (("view", p.target), ("match", p.image),
                                                                       ("nearest", p.nearest))}
        *images, npy = save_outputs("projection", {**shown, p.latent_file(arch): p.latent_npy()})
        start = {"arch": arch, "z": p.z.tolist(), "label": p.label,
                 "what": "" if p.label is None else f" (class {p.class_name()})"}
        return *images, describe(p, task.title(arch)), npy, start

    def run_project_drawing(sketch: dict | None, arch: str, progress=gr.Progress()):
        """The sketchpad -> the same outputs as `run_project`."""
        drawing = drawing_of(sketch)
        if drawing is None:
            raise gr.Error("Draw a garment first (dark strokes on the white canvas).")
        return run_project(drawing, arch, progress)

    def run_strips(arch: str, seed: float, label: str):
        """Each principal direction walked over its slider's range, for the seed and the next ones (one picture)."""
        s = sampler(arch)
        try:
            images = direction_strips(s, task.direction_reach(arch), int(seed), class_of(s, label))
        except ValueError as e:
            raise gr.Error(str(e)) from e
        return save_outputs("strips", {"strips.png": to_grid(images, nrow=STRIP_STEPS, scale=2)})[0]

    def show_curves(arch: str):
        """The model's training curves (a matplotlib figure, or None) and what they show."""
        return task.curves_note(arch), task.curves_figure(arch)

    def show_timeline(arch: str):
        """The model's timeline: its note, the step slider, the last frame and the animation (or the note alone)."""
        t = task.timeline(arch)
        if t is None:
            hidden = gr.update(visible=False, value=None)
            return task.timeline_note(arch), gr.Slider(visible=False), "", hidden, hidden
        frame, gif = save_outputs("timeline", {"frame.png": grid_image(t, len(t) - 1), "timeline.gif": t.gif()})
        # The slider counts frames from 1, as the caption does.
        return (task.timeline_note(arch), gr.Slider(1, len(t), len(t), step=1, visible=True),
                frame_caption(t, len(t) - 1), gr.update(visible=True, value=frame), gr.update(visible=True, value=gif))

    def show_frame(arch: str, i: float):
        t = task.timeline(arch)
        if t is None:
            return "", None
        i = min(max(int(i) - 1, 0), len(t) - 1)  # frame number -> index
        return frame_caption(t, i), save_outputs("timeline", {"frame.png": grid_image(t, i)})[0]

    timeline_out = [tl_note, tl_step, tl_caption, tl_frame, tl_gif]
    sample_io = ([arch, seed, label, n, trunc], [grid, caption])
    interp_io = ([arch, seed, seed_b, steps, mode, label], [strip, gif])
    arith_io = ([arch, sa, sb, sc, label], [*arith, *arith_caps])
    start = gr.State(None)  # a projected latent the Directions view starts from (see run_project)
    projected = gr.State(None)  # the latest projection's latent
    dir_io = ([arch, seed, label, start, *amounts], [moved, near, near_text, dir_from])

    def redraw_all(event):
        """Chain every view after `event`: the shared controls drive all four."""
        return (event.then(run_sample, *sample_io, api_name=False).then(run_interpolate, *interp_io, api_name=False)
                .then(run_arithmetic, *arith_io, api_name=False).then(run_directions, *dir_io, api_name=False)
                .then(run_strips, [arch, seed, label], strips, api_name=False))

    # A model change first sets the class control, card and slider ranges, then redraws; a class or seed
    # change (typed, arrows, or the dice) redraws at once. `.input` on the class: only the user's own picks,
    # not the reset a model change makes (that one is redrawn already). Each view's own controls redraw it
    # alone, and name its API endpoint.
    wanted = gr.State(ALL_CLASSES)  # the visitor's own last class pick, kept across unconditional models
    label.input(lambda c: c, label, wanted, api_name=False, queue=False)
    # The shared controls leave a projected latent: the Directions view starts from the seed again.
    redraw_all(arch.change(show_model, [arch, wanted], [label, card, *amounts], api_name=False)
               .then(lambda: None, None, start, api_name=False))
    redraw_all(gr.on([label.input, seed.change], lambda: None, None, start, api_name=False, trigger_mode="always_last"))
    dice.click(random_seed, None, seed, api_name=False)
    gr.on([n.release, trunc.release], run_sample, *sample_io, api_name="sample", trigger_mode="always_last")
    wire_download(latents, latents_file, sample_io[0], api_name="sample_latents")
    gr.on([seed_b.change, steps.release, mode.change], run_interpolate, *interp_io, api_name="interpolate",
          trigger_mode="always_last")
    gr.on([sa.change, sb.change, sc.change], run_arithmetic, *arith_io, api_name="arithmetic",
          trigger_mode="always_last")
    gr.on([s.release for s in amounts], run_directions, *dir_io, api_name="directions", trigger_mode="always_last")
    redraw_all(demo.load(lambda: None, None, None, api_name=False))
    gr.on([demo.load, arch.change], show_timeline, arch, timeline_out, api_name=False)
    gr.on([demo.load, arch.change], show_curves, arch, [curves_note, curves], api_name=False)
    arch.change(lambda: gr.Button(visible=False), None, pj_use, api_name=False, queue=False)  # another model's latent
    pj_out = [*pj_images, pj_text, pj_npy, projected]
    for event in (pj_btn.click(run_project, [pj_inp, arch], pj_out, api_name="project"),
                  pj_draw_btn.click(run_project_drawing, [pj_pad, arch], pj_out, api_name="project_drawing")):
        event.success(lambda: (gr.DownloadButton(visible=True), gr.Button(visible=True)), None, [pj_npy, pj_use],
                      api_name=False, queue=False)
    # Move the projection along the directions: its latent becomes the Directions view's start, sliders at 0.
    pj_use.click(lambda p: (p, gr.Tabs(selected="directions"), *[0] * len(amounts)), projected,
                 [start, views, *amounts], api_name=False).then(run_directions, *dir_io, api_name=False)
    tl_step.release(show_frame, [arch, tl_step], [tl_caption, tl_frame], api_name=False)

    examples = task.examples()
    if examples:
        gr.Examples([[a, c, s_] for a, c, s_ in examples], inputs=[arch, label, seed], outputs=[grid, caption],
                    fn=lambda a, c, s_: run_sample(a, s_, c, SAMPLES.default, TRUNCATION.default),
                    cache_examples=True, cache_mode="lazy", label="Examples (model, class, seed)",
                    example_labels=[task.example_label(*e) for e in examples])
