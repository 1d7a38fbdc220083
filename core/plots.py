"""Figures shared by the demos and the slide export (matplotlib, no display needed)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The cells' colour (matplotlib's "Blues" at its darkest), drawn with an opacity that grows with the rate
#: (square root: a 5 % confusion still shows), so an empty cell shows the page's own background, light or dark.
CELL_RGB = (0.03, 0.32, 0.61)
#: Font sizes in points (CELL_FONT: the counts' largest); the figure is small in inches so that, shown 450-700 px
#: wide, the class names are 14-20 px.
CELL_FONT, TICK_FONT, TITLE_FONT = 13, 12, 13
#: The confusion matrix's size in inches: cells of about 0.42 in, beside the class names.
CONFUSION_SIZE = (6.0, 5.7)
#: The share of a cell's width its widest count may take (the rest is margin: counts never touch the edges), and
#: how wide a digit is in em (DejaVu Sans, matplotlib's font and the SVG's first choice: 0.636; the browsers'
#: fallback sans-serif fonts have narrower digits).
CELL_FILL, DIGIT_EM = 0.75, 0.636
#: A colour no one draws with: `confusion_matrix_svg` swaps it for the page's text colour (CSS currentColor).
_INK = "#010203"


def confusion_matrix_figure(matrix: Sequence[Sequence[int]], classes: Sequence[str], title: str = "",
                            ink: str = "black", transparent: bool = False) -> Figure:
    """Row-normalised confusion matrix (rows: true class, columns: predicted) with the counts in the cells.

    `ink` colours the text and axes; `transparent` leaves the background unpainted (for dark pages)."""
    # matplotlib is imported on first use, not with the module: it costs ~0.4 s of every app's start-up.
    from matplotlib.figure import Figure

    m = np.asarray(matrix, dtype=float)
    norm = m / np.clip(m.sum(1, keepdims=True), 1, None)
    fig = Figure(figsize=CONFUSION_SIZE, dpi=100)
    ax = fig.subplots()
    if transparent:
        fig.patch.set_alpha(0)
        ax.patch.set_alpha(0)
    cells = np.zeros((*norm.shape, 4))
    cells[..., :3] = CELL_RGB
    cells[..., 3] = np.sqrt(norm)
    ax.imshow(cells, interpolation="nearest")
    n = len(classes)
    ax.set_xticks(range(n), classes, rotation=45, ha="right", fontsize=TICK_FONT, color=ink)
    ax.set_yticks(range(n), classes, fontsize=TICK_FONT, color=ink)
    ax.tick_params(colors=ink)
    ax.set_xlabel("predicted", fontsize=TICK_FONT, color=ink)
    ax.set_ylabel("true", fontsize=TICK_FONT, color=ink)
    for spine in ax.spines.values():
        spine.set_color(ink)
    ax.set_title(title, fontsize=TITLE_FONT, color=ink)
    fig.tight_layout()  # before the counts: their size follows from the cells' size once the layout is done
    ax.apply_aspect()  # square cells: the box shrinks to them (otherwise only when drawn)
    size = count_font(ax.get_position().width * fig.get_figwidth() * 72 / n, len(str(int(m.max()))))
    for i in range(n):
        for j in range(n):
            if m[i, j]:  # white on a strong cell, the page's ink on a faint one
                ax.text(j, i, f"{int(m[i, j])}", ha="center", va="center", fontsize=size,
                        color="white" if cells[i, j, 3] > 0.6 else ink)
    return fig


def count_font(cell_pt: float, digits: int) -> float:
    """The counts' font size (points) in cells `cell_pt` points wide: the widest count (`digits` digits) takes
    `CELL_FILL` of the cell at most, and none is larger than `CELL_FONT`."""
    return min(CELL_FONT, CELL_FILL * cell_pt / (max(digits, 1) * DIGIT_EM))


def confusion_matrix_svg(matrix: Sequence[Sequence[int]], classes: Sequence[str], title: str = "") -> str:
    """The confusion matrix as inline SVG markup for a web page: vector (sharp at any size), transparent, its
    text and axes in the page's text colour (`currentColor`), so it reads in light and dark themes alike.
    The <svg> scales to its container's width."""
    import matplotlib  # on first use, as in confusion_matrix_figure

    fig = confusion_matrix_figure(matrix, classes, title, ink=_INK, transparent=True)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # real text: sharp, selectable, theme-coloured
        fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: this goes inside HTML
    svg = svg.replace(_INK, "currentColor")
    # Fixed width/height in pt -> fill the container, keeping the aspect ratio (the viewBox stays).
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', svg, count=1)
    return svg.replace("<svg", '<svg role="img" aria-label="Confusion matrix" style="width: 100%; height: auto"', 1)


#: Training-curve figure: the width in inches of one panel and the height of the figure (shown 600-900 px wide).
CURVE_PANEL_W, CURVE_H = 5.0, 3.4


def training_curves_figure(panels: dict[str, dict[str, dict[str, Sequence[float]]]], title: str = "") -> Figure:
    """Curves against the training step, one panel per entry of `panels`: {panel title: {legend label:
    {"steps": [...], "values": [...]}}}, panels side by side."""
    from matplotlib.figure import Figure  # on first use, as in confusion_matrix_figure

    fig = Figure(figsize=(CURVE_PANEL_W * len(panels), CURVE_H), dpi=100)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (name, curves) in zip(axes, panels.items(), strict=True):
        for label, c in curves.items():
            ax.plot(c["steps"], c["values"], label=label, linewidth=1.4)
        ax.set_title(name, fontsize=TITLE_FONT)
        ax.set_xlabel("training step", fontsize=TICK_FONT)
        ax.tick_params(labelsize=TICK_FONT - 2)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=TICK_FONT - 2)
    if title:
        fig.suptitle(title, fontsize=TITLE_FONT)
    fig.tight_layout()
    return fig


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """A figure as PNG bytes (for an app's image or a file)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
