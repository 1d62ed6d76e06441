import math

import numpy as np
import pytest

from drillsim.core.errors import InputError
from drillsim.validation.lanchester import (
    LINEAR_LAW,
    LOGARITHMIC_LAW,
    MIXED_LAW,
    SQUARE_LAW,
    Arrival,
    AttritionLaw,
    ReinforcementSchedule,
    fit_attrition,
    helmbold_ratio,
    integrate_attrition,
    iterate_attrition,
    linear_law_trajectory,
    logarithmic_law_trajectory,
    square_law_invariant,
    square_law_outcome,
    square_law_trajectory,
)

TIMES = np.linspace(0.0, 60.0, 61)


def test_square_law_closed_form_matches_numerical_integration():
    """The cosh/sinh square-law solution agrees with solve_ivp to a relative 1e-6, through annihilation."""
    closed = square_law_trajectory(x0=1000.0, y0=800.0, a=0.01, b=0.02, times=TIMES)
    numeric = integrate_attrition(SQUARE_LAW, x0=1000.0, y0=800.0, a=0.01, b=0.02, times=TIMES)
    assert np.allclose(numeric.x, closed.x, rtol=1e-6, atol=1e-3)
    assert np.allclose(numeric.y, closed.y, rtol=1e-6, atol=1e-3)


def test_square_law_invariant_is_conserved():
    """b*X^2 - a*Y^2 stays at its initial value along an integrated square-law battle."""
    a, b = 0.013, 0.021
    path = integrate_attrition(SQUARE_LAW, x0=900.0, y0=1000.0, a=a, b=b, times=np.linspace(0.0, 30.0, 31))
    invariant = square_law_invariant(path.x, path.y, a=a, b=b)
    initial = b * 900.0**2 - a * 1000.0**2
    assert np.allclose(invariant, initial, rtol=1e-6)


def test_square_law_outcome_follows_the_state_equation():
    """The winner's survivors satisfy x_end^2 = x0^2 - (a/b) y0^2 and the battle ends when Y reaches zero."""
    outcome = square_law_outcome(x0=1000.0, y0=800.0, a=0.01, b=0.02)
    assert outcome.winner == "x"
    assert math.isclose(outcome.survivors**2, 1000.0**2 - 0.5 * 800.0**2, rel_tol=1e-12)
    at_end = square_law_trajectory(x0=1000.0, y0=800.0, a=0.01, b=0.02, times=[outcome.duration * (1 - 1e-9)])
    assert at_end.y[0] < 1e-3


def test_linear_law_closed_form_matches_numerical_integration():
    """The logistic-type linear-law solution agrees with numerical integration."""
    closed = linear_law_trajectory(x0=500.0, y0=400.0, a=2e-4, b=3e-4, times=TIMES)
    numeric = integrate_attrition(LINEAR_LAW, x0=500.0, y0=400.0, a=2e-4, b=3e-4, times=TIMES)
    assert np.allclose(numeric.x, closed.x, rtol=1e-6)
    assert np.allclose(numeric.y, closed.y, rtol=1e-6)


def test_logarithmic_law_closed_form_matches_numerical_integration():
    """Exponential decay of each side matches numerical integration of the logarithmic law."""
    closed = logarithmic_law_trajectory(x0=500.0, y0=400.0, a=0.02, b=0.03, times=TIMES)
    numeric = integrate_attrition(LOGARITHMIC_LAW, x0=500.0, y0=400.0, a=0.02, b=0.03, times=TIMES)
    assert np.allclose(numeric.x, closed.x, rtol=1e-6)
    assert np.allclose(numeric.y, closed.y, rtol=1e-6)


def test_mixed_law_conserves_its_parabolic_invariant():
    """In the ambush law a*Y^2/2 - b*X is constant (dY/dX = b/(a Y))."""
    a, b = 1e-4, 0.05
    path = integrate_attrition(MIXED_LAW, x0=300.0, y0=500.0, a=a, b=b, times=np.linspace(0.0, 5.0, 11))
    invariant = 0.5 * a * path.y**2 - b * path.x
    assert np.allclose(invariant, invariant[0], rtol=1e-6, atol=1e-6)


def test_reinforcements_all_arrive_when_nobody_fires():
    """With zero coefficients a side ends with its initial strength plus every arrival, jumps included."""
    schedule = ReinforcementSchedule.from_days([1, 3, 6], [54000.0, 6000.0, 13000.0])
    path = integrate_attrition(
        SQUARE_LAW, x0=10.0, y0=5.0, a=0.0, b=0.0, times=[0.5, 2.0, 10.0], reinforcements_x=schedule
    )
    assert np.allclose(path.x, [10.0 + 27000.0, 10.0 + 54000.0, 10.0 + 73000.0])
    assert np.allclose(path.y, 5.0)


