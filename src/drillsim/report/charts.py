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
    "label_lanes",
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


def label_lanes(starts: Sequence[float], widths: Sequence[float]) -> list[int]:
    """A lane (0 = nearest the axis) for each label starting at ``starts`` and ``widths`` long (in the
    same units, labels in order of start): the lowest lane whose last label ends before this one starts,
    so no two labels overprint."""
    ends: list[float] = []
    lanes = []
    for start, width in zip(starts, widths, strict=True):
        lane = next((i for i, end in enumerate(ends) if end <= start), len(ends))
        if lane == len(ends):
            ends.append(start + width)
        else:
            ends[lane] = start + width
        lanes.append(lane)
    return lanes


_CHART_WIDTH_IN = 8.0
_LABEL_PT = 8.0
_CHAR_IN = 0.6 * _LABEL_PT / 72.0
"""About how wide one character of an 8 pt label is (inches), to lay labels out without drawing them."""


def timeline_chart(
    phases: Sequence[tuple[str, float]], events: Sequence[tuple[str, float]], duration_s: float
) -> str:
    """Phases as bands along the time axis, their names in as many lanes above the bands as it takes not
    to overprint, and key events as marks, one row per event kind."""
    kinds = sorted({k for k, _ in events})
    hours = max(_hours(duration_s), 1e-9)
    axis_in = _CHART_WIDTH_IN * 0.8  # the axes' share of the figure's width
    per_hour_in = axis_in / hours
    lanes = label_lanes(
        [_hours(t) for _, t in phases], [(len(name) + 2) * _CHAR_IN / per_hour_in for name, _ in phases]
    )
    n_lanes = max(lanes, default=-1) + 1
    fig = new_figure(_CHART_WIDTH_IN, 1.2 + 0.28 * max(len(kinds), 1) + 0.2 * n_lanes)
    ax = fig.add_subplot()
    colours = ["#eceff1", "#cfd8dc"]
    top = len(kinds) - 0.3
    for i, (name, start) in enumerate(phases):
        end = phases[i + 1][1] if i + 1 < len(phases) else duration_s
        ax.axvspan(_hours(start), _hours(end), color=colours[i % 2], zorder=0)
        y = top + 0.75 * lanes[i]
        ax.plot([_hours(start)] * 2, [top - 0.3, y + 0.3], color="#90a4ae", linewidth=0.6, zorder=1)
        ax.text(_hours(start), y, f" {name}", fontsize=_LABEL_PT, va="bottom", ha="left")
    for row, kind in enumerate(kinds):
        times = [t for k, t in events if k == kind]
        ax.plot(_hours(times), [row] * len(times), "|", markersize=12, markeredgewidth=2)
    ax.set_yticks(range(len(kinds)), kinds, fontsize=8)
    ax.set_ylim(-0.7, top + 0.75 * n_lanes + 0.4)
    ax.set_xlim(0, hours)
    ax.set_xlabel("time since start (h)")
    return figure_svg(fig)


def killchain_chart(groups: Sequence[tuple[str, Sequence[dict[str, Any]]]], *, title: str) -> str:
    """One row per chain and shooter (``groups``: label and missions, as
    :func:`drillsim.report.html.chain_groups` makes them); each mission's links are coloured segments of
    their duration on its row, a refused or aborted one ends in a cross. The time axis spans the
    missions, not the whole run."""
    rows = [(label, [m for m in ms if m.get("start_s") is not None]) for label, ms in groups]
    rows = [(label, ms) for label, ms in rows if ms]
    fig = new_figure(_CHART_WIDTH_IN, 1.3 + 0.32 * max(len(rows), 1))
    ax = fig.add_subplot()
    seen: set[str] = set()
    first, last = np.inf, -np.inf
    for i, (_, ms) in enumerate(rows):
        for m in ms:
            first = min(first, m["start_s"])
            last = max(last, m["end_s"] if m.get("end_s") is not None else m["start_s"])
            for link in m["links"]:
                name = link["link"]
                label = None if name in seen else name
                seen.add(name)
                width = max(_hours(link["duration_s"] or 0.0), 1e-3)
                ax.barh(
                    i,
                    width,
                    left=_hours(link["start_s"]),
                    height=0.6,
                    color=_LINK_COLOURS.get(name, "#777"),
                    label=label,
                )
            if m.get("refused") or m.get("aborted"):
                ax.plot(_hours(m["end_s"]), i, "x", color="black")
    ax.set_yticks(range(len(rows)), [label for label, _ in rows], fontsize=8)
    ax.invert_yaxis()
    if np.isfinite(first):
        pad = max((last - first) * 0.03, 300.0)
        ax.set_xlim(_hours(first - pad), _hours(last + pad))
    ax.set_xlabel("time since start (h)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    if seen:
        ax.legend(fontsize=7, loc="best")
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
