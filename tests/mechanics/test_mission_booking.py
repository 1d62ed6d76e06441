"""How fire missions are booked (docs/mechanics/indirect-fire.md, "One mission at a time", "Mission ids",
"Fire at parked carriers"): a battery holds one mission at a time and never fires more rounds than it
has; each side numbers its missions on its own, so a change on one side leaves the other side's missions
and their random draws as they were; an observer that sees troops does not call fire on empty parked
carriers.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from effects_kit import Result, Runner, at, base, eye

REPS = 6


def mortar(lethal_radius_m: float = 16.0) -> dict[str, Any]:
    """An 82 mm mortar as core-v1 has it, firing 60 rounds a minute (so a volley ends well within a step)."""
    return {
        "kind": "indirect",
        "max_range_m": 4000,
        "rate_per_min": 60,
        "rounds_per_mission": 6,
        "lethal_radius_m": lethal_radius_m,
        "vehicle_lethal_radius_m": {"soft": 8, "light": 2},
        "dispersion_m": 50,
        "projectile_speed_mps": 150,
    }


def types(cat: dict[str, Any], *, load: int) -> None:
    """An observer (its sightings about 60 m out per axis at 1.5 km: every mission adjusts), a one-tube
    mortar section with ``load`` rounds, and a squad of ten in the open that holds its ground."""
    cat["sensors"]["eye-fo"] = eye(1.0, range_scale_m=1500.0, max_range_m=2500.0) | {"position_error_m": 60.0}
    cat["weapons"]["mortar"] = mortar()
    cat["unit_types"]["fo"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 3,
        "sensors": [{"sensor": "eye-fo"}],
        "signature": 0.0,
    }
    cat["unit_types"]["section"] = {
        "category": "artillery",
        "echelon": "section",
        "personnel": 6,
        "weapons": [{"weapon": "mortar", "count": 1, "ammunition": load}],
        "signature": 0.0,
    }
    cat["unit_types"]["squad"] = {
        "category": "infantry",
        "echelon": "squad",
        "personnel": 10,
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }


def three_squads(*, load: int, dt_s: float, south_m: float = 2500.0) -> dict[str, Any]:
    """A blue observer at the origin sees three red squads 1.2 km north, 400 m apart; a blue mortar section
    ``south_m`` south of it fires on its reports (12 missions at most, ``load`` rounds)."""
    data = base(duration_s=5400.0, dt_s=dt_s)
    types(data["catalogue"], load=load)
    data["units"] = {
        "blue/fo": {"type": "fo", "nation": "B", "at": at(0, 0)},
        "blue/mortar": {"type": "section", "nation": "B", "at": at(0, -south_m)},
        **{f"red/sq/{i}": {"type": "squad", "nation": "R", "at": at(400 * (i - 1), 1200)} for i in range(3)},
    }
    fires = {"task": "fire-support", "units": ["blue/mortar"], "observers": ["blue/fo"], "max_missions": 12}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [fires]}}
    return data


def missions_by_battery(result: Result) -> dict[tuple[int, str], list[tuple[float, str, float]]]:
    """Per (replication, battery): its requests, firings and ends in time order, as (time, kind, mission)."""
    out: dict[tuple[int, str], list[tuple[float, str, float]]] = defaultdict(list)
    for kind, battery_column in (
        ("FireMissionRequested", "detail"),
        ("RoundsFired", "unit"),
        ("FireMissionRefused", "unit"),
        ("FireMissionCompleted", "unit"),
    ):
        table = result.select(kind).to_pydict()
        for rep, t, battery, mission in zip(
            table["replication"], table["time_s"], table[battery_column], table["value"], strict=True
        ):
            out[(rep, battery)].append((t, kind, mission))
    for events in out.values():
        events.sort()
    return out


def test_a_battery_holds_one_mission_at_a_time_and_never_overdraws(runner: Runner) -> None:
    """With three squads in sight, every mission adjusting and steps of two minutes, a battery takes no
    request while one of its missions is at the fire direction centre or adjusting (its last rounds, the
    fire for effect, are fired before the next request), and the rounds it fires never exceed its load of
    20 (the last volley is cut to what is left, reported as ``AmmunitionExhausted``)."""
    load = 20
    result = runner.run(three_squads(load=load, dt_s=120.0), reps=REPS)
    assert result.count("FireMissionRequested").min() >= 2
    for (rep, battery), events in missions_by_battery(result).items():
        last_fired = {m: t for t, kind, m in events if kind == "RoundsFired"}
        requests = [(t, m) for t, kind, m in events if kind == "FireMissionRequested"]
        ends = {m: t for t, kind, m in events if kind == "FireMissionRefused"} | last_fired
        for (_, first), (t_next, _) in itertools.pairwise(requests):
            assert first in ends, (rep, battery, first)
            assert ends[first] <= t_next, (rep, battery, first, ends[first], t_next)
    per_rep = result.total("RoundsFired", "count")
    assert (per_rep <= load).all(), per_rep
    assert (per_rep == load).any()  # the load is spent in some replication: the bound is reached
    assert (result.count("AmmunitionExhausted")[per_rep == load] == 1).all()


def two_sides(*, blue_battery: bool) -> dict[str, Any]:
    """Red's observer at (0, 1.5 km) sees a blue squad at the origin, and a red mortar section 3.5 km north
    of the squad fires on its reports; blue's observer sees a red squad at (1.5, 1.5) km. With
    ``blue_battery``, a blue section 2.5 km south fires on blue's reports rounds that hurt nobody (lethal
    radius 0), so it changes nothing on the ground: only blue's missions are added."""
    data = base(duration_s=5400.0, dt_s=30.0)
    cat = data["catalogue"]
    types(cat, load=60)
    cat["weapons"]["dud"] = mortar(lethal_radius_m=0.0) | {"max_range_m": 6000}
    del cat["weapons"]["dud"]["vehicle_lethal_radius_m"]
    cat["unit_types"]["dud-section"] = cat["unit_types"]["section"] | {
        "weapons": [{"weapon": "dud", "count": 1, "ammunition": 60}]
    }
    data["units"] = {
        "blue/fo": {"type": "fo", "nation": "B", "at": at(300, 0)},
        "blue/sq": {"type": "squad", "nation": "B", "at": at(0, 0)},
        "red/fo": {"type": "fo", "nation": "R", "at": at(0, 1500)},
        "red/mortar": {"type": "section", "nation": "R", "at": at(0, 3500)},
        "red/sq": {"type": "squad", "nation": "R", "at": at(1500, 1500)},
    }
    red = {"task": "fire-support", "units": ["red/mortar"], "observers": ["red/fo"], "max_missions": 8}
    tasks = [red]
    if blue_battery:
        data["units"]["blue/dud"] = {"type": "dud-section", "nation": "B", "at": at(0, -2500)}
        tasks.append(
            {"task": "fire-support", "units": ["blue/dud"], "observers": ["blue/fo"], "max_missions": 8}
        )
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": tasks}}
    return data


