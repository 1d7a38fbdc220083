"""The Streamlit demo suite (multipage): one page per task of `core.tasks`, each `demos/st_pages/<key>.py`.

    streamlit run demos/streamlit_app.py
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

import demos  # noqa: E402  (caps malloc arenas: Streamlit runs this file by path, not as a package)
from core.tasks import tasks  # noqa: E402
from demos.components.page import presentation_mode  # noqa: E402

demos.serve_threads()

PAGES = Path(__file__).parent / "st_pages"

st.set_page_config(page_title="paper-to-demo", page_icon="🔬", layout="wide")
presentation_mode()
nav = st.navigation([
    *(st.Page(PAGES / f"{t.key}.py", title=t.tab, icon=t.icon) for t in tasks()),
    st.Page(PAGES / "about.py", title="About", icon=":material/info:"),
])
nav.run()
