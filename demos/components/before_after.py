"""A before/after slider for Streamlit (custom components v2, inline HTML/JS, nothing to build), as Gradio's
`ImageSlider` shows the Upscale result: one picture, the left part from `before`, the right part from `after`,
split where the visitor drags (or moves the range control with the keyboard).

`before_after(before, after, labels, key)` shows it; both images must be the same size (the display copies
that `core.sr.compare.previews` makes are).
"""

from __future__ import annotations

import base64

import streamlit as st

_component = st.components.v2.component(
    name="paper_to_demo_before_after",
    html="""
    <figure class="ba">
      <div class="frame">
        <img class="before" alt="">
        <img class="after" alt="">
        <div class="line"><span class="knob">◀ ▶</span></div>
        <span class="tag left"></span><span class="tag right"></span>
      </div>
      <input type="range" min="0" max="100" step="0.5" value="50">
    </figure>""",
    css="""
    .ba { margin: 0; }
    .ba .frame { position: relative; line-height: 0; touch-action: none; cursor: ew-resize; user-select: none; }
    .ba img { width: 100%; height: auto; display: block; pointer-events: none; }
    .ba .after { position: absolute; inset: 0; clip-path: inset(0 0 0 50%); }
    .ba .line { position: absolute; top: 0; bottom: 0; left: 50%; width: 2px; margin-left: -1px; background: #fff;
                box-shadow: 0 0 3px rgba(0,0,0,.6); }
    .ba .knob { position: absolute; top: 50%; left: 50%; transform: translate(-50%, -50%); line-height: 1;
                padding: 6px 8px; border-radius: 6px; font-size: 0.9rem; color: #fff;
                background: var(--st-primary-color, #ff4b4b); white-space: nowrap; }
    .ba .tag { position: absolute; top: 8px; line-height: 1.2; padding: 3px 8px; border-radius: 4px; font-size: 0.95rem;
               color: #fff; background: rgba(0,0,0,.6); }
    .ba .left { left: 8px; } .ba .right { right: 8px; }
    .ba input { width: 100%; margin-top: 6px; accent-color: var(--st-primary-color, #ff4b4b); }""",
    js="""
    export default function({ parentElement, data }) {
      const q = (s) => parentElement.querySelector(s);
      const frame = q(".frame"), after = q(".after"), line = q(".line"), range = q("input");
      q(".before").src = data.before; after.src = data.after;
      q(".before").alt = data.labels[0]; after.alt = data.labels[1];
      q(".left").textContent = data.labels[0]; q(".right").textContent = data.labels[1];
      range.setAttribute("aria-label", data.labels[0] + " | " + data.labels[1] + " split");
      const show = (pct) => { pct = Math.max(0, Math.min(100, pct)); after.style.clipPath = `inset(0 0 0 ${pct}%)`;
        line.style.left = pct + "%"; range.value = pct; };
      let dragging = false;
      const at = (e) => { const r = frame.getBoundingClientRect(); show((e.clientX - r.left) / r.width * 100); };
      const down = (e) => { dragging = true; frame.setPointerCapture(e.pointerId); at(e); };
      const move = (e) => { if (dragging) at(e); };
      const up = () => { dragging = false; };
      const input = () => show(parseFloat(range.value));
      frame.addEventListener("pointerdown", down); frame.addEventListener("pointermove", move);
      frame.addEventListener("pointerup", up); range.addEventListener("input", input);
      show(50);
      return () => { frame.removeEventListener("pointerdown", down); frame.removeEventListener("pointermove", move);
        frame.removeEventListener("pointerup", up); range.removeEventListener("input", input); };
    }""",
)


def _data_url(image: bytes, ext: str) -> str:
    mime = "image/jpeg" if ext in ("jpg", "jpeg") else f"image/{ext}"
    return f"data:{mime};base64,{base64.b64encode(image).decode()}"


def before_after(before: tuple[bytes, str], after: tuple[bytes, str], labels: tuple[str, str], key: str) -> None:
    """Show `before` | `after` (each (encoded image, extension), the same size) split by a draggable line,
    `labels` written on their sides."""
    _component(key=key, data={"before": _data_url(*before), "after": _data_url(*after), "labels": list(labels)})
