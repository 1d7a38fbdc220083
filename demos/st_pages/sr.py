"""Streamlit page: bicubic vs FSRCNN, side by side, with PSNR/SSIM against a ground truth on request."""


import streamlit as st

from core.examples import PHOTOS, example_photo
from core.sr import compare as sr
from core.sr import inside
from core.sr.task import TASK
from core.tasks import USER_ERRORS
from demos.components.before_after import before_after
from demos.components.page import page_header, uploaded_image

page_header(TASK)


@st.cache_resource(max_entries=24, show_spinner="Upscaling the example…")
def example_comparison(example: str, arch: str, ground_truth: bool, sha256: str) -> sr.Comparison:
    """An example's comparison, computed once per server for every visitor (`sha256`: a retrained checkpoint is
    never answered from an old entry)."""
    return sr.compare(example_photo(example), TASK.load(arch), ground_truth)


@st.cache_resource(show_spinner=False)
def thumbnail(example: str):
    """A small square picture of an example photo (made once per server)."""
    from PIL import ImageOps

    return ImageOps.fit(example_photo(example), (96, 96))


def example_thumbnails() -> None:
    """The example photos as pictures, each with a button that picks it (the list below names them too)."""
    cols = st.columns(len(PHOTOS), gap="small")
    for col, name in zip(cols, PHOTOS, strict=True):
        col.image(thumbnail(name), width="stretch")
        col.button("Use", key=f"use_{name}", help=PHOTOS[name], width="stretch", type="tertiary",
                   on_click=st.session_state.__setitem__, args=("example", name))


left, right = st.columns([1, 2])
with left:
    source = st.radio("Image", ["Example photo", "Upload"], horizontal=True, key="source")
    if source == "Upload":
        upload = st.file_uploader("Low-resolution image", type=None, key="upload")
    else:
        example_thumbnails()
        example = st.selectbox("Example (scikit-image)", list(PHOTOS), format_func=PHOTOS.get, key="example")
    scale = st.radio("Scale", TASK.scales(), format_func=lambda s: f"x{s}", horizontal=True, key="scale")
    archs = TASK.names(scale=scale)
    if st.session_state.get("arch") not in archs:  # another scale: the same model there, else the default
        st.session_state["arch"] = TASK.counterpart(st.session_state.get("arch"), scale=scale)
    arch = st.selectbox(TASK.picker, archs, format_func=TASK.label, key="arch")
    if arch is None:
        st.error(f"No upscaler is shipped for x{scale}.")
        st.stop()
    st.caption("Measured (PSNR on Y): " + TASK.measured(arch))
    with st.expander("Model card"):
        st.markdown(TASK.card_markdown(arch))
    with st.expander("What the numbers mean"):
        st.markdown(TASK.glossary_markdown())
    # A short label (a long one was cut off in the narrow column); the how goes into its help.
    ground_truth = st.checkbox("Compare with ground truth", key="gt",
                               help="Downsize your image first, upscale it back, then score both methods against it.")

try:
    if source == "Upload":
        img = uploaded_image(upload, "Upload an image, or switch to an example photo.")
        bar = st.progress(0.0, text=sr.PHASES["bicubic"])
        c = sr.compare(img, TASK.load(arch), ground_truth,
                       progress=lambda f, phase: bar.progress(0.9 * f, text=phase))
    else:  # the same for every visitor: computed once
        bar = st.progress(0.0, text=sr.PHASES["bicubic"])
        c = example_comparison(example, arch, ground_truth, str((TASK.entry(arch).card or {}).get("sha256")))
    bar.progress(0.95, text=sr.PHASES["previews"])
    shown = sr.previews(c)  # the display copies Gradio's slider gets too
    bar.empty()
except USER_ERRORS as e:
    st.error(str(e))
    st.stop()


@st.fragment
def zoom(c: sr.Comparison) -> None:
    """The zoomed detail; moving it reruns this fragment only (it is computed from the input, not the result)."""
    pick = st.toggle("Choose where to zoom", key="zoom_pick")
    at = None
    if pick:
        a, b = st.columns(2)
        x = a.slider("Across (%)", 0, 100, 50, key="zoom_x")
        y = b.slider("Down (%)", 0, 100, 50, key="zoom_y")
        at = (round(x / 100 * (c.lr.width - 1)), round(y / 100 * (c.lr.height - 1)))
    view = sr.zoom_view(c.lr, c.upscaler, at=at, ground_truth=c.ground_truth)
    st.image(view.panel, caption="Zoomed detail (nearest-neighbour); the red box shows where")


def full_png() -> bytes:
    """The full-resolution PNG, written only when the download button is pressed."""
    return c.png


with right:
    before_after(shown["bicubic"], shown["model"], ("Bicubic", c.model), key="before_after")
    st.caption(f"Bicubic ◀ ▶ {c.model}: drag the line (or use the control below it) to compare; bicubic took "
               f"{c.seconds['bicubic'] * 1000:.0f} ms, {c.model} {c.seconds['model'] * 1000:.0f} ms.")
    zoom(c)
    st.markdown(c.summary())
    st.download_button("Download the FSRCNN result (full-resolution PNG)", full_png, sr.file_name(c.upscaler), "image/png",
                       on_click="ignore", key="download")
    if st.toggle("Look inside FSRCNN", key="inside"):  # computed only while on
        v = inside.look_inside(c)
        st.image(v.difference, caption=f"Where FSRCNN differs from bicubic (brightness, amplified {v.gain}×: white is "
                 f"{255 / v.gain:.0f} levels or more)" + ("; and where each is wrong against the truth"
                                                          if c.ground_truth is not None else ""))
        st.image(v.stages, caption="The network's stages on the zoom crop, in the paper's order: the most active "
                 "maps of each, each stretched to its own range")
        st.image(v.filters, caption="What the first layer learned: its 5×5 filters")
