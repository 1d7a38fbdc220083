"""A Gradio drawing canvas that is ready to draw on: black brush of a given width, already selected.

Gradio 6.31's Sketchpad opens with no tool selected, and its "Clear canvas" deselects the tool again, so a drag
draws nothing. `drawing_pad` selects the brush in the browser whenever the canvas is on the page (the tab holding
it may mount later) and neither brush nor eraser is active; a tool the user picked stays picked.
"""

from __future__ import annotations

import json

import gradio as gr

_SELECT_BRUSH = """
(elemId) => {
  const pick = () => {
    const root = document.getElementById(elemId);
    const brush = root && root.querySelector("button[aria-label='Brush']");
    const eraser = root && root.querySelector("button[aria-label='Erase']");
    const active = (b) => b && b.classList.contains("highlight");  // how the toolbar marks the tool in use
    if (!brush || active(brush) || active(eraser)) return;
    brush.click();
  };
  new MutationObserver(pick).observe(document.body, { childList: true, subtree: true });
  pick();
}
"""


def drawing_pad(demo: gr.Blocks, *, elem_id: str, size: int, stroke: int, **kwargs) -> gr.Sketchpad:
    """A `size`x`size` white canvas whose black brush draws `stroke`-pixel-wide lines, selected on first view.
    Its value reaches the handler as a dict of PIL images (`composite`: what the user drew)."""
    # Gradio's brush size is a radius.
    pad = gr.Sketchpad(type="pil", canvas_size=(size, size), elem_id=elem_id, layers=False, transforms=(),
                       brush=gr.Brush(default_size=max(1, stroke // 2), colors=["#000000"], color_mode="fixed"), **kwargs)
    demo.load(None, None, None, js=f"() => ({_SELECT_BRUSH})({json.dumps(elem_id)})", api_name=False)
    return pad


def drawing_of(sketch: dict | None):
    """What was drawn on a `drawing_pad` (its `composite`, a PIL image), or None while the canvas is empty."""
    composite = (sketch or {}).get("composite")
    return None if composite is None or composite.getextrema()[-1] == (0, 0) else composite
