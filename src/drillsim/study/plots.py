"""Plots of sensitivity results as PNG and SVG files: tornado plots and tipping-point curves, drawn with
:mod:`drillsim.core.figures` (matplotlib, the ``plot`` extra, imported only when a plot is drawn)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from drillsim.core.errors import UserError
from drillsim.core.figures import FIGURE_FORMATS, new_figure, save_figure

__all__ = ["plot_tipping_point", "plot_tornado", "tipping_point"]


def plot_tornado(
    names: Sequence[str],
    low: ArrayLike,
    high: ArrayLike,
    path: str | Path,
    *,
    base: float = 0.0,
    title: str = "",
    xlabel: str = "effect on the measure",
    formats: Sequence[str] = FIGURE_FORMATS,
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
    fig = new_figure(7.0, 1.0 + 0.4 * max(len(names), 1))
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
    return save_figure(fig, Path(path), formats)


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
    formats: Sequence[str] = FIGURE_FORMATS,
) -> list[Path]:
    """A tipping-point curve: the measure against a factor with its CI band, and where it crosses
    ``threshold`` (marked when the mean curve crosses it between two factor values)."""
    x = np.asarray(factor, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    x = x[order]
    m = np.asarray(mean, dtype=np.float64)[order]
    lo = np.asarray(low, dtype=np.float64)[order]
    hi = np.asarray(high, dtype=np.float64)[order]
    fig = new_figure(7.0, 4.0)
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
    return save_figure(fig, Path(path), formats)


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
