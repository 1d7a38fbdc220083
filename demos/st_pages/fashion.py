"""Streamlit page: Fashion-MNIST classification of an uploaded photo or an example, with the model's view."""

import streamlit as st
from PIL import Image

from core.fashion import inside
from core.fashion.data import CLASSES
from core.fashion.photos import CLOTHING_CREDIT
from core.fashion.predict import classify, side_by_side
from core.fashion.task import SKETCH_SIZE, SKETCH_STROKE, TASK, VIEW_SIZE
from core.imaging import open_image
from core.plots import confusion_matrix_svg
from core.tasks import USER_ERRORS
from demos.components.page import page_header, uploaded_image
from demos.components.sketchpad import sketchpad

#: Width (px) of the confusion matrix: its counts and class names 17-18 px (a third of the page at 1280 px left 8 px).
CONFUSION_PX = 640
#: Width (px) of the input picture beside the controls.
INPUT_PX = 320
#: On a phone the look-inside pictures keep their own size (their captions are drawn at 18 px) and scroll sideways,
#: instead of shrinking to the screen's width (captions of 7-8 px).
PHONE_CSS = """<style>
@media (max-width: 720px) {
  .st-key-inside_pictures [data-testid="stImageContainer"] { overflow-x: auto; width: 100%; }
  .st-key-inside_pictures [data-testid="stImageContainer"] img {
    max-width: none !important; width: auto !important; min-width: max-content; flex-shrink: 0;
  }
}
</style>"""

archs = page_header(TASK)

left, mid = st.columns([1, 1.2])
with left:
    arch = st.selectbox(TASK.picker, archs, index=archs.index(TASK.default()), format_func=TASK.label, key="arch")
    with st.expander("Model card"):
        st.markdown(TASK.card_markdown(arch))
    with st.expander("What the numbers mean"):
        st.markdown(TASK.glossary_markdown())
    examples = dict(TASK.examples())  # path -> true class
    source = st.radio("Image", ["Example", "Upload", "Draw"] if examples else ["Upload", "Draw"], horizontal=True,
                      key="source")
    if source == "Upload":
        upload = st.file_uploader("Photo of a garment", key="upload")
    elif source == "Draw":
        drawing = sketchpad("sketch", SKETCH_SIZE, SKETCH_STROKE)
    else:
        example = st.selectbox("Real photo (what it shows: the right answers)", list(examples),
                               format_func=examples.get, key="example")
try:
    if source == "Upload":
        img = uploaded_image(upload, "Upload a photo, or switch to an example.")
    elif source == "Draw":
        if drawing is None:
            st.info("Draw a garment on the canvas (dark strokes on white).")
            st.stop()
        img = open_image(drawing)
    else:
        img = open_image(example)
    p = classify(img, TASK.load(arch))
except USER_ERRORS as e:
    st.error(str(e))
    st.stop()

if source == "Example":
    left.image(img, caption=f"Input: {examples[example]}. {CLOTHING_CREDIT}", width=INPUT_PX)
elif source == "Upload":
    left.image(img, caption="Input", width=INPUT_PX)
with mid:
    st.subheader(f"{next(iter(p.probabilities))}")
    for name, prob in p.top(5).items():
        st.progress(prob, text=f"{name}: {prob:.1%}")
    st.image(p.view.resize((VIEW_SIZE, VIEW_SIZE), Image.NEAREST), caption="What the model saw (28×28)")
    st.caption(f"{p.model}: {p.milliseconds:.1f} ms on the CPU")
    if st.toggle("All the models on this input", key="all_models"):  # computed only while on
        rows = side_by_side(p.view, [TASK.load(n) for n in archs if TASK.entry(n).card is not None])
        st.markdown(TASK.side_by_side_markdown(rows))
st.markdown("**Confusion matrix** on the 10,000 test images (rows: true class)")
# Inline SVG: sharp at any size, text in the theme's colour (light or dark). st.html would drop it.
st.markdown(confusion_matrix_svg(TASK.entry(arch).metrics["confusion_matrix"], CLASSES, TASK.confusion_title(arch)),
            unsafe_allow_html=True, width=CONFUSION_PX)

box = st.expander(TASK.inside_label, key="inside", on_change="rerun")
if box.open:  # computed only while open
    v = inside.look_inside(TASK.load(arch), p.view,
                           TASK.load(TASK.weights_model) if TASK.weights_model in archs else None)
    with box, st.container(key="inside_pictures"):
        st.html(PHONE_CSS)
        st.markdown(TASK.evidence_note(v.method))
        st.image(v.saliency)
        st.markdown(TASK.stages_note)
        st.image(v.stages)
        if v.weights is not None:
            st.markdown(TASK.weights_note)
            st.image(v.weights)
