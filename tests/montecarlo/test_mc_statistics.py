"""The interval and sequential-test maths on synthetic data with known answers."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binom

from drillsim.experiments.assertions import mean_test, parse_condition, sprt, sprt_levels
from drillsim.experiments.compare import paired_ratio_interval, welch_interval
from drillsim.experiments.montecarlo import quantile_interval, summarize, t_interval, wilson_interval


def test_t_interval_covers_the_mean_of_normal_samples_95_percent_of_the_time() -> None:
    """Over 4,000 normal samples of 10, the 95 % t interval covers the true mean 95 % +- 4 standard errors."""
    rng = np.random.default_rng(1927)
    trials = 4000
    samples = rng.normal(3.0, 2.0, size=(trials, 10))
    covered = 0
    for row in samples:
        low, high = t_interval(row, 0.95)
        covered += low <= 3.0 <= high
    se = math.sqrt(0.95 * 0.05 / trials)
    assert abs(covered / trials - 0.95) < 4 * se


def test_wilson_interval_exact_coverage_is_close_to_nominal() -> None:
    """Exact coverage of the 95 % Wilson interval (n = 100) stays in 0.92-0.98 and averages 0.95."""
    n = 100
    grid = np.linspace(0.05, 0.95, 19)
    coverage = []
    for p in grid:
        pmf = binom.pmf(np.arange(n + 1), n, p)
        inside = [low <= p <= high for low, high in (wilson_interval(k, n, 0.95) for k in range(n + 1))]
        coverage.append(float(pmf[np.array(inside)].sum()))
    assert min(coverage) > 0.92
    assert max(coverage) < 0.98
    assert abs(float(np.mean(coverage)) - 0.95) < 0.01


def test_wilson_interval_stays_inside_zero_one_at_the_extremes() -> None:
    """With no successes the Wilson interval starts at 0 and still has width (unlike the Wald interval)."""
    low, high = wilson_interval(0, 50, 0.95)
    assert low == 0.0
    assert 0.05 < high < 0.1


def test_quantile_interval_covers_the_true_percentile_of_skewed_samples() -> None:
    """Over 2,000 exponential samples of 100 and of 500, the 95 % order-statistic intervals of the 5th and
    95th percentiles cover the true percentiles at least 95 % of the time, less 4 standard errors of the
    estimated coverage, and not always: their exact coverage is 0.983 at 100 values (P(1 <= B <= 10), B
    binomial(100, 0.05)) and about 0.96 at 500, so above 0.995 they would be wider than the method gives.
    """
    rng = np.random.default_rng(1999)
    trials = 2000
    se = math.sqrt(0.95 * 0.05 / trials)
    for n in (100, 500):
        samples = rng.exponential(2.0, size=(trials, n))
        for q in (0.05, 0.95):
            truth = -2.0 * math.log(1.0 - q)
            bounds = np.array([quantile_interval(row, q) for row in samples])
            covered = float(np.mean((bounds[:, 0] <= truth) & (truth <= bounds[:, 1])))
            assert 0.95 - 4 * se <= covered <= 0.995, (n, q, covered)
            assert np.all(np.isfinite(bounds))


def test_quantile_interval_is_open_where_too_few_values_place_the_percentile() -> None:
    """With 20 values the 5th percentile may lie below all of them (0.95^20 = 36 % of the time), so the
    interval has no lower bound; from 72 values (0.95^72 < 2.5 %) it has one; NaN values are left out."""
    low, high = quantile_interval(np.arange(1.0, 21.0), 0.05)
    assert low == -math.inf
    assert high == 4.0
    assert quantile_interval(np.arange(1.0, 73.0), 0.05)[0] == 1.0
    assert quantile_interval(np.r_[np.arange(1.0, 101.0), math.nan], 0.05) == (1.0, 11.0)


def test_summarize_ignores_missing_values_and_counts_them() -> None:
    """NaN (the event never happened) is left out of the statistics but shows in n versus of."""
    stats = summarize([1.0, 2.0, 3.0, math.nan], confidence=0.9)
    assert (stats.n, stats.of) == (3, 4)
    assert stats.mean == 2.0
    assert stats.method == "t"


def test_summarize_uses_wilson_for_objective_measures() -> None:
    """An objective-achieved measure is summarised as a proportion with a Wilson interval."""
    stats = summarize([1.0, 0.0, 1.0, 1.0], kind="objective-achieved")
    assert stats.binary
    assert stats.method == "wilson"
    assert (stats.ci_low, stats.ci_high) == wilson_interval(3, 4, 0.95)


def test_sprt_wrongly_accepts_at_most_alpha_at_the_rejection_level() -> None:
    """At p = p_reject, Wald's SPRT accepts in at most alpha/(1-beta) + 3 standard errors of the runs."""
    rng = np.random.default_rng(1945)
    p_accept, p_reject = sprt_levels(0.9, 0.05, at_least=True)
    trials = 2000
    draws = rng.random((trials, 2000)) < p_reject
    accepted = sum(
        sprt(row, p_accept=p_accept, p_reject=p_reject, alpha=0.05, beta=0.05).verdict == "accepted"
        for row in draws
    )
    bound = 0.05 / 0.95 + 3 * math.sqrt(0.05 * 0.95 / trials)
    assert accepted / trials <= bound


