"""Experimental designs for data farming: which factor settings to run.

Every design here is a matrix in the unit cube, one row per design point and one column per factor;
:func:`scale_design` maps it to factor values (continuous ranges, integer ranges, lists of levels or
categorical values). Four kinds:

- **Full factorial**: every combination of a few levels per factor (:func:`full_factorial`).
- **Latin hypercube**: random stratified sample, ``scipy.stats.qmc.LatinHypercube`` (McKay, Beckman and
  Conover 1979) (:func:`latin_hypercube`).
- **Sobol**: scrambled Sobol' sequence, ``scipy.stats.qmc.Sobol`` (Sobol' 1967; Owen scrambling), for
  variance-based sensitivity (:func:`sobol_sequence`).
- **Nearly orthogonal Latin hypercube (NOLH)**: the designs of Cioppa and Lucas (2007), "Efficient nearly
  orthogonal and space-filling Latin hypercubes", *Technometrics* 49(1):45-55, as used by the NPS SEED
  Center: 17, 33, 65 and 129 runs for up to 7, 11, 16 and 22 factors (:func:`nolh`).

The NOLH construction
---------------------
Ye (1998, JASA 93:1430-1439) built orthogonal Latin hypercubes with ``n = 2^m + 1`` runs from a base
vector ``e = (1, ..., q)``, ``q = 2^(m-1)``, permuted by products of the reflection permutations ``A_k``
(``A_k`` reverses consecutive blocks of length ``2^k``; on a zero-based index it is ``i -> i XOR (2^k - 1)``)
and signed by sign vectors built from Kronecker products of ``(-1, 1)`` and ``(1, 1)`` (on an index, the
sign of ``A_k`` is ``-1`` or ``+1`` as bit ``k-1`` is 0 or 1). The design is the fold-over
``[T; 0; -T]`` of the signed half ``T``, so every column is odd about the centre run and is uncorrelated
with every squared term and two-factor interaction.

Cioppa and Lucas extended the columns from Ye's ``2m - 2`` to ``m + C(m-1, 2)``: the identity, every single
``A_k`` (k = 1..m-1) and every product ``A_j A_k`` (j < k), each with the product of its signs. With the
identity base vector the result is exactly orthogonal (the test suite checks it against the published
17-run table). They then traded exact orthogonality for space filling: the base vector ``e`` is replaced by a
permutation of ``1..q`` chosen so that every pairwise correlation stays within 0.03 in absolute value and the
condition number of the correlation matrix within 1.13, while the points spread out. We do the same:
:func:`search_nolh_base` runs a seeded simulated annealing over base permutations minimising the
Morris-Mitchell ``phi_p`` space-filling criterion (p = 15) under those two limits, and the bases it found are
stored in ``NOLH_BASES`` so that designs never depend on the numpy version. ``python -m
drillsim.experiments.designs`` repeats the search and prints the bases and their measures.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatMatrix = NDArray[np.float64]
IntMatrix = NDArray[np.int64]

NOLH_SIZES: dict[int, int] = {17: 7, 33: 11, 65: 16, 129: 22}
"""Runs of each NOLH and the most factors it takes."""

MAX_CORRELATION = 0.03
"""Cioppa and Lucas's limit on the absolute pairwise correlation of a nearly orthogonal design."""
MAX_CONDITION = 1.13
"""Cioppa and Lucas's limit on the condition number of the design's correlation matrix."""

# Base permutations of 1..q found by search_nolh_base (``python -m drillsim.experiments.designs``, 20,000
# iterations, four runs per size). 17 and 129 runs keep the identity (the exactly orthogonal design): for
# 17 runs no permutation the search visited spread the points better (the identity design has the same
# minimum distance and phi_p as the published 17-run SEED Center design); for 129 runs the best found
# improved phi_p by 0.3% (1.400 against 1.404) at the price of correlations up to 0.026, not worth it.
NOLH_BASES: dict[int, tuple[int, ...]] = {
    5: (1, 3, 11, 12, 2, 9, 14, 16, 13, 4, 15, 8, 10, 5, 7, 6),
    6: (
        4,
        8,
        17,
        30,
        2,
        7,
        24,
        27,
        20,
        18,
        28,
        22,
        21,
        3,
        13,
        19,
        1,
        6,
        16,
        10,
        9,
        5,
        15,
        23,
        31,
        11,
        26,
        32,
        25,
        12,
        29,
        14,
    ),
}


@dataclass(frozen=True)
class FactorRange:
    """How one design column maps to a factor's values.

    ``low``/``high`` for a numeric range (``integer`` rounds into equal-width bins, one per integer), or
    ``choices`` for a list of levels or categorical values (equal-width bins, one per choice).
    """

    name: str
    low: float = 0.0
    high: float = 1.0
    integer: bool = False
    choices: tuple[Any, ...] | None = None

    @property
    def count(self) -> int | None:
        """How many distinct values the factor can take, or None for a continuous range."""
        if self.choices is not None:
            return len(self.choices)
        if self.integer:
            return round(self.high) - round(self.low) + 1
        return None

    def value(self, u: float) -> Any:
        """The factor value at position ``u`` in [0, 1]."""
        if self.choices is not None:
            return self.choices[_bin(u, len(self.choices))]
        if self.integer:
            low = round(self.low)
            return low + _bin(u, round(self.high) - low + 1)
        return float(self.low + u * (self.high - self.low))