def red_fire(result: Result) -> dict[str, list[tuple[Any, ...]]]:
    """Red's missions as the event log has them: requests, impacts, and the hits on the blue squad."""
    requested = result.select("FireMissionRequested", side="red").to_pydict()
    impacts = result.select("RoundsImpacted", unit="red/mortar").to_pydict()
    hits = result.select("UnitHit", unit="blue/sq").to_pydict()
    return {
        "requested": list(
            zip(*(requested[c] for c in ("replication", "time_s", "value", "other")), strict=True)
        ),
        "impacts": list(
            zip(*(impacts[c] for c in ("replication", "time_s", "value", "count", "x_m", "y_m")), strict=True)
        ),
        "hits": list(zip(*(hits[c] for c in ("replication", "time_s", "count", "other")), strict=True)),
    }


def test_a_side_s_missions_do_not_renumber_the_other_side_s(runner: Runner) -> None:
    """Adding a blue fire-support unit that opens missions of its own (before and between red's) leaves
    red's missions as they were: the same ids, requests, fall of shot (its random draws are keyed on the
    mission id) and casualties, replication by replication; ids stay unique in the event log."""
    from drillsim.mechanics.indirect_fire.step import MISSION_IDS_PER_SIDE

    with_blue = runner.run(two_sides(blue_battery=True), reps=REPS)
    without = runner.run(two_sides(blue_battery=False), reps=REPS)
    blue_asked = with_blue.select("FireMissionRequested", side="blue").to_pydict()
    red_asked = with_blue.select("FireMissionRequested", side="red").to_pydict()
    assert len(blue_asked["value"]) >= REPS
    assert len(red_asked["value"]) >= REPS
    # Blue asks no later than red: a count shared by the sides would interleave their ids.
    assert min(blue_asked["time_s"]) <= min(red_asked["time_s"])
    assert red_fire(with_blue) == red_fire(without)
    assert len(red_fire(without)["hits"]) > 0  # red's rounds hurt the squad: the draws are compared
    asked = with_blue.select("FireMissionRequested").to_pydict()
    ids = list(zip(asked["replication"], asked["value"], strict=True))
    assert len(set(ids)) == len(ids)
    assert all(v < MISSION_IDS_PER_SIDE for v in blue_asked["value"])  # blue is the first side
    assert all(v > MISSION_IDS_PER_SIDE for v in red_asked["value"])


def platoon_and_truck() -> dict[str, Any]:
    """A red motorised platoon leaves its truck at (0, 1.0 km) and walks 200 m on to (0, 1.2 km), where it
    stays in the open; the blue observer at the origin sees both, and the blue mortar section 2 km south
    fires on its reports (12 missions, 60 rounds)."""
    data = three_squads(load=60, dt_s=30.0, south_m=2000.0)
    data["catalogue"]["unit_types"]["motor-platoon"] = {
        "category": "motorised",
        "echelon": "platoon",
        "personnel": 10,
        "vehicles": {"truck": 1},
        "speed_mps": {"open": 1.2},
        "carriers": {"vehicle": "truck", "seats": 10, "speed_mps": {"open": 10.0}, "armour": "soft"},
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["units"] = {k: v for k, v in data["units"].items() if k.startswith("blue/")}
    data["units"]["red/pl"] = {"type": "motor-platoon", "nation": "R", "at": at(0, 1000)}
    walk = {"task": "move", "units": ["red/pl"], "to": at(0, 1200), "mounted": False}
    data["plan"]["phases"]["go"]["tasks"].append(walk)
    return data


def test_an_observer_seeing_troops_calls_fire_on_them_not_on_an_empty_truck(runner: Runner) -> None:
    """The observer sees the platoon in the open and its empty truck 200 m away: every mission is called on
    the platoon, none on the truck (between missions on the platoon, kept apart by the request interval,
    the battery waits rather than fire at the truck)."""
    result = runner.run(platoon_and_truck(), reps=REPS)
    assert result.count("CarrierSighted", side="blue").min() > 0
    asked = result.select("FireMissionRequested", side="blue")
    assert result.count("FireMissionRequested").min() >= 2
    assert set(asked["other"].to_pylist()) == {"red/pl"}
