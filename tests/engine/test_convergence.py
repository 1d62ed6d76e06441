"""Time-step convergence, and deterministic attrition against Lanchester's square law.

Both scenarios are synthetic (see ``synthetic_scenarios.py``) so that the continuous-time answer is known:

- a target drives away from an observation post, so its detection hazard falls during every step and the
  fixed step matters twice (the hazard is read at the end of the step, and detections are stamped at the
  end of the step); the continuous-time mean time to first detection is an integral of the hazard;
- two immobile forces exchange aimed fire with certain detection; the engine's expected attrition is
  then exactly the square law, integrated by the explicit Euler method.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import integrate, stats

from drillsim.engine import Simulation, run
from drillsim.scenario import Scenario
from drillsim.validation.lanchester import square_law_trajectory
from synthetic_scenarios import approach_scenario, at, lanchester_scenario, write_scenario

ALPHA = 0.001
STEPS = (120.0, 60.0, 30.0, 15.0)
Z = float(stats.norm.ppf(1 - ALPHA / (2 * len(STEPS))))
"""Two-sided normal quantile at ALPHA, Bonferroni-corrected over the four step sizes (3.48)."""
REPLICATIONS = 20_000
DURATION_S = 1200.0
SPEED_MPS = 5.0


def _receding(dt_s: float) -> dict[str, Any]:
    """The walker starts 500 m from the post and drives straight away from it to 6 km, at 5 m/s."""
    data = approach_scenario(dt_s=dt_s, duration_s=DURATION_S)
    data["units"]["red/walker"]["at"] = at(0, -2000)
    data["plan"]["phases"]["go"]["tasks"][0]["to"] = at(0, 3500)
    return data


class _Hazard:
    """The detection hazard along the walker's path, from the compiled scenario's own geometry."""

    def __init__(self, scenario: Scenario) -> None:
        sim = Simulation(scenario, rng=0)
        f = sim.world.forces
        self.post = np.array([f.x0[0], f.y0[0]])
        self.start = np.array([f.x0[1], f.y0[1]])
        end = sim.world.plan.tasks[0].waypoints[0, -1]
        self.length = float(np.hypot(*(end - self.start)))
        self.unit = (end - self.start) / self.length

    def rate(self, t: np.ndarray | float) -> np.ndarray:
        """lambda(t) = 0.01/s * exp(-(r/2000 m)^2) within 6 km (signature, posture, light, training all 1)."""
        s = np.minimum(SPEED_MPS * np.asarray(t, dtype=np.float64), self.length)
        pos = self.start[:, None] + self.unit[:, None] * np.atleast_1d(s)[None, :]
        r = np.hypot(pos[0] - self.post[0], pos[1] - self.post[1])
        return np.where(r <= 6000.0, 0.01 * np.exp(-((r / 2000.0) ** 2)), 0.0)

    def continuous_mean(self) -> float:
        """E[T | T <= duration] for the continuous-time hazard (trapezoid rule on a 5 ms grid)."""
        ts = np.linspace(0.0, DURATION_S, 240_001)
        surv = np.exp(-integrate.cumulative_trapezoid(self.rate(ts), ts, initial=0.0))
        # E[T; T <= D] is the integral of S(t) - S(D) over [0, D].
        return float(integrate.trapezoid(surv - surv[-1], ts) / (1.0 - surv[-1]))

    def discrete_mean(self, dt_s: float) -> float:
        """E[T | detected] of the engine's scheme: hazard read at the end of each step, stamped at its end."""
        t = np.arange(1, round(DURATION_S / dt_s) + 1) * dt_s
        stay = np.exp(-self.rate(t) * dt_s)
        survive = np.concatenate([[1.0], np.cumprod(stay)])
        first = survive[:-1] * (1.0 - stay)
        return float((t * first).sum() / first.sum())


@pytest.fixture(scope="module")
def detection_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[float, tuple[float, float]]:
    """Mean and standard error of the time to first detection at each step size (20,000 replications)."""
    folder = tmp_path_factory.mktemp("receding")
    out: dict[float, tuple[float, float]] = {}
    for dt in STEPS:
        scenario = write_scenario(_receding(dt), folder, f"receding-{dt:g}.yaml")
        values = run(scenario, rng=3, replications=REPLICATIONS).measures["first-detection"]
        found = values[np.isfinite(values)]
        out[dt] = (float(found.mean()), float(found.std(ddof=1) / math.sqrt(len(found))))
    return out


