"""Plots of analysis results as PNG and SVG files (matplotlib, the ``plot`` extra).

matplotlib is imported only when a plot is drawn. Figures are built with ``matplotlib.figure.Figure`` and
the Agg canvas directly, never through ``pyplot``: no backend is switched, no global figure registry or
``rcParams`` is touched, so plotting from a library, a notebook or a worker changes nothing around it.
Each file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from drillsim.core.errors import UserError

if TYPE_CHECKING:
    from drillsim.experiments.compare import Comparison
    from drillsim.experiments.montecarlo import MeasureStatistics, MonteCarloResult

__all__ = [
    "distribution_figure",
    "distribution_file",
    "figure_svg",
    "plot_comparison",
    "plot_distributions",
    "plot_tipping_point",
    "plot_tornado",
    "tipping_point",
]

FORMATS = ("png", "svg")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - the plot extra is installed in development
        raise UserError(
            "plots need matplotlib: install the plot extra (pip install 'drillsim[plot]')"
        ) from None
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, stem: Path, formats: Sequence[str]) -> list[Path]:
    paths: list[Path] = []
    stem.parent.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        if fmt not in FORMATS:
            raise UserError(f"unknown plot format '{fmt}'; expected one of {', '.join(FORMATS)}")
        path = stem.with_name(f"{stem.name}.{fmt}")
        tmp = path.with_name(path.name + ".tmp")
        if fmt == "svg":  # the same text a report puts inline (see figure_svg)
            tmp.write_text(_svg_document(fig), encoding="utf-8")
        else:  # dates in file metadata would make every file differ; leave them out
            fig.savefig(tmp, format=fmt, dpi=120, metadata={"Software": None})
        os.replace(tmp, path)
        paths.append(path)
    return paths


def _slug(name: str) -> str:
    return _SAFE.sub("_", name).strip("_") or "plot"


def plot_distributions(
    result: MonteCarloResult,
    directory: str | Path,
    *,
    measures: Sequence[str] | None = None,
    formats: Sequence[str] = FORMATS,
) -> list[Path]:
    """One figure per measure, ``distribution-MEASURE.{png,svg}`` (see :func:`distribution_figure`)."""
    paths: list[Path] = []
    values = result.measures
    for name in measures if measures is not None else list(result.statistics):
        fig = distribution_figure(values[name], result.statistics[name], scenario=result.scenario_name)
        paths += _save(fig, distribution_file(directory, name), formats)
    return paths


def distribution_file(directory: str | Path, measure: str) -> Path:
    """Where :func:`plot_distributions` puts a measure's plot: the path without its format suffix."""
    return Path(directory) / f"distribution-{_slug(measure)}"


def distribution_figure(values: ArrayLike, stats: MeasureStatistics, *, scenario: str) -> Any:
    """One measure over the replications: histogram and empirical CDF, or for 0/1 measures the fraction of
    replications with its confidence interval. Mean, CI and the 5-95 % band are marked.

    ``values`` holds one value per replication (NaN: none), ``stats`` their summary
    (:func:`drillsim.experiments.montecarlo.summarize`). Returns a matplotlib ``Figure``.
    """
    name = stats.measure
    v = np.asarray(values, dtype=np.float64)
    ok = v[np.isfinite(v)]
    level = f"{stats.confidence * 100:g} % CI"
    has_ci = math.isfinite(stats.ci_low) and math.isfinite(stats.ci_high)
    fig = _figure(8.0, 2.0 if stats.binary else 3.2)
    if stats.binary:
        ax = fig.add_subplot(1, 1, 1)
        p = stats.mean
        ax.barh([0], [p if math.isfinite(p) else 0.0], color="#4477aa", height=0.5)
        if math.isfinite(p) and has_ci:
            err = [[max(p - stats.ci_low, 0.0)], [max(stats.ci_high - p, 0.0)]]
            ax.errorbar([p], [0], xerr=err, fmt="none", ecolor="black", capsize=6, label=level)
            ax.legend(loc="lower right")
        ax.set_xlim(0.0, 1.0)
        ax.set_yticks([])
        ax.set_xlabel("fraction of replications")
        ax.set_title(f"{name}: {p:.3f} ({level} {stats.ci_low:.3f}-{stats.ci_high:.3f}), n = {stats.n}")
        return fig
    hist = fig.add_subplot(1, 2, 1)
    ecdf = fig.add_subplot(1, 2, 2)
    if len(ok):
        bins = min(50, max(5, len(np.unique(ok))))
        hist.hist(ok, bins=bins, color="#4477aa", alpha=0.8)
        hist.axvline(stats.mean, color="black", label="mean")
        if has_ci:
            hist.axvspan(stats.ci_low, stats.ci_high, color="black", alpha=0.2, label=level)
        hist.axvline(stats.p05, color="#cc6677", linestyle="--", label="5 % / 95 %")
        hist.axvline(stats.p95, color="#cc6677", linestyle="--")
        hist.legend(loc="best", fontsize="small")
        xs = np.sort(ok)
        ecdf.step(xs, np.arange(1, len(xs) + 1) / len(v), where="post", color="#4477aa")
    ecdf.set_ylim(0.0, 1.0)
    ecdf.set_ylabel("fraction of replications <= x")
    ecdf.set_xlabel(name)
    hist.set_xlabel(name)
    hist.set_ylabel("replications")
    missing = stats.of - stats.n
    note = f"; no value in {missing}" if missing else ""
    fig.suptitle(f"{scenario}: {name} (n = {stats.n} of {stats.of}{note})")
    return fig


