"""Shapley (LMG) shares of R^2 and the quantities measures are shown in."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from drillsim.study.attribution import shapley_r2
from drillsim.study.quantities import describe_values, format_duration, is_constant, measure_quantity


def _orthogonal(n: int, k: int, seed: int) -> np.ndarray:
    """k centred, mutually orthogonal columns of unit variance."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(n, k + 1)))
    cols = q[:, 1:]  # orthogonal to the first column, itself not constant
    cols = cols - cols.mean(axis=0)
    q2, _ = np.linalg.qr(cols)
    return q2 / q2.std(axis=0)


def test_independent_links_get_their_variance_fractions() -> None:
    """y = a + b with var(a) = 1, var(b) = 4, uncorrelated: the shares are 0.2 and 0.8 and R^2 is 1."""
    z = _orthogonal(200, 2, 1)
    a, b = z[:, 0], 2.0 * z[:, 1]
    shares, r2 = shapley_r2(np.column_stack([a, b]), a + b)
    assert np.allclose(shares, [0.2, 0.8], atol=1e-9)
    assert math.isclose(r2, 1.0, abs_tol=1e-9)


def test_unexplained_noise_lowers_every_share() -> None:
    """y = a + b + e with var(e) = 5 orthogonal to both: shares 0.1 and 0.4, summing to R^2 = 0.5."""
    z = _orthogonal(300, 3, 2)
    a, b, e = z[:, 0], 2.0 * z[:, 1], math.sqrt(5.0) * z[:, 2]
    shares, r2 = shapley_r2(np.column_stack([a, b]), a + b + e)
    assert np.allclose(shares, [0.1, 0.4], atol=1e-9)
    assert math.isclose(r2, 0.5, abs_tol=1e-9)


def test_collinear_links_share_equally() -> None:
    """Two links that are the same quantity (one in other units) split its share in half."""
    z = _orthogonal(100, 2, 3)
    a, e = z[:, 0], z[:, 1]
    shares, r2 = shapley_r2(np.column_stack([a, 60.0 * a]), a + e)
    assert math.isclose(r2, 0.5, abs_tol=1e-9)
    assert np.allclose(shares, [0.25, 0.25], atol=1e-9)


def test_a_constant_link_gets_no_share() -> None:
    """A link with the same value in every replication (up to rounding) gets a share of exactly 0."""
    z = _orthogonal(50, 1, 4)
    flat = np.full(50, 71984.23104878)
    shares, r2 = shapley_r2(np.column_stack([z[:, 0], flat]), z[:, 0])
    assert shares[1] == 0.0
    assert math.isclose(shares[0], r2, abs_tol=1e-12)


def test_a_constant_measure_explains_nothing() -> None:
    """A measure stored as 71984.23104878 in every replication (rounding noise only) gets R^2 0, no shares."""
    x = np.random.default_rng(5).normal(size=(20, 3))
    shares, r2 = shapley_r2(x, np.full(20, 71984.23104878))
    assert r2 == 0.0
    assert not shares.any()


@given(
    st.integers(min_value=1, max_value=4).flatmap(
        lambda k: st.tuples(
            arrays(np.float64, (12, k), elements=st.floats(-1e3, 1e3, allow_subnormal=False)),
            arrays(np.float64, 12, elements=st.floats(-1e3, 1e3, allow_subnormal=False)),
        )
    )
)
def test_shares_lie_in_0_1_and_sum_to_r2(data: tuple[np.ndarray, np.ndarray]) -> None:
    """For any data every share is in [0, 1] and the shares add up to R^2 of the full regression."""
    x, y = data
    shares, r2 = shapley_r2(x, y)
    assert 0.0 <= r2 <= 1.0
    assert np.all((shares >= 0.0) & (shares <= 1.0))
    assert math.isclose(float(shares.sum()), r2, abs_tol=1e-9)
    xc = x - x.mean(axis=0)
    assume(not is_constant(y) and np.all(xc.std(axis=0) > 1e-6 * (1.0 + np.abs(x).max())))
    assume(np.linalg.cond(xc / xc.std(axis=0)) < 1e6)
    design = np.column_stack([np.ones(len(y)), x])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    direct = 1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
    assert math.isclose(r2, direct, abs_tol=1e-6)


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        ("time-to-locate", [35220.0, 36000.0], "time"),
        ("kill-chain-time", [200.0, 250.0], "time"),
        ("objective-achieved", [1.0, 0.0], "probability"),
        ("losses", [3.0, 4.0], "count"),
        (None, [0.0, 1.0, 1.0], "probability"),
        (None, [3.0, 7.0], "count"),
        (None, [0.5, 2.25], "value"),
    ],
)
def test_measure_quantity_from_kind_or_values(kind: str | None, values: list[float], expected: str) -> None:
    """A measure's quantity comes from its kind, or from its values when the kind is unknown."""
    assert measure_quantity(kind, values) == expected


def test_times_are_shown_in_minutes_or_hours() -> None:
    """35220 s reads 9.78 h, 600 s 10.0 min: never raw seconds with an exponent."""
    assert format_duration(35220.0) == "9.78 h"
    assert format_duration(600.0) == "10.0 min"
    text = describe_values("time", [35220.0, 36000.0, 34000.0, math.nan])
    assert "h" in text
    assert "e+" not in text
    assert "happened in 3 of 4" in text
