"""Designs: shapes, the Latin property, NOLH near-orthogonality against Cioppa and Lucas's limits, scaling."""

from __future__ import annotations

import numpy as np
import pytest

from drillsim.experiments import designs

# The exactly orthogonal 17-run design of Cioppa and Lucas's extension of Ye's construction, as published in
# the pyLHD documentation (OLHD_Cioppa07, m = 4): the first 8 runs; the rest are the centre and the negation.
PUBLISHED_OLH17_HALF = [
    [1, -2, -4, -8, 3, 7, 5],
    [2, 1, -3, -7, -4, -8, 6],
    [3, -4, 2, -6, -1, 5, -7],
    [4, 3, 1, -5, 2, -6, -8],
    [5, -6, -8, 4, 7, -3, -1],
    [6, 5, -7, 3, -8, 4, -2],
    [7, -8, 6, 2, -5, -1, 3],
    [8, 7, 5, 1, 6, 2, 4],
]

# The 17-run, 7-factor NOLH of the NPS SEED Center (datafarming Ruby scripts, nolh_designs.rb), levels 1..17.
SEED_NOLH17 = [
    [6, 17, 14, 7, 5, 16, 10],
    [2, 5, 15, 10, 1, 6, 11],
    [3, 8, 2, 5, 11, 14, 17],
    [4, 11, 6, 17, 10, 3, 13],
    [13, 16, 8, 3, 6, 1, 14],
    [17, 6, 7, 14, 2, 13, 15],
    [11, 4, 17, 6, 15, 8, 16],
    [10, 15, 13, 16, 14, 11, 12],
    [9, 9, 9, 9, 9, 9, 9],
    [12, 1, 4, 11, 13, 2, 8],
    [16, 13, 3, 8, 17, 12, 7],
    [15, 10, 16, 13, 7, 4, 1],
    [14, 7, 12, 1, 8, 15, 5],
    [5, 2, 10, 15, 12, 17, 4],
    [1, 12, 11, 4, 16, 5, 3],
    [7, 14, 1, 12, 3, 10, 2],
    [8, 3, 5, 2, 4, 7, 6],
]


def test_identity_base_reproduces_published_orthogonal_design() -> None:
    """With Ye's base vector the construction gives the published 17-run orthogonal Latin hypercube."""
    half = np.array(PUBLISHED_OLH17_HALF)
    expected = np.vstack([half, np.zeros((1, 7), dtype=int), -half])
    assert np.array_equal(designs.nolh_matrix(4), expected)


@pytest.mark.parametrize(("runs", "factors"), sorted(designs.NOLH_SIZES.items()))
def test_nolh_shape(runs: int, factors: int) -> None:
    """Each NOLH size has its published number of runs and columns."""
    assert designs.nolh(factors, points=runs).shape == (runs, factors)


@pytest.mark.parametrize("runs", sorted(designs.NOLH_SIZES))
def test_nolh_is_latin(runs: int) -> None:
    """Every NOLH column takes each of its equally spaced levels exactly once."""
    assert designs.is_latin(designs.nolh(designs.NOLH_SIZES[runs], points=runs))


@pytest.mark.parametrize("runs", sorted(designs.NOLH_SIZES))
def test_nolh_is_nearly_orthogonal(runs: int) -> None:
    """Every NOLH meets Cioppa and Lucas's limits: max |pairwise correlation| < 0.03, condition <= 1.13."""
    design = designs.nolh(designs.NOLH_SIZES[runs], points=runs)
    assert designs.max_abs_correlation(design) < 0.03
    assert designs.condition_number(design) <= designs.MAX_CONDITION


@pytest.mark.parametrize("runs", sorted(designs.NOLH_SIZES))
def test_nolh_columns_uncorrelated_with_squares_and_interactions(runs: int) -> None:
    """The fold-over makes each column orthogonal to every squared column and two-factor interaction."""
    x = designs.nolh(designs.NOLH_SIZES[runs], points=runs) - 0.5
    k = x.shape[1]
    second_order = [x[:, i] * x[:, j] for i in range(k) for j in range(i, k)]
    for column in x.T:
        for term in second_order:
            assert abs(float(np.dot(column, term - term.mean()))) < 1e-9


