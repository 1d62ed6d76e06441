"""Triggers and measures on positions, phases and breaking (docs/mechanics/orders.md, outcomes.md):
a position's loss starts a counter-attack phase that retakes it; the measures read the times and the
holder; a losses trigger takes lists."""

from __future__ import annotations

from typing import Any

import numpy as np
from assault_kit import hill_assault
from effects_kit import Runner, at
from test_direct_fire_effects import firefight


def counter_attack(*, position: str = "hill") -> dict[str, Any]:
    """The hill assault (three red squads against one blue), and a blue reserve of ten squads 3 km south
    that counter-attacks when blue loses ``position``."""
    data = hill_assault(attackers=3, duration_s=5400.0)
    data["units"]["blue/reserve"] = {"type": "blue-squad", "nation": "B", "at": at(0, -3000), "count": 10}
    data["plan"]["phases"]["counter"] = {
        "trigger": {"event": "position-lost", "position": position},
        "tasks": [{"task": "attack", "units": ["blue/reserve"], "target": "hill-top"}],
    }
    data["measures"] |= {
        "retaken": {"kind": "time-retaken", "position": "hill"},
        "counter-start": {"kind": "phase-start", "phase": "counter"},
        "red-holds": {"kind": "held-at-end", "position": "hill", "side": "red"},
    }
    return data


def test_loss_starts_the_counter_attack_that_retakes_it(runner: Runner) -> None:
    """position-lost starts the counter phase when the hill falls; the reserve retakes it: time-retaken is
    after time-lost, blue holds the hill at the end and red does not."""
    result = runner.run(counter_attack(), reps=5)
    lost = result.measure("lost")
    assert np.isfinite(lost).all()
    assert (result.measure("counter-start") == lost).all()
    assert (result.measure("retaken") > lost).all()
    assert (result.measure("held") == 1).all()
    assert (result.measure("red-holds") == 0).all()
    statuses = result.select("PositionSeized")["detail"].to_pylist()
    assert statuses == ["lost", "retaken"] * 5


def test_a_trigger_on_another_position_does_not_fire(runner: Runner) -> None:
    """A position-lost trigger waits for the position it names: losing the hill does not start it."""
    data = counter_attack(position="ford")
    data["sites"]["ford-bank"] = {"kind": "observation-post", "at": at(8000, 8000)}
    data["positions"]["ford"] = {"site": "ford-bank", "held_by": "blue"}
    result = runner.run(data, reps=2)
    assert np.isfinite(result.measure("lost")).all()
    assert np.isnan(result.measure("counter-start")).all()
    assert len(result.select("PhaseStarted", detail="counter")) == 0


def losses_run(runner: Runner, trigger: dict[str, Any]) -> Any:
    """Blue's squad (20) shoots red's company (200, breaking at 10 % losses) at 200 m; a phase 'after'
    starts on the trigger."""
    data = firefight(distance_m=200.0)
    data["catalogue"]["unit_types"]["company"]["break_losses"] = 0.1
    data["plan"].setdefault("phases", {})
    data["plan"]["phases"]["after"] = {"trigger": trigger, "tasks": []}
    data["measures"] = {
        "after": {"kind": "phase-start", "phase": "after"},
        "broken": {"kind": "units-broken", "side": "red"},
        "first-broke": {"kind": "time-broken", "side": "red"},
    }
    return runner.run(data, reps=3, until_s=1800.0)


def test_losses_trigger_takes_a_list(runner: Runner) -> None:
    """losses_above over a list of sides counts them together: red's and blue's losses over both forces'
    strength pass 1 % later than red's alone pass 1 % of red's (blue loses nobody it shoots at first)."""
    both = losses_run(runner, {"losses_above": 0.01, "side": ["red", "blue"]})
    red = losses_run(runner, {"losses_above": 0.01, "side": "red"})
    listed_once = losses_run(runner, {"losses_above": 0.01, "side": ["red"]})
    assert np.isfinite(red.measure("after")).all()
    assert (listed_once.measure("after") == red.measure("after")).all()
    assert (both.measure("after") >= red.measure("after")).all()
    assert (both.measure("after") > red.measure("after")).any()


def test_broken_measures(runner: Runner) -> None:
    """units-broken counts red's broken elements at the end; time-broken is the first UnitBroke's time."""
    result = losses_run(runner, {"at_s": 0})
    broke = result.first("UnitBroke", default=np.nan)
    assert (result.measure("broken") == result.count("UnitBroke")).all()
    assert np.array_equal(result.measure("first-broke"), broke, equal_nan=True)