def _bin(u: float, count: int) -> int:
    """Equal-width bin of ``u`` among ``count`` bins; ``u = 1`` falls in the last one."""
    return min(math.floor(u * count), count - 1)


def scale_design(unit: FloatMatrix, factors: Sequence[FactorRange]) -> list[list[Any]]:
    """Factor values for each row of a unit-cube design, one list per design point."""
    if unit.ndim != 2 or unit.shape[1] != len(factors):
        raise ValueError(f"design has {unit.shape[-1]} columns for {len(factors)} factors")
    return [[f.value(float(u)) for f, u in zip(factors, row, strict=True)] for row in unit]


# --- full factorial and sampling designs -------------------------------------------------------------------


def full_factorial(levels: Sequence[int]) -> FloatMatrix:
    """Every combination of ``levels[j]`` evenly spaced positions per column, first column slowest.

    Positions run from 0 to 1 inclusive (a single level sits at 0.5), so a list factor with ``k`` choices
    given ``k`` levels visits each choice once.
    """
    if not levels or any(k < 1 for k in levels):
        raise ValueError("every factor needs at least one level")
    axes = [np.linspace(0.0, 1.0, k) if k > 1 else np.array([0.5]) for k in levels]
    return np.array(list(itertools.product(*axes)), dtype=np.float64).reshape(-1, len(levels))


def latin_hypercube(points: int, dimensions: int, *, rng: np.random.Generator | int | None) -> FloatMatrix:
    """A random Latin hypercube sample (``scipy.stats.qmc.LatinHypercube``): one point per stratum."""
    from scipy.stats import qmc

    sample: FloatMatrix = qmc.LatinHypercube(dimensions, rng=rng).random(points)
    return sample


def sobol_sequence(points: int, dimensions: int, *, rng: np.random.Generator | int | None) -> FloatMatrix:
    """The first ``points`` of a scrambled Sobol' sequence; ``points`` must be a power of two."""
    from scipy.stats import qmc

    if points < 1 or points & (points - 1):
        raise ValueError(f"a Sobol' design needs a power of two points, got {points}")
    sample: FloatMatrix = qmc.Sobol(dimensions, scramble=True, rng=rng).random(points)
    return sample


# --- nearly orthogonal Latin hypercubes --------------------------------------------------------------------


def nolh_columns(m: int) -> list[tuple[int, ...]]:
    """The permutation products of the Cioppa-Lucas columns: (), (k,) for k < m, then (j, k) for j < k < m."""
    singles = [(k,) for k in range(1, m)]
    pairs = list(itertools.combinations(range(1, m), 2))
    return [(), *singles, *pairs]


def nolh_matrix(m: int, base: Sequence[int] | None = None) -> IntMatrix:
    """The ``(2^m + 1) x (m + C(m-1, 2))`` design in levels ``-q..q`` (``q = 2^(m-1)``), centre run mid-way.

    ``base`` is the permutation of ``1..q`` that replaces Ye's ``e``; the identity (None) gives the exactly
    orthogonal Latin hypercube.
    """
    if m < 2:
        raise ValueError("m must be at least 2")
    q = 2 ** (m - 1)
    values = np.arange(1, q + 1, dtype=np.int64) if base is None else np.asarray(base, dtype=np.int64)
    if sorted(values.tolist()) != list(range(1, q + 1)):
        raise ValueError(f"base must be a permutation of 1..{q}")
    index = np.arange(q, dtype=np.int64)
    columns = []
    for product in nolh_columns(m):
        flip = 0
        sign = np.ones(q, dtype=np.int64)
        for k in product:
            flip ^= (1 << k) - 1
            sign *= 2 * ((index >> (k - 1)) & 1) - 1
        columns.append(sign * values[index ^ flip])
    half = np.stack(columns, axis=1)
    centre = np.zeros((1, half.shape[1]), dtype=np.int64)
    out: IntMatrix = np.concatenate([half, centre, -half])
    return out


def nolh_size(factors: int) -> int:
    """The smallest NOLH (in runs) that takes this many factors."""
    for runs, most in NOLH_SIZES.items():
        if factors <= most:
            return runs
    raise ValueError(f"a NOLH takes at most {max(NOLH_SIZES.values())} factors, got {factors}")


def nolh(factors: int, *, points: int | None = None) -> FloatMatrix:
    """A nearly orthogonal Latin hypercube in the unit cube: the first ``factors`` columns of the NOLH.

    ``points`` picks a larger design (17, 33, 65 or 129 runs); by default the smallest that fits.
    """
    if factors < 1:
        raise ValueError("a design needs at least one factor")
    runs = nolh_size(factors) if points is None else points
    if runs not in NOLH_SIZES:
        raise ValueError(f"a NOLH has 17, 33, 65 or 129 points, not {runs}")
    if factors > NOLH_SIZES[runs]:
        raise ValueError(f"the {runs}-point NOLH takes at most {NOLH_SIZES[runs]} factors, got {factors}")
    m = round(math.log2(runs - 1))
    q = 2 ** (m - 1)
    levels = nolh_matrix(m, NOLH_BASES.get(m))[:, :factors]
    unit: FloatMatrix = (levels.astype(np.float64) + q) / (2 * q)
    return unit


