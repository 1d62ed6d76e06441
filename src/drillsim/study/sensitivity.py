"""Sensitivity analysis of experiment results, one-at-a-time screening, and pedigree weighting.

From a results store (or any Arrow table with factor and measure columns):

- a **regression metamodel** per measure: ordinary least squares on the factors coded to [-1, 1] over their
  design range, with main effects and two-way interactions; coefficients with t confidence intervals, the
  standardised coefficients and R^2 (Kleijnen 2015, ch. 2-3);
- a **partition tree** per measure: a small CART regression tree (Breiman et al. 1984) implemented here, with
  the share of the variance each factor's splits remove;
- **Sobol indices** (Saltelli et al. 2008) with SALib, on any model function (:func:`sobol_indices`) and, when
  the experiment used a Sobol design, on the fitted metamodel;
- a tornado plot of the biggest effects.

:func:`screen_inputs` perturbs numeric scenario parameters one at a time by +-X % under common random numbers;
:func:`pedigree_report` lists the inputs that drive a measure with their source and confidence and flags
weakly sourced inputs that matter. Equations and sources: docs/sensitivity.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import ArrayLike, NDArray

from drillsim.core.errors import UserError
from drillsim.scenario.models import Scenario
from drillsim.scenario.pedigree import is_sourced
from drillsim.study.quantities import (
    duration_unit,
    format_duration,
    format_quantity,
    is_constant,
    measure_quantity,
)

__all__ = [
    "Effect",
    "Metamodel",
    "PedigreeRow",
    "Screening",
    "ScreeningEffect",
    "SensitivityReport",
    "SobolIndices",
    "TreeNode",
    "analyze_results",
    "fit_metamodel",
    "grow_tree",
    "pedigree_report",
    "plot_effects",
    "screen_inputs",
    "screening_candidates",
    "sobol_indices",
]

FloatArray = NDArray[np.float64]
_FIXED = {"point", "replication", "stream_index", "seed", "scenario_hash", "drillsim_version", "scenario"}


# --- regression metamodel -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """One term of a metamodel: a main effect (one factor) or a two-way interaction (two factors).

    ``coefficient`` is in the measure's unit per half-range of each factor (factors coded to [-1, 1]), so
    moving a factor from the low to the high end of its range changes the measure by ``2 * coefficient``.
    ``standardized`` is the coefficient in standard deviations of the measure per standard deviation of the
    term.
    """

    term: str
    factors: tuple[str, ...]
    coefficient: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    standardized: float

    @property
    def is_significant(self) -> bool:
        return bool(self.ci_low > 0.0 or self.ci_high < 0.0)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["factors"] = list(self.factors)
        out["significant"] = self.is_significant
        return out


@dataclass(frozen=True)
class Metamodel:
    """An OLS metamodel of one measure on the coded factors."""

    measure: str
    factors: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    intercept: float
    effects: tuple[Effect, ...]
    r2: float
    adj_r2: float
    n: int
    confidence: float

    def ranked(self) -> list[Effect]:
        """Effects, largest absolute coefficient first."""
        return sorted(self.effects, key=lambda e: -abs(e.coefficient))

    def predict(self, x: ArrayLike) -> FloatArray:
        """The metamodel's prediction at factor values ``x`` (rows = points, columns = factors)."""
        xs = np.atleast_2d(np.asarray(x, dtype=np.float64))
        coded = _code(xs, np.asarray(self.low), np.asarray(self.high))
        index = {f: j for j, f in enumerate(self.factors)}
        y = np.full(len(xs), self.intercept)
        for e in self.effects:
            term = np.ones(len(xs))
            for f in e.factors:
                term = term * coded[:, index[f]]
            y = y + e.coefficient * term
        return y

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "factors": list(self.factors),
            "intercept": self.intercept,
            "r2": self.r2,
            "adj_r2": self.adj_r2,
            "n": self.n,
            "confidence": self.confidence,
            "effects": [e.as_dict() for e in self.ranked()],
        }


def _code(x: FloatArray, low: FloatArray, high: FloatArray) -> FloatArray:
    span = np.where(high > low, high - low, 1.0)
    return 2.0 * (x - low) / span - 1.0


