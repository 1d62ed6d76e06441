"""Ground carriers (docs/mechanics/transport.md, "Ground carriers"): a unit with carriers rides at their
speed, takes time to mount and dismount, dismounts for the enemy and at its objective, shuttles when its
seats are short (or walks when a shuttle would be slower), and its people are more exposed to mines and to
fire while mounted.

The scenario: blue rifle squads of 10 (1.2 m/s on foot in the open) with one truck each (10 seats, 10 m/s in
the open), on a flat, open box with no roads, ordered 5 km east. Times are checked against the equations to
within a step or two (the engine moves in steps of DT).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from effects_kit import Result, Runner, at, base, eye, rifle

from drillsim.core.errors import InputError
from drillsim.mechanics.transport import carrier_mine_casualties, shuttle_speed_factor, shuttle_trips

DT = 10.0
FOOT = 1.2
RIDE = 10.0
MOUNT_S = 60.0
DISMOUNT_S = 120.0
LEG = 5000.0


def squads(*, count: int = 1, task: dict[str, Any] | None = None, **carriers: Any) -> dict[str, Any]:
    """Blue squads in trucks at the origin ordered 5 km east (``task`` adds to the move order,
    ``carriers`` to the type's carriers)."""
    data = base(duration_s=14400.0, dt_s=DT)
    data["catalogue"]["unit_types"]["motor-squad"] = {
        "category": "motorised",
        "personnel": 10,
        "vehicles": {"truck": 1},
        "speed_mps": {"open": FOOT, "road": FOOT},
        "carriers": {
            "vehicle": "truck",
            "seats": 10,
            "speed_mps": {"open": RIDE, "road": RIDE},
            "mount_s": MOUNT_S,
            "dismount_s": DISMOUNT_S,
        }
        | carriers,
    }
    data["units"] = {"blue/sqd": {"type": "motor-squad", "nation": "B", "at": at(0, 0), "count": count}}
    order = {"task": "move", "units": ["blue/sqd"], "to": at(LEG, 0)} | (task or {})
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [order]}}
    data["measures"] = {
        "off": {"kind": "time-dismounted", "units": ["blue/sqd"]},
        "trucks-lost": {"kind": "carriers-lost", "side": "blue"},
    }
    return data


def arrival(result: Result) -> np.ndarray:
    """Per replication: when the last squad arrived."""
    t = result.select("UnitArrived")
    out = np.full(result.reps, np.nan)
    rows = np.asarray(t["replication"].to_numpy(), dtype=np.int64)
    np.fmax.at(out, rows, t["time_s"].to_numpy())
    return out


def test_mounted_move_is_faster_than_on_foot(runner: Runner) -> None:
    """A squad that starts in its truck rides 5 km in 5000 / 10 = 500 s; on foot it takes 5000 / 1.2 s."""
    ride = arrival(runner.run(squads(), reps=1))[0]
    walk = arrival(runner.run(squads(task={"mounted": False}), reps=1))[0]
    assert abs(ride - LEG / RIDE) <= 2 * DT
    # Ordered on foot, it first dismounts (dismount_s) and then walks.
    assert abs(walk - (DISMOUNT_S + LEG / FOOT)) <= 2 * DT


def test_mounting_takes_mount_s(runner: Runner) -> None:
    """A squad that starts beside its truck mounts first: it arrives mount_s later than one already in."""
    data = squads()
    data["units"]["blue/sqd"]["mounted"] = False
    result = runner.run(data, reps=1)
    assert abs(arrival(result)[0] - (MOUNT_S + LEG / RIDE)) <= 2 * DT
    assert int(result.count("UnitMounted")[0]) == 1


