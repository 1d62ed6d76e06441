"""Emplacement and displacement (docs/mechanics/indirect-fire.md, "Emplacement and displacement"): a
battery that has moved fires no sooner than its emplacement time after it halts, and packs up for its
displacement time before it moves off.

The scenario: the call-for-fire scenario of ``test_indirect_fire_effects`` (an observer seeing a red
platoon 500 m north of it at once), with the battery 9 km south of the observer on a fire-support task
that supports the observer: it moves (5 m/s) to half its 8 km range of the observer, 4 km, and halts. The
red platoon is in range the whole way, so without emplacement the battery fires on the move.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Runner, at
from test_indirect_fire_effects import mission

REPS = 4
UNTIL_S = 1800.0
SPEED_MPS = 5.0


def moving_battery(**times: float) -> dict[str, Any]:
    """The battery 9 km south of the observer, following it (``times``: the howitzer's ``emplace_s`` and
    ``displace_s``)."""
    data = mission(max_range_m=8000, **times)
    cat = data["catalogue"]
    cat["unit_types"]["battery"]["speed_mps"] = {"open": SPEED_MPS}
    data["units"]["blue/battery"]["at"] = at(0, -9000)
    data["plan"]["phases"]["fires"]["tasks"][0]["supports"] = ["blue/fo"]
    return data


def test_a_battery_fires_no_sooner_than_its_emplacement_time_after_it_halts(runner: Runner) -> None:
    """The first round leaves no sooner than ``emplace_s`` after the battery halted (``BatteryHalted``, whose
    ``ready_at_s`` says when), and it halted after its march order's ``displace_s`` and the 5 km walk."""
    result = runner.run(moving_battery(emplace_s=300.0, displace_s=120.0), reps=REPS, until_s=UNTIL_S)
    ordered = result.first("BatteryMarchOrdered", unit="blue/battery")
    halted = result.first("BatteryHalted", unit="blue/battery")
    fired = result.first("RoundsFired", unit="blue/battery")
    assert np.allclose(ordered, 0.0)
    assert (halted >= 120.0 + 5000.0 / SPEED_MPS - 20.0).all()  # packed up, then marched 5 km
    assert np.isfinite(fired).all()
    assert (fired >= halted + 300.0 - 1e-6).all()
    events = result.select("BatteryHalted", unit="blue/battery")
    assert np.allclose(events["value"].to_numpy(), events["time_s"].to_numpy() + 300.0)


def test_a_call_for_fire_waits_for_the_emplacement(runner: Runner) -> None:
    """A request taken while the battery emplaces is fired when it is emplaced, not after the fire direction
    delay alone: the log shows the request before the battery is ready, the rounds at the ready time."""
    result = runner.run(moving_battery(emplace_s=300.0), reps=REPS, until_s=UNTIL_S)
    halted = result.first("BatteryHalted", unit="blue/battery")
    requested = result.first("FireMissionRequested", unit="blue/fo")
    fired = result.first("RoundsFired", unit="blue/battery")
    assert (requested < halted + 300.0 - 60.0).all()  # asked while emplacing, more than the delay early
    assert np.allclose(fired, halted + 300.0)


def test_with_no_emplacement_time_a_battery_fires_at_once(runner: Runner) -> None:
    """With ``emplace_s`` and ``displace_s`` 0 (the default) the battery takes the request on the move and
    fires after the fire direction delay alone, long before it halts; no emplacement events."""
    result = runner.run(moving_battery(), reps=REPS, until_s=UNTIL_S)
    requested = result.first("FireMissionRequested", unit="blue/fo")
    fired = result.first("RoundsFired", unit="blue/battery")
    assert np.allclose(fired - requested, 60.0)
    assert (fired < 5000.0 / SPEED_MPS).all()
    assert result.count("BatteryHalted").sum() == 0
    assert result.count("BatteryMarchOrdered").sum() == 0


def test_a_battery_packs_up_before_it_moves_off(runner: Runner) -> None:
    """The battery stays where it stood for ``displace_s`` after its march order, then moves."""
    data = moving_battery(displace_s=600.0)
    sim = runner.simulation(data, reps=1)
    b = sim.world.forces.index("blue/battery")
    y0 = float(sim.state.y[0, b])
    sim.run(until_s=590.0)
    assert abs(float(sim.state.y[0, b]) - y0) < 1e-6
    assert not sim.state.in_action[0, b]
    sim.run(until_s=700.0)
    assert float(sim.state.y[0, b]) > y0 + 400.0
