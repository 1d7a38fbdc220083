"""The Classify tab: Fashion-MNIST classification of an uploaded photo or a drawing."""

from __future__ import annotations

import gradio as gr
from PIL import Image

from core.fashion import inside
from core.fashion.data import CLASSES
from core.fashion.predict import classify, side_by_side, to_fashion_mnist
from core.fashion.task import SKETCH_SIZE, SKETCH_STROKE, VIEW_SIZE, ClassifyTask
from core.imaging import open_image
from core.plots import confusion_matrix_svg
from core.tasks import USER_ERRORS
from demos.components.drawing import drawing_of, drawing_pad
from demos.components.outputs import image_input, save_outputs
from demos.tabs import header

PHOTO, DRAWING = "photo", "drawing"  # which input the answer on screen is about

#: On a phone the look-inside pictures keep their own size (their captions are drawn at 18 px) and scroll sideways,
#: instead of shrinking to the screen's width (captions of 6-7 px).
CSS = """
#classify-model .secondary-wrap input { padding-right: 22px; text-overflow: ellipsis; }  /* clear of the arrow */
#classify-examples-credit p { font-size: var(--text-sm); opacity: 0.85; margin: 0; }
@media (max-width: 720px) {
  #classify-inside .image-container { overflow-x: auto; }
  #classify-inside .image-container > button { width: max-content; justify-content: flex-start; }
  #classify-inside .image-frame { width: max-content; }
  #classify-inside .image-frame img { width: auto; height: auto; max-width: none; }
}
"""


