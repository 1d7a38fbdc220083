"""Streamlit page: bicubic vs FSRCNN, side by side, with PSNR/SSIM against a ground truth on request."""

import io

import streamlit as st

from core.checkpoints import CheckpointError
from core.examples import PHOTOS, example_photo
from core.imaging import ImageInputError, open_image
from core.sr import ARCHS, available
from core.sr.compare import compare, comparison_zoom
from core.sr.upscale import measured

st.title("Upscaling: bicubic vs FSRCNN")
st.caption(
    "FSRCNN (Dong et al., 2016) learns to upscale the brightness channel; colour is bicubic. "
    "Tick *compare with ground truth* to downsize your image first and score both methods against it."
)

left, right = st.columns([1, 2])
with left:
    source = st.radio("Image", ["Example photo", "Upload"], horizontal=True, key="source")
    if source == "Upload":
        upload = st.file_uploader("Low-resolution image", type=None, key="upload")
    else:
        example = st.selectbox("Example (scikit-image)", list(PHOTOS), format_func=PHOTOS.get, key="example")
    scale = st.radio("Scale", [2, 3, 4], format_func=lambda s: f"x{s}", horizontal=True, key="scale")
    archs = sorted({a for a, _ in available()}) or list(ARCHS)
    arch = st.selectbox("Model", archs, format_func=ARCHS.get, key="arch")
    st.caption("Measured (PSNR on Y): " + measured(scale, arch))
    ground_truth = st.checkbox("Compare with ground truth (downsize my image first, then score)", key="gt")

try:
    if source == "Upload":
        if upload is None:
            st.info("Upload an image, or switch to an example photo.")
            st.stop()
        img = open_image(upload.getvalue())
    else:
        img = example_photo(example)
    bar = st.progress(0.0, text="FSRCNN")
    c = compare(img, scale, arch, ground_truth, progress=lambda i, n: bar.progress(i / n, text=f"FSRCNN tile {i}/{n}"))
    bar.empty()
except (ImageInputError, CheckpointError, ValueError) as e:
    st.error(str(e))
    st.stop()

with right:
    a, b = st.columns(2)
    a.image(c.bicubic, caption=f"Bicubic ({c.seconds['bicubic'] * 1000:.0f} ms)", width="stretch")
    b.image(c.fsrcnn, caption=f"{c.model} ({c.seconds['fsrcnn'] * 1000:.0f} ms)", width="stretch")
    st.image(comparison_zoom(c), caption="Zoomed detail (nearest-neighbour)")
    st.markdown(c.summary())
    buf = io.BytesIO()
    c.fsrcnn.save(buf, format="PNG")
    st.download_button("Download the FSRCNN result (PNG)", buf.getvalue(), f"fsrcnn_x{scale}.png", "image/png")
