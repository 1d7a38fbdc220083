"""One module per Gradio tab, named by its task's key (`core.tasks`): `build(task, demo)` lays the tab out and
wires its own events, the start-up ones included."""

from __future__ import annotations

import gradio as gr

from core.tasks import Task


def header(task: Task) -> bool:
    """The tab's heading, introduction and paper links (the same words as the Streamlit page, from the task);
    False, with a note, when no checkpoint of the task is shipped (the tab then shows nothing else)."""
    gr.Markdown(f"### {task.heading}")
    gr.Markdown(f"{task.intro}\n\n{task.papers_line()}", elem_classes=["intro"])  # hidden in presentation mode
    if not task.names():
        gr.Markdown(task.nothing_shipped())
        return False
    return True
