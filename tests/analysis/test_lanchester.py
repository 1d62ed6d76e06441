import math

import numpy as np
import pytest

from drillsim.analysis.lanchester import (
    LINEAR_LAW,
    LOGARITHMIC_LAW,
    MIXED_LAW,
    SQUARE_LAW,
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
from drillsim.core.errors import InputError

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
