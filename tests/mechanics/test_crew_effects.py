"""Crews apart from strength, batteries and vehicles that dig in (docs/mechanics/indirect-fire.md, "Crews";
docs/mechanics/morale.md, "Batteries dig in"; docs/mechanics/transport.md, "Vehicle fighting positions").

The scenario: a blue observer sees a red squad 500 m north at once; a blue mortar section of 3 tubes
4 km south of the observer fires one mission of 6 rounds a tube at it. The red squad has one truck.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Result, Runner, at, base, eye

from drillsim.mechanics.morale.digging import HASTY_DIG_UNDER_FIRE_S
from drillsim.mechanics.transport import VEHICLE_DIG_S
from drillsim.scenario.models import POSTURES
from drillsim.world.forces import crewed_weapons

DT = 10.0
TUBES = 3
ROUNDS = 6
MIN_CREW = 2


def mission(
    strength: int | None = None, *, red_posture: str = "halted", duration_s: float = 3600.0
) -> dict[str, Any]:
    """The observer, the mortar section (12 people, ``strength`` if given, ``MIN_CREW`` a tube; it never
    breaks) and the red squad on foot beside its truck, in ``red_posture``."""
    data = base(duration_s=duration_s, dt_s=DT)
    cat = data["catalogue"]
    cat["sensors"]["sure-eye"] = eye(10.0) | {"position_error_m": 20.0}
    cat["weapons"]["mortar"] = {
        "kind": "indirect",
        "max_range_m": 6000,
        "rate_per_min": 12,
        "rounds_per_mission": ROUNDS,
        "lethal_radius_m": 16,
        "dispersion_m": 50,
        "projectile_speed_mps": 150,
        "vehicle_lethal_radius_m": {"soft": 8, "light": 2},
        "crew": 4,
        "min_crew": MIN_CREW,
    }
    cat["unit_types"]["fo"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 3,
        "sensors": [{"sensor": "sure-eye"}],
    }
    cat["unit_types"]["mortars"] = {
        "category": "mortar",
        "echelon": "section",
        "personnel": 12,
        "weapons": [{"weapon": "mortar", "count": TUBES}],
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    cat["unit_types"]["squad"] = {
        "category": "motorised",
        "personnel": 10,
        "vehicles": {"truck": 1},
        "speed_mps": {"open": 1.2},
        "break_losses": 1.0,
        "break_suppression": 1.0,
        "carriers": {"vehicle": "truck", "seats": 10, "speed_mps": {"open": 10.0}, "crew": 2},
    }
    mortars: dict[str, Any] = {"type": "mortars", "nation": "B", "at": at(0, -4000)}
    if strength is not None:
        mortars["strength"] = strength
    data["units"] = {
        "blue/fo": {"type": "fo", "nation": "B", "at": at(0, 0)},
        "blue/mortars": mortars,
        "red/sqd": {
            "type": "squad",
            "nation": "R",
            "at": at(0, 500),
            "mounted": False,
            "posture": red_posture,
        },
    }
    task = {
        "task": "fire-support",
        "units": ["blue/mortars"],
        "fire_direction_delay_s": 60,
        "max_missions": 1,
    }
    data["plan"]["phases"] = {"fires": {"trigger": {"at_s": 0}, "tasks": [task]}}
    data["measures"] = {"carriers-lost": {"kind": "carriers-lost", "side": "red"}}
    return data


def test_crewed_weapons_formula() -> None:
    """A mount fires as many weapons as its people crew, ``floor(S / min_crew)``, at most its count; a
    minimum of 0 leaves the count alone."""
    got = crewed_weapons([3, 3, 3, 3, 3], [12, 5, 2, 1, 0], [2, 2, 2, 2, 0])
    assert got.tolist() == [3, 2, 1, 0, 3]


def test_a_mortar_section_down_to_one_man_stops_firing(runner: Runner) -> None:
    """With 12 people the section fires its mission, 3 tubes x 6 rounds, and hurts the red squad; cut to
    one man (below the minimum crew of 2) it takes no request, fires nothing and hurts no one."""
    full = runner.run(mission(), reps=20, until_s=900.0)
    assert (full.total("RoundsFired", "count") == TUBES * ROUNDS).all()
    assert full.losses("red").sum() > 0
    alone = runner.run(mission(strength=1), reps=20, until_s=900.0)
    assert alone.count("RoundsFired").sum() == 0
    assert alone.losses("red").sum() == 0


def test_a_mission_booked_before_the_crews_fell_is_refused(runner: Runner) -> None:
    """The section books the mission (``FireMissionRequested`` within the first steps, fired after the 60 s
    fire direction delay); cut to one man before it fires, it refuses the mission (reason ``no-crew``) and
    fires nothing."""
    sim = runner.simulation(mission(), reps=2)
    sim.run(until_s=30.0)
    e = sim.world.forces.index("blue/mortars")
    sim.state.strength[:, e] = 1.0
    result = Result(sim.run(until_s=900.0), sim, 2)
    assert len(result.select("FireMissionRequested")) == 2
    assert result.select("FireMissionRefused")["detail"].to_pylist() == ["no-crew", "no-crew"]
    assert result.count("RoundsFired").sum() == 0


def test_a_mortar_section_short_of_crews_fires_fewer_tubes(runner: Runner) -> None:
    """Three people crew one tube (min_crew 2): the mission is one tube's 6 rounds, a third of the full
    section's."""
    short = runner.run(mission(strength=3), reps=5, until_s=900.0)
    assert (short.total("RoundsFired", "count") == ROUNDS).all()


