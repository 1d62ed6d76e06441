"""The one figure helper: matplotlib figures built without pyplot, written as files or as inline SVG.

matplotlib (the ``plot`` extra) is imported only when a figure is drawn. Figures are built with
``matplotlib.figure.Figure`` and the Agg canvas directly, never through ``pyplot``: no backend is switched, no
global figure registry or ``rcParams`` is touched, so drawing from a library, a notebook or a worker changes
nothing around it. SVG is written with a fixed hash salt, text as paths and no date, so the same figure gives
the same text on every machine; files are written to a temporary name and renamed into place.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from drillsim.core.errors import UserError
from drillsim.core.files import write_atomically, write_text_atomically

__all__ = [
    "FIGURE_FORMATS",
    "figure_svg",
    "has_matplotlib",
    "inline_svg",
    "new_figure",
    "save_figure",
    "svg_document",
]

FIGURE_FORMATS = ("png", "svg")


def has_matplotlib() -> bool:
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def new_figure(width: float, height: float) -> Any:
    """A matplotlib ``Figure`` of that size in inches, constrained layout, on its own Agg canvas.

    Raises :class:`UserError` when matplotlib is not installed.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - the plot extra is installed in development
        raise UserError(
            "figures need matplotlib: install the plot extra (pip install 'drillsim[plot]')"
        ) from None
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def svg_document(fig: Any) -> str:
    """A figure as a standalone SVG document (what :func:`save_figure` writes)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "drillsim", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "drillsim"})
    return buf.getvalue()


_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_NAMESPACE = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def inline_svg(document: str) -> str:
    """An SVG document as text to put inline in an HTML5 page: from its ``<svg`` element on, without the
    metadata block or namespace declarations (HTML5 needs none, and an offline page names no URL)."""
    text = document[document.index("<svg") :]
    return _NAMESPACE.sub("", _METADATA.sub("", text))


def figure_svg(fig: Any) -> str:
    """A figure as SVG text to put inline in an HTML page (see :func:`inline_svg`)."""
    return inline_svg(svg_document(fig))


def save_figure(fig: Any, stem: Path, formats: Sequence[str]) -> list[Path]:
    """Write ``stem.FORMAT`` for each format (png, svg); returns the paths written."""
    paths: list[Path] = []
    stem.parent.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        if fmt not in FIGURE_FORMATS:
            raise UserError(f"unknown plot format '{fmt}'; expected one of {', '.join(FIGURE_FORMATS)}")
        path = stem.with_name(f"{stem.name}.{fmt}")
        if fmt == "svg":  # the same text a report puts inline (see figure_svg)
            write_text_atomically(path, svg_document(fig))
        else:  # dates in file metadata would make every file differ; leave them out

            def draw(tmp: Path, fmt: str = fmt) -> None:
                fig.savefig(tmp, format=fmt, dpi=120, metadata={"Software": None})

            write_atomically(path, draw)
        paths.append(path)
        if fig.get_layout_engine() is not None:
            # The layout is worked out by the first drawing; the next formats keep it instead of solving it
            # again (constrained layout measures every label: about 15 % of a distribution plot's cost).
            fig.set_layout_engine("none")
    return paths
