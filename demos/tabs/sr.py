"""The Upscale tab: bicubic vs FSRCNN on an uploaded or example photo."""

from __future__ import annotations

import gradio as gr

from core.examples import example_photo_files
from core.imaging import open_image
from core.sr import compare as sr
from core.sr import inside
from core.sr.model import parse_scale
from core.sr.task import UpscaleTask
from core.tasks import USER_ERRORS
from demos.components.outputs import (
    RecentResults,
    cached_examples,
    image_input,
    on_demand_download,
    save_outputs,
    wire_download,
)
from demos.tabs import header


def build(task: UpscaleTask, demo: gr.Blocks) -> None:
    if not header(task):
        return
    # The page opens on the first example (its answer comes from the example cache, see `cached_examples`).
    files = {p.stem: str(p) for p in example_photo_files()}
    rows = [(p, name, task.entry(name).facets["scale"]) for p, name in task.examples()]
    first_scale = rows[0][2] if rows else task.scales()[0]
    scales = [f"x{s}" for s in task.scales()]
    with gr.Row():
        with gr.Column(scale=1):
            inp = image_input(label="Low-resolution image", elem_id="upscale-input", height=220,
                              value=files[rows[0][0]] if rows else None)
            examples = gr.Column()  # filled below, once the outputs exist: in view without scrolling
            scale = gr.Radio(scales, value=f"x{first_scale}", label="Scale", elem_id="upscale-scale")
            # The list shows only what is shipped at the chosen scale (narrowed on load and on every scale change).
            # allow_custom_value: an example sets scale and model at once, e.g. x3 with FSRCNN-s, before the list
            # is narrowed to x3's; the handler answers a model of another scale with its counterpart (`loaded`).
            arch = gr.Dropdown(task.choices(scale=first_scale),
                               value=rows[0][1] if rows else task.default(scale=first_scale),
                               label=task.picker, elem_id="upscale-model", allow_custom_value=True)
            info = gr.Markdown(elem_id="upscale-measured")
            with gr.Accordion("Model card", open=False):
                card = gr.Markdown(elem_id="upscale-card")
            with gr.Accordion("What the numbers mean", open=False):
                gr.Markdown(task.glossary_markdown(), elem_id="upscale-glossary")
            gt = gr.Checkbox(False, label="Compare with ground truth (downsize my image first, then score)")
            btn = gr.Button("Upscale", variant="primary")
        with gr.Column(scale=2):
            # No download icon on the slider: it would hand out the display copy; the full-resolution PNG is below.
            slider = gr.ImageSlider(label="Bicubic ◀ ▶ FSRCNN (scroll to zoom, drag to pan)", elem_id="upscale-output",
                                    buttons=["fullscreen"])
            # No label over the image: Gradio draws it on the panel's top-left corner, where the overview is.
            gr.Markdown("**Zoomed detail**, nearest-neighbour: the red box on the overview shows where; "
                        "click the overview to move it.")
            zoom = gr.Image(show_label=False, type="filepath", interactive=False, elem_id="upscale-zoom")
            stats = gr.Markdown(label="Timing and quality", elem_id="upscale-stats")
            # The PNG is written when asked for: it costs a quarter of an answer's CPU.
            download = on_demand_download("Download the FSRCNN result (full-resolution PNG)", "upscale-download")
            with gr.Accordion("Look inside FSRCNN", open=False, elem_id="upscale-inside") as inside_box:
                inside_note = gr.Markdown(elem_id="upscale-inside-note")
                diff = gr.Image(show_label=False, type="filepath", interactive=False, elem_id="upscale-diff")
                gr.Markdown("**The network's stages** on the zoom crop, in the paper's order: the most active maps "
                            "of each, each stretched to its own range.")
                layers = gr.Image(show_label=False, type="filepath", interactive=False, elem_id="upscale-stages")
                gr.Markdown("**What the first layer learned**: its 5×5 filters, which the feature maps above come "
                            "from (one picture each, stretched to its own range).")
                filters = gr.Image(show_label=False, type="filepath", interactive=False, elem_id="upscale-filters")
    outputs = [slider, zoom, stats]
    recent = RecentResults()  # (image, scale, model, ground truth) -> the FSRCNN result on screen, for its download
    inside_outputs = [inside_note, diff, layers, filters]
    inside_open = gr.State(False)

    def loaded(scale: str, name: str):
        """The upscaler picked at the scale picked. A model of another scale stands for the same model at this one
        (`show_models`' rule, and the Streamlit page's): a visitor who picks a scale and clicks Upscale before the
        picker has been narrowed gets the scale they picked, and the answer names the model that made it."""
        s = parse_scale(scale)
        task.entry(name)  # an unknown name: refused, listing what is shipped
        if name not in task.names(scale=s) and (name := task.counterpart(name, scale=s)) is None:
            raise ValueError(f"No upscaler is shipped at x{s}.")
        return task.load(name)

    def run_upscale(path: str | None, scale: str, arch: str, ground_truth: bool, progress=gr.Progress()):
        """(before/after previews for the slider, zoom panel, summary markdown); the full-resolution result is kept
        for `full_png`."""
        if not path:
            raise gr.Error("Please upload an image or pick an example first.")
        try:
            img = open_image(path)
            upscaler = loaded(scale, arch)
            c = sr.compare(img, upscaler, ground_truth, progress=lambda f, phase: progress(0.8 * f, desc=phase))
            panel = sr.zoom_view(c.lr, upscaler, ground_truth=c.ground_truth).panel
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e
        progress(0.85, desc=sr.PHASES["previews"])
        (bic, bic_ext), (up, up_ext) = sr.previews(c).values()
        recent.put((path, scale, arch, bool(ground_truth)), c.fsrcnn)
        before, after, zoom_path = save_outputs(
            "upscale", {f"bicubic_preview.{bic_ext}": bic, f"fsrcnn_preview.{up_ext}": up, "zoom.png": panel})
        return (before, after), zoom_path, c.summary()

    def full_png(path: str | None, scale: str, arch: str, ground_truth: bool, progress=gr.Progress()):
        """The full-resolution FSRCNN result of these inputs as a PNG file: the one on screen, or made again
        (an example's cached answer, an evicted or API request)."""
        if not path:
            raise gr.Error("Please upload an image or pick an example first.")
        try:
            upscaler = loaded(scale, arch)
            img = recent.get((path, scale, arch, bool(ground_truth)))
            if img is None:
                img = sr.compare(open_image(path), upscaler, ground_truth,
                                 progress=lambda f, phase: progress(0.9 * f, desc=phase)).fsrcnn
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e
        progress(0.9, desc=sr.PHASES["png"])
        return save_outputs("download", {sr.file_name(upscaler): img})[0]

    def move_zoom(path: str | None, scale: str, arch: str, ground_truth: bool, evt: gr.SelectData):
        """A click on the overview re-centres the zoom there (computed from the input alone, so it is quick)."""
        try:
            upscaler = loaded(scale, arch)
            lr, truth = sr.prepare(open_image(path), upscaler.scale, ground_truth)
            at = sr.overview_lr_point(lr.size, *evt.index)
            if at is None:
                return gr.skip()
            panel = sr.zoom_view(lr, upscaler, at=at, ground_truth=truth).panel
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e
        return save_outputs("zoom", {"zoom.png": panel})[0]

    def run_inside(is_open: bool, path: str | None, scale: str, arch: str, ground_truth: bool):
        """The look-inside views of the picture on screen (computed only while their panel is open)."""
        if not is_open or not path:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            c = sr.compare(open_image(path), loaded(scale, arch), ground_truth)
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e
        v = inside.look_inside(c)
        note = (f"**Where FSRCNN differs from bicubic**, on the brightness (Y) channel, amplified {v.gain}×: white is "
                f"a difference of {255 / v.gain:.0f} levels (of 255) or more, black none. "
                + ("With the ground truth: where each method is wrong. " if c.ground_truth is not None else
                   "Tick *compare with ground truth* to also see where each method is wrong. ")
                + "FSRCNN's changes sit on edges and textures, where bicubic blurs.")
        paths = save_outputs("inside", {"difference.png": v.difference, "stages.png": v.stages,
                                        "filters.png": v.filters})
        return note, *paths

    def clear_outputs():
        """A control that changes what the outputs mean clears them: no stale result stays on screen."""
        return None, None, "", "", None, None, None

    def show_models(scale: str, arch: str):
        """The model picker offers only what is shipped at this scale (the same model where it is); the note
        and card follow the choice."""
        s = parse_scale(scale)
        arch = arch if arch in task.names(scale=s) else task.counterpart(arch, scale=s)
        return gr.Dropdown(choices=task.choices(scale=s), value=arch), *show_model(scale, arch)

    def show_model(scale: str, arch: str) -> tuple[str, str]:
        if arch not in task.names():
            return "", ""
        return "Measured (PSNR on Y): " + task.measured(arch), task.card_markdown(arch)

    with examples:
        # Sha256-keyed cache: a retrained checkpoint is never answered from an old cache.
        ex, first = cached_examples(
            demo, [[files[p], f"x{s}", name, False] for p, name, s in rows], [inp, scale, arch, gt], outputs,
            run_upscale, key=f"upscale-{task.examples_key(*(name for _, name, _ in rows))}", visible_columns=[0, 1],
            elem_id="upscale-examples",
            # The model column stays hidden: the picker, narrowed to the scale's models, cannot name the others'.
            label="Examples (scikit-image photos; answered from a cache)",
        )
    # A visitor's own action cancels the first answer if it is still on its way (it would land over theirs).
    inside_io = ([inside_open, inp, scale, arch, gt], inside_outputs)
    btn.click(run_upscale, [inp, scale, arch, gt], outputs, api_name="upscale", concurrency_limit=2,
              cancels=[first]).success(run_inside, *inside_io, api_name=False, concurrency_limit=2)
    inside_box.expand(lambda: True, None, inside_open, api_name=False, queue=False).then(
        run_inside, *inside_io, api_name=False, concurrency_limit=2)
    inside_box.collapse(lambda: False, None, inside_open, api_name=False, queue=False)
    ex.cache_event.then(run_inside, *inside_io, api_name=False, concurrency_limit=2)  # an example picked
    # `.input` and `.upload` fire on the user's own changes only: an example click sets the controls and its
    # cached outputs together, and must not clear them.
    for event in (scale.input, arch.input, gt.input, inp.upload, inp.clear):
        event(clear_outputs, None, outputs + inside_outputs, api_name=False, queue=False, show_progress="hidden",
              cancels=[first])
    # Outside the queue: a scale change narrows the picker at once, even while upscales of other visitors wait
    # there; queued, an Upscale clicked meanwhile ran with the previous scale's model and was refused.
    scale.change(show_models, [scale, arch], [arch, info, card], api_name=False, queue=False)
    arch.change(show_model, [scale, arch], [info, card], api_name=False, queue=False)
    wire_download(download, full_png, [inp, scale, arch, gt], api_name="upscale_png")
    zoom.select(move_zoom, [inp, scale, arch, gt], zoom, api_name=False, show_progress="minimal")
    demo.load(show_models, [scale, arch], [arch, info, card], api_name=False, queue=False)  # at once: no wait

