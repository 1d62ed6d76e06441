"""Plots of Monte Carlo and comparison results as PNG and SVG files, drawn with :mod:`drillsim.core.figures`
(matplotlib, the ``plot`` extra, imported only when a plot is drawn)."""

from __future__ import annotations

import math
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from drillsim.core.figures import FIGURE_FORMATS, new_figure, save_figure

if TYPE_CHECKING:
    from drillsim.experiments.compare import Comparison
    from drillsim.experiments.montecarlo import MeasureStatistics, MonteCarloResult

__all__ = [
    "distribution_figure",
    "distribution_file",
    "plot_comparison",
    "plot_distributions",
]

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _slug(name: str) -> str:
    return _SAFE.sub("_", name).strip("_") or "plot"


def plot_distributions(
    result: MonteCarloResult,
    directory: str | Path,
    *,
    measures: Sequence[str] | None = None,
    formats: Sequence[str] = FIGURE_FORMATS,
    drawn: dict[str, str] | None = None,
) -> list[Path]:
    """One figure per measure, ``distribution-MEASURE.{png,svg}`` (see :func:`distribution_figure`).

    ``drawn``, when given, receives each measure's SVG document, for the report of the same result to
    reuse (``write_report(..., distributions=drawn)``) instead of drawing every figure again.

    All or nothing: the figures are drawn into a temporary folder beside ``directory`` and moved into it
    only once every one is written; if one fails (a full disk), none is left behind.
    """
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", suffix=".tmp", dir=target.parent))
    try:
        values = result.measures
        for name in measures if measures is not None else list(result.statistics):
            fig = distribution_figure(values[name], result.statistics[name], scenario=result.scenario_name)
            try:
                written = save_figure(fig, distribution_file(staging, name), formats)
            except OSError as exc:
                if exc.filename is None:
                    raise
                meant = target / Path(exc.filename).name
                raise OSError(exc.errno, exc.strerror, str(meant)) from exc
            for path in written:
                if drawn is not None and path.suffix == ".svg":
                    drawn[name] = path.read_text(encoding="utf-8")
        target.mkdir(exist_ok=True)
        paths: list[Path] = []
        for made in sorted(staging.iterdir()):
            paths.append(made.replace(target / made.name))
        return paths
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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
    # Axes in the measure's unit (units policy, drillsim.study.quantities): hours, km, ...
    scale, unit = (1.0, "") if stats.binary else _axis_unit(stats.kind, stats.mean)
    label = f"{name} ({unit})" if unit else name
    v = np.asarray(values, dtype=np.float64) / scale
    ok = v[np.isfinite(v)]
    mean, ci_low, ci_high = stats.mean / scale, stats.ci_low / scale, stats.ci_high / scale
    p05, p95 = stats.p05 / scale, stats.p95 / scale
    level = f"{stats.confidence * 100:g} % CI"
    has_ci = math.isfinite(stats.ci_low) and math.isfinite(stats.ci_high)
    fig = new_figure(8.0, 2.0 if stats.binary else 3.2)
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
        ax.set_title(
            f"{name}: {p * 100:.1f} % ({level} {stats.ci_low * 100:.1f}-{stats.ci_high * 100:.1f} %), "
            f"n = {stats.n}"
        )
        return fig
    hist = fig.add_subplot(1, 2, 1)
    ecdf = fig.add_subplot(1, 2, 2)
    if len(ok):
        bins = min(50, max(5, len(np.unique(ok))))
        hist.hist(ok, bins=bins, color="#4477aa", alpha=0.8)
        hist.axvline(mean, color="black", label="mean")
        if has_ci:
            hist.axvspan(ci_low, ci_high, color="black", alpha=0.2, label=level)
        hist.axvline(p05, color="#cc6677", linestyle="--", label="5 % / 95 %")
        hist.axvline(p95, color="#cc6677", linestyle="--")
        hist.legend(loc="best", fontsize="small")
        xs = np.sort(ok)
        ecdf.step(xs, np.arange(1, len(xs) + 1) / len(v), where="post", color="#4477aa")
    ecdf.set_ylim(0.0, 1.0)
    ecdf.set_ylabel("fraction of replications <= x")
    ecdf.set_xlabel(label)
    hist.set_xlabel(label)
    hist.set_ylabel("replications")
    missing = stats.of - stats.n
    note = f"; no value in {missing}" if missing else ""
    fig.suptitle(f"{scenario}: {name} (n = {stats.n} of {stats.of}{note})")
    return fig


def plot_comparison(
    comparison: Comparison,
    directory: str | Path,
    *,
    formats: Sequence[str] = FIGURE_FORMATS,
) -> list[Path]:
    """One figure per measure, ``comparison-MEASURE.{png,svg}``: each variant's paired difference from
    the base with its paired CI (thick) and, for reference, the unpaired CI (thin)."""
    out = Path(directory)
    paths: list[Path] = []
    measures = list(dict.fromkeys(d.measure for d in comparison.differences))
    for name in measures:
        rows = [d for d in comparison.differences if d.measure == name]
        typical = max(max(abs(d.base_mean), abs(d.variant_mean)) for d in rows)
        scale, unit = _axis_unit(rows[0].kind, typical)
        fig = new_figure(7.0, 1.2 + 0.5 * len(rows))
        ax = fig.add_subplot(1, 1, 1)
        y = np.arange(len(rows), dtype=float)
        diff = np.array([d.difference for d in rows]) / scale
        ax.errorbar(
            diff,
            y + 0.12,
            xerr=_errors(rows, "unpaired_low", "unpaired_high", scale),
            fmt="none",
            ecolor="#999999",
            elinewidth=1,
            capsize=3,
            label="unpaired CI",
        )
        ax.errorbar(
            diff,
            y,
            xerr=_errors(rows, "ci_low", "ci_high", scale),
            fmt="o",
            color="#4477aa",
            elinewidth=3,
            capsize=4,
            label=f"paired {rows[0].confidence * 100:g} % CI",
        )
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_yticks(y, [d.variant for d in rows])
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_xlabel(f"{name}: variant - {comparison.base}" + (f" ({unit})" if unit else ""))
        ax.legend(loc="best", fontsize="small")
        paths += save_figure(fig, out / f"comparison-{_slug(name)}", formats)
    return paths


def _errors(rows: Sequence[Any], low: str, high: str, scale: float = 1.0) -> list[list[float]]:
    """Error-bar lengths below and above each difference (never negative; NaN where there is no interval),
    divided by ``scale``."""
    below = [max(d.difference - getattr(d, low), 0.0) / scale for d in rows]
    above = [max(getattr(d, high) - d.difference, 0.0) / scale for d in rows]
    return [below, above]


def _axis_unit(kind: str | None, typical: float) -> tuple[float, str]:
    """(divide by, unit) of a measure's axis by the units policy of :mod:`drillsim.study.quantities`."""
    from drillsim.study.quantities import measure_quantity, quantity_unit

    return quantity_unit(measure_quantity(kind), typical)
