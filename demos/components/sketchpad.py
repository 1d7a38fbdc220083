"""A small drawing canvas for Streamlit (custom components v2, inline HTML/JS, nothing to build).

`sketchpad(key, size, stroke)` shows a `size`x`size` white canvas with a black brush drawing `stroke`-pixel
lines and a Clear button, and returns the drawing as PNG bytes (None while the canvas is empty).
"""

from __future__ import annotations

import base64

import streamlit as st

_component = st.components.v2.component(
    name="paper_to_demo_sketchpad",
    html="""
    <div class="pad">
      <canvas width="280" height="280" aria-label="Drawing canvas"></canvas>
      <div><button type="button">Clear</button> <span>Draw with the mouse or a finger</span></div>
    </div>""",
    css="""
    .pad canvas { width: 100%; max-width: 280px; height: auto; aspect-ratio: 1; border: 1px solid
                  var(--st-border-color, #ccc); border-radius: 6px; background: #fff; touch-action: none; cursor: crosshair; }
    .pad span { font-size: 0.8rem; opacity: 0.7; }
    /* Clear looks like the page's own secondary buttons (the theme's colours, light or dark). */
    .pad button { font: inherit; font-family: var(--st-font, inherit); color: var(--st-text-color, inherit);
                  background: var(--st-background-color, #fff); border: 1px solid var(--st-border-color, #ccc);
                  border-radius: var(--st-button-radius, 0.5rem); padding: 0.25rem 0.75rem; margin-top: 0.5rem;
                  min-height: 2.5rem; cursor: pointer; }
    .pad button:hover { border-color: var(--st-primary-color, #ff4b4b); color: var(--st-primary-color, #ff4b4b); }""",
    js="""
    export default function({ parentElement, data, setStateValue }) {
      const canvas = parentElement.querySelector("canvas");
      if (data && data.size && canvas.width !== data.size) { canvas.width = canvas.height = data.size; }
      canvas.style.maxWidth = canvas.width + "px";
      const ctx = canvas.getContext("2d");
      const clear = () => { ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height); };
      clear();
      ctx.lineWidth = (data && data.stroke) || 14; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#000";
      let drawing = false;
      const at = (e) => { const r = canvas.getBoundingClientRect();
        return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
      const down = (e) => { drawing = true; canvas.setPointerCapture(e.pointerId); const [x, y] = at(e);
        ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 0.1, y + 0.1); ctx.stroke(); };
      const move = (e) => { if (!drawing) return; const [x, y] = at(e); ctx.lineTo(x, y); ctx.stroke(); };
      const up = () => { if (!drawing) return; drawing = false; setStateValue("png", canvas.toDataURL("image/png")); };
      const reset = () => { clear(); setStateValue("png", null); };
      canvas.addEventListener("pointerdown", down);
      canvas.addEventListener("pointermove", move);
      canvas.addEventListener("pointerup", up);
      canvas.addEventListener("pointerleave", up);
      const button = parentElement.querySelector("button");
      button.addEventListener("click", reset);
      return () => {
        canvas.removeEventListener("pointerdown", down); canvas.removeEventListener("pointermove", move);
        canvas.removeEventListener("pointerup", up); canvas.removeEventListener("pointerleave", up);
        button.removeEventListener("click", reset);
      };
    }""",
)


def sketchpad(key: str, size: int, stroke: int) -> bytes | None:
    """Mount a `size`-pixel canvas drawing `stroke`-pixel lines; the drawing as PNG bytes, or None if nothing is drawn."""
    result = _component(key=key, data={"size": size, "stroke": stroke}, default={"png": None},
                        on_png_change=lambda: None)
    url = result.png if result is not None else None
    if not url or not url.startswith("data:image/png;base64,"):
        return None
    return base64.b64decode(url.split(",", 1)[1])
