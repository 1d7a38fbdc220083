"""What every Streamlit page of the suite starts with, and how it reads an upload (one wording for all pages)."""

from __future__ import annotations

import streamlit as st

from core.imaging import open_image
from core.tasks import Task


def page_header(task: Task) -> list[str]:
    """Title, introduction and papers of `task`; its shipped checkpoints' names (the page stops, saying so, if none)."""
    st.title(task.heading)
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
