"""Streamlit page: Fashion-MNIST classification of an uploaded photo or an example, with the model's view."""

import streamlit as st
from PIL import Image

from core.checkpoints import CheckpointError
from core.examples import fashion_example_files
from core.fashion import CLASSES
from core.fashion.predict import available, best_arch, classify, load_classifier, model_label
from core.imaging import ImageInputError, open_image
from core.plots import confusion_matrix_figure
from demos.components.sketchpad import sketchpad

st.title("Fashion-MNIST classification")
st.caption(
    "Upload a photo of a garment (on a light background) or draw one. The image is turned into what the models were "
    "trained on: grayscale, inverted, cropped to the object and shrunk to 28×28 (shown below)."
)
archs = available()
if not archs:
    st.error("No classifier checkpoint is shipped in checkpoints/fashion/.")
    st.stop()

left, mid, right = st.columns([1, 1, 1.2])
with left:
    try:
        default = archs.index(best_arch())
    except CheckpointError:
        default = len(archs) - 1
    arch = st.selectbox("Model (test accuracy)", archs, index=default, format_func=model_label, key="arch")
    examples = fashion_example_files()
    source = st.radio("Image", ["Example", "Upload", "Draw"], horizontal=True, key="source")
    if source == "Upload":
        upload = st.file_uploader("Photo of a garment", key="upload")
    elif source == "Draw":
        drawing = sketchpad("sketch")
    else:
        example = st.selectbox("Fashion-MNIST test image, rendered as a photo", examples, format_func=lambda p: p.stem,
                               key="example")
try:
    if source == "Upload":
        if upload is None:
            st.info("Upload a photo, or switch to an example.")
            st.stop()
        img = open_image(upload.getvalue())
    elif source == "Draw":
        if drawing is None:
            st.info("Draw a garment on the canvas (dark strokes on white).")
            st.stop()
        img = open_image(drawing)
    else:
        img = open_image(example)
    p = classify(img, arch)
except (ImageInputError, CheckpointError, ValueError) as e:
    st.error(str(e))
    st.stop()

if source != "Draw":
    left.image(img, caption="Input", width="stretch")
with mid:
    st.subheader(f"{next(iter(p.probabilities))}")
    for name, prob in p.top(5).items():
        st.progress(prob, text=f"{name}: {prob:.1%}")
    st.image(p.view.resize((168, 168), Image.NEAREST), caption="What the model saw (28×28)")
    st.caption(f"{p.model}: {p.milliseconds:.1f} ms on the CPU")
with right:
    card = load_classifier(arch).card
    m = card["metrics"]
    st.pyplot(confusion_matrix_figure(m["confusion_matrix"], CLASSES, f"{card['title']}: {m['test_accuracy']:.1%}"))