def test_sprt_accepts_a_clearly_true_claim_quickly() -> None:
    """Every observation a success: the claim p >= 0.9 is accepted after a few dozen observations."""
    decision = sprt(np.ones(500, dtype=bool), p_accept=0.95, p_reject=0.85, alpha=0.05, beta=0.05)
    assert decision.verdict == "accepted"
    assert decision.n < 60


def test_sprt_levels_stay_inside_zero_one() -> None:
    """Near 1 the indifference region is shrunk so both hypotheses stay strictly inside (0, 1)."""
    p_accept, p_reject = sprt_levels(0.99, 0.05, at_least=True)
    assert 0.99 < p_accept < 1.0
    assert 0.0 < p_reject < 0.99


def test_mean_test_rejects_a_false_upper_bound() -> None:
    """Values with mean 1 (sd 0.5) reject "mean <= 0.8" at the first look with enough data."""
    values = np.random.default_rng(7).normal(1.0, 0.5, 400)
    decision = mean_test(values, [100, 200, 300, 400], bound=0.8, at_least=False, alpha=0.05, max_looks=4)
    assert decision.verdict == "rejected"
    assert decision.n == 100


def test_condition_never_counts_as_infinitely_late_for_event_times() -> None:
    """For event-time measures a missing value (never happened) fails "<= 2 h" and satisfies "> 2 h"."""
    values = np.array([600.0, math.nan])
    assert parse_condition("<= 2 h").holds(values, never_is_infinite=True).tolist() == [True, False]
    assert parse_condition("> 2h").holds(values, never_is_infinite=True).tolist() == [False, True]
    assert parse_condition("> 2h").holds(values, never_is_infinite=False).tolist() == [False, False]


def test_paired_ratio_interval_matches_the_matched_pairs_risk_ratio_interval() -> None:
    """30 vs 20 successes in 100 pairs (n11 = 20, n10 = 10, n01 = 0): +50 %, log-scale variance 10/(30*20)."""
    from scipy.stats import norm

    base = np.zeros(100)
    base[:20] = 1
    variant = np.zeros(100)
    variant[:30] = 1
    rel, low, high = paired_ratio_interval(variant, base)
    half = norm.ppf(0.975) * math.sqrt(10 / (30 * 20))
    assert math.isclose(rel, 0.5)
    assert math.isclose(low, 1.5 * math.exp(-half) - 1)
    assert math.isclose(high, 1.5 * math.exp(half) - 1)


def test_welch_interval_matches_a_direct_computation() -> None:
    """Welch's interval equals mean difference +- t(df) * sqrt(va/na + vb/nb)."""
    from scipy.stats import t as student_t

    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([2.0, 2.5, 3.5, 5.0, 6.0])
    va, vb = a.var(ddof=1) / 4, b.var(ddof=1) / 5
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 4)
    half = student_t.ppf(0.975, df) * math.sqrt(va + vb)
    low, high = welch_interval(a, b)
    assert math.isclose(high - low, 2 * half)
