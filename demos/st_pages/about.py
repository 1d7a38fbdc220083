"""Streamlit page: citations, where the numbers come from, and the presentation pack (demos.export)."""

import tempfile
from pathlib import Path

import streamlit as st

from core.tasks import USER_ERRORS, about
from demos import export

st.markdown(about())
st.markdown("### Presentation pack\nSlide-ready figures of every demo and a summary of every measured number "
            "(the same as `python -m demos.export`): upscaling panels of your photos (or two examples), "
            "confusion matrices, GAN grids and an interpolation GIF, training curves, `summary.md`.")
uploads = st.file_uploader("Photos for the upscaling panels (optional)", accept_multiple_files=True, key="photos")
if st.button("Make the presentation pack", type="primary"):
    bar = st.progress(0.0, text="Starting")
    with tempfile.TemporaryDirectory() as tmp:
        photos = []
        for i, up in enumerate(uploads or []):
            path = Path(tmp) / f"photo{i}_{Path(up.name).stem[:40]}.png"
            path.write_bytes(up.getvalue())
            photos.append(path)
        try:
            out = Path(tmp) / "paper-to-demo-slides"
            export.make_pack(out, photos or None, runs=[export.SHIPPED_LOGS],
                             progress=lambda f, what: bar.progress(f, text=what))
            st.session_state.pack = export.zip_pack(out).read_bytes()
        except USER_ERRORS as e:
            st.error(str(e))
if "pack" in st.session_state:
    st.download_button("Download the presentation pack (.zip)", st.session_state.pack, "paper-to-demo-slides.zip",
                       "application/zip", type="primary")
