"""What-if comparisons under common random numbers, with paired confidence intervals.

The base scenario and each variant run with the same root seed and the same replication indices. Because
drillsim's random numbers are a function of (seed, replication, stream, ...), replication k of the variant
sees the same draws as replication k of the base wherever the two scenarios ask for the same numbers
(common random numbers). The per-replication differences ``d_k = variant_k - base_k`` then vary less
than two independent samples would, and the paired t interval on their mean is narrower than the unpaired
(Welch) interval; both are reported so the gain is visible. For 0/1 measures the relative change
``p_variant / p_base - 1`` is reported too, with a delta-method interval for paired data.
Equations and sources: docs/monte-carlo.md.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from drillsim.core.display import Rows, html_block, html_table, short_repr
from drillsim.core.errors import UserError
from drillsim.core.random import root_seed
from drillsim.experiments.montecarlo import (
    BINARY_KINDS,
    DEFAULT_BATCH,
    TIME_KINDS,
    FloatArray,
    measure_kinds,
    progress_bar,
    run_replications,
    t_interval,
    write_json_atomic,
    write_parquet_atomic,
)
from drillsim.scenario.io import content_hash, load_scenario
from drillsim.scenario.models import Scenario

__all__ = [
    "Comparison",
    "Difference",
    "compare",
    "paired_difference",
    "paired_ratio_interval",
    "welch_interval",
]


def welch_interval(a: FloatArray, b: FloatArray, confidence: float = 0.95) -> tuple[float, float]:
    """Welch's unpaired t interval for ``mean(a) - mean(b)`` (treats the samples as independent)."""
    from scipy.stats import t as student_t

    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return (math.nan, math.nan)
    va, vb = float(a.var(ddof=1)) / na, float(b.var(ddof=1)) / nb
    diff = float(a.mean() - b.mean())
    se = math.sqrt(va + vb)
    if se == 0.0:
        return (diff, diff)
    df = (va + vb) ** 2 / (va * va / (na - 1) + vb * vb / (nb - 1))
    half = float(student_t.ppf(0.5 + confidence / 2.0, df)) * se
    return (diff - half, diff + half)


def paired_ratio_interval(
    variant: FloatArray, base: FloatArray, confidence: float = 0.95
) -> tuple[float, float, float]:
    """``mean(variant) / mean(base) - 1`` and its interval, by the delta method on the log ratio.

    For paired samples: ``var(log r) ~ s_v^2/(n m_v^2) + s_b^2/(n m_b^2) - 2 s_vb/(n m_v m_b)``; for 0/1
    values this is the matched-pairs risk-ratio interval ``(n10 + n01) / ((n11 + n10)(n11 + n01))``
    (Agresti 2013, section 11.1). NaN when either mean is not positive.
    """
    from scipy.stats import norm

    n = len(base)
    if n < 2:
        return (math.nan, math.nan, math.nan)
    mv, mb = float(variant.mean()), float(base.mean())
    if mv <= 0.0 or mb <= 0.0:
        return (math.nan, math.nan, math.nan)
    cov = np.cov(variant, base, ddof=0)  # plug-in moments, as in the published matched-pairs formula
    var_log = (cov[0, 0] / mv**2 + cov[1, 1] / mb**2 - 2.0 * cov[0, 1] / (mv * mb)) / n
    ratio = mv / mb
    z = float(norm.ppf(0.5 + confidence / 2.0))
    half = z * math.sqrt(max(float(var_log), 0.0))
    return (ratio - 1.0, ratio * math.exp(-half) - 1.0, ratio * math.exp(half) - 1.0)