def fit_metamodel(
    x: ArrayLike,
    y: ArrayLike,
    factors: Sequence[str],
    *,
    measure: str = "",
    interactions: bool = True,
    low: ArrayLike | None = None,
    high: ArrayLike | None = None,
    confidence: float = 0.95,
) -> Metamodel:
    """Fit ``y = b0 + sum b_i x_i + sum_{i<j} b_ij x_i x_j + e`` by least squares, factors coded to [-1, 1].

    ``low``/``high`` give each factor's design range (default: the observed range). Rows where ``y`` is not
    finite are dropped. Factors that do not vary are left out. Intervals: ``b +- t(n - p) * se(b)`` with
    ``se = sqrt(diag(s^2 (X'X)^-1))``.
    """
    from scipy.stats import t as student_t

    xs = np.atleast_2d(np.asarray(x, dtype=np.float64))
    ys = np.asarray(y, dtype=np.float64)
    if xs.shape[0] != len(ys) or xs.shape[1] != len(factors):
        raise UserError("metamodel: x must have one row per value of y and one column per factor")
    ok = np.isfinite(ys) & np.isfinite(xs).all(axis=1)
    xs, ys = xs[ok], ys[ok]
    if len(ys) == 0:
        raise UserError(f"metamodel of '{measure}': no run has a value")
    lo = np.asarray(low, dtype=np.float64) if low is not None else xs.min(axis=0)
    hi = np.asarray(high, dtype=np.float64) if high is not None else xs.max(axis=0)
    coded = _code(xs, lo, hi)
    varying = [j for j in range(len(factors)) if len(xs) and float(np.ptp(xs[:, j])) > 0.0]
    columns: list[FloatArray] = [np.ones(len(ys))]
    terms: list[tuple[str, ...]] = []
    for j in varying:
        columns.append(coded[:, j])
        terms.append((factors[j],))
    if interactions:
        for a_i, ja in enumerate(varying):
            for jb in varying[a_i + 1 :]:
                columns.append(coded[:, ja] * coded[:, jb])
                terms.append((factors[ja], factors[jb]))
    design = np.column_stack(columns)
    n, p = design.shape
    nan = math.nan
    if n <= p:
        raise UserError(f"metamodel of '{measure}': {n} runs with a value for {p} terms; run more")
    beta, _, rank, _ = np.linalg.lstsq(design, ys, rcond=None)
    resid = ys - design @ beta
    sse = float(resid @ resid)
    sst = float(((ys - ys.mean()) ** 2).sum())
    dof = n - int(rank)
    s2 = sse / dof if dof > 0 else nan
    try:
        cov = s2 * np.linalg.pinv(design.T @ design)
        se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    except np.linalg.LinAlgError:  # pragma: no cover - pinv converges for finite input
        se = np.full(p, nan)
    tq = float(student_t.ppf(0.5 + confidence / 2.0, dof)) if dof > 0 else nan
    sd_y = float(ys.std(ddof=1)) if n > 1 else nan
    effects: list[Effect] = []
    for k, factors_k in enumerate(terms, start=1):
        b, s = float(beta[k]), float(se[k])
        tstat = b / s if s > 0 else (math.inf if b else 0.0)
        pval = float(2.0 * student_t.sf(abs(tstat), dof)) if dof > 0 and math.isfinite(tstat) else 0.0
        sd_x = float(design[:, k].std(ddof=1))
        std_coef = b * sd_x / sd_y if sd_y and sd_y > 0 else nan
        if s == 0.0:
            pval = 1.0 if b == 0.0 else 0.0
        effects.append(
            Effect(
                term=" x ".join(factors_k),
                factors=factors_k,
                coefficient=b,
                std_error=s,
                ci_low=b - tq * s,
                ci_high=b + tq * s,
                p_value=pval,
                standardized=std_coef,
            )
        )
    if is_constant(ys):  # rounding noise only: no variance, so no R^2
        sst = 0.0
    r2 = 1.0 - sse / sst if sst > 0 else nan
    adj = 1.0 - (1.0 - r2) * (n - 1) / dof if dof > 0 and sst > 0 else nan
    return Metamodel(
        measure=measure,
        factors=tuple(factors),
        low=tuple(float(v) for v in lo),
        high=tuple(float(v) for v in hi),
        intercept=float(beta[0]),
        effects=tuple(effects),
        r2=r2,
        adj_r2=adj,
        n=n,
        confidence=confidence,
    )


