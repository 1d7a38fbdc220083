"""The About tab: citations, where the numbers come from, and the presentation pack (demos.export) on a click."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from core.tasks import USER_ERRORS, about
from demos import export
from demos.components.outputs import OUTPUTS


def build(demo: gr.Blocks) -> None:
    gr.Markdown(about())
    gr.Markdown("### Presentation pack\nSlide-ready figures of every demo and a summary of every measured number "
                "(the same as `python -m demos.export`): upscaling panels of your photos (or two examples), "
                "confusion matrices, GAN grids and an interpolation GIF, training curves, `summary.md`.")
    with gr.Row():
        photos = gr.File(label="Photos for the upscaling panels (optional)", file_count="multiple",
                         file_types=["image"], elem_id="export-photos")
        with gr.Column():
            btn = gr.Button("Make the presentation pack", variant="primary", elem_id="export-button")
            pack = gr.File(label="Presentation pack (.zip)", elem_id="export-pack")

    def make(files: list[str] | None, progress=gr.Progress()) -> str:
        out = Path(tempfile.mkdtemp(prefix="pack-", dir=OUTPUTS.name)) / "paper-to-demo-slides"
        try:
            export.make_pack(out, [Path(f) for f in files or []] or None, runs=[export.SHIPPED_LOGS],
                             progress=lambda f, what: progress(f, desc=what))
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e
        return str(export.zip_pack(out))

    btn.click(make, photos, pack, api_name="export_pack", concurrency_limit=1)