@dataclass(frozen=True)
class Difference:
    """One measure, one variant against the base: the paired difference and, for 0/1, the relative change."""

    measure: str
    kind: str | None
    binary: bool
    base: str
    variant: str
    n_pairs: int
    """Replications in which both scenarios gave the measure a value."""
    base_mean: float
    variant_mean: float
    difference: float
    """Mean of ``variant - base`` over the pairs."""
    ci_low: float
    ci_high: float
    unpaired_low: float
    unpaired_high: float
    correlation: float
    """Correlation of base and variant values across replications (what common random numbers buy)."""
    relative: float
    relative_low: float
    relative_high: float
    confidence: float

    @property
    def half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2.0

    @property
    def unpaired_half_width(self) -> float:
        return (self.unpaired_high - self.unpaired_low) / 2.0

    @property
    def is_significant(self) -> bool:
        """Whether the paired interval excludes zero."""
        return bool(self.ci_low > 0.0 or self.ci_high < 0.0)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["half_width"] = self.half_width
        out["unpaired_half_width"] = self.unpaired_half_width
        out["sentence"] = self.sentence()
        return out

    def sentence(self) -> str:
        """The difference in words, e.g. "'escaped': happens 31 % more often in X than in Y (95 % CI ...)"."""
        level = f"{self.confidence * 100:g} % CI"
        head = f"'{self.measure}' in {self.variant} vs {self.base}:"
        if self.n_pairs < 2 or not math.isfinite(self.difference):
            return f"{head} too few replications with a value to compare ({self.n_pairs})."
        if self.binary:
            return self._binary_sentence(head, level)
        if self.kind in TIME_KINDS:
            scale, unit = 60.0, " min"
            words = ("later", "earlier")
        else:
            scale, unit = 1.0, ""
            words = ("higher", "lower")
        d, lo, hi = self.difference / scale, self.ci_low / scale, self.ci_high / scale
        if self.is_significant:
            word = words[0] if d > 0 else words[1]
            a, b = sorted((abs(lo), abs(hi)))
            body = f"{_num(abs(d))}{unit} {word} on average ({level} {_num(a)}-{_num(b)}{unit})"
        else:
            body = f"no clear difference ({_signed(d)}{unit}; {level} {_signed(lo)} to {_signed(hi)}{unit})"
        return (
            f"{head} {body}; mean {_num(self.variant_mean / scale)}{unit} vs "
            f"{_num(self.base_mean / scale)}{unit}, paired over {self.n_pairs} replications."
        )

    def _binary_sentence(self, head: str, level: str) -> str:
        pv, pb = self.variant_mean * 100, self.base_mean * 100
        tail = f"{pv:.0f} % of replications vs {pb:.0f} %, paired over {self.n_pairs}."
        pp = f"{_signed(self.difference * 100)} points ({level} {_signed(self.ci_low * 100)} to " + (
            f"{_signed(self.ci_high * 100)})"
        )
        if not math.isfinite(self.relative):
            if self.is_significant:
                return f"{head} changes by {pp}; {tail}"
            return f"{head} no clear difference ({pp}); {tail}"
        r, lo, hi = (x * 100 for x in (self.relative, self.relative_low, self.relative_high))
        if lo > 0 or hi < 0:
            word = "more" if r > 0 else "less"
            a, b = sorted((abs(lo), abs(hi)))
            return f"{head} happens {abs(r):.0f} % {word} often ({level} {a:.0f}-{b:.0f} %); {tail}"
        return (
            f"{head} no clear difference ({_signed(r, 0)} %; {level} {_signed(lo, 0)} to "
            f"{_signed(hi, 0)} %); {tail}"
        )


def _num(x: float) -> str:
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2g}" if abs(x) < 1 else f"{x:.2f}"


def _signed(x: float, digits: int | None = None) -> str:
    text = f"{abs(x):.{digits}f}" if digits is not None else _num(abs(x))
    return ("+" if x >= 0 else "-") + text