def test_an_attack_dismounts_short_of_its_objective_and_pays_the_dismount_time(runner: Runner) -> None:
    """An attack on a place 5 km away rides to within dismount_range_m (1 km), dismounts (dismount_s) and
    walks the last km; a longer dismount delays the arrival by the difference. The time-dismounted measure
    and a phase triggered by unit-dismounted both give the dismount time."""
    attack = {"task": "attack", "units": ["blue/sqd"], "target": at(LEG, 0)}

    def attacked(dismount_s: float) -> Result:
        data = squads(dismount_s=dismount_s, dismount_range_m=1000.0)
        data["plan"]["phases"]["go"]["tasks"] = [attack]
        data["plan"]["phases"]["off"] = {
            "trigger": {"event": "unit-dismounted", "unit": "blue/sqd"},
            "tasks": [],
        }
        data["measures"]["off-phase"] = {"kind": "phase-start", "phase": "off"}
        return runner.run(data, reps=1)

    quick, slow = attacked(DISMOUNT_S), attacked(DISMOUNT_S + 600.0)
    off = quick.select("UnitDismounted")
    assert off["detail"].to_pylist() == ["objective"]
    # Checked before each step's move, so it dismounts within one step's ride inside the 1 km.
    t_off = float(off["time_s"][0].as_py())
    end = quick.select("UnitArrived")
    walk = float(
        np.hypot(end["x_m"][0].as_py() - off["x_m"][0].as_py(), end["y_m"][0].as_py() - off["y_m"][0].as_py())
    )
    assert (LEG - 1000.0) / RIDE <= t_off <= (LEG - 1000.0) / RIDE + 2 * DT
    assert 1000.0 - RIDE * DT <= walk <= 1000.0
    assert abs(arrival(quick)[0] - (t_off + DISMOUNT_S + walk / FOOT)) <= 2 * DT
    assert abs(arrival(slow)[0] - arrival(quick)[0] - 600.0) <= 2 * DT
    # The measure is the time it dismounted; a phase waiting for the dismount starts then.
    assert quick.measure("off")[0] == t_off
    assert quick.measure("off-phase")[0] == t_off


def test_a_squad_dismounts_for_an_enemy_in_its_picture_and_stays_on_foot(runner: Runner) -> None:
    """An enemy post seen 1 km ahead of the road: the squad dismounts (reason contact) as soon as its side
    sees the post within dismount_range_m, walks the rest and arrives later than without the enemy."""
    data = squads(dismount_range_m=1500.0)
    data["catalogue"]["sensors"]["eye"] = eye(range_scale_m=1500.0, max_range_m=1500.0)
    data["catalogue"]["unit_types"]["motor-squad"]["sensors"] = [{"sensor": "eye"}]
    post = {"category": "infantry", "personnel": 5, "speed_mps": {"open": 1}}
    data["catalogue"]["unit_types"]["post"] = post
    data["units"]["red/post"] = {"type": "post", "nation": "R", "at": at(3000, 1000)}
    result = runner.run(data, reps=1)
    clear = runner.run(squads(dismount_range_m=1500.0), reps=1)
    off = result.select("UnitDismounted")
    assert off["detail"].to_pylist() == ["contact"]
    assert int(result.count("UnitMounted")[0]) == 0  # no remount while the task lasts
    assert arrival(result)[0] > arrival(clear)[0] + DISMOUNT_S


def test_shuttling_with_fewer_seats_takes_longer(runner: Runner) -> None:
    """Seats for all: 500 s. Seats for half: two loads, so the column advances at 1 / (2 * 2 - 1) of the
    trucks' speed (1,500 s). Seats for a fifth: five loads at 1/9 of 10 m/s is slower than walking, so the
    squad walks (reason seats)."""
    full = arrival(runner.run(squads(seats=10), reps=1))[0]
    half_run = runner.run(squads(seats=5), reps=1)
    half = arrival(half_run)[0]
    fifth_run = runner.run(squads(seats=2), reps=1)
    assert abs(full - LEG / RIDE) <= 2 * DT
    assert abs(half - 3.0 * LEG / RIDE) <= 2 * DT
    assert half > full
    assert fifth_run.select("UnitDismounted")["detail"].to_pylist() == ["seats"]
    assert abs(arrival(fifth_run)[0] - (DISMOUNT_S + LEG / FOOT)) <= 2 * DT