@pytest.fixture(scope="module")
def hazard(tmp_path_factory: pytest.TempPathFactory) -> _Hazard:
    return _Hazard(write_scenario(_receding(10.0), tmp_path_factory.mktemp("hazard")))


def test_detection_time_matches_the_discrete_hazard_scheme(
    detection_runs: dict[float, tuple[float, float]], hazard: _Hazard
) -> None:
    """At every step size the engine's mean equals the exact expectation of its per-step hazard scheme."""
    for dt, (mean, se) in detection_runs.items():
        assert abs(mean - hazard.discrete_mean(dt)) < Z * se, dt


def test_detection_time_converges_as_the_step_halves(
    detection_runs: dict[float, tuple[float, float]], hazard: _Hazard
) -> None:
    """Differences between successive halvings of dt shrink, and so does the error against continuous time.

    Expected differences are about 40, 18 and 8 s; the standard error of a difference of differences is
    about 2 s, so the shrinking is at least 5 standard errors clear of noise.
    """
    means = [detection_runs[dt][0] for dt in STEPS]
    diffs = [abs(a - b) for a, b in itertools.pairwise(means)]
    assert diffs[0] > diffs[1] > diffs[2]
    exact = hazard.continuous_mean()
    errors = [abs(m - exact) for m in means]
    assert errors[0] > errors[1] > errors[2] > errors[3]


def test_discrete_hazard_scheme_is_first_order(hazard: _Hazard) -> None:
    """The scheme's error against continuous time roughly halves with each halving of dt (first order)."""
    exact = hazard.continuous_mean()
    errors = [hazard.discrete_mean(dt) - exact for dt in (60.0, 30.0, 15.0, 7.5, 3.75)]
    ratios = [b / a for a, b in itertools.pairwise(errors)]
    assert all(0.4 < q < 0.6 for q in ratios)


# --- Lanchester square law ---------------------------------------------------------------------------------

BLUE0, RED0 = 100.0, 80.0
A = 0.1 * 0.010
"""Blue's losses per second per red fighter: 6 engagements/min * p_kill 0.010."""
B = 0.1 * 0.008
"""Red's losses per second per blue fighter: 6 engagements/min * p_kill 0.008."""
COMPARE_UNTIL_S = 1500.0
"""Red is down to about 4 of 80 by then; later, destruction below half a person ends the exact match."""