def figure_svg(fig: Any) -> str:
    """A figure as SVG text to put inline in an HTML page: no XML prolog, no date, stable ids and glyphs.

    A fixed hash salt and text drawn as paths make the same figure give the same text on every machine.
    """
    text = _svg_document(fig)
    return text[text.index("<svg") :]


def _svg_document(fig: Any) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "drillsim", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "drillsim"})
    return buf.getvalue()


def plot_comparison(
    comparison: Comparison,
    directory: str | Path,
    *,
    formats: Sequence[str] = FORMATS,
) -> list[Path]:
    """One figure per measure, ``comparison-MEASURE.{png,svg}``: each variant's paired difference from
    the base with its paired CI (thick) and, for reference, the unpaired CI (thin)."""
    out = Path(directory)
    paths: list[Path] = []
    measures = list(dict.fromkeys(d.measure for d in comparison.differences))
    for name in measures:
        rows = [d for d in comparison.differences if d.measure == name]
        fig = _figure(7.0, 1.2 + 0.5 * len(rows))
        ax = fig.add_subplot(1, 1, 1)
        y = np.arange(len(rows), dtype=float)
        diff = np.array([d.difference for d in rows])
        ax.errorbar(
            diff,
            y + 0.12,
            xerr=_errors(rows, "unpaired_low", "unpaired_high"),
            fmt="none",
            ecolor="#999999",
            elinewidth=1,
            capsize=3,
            label="unpaired CI",
        )
        ax.errorbar(
            diff,
            y,
            xerr=_errors(rows, "ci_low", "ci_high"),
            fmt="o",
            color="#4477aa",
            elinewidth=3,
            capsize=4,
            label=f"paired {rows[0].confidence * 100:g} % CI",
        )
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_yticks(y, [d.variant for d in rows])
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_xlabel(f"{name}: variant - {comparison.base}")
        ax.legend(loc="best", fontsize="small")
        paths += _save(fig, out / f"comparison-{_slug(name)}", formats)
    return paths


def _errors(rows: Sequence[Any], low: str, high: str) -> list[list[float]]:
    """Error-bar lengths below and above each difference (never negative; NaN where there is no interval)."""
    below = [max(d.difference - getattr(d, low), 0.0) for d in rows]
    above = [max(getattr(d, high) - d.difference, 0.0) for d in rows]
    return [below, above]


def plot_tornado(
    names: Sequence[str],
    low: ArrayLike,
    high: ArrayLike,
    path: str | Path,
    *,
    base: float = 0.0,
    title: str = "",
    xlabel: str = "effect on the measure",
    formats: Sequence[str] = FORMATS,
) -> list[Path]:
    """A tornado plot: one bar per input from its low-setting to its high-setting effect, widest on top.

    ``path`` is the file name without extension; ``low``/``high`` are the measure's values (or effects)
    with the input at its low and high setting; ``base`` is where the bars are centred.
    """
    lo = np.asarray(low, dtype=np.float64)
    hi = np.asarray(high, dtype=np.float64)
    if not len(names) == len(lo) == len(hi):
        raise UserError("tornado plot: names, low and high must have the same length")
    order = np.argsort(-np.abs(hi - lo), kind="stable")[::-1]
    fig = _figure(7.0, 1.0 + 0.4 * max(len(names), 1))
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(order), dtype=float)
    ax.barh(y, lo[order] - base, left=base, color="#4477aa", label="low setting")
    ax.barh(y, hi[order] - base, left=base, color="#cc6677", label="high setting")
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(y, [names[i] for i in order])
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="lower right", fontsize="small")
    return _save(fig, Path(path), formats)


def plot_tipping_point(
    factor: ArrayLike,
    mean: ArrayLike,
    low: ArrayLike,
    high: ArrayLike,
    path: str | Path,
    *,
    threshold: float | None = None,
    xlabel: str = "factor",
    ylabel: str = "measure",
    title: str = "",
    formats: Sequence[str] = FORMATS,
) -> list[Path]:
    """A tipping-point curve: the measure against a factor with its CI band, and where it crosses
    ``threshold`` (marked when the mean curve crosses it between two factor values)."""
    x = np.asarray(factor, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    x = x[order]
    m = np.asarray(mean, dtype=np.float64)[order]
    lo = np.asarray(low, dtype=np.float64)[order]
    hi = np.asarray(high, dtype=np.float64)[order]
    fig = _figure(7.0, 4.0)
    ax = fig.add_subplot(1, 1, 1)
    ax.fill_between(x, lo, hi, color="#4477aa", alpha=0.25, label="CI")
    ax.plot(x, m, "o-", color="#4477aa", label="mean")
    if threshold is not None:
        ax.axhline(threshold, color="#cc6677", linestyle="--", label=f"threshold {threshold:g}")
        crossing = tipping_point(x, m, threshold)
        if crossing is not None:
            ax.axvline(crossing, color="#cc6677", linewidth=0.8)
            ax.annotate(f"{crossing:.3g}", (crossing, threshold), textcoords="offset points", xytext=(4, 4))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return _save(fig, Path(path), formats)


def tipping_point(x: ArrayLike, y: ArrayLike, threshold: float) -> float | None:
    """The first factor value where the piecewise-linear curve ``y(x)`` crosses ``threshold``, or None."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64) - threshold
    for i in range(len(xs) - 1):
        a, b = ys[i], ys[i + 1]
        if a == 0.0:
            return float(xs[i])
        if a * b < 0.0:
            return float(xs[i] + (xs[i + 1] - xs[i]) * a / (a - b))
    if len(ys) and ys[-1] == 0.0:
        return float(xs[-1])
    return None