def _minefield(data: dict[str, Any]) -> dict[str, Any]:
    belt = [at(2000, -3000), at(2100, -3000), at(2100, 3000), at(2000, 3000)]
    data["areas"] = {"belt": {"kind": "engagement", "polygon": belt}}
    data["obstacles"] = {"mf": {"kind": "minefield", "side": "red", "area": "belt", "p_encounter": 1.0}}
    data["measures"]["mine-losses"] = {"kind": "obstacle-casualties", "side": "blue", "obstacle": "mf"}
    return data


def test_a_mine_hurts_mounted_troops_more_and_takes_their_truck(runner: Runner) -> None:
    """Every element sets off a mine (p_encounter 1): on foot each loses the field's 1 person per
    encounter; mounted, the mine takes the truck and hurts mine_casualties (2.7) of the 10 on board."""
    n = 4
    mounted = runner.run(_minefield(squads(count=n)), reps=1)
    walking = runner.run(_minefield(squads(count=n, task={"mounted": False})), reps=1)
    assert mounted.measure("mine-losses")[0] == pytest.approx(n * 2.7)
    assert walking.measure("mine-losses")[0] == pytest.approx(n * 1.0)
    assert mounted.measure("trucks-lost")[0] == n
    assert walking.measure("trucks-lost")[0] == 0
    assert int(mounted.count("CarrierLost")[0]) == n


def _ambushed(fire_exposure: float) -> dict[str, Any]:
    """The squads drive past a red rifle post 500 m off their road; they never dismount for it (range 0)."""
    data = squads(count=4, fire_exposure=fire_exposure, dismount_range_m=0.0)
    data["catalogue"]["weapons"]["rifle"] = rifle(0.02, max_range_m=1500.0)
    data["catalogue"]["sensors"]["eye"] = eye(range_scale_m=1500.0, max_range_m=1500.0)
    data["catalogue"]["unit_types"]["post"] = {
        "category": "infantry",
        "personnel": 10,
        "speed_mps": {"open": 1},
        "weapons": [{"weapon": "rifle", "count": 10}],
        "sensors": [{"sensor": "eye"}],
    }
    data["units"]["red/post"] = {"type": "post", "nation": "R", "at": at(2500, 500)}
    return data


def test_fire_hurts_troops_in_soft_carriers_more_and_behind_armour_less(runner: Runner) -> None:
    """fire_exposure scales the direct-fire effect on mounted people (expected values, no draws)."""
    lost = {k: runner.run(_ambushed(k), reps=1, stochastic=False).losses("blue")[0] for k in (0.5, 1.0, 2.0)}
    assert lost[2.0] > lost[1.0] > lost[0.5] > 0.0


def test_carriers_naming_a_vehicle_the_type_lacks_are_refused(runner: Runner) -> None:
    """The carriers' vehicle must be one of the unit type's vehicles: an input error naming the field."""
    data = squads(vehicle="btr-80")
    with pytest.raises(InputError, match="carriers"):
        runner.scenario(data)


def test_shuttle_and_mine_formulas() -> None:
    """Loads: ceil(P / (V s)); advance: 1 / (2n - 1); mine casualties: the figure, at most one load."""
    assert shuttle_trips([10, 10, 10, 0], [1, 1, 0, 1], [10, 4, 10, 10]).tolist() == [1, 3, np.inf, 1]
    assert shuttle_speed_factor([1, 2, 3]).tolist() == pytest.approx([1.0, 1 / 3, 1 / 5])
    hurt = carrier_mine_casualties([2.7, 2.7], [10, 4], [1, 2], [10, 10])
    assert hurt.tolist() == pytest.approx([2.7, 2.0])