def _euler_bound(t: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Bound on |Euler - exact| for the square law, mode by mode.

    The system has modes exp(+g t) and exp(-g t), g = sqrt(a b); Euler multiplies them by (1 + g dt) and
    (1 - g dt) each step. From x - x^2/2 <= ln(1 + x) <= x and ln(1 - x) >= -x - x^2 / (2 (1 - x)):
    |exp(g t) - (1 + g dt)^n| <= exp(g t) h and |exp(-g t) - (1 - g dt)^n| <= exp(-g t) h / (1 - g dt),
    with h = g^2 t dt / 2. Blue's coefficients are (b0 - k r0)/2 and (b0 + k r0)/2 with k = sqrt(a/b);
    red's are (r0 - b0/k)/2 and (r0 + b0/k)/2.
    """
    g = math.sqrt(A * B)
    k = math.sqrt(A / B)
    h = g * g * t * dt / 2.0
    grow, decay = np.exp(g * t) * h, np.exp(-g * t) * h / (1.0 - g * dt)
    blue = abs(BLUE0 - k * RED0) / 2 * grow + (BLUE0 + k * RED0) / 2 * decay
    red = abs(RED0 - BLUE0 / k) / 2 * grow + (RED0 + BLUE0 / k) / 2 * decay
    return blue, red


def _trajectory(scenario: Scenario, *, until_s: float, rng: int = 0, reps: int = 1, stochastic: bool) -> Any:
    sim = Simulation(scenario, rng=rng, replications=reps, stochastic=stochastic)
    times, blue, red = [0.0], [sim.state.strength[:, 0].copy()], [sim.state.strength[:, 1].copy()]
    while sim.time_s < until_s - 1e-9:
        sim.step()
        times.append(sim.time_s)
        blue.append(sim.state.strength[:, 0].copy())
        red.append(sim.state.strength[:, 1].copy())
    return np.array(times), np.array(blue), np.array(red)


@pytest.mark.parametrize("dt", [20.0, 10.0, 5.0])
def test_deterministic_attrition_follows_the_square_law(
    make_scenario: Callable[[dict[str, Any]], Scenario], dt: float
) -> None:
    """With stochastic=False the strengths stay within the Euler error bound of the closed-form square law."""
    scenario = make_scenario(lanchester_scenario(blue=100, red=80, blue_pk=0.008, red_pk=0.010, dt_s=dt))
    times, blue, red = _trajectory(scenario, until_s=COMPARE_UNTIL_S, stochastic=False)
    exact = square_law_trajectory(x0=BLUE0, y0=RED0, a=A, b=B, times=times)
    bound_blue, bound_red = _euler_bound(times, dt)
    assert (np.abs(blue[:, 0] - exact.x) <= bound_blue + 1e-9).all()
    assert (np.abs(red[:, 0] - exact.y) <= bound_red + 1e-9).all()


def test_deterministic_attrition_error_halves_with_the_step(
    make_scenario: Callable[[dict[str, Any]], Scenario],
) -> None:
    """The largest deviation from the square law halves (within 10 %) each time dt halves."""
    worst = []
    for dt in (20.0, 10.0, 5.0):
        scenario = make_scenario(lanchester_scenario(dt_s=dt))
        times, blue, _ = _trajectory(scenario, until_s=COMPARE_UNTIL_S, stochastic=False)
        exact = square_law_trajectory(x0=BLUE0, y0=RED0, a=A, b=B, times=times)
        worst.append(float(np.abs(blue[:, 0] - exact.x).max()))
    assert worst[1] / worst[0] == pytest.approx(0.5, rel=0.1)
    assert worst[2] / worst[1] == pytest.approx(0.5, rel=0.1)


def test_stochastic_mean_lies_within_its_confidence_interval_of_the_square_law(
    make_scenario: Callable[[dict[str, Any]], Scenario],
) -> None:
    """At 5 and 10 minutes the mean of 1,000 stochastic runs lies within its CI of the square law.

    Per comparison: |mean - exact| < z SE + Euler bound + binomial bias, where z is the two-sided normal
    quantile for alpha = 0.001 Bonferroni-corrected over the four comparisons, and the binomial bias is
    the sum over steps of E/(2 n) * E (the engine draws Binomial(n, 1 - exp(-E/n)) whose mean is below E by
    at most E^2 / (2 n)); it is under 0.1 person here.
    """
    dt = 10.0
    scenario = make_scenario(lanchester_scenario(dt_s=dt))
    times, blue, red = _trajectory(scenario, until_s=600.0, rng=7, reps=1000, stochastic=True)
    z = float(stats.norm.ppf(1 - ALPHA / 8))
    bound_blue, bound_red = _euler_bound(times, dt)
    exact = square_law_trajectory(x0=BLUE0, y0=RED0, a=A, b=B, times=times)
    for t_check in (300.0, 600.0):
        i = int(np.flatnonzero(times == t_check)[0])
        for draws, expected, euler, rate_on in (
            (blue[i], exact.x[i], bound_blue[i], A * RED0),
            (red[i], exact.y[i], bound_red[i], B * BLUE0),
        ):
            step_loss = rate_on * dt
            bias = (t_check / dt) * step_loss**2 / (2 * expected)
            se = draws.std(ddof=1) / math.sqrt(len(draws))
            assert abs(draws.mean() - expected) < z * se + euler + bias


def test_the_last_step_is_cut_short_at_the_duration(tmp_path: Path) -> None:
    """With a duration that is no whole number of steps, the run ends exactly at it and no event is later."""
    from drillsim.engine import EventLog, Simulation
    from drillsim.scenario import load_scenario

    example = Path(__file__).resolve().parents[2] / "examples" / "crossing-defence.yaml"
    text = example.read_text(encoding="utf-8").replace("duration_s: 7200", "duration_s: 7205", 1)
    assert "duration_s: 7205" in text
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    sim = Simulation(load_scenario(path), rng=2, replications=2, recorder=EventLog())
    outcomes = sim.run()
    assert sim.time_s == 7205.0
    assert outcomes.events is not None
    assert max(outcomes.events["time_s"].to_pylist()) <= 7205.0