# --- design measures ---------------------------------------------------------------------------------------


def max_abs_correlation(design: FloatMatrix | IntMatrix) -> float:
    """The largest absolute Pearson correlation between two columns (0 for a single column)."""
    if design.shape[1] < 2:
        return 0.0
    corr = np.atleast_2d(np.corrcoef(np.asarray(design, dtype=np.float64), rowvar=False))
    np.fill_diagonal(corr, 0.0)
    return float(np.abs(corr).max())


def condition_number(design: FloatMatrix | IntMatrix) -> float:
    """Condition number of the columns' correlation matrix (1 for an orthogonal design)."""
    if design.shape[1] < 2:
        return 1.0
    corr = np.corrcoef(np.asarray(design, dtype=np.float64), rowvar=False)
    return float(np.linalg.cond(corr))


def is_latin(design: FloatMatrix | IntMatrix) -> bool:
    """True when every column takes each of ``n`` equally spaced levels exactly once."""
    d = np.asarray(design, dtype=np.float64)
    n = d.shape[0]
    for column in d.T:
        lo, hi = column.min(), column.max()
        if hi == lo:
            return False
        levels = np.rint((column - lo) / (hi - lo) * (n - 1))
        if not np.allclose(levels, (column - lo) / (hi - lo) * (n - 1), atol=1e-9):
            return False
        if len(np.unique(levels)) != n:
            return False
    return True


def space_filling(design: FloatMatrix | IntMatrix, *, p: float = 15.0) -> float:
    """Morris and Mitchell's (1995) ``phi_p`` of the design scaled to the unit cube (smaller is better)."""
    from scipy.spatial.distance import pdist

    d = np.asarray(design, dtype=np.float64)
    lo, hi = d.min(axis=0), d.max(axis=0)
    unit = (d - lo) / np.where(hi > lo, hi - lo, 1.0)
    distances = pdist(unit)
    return float(np.sum(distances**-p) ** (1.0 / p))


def search_nolh_base(
    m: int, *, rng: np.random.Generator, iterations: int, start: Sequence[int] | None = None
) -> tuple[int, ...] | None:
    """Simulated annealing over base permutations for a space-filling NOLH within the Cioppa-Lucas limits.

    Moves swap two entries of the base (from ``start``, default a random permutation); the objective is
    ``phi_p`` plus a penalty on correlation above the limit; the best design seen that meets both limits is
    returned (None if none did).
    """
    q = 2 ** (m - 1)
    limit = MAX_CORRELATION - 0.002  # a margin, so that rounding in a user's scaling cannot cross 0.03

    def objective(base: NDArray[np.int64]) -> tuple[float, float]:
        x = nolh_matrix(m, base.tolist())
        corr = max_abs_correlation(x)
        return space_filling(x) + 50.0 * max(0.0, corr - limit), corr

    if start is None:
        base = rng.permutation(np.arange(1, q + 1, dtype=np.int64))
    else:
        base = np.asarray(start, dtype=np.int64)
    value, corr = objective(base)
    best: tuple[float, tuple[int, ...]] | None = None
    for it in range(iterations):
        temperature = 0.05 * (1.0 - it / iterations) + 1e-4
        i, j = rng.choice(q, 2, replace=False)
        trial = base.copy()
        trial[i], trial[j] = trial[j], trial[i]
        trial_value, trial_corr = objective(trial)
        if trial_value < value or rng.random() < math.exp((value - trial_value) / temperature):
            base, value, corr = trial, trial_value, trial_corr
            if (
                corr < limit
                and (best is None or value < best[0])
                and condition_number(nolh_matrix(m, base.tolist())) <= MAX_CONDITION
            ):
                best = (value, tuple(int(v) for v in base))
    return None if best is None else best[1]


def _print_search() -> None:  # pragma: no cover - run by hand to regenerate NOLH_BASES
    import sys

    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    for m in (4, 5, 6, 7):
        candidates: list[tuple[float, tuple[int, ...] | None]] = [(space_filling(nolh_matrix(m)), None)]
        for seed in range(4):
            start = range(1, 2 ** (m - 1) + 1) if seed == 3 else None  # the last run starts orthogonal
            rng = np.random.default_rng([2007, m, seed])
            found = search_nolh_base(m, rng=rng, iterations=iterations, start=start)
            if found is not None:
                candidates.append((space_filling(nolh_matrix(m, found)), found))
        score, base = min(candidates, key=lambda c: c[0])
        x = nolh_matrix(m, base)
        print(
            f"m={m} runs={x.shape[0]} factors={x.shape[1]} phi15={score:.4f} "
            f"max|r|={max_abs_correlation(x):.4f} cond={condition_number(x):.4f}\n    {m}: {base},",
            flush=True,
        )


if __name__ == "__main__":  # pragma: no cover
    _print_search()
