"""Every factor of the detection hazard, the position error and the reports (docs/mechanics/sensors.md)
moves the number, timing or precision of detections the documented way.

The scenario: a blue post watches ten red elements at one point. Blue's contact timeout is 1 s, shorter
than a step, so every detection starts a new episode and is logged (``ContactDetected``): the count per
replication is the number of detecting (pair, step) trials, Binomial with the per-step probability
``1 - exp(-Λ dt)`` of the documented hazard.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from effects_kit import Result, Runner, assert_paired_greater, at, base, eye, with_elevation

from drillsim.mechanics.sensing.model import (
    POSTURE_DETECTABILITY,
    detection_probability,
    detection_rate,
    light_factor,
    position_error_sd,
)

REPS = 60
UNTIL_S = 300.0


def watch(*, distance_m: float = 2000.0, rate: float = 0.02, **changes: Any) -> dict[str, Any]:
    """Blue's post (one eye: rate ``rate``, range scale 3 km, reach 6 km) and ten halted red elements
    ``distance_m`` north of it."""
    data = base(duration_s=3600.0, dt_s=10.0)
    data["sides"]["blue"]["contact_timeout_s"] = 1
    cat = data["catalogue"]
    cat["sensors"]["post-eye"] = eye(rate, range_scale_m=3000.0, max_range_m=6000.0)
    cat["unit_types"]["post"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 2,
        "sensors": [{"sensor": "post-eye", "count": changes.pop("sensor_count", 1)}],
    }
    cat["unit_types"]["target"] = {
        "category": "infantry",
        "echelon": "team",
        "personnel": 4,
        "signature": changes.pop("signature", 1.0),
    }
    data["units"] = {
        "blue/post": {"type": "post", "nation": "B", "at": at(0, 0)},
        "red/target": {
            "type": "target",
            "nation": "R",
            "at": at(0, distance_m),
            "count": 10,
            "posture": changes.pop("posture", "halted"),
        },
    }
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if section == "sensor":
            cat["sensors"]["post-eye"][field] = value
        elif section == "env":
            data["environment"][field] = value
        elif section == "blue_nation":
            data["nations"]["B"][field] = value
        elif section == "blue_side":
            data["sides"]["blue"][field] = value
        else:  # pragma: no cover - a typo in a test
            raise KeyError(key)
    return data


def detections(result: Result) -> np.ndarray:
    """Blue's detections of red per replication (every detection is a new episode here)."""
    return result.count("ContactDetected", side="blue")


def run_watch(runner: Runner, **kw: Any) -> Result:
    return runner.run(watch(**kw), reps=REPS, until_s=UNTIL_S)


def test_detections_fall_with_range(runner: Runner) -> None:
    """exp(-(r/r_m)²): targets at 3.5 km are detected less often than at 1.5 km."""
    near = detections(run_watch(runner, distance_m=1500.0))
    far = detections(run_watch(runner, distance_m=3500.0))
    assert_paired_greater(near, far)


def test_no_detection_beyond_the_sensor_reach(runner: Runner) -> None:
    """r ≤ R_m: a sensor whose max range is short of the targets detects nothing; with reach it does."""
    short = detections(run_watch(runner, sensor__max_range_m=1900.0))
    reach = detections(run_watch(runner, sensor__max_range_m=6000.0))
    assert short.sum() == 0
    assert_paired_greater(reach, short)


def test_no_detection_beyond_the_visibility(runner: Runner) -> None:
    """r ≤ V: with visibility short of the targets nothing is detected."""
    murk = detections(run_watch(runner, env__visibility_m=1900.0))
    clear = detections(run_watch(runner, env__visibility_m=20000.0))
    assert murk.sum() == 0
    assert_paired_greater(clear, murk)


