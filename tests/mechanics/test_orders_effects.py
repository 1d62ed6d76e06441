"""Command delays and triggers (docs/mechanics/orders.md) move when phases start and orders arrive the
documented way: a task reaches an element at phase start + delay_s + k · stagger_s + c2_delay_s, never
before its readiness; each trigger fires when its condition first holds, plus its delay.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Result, Runner, assert_paired_greater, at, base, eye
from test_morale_effects import under_fire

DT = 10.0


def order(*, trigger: dict[str, Any] | None = None, count: int = 1, **task: Any) -> dict[str, Any]:
    """A red column (``count`` elements) ordered 2 km east when phase 'go' starts (default: at 100 s)."""
    data = base(duration_s=3600.0, dt_s=DT)
    data["catalogue"]["unit_types"]["column"] = {
        "category": "motorised",
        "echelon": "team",
        "personnel": 10,
        "speed_mps": {"open": 2.0},
    }
    data["units"] = {"red/column": {"type": "column", "nation": "R", "at": at(0, 0), "count": count}}
    move = {"task": "move", "units": ["red/column"], "to": at(2000, 0)} | task
    data["plan"]["phases"] = {"go": {"trigger": trigger or {"at_s": 100}, "tasks": [move]}}
    return data


def received(result: Result) -> np.ndarray:
    """The times orders reached the column's elements, sorted (replication 0)."""
    t = result.select("OrderReceived")
    return np.sort(np.asarray(t.filter(t["replication"].to_numpy() == 0)["time_s"].to_numpy()))


def test_at_time_trigger_starts_the_phase(runner: Runner) -> None:
    """at_s: the phase starts at that time, and a later time starts it later."""
    early = runner.run(order(trigger={"at_s": 100}), reps=1).first("PhaseStarted")
    late = runner.run(order(trigger={"at_s": 400}), reps=1).first("PhaseStarted")
    assert early[0] == 100.0
    assert late[0] == 400.0


def test_c2_delay_delays_the_order(runner: Runner) -> None:
    """c2_delay_s: the nation's command delay is added to the phase start."""
    data = order()
    prompt = received(runner.run(data, reps=1))
    data["nations"]["R"]["c2_delay_s"] = 300
    slow = received(runner.run(data, reps=1))
    assert np.allclose(prompt, [100.0])
    assert np.allclose(slow, [400.0])


def test_task_delay_delays_the_order(runner: Runner) -> None:
    """Task delay_s is added on top of the phase start and the command delay."""
    data = order(delay_s=250)
    data["nations"]["R"]["c2_delay_s"] = 50
    assert np.allclose(received(runner.run(data, reps=1)), [400.0])


def test_stagger_spaces_the_elements(runner: Runner) -> None:
    """stagger_s: element k of the task receives it k · stagger_s later."""
    together = received(runner.run(order(count=3), reps=1))
    waves = received(runner.run(order(count=3, stagger_s=120), reps=1))
    assert np.allclose(together, [100.0, 100.0, 100.0])
    assert np.allclose(waves, [100.0, 220.0, 340.0])


def test_readiness_holds_the_order(runner: Runner) -> None:
    """An order never reaches an element before its readiness_s."""
    data = order()
    data["units"]["red/column"]["readiness_s"] = 700
    assert np.allclose(received(runner.run(data, reps=1)), [700.0])


def test_orders_take_effect_when_received(runner: Runner) -> None:
    """A later order means a later arrival: the column arrives later after a longer command delay."""
    data = order()
    prompt = runner.run(data, reps=1).first("UnitArrived")
    data["nations"]["R"]["c2_delay_s"] = 600
    slow = runner.run(data, reps=1).first("UnitArrived")
    assert abs(slow[0] - prompt[0] - 600.0) <= DT


def test_after_phase_trigger_with_delay(runner: Runner) -> None:
    """after_phase plus delay_s: the second phase starts that long after the first."""
    data = order(trigger={"after_phase": "first", "delay_s": 300})
    data["plan"]["phases"] = {"first": {"trigger": {"at_s": 50}}} | data["plan"]["phases"]
    result = runner.run(data, reps=1)
    starts = sorted(result.select("PhaseStarted")["time_s"].to_pylist())
    assert starts == [50.0, 350.0]


def _watched(rate: float, trigger: dict[str, Any]) -> dict[str, Any]:
    """The column's phase waits on blue's post (eye rate ``rate``, 3 km away) seeing it."""
    data = order(trigger=trigger)
    data["catalogue"]["sensors"]["post-eye"] = eye(rate)
    data["catalogue"]["unit_types"]["post"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 2,
        "sensors": [{"sensor": "post-eye"}],
    }
    data["units"]["blue/post"] = {"type": "post", "nation": "B", "at": at(0, -3000)}
    return data


def test_event_trigger_fires_at_the_first_detection(runner: Runner) -> None:
    """event: contact-detected: the phase starts when blue first detects; a keener eye starts it sooner."""
    trigger = {"event": "contact-detected", "side": "blue"}
    keen = runner.run(_watched(0.01, trigger), reps=60, until_s=1800.0)
    dull = runner.run(_watched(0.002, trigger), reps=60, until_s=1800.0)
    for result in (keen, dull):
        start = result.first("PhaseStarted", default=np.nan)
        seen = result.first("ContactDetected", side="blue", default=np.nan)
        assert np.array_equal(np.isnan(start), np.isnan(seen))
        assert np.allclose(start[~np.isnan(start)], seen[~np.isnan(seen)])
    assert_paired_greater(
        dull.first("PhaseStarted", default=1800.0), keen.first("PhaseStarted", default=1800.0)
    )


def test_losses_trigger_waits_for_the_losses(runner: Runner) -> None:
    """losses_above: a phase waiting for 30 % red losses starts later than one waiting for 10 %."""

    def start(fraction: float) -> np.ndarray:
        data = under_fire(break_losses=1.0)
        data["plan"]["phases"] = {
            "react": {
                "trigger": {"losses_above": fraction, "side": "red"},
                "tasks": [{"task": "move", "units": ["red/company"], "to": at(0, 210)}],
            }
        }
        result = runner.run(data, reps=40, until_s=900.0)
        return result.first("PhaseStarted", default=900.0)

    assert_paired_greater(start(0.3), start(0.1))


def test_located_fraction_trigger_waits_for_the_picture(runner: Runner) -> None:
    """located_fraction: a phase waiting until blue holds all of red located starts after one at 10 %."""

    def start(fraction: float) -> np.ndarray:
        data = _watched(0.005, {"located_fraction": fraction, "side": "blue", "of_side": "red"})
        data["units"]["red/column"]["count"] = 5
        return runner.run(data, reps=40, until_s=1800.0).first("PhaseStarted", default=1800.0)

    assert_paired_greater(start(1.0), start(0.1))


def test_arrived_trigger_waits_for_the_arrival(runner: Runner) -> None:
    """arrived: a phase waiting for the column starts when it arrives; a slower column starts it later."""

    def start(speed: float) -> float:
        data = order(trigger={"at_s": 0})
        data["catalogue"]["unit_types"]["column"]["speed_mps"]["open"] = speed
        data["plan"]["phases"]["next"] = {"trigger": {"arrived": ["red/column"]}}
        result = runner.run(data, reps=1)
        arrived = result.first("UnitArrived")[0]
        started = max(result.select("PhaseStarted")["time_s"].to_pylist())
        assert started == arrived
        return started

    assert start(1.0) > start(2.0) + 60.0
