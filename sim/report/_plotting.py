"""Shared plotting machinery: headless matplotlib, an accessible style, PNG bytes.

Figures are drawn with the Agg backend (no display needed) through the
object-oriented API (no pyplot state, so figures never leak between calls) and
returned as PNG bytes without time stamps or version metadata, so the same
results give the same bytes.

Series are told apart by colour *and* by line style and marker (colour is never
the only carrier of meaning); the colours are the Okabe-Ito palette, which stays
distinguishable for the common forms of colour blindness.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

__all__ = ["Figure", "OKABE_ITO", "clock_ticks", "new_figure", "series_style", "short",
           "to_png"]

#: Okabe-Ito colours (black last, used for reference lines).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
)
LINESTYLES: tuple[Any, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1)))
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
HATCHES: tuple[str, ...] = ("", "//", "..", "xx", "\\\\", "--", "++", "oo")

DPI = 100


class Figure(NamedTuple):
    """A rendered figure: PNG bytes and a text alternative that states its numbers."""

    png: bytes
    alt: str


def new_figure(width: float = 9.0, height: float = 4.0, nrows: int = 1,
               ncols: int = 1, sharex: bool = False) -> tuple[MplFigure, Any]:
    """A fresh Agg figure with the report style; returns ``(figure, axes)``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, sharex=sharex, squeeze=True)
    for ax in (axes.ravel() if hasattr(axes, "ravel") else [axes]):
        style_axes(ax)
    return fig, axes


def style_axes(ax: Axes) -> None:
    """Readable defaults: light grid, no top/right spines, 10pt+ text."""
    ax.grid(True, color="#d0d0d0", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=10)
    ax.title.set_fontsize(12)
    ax.xaxis.label.set_fontsize(10.5)
    ax.yaxis.label.set_fontsize(10.5)


def series_style(i: int) -> dict[str, Any]:
    """Colour, line style and marker of the ``i``-th series (all three differ)."""
    return {
        "color": OKABE_ITO[i % (len(OKABE_ITO) - 1)],
        "linestyle": LINESTYLES[i % len(LINESTYLES)],
        "marker": MARKERS[i % len(MARKERS)],
    }


def clock_ticks(ax: Axes, x: Sequence[float], labels: Sequence[str], max_ticks: int = 10) -> None:
    """Label an interval axis with clock times (``'Mon 09:30'``), at most ``max_ticks``."""
    n = len(x)
    if n == 0:
        return
    step = max(1, -(-n // max_ticks))
    # prefer round steps (1, 2, 4, 6, 8, 12, 24, 48 intervals)
    for nice in (1, 2, 4, 6, 8, 12, 16, 24, 48, 96, 168, 336):
        if nice >= step:
            step = nice
            break
    idx = list(range(0, n, step))
    ax.set_xticks([x[i] for i in idx], [labels[i] for i in idx], rotation=30, ha="right")


def short(text: object, width: int = 32) -> str:
    """A label shortened for a plot (the full text is in the page and the alt text)."""
    s = " ".join(str(text).split())
    return s if len(s) <= width else s[: width - 1] + "\u2026"


def to_png(fig: MplFigure) -> bytes:
    """Render ``fig`` to PNG bytes (no metadata, so the bytes are reproducible)."""
    engine = fig.get_layout_engine()
    if engine is not None:
        # lay the figure out once and freeze it: savefig would otherwise draw it twice
        # (once to lay it out, once to render), laying it out each time
        engine.execute(fig)
        fig.set_layout_engine("none")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()
