"""The Gradio demo suite: one tab per task of `core.tasks`, each built by `demos/tabs/<key>.py`.

    python app.py            # http://127.0.0.1:7860
"""

from __future__ import annotations

import importlib

import gradio as gr

from core.tasks import suite_intro, tasks
from demos import serve_threads
from demos.components import outputs, present
from demos.components.outputs import OUTPUT_MAX_AGE_S

#: Gradio refuses uploads over this size before our code sees them.
MAX_FILE_SIZE = "25mb"


def build_demo() -> gr.Blocks:
    # delete_cache: Gradio's own copies of uploads and outputs are removed hourly once an hour old.
    with gr.Blocks(title="paper-to-demo", delete_cache=(OUTPUT_MAX_AGE_S, OUTPUT_MAX_AGE_S)) as demo:
        # Queue settings first, while the Blocks is empty: `queue()` rebuilds Gradio's FastAPI app, which on the
        # finished suite costs ~0.2 s, and the Blocks' exit builds it once more anyway.
        demo.queue(default_concurrency_limit=4, max_size=64)
        with gr.Row(equal_height=True):
            gr.Markdown("# paper-to-demo")
            present.toggle_button()
        gr.Markdown(suite_intro(), elem_classes=["intro"])
        for task in tasks():
            with gr.Tab(task.tab):
                importlib.import_module(f"demos.tabs.{task.key}").build(task, demo)
        with gr.Tab("About"):
            importlib.import_module("demos.tabs.about").build(demo)
    return demo


def suite_css() -> str:
    """The suite's style sheet: the output pictures', presentation mode's, then each tab module's own `CSS` (where
    it defines one)."""
    tabs = [importlib.import_module(f"demos.tabs.{task.key}") for task in tasks()]
    return outputs.CSS + present.CSS + "".join(getattr(module, "CSS", "") for module in tabs)


def launch(demo: gr.Blocks | None = None, **kwargs) -> gr.Blocks:
    demo = demo or build_demo()
    # server_port None: $GRADIO_SERVER_PORT, else 7860 (the next free one if taken).
    opts = dict(server_name="127.0.0.1", server_port=None, max_file_size=MAX_FILE_SIZE, show_error=True,
                css=suite_css(), js=present.JS)
    serve_threads()
    demo.launch(**{**opts, **kwargs})
    return demo