def build(task: ClassifyTask, demo: gr.Blocks) -> None:
    if not header(task):
        return

    def answer(img, arch: str):
        try:
            p = classify(open_image(img), task.load(arch))
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e
        (view,) = save_outputs("classify", {"model_view.png": p.view.resize((VIEW_SIZE, VIEW_SIZE), Image.NEAREST)})
        return p.top(5), view, f"**{p.model}**: {p.milliseconds:.1f} ms on the CPU"

    def run_classify(path: str | None, arch: str):
        """An uploaded photo -> (top-5 label dict, the model's 28x28 view, timing markdown)."""
        if not path:
            raise gr.Error("Please upload a photo or pick an example first.")
        return answer(path, arch)

    def run_classify_if_any(path: str | None, arch: str):
        """The page's first answer: the example the photo input opens on (nothing where no example ships)."""
        return run_classify(path, arch) if path else (None, None, "")

    def run_classify_drawing(sketch: dict | None, arch: str):
        """The sketchpad -> the same outputs as `run_classify`."""
        drawing = drawing_of(sketch)
        if drawing is None:
            raise gr.Error("Draw a garment first (dark strokes on the white canvas).")
        return answer(drawing, arch)

    def reanswer(source: str, path: str | None, sketch: dict | None, arch: str):
        """After a model switch: the new model's answer for the input on screen, or nothing (never the old
        model's answer under the new model's name)."""
        img = path if source == PHOTO else drawing_of(sketch)
        return answer(img, arch) if img else (None, None, "")

    def show_model(arch: str):
        try:
            cm = task.entry(arch).metrics["confusion_matrix"]
            return confusion_matrix_svg(cm, CLASSES, task.confusion_title(arch)), task.card_markdown(arch)
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e

    def all_answers(is_open: bool, source_: str, path: str | None, sketch: dict | None):
        """Every shipped classifier's answer on the input on screen, from the simplest (computed while open)."""
        if not is_open:
            return gr.skip()
        img = path if source_ == PHOTO else drawing_of(sketch)
        if not img:
            return ""
        try:
            view = to_fashion_mnist(open_image(img))  # what every model sees; no model needed to make it
            rows = side_by_side(view, [task.load(n) for n in task.names() if task.entry(n).card is not None])
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e
        return task.side_by_side_markdown(rows)

    def look_inside(is_open: bool, source_: str, path: str | None, sketch: dict | None, arch_: str):
        """The picked classifier seen from the inside on the input on screen (computed only while open):
        (note, evidence picture, stages picture, softmax weight images)."""
        if not is_open:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        img = path if source_ == PHOTO else drawing_of(sketch)
        if not img:
            return "Classify a photo or a drawing first: this shows the model working on it.", None, None, None
        try:
            clf, view = task.load(arch_), to_fashion_mnist(open_image(img))
            weights = task.load(task.weights_model) if task.weights_model in task.names() else None
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e
        v = inside.look_inside(clf, view, weights)
        pictures = {"evidence.png": v.saliency, "stages.png": v.stages, "softmax_weights.png": v.weights}
        paths = save_outputs("inside", {k: im for k, im in pictures.items() if im is not None})
        return task.evidence_note(v.method), *paths, *[None] * (3 - len(paths))

    source = gr.State(PHOTO)
    all_open = gr.State(False)
    inside_open = gr.State(False)
    # The answer's components are made first (rendered in the middle column) so the examples can fill them.
    label = gr.Label(num_top_classes=5, show_label=False, elem_id="classify-label", render=False)
    view = gr.Image(show_label=False, format="png", height=VIEW_SIZE + 16, elem_id="classify-view",
                    buttons=["download"], render=False)
    timing = gr.Markdown(elem_id="classify-timing", render=False)
    outputs = [label, view, timing]
    with gr.Row():
        with gr.Column(scale=5):  # wide enough for the picker's label at 1280 px and up
            arch = gr.Dropdown(task.choices(), value=task.default(), label=task.picker, elem_id="classify-model")
            with gr.Tab("Photo") as photo_tab:
                # Opens on the first example, answered by the picker's model when the page loads.
                inp = image_input(label="Photo of a garment", elem_id="classify-input", height=240,
                                  value=str(task.examples()[0][0]) if task.examples() else None)
                btn = gr.Button("Classify", variant="primary")
                examples = gr.Column()  # filled below; in view without scrolling
            with gr.Tab("Draw") as draw_tab:
                pad = drawing_pad(demo, elem_id="classify-sketch", size=SKETCH_SIZE, stroke=SKETCH_STROKE,
                                  label="Draw a garment")  # short: the canvas's toolbar covers a long label
                gr.Markdown("Dark strokes on the white canvas; the brush is ready.", elem_id="classify-sketch-hint")
                draw_btn = gr.Button("Classify drawing", variant="primary")
            with gr.Accordion("Model card", open=False):
                card = gr.Markdown(task.card_markdown(task.default()), elem_id="classify-card")
            with gr.Accordion("What the numbers mean", open=False):
                gr.Markdown(task.glossary_markdown(), elem_id="classify-glossary")
        with gr.Column(scale=3):
            gr.Markdown("**Top-5 probabilities**")
            label.render()
            gr.Markdown("**What the model saw** (28×28, enlarged)")
            view.render()
            timing.render()
            with gr.Accordion("All the models on this input", open=False, elem_id="classify-all") as all_box:
                everyone = gr.Markdown(elem_id="classify-all-answers")
        with gr.Column(scale=6, min_width=420):  # wide: 10x10 cells of three-digit counts
            gr.Markdown("**Confusion matrix** on the 10,000 test images (rows: true class)")
            plot = gr.HTML(elem_id="classify-confusion")
    with gr.Accordion(task.inside_label, open=False, elem_id="classify-inside") as inside_box:
        inside_note = gr.Markdown(elem_id="classify-inside-note")
        evidence = gr.Image(show_label=False, type="filepath", interactive=False, elem_id="classify-evidence")
        gr.Markdown(task.stages_note)
        stages = gr.Image(show_label=False, type="filepath", interactive=False, elem_id="classify-stages")
        gr.Markdown(task.weights_note)
        weights = gr.Image(show_label=False, type="filepath", interactive=False, elem_id="classify-weights")

    with examples:
        # An example fills the photo only and is answered by the model in the picker: a visitor comparing models
        # keeps the one picked (an answer takes ~20 ms of CPU, so nothing is cached).
        ex = gr.Examples([[str(p)] for p, _ in task.examples()], inputs=[inp], elem_id="classify-examples",
                         label=task.examples_label, cache_examples=False)
        gr.Markdown(task.examples_credit, elem_id="classify-examples-credit")
    first = demo.load(run_classify_if_any, [inp, arch], outputs, api_name=False)
    picked = ex.load_input_event.then(run_classify, [inp, arch], outputs, api_name=False, cancels=[first])
    # A visitor's own request cancels the first answer if it is still on its way (it would land over theirs).
    all_io = ([all_open, source, inp, pad], everyone)
    inside_outputs = [inside_note, evidence, stages, weights]
    inside_io = ([inside_open, source, inp, pad, arch], inside_outputs)
    for answered in (
        btn.click(run_classify, [inp, arch], outputs, api_name="classify", cancels=[first]),
        draw_btn.click(run_classify_drawing, [pad, arch], outputs, api_name="classify_drawing", cancels=[first]),
    ):
        answered.success(all_answers, *all_io, api_name=False)
        answered.success(look_inside, *inside_io, api_name=False)
    all_box.expand(lambda: True, None, all_open, api_name=False, queue=False).then(all_answers, *all_io, api_name=False)
    all_box.collapse(lambda: False, None, all_open, api_name=False, queue=False)
    inside_box.expand(lambda: True, None, inside_open, api_name=False, queue=False).then(
        look_inside, *inside_io, api_name=False)
    inside_box.collapse(lambda: False, None, inside_open, api_name=False, queue=False)
    picked.success(all_answers, *all_io, api_name=False)  # an example picked
    picked.success(look_inside, *inside_io, api_name=False)
    for event in (inp.upload, inp.clear):  # a new photo: the views speak of the old one until it is classified
        event(lambda: ("", "", None, None, None), None, [everyone, *inside_outputs], api_name=False, queue=False)
    photo_tab.select(lambda: PHOTO, None, source, api_name=False)
    draw_tab.select(lambda: DRAWING, None, source, api_name=False)
    arch.change(reanswer, [source, inp, pad, arch], outputs, api_name=False, cancels=[first]).then(
        show_model, arch, [plot, card], api_name=False).then(look_inside, *inside_io, api_name=False)
    demo.load(show_model, arch, [plot, card], api_name=False)
