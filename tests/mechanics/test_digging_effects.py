"""Digging in under fire (docs/mechanics/morale.md, "Digging in under fire"): an element halted on foot under
fire digs hasty fighting positions where it stands and, once dug in, loses fewer people to the same fire.

The scenario: a blue squad (4 rifles, no aiming error, so posture protects as against fragments) fires for
two hours at a red company of 200 that never breaks, halted 300 m north without orders; every hit may
suppress it. Red loses few enough people that its size barely changes the fire's effect.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from effects_kit import Runner, assert_paired_greater, at, base, eye, rifle

from drillsim.mechanics.morale import digging
from drillsim.mechanics.morale.digging import HASTY_DIG_UNDER_FIRE_S
from drillsim.scenario.models import POSTURES

REPS = 60
HOUR_S = 3600.0


def under_fire() -> dict[str, Any]:
    """Blue's squad at the origin, red's unarmed company 300 m north, halted (no task), for two hours."""
    data = base(duration_s=2 * HOUR_S, dt_s=10.0)
    cat = data["catalogue"]
    cat["sensors"]["sure-eye"] = eye(10.0)
    cat["weapons"]["blue-rifle"] = rifle(0.005, p_suppress=0.5)
    cat["unit_types"]["squad"] = {
        "category": "infantry",
        "personnel": 4,
        "weapons": [{"weapon": "blue-rifle", "count": 4}],
        "sensors": [{"sensor": "sure-eye"}],
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    cat["unit_types"]["company"] = {
        "category": "infantry",
        "echelon": "company",
        "personnel": 200,
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["units"] = {
        "blue/squad": {"type": "squad", "nation": "B", "at": at(0, 0)},
        "red/company": {"type": "company", "nation": "R", "at": at(0, 300)},
    }
    return data


def hourly_losses(runner: Runner) -> tuple[np.ndarray, np.ndarray, Any]:
    """Red's people hit in the first and in the second hour, per replication, and the run."""
    result = runner.run(under_fire(), reps=REPS)
    hits = result.select("UnitHit", unit="red/company")
    rows = np.asarray(hits["replication"].to_numpy(), dtype=np.int64)
    when = hits["time_s"].to_numpy()
    count = hits["count"].to_numpy().astype(np.float64)
    first = np.bincount(rows[when <= HOUR_S], weights=count[when <= HOUR_S], minlength=REPS)
    second = np.bincount(rows[when > HOUR_S], weights=count[when > HOUR_S], minlength=REPS)
    return first, second, result


def test_a_unit_under_fire_digs_in_and_loses_fewer_in_the_second_hour(
    runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red, suppressed from the first minutes, digs in after 45 minutes (UnitDugIn once a replication, posture
    hasty-defence) and loses fewer people in the second hour than in the first; with digging switched off
    (a dig time longer than the run) it never digs in, its second hour is no better than its first, and it
    loses more in the second hour than the red that dug in."""
    first, second, result = hourly_losses(runner)
    dug = result.select("UnitDugIn", unit="red/company")
    assert len(dug) == REPS
    assert (dug["time_s"].to_numpy() >= HASTY_DIG_UNDER_FIRE_S).all()
    assert (dug["time_s"].to_numpy() < HASTY_DIG_UNDER_FIRE_S + 600.0).all()
    e = result.sim.world.forces.index("red/company")
    assert (result.sim.state.posture[:, e] == POSTURES.index("hasty-defence")).all()
    assert_paired_greater(first, second)

    monkeypatch.setattr(digging, "HASTY_DIG_UNDER_FIRE_S", 1e9)
    first_off, second_off, off = hourly_losses(runner)
    assert off.count("UnitDugIn").sum() == 0
    d = first_off - second_off
    assert d.mean() < 4.0 * d.std(ddof=1) / np.sqrt(REPS)  # no fewer losses in the second hour
    assert_paired_greater(second_off, second)
