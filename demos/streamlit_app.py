"""The Streamlit demo suite (multipage): layout and wiring only; every computation is a `core` call.

    streamlit run demos/streamlit_app.py
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

PAGES = Path(__file__).parent / "st_pages"

st.set_page_config(page_title="paper-to-demo", page_icon="🔬", layout="wide")
nav = st.navigation([
    st.Page(PAGES / "upscale.py", title="Upscale", icon=":material/zoom_in:"),
    st.Page(PAGES / "classify.py", title="Classify", icon=":material/checkroom:"),
    st.Page(PAGES / "gan.py", title="GAN", icon=":material/palette:"),
])
nav.run()