def test_better_trained_observers_detect_more(runner: Runner) -> None:
    """(0.5 + 0.5 q): training 1.0 detects more than training 0.2."""
    trained = detections(run_watch(runner, blue_nation__training=1.0))
    raw = detections(run_watch(runner, blue_nation__training=0.2))
    assert_paired_greater(trained, raw)


def test_untrained_observers_still_detect_at_half_rate(runner: Runner) -> None:
    """(0.5 + 0.5 q) at q = 0 is one half: the same as a trained post with half the sensor rate."""
    untrained = detections(run_watch(runner, blue_nation__training=0.0, rate=0.04))
    half_rate = detections(run_watch(runner, blue_nation__training=1.0, rate=0.02))
    assert np.array_equal(untrained, half_rate)


POSTURE_ORDER = ["mounted", "moving", "halted", "hasty-defence", "prepared-defence", "hidden"]


def test_posture_order_of_detectability(runner: Runner) -> None:
    """p(posture): mounted > moving > halted > hasty > prepared > hidden, each step down detected less."""
    counts = [detections(run_watch(runner, posture=p, rate=0.04)) for p in POSTURE_ORDER]
    for more, fewer in itertools.pairwise(counts):
        assert_paired_greater(more, fewer)


@pytest.mark.parametrize(("brighter", "darker"), [("day", "twilight"), ("twilight", "night")])
def test_light_factor_orders_day_twilight_night(runner: Runner, brighter: str, darker: str) -> None:
    """L: 1 by day, (1 + night_factor)/2 at twilight, night_factor by night."""
    more = detections(run_watch(runner, env__light=brighter, sensor__night_factor=0.2))
    fewer = detections(run_watch(runner, env__light=darker, sensor__night_factor=0.2))
    assert_paired_greater(more, fewer)


def test_night_factor_one_removes_the_dark(runner: Runner) -> None:
    """L uses the sensor's night_factor: a sensor with night_factor 1 detects as well at night as by day."""
    night = detections(run_watch(runner, env__light="night", sensor__night_factor=1.0))
    day = detections(run_watch(runner, env__light="day", sensor__night_factor=1.0))
    assert np.array_equal(night, day)


def test_population_support_conceals_irregulars(runner: Runner) -> None:
    """κ = 1 - 0.5 level: full support of an irregular red side hides it from blue."""

    def concealed(level: float) -> np.ndarray:
        data = watch()
        data["sides"]["red"]["irregular"] = True
        data["environment"]["population"] = {"supports": "red", "level": level}
        return detections(runner.run(data, reps=REPS, until_s=UNTIL_S))

    assert_paired_greater(concealed(0.0), concealed(1.0))


def test_support_does_not_conceal_a_regular_side(runner: Runner) -> None:
    """κ = 1 unless the supported side is irregular."""

    def regular(level: float) -> np.ndarray:
        data = watch()
        data["environment"]["population"] = {"supports": "red", "level": level}
        return detections(runner.run(data, reps=REPS, until_s=UNTIL_S))

    assert np.array_equal(regular(0.0), regular(1.0))


def test_larger_signature_is_detected_more(runner: Runner) -> None:
    """s_j: a signature of 1 is detected more often than one of 0.3."""
    big = detections(run_watch(runner, signature=1.0))
    small = detections(run_watch(runner, signature=0.3))
    assert_paired_greater(big, small)


def test_higher_sensor_rate_detects_more(runner: Runner) -> None:
    """ρ_m: a sensor rate of 0.06/s detects more than 0.02/s."""
    assert_paired_greater(detections(run_watch(runner, rate=0.06)), detections(run_watch(runner, rate=0.02)))


def test_more_sensors_detect_more(runner: Runner) -> None:
    """n_m: three sensors on the post detect more than one."""
    three = detections(run_watch(runner, sensor_count=3))
    one = detections(run_watch(runner, sensor_count=1))
    assert_paired_greater(three, one)


