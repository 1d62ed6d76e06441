"""A phase whose purpose is gone is passed over (docs/mechanics/orders.md, "A phase whose purpose is gone"):
a raid on a commander already dead when the raid is due issues no orders and says why, and the plan goes on
to the phase after it; with the commander alive, or dead only once the raid has started, the raid runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from effects_kit import Runner, at, base, eye, rifle

from drillsim.core.errors import InputError

REPS = 4
RAID_AT_S = 1800.0
NEXT_DELAY_S = 600.0


def commander_raid(*, killers: bool = True, raid_at_s: float = RAID_AT_S) -> dict[str, Any]:
    """Red's field commander (one man) stands 500 m north of a blue post whose ten rifles kill at one shot in
    two; with ``killers=False`` the post has no rifles. Blue raiders 3 km south raid him at ``raid_at_s``,
    unless he is already destroyed; a strike phase follows the raid ``NEXT_DELAY_S`` later."""
    data = base(duration_s=3600.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(1.0, range_scale_m=2000.0, max_range_m=3000.0) | {"position_error_m": 20.0}
    cat["weapons"]["rifle"] = rifle(0.5, max_range_m=1000.0)
    cat["unit_types"]["post"] = {
        "category": "infantry",
        "personnel": 10,
        "weapons": [{"weapon": "rifle", "count": 10}] if killers else [],
        "sensors": [{"sensor": "eye"}],
    }
    cat["unit_types"]["raiders"] = {"category": "special-forces", "personnel": 8, "speed_mps": {"open": 3.0}}
    cat["unit_types"]["chief"] = {"category": "headquarters", "personnel": 1}
    data["units"] = {
        "blue/post": {"type": "post", "nation": "B", "at": at(0, 0)},
        "blue/raiders": {"type": "raiders", "nation": "B", "at": at(0, -3000)},
        "red/chief": {"type": "chief", "nation": "R", "at": at(0, 500), "capturable": True},
    }
    raid = {"task": "raid", "units": ["blue/raiders"], "target_unit": "red/chief", "capture": True}
    data["plan"]["phases"] = {
        "raid": {
            "trigger": {"at_s": raid_at_s},
            "unless": {"event": "unit-destroyed", "unit": "red/chief"},
            "tasks": [raid],
        },
        "after-raid": {"trigger": {"after_phase": "raid", "delay_s": NEXT_DELAY_S}},
    }
    return data


def test_a_raid_on_a_dead_commander_is_passed_over(runner: Runner) -> None:
    """The post kills the commander before the raid is due: the raid phase is passed over (``PhaseSkipped``
    naming the condition), its raiders get no order, and the phase after it still starts on time."""
    result = runner.run(commander_raid(), reps=REPS)
    assert (result.first("UnitDestroyed", unit="red/chief") < RAID_AT_S).all()
    skipped = result.select("PhaseSkipped", detail="raid")
    assert sorted(skipped["replication"].to_pylist()) == list(range(REPS))
    assert np.allclose(skipped["time_s"].to_numpy(), RAID_AT_S)
    assert set(skipped["other"].to_pylist()) == {"unit-destroyed (unit red/chief)"}
    assert (result.count("PhaseStarted", detail="raid") == 0).all()
    assert (result.count("OrderReceived", unit="blue/raiders") == 0).all()
    assert np.allclose(result.first("PhaseStarted", detail="after-raid"), RAID_AT_S + NEXT_DELAY_S)


def test_a_raid_on_a_live_commander_starts(runner: Runner) -> None:
    """Without the post's rifles the commander is alive when the raid is due: the raid starts and its
    raiders receive it; nothing is passed over."""
    result = runner.run(commander_raid(killers=False), reps=REPS)
    assert np.isinf(result.first("UnitDestroyed", unit="red/chief")).all()
    assert (result.count("PhaseSkipped") == 0).all()
    assert np.allclose(result.first("PhaseStarted", detail="raid"), RAID_AT_S)
    assert (result.count("OrderReceived", unit="blue/raiders") == 1).all()


def test_a_condition_after_the_start_cancels_nothing(runner: Runner) -> None:
    """A raid due at once starts before the post kills the commander: ``unless`` is read only when the
    phase is due, so the raid is not passed over afterwards."""
    result = runner.run(commander_raid(raid_at_s=0.0), reps=REPS)
    assert (result.first("UnitDestroyed", unit="red/chief") > 0.0).all()
    assert (result.count("PhaseSkipped") == 0).all()
    assert (result.count("PhaseStarted", detail="raid") == 1).all()
    assert (result.count("OrderReceived", unit="blue/raiders") == 1).all()


def test_an_unknown_unit_in_unless_is_an_error(runner: Runner) -> None:
    """A bad unit name in ``unless`` is refused, naming the file, line, field path and the name."""
    data = commander_raid()
    data["plan"]["phases"]["raid"]["unless"]["unit"] = "red/cheif"
    where = r"scenario-1\.yaml.*\d+.*field 'plan\.phases\.raid\.unless\.unit'.*'red/cheif'"
    with pytest.raises(InputError, match=where):
        runner.scenario(data)