def test_daily_difference_equations_converge_to_the_ode_as_dt_shrinks():
    """Engel's daily stepping approaches the integrated solution, the error falling roughly with dt."""
    exact = integrate_attrition(SQUARE_LAW, x0=1000.0, y0=900.0, a=0.01, b=0.02, times=[20.0])
    errors = []
    for dt in (1.0, 0.1, 0.01):
        stepped = iterate_attrition(
            SQUARE_LAW, x0=1000.0, y0=900.0, a=0.01, b=0.02, periods=round(20 / dt), dt=dt
        )
        errors.append(abs(stepped.x[-1] - exact.x[0]))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.02 * errors[0]


def _synthetic_losses(law, a, b, rng, days=40):
    """Daily Poisson losses of a battle that follows ``law`` in expectation, with fresh troops each day."""
    x = np.empty(days)
    y = np.empty(days)
    lx = np.empty(days)
    ly = np.empty(days)
    x[0], y[0] = 40000.0, 30000.0
    for t in range(days):
        mean_x, mean_y = law.loss_rates(x[t : t + 1], y[t : t + 1], a=a, b=b)
        lx[t] = rng.poisson(mean_x[0])
        ly[t] = rng.poisson(mean_y[0])
        if t + 1 < days:
            x[t + 1] = x[t] - lx[t] + 800.0
            y[t + 1] = y[t] - ly[t] + 500.0
    return x, y, lx, ly


@pytest.mark.parametrize("method", ["least_squares", "poisson"])
def test_fit_recovers_known_coefficients_within_their_standard_errors(method):
    """Coefficients fitted to noisy synthetic losses lie within 4 reported standard errors of the truth."""
    rng = np.random.default_rng(20240611)
    a, b = 0.03, 0.05
    x, y, lx, ly = _synthetic_losses(SQUARE_LAW, a, b, rng)
    fit = fit_attrition(x, y, law=SQUARE_LAW, x_losses=lx, y_losses=ly, method=method)
    for name, truth in (("a", a), ("b", b)):
        est = fit.estimate(name)
        assert est.standard_error > 0
        assert abs(est.value - truth) < 4.0 * est.standard_error


def test_generalised_fit_recovers_exponents_within_their_standard_errors():
    """Free exponents (p, q) of the symmetric generalised law are recovered within 4 standard errors."""
    rng = np.random.default_rng(7)
    law = AttritionLaw.generalised(0.8, 0.3)
    x, y, lx, ly = _synthetic_losses(law, 0.05, 0.08, rng, days=60)
    fit = fit_attrition(
        x, y, law=SQUARE_LAW, x_losses=lx, y_losses=ly, method="poisson", free_exponents="shared"
    )
    for name, truth in (("p", 0.8), ("q", 0.3)):
        est = fit.estimate(name)
        assert abs(est.value - truth) < 4.0 * est.standard_error


def test_true_law_fits_better_than_a_wrong_one():
    """On data generated by the linear law, the linear law has lower SSE and AIC than the square law."""
    rng = np.random.default_rng(11)
    x, y, lx, ly = _synthetic_losses(LINEAR_LAW, 1e-7, 2e-7, rng)
    right = fit_attrition(x, y, law=LINEAR_LAW, x_losses=lx, y_losses=ly)
    wrong = fit_attrition(x, y, law=LOGARITHMIC_LAW, x_losses=lx, y_losses=ly)
    assert right.sse < wrong.sse
    assert right.aic < wrong.aic
    assert 0.0 < right.r_squared <= 1.0


def test_poisson_estimate_is_engels_ratio_for_a_fixed_law():
    """For fixed exponents the Poisson MLE of a equals sum(losses) / sum(enemy strength)."""
    x = np.array([100.0, 95.0, 91.0, 86.0])
    y = np.array([80.0, 74.0, 70.0, 65.0])
    lx = np.array([5.0, 4.0, 5.0, 3.0])
    ly = np.array([6.0, 4.0, 5.0, 4.0])
    fit = fit_attrition(x, y, law=SQUARE_LAW, x_losses=lx, y_losses=ly, method="poisson")
    assert math.isclose(fit.estimate("a").value, lx.sum() / y.sum(), rel_tol=1e-8)
    assert math.isclose(fit.estimate("b").value, ly.sum() / x.sum(), rel_tol=1e-8)


def test_helmbold_ratio_recovers_the_effectiveness_ratio_of_a_square_law_battle():
    """From a square-law battle's start and end strengths the ratio gives back b/a."""
    a, b = 0.01, 0.025
    path = square_law_trajectory(x0=np.float64(700.0), y0=900.0, a=a, b=b, times=[0.0, 12.0])
    ratio = helmbold_ratio(path.x[0], path.x[1], path.y[0], path.y[1])
    assert math.isclose(float(ratio), b / a, rel_tol=1e-9)


def test_negative_initial_strength_is_rejected():
    """A negative strength is a user error naming the field."""
    with pytest.raises(InputError, match="x0"):
        integrate_attrition(SQUARE_LAW, x0=-1.0, y0=10.0, a=0.1, b=0.1, times=[1.0])