def test_batteries_dig_in_and_observers_do_not(runner: Runner) -> None:
    """The mortar section, halted in its position and never fired at, digs in 45 minutes after the start
    (``UnitDugIn`` within a step of ``HASTY_DIG_UNDER_FIRE_S``, posture hasty-defence); the observer, also
    halted and never under fire, does not dig."""
    data = mission(duration_s=2 * HASTY_DIG_UNDER_FIRE_S)
    data["units"].pop("red/sqd")
    result = runner.run(data, reps=2)
    dug = result.select("UnitDugIn")
    assert set(dug["unit"].to_pylist()) == {"blue/mortars"}
    when = np.asarray(dug["time_s"].to_numpy())
    assert ((when >= HASTY_DIG_UNDER_FIRE_S) & (when <= HASTY_DIG_UNDER_FIRE_S + DT)).all()
    e = result.sim.world.forces.index("blue/mortars")
    assert (result.sim.state.posture[:, e] == POSTURES.index("hasty-defence")).all()


def carriers_lost(runner: Runner, posture: str) -> float:
    """Expected carriers the red squad loses to the mission (no draws), its truck parked beside it."""
    result = runner.run(mission(red_posture=posture), reps=1, until_s=900.0, stochastic=False)
    return float(result.measure("carriers-lost")[0])


def test_a_truck_dug_in_beside_a_prepared_defence_is_destroyed_less_often(runner: Runner) -> None:
    """The same mission on the same fall of shot destroys less of a truck standing in a prepared defence
    (its vehicle position ready) than of one beside a squad halted in the open."""
    open_ground, dug_in = carriers_lost(runner, "halted"), carriers_lost(runner, "prepared-defence")
    assert dug_in > 0.0
    assert dug_in < 0.5 * open_ground


def test_a_squad_in_hasty_defence_digs_its_truck_in_after_the_vehicle_time(runner: Runner) -> None:
    """With no fire at all, a squad in hasty defence digs its truck in after ``VEHICLE_DIG_S``; a squad
    halted in the open with no fire does not dig."""
    for posture, expect in (("hasty-defence", True), ("halted", False)):
        data = mission(red_posture=posture, duration_s=VEHICLE_DIG_S + 600.0)
        data["units"].pop("blue/mortars")
        data["plan"]["phases"] = {}
        result = runner.run(data, reps=1)
        e = result.sim.world.forces.index("red/sqd")
        assert bool((result.sim.state.vehicle_dig_s[:, e] >= VEHICLE_DIG_S).all()) is expect