def test_nolh_space_filling_matches_published_17_run_design() -> None:
    """Our 17-run NOLH spreads its points as well as the SEED Center's (same phi_p, same minimum distance)."""
    ours = designs.nolh(7)
    published = np.array(SEED_NOLH17, dtype=float)
    assert designs.space_filling(ours) == pytest.approx(designs.space_filling(published), rel=1e-9)
    assert designs.max_abs_correlation(published) < 0.03


def test_nolh_picks_smallest_size() -> None:
    """Eight factors need the 33-run NOLH."""
    assert designs.nolh(8).shape == (33, 8)


def test_nolh_rejects_too_many_factors() -> None:
    """More than 22 factors has no NOLH here."""
    with pytest.raises(ValueError, match="at most 22"):
        designs.nolh(23)


def test_search_finds_base_within_limits() -> None:
    """The base search returns a permutation whose design meets the correlation limit."""
    base = designs.search_nolh_base(4, rng=np.random.default_rng(1), iterations=300)
    assert base is not None
    assert sorted(base) == list(range(1, 9))
    assert designs.max_abs_correlation(designs.nolh_matrix(4, base)) < 0.03


def test_latin_hypercube_is_latin_per_stratum() -> None:
    """A Latin hypercube sample puts one point in each of n equal strata of every column."""
    sample = designs.latin_hypercube(20, 3, rng=np.random.default_rng(5))
    for column in sample.T:
        assert sorted(np.floor(column * 20).astype(int).tolist()) == list(range(20))


def test_latin_hypercube_same_rng_same_design() -> None:
    """The rng passed in decides the sample: the same seed gives the same design."""
    a = designs.latin_hypercube(10, 2, rng=np.random.default_rng(3))
    b = designs.latin_hypercube(10, 2, rng=np.random.default_rng(3))
    assert np.array_equal(a, b)


def test_sobol_shape_and_range() -> None:
    """A scrambled Sobol' design of 16 points lies in the unit cube."""
    sample = designs.sobol_sequence(16, 3, rng=np.random.default_rng(0))
    assert sample.shape == (16, 3)
    assert ((sample >= 0) & (sample < 1)).all()


def test_sobol_needs_power_of_two() -> None:
    """A Sobol' design of 10 points is refused (its balance needs a power of two)."""
    with pytest.raises(ValueError, match="power of two"):
        designs.sobol_sequence(10, 2, rng=np.random.default_rng(0))


def test_full_factorial_has_every_combination() -> None:
    """Levels 3 x 2 give 6 points, the first column varying slowest."""
    grid = designs.full_factorial([3, 2])
    assert grid.tolist() == [[0, 0], [0, 1], [0.5, 0], [0.5, 1], [1, 0], [1, 1]]


def test_scaling_continuous_range() -> None:
    """A continuous factor maps 0, 0.5 and 1 to low, middle and high."""
    factor = designs.FactorRange("x", low=10.0, high=20.0)
    assert [factor.value(u) for u in (0.0, 0.5, 1.0)] == [10.0, 15.0, 20.0]


def test_scaling_integer_factor_uses_every_value_equally() -> None:
    """An integer factor 1..4 on a 17-run NOLH column takes each whole number 4 or 5 times, nothing else."""
    factor = designs.FactorRange("n", low=1, high=4, integer=True)
    values = [r[0] for r in designs.scale_design(designs.nolh(1), [factor])]
    counts = {v: values.count(v) for v in set(values)}
    assert set(counts) == {1, 2, 3, 4}
    assert all(isinstance(v, int) for v in values)
    assert sorted(counts.values()) == [4, 4, 4, 5]


def test_scaling_categorical_values() -> None:
    """A list of values is split into equal bins: 0 -> first, 1 -> last."""
    factor = designs.FactorRange("light", choices=("day", "twilight", "night"))
    assert [factor.value(u) for u in (0.0, 0.4, 0.99, 1.0)] == ["day", "twilight", "night", "night"]


def test_full_factorial_visits_each_choice_once() -> None:
    """A full factorial with k levels for a k-value list factor visits each value exactly once."""
    factor = designs.FactorRange("w", choices=("clear", "rain", "fog", "dust"))
    values = [r[0] for r in designs.scale_design(designs.full_factorial([4]), [factor])]
    assert values == ["clear", "rain", "fog", "dust"]
