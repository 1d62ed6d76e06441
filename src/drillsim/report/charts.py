"""The report's charts as inline SVG text, drawn with matplotlib (the ``plot`` extra).

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot, so no global figure state) and
written by :func:`drillsim.core.figures.figure_svg` (fixed metadata and hash salt), so the same result
gives the same SVG text. The measures' distributions are :func:`drillsim.report.plots.distribution_figure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from drillsim.core.figures import figure_svg, has_matplotlib, new_figure

__all__ = [
    "has_matplotlib",
    "killchain_chart",
    "link_duration_chart",
    "losses_chart",
    "timeline_chart",
]

_LINK_COLOURS = {
    "fire direction": "#ff7f0e",
    "time of flight": "#d62728",
    "assessment": "#e377c2",
    "tasking": "#9467bd",
    "transit": "#7b2d8e",
    "transit (aborted)": "#bcbd22",
    "return": "#c5b0d5",
}


def _hours(seconds: Any) -> Any:
    return np.asarray(seconds, dtype=np.float64) / 3600.0


def losses_chart(
    series: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]], *, title: str
) -> str:
    """Cumulative losses over time per line label: (time_s, mean, low, high); low/high draw a band."""
    fig = new_figure(8, 3.4)
    ax = fig.add_subplot()
    for label, (t, mean, low, high) in series.items():
        (line,) = ax.step(_hours(t), mean, where="post", label=label)
        if low is not None and high is not None:
            ax.fill_between(_hours(t), low, high, step="post", alpha=0.15, color=line.get_color())
    ax.set_xlabel("time since start (h)")
    ax.set_ylabel("people lost (cumulative)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if series:
        ax.legend(fontsize=8, loc="upper left")
    return figure_svg(fig)


def timeline_chart(
    phases: Sequence[tuple[str, float]], events: Sequence[tuple[str, float]], duration_s: float
) -> str:
    """Phases as bands along the time axis and key events as marks, one row per event kind."""
    kinds = sorted({k for k, _ in events})
    fig = new_figure(8, 1.2 + 0.28 * max(len(kinds), 1))
    ax = fig.add_subplot()
    colours = ["#eceff1", "#cfd8dc"]
    for i, (name, start) in enumerate(phases):
        end = phases[i + 1][1] if i + 1 < len(phases) else duration_s
        ax.axvspan(_hours(start), _hours(end), color=colours[i % 2], zorder=0)
        ax.text(_hours(start), len(kinds) - 0.3, f" {name}", fontsize=8, va="bottom", ha="left")
    for row, kind in enumerate(kinds):
        times = [t for k, t in events if k == kind]
        ax.plot(_hours(times), [row] * len(times), "|", markersize=12, markeredgewidth=2)
    ax.set_yticks(range(len(kinds)), kinds, fontsize=8)
    ax.set_ylim(-0.7, len(kinds) + 0.4)
    ax.set_xlim(0, _hours(duration_s))
    ax.set_xlabel("time since start (h)")
    return figure_svg(fig)


def killchain_chart(missions: Sequence[dict[str, Any]], *, title: str) -> str:
    """One row per fire mission or strike; each link a coloured segment of its duration."""
    rows = [m for m in missions if m.get("start_s") is not None]
    fig = new_figure(8, 1.0 + 0.26 * max(len(rows), 1))
    ax = fig.add_subplot()
    seen: set[str] = set()
    for i, m in enumerate(rows):
        for link in m["links"]:
            name = link["link"]
            label = None if name in seen else name
            seen.add(name)
            width = max(_hours(link["duration_s"] or 0.0), 1e-3)
            ax.barh(
                i, width, left=_hours(link["start_s"]), color=_LINK_COLOURS.get(name, "#777"), label=label
            )
        if m.get("refused") or m.get("aborted"):
            ax.plot(_hours(m["end_s"]), i, "x", color="black")
    ax.set_yticks(range(len(rows)), [m["label"] for m in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("time since start (h)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    if seen:
        ax.legend(fontsize=7, loc="lower right")
    return figure_svg(fig)


def link_duration_chart(durations: dict[str, list[float]], *, title: str) -> str:
    """Distribution of each kill-chain link's duration (minutes) across missions and replications."""
    names = [n for n, v in durations.items() if v]
    fig = new_figure(8, 0.9 + 0.4 * max(len(names), 1))
    ax = fig.add_subplot()
    if names:
        import matplotlib

        data = [np.asarray(durations[n]) / 60.0 for n in names]
        if matplotlib.__version_info__ >= (3, 10):
            ax.boxplot(data, orientation="horizontal", tick_labels=names)
        else:  # matplotlib 3.8 and 3.9 name the options differently
            ax.boxplot(data, vert=False)
            ax.set_yticks(range(1, len(names) + 1), names)
    ax.set_xlabel("minutes")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return figure_svg(fig)