@dataclass(frozen=True)
class Comparison:
    """A base scenario and its variants run under common random numbers."""

    base: str
    variants: list[str]
    seed: int
    replications: list[int]
    confidence: float
    differences: list[Difference]
    table: pa.Table
    """Long per-replication table: ``scenario``, ``replication``, ``seed``, one column per measure."""
    scenario_hashes: dict[str, str]
    elapsed_s: float

    def rows(self) -> Rows:
        """One row per (variant, measure): the means, the paired difference and its interval; a list of
        dicts with ``to_pandas()`` and ``to_arrow()``."""
        return Rows(d.as_dict() for d in self.differences)

    def to_pandas(self) -> Any:
        """The per-replication rows of every scenario as a pandas DataFrame (needs pandas);
        ``rows().to_pandas()`` gives the differences."""
        return self.table.to_pandas()

    def _facts(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "variants": ", ".join(self.variants),
            "seed": self.seed,
            "replications": len(self.replications),
            "confidence": self.confidence,
        }

    def __repr__(self) -> str:
        return short_repr("Comparison", self._facts())

    def _repr_html_(self) -> str:
        columns = ["variant", "measure", "base_mean", "variant_mean", "difference", "ci_low", "ci_high"]
        return html_block("drillsim comparison", self._facts(), html_table(self.rows(), columns=columns))

    def sentences(self, *, significant_only: bool = False) -> list[str]:
        """One sentence per (variant, measure); optionally only the differences whose CI excludes zero."""
        return [d.sentence() for d in self.differences if d.is_significant or not significant_only]

    def difference(self, measure: str, variant: str | None = None) -> Difference:
        """The difference for one measure (and variant; the first when omitted)."""
        name = variant or self.variants[0]
        for d in self.differences:
            if d.measure == measure and d.variant == name:
                return d
        raise KeyError((measure, name))

    def to_arrow(self) -> pa.Table:
        """The per-replication rows of every scenario."""
        return self.table

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "variants": self.variants,
            "seed": self.seed,
            "replications": {"count": len(self.replications), "indices": self.replications},
            "confidence": self.confidence,
            "scenario_hashes": self.scenario_hashes,
            "elapsed_s": self.elapsed_s,
            "differences": self.rows(),
        }

    def write(self, directory: str | Path) -> Path:
        """Write ``replications.parquet`` (long table) and ``comparison.json``, each atomically."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        write_parquet_atomic(self.table, out / "replications.parquet")
        write_json_atomic(self.to_json(), out / "comparison.json")
        return out


def _indices(replications: int | Sequence[int]) -> np.ndarray:
    if isinstance(replications, int | np.integer):
        if replications < 1:
            raise UserError(f"replications must be at least 1, got {replications}")
        return np.arange(int(replications), dtype=np.int64)
    reps = np.asarray(list(replications), dtype=np.int64)
    if reps.ndim != 1 or len(reps) == 0 or (reps < 0).any() or len(np.unique(reps)) != len(reps):
        raise UserError("replications must be a count or distinct non-negative replication indices")
    return reps


def _label(name: str, taken: set[str]) -> str:
    label, k = name, 2
    while label in taken:
        label, k = f"{name}#{k}", k + 1
    taken.add(label)
    return label


def _column(table: pa.Table, name: str) -> FloatArray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def paired_difference(
    measure: str,
    kind: str | None,
    base_name: str,
    variant_name: str,
    b_all: FloatArray,
    v_all: FloatArray,
    confidence: float,
) -> Difference:
    """The paired difference ``variant - base`` of one measure over the replications where both have a
    value (common random numbers pair replication k with replication k), with its t interval."""
    both = np.isfinite(b_all) & np.isfinite(v_all)
    b, v = b_all[both], v_all[both]
    n = int(both.sum())
    binary = kind in BINARY_KINDS
    nan = math.nan
    d = v - b
    low, high = t_interval(d, confidence)
    if n >= 2 and float(d.std()) == 0.0:
        low = high = float(d.mean())
    if binary:
        # A difference of two proportions lies in [-1, 1]: the normal interval is cut to what is possible.
        low, high = max(low, -1.0), min(high, 1.0)
    ulow, uhigh = welch_interval(v, b, confidence)
    corr = float(np.corrcoef(v, b)[0, 1]) if n >= 2 and float(v.std()) > 0 and float(b.std()) > 0 else nan
    rel, rlow, rhigh = paired_ratio_interval(v, b, confidence)
    return Difference(
        measure=measure,
        kind=kind,
        binary=binary,
        base=base_name,
        variant=variant_name,
        n_pairs=n,
        base_mean=float(b.mean()) if n else nan,
        variant_mean=float(v.mean()) if n else nan,
        difference=float(d.mean()) if n else nan,
        ci_low=low,
        ci_high=high,
        unpaired_low=ulow,
        unpaired_high=uhigh,
        correlation=corr,
        relative=rel,
        relative_low=rlow,
        relative_high=rhigh,
        confidence=confidence,
    )


def compare(
    base: Scenario | str,
    variants: Scenario | str | Sequence[Scenario | str],
    *,
    replications: int | Sequence[int] = 100,
    rng: int | np.random.Generator | None = None,
    confidence: float = 0.95,
    measures: Sequence[str] | None = None,
    batch: int = DEFAULT_BATCH,
    progress: bool | None = None,
) -> Comparison:
    """Run a base scenario and its variants with one seed and one set of replication indices; compare.

    Common random numbers: replication k of every scenario draws the same random numbers wherever the
    scenarios agree, so the paired differences are far less noisy than two separate runs.

    Parameters
    ----------
    base
        The base scenario: a :class:`~drillsim.Scenario`, a file path or an embedded scenario's name.
    variants
        One variant or several, each given as ``base`` is.
    replications
        A count (indices 0 to n-1) or the replication indices themselves.
    rng
        The root seed (an int), a ``numpy.random.Generator`` to draw one from, or None for a fresh one.
    confidence
        Confidence level of the intervals (0.95: 95 %).
    measures
        Measures to compare (default: every measure that the base and a variant both report).
    batch
        Replications advanced together.
    progress
        Show a progress bar (None: when stderr is a terminal).

    Returns
    -------
    Comparison
        The paired differences (``rows()``, ``sentences()``) and the per-replication rows (``to_pandas()``).
    """
    if not 0.0 < confidence < 1.0:
        raise UserError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")
    if isinstance(variants, Scenario | str):
        variants = [variants]
    if not variants:
        raise UserError("compare needs at least one variant scenario")
    indices = _indices(replications)
    started = time.perf_counter()
    seed = root_seed(rng)
    scenarios = [load_scenario(s) if isinstance(s, str) else s for s in (base, *variants)]
    taken: set[str] = set()
    labels = [_label(s.name, taken) for s in scenarios]
    tables: list[pa.Table] = []
    total = len(indices) * len(scenarios)
    with progress_bar(progress, "compare") as update:
        for k, scen in enumerate(scenarios):
            table, _ = run_replications(
                scen,
                seed=seed,
                indices=indices,
                batch=batch,
                update=update,
                offset=k * len(indices),
                total=total,
            )
            tables.append(table)
    base_table = tables[0]
    base_kinds = measure_kinds(scenarios[0], base_table.column_names[2:])
    differences: list[Difference] = []
    for scen, label, table in zip(scenarios[1:], labels[1:], tables[1:], strict=True):
        kinds = measure_kinds(scen, table.column_names[2:])
        names = [m for m in base_table.column_names[2:] if m in kinds]
        if measures is not None:
            unknown = [m for m in measures if m not in names]
            if unknown:
                raise UserError(
                    f"measure '{unknown[0]}' is not reported by both {labels[0]} and {label}; "
                    "shared measures: " + ", ".join(names)
                )
            names = list(measures)
        for name in names:
            kind = base_kinds[name] if base_kinds[name] is not None else kinds[name]
            differences.append(
                paired_difference(
                    name,
                    kind,
                    labels[0],
                    label,
                    _column(base_table, name),
                    _column(table, name),
                    confidence,
                )
            )
    long = pa.concat_tables(
        [
            t.add_column(0, "scenario", pa.array([label] * t.num_rows, type=pa.string()))
            for label, t in zip(labels, tables, strict=True)
        ],
        promote_options="default",
    )
    return Comparison(
        base=labels[0],
        variants=labels[1:],
        seed=seed,
        replications=[int(i) for i in indices],
        confidence=confidence,
        differences=differences,
        table=long,
        scenario_hashes={label: content_hash(s) for label, s in zip(labels, scenarios, strict=True)},
        elapsed_s=time.perf_counter() - started,
    )
