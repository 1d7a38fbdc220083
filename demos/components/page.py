"""What every Streamlit page of the suite starts with, and how it reads an upload (one wording for all pages)."""

from __future__ import annotations

import streamlit as st

from core.imaging import open_image
from core.tasks import Task

#: Presentation mode on a projector (1280x720): Streamlit sizes its text in rem, so a larger root size raises every
#: label, caption and table to at least 18 px; the page takes the whole width and the introductions are left out.
PRESENT_CSS = """<style>
html { font-size: 21px; }
.block-container, [data-testid="stMainBlockContainer"] { max-width: 100% !important; padding-top: 1.5rem !important;
  padding-left: 2rem !important; padding-right: 2rem !important; }
h1 { font-size: 2rem !important; padding-top: 0 !important; }
code { font-size: 0.875rem !important; }
</style>"""


def presentation_mode() -> bool:
    """The sidebar's switch (on when the address has `?present`); while on, every page is styled for a projector.
    The address follows the switch, so a presenter can bookmark or share it."""
    on = st.sidebar.toggle("Presentation mode", value=st.query_params.get("present", "0") != "0", key="present",
                           help="Larger text for a projector, the whole width, no introductions (or add ?present=1 "
                                "to the address).")
    if on:
        st.query_params["present"] = "1"
    else:
        st.query_params.pop("present", None)
    st.html(PRESENT_CSS if on else "<style></style>")  # always one element here, so turning off replaces the style
    return on


def page_header(task: Task) -> list[str]:
    """Title, introduction and papers of `task` (the introduction left out in presentation mode); its shipped
    checkpoints' names (the page stops, saying so, if none)."""
    st.title(task.heading)
    if not st.session_state.get("present"):
        st.caption(task.intro)
        st.caption(task.papers_line())
    names = task.names()
    if not names:
        st.error(task.nothing_shipped())
        st.stop()
    return names


def uploaded_image(upload, hint: str):
    """The uploaded file as a validated RGB image; with nothing uploaded yet, `hint` and the page stops here."""
    if upload is None:
        st.info(hint)
        st.stop()
    return open_image(upload.getvalue())