# --- partition tree -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeNode:
    """A node of a regression tree: a leaf (``factor`` None) or a split ``factor <= threshold``."""

    n: int
    mean: float
    sse: float
    factor: str | None = None
    threshold: float = math.nan
    left: TreeNode | None = None
    right: TreeNode | None = None

    @property
    def is_leaf(self) -> bool:
        return self.factor is None

    def importance(self) -> dict[str, float]:
        """Per factor, the share of the root's sum of squares removed by the splits on it."""
        total: dict[str, float] = {}

        def visit(node: TreeNode) -> None:
            if node.factor is None or node.left is None or node.right is None:
                return
            total[node.factor] = total.get(node.factor, 0.0) + node.sse - node.left.sse - node.right.sse
            visit(node.left)
            visit(node.right)

        visit(self)
        root = self.sse if self.sse > 0 else 1.0
        return {k: v / root for k, v in sorted(total.items(), key=lambda kv: -kv[1])}

    def describe(self, indent: str = "") -> list[str]:
        """The tree as indented lines of text."""
        if self.factor is None or self.left is None or self.right is None:
            return [f"{indent}mean {self.mean:.4g} (n = {self.n})"]
        lines = [f"{indent}{self.factor} <= {self.threshold:.4g}:"]
        lines += self.left.describe(indent + "  ")
        lines.append(f"{indent}{self.factor} > {self.threshold:.4g}:")
        lines += self.right.describe(indent + "  ")
        return lines

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "mean": self.mean}
        if self.factor is not None and self.left is not None and self.right is not None:
            out.update(
                factor=self.factor,
                threshold=self.threshold,
                left=self.left.as_dict(),
                right=self.right.as_dict(),
            )
        return out


def grow_tree(
    x: ArrayLike,
    y: ArrayLike,
    factors: Sequence[str],
    *,
    max_depth: int = 3,
    min_leaf: int = 5,
    min_gain: float = 0.01,
) -> TreeNode:
    """A CART regression tree (Breiman et al. 1984): each split minimises the children's summed squared error.

    A node splits only if both children keep ``min_leaf`` rows and the split removes at least ``min_gain`` of
    the root's sum of squares. Rows where ``y`` is not finite are dropped. Ties between factors go to the
    first factor; thresholds are midpoints between neighbouring distinct values.
    """
    xs = np.atleast_2d(np.asarray(x, dtype=np.float64))
    ys = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(ys) & np.isfinite(xs).all(axis=1)
    xs, ys = xs[ok], ys[ok]
    root_sse = float(((ys - ys.mean()) ** 2).sum()) if len(ys) else 0.0

    def node(idx: NDArray[np.int64], depth: int) -> TreeNode:
        yy = ys[idx]
        mean = float(yy.mean()) if len(yy) else math.nan
        sse = float(((yy - mean) ** 2).sum()) if len(yy) else 0.0
        if depth >= max_depth or len(idx) < 2 * min_leaf or sse <= 0.0:
            return TreeNode(len(idx), mean, sse)
        best: tuple[float, int, float] | None = None
        for j in range(xs.shape[1]):
            order = np.argsort(xs[idx, j], kind="stable")
            xv, yv = xs[idx, j][order], yy[order]
            csum, csq = np.cumsum(yv), np.cumsum(yv * yv)
            total, total_sq = csum[-1], csq[-1]
            m = len(yv)
            for k in range(min_leaf, m - min_leaf + 1):
                if xv[k - 1] == xv[k]:
                    continue
                left = csq[k - 1] - csum[k - 1] ** 2 / k
                right = (total_sq - csq[k - 1]) - (total - csum[k - 1]) ** 2 / (m - k)
                cost = float(left + right)
                if best is None or cost < best[0] - 1e-12:
                    best = (cost, j, float((xv[k - 1] + xv[k]) / 2.0))
        if best is None or sse - best[0] < min_gain * root_sse:
            return TreeNode(len(idx), mean, sse)
        _, j, threshold = best
        go_left = xs[idx, j] <= threshold
        return TreeNode(
            len(idx),
            mean,
            sse,
            factor=factors[j],
            threshold=threshold,
            left=node(idx[go_left], depth + 1),
            right=node(idx[~go_left], depth + 1),
        )

    return node(np.arange(len(ys), dtype=np.int64), 0)