def test_longer_range_scale_detects_more(runner: Runner) -> None:
    """r_m: a range scale of 6 km keeps more of the rate at 2 km than one of 2 km."""
    long = detections(run_watch(runner, sensor__range_scale_m=6000.0))
    short = detections(run_watch(runner, sensor__range_scale_m=2000.0))
    assert_paired_greater(long, short)


def _ridge(world: Any) -> Any:
    """A 300 m ridge along y = 1 km, between the post (y = 0) and the targets (y = 2 km)."""
    return with_elevation(world, lambda x, y: 300.0 * np.exp(-(((y - 1000.0) / 200.0) ** 2)))


def test_a_ridge_masks_sensors_that_need_line_of_sight(runner: Runner) -> None:
    """Line of sight: behind a ridge a sensor needing it detects nothing; on flat ground it does."""
    data = watch(sensor__needs_line_of_sight=True)
    masked = detections(runner.run(data, reps=REPS, until_s=UNTIL_S, world=_ridge))
    flat = detections(runner.run(data, reps=REPS, until_s=UNTIL_S))
    assert masked.sum() == 0
    assert_paired_greater(flat, masked)


def test_a_ridge_does_not_mask_sensors_that_need_no_line_of_sight(runner: Runner) -> None:
    """Line of sight gates only mounts with needs_line_of_sight: true."""
    data = watch(sensor__needs_line_of_sight=False)
    ridge = detections(runner.run(data, reps=REPS, until_s=UNTIL_S, world=_ridge))
    masked = detections(
        runner.run(watch(sensor__needs_line_of_sight=True), reps=REPS, until_s=UNTIL_S, world=_ridge)
    )
    assert_paired_greater(ridge, masked)


def _squared_errors(result: Result) -> np.ndarray:
    """Per replication: the mean squared distance of blue's believed positions from the true ones."""
    t = result.select("ContactDetected", side="blue")
    f = result.sim.world.forces
    idx = np.array([f.index(u) for u in t["other"].to_pylist()], dtype=np.int64)
    sq = (t["x_m"].to_numpy() - f.x0[idx]) ** 2 + (t["y_m"].to_numpy() - f.y0[idx]) ** 2
    rows = np.asarray(t["replication"].to_numpy(), dtype=np.int64)
    n = np.bincount(rows, minlength=result.reps)
    assert (n > 0).all()
    return np.bincount(rows, weights=sq, minlength=result.reps) / n


def test_position_error_grows_with_the_sensor_error(runner: Runner) -> None:
    """σ = e_m · max(0.25, r/r_m): a sensor error of 400 m scatters reports more than one of 50 m."""
    coarse = _squared_errors(run_watch(runner, sensor__position_error_m=400.0))
    fine = _squared_errors(run_watch(runner, sensor__position_error_m=50.0))
    assert_paired_greater(coarse, fine)


def test_position_error_grows_with_range(runner: Runner) -> None:
    """σ ∝ r/r_m beyond a quarter of the range scale: reports from 4 km scatter more than from 1.5 km."""
    far = _squared_errors(run_watch(runner, distance_m=4000.0, rate=0.05, sensor__position_error_m=100.0))
    near = _squared_errors(run_watch(runner, distance_m=1500.0, rate=0.05, sensor__position_error_m=100.0))
    assert_paired_greater(far, near)


def test_reported_error_is_the_scatter_of_the_reports(runner: Runner) -> None:
    """The σ a detection records is the spread of its believed positions: E[dx² + dy²] = 2σ²."""
    result = run_watch(runner, sensor__position_error_m=200.0)
    t = result.select("ContactDetected", side="blue")
    f = result.sim.world.forces
    idx = np.array([f.index(u) for u in t["other"].to_pylist()], dtype=np.int64)
    sd = t["value"].to_numpy()
    z2 = ((t["x_m"].to_numpy() - f.x0[idx]) ** 2 + (t["y_m"].to_numpy() - f.y0[idx]) ** 2) / sd**2
    # z2 is chi-square with 2 degrees of freedom (mean 2, variance 4) for each detection.
    assert abs(z2.mean() - 2.0) < 4.0 * 2.0 / np.sqrt(len(z2))


