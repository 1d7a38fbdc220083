"""Presentation mode for the Gradio suite: on a projector (1280×720) the header shrinks to a line, text and labels
grow to at least 18 px, and the pictures and animations take the room. Turned on by `?present` in the address or
by the header's button, in the browser alone (no server call)."""

from __future__ import annotations

import gradio as gr

#: The class on <body> that turns the mode on.
PRESENT_CLASS = "present"

#: Gradio's own size variables, raised while the mode is on (every label, caption, table and input follows them).
CSS = f"""
body.{PRESENT_CLASS} {{
  --text-xxs: 16px; --text-xs: 18px; --text-sm: 18px; --text-md: 20px; --text-lg: 24px; --text-xl: 28px;
  --block-label-text-size: 18px; --block-info-text-size: 18px; --block-title-text-size: 20px;
  --input-text-size: 20px; --prose-text-size: 20px; --section-header-text-size: 20px;
}}
body.{PRESENT_CLASS} .gradio-container {{ max-width: 100% !important; }}
body.{PRESENT_CLASS} .intro {{ display: none; }}
body.{PRESENT_CLASS} .prose, body.{PRESENT_CLASS} .prose * {{ font-size: 20px; }}
body.{PRESENT_CLASS} #gan-gif img {{ width: 100%; min-width: 320px; image-rendering: pixelated; }}
body.{PRESENT_CLASS} #gan-grid img, body.{PRESENT_CLASS} #gan-strip img,
body.{PRESENT_CLASS} #gan-timeline-frame img {{ image-rendering: pixelated; }}
"""

#: On page load: `?present` (or `?present=1`) in the address turns the mode on.
JS = f"""() => {{
  const q = new URLSearchParams(window.location.search);
  if (q.has("present") && q.get("present") !== "0") document.body.classList.add("{PRESENT_CLASS}");
}}"""


def toggle_button() -> gr.Button:
    """A small header button that switches the mode on and off in the browser."""
    btn = gr.Button("Presentation mode", size="sm", variant="secondary", elem_id="present-toggle", scale=0,
                    min_width=180)
    btn.click(None, None, None, js=f"() => {{ document.body.classList.toggle('{PRESENT_CLASS}'); }}", api_name=False)
    return btn