# --- Sobol indices ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SobolIndices:
    """First-order (S1) and total (ST) Sobol indices with their bootstrap confidence half-widths."""

    factors: tuple[str, ...]
    s1: tuple[float, ...]
    s1_conf: tuple[float, ...]
    st: tuple[float, ...]
    st_conf: tuple[float, ...]
    samples: int
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "note": self.note,
            "indices": [
                {"factor": f, "S1": a, "S1_conf": b, "ST": c, "ST_conf": d}
                for f, a, b, c, d in zip(
                    self.factors, self.s1, self.s1_conf, self.st, self.st_conf, strict=True
                )
            ],
        }


def sobol_indices(
    model: Callable[[FloatArray], FloatArray],
    factors: Sequence[str],
    bounds: Sequence[tuple[float, float]],
    *,
    samples: int = 1024,
    rng: int | None = 0,
    note: str = "",
) -> SobolIndices:
    """Sobol indices of ``model`` (rows of factor values -> outputs) with Saltelli's scheme (SALib).

    ``samples`` base points give ``samples * (d + 2)`` model evaluations (Saltelli 2002; Saltelli et al.
    2010 estimators; Jansen for the total index).
    """
    from SALib.analyze import sobol as sobol_analyze  # type: ignore[import-untyped]
    from SALib.sample import sobol as sobol_sample  # type: ignore[import-untyped]

    problem = {"num_vars": len(factors), "names": list(factors), "bounds": [list(b) for b in bounds]}
    x = sobol_sample.sample(problem, samples, calc_second_order=False, seed=rng)
    y = np.asarray(model(x), dtype=np.float64)
    res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=rng)
    return SobolIndices(
        factors=tuple(factors),
        s1=tuple(float(v) for v in res["S1"]),
        s1_conf=tuple(float(v) for v in res["S1_conf"]),
        st=tuple(float(v) for v in res["ST"]),
        st_conf=tuple(float(v) for v in res["ST_conf"]),
        samples=len(y),
        note=note,
    )


# --- experiment results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SensitivityReport:
    """Per measure: the metamodel, the partition tree and (Sobol designs) Sobol indices of the metamodel."""

    factors: tuple[str, ...]
    factor_paths: dict[str, str]
    measures: tuple[str, ...]
    design: str | None
    metamodels: dict[str, Metamodel]
    trees: dict[str, TreeNode]
    sobol: dict[str, SobolIndices] = field(default_factory=dict)
    kinds: dict[str, str | None] = field(default_factory=dict)
    """Each measure's kind, when the experiment's scenario could be loaded (times are then shown as times)."""

    def top_effects(self, measure: str, k: int = 10) -> list[Effect]:
        return self.metamodels[measure].ranked()[:k]

    def to_json(self) -> dict[str, Any]:
        return {
            "factors": list(self.factors),
            "factor_paths": self.factor_paths,
            "design": self.design,
            "measures": {
                m: {
                    "metamodel": self.metamodels[m].as_dict(),
                    "tree": self.trees[m].as_dict(),
                    "tree_importance": self.trees[m].importance(),
                    **({"sobol": self.sobol[m].as_dict()} if m in self.sobol else {}),
                }
                for m in self.measures
            },
        }

    def text(self) -> str:
        lines: list[str] = []
        for m in self.measures:
            mm = self.metamodels[m]
            quantity = measure_quantity(self.kinds.get(m))
            if not math.isfinite(mm.r2):
                value = format_quantity(quantity, mm.intercept)
                lines.append(f"{m}: does not vary across the {mm.n} runs ({value}); no effect to estimate")
                continue
            scale, unit = duration_unit(mm.intercept) if quantity == "time" else (1.0, "")
            label = f", coefficients in {unit} per half-range" if unit else ""
            lines.append(f"{m}: R^2 = {mm.r2:.3f} (n = {mm.n}{label})")
            for e in mm.ranked()[:8]:
                star = " *" if e.is_significant else ""
                b, lo, hi = (v / scale for v in (e.coefficient, e.ci_low, e.ci_high))
                lines.append(
                    f"  {e.term:40s} {b:+.4g}  [{lo:+.4g}, {hi:+.4g}]  std {e.standardized:+.3f}{star}"
                )
            imp = self.trees[m].importance()
            if imp:
                lines.append("  tree: " + ", ".join(f"{k} {v:.0%}" for k, v in imp.items()))
            if m in self.sobol:
                s = self.sobol[m]
                lines.append(
                    "  Sobol (metamodel): "
                    + ", ".join(
                        f"{f} S1 {a:.2f} ST {c:.2f}" for f, a, c in zip(s.factors, s.s1, s.st, strict=True)
                    )
                )
        return "\n".join(lines)