class _EvaluationBudget:
    """Wraps scipy's ``solve_ivp`` so that a right-hand side evaluated more than ``limit`` times raises.

    A solver chattering across a discontinuity never returns; counting its evaluations turns that hang into
    a failure without signals or timeouts.
    """

    def __init__(self, solve_ivp, limit):
        self.solve_ivp = solve_ivp
        self.limit = limit
        self.calls = 0

    def __call__(self, fun, *args, **kwargs):
        def counted(t, s):
            self.calls += 1
            if self.calls > self.limit:
                raise RuntimeError(f"more than {self.limit} right-hand-side evaluations")
            return fun(t, s)

        return self.solve_ivp(counted, *args, **kwargs)


@pytest.fixture
def budget(monkeypatch):
    """At most 20,000 right-hand-side evaluations for every integration in the test."""
    from drillsim.validation import lanchester

    counter = _EvaluationBudget(lanchester.solve_ivp, 20_000)
    monkeypatch.setattr(lanchester, "solve_ivp", counter)
    return counter


IWO_LANDINGS = ReinforcementSchedule.from_days([1, 3, 6], [54000.0, 6000.0, 13000.0])


def test_overrun_side_is_held_at_zero_without_chattering(budget):
    """Landings slower than the enemy's fire stay at zero, the enemy loses nobody, and the solver finishes.

    Regression: with a = 3.27, b = 0.00028 (the step the Iwo Jima fit took from (0.056, 0.0096)) the side at
    zero switched between gaining and losing at every step and the integration never ended.
    """
    path = integrate_attrition(
        SQUARE_LAW,
        x0=0.0,
        y0=21500.0,
        a=3.27323,
        b=0.000278092,
        times=[0.5, 1.0, 36.0],
        reinforcements_x=IWO_LANDINGS,
    )
    assert np.all(path.x == 0.0)
    assert np.allclose(path.y, 21500.0)
    assert budget.calls < 2_000


def test_reinforcements_outrunning_the_fire_build_a_side_up_from_zero(budget):
    """A side at zero whose arrivals exceed the fire it draws grows at arrivals minus losses."""
    path = integrate_attrition(
        SQUARE_LAW,
        x0=0.0,
        y0=100.0,
        a=0.01,
        b=0.0,
        times=[1.0],
        reinforcements_x=ReinforcementSchedule.from_days([1], [5.0]),
    )
    assert path.x[-1] == pytest.approx(5.0 - 0.01 * 100.0, rel=1e-6)


def test_held_side_is_released_when_the_enemy_fire_drops(budget):
    """X, held at zero while Y's fire outruns its arrivals, builds up once Y has wasted away far enough."""
    # dX/dt = 2 - 0.5 Y while X > 0 (aimed fire on X); dY/dt = -0.1 Y (Y's losses proportional to itself).
    law = AttritionLaw("test", 1.0, 0.0, 0.0, 1.0)
    path = integrate_attrition(
        law,
        x0=0.0,
        y0=10.0,
        a=0.5,
        b=0.1,
        times=[5.0, 20.0],
        reinforcements_x=ReinforcementSchedule((Arrival(0.0, 20.0, 40.0),)),
    )
    release = math.log(10.0 / 4.0) / 0.1  # Y falls to 2 / 0.5 = 4 at t = 9.16
    assert path.x[0] == 0.0
    expected = 2.0 * (20.0 - release) - 0.5 * (4.0 / 0.1) * (1.0 - math.exp(-0.1 * (20.0 - release)))
    assert path.x[1] == pytest.approx(expected, rel=1e-5)


def test_iwo_jima_fit_from_the_reported_hanging_start_converges(budget):
    """fit_trajectory from (0.056, 0.0096), which used to hang, ends within 5 % of Engel's coefficients."""
    from drillsim.validation.history import load_iwo_jima
    from drillsim.validation.lanchester import fit_trajectory

    record = load_iwo_jima()
    fit = fit_trajectory(
        SQUARE_LAW,
        times=[float(record.days)],
        x_observed=[record.us_final],
        y_observed=[record.japanese_final],
        x0=0.0,
        y0=record.japanese_initial,
        initial_guess=(0.056, 0.0096),
        reinforcements_x=record.us_landings,
    )
    assert fit.estimate("a").value == pytest.approx(0.0544, rel=0.05)
    assert fit.estimate("b").value == pytest.approx(0.0106, rel=0.05)


def test_fit_trajectory_rejects_a_non_positive_initial_guess():
    """A zero or negative starting coefficient is an input error, not a NaN fit."""
    from drillsim.validation.lanchester import fit_trajectory

    with pytest.raises(InputError, match="initial guess"):
        fit_trajectory(
            SQUARE_LAW,
            times=[1.0, 2.0],
            x_observed=[90.0, 80.0],
            y_observed=[70.0, 60.0],
            x0=100.0,
            y0=80.0,
            initial_guess=(0.0, 0.01),
        )