def test_comms_latency_delays_the_shared_picture(runner: Runner) -> None:
    """comms_latency_s: a report reaches the side's known picture that long after the detection. The
    contacts live an hour here: with the post's 1 s timeout a report 120 s old would come too late and be
    discarded (tests/mechanics/test_contact_motion.py)."""
    live = {"blue_side__contact_timeout_s": 3600.0, "rate": 0.1}
    slow = run_watch(runner, blue_side__comms_latency_s=120.0, **live)
    fast = run_watch(runner, blue_side__comms_latency_s=0.0, **live)
    lag_slow = slow.first("ContactReported", side="blue") - slow.first("ContactDetected", side="blue")
    lag_fast = fast.first("ContactReported", side="blue") - fast.first("ContactDetected", side="blue")
    assert np.allclose(lag_slow, 120.0)
    assert np.allclose(lag_fast, 0.0)


def test_informants_report_to_the_supported_side(runner: Runner) -> None:
    """Informants: the supported side detects each enemy at rate level · s_j / 3600 s."""

    def informed(level: float) -> np.ndarray:
        data = watch(sensor__max_range_m=100.0)  # the post's own eye never reaches the targets
        data["time"]["dt_s"] = 60.0
        data["environment"]["population"] = {"supports": "blue", "level": level}
        result = runner.run(data, reps=40, until_s=3600.0)
        return result.count("ContactDetected", side="blue", detail="informants")

    assert_paired_greater(informed(1.0), informed(0.2))


def test_informants_work_in_a_scenario_without_sensors(runner: Runner) -> None:
    """With no sensor in the scenario, informants still report to the side the population supports."""
    data = watch()
    data["catalogue"]["unit_types"]["post"]["sensors"] = []
    data["environment"]["population"] = {"supports": "blue", "level": 1.0}
    data["time"]["dt_s"] = 60.0
    result = runner.run(data, reps=4, until_s=3600.0)
    assert result.count("ContactDetected", side="blue", detail="informants").sum() > 0


# --- the pure formulas ----------------------------------------------------------------------------------


def test_model_rate_falls_with_range_and_stops_at_reach() -> None:
    """detection_rate: exp(-(r/r_m)²) below the reach, 0 beyond, proportional to the factor."""
    r = np.array([0.0, 1000.0, 2000.0, 2999.0, 3001.0])
    lam = detection_rate(r, rate_per_s=0.1, range_scale_m=2000.0, max_range_m=3000.0)
    assert np.all(np.diff(lam[:4]) < 0)
    assert lam[-1] == 0.0
    assert np.allclose(lam[:4], 0.1 * np.exp(-((r[:4] / 2000.0) ** 2)))
    doubled = detection_rate(r, rate_per_s=0.1, range_scale_m=2000.0, max_range_m=3000.0, factor=2.0)
    assert np.allclose(doubled, 2.0 * lam)


def test_model_probability_and_light_and_error() -> None:
    """1 - exp(-Λ dt); L by light level; σ = e · max(0.25, r/r_m); posture factors as documented."""
    assert np.isclose(detection_probability(0.1, 10.0), 1.0 - np.exp(-1.0))
    assert np.allclose([light_factor(0, 0.3), light_factor(1, 0.3), light_factor(2, 0.3)], [1.0, 0.65, 0.3])
    assert np.allclose(position_error_sd([0.0, 500.0, 4000.0], 100.0, 2000.0), [25.0, 25.0, 200.0])
    documented = {"moving": 1.0, "mounted": 1.2, "halted": 0.6}
    documented |= {"hasty-defence": 0.5, "prepared-defence": 0.3, "hidden": 0.15}
    assert documented == POSTURE_DETECTABILITY