def _read_source(
    results: str | Path | pa.Table, factors: Sequence[str] | None, measures: Sequence[str] | None
) -> tuple[pa.Table, list[str], list[str], dict[str, Any]]:
    manifest: dict[str, Any] = {}
    if isinstance(results, pa.Table):
        table = results
    else:
        from drillsim.experiments.experiment import query_results

        directory = Path(results)
        path = directory / "manifest.json"
        if not path.exists():
            raise UserError(f"{directory} is not a results store (no manifest.json)")
        manifest = json.loads(path.read_text(encoding="utf-8"))
        table = query_results(directory, "SELECT * FROM results ORDER BY point, replication")
    if factors is None:
        if not manifest:
            raise UserError("sensitivity of an Arrow table needs the names of its factor columns")
        factors = [f["column"] for f in manifest["factors"]]
    if measures is None:
        measures = list(manifest.get("measures", [])) or [
            c
            for c in table.column_names
            if c not in _FIXED and c not in factors and pa.types.is_floating(table.schema.field(c).type)
        ]
    missing = [c for c in (*factors, *measures) if c not in table.column_names]
    if missing:
        raise UserError(f"no column '{missing[0]}' in the results; columns: {', '.join(table.column_names)}")
    return table, list(factors), list(measures), manifest


def _as_float(table: pa.Table, column: str) -> FloatArray:
    col = table.column(column)
    if pa.types.is_boolean(col.type):
        return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)
    if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)):
        raise UserError(f"factor '{column}' is not numeric; sensitivity needs numeric factors")
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)


def _store_kinds(manifest: Mapping[str, Any], measures: Sequence[str]) -> dict[str, str | None]:
    """Measure kinds from the experiment's scenario, when it is an embedded scenario that loads."""
    from drillsim.scenario.io import load_scenario

    name = manifest.get("scenario")
    if not isinstance(name, str):
        return {}
    try:
        scenario = load_scenario(name)
    except UserError:
        return {}
    return {m: (scenario.measures[m].kind if m in scenario.measures else None) for m in measures}


def analyze_results(
    results: str | Path | pa.Table,
    *,
    factors: Sequence[str] | None = None,
    measures: Sequence[str] | None = None,
    interactions: bool = True,
    max_depth: int = 3,
    confidence: float = 0.95,
    sobol_samples: int = 1024,
) -> SensitivityReport:
    """Metamodel, partition tree and (for Sobol designs) Sobol indices of each measure of an experiment.

    ``results`` is a results store directory (factors, ranges, design kind and measures come from its
    manifest) or an Arrow table (then ``factors`` is required). Non-numeric factors are skipped.
    """
    table, factor_cols, measure_cols, manifest = _read_source(results, factors, measures)
    ranges = {f["column"]: f for f in manifest.get("factors", [])}
    numeric = [
        c
        for c in factor_cols
        if pa.types.is_integer(table.schema.field(c).type)
        or pa.types.is_floating(table.schema.field(c).type)
        or pa.types.is_boolean(table.schema.field(c).type)
    ]
    if not numeric:
        raise UserError("no numeric factor columns to analyse")
    x = np.column_stack([_as_float(table, c) for c in numeric])
    low = np.array(
        [
            float(ranges[c]["low"]) if ranges.get(c, {}).get("low") is not None else x[:, j].min()
            for j, c in enumerate(numeric)
        ]
    )
    high = np.array(
        [
            float(ranges[c]["high"]) if ranges.get(c, {}).get("high") is not None else x[:, j].max()
            for j, c in enumerate(numeric)
        ]
    )
    design = manifest.get("design", {}).get("kind")
    metamodels: dict[str, Metamodel] = {}
    trees: dict[str, TreeNode] = {}
    sobol: dict[str, SobolIndices] = {}
    min_leaf = max(5, len(x) // 50)
    for m in measure_cols:
        y = _as_float(table, m)
        mm = fit_metamodel(
            x, y, numeric, measure=m, interactions=interactions, low=low, high=high, confidence=confidence
        )
        metamodels[m] = mm
        trees[m] = grow_tree(x, y, numeric, max_depth=max_depth, min_leaf=min_leaf)
        if design == "sobol":
            sobol[m] = sobol_indices(
                mm.predict,
                numeric,
                [(float(a), float(b)) for a, b in zip(low, high, strict=True)],
                samples=sobol_samples,
                note=f"of the regression metamodel (R^2 = {mm.r2:.2f}); indices of the simulation itself are "
                "at most this share of its variance",
            )
    return SensitivityReport(
        kinds=_store_kinds(manifest, measure_cols),
        factors=tuple(numeric),
        factor_paths={c: ranges[c]["path"] for c in numeric if c in ranges},
        measures=tuple(measure_cols),
        design=design,
        metamodels=metamodels,
        trees=trees,
        sobol=sobol,
    )


def plot_effects(
    report: SensitivityReport,
    measure: str,
    path: str | Path,
    *,
    top: int = 10,
    formats: Sequence[str] = ("svg",),
) -> list[Path]:
    """Tornado plot of the ``top`` largest effects on one measure: the change from each term's low to high end
    (``-b`` to ``+b`` around the intercept)."""
    from drillsim.study.plots import plot_tornado

    mm = report.metamodels[measure]
    effects = mm.ranked()[:top]
    names = [e.term for e in effects]
    b = np.array([e.coefficient for e in effects])
    return plot_tornado(
        names,
        mm.intercept - b,
        mm.intercept + b,
        path,
        base=mm.intercept,
        title=f"{measure}: largest effects (R^2 = {mm.r2:.2f})",
        xlabel=measure,
        formats=formats,
    )


# --- one-at-a-time screening --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreeningEffect:
    """One input, one measure: means with the input at -X % and +X % and the paired difference high - low."""

    path: str
    measure: str
    value: float
    low_value: float
    high_value: float
    low_mean: float
    high_mean: float
    base_mean: float
    difference: float
    ci_low: float
    ci_high: float
    n_pairs: int

    @property
    def is_significant(self) -> bool:
        return bool(self.ci_low > 0.0 or self.ci_high < 0.0)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["significant"] = self.is_significant
        return out


@dataclass(frozen=True)
class Screening:
    """One-at-a-time screening: every input perturbed by +-``fraction`` under common random numbers."""

    scenario: str
    fraction: float
    replications: int
    seed: int
    effects: tuple[ScreeningEffect, ...]
    base_means: dict[str, float]
    elapsed_s: float

    def for_measure(self, measure: str) -> list[ScreeningEffect]:
        """Effects on one measure, largest |difference| first."""
        rows = [e for e in self.effects if e.measure == measure]
        return sorted(rows, key=lambda e: -abs(e.difference) if math.isfinite(e.difference) else 0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "fraction": self.fraction,
            "replications": self.replications,
            "seed": self.seed,
            "base_means": self.base_means,
            "elapsed_s": self.elapsed_s,
            "effects": [e.as_dict() for e in self.effects],
        }


_CONFIDENCE_RANK = {"low": 0, None: 1, "medium": 2, "high": 3}


def _used_catalogue_prefixes(scenario: Scenario) -> list[str]:
    types = sorted({u.type for u in scenario.units.values()})
    weapons: set[str] = set()
    sensors: set[str] = set()
    for t in types:
        spec = scenario.catalogue.unit_types.get(t)
        if spec is None:
            continue
        weapons.update(w.weapon for w in spec.weapons)
        sensors.update(s.sensor for s in spec.sensors)
    return (
        [f"catalogue.unit_types.{t}." for t in types]
        + [f"catalogue.weapons.{w}." for w in sorted(weapons)]
        + [f"catalogue.sensors.{s}." for s in sorted(sensors)]
    )


def screening_candidates(
    scenario: Scenario, *, confidence: Sequence[str | None] = ("low",), limit: int | None = None
) -> list[str]:
    """Numeric parameters worth screening: those with the given confidence levels that the scenario uses
    (outside the catalogue, or in the catalogue entries of unit types, weapons and sensors its units carry)
    and that a file writes. Model defaults carry a pedigree too (mostly stated assumptions at confidence
    low) but are left to the Morris screen of every number, so that the one-at-a-time screen keeps looking
    at the numbers an author chose.

    Order: scenario-level parameters, then sensors, weapons and unit types; at most ``limit``.
    """
    used = _used_catalogue_prefixes(scenario)
    priority: list[tuple[int, int, str]] = []
    for k, p in enumerate(scenario.parameters()):
        if p.default or p.confidence not in confidence or p.value == 0.0:
            continue
        if p.path.startswith("catalogue."):
            if not any(p.path.startswith(prefix) for prefix in used):
                continue
            rank = 1 if ".sensors." in p.path else 2 if ".weapons." in p.path else 3
        elif p.path.startswith(("time.", "area.")):
            continue
        else:
            rank = 0
        priority.append((rank, k, p.path))
    paths = [path for _, _, path in sorted(priority)]
    return paths[:limit] if limit is not None else paths


def _perturbed(value: float, factor: float, path: str, scenario: Scenario) -> float:
    new = value * factor
    if 0.0 <= value <= 1.0 and any(k in path for k in ("p_", "probability", "level", "fraction", "training")):
        new = min(new, 1.0)
    return new


def screen_inputs(
    scenario: Scenario | str,
    *,
    paths: Sequence[str] | None = None,
    fraction: float = 0.2,
    replications: int = 20,
    rng: int | None = None,
    measures: Sequence[str] | None = None,
    max_inputs: int = 8,
    until_s: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Screening:
    """Perturb each input by ``-fraction`` and ``+fraction`` (one at a time) under common random numbers.

    ``paths`` defaults to :func:`screening_candidates` (low-confidence inputs the scenario uses), at most
    ``max_inputs``. Integer inputs are rounded (and skipped when rounding leaves them unchanged). The effect
    of an input on a measure is the paired mean of ``y(+X %) - y(-X %)`` with a t interval.
    """
    import time

    from drillsim.core.random import root_seed
    from drillsim.engine.simulation import Simulation
    from drillsim.experiments.montecarlo import t_interval
    from drillsim.scenario.io import load_scenario, with_overrides

    started = time.perf_counter()
    base = load_scenario(scenario) if isinstance(scenario, str) else scenario
    seed = root_seed(rng)
    chosen = list(paths) if paths is not None else screening_candidates(base, limit=max_inputs)
    values = {p.path: p.value for p in base.parameters()}
    unknown = [p for p in chosen if p not in values]
    if unknown:
        raise UserError(f"no numeric parameter '{unknown[0]}' in {base.name}")

    def measures_of(sc: Scenario) -> dict[str, FloatArray]:
        out = Simulation(sc, rng=seed, replications=replications).run(until_s=until_s)
        return {k: np.asarray(v, dtype=np.float64) for k, v in out.measures.items()}

    total = 1 + 2 * len(chosen)
    base_values = measures_of(base)
    done = 1
    if progress is not None:
        progress(done, total)
    names = list(measures) if measures is not None else list(base.measures)
    effects: list[ScreeningEffect] = []
    for path in chosen:
        v = values[path]
        is_int = float(v).is_integer() and abs(v) >= 1.0
        lo = _perturbed(v, 1.0 - fraction, path, base)
        hi = _perturbed(v, 1.0 + fraction, path, base)
        if is_int:
            lo, hi = float(round(lo)), float(round(hi))
        if lo == hi:
            continue
        runs = []
        for setting in (lo, hi):
            value: float | int = int(setting) if is_int else setting
            runs.append(measures_of(with_overrides(base, {path: value}, source="screening")))
            done += 1
            if progress is not None:
                progress(done, total)
        for m in names:
            a, b = runs[0].get(m), runs[1].get(m)
            if a is None or b is None:
                continue
            both = np.isfinite(a) & np.isfinite(b)
            d = b[both] - a[both]
            ci = t_interval(d) if len(d) >= 2 else (math.nan, math.nan)
            if len(d) >= 2 and float(d.std()) == 0.0:
                ci = (float(d.mean()), float(d.mean()))
            effects.append(
                ScreeningEffect(
                    path=path,
                    measure=m,
                    value=v,
                    low_value=lo,
                    high_value=hi,
                    low_mean=float(np.nanmean(a)) if np.isfinite(a).any() else math.nan,
                    high_mean=float(np.nanmean(b)) if np.isfinite(b).any() else math.nan,
                    base_mean=_mean(base_values.get(m)),
                    difference=float(d.mean()) if len(d) else math.nan,
                    ci_low=ci[0],
                    ci_high=ci[1],
                    n_pairs=len(d),
                )
            )
    return Screening(
        scenario=base.name,
        fraction=fraction,
        replications=replications,
        seed=seed,
        effects=tuple(effects),
        base_means={m: _mean(base_values.get(m)) for m in names},
        elapsed_s=time.perf_counter() - started,
    )


def _mean(values: FloatArray | None) -> float:
    if values is None or not np.isfinite(values).any():
        return math.nan
    return float(np.nanmean(values))


# --- pedigree weighting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PedigreeRow:
    """An input, how much it moves a measure, and how well it is sourced."""

    path: str
    measure: str
    value: float | None
    source: str | None
    confidence: str | None
    effect: float
    """The measure's change from the input's low to its high setting (screening or metamodel)."""
    relative: float
    """``|effect|`` as a share of the largest ``|effect|`` on this measure."""
    significant: bool
    flagged: bool
    """Weakly sourced (not :func:`~drillsim.scenario.pedigree.is_sourced`: no source, or confidence low or
    unstated) and it matters (significant and relative >= threshold)."""
    kind: str | None = None
    """The measure's kind: a time effect is shown in s, min or h, a 0/1 measure's in points."""

    def effect_text(self) -> str:
        """The effect with its unit: ``+12.5 min``, ``+8 points``, ``+3.1``."""
        quantity = measure_quantity(self.kind)
        if not math.isfinite(self.effect):
            return "-"
        if quantity == "time":
            return ("+" if self.effect >= 0 else "-") + format_duration(abs(self.effect))
        if quantity in ("probability", "fraction"):
            return f"{self.effect * 100:+.0f} points"
        return f"{self.effect:+.3g}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        src = self.source or "no source given"
        conf = self.confidence or "unstated"
        flag = "WEAKLY SOURCED AND INFLUENTIAL: " if self.flagged else ""
        return (
            f"{flag}{self.path} (= {self.value:g}; source: {src}; confidence: {conf}) "
            f"moves '{self.measure}' by "
            f"{self.effect_text()} across its range"
            if self.value is not None
            else f"{flag}{self.path} moves '{self.measure}' by {self.effect_text()}"
        )


def pedigree_report(
    scenario: Scenario,
    effects: Screening | SensitivityReport | Mapping[tuple[str, str], tuple[float, bool]],
    *,
    threshold: float = 0.25,
) -> list[PedigreeRow]:
    """The inputs that drive each measure with their source and confidence; weakly sourced ones that matter
    are flagged.

    ``effects`` is a :class:`Screening`, a :class:`SensitivityReport` of an experiment on ``scenario`` (factor
    columns map to scenario paths through the store manifest; the effect is ``2 b`` of the main effect), or a
    mapping ``(path, measure) -> (effect, significant)``. An input is flagged when it is weakly sourced
    (:func:`~drillsim.scenario.pedigree.is_sourced` is false), its effect is significant, and ``|effect|`` is
    at least ``threshold`` of the largest on that measure. Rows are sorted by measure, then by ``|effect|``.
    """
    table: dict[tuple[str, str], tuple[float, bool]] = {}
    if isinstance(effects, Screening):
        for e in effects.effects:
            table[(e.path, e.measure)] = (e.difference, e.is_significant)
    elif isinstance(effects, SensitivityReport):
        for m, mm in effects.metamodels.items():
            for term in mm.effects:
                if len(term.factors) == 1:
                    path = effects.factor_paths.get(term.factors[0], term.factors[0])
                    table[(path, m)] = (2.0 * term.coefficient, term.is_significant)
    else:
        table = dict(effects)
    params = {p.path: p for p in scenario.parameters()}
    largest: dict[str, float] = {}
    for (_, m), (eff, _) in table.items():
        if math.isfinite(eff):
            largest[m] = max(largest.get(m, 0.0), abs(eff))
    rows: list[PedigreeRow] = []
    for (path, m), (eff, sig) in table.items():
        p = params.get(path)
        top = largest.get(m, 0.0)
        rel = abs(eff) / top if top > 0 and math.isfinite(eff) else 0.0
        conf = p.confidence if p is not None else None
        rows.append(
            PedigreeRow(
                path=path,
                measure=m,
                value=p.value if p is not None else None,
                source=p.source if p is not None else None,
                confidence=conf,
                effect=eff,
                relative=rel,
                significant=sig,
                flagged=bool((p is None or not is_sourced(p)) and sig and rel >= threshold),
                kind=scenario.measures[m].kind if m in scenario.measures else None,
            )
        )
    rows.sort(key=lambda r: (r.measure, -r.relative, r.path))
    return rows
