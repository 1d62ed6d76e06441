"""The behaviour rules (docs/mechanics/behaviour.md): each rule changes what a unit does the documented
way, and a test of each fails if the rule is taken out (the comparison run names every other rule).

The rules are deterministic (no random draw): the runs use one or a few replications and compare
positions and ``InitiativeTaken`` events.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from effects_kit import Result, Runner, at, base, eye, rifle

from drillsim.mechanics.behaviour import (
    Assessment,
    cover_hold,
    faced_strength,
    moving_away,
    next_cover_level,
    pursuit_over,
    select_actions,
)
from drillsim.mechanics.behaviour.model import ambush_site, column_in_time
from drillsim.mechanics.behaviour.step import decide
from drillsim.state.batch import (
    BEHAVIOUR_AMBUSH,
    BEHAVIOUR_ASSAULT,
    BEHAVIOUR_COVER,
    BEHAVIOUR_NONE,
    BEHAVIOUR_PROBE,
    BEHAVIOUR_PURSUE,
    BEHAVIOUR_WITHDRAW,
)

ALL_RULES = ["take-cover", "withdraw", "attack", "probe"]


def band_scenario(*, rules: list[str], me: str = "red", sees: bool = True) -> dict[str, Any]:
    """A side's band (one group of 8, following the rule set ``rules``) at the centre; the other side's
    company (40) 1 km north and a lone squad of 8 1.5 km east; nobody fires. ``me`` is the
    band's side; ``sees``: whether the band carries a sensor (every contact identified)."""
    them = "blue" if me == "red" else "red"
    nation = {"red": "R", "blue": "B"}
    data = base(duration_s=1800.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye() | {"identifies": True}
    cat["unit_types"]["group"] = {
        "category": "infantry",
        "personnel": 8,
        "sensors": [{"sensor": "eye"}] if sees else [],
        "speed_mps": {"open": 2.0},
    }
    cat["unit_types"]["enemy-group"] = {"category": "infantry", "personnel": 8, "speed_mps": {"open": 2.0}}
    cat["unit_types"]["company"] = {"category": "infantry", "personnel": 40, "speed_mps": {"open": 2.0}}
    cat["behaviours"] = {"rules": {"rules": rules}}
    data["units"] = {
        f"{me}/band": {"type": "group", "nation": nation[me], "at": at(0, 0), "behaviour": "rules"},
        f"{them}/company": {"type": "company", "nation": nation[them], "at": at(0, 1000)},
        f"{them}/lone": {"type": "enemy-group", "nation": nation[them], "at": at(1500, 0)},
    }
    return data


def where(result: Result, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Where a unit is at the end of the run, per replication (metres from the centre)."""
    sim = result.sim
    i = sim.world.forces.index(unit)
    return sim.state.x[:, i], sim.state.y[:, i]


def actions(result: Result, unit: str) -> list[str]:
    return [str(a) for a in result.select("InitiativeTaken", unit=unit)["detail"].to_pylist()]


@pytest.mark.parametrize("me", ["red", "blue"])
def test_withdraw_when_outmatched(runner: Runner, me: str) -> None:
    """withdraw: a band facing five times its strength falls back away from it (either side alike);
    without the rule it stays where it is."""
    band = f"{me}/band"
    on = runner.run(band_scenario(rules=ALL_RULES, me=me), reps=1, until_s=900.0)
    off = runner.run(band_scenario(rules=["take-cover", "attack", "probe"], me=me), reps=1, until_s=900.0)
    assert actions(on, band)[0] == "withdraw"
    assert where(on, band)[1][0] < -1000.0  # south, away from the company to the north
    assert actions(off, band) == []
    assert abs(where(off, band)[1][0]) < 1.0


def test_attack_the_weakest_contact_within_reach(runner: Runner) -> None:
    """attack: three bands (24) go for the lone squad (8), the weakest contact, not the company (40);
    without the rule they stay put."""
    data = band_scenario(rules=["attack"])
    data["units"]["red/band"]["count"] = 3
    on = runner.run(data, reps=1, until_s=900.0)
    data["catalogue"]["behaviours"]["rules"]["rules"] = ["take-cover", "withdraw", "probe"]
    off = runner.run(data, reps=1, until_s=900.0)
    x, y = where(on, "red/band/1")
    assert np.hypot(x - 1500.0, y)[0] < 150.0
    assert set(on.select("InitiativeTaken")["other"].to_pylist()) == {"blue/lone"}
    x, y = where(off, "red/band/1")
    assert np.hypot(x, y)[0] < 1.0


def test_no_attack_on_what_the_side_has_not_seen(runner: Runner) -> None:
    """The rules read the side's picture: bands without a sensor do not go for the squad they never saw."""
    data = band_scenario(rules=["attack"], sees=False)
    data["units"]["red/band"]["count"] = 3
    result = runner.run(data, reps=1, until_s=900.0)
    assert len(result.select("InitiativeTaken")) == 0


def test_probe_before_the_assault(runner: Runner) -> None:
    """probe: the bands halt short of the squad and watch for probe_s before closing; without the rule
    they close at once."""
    data = band_scenario(rules=["attack", "probe"])
    data["units"]["red/band"]["count"] = 3
    data["catalogue"]["behaviours"]["rules"] |= {"probe_s": 300, "probe_distance_m": 600}
    probing = runner.run(data, reps=1, until_s=1200.0)
    data["catalogue"]["behaviours"]["rules"]["rules"] = ["attack"]
    straight = runner.run(data, reps=1, until_s=1200.0)
    probe_t = probing.first("InitiativeTaken", unit="red/band/1", detail="probe")[0]
    assault_t = probing.first("InitiativeTaken", unit="red/band/1", detail="assault")[0]
    # 900 m to the probe point at 2 m/s, halted within PROBE_HALT_M (100 m) of it, then 300 s of watching.
    assert assault_t >= probe_t + 400.0 + 300.0 - 20.0
    assert actions(straight, "red/band/1") == ["assault"]
    assert straight.first("InitiativeTaken", unit="red/band/1", detail="assault")[0] < assault_t


def air_scenario(rules: list[str]) -> dict[str, Any]:
    """The band marches 6 km north; a blue helicopter patrols across its path 3 km ahead from 3 minutes on."""
    data = band_scenario(rules=rules)
    data["units"] = {k: v for k, v in data["units"].items() if k == "red/band"}
    data["catalogue"]["unit_types"]["heli"] = {
        "category": "helicopter",
        "domain": "air",
        "echelon": "flight",
        "personnel": 2,
        "air": {"cruise_speed_mps": 50.0, "endurance_s": 7200.0, "altitude_m": 300},
    }
    data["sites"] = {"base": {"kind": "airbase", "at": at(-8000, 3000), "nation": "B"}}
    data["units"]["blue/heli"] = {"type": "heli", "nation": "B", "at": at(-8000, 3000), "home": "base"}
    data["plan"]["phases"] = {
        "go": {
            "trigger": {"at_s": 0},
            "tasks": [
                {"task": "move", "units": ["red/band"], "to": at(0, 6000)},
                {"task": "patrol", "units": ["blue/heli"], "waypoints": [at(-1000, 3000), at(1000, 3000)]},
            ],
        }
    }
    return data


def test_take_cover_when_aircraft_are_seen(runner: Runner) -> None:
    """take-cover: the band goes to ground (halts, hidden) while the helicopter is about; without the rule
    it marches on."""
    down = runner.run(air_scenario(ALL_RULES), reps=1)
    on = runner.run(air_scenario(["withdraw", "attack", "probe"]), reps=1)
    assert "take-cover" in actions(down, "red/band")
    assert where(down, "red/band")[1][0] < 1500.0
    assert where(on, "red/band")[1][0] > 3500.0
    assert actions(on, "red/band") == []


@pytest.mark.parametrize("watcher", [True, False])
def test_take_cover_on_the_side_picture_of_aircraft(runner: Runner, watcher: bool) -> None:
    """take-cover reads the side's picture: a band with no sensor of its own goes to ground when a red
    watcher beside it sees the helicopter and reports it; with no one to see it, the band marches on."""
    data = air_scenario(ALL_RULES)
    data["catalogue"]["unit_types"]["group"]["sensors"] = []
    if watcher:
        data["catalogue"]["unit_types"]["watcher"] = {
            "category": "infantry",
            "personnel": 2,
            "sensors": [{"sensor": "eye"}],
            "speed_mps": {"open": 2.0},
        }
        data["units"]["red/watcher"] = {"type": "watcher", "nation": "R", "at": at(0, 200)}
        data["plan"]["phases"]["go"]["tasks"][0]["units"] = ["red/band", "red/watcher"]
    result = runner.run(data, reps=1)
    if watcher:
        assert "take-cover" in actions(result, "red/band")
        assert where(result, "red/band")[1][0] < 3000.0
    else:
        assert actions(result, "red/band") == []
        assert where(result, "red/band")[1][0] > 3500.0


def returning_patrol(wary_s: float) -> dict[str, Any]:
    """The band waits in the open; a helicopter flies a 30 km loop north of it, within the band's air radius
    (5 km) for about 160 s of every 1,200 s, for three hours."""
    data = air_scenario(ALL_RULES)
    data["time"]["duration_s"] = 10800.0
    data["catalogue"]["unit_types"]["heli"]["air"]["endurance_s"] = 20000.0
    data["catalogue"]["behaviours"]["rules"] |= {"cover_s": 600, "wary_s": wary_s}
    data["plan"]["phases"]["go"]["tasks"] = [
        {"task": "patrol", "units": ["blue/heli"], "waypoints": [at(0, 3000), at(0, 18000)]}
    ]
    return data


def test_take_cover_hysteresis_against_a_returning_patrol(runner: Runner) -> None:
    """take-cover hysteresis: against a patrol that comes back every 20 minutes the band's hold doubles
    (600 s, then 1,200 s, longer than the patrol's 1,040 s away), so it stays down after its second
    sighting; without the doubling (wary_s 0) it goes to ground and gets up again on every pass."""
    damped = actions(runner.run(returning_patrol(3600.0), reps=1), "red/band")
    plain = actions(runner.run(returning_patrol(0.0), reps=1), "red/band")
    assert damped.count("take-cover") == 2
    assert damped[-1] == "take-cover"
    assert plain.count("take-cover") >= 6  # one per pass of the nine in three hours, give or take the ends
    assert plain.count("resume") >= plain.count("take-cover") - 1


def test_cover_hold_doubles_up_to_its_cap() -> None:
    """The hold is cover_s doubled once per quick return, capped at max_cover_s; a return after wary_s
    resets it."""
    hold = cover_hold(np.array([0, 1, 2, 5]), np.full(4, 600.0), np.full(4, 7200.0))
    assert hold.tolist() == [600.0, 1200.0, 2400.0, 7200.0]
    level = next_cover_level(np.array([2, 2]), np.array([500.0, 4000.0]), np.full(2, 3600.0))
    assert level.tolist() == [3, 0]


def test_ambush_sites_and_timing_element_by_element() -> None:
    """Each party's site lies offset_m from its road point on its side (north when on the point), and a
    column counts only beyond the kill zone, at finite road distance, both speeds above zero, in time."""
    sx, sy = ambush_site(
        np.array([0.0, 300.0, 50.0]),
        np.array([400.0, 0.0, 50.0]),
        np.array([0.0, 0.0, 50.0]),
        np.array([0.0, 0.0, 50.0]),
        np.array([100.0, 150.0, 80.0]),
    )
    assert sx.tolist() == [0.0, 150.0, 50.0]
    assert sy.tolist() == [100.0, 0.0, 130.0]
    # party 600 m at 1 m/s, lead 60 s: there at 660 s; column at 10 m/s reaches the zone's edge (200 m)
    # at (column_m - 200) / 10 s.
    column_m = np.array([6000.0, 8600.0, 150.0, np.inf, 9000.0, 9000.0])
    column_speed = np.array([10.0, 10.0, 10.0, 10.0, 0.0, 10.0])
    party_speed = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    timely = column_in_time(np.full(6, 600.0), party_speed, column_m, column_speed, np.full(6, 60.0), 200.0)
    assert timely.tolist() == [False, True, False, False, False, False]


def test_rules_decide_in_priority_order() -> None:
    """The selector: taking cover beats withdrawing, withdrawing beats attacking, attacking beats the task;
    with probe on, an attack first probes, and closes once it has watched for probe_s."""
    n = 5
    a = Assessment(
        air_seen_at=np.array([900.0, -np.inf, -np.inf, -np.inf, -np.inf]),
        friendly=np.array([8.0, 8.0, 30.0, 30.0, 30.0]),
        enemy=np.array([40.0, 40.0, 8.0, 8.0, 8.0]),
        target=np.array([3, 3, 3, 3, 3]),
        target_strength=np.full(n, 8.0),
        target_distance=np.full(n, 1000.0),
        withdrawing=np.zeros(n, dtype=bool),
        mode=np.array([0, 0, 0, BEHAVIOUR_PROBE, BEHAVIOUR_PROBE]),
        previous_target=np.array([-1, -1, -1, 3, 3]),
        probe_halted_at=np.array([np.inf, np.inf, np.inf, 500.0, 900.0]),
    )
    on = np.ones(n, dtype=bool)
    action = select_actions(
        a,
        time_s=1000.0,
        take_cover=on,
        withdraw=on,
        attack=on,
        probe=np.array([False, False, False, True, True]),
        withdraw_below=np.full(n, 0.33),
        attack_above=np.full(n, 3.0),
        probe_s=np.full(n, 300.0),
        cover_s=np.full(n, 600.0),
    )
    expected = [BEHAVIOUR_COVER, BEHAVIOUR_WITHDRAW, BEHAVIOUR_ASSAULT, BEHAVIOUR_ASSAULT, BEHAVIOUR_PROBE]
    assert action.tolist() == expected


def approach(rules: list[str]) -> dict[str, Any]:
    """A blue column (20, 5 m/s on roads, unarmed, blind) drives 12 km east along a straight road through the
    centre; a red band of 8 (an identifying eye, a rifle, 1.5 m/s across country) waits 800 m north of the
    road, following the rule set ``rules`` and looking 6 km out."""
    data = base(duration_s=2400.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye() | {"identifies": True}
    cat["weapons"]["rifle"] = rifle(0.01)
    cat["unit_types"]["group"] = {
        "category": "infantry",
        "personnel": 8,
        "sensors": [{"sensor": "eye"}],
        "weapons": [{"weapon": "rifle", "count": 8, "ammunition": 1000}],
        "speed_mps": {"open": 1.5},
    }
    cat["unit_types"]["column"] = {
        "category": "motorised",
        "personnel": 20,
        "speed_mps": {"open": 2.0, "road": 5.0},
    }
    cat["behaviours"] = {"rules": {"rules": rules, "reach_m": 6000}}
    data["lines"] = {"the-road": {"kind": "road", "points": [at(x, 0) for x in range(-6000, 6001, 500)]}}
    data["units"] = {
        "red/band": {"type": "group", "nation": "R", "at": at(0, 800), "behaviour": "rules"},
        "blue/column": {"type": "column", "nation": "B", "at": at(-6000, 0)},
    }
    drive = {"task": "move", "units": ["blue/column"], "to": at(6000, 0), "via": ["the-road"]}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [drive]}}
    return data


def test_ambush_the_approach(runner: Runner) -> None:
    """ambush: the band sees the column coming along the road, goes to lie 100 m beside the road point
    nearest it ahead of the column, opens fire when the column enters the kill zone, then withdraws;
    without the rule no ambush is ever sprung and the band stays where it is."""
    reps = 4
    on = runner.run(approach(["ambush"]), reps=reps)
    off = runner.run(approach(["take-cover", "withdraw", "attack", "probe"]), reps=reps)
    sprung = on.select("AmbushSprung", unit="red/band", detail="kill-zone")
    assert len(sprung) > 0
    assert set(sprung["other"].to_pylist()) == {"blue/column"}
    decided = actions(on, "red/band")
    assert decided[:2] == ["ambush", "withdraw"]
    assert len(off.select("AmbushSprung")) == 0
    x, y = where(off, "red/band")
    assert np.allclose(x, 0.0, atol=1.0)
    assert np.allclose(y, 800.0, atol=1.0)


def test_ambush_only_a_column_coming(runner: Runner) -> None:
    """ambush reads the column's estimated velocity: a slow column (1 m/s) 2 km west of the band's road
    point and driving east along the road is coming, and the band lays an ambush for it; the same column 2 km
    east and driving east goes away, and no ambush is laid, though it is on the road, within reach, and
    would reach the road point long after the band could lie beside it had it turned."""

    def column(start_x: float) -> dict[str, Any]:
        data = approach(["ambush"])
        data["catalogue"]["unit_types"]["column"]["speed_mps"] = {"open": 1.0, "road": 1.0}
        data["units"]["blue/column"]["at"] = at(start_x, 0)
        del data["plan"]["phases"]["go"]["tasks"][0]["via"]  # straight east along the road
        return data

    coming = runner.run(column(-2000.0), reps=2)
    going = runner.run(column(2000.0), reps=2)
    assert actions(coming, "red/band")[:1] == ["ambush"]
    assert "ambush" not in actions(going, "red/band")


def motor_column(lookout_x: float, lookout_m: float) -> dict[str, Any]:
    """A blue motor column (unidentified speed 40 km/h: 11.1 m/s on roads) drives east along the road from
    16 km west of the band's road point; the band (800 m off the road, 1.5 m/s across country, ``reach_m``
    left at 3 km) and a red look-out pair 500 m off the road at ``lookout_x`` each see 1.5 km at most; red
    reports at once; the band weighs columns within ``lookout_m`` of its road point."""
    data = approach(["ambush"])
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(range_scale_m=1000.0, max_range_m=1500.0) | {"identifies": True}
    cat["unit_types"]["column"]["speed_mps"] = {"open": 5.0, "road": 11.1}
    cat["unit_types"]["look-out"] = {
        "category": "infantry",
        "personnel": 2,
        "sensors": [{"sensor": "eye"}],
        "speed_mps": {"open": 1.0},
    }
    cat["behaviours"] = {"rules": {"rules": ["ambush"], "ambush_lookout_m": lookout_m}}
    data["lines"]["the-road"]["points"] = [at(x, 0) for x in range(-16000, 6001, 500)]
    data["units"]["blue/column"]["at"] = at(-16000, 0)
    data["units"]["red/look-out"] = {"type": "look-out", "nation": "R", "at": at(lookout_x, 500)}
    return data


def test_a_motor_column_ambushed_only_on_early_warning(runner: Runner) -> None:
    """The look-out distance: the band needs 467 s to reach its site and 300 s to lie down, in which a
    column at 40 km/h covers 8.5 km. A look-out 13 km up the road sees the column 14.5 km out and the band
    lays the ambush and springs it; a look-out 6 km up the road sees it 7.5 km out, too late, and no ambush
    is laid; the far look-out with the look-out distance cut to 3 km (the band's reach, the distance the
    rule used before) lays none either, though the column is seen as early."""
    early = runner.run(motor_column(-13000.0, 15000.0), reps=2)
    late = runner.run(motor_column(-6000.0, 15000.0), reps=2)
    short = runner.run(motor_column(-13000.0, 3000.0), reps=2)
    assert actions(early, "red/band")[:1] == ["ambush"]
    sprung = early.select("AmbushSprung", unit="red/band", detail="kill-zone")
    assert set(sprung["other"].to_pylist()) == {"blue/column"}
    assert "ambush" not in actions(late, "red/band")
    assert "ambush" not in actions(short, "red/band")
    for result in (late, short):
        x, y = where(result, "red/band")
        assert np.allclose(x, 0.0, atol=1.0)
        assert np.allclose(y, 800.0, atol=1.0)


def test_an_ambush_under_way_outranks_cover_and_withdrawal() -> None:
    """The selector: a party lying in ambush stays there under an aircraft and against a stronger column; a
    new ambush beats attacking but not withdrawing; an ambush that is over becomes a withdrawal."""
    n = 4
    a = Assessment(
        air_seen_at=np.array([900.0, -np.inf, -np.inf, -np.inf]),
        friendly=np.array([8.0, 8.0, 30.0, 30.0]),
        enemy=np.array([40.0, 40.0, 8.0, 8.0]),
        target=np.full(n, 3),
        target_strength=np.full(n, 8.0),
        target_distance=np.full(n, 1000.0),
        withdrawing=np.zeros(n, dtype=bool),
        mode=np.array([BEHAVIOUR_AMBUSH, 0, 0, BEHAVIOUR_AMBUSH]),
        previous_target=np.full(n, 3),
        probe_halted_at=np.full(n, np.inf),
        ambushing=np.array([True, False, False, False]),
        ambush_over=np.array([False, False, False, True]),
        can_ambush=np.array([False, True, True, False]),
    )
    on = np.ones(n, dtype=bool)
    action = select_actions(
        a,
        time_s=1000.0,
        take_cover=on,
        withdraw=on,
        attack=on,
        probe=np.zeros(n, dtype=bool),
        withdraw_below=np.full(n, 0.33),
        attack_above=np.full(n, 3.0),
        probe_s=np.full(n, 300.0),
        cover_s=np.full(n, 600.0),
    )
    assert action.tolist() == [BEHAVIOUR_AMBUSH, BEHAVIOUR_WITHDRAW, BEHAVIOUR_AMBUSH, BEHAVIOUR_WITHDRAW]


@pytest.mark.parametrize("speed_mps", [0.0, 10.0])
def test_attack_reads_the_believed_position(runner: Runner, speed_mps: float) -> None:
    """attack weighs a contact where its side believes it now: the lone squad last seen 3.5 km east of
    three blind bands (reach 3 km) 100 s ago, coming west at 10 m/s, is believed 2.5 km away, and the
    bands go for that point; the same sighting with no velocity is out of reach and nobody moves."""
    data = band_scenario(rules=["attack"], sees=False)
    data["units"]["red/band"]["count"] = 3
    del data["units"]["blue/company"]
    sim = runner.simulation(data)
    sim.run(until_s=10.0)
    ctx = sim.ctx
    ctx.t0 = sim.state.time_s
    ctx.t1 = ctx.t0 + sim.world.dt_s
    f = sim.world.forces
    red, lone = f.side_names.index("red"), f.index("blue/lone")
    pic = sim.state.picture
    pic.known_live[0, red, lone] = pic.identified[0, red, lone] = True  # a squad of 8: 24 >= 3 x 8
    pic.known_t[0, red, lone] = ctx.t1 - 100.0
    pic.known_x[0, red, lone], pic.known_y[0, red, lone] = 3500.0, 0.0
    pic.known_vx[0, red, lone] = -speed_mps
    decisions = decide(ctx)
    assert decisions is not None
    if speed_mps == 0.0:
        assert (decisions.action == BEHAVIOUR_NONE).all()
        return
    assert (decisions.action == BEHAVIOUR_ASSAULT).all()
    assert (decisions.target == lone).all()
    np.testing.assert_allclose(decisions.goal_x, 2500.0)
    np.testing.assert_allclose(decisions.goal_y, 0.0, atol=1e-9)


def withdrawal(
    rules: list[str], *, bands: int = 3, heading_y: float = 20000.0, **limits: float
) -> dict[str, Any]:
    """A blue platoon (20, 1 m/s, unarmed, blind) 800 m north of ``bands`` red bands of 8 (identifying
    eyes, 2 m/s, at the centre, no task) marches from 60 s towards ``(0, heading_y)``; the bands follow the
    rule set ``rules`` with the pursuit's ``limits``."""
    data = band_scenario(rules=rules)
    data["catalogue"]["behaviours"]["rules"] |= limits
    data["catalogue"]["unit_types"]["platoon"] = {
        "category": "infantry",
        "personnel": 20,
        "speed_mps": {"open": 1.0},
    }
    data["units"] = {
        "red/band": data["units"]["red/band"] | {"count": bands},
        "blue/platoon": {"type": "platoon", "nation": "B", "at": at(0, 800)},
    }
    march = {"task": "move", "units": ["blue/platoon"], "to": at(0, heading_y)}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 60}, "tasks": [march]}}
    return data


def decided_at(result: Result, unit: str, action: str) -> list[float]:
    """When the unit took the decision ``action``, in order."""
    return sorted(
        float(t) for t in result.select("InitiativeTaken", unit=unit, detail=action)["time_s"].to_pylist()
    )


@pytest.mark.parametrize(
    ("pursue_s", "pursue_distance_m"),
    [(600.0, 10000.0), (3000.0, 700.0)],
    ids=["time-limit", "distance-limit"],
)
def test_pursue_a_withdrawing_platoon_and_break_off(
    runner: Runner, pursue_s: float, pursue_distance_m: float
) -> None:
    """pursue: three bands (24) see a platoon (20) march away and follow it north, break off at the limit
    (pursue_s after they set out, or pursue_distance_m from where they set out; ``PursuitEnded`` says
    which) and take up their task again (none: they halt), and pursue no more for pursue_s; without the
    rule they stay where they are."""
    limits = {"pursue_s": pursue_s, "pursue_distance_m": pursue_distance_m}
    on = runner.run(withdrawal(["pursue"], **limits), reps=1, until_s=2400.0)
    off = runner.run(withdrawal(["take-cover"], **limits), reps=1, until_s=2400.0)
    band = "red/band/1"
    assert actions(on, band)[:2] == ["pursue", "resume"]
    assert set(on.select("InitiativeTaken", unit=band, detail="pursue")["other"].to_pylist()) == {
        "blue/platoon"
    }
    began, ended = decided_at(on, band, "pursue"), decided_at(on, band, "resume")
    # Where it broke off: rerun to the step of the break-off (the rules draw no random number).
    x, y = where(runner.run(withdrawal(["pursue"], **limits), reps=1, until_s=ended[0]), band)
    gone = float(np.hypot(x, y)[0])  # it set out from the centre
    assert y[0] > 500.0  # north, after the platoon
    ends = on.select("PursuitEnded", unit=band)
    assert ends["time_s"].to_pylist()[0] == ended[0]
    assert ends["other"].to_pylist()[0] == "blue/platoon"
    assert ends["detail"].to_pylist()[0] == ("distance" if pursue_distance_m < 2.0 * pursue_s else "time")
    if pursue_distance_m < 2.0 * pursue_s:
        # Broken off at the first step (10 s, 20 m at 2 m/s) past pursue_distance_m, before pursue_s.
        assert pursue_distance_m <= gone <= pursue_distance_m + 25.0
        assert ended[0] - began[0] < pursue_s
    else:
        # Broken off at the first step at or after pursue_s, short of pursue_distance_m.
        assert pursue_s <= ended[0] - began[0] <= pursue_s + 10.0
        assert gone < pursue_distance_m
    assert all(later >= ended[0] + pursue_s for later in began[1:])
    assert actions(off, band) == []
    assert np.allclose(where(off, band)[1], 0.0, atol=1.0)


@pytest.mark.parametrize(
    ("bands", "heading_y"), [(1, 20000.0), (3, -20000.0), (3, 800.0)], ids=["outnumbered", "coming", "still"]
)
def test_pursue_only_a_weaker_force_going_away(runner: Runner, bands: int, heading_y: float) -> None:
    """pursue reads the odds and the contact's estimated velocity: one band (8) does not pursue the
    platoon (20) marching away, which outnumbers it beyond pursue_above (1); three bands (24) do not pursue
    the same platoon marching towards them (until it would pass them, at 860 s), nor standing still."""
    result = runner.run(withdrawal(["pursue"], bands=bands, heading_y=heading_y), reps=2, until_s=600.0)
    assert "pursue" not in actions(result, "red/band/1" if bands > 1 else "red/band")


def test_a_pursuit_comes_after_the_attack_and_before_the_task() -> None:
    """The selector: a band that finds a contact to pursue pursues it unless it can attack (then it
    attacks) or a rule above holds (cover, withdrawal); the pursuit's conditions and limits as the
    documented expressions."""
    n = 4
    a = Assessment(
        air_seen_at=np.array([900.0, -np.inf, -np.inf, -np.inf]),
        friendly=np.array([30.0, 8.0, 30.0, 20.0]),
        enemy=np.array([8.0, 40.0, 8.0, 8.0]),
        target=np.full(n, 3),
        target_strength=np.full(n, 8.0),
        target_distance=np.full(n, 1000.0),
        withdrawing=np.zeros(n, dtype=bool),
        mode=np.zeros(n, dtype=np.int64),
        previous_target=np.full(n, -1),
        probe_halted_at=np.full(n, np.inf),
        can_pursue=np.ones(n, dtype=bool),
    )
    on = np.ones(n, dtype=bool)
    action = select_actions(
        a,
        time_s=1000.0,
        take_cover=on,
        withdraw=on,
        attack=on,
        probe=np.zeros(n, dtype=bool),
        withdraw_below=np.full(n, 0.33),
        attack_above=np.full(n, 3.0),
        probe_s=np.full(n, 300.0),
        cover_s=np.full(n, 600.0),
    )
    assert action.tolist() == [BEHAVIOUR_COVER, BEHAVIOUR_WITHDRAW, BEHAVIOUR_ASSAULT, BEHAVIOUR_PURSUE]
    # Moving away: a velocity with a component from the band towards the contact.
    away = moving_away(
        np.zeros(3),
        np.zeros(3),
        np.array([0.0, 0.0, 0.0]),
        np.full(3, 500.0),
        np.zeros(3),
        np.array([1.0, -1.0, 0.0]),
    )
    assert away.tolist() == [True, False, False]
    over = pursuit_over(
        np.array([100.0, 1800.0, 100.0]),
        np.array([100.0, 100.0, 3000.0]),
        np.full(3, 1800.0),
        np.full(3, 3000.0),
    )
    assert over.tolist() == [False, True, True]


def _reference_pursuits(
    result: Result,
    rows: np.ndarray,
    elems: np.ndarray,
    odds: tuple[np.ndarray, np.ndarray],
    t1: float,
) -> np.ndarray:
    """The contact each decider pursues, by the documented expressions (``moving_away``, ``pursuit_over``,
    ``faced_strength``, ``Picture.believed``), one decider at a time."""
    friendly, enemy = odds
    s = result.sim.state
    f = result.sim.world.forces
    table = result.sim.world.behaviours
    assert table is not None
    pic = s.picture
    out = np.full(len(rows), -1, dtype=np.int64)
    for k, (r, e) in enumerate(zip(rows.tolist(), elems.tolist(), strict=True)):
        if not table.pursue[e]:
            continue
        m = int(f.side[e])
        cand = np.flatnonzero(pic.known_live[r, m] & f.enemy_ground[m] & (s.status[r] == 0))
        est = np.where(pic.identified[r, m, cand], f.strength0[cand], table.unidentified_strength[e])
        x, y = s.x[r, e], s.y[r, e]
        bx, by, _ = pic.believed(r, m, cand, t1)
        d = np.hypot(bx - x, by - y)
        faced = [faced_strength(a, b, table.radius_m[e], enemy[k]) for a, b in zip(est, d, strict=True)]
        holds = friendly[k] >= table.pursue_above[e] * np.array(faced)
        if s.behaviour_mode[r, e] == BEHAVIOUR_PURSUE:
            same = cand == s.behaviour_target[r, e]
            gone = np.hypot(x - s.pursuit_x[r, e], y - s.pursuit_y[r, e])
            over = pursuit_over(
                np.array([t1 - s.behaviour_since[r, e]]),
                np.array([gone]),
                table.pursue_s[e : e + 1],
                table.pursue_distance_m[e : e + 1],
            )[0]
            if same.any() and holds[same][0] and not over:
                out[k] = s.behaviour_target[r, e]
            continue
        if t1 - s.pursuit_ended_at[r, e] < table.pursue_s[e]:
            continue
        away = moving_away(
            np.full(len(cand), x),
            np.full(len(cand), y),
            bx,
            by,
            pic.known_vx[r, m, cand],
            pic.known_vy[r, m, cand],
        )
        ok = (d <= table.reach_m[e]) & away & holds
        if ok.any():
            out[k] = cand[ok][np.argmin(d[ok])]
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_pursuit_search_matches_the_documented_expressions(runner: Runner, seed: int) -> None:
    """The compiled search for pursuits chooses, for every decider, the contact the documented expressions
    choose, over a stirred state: contacts near and far, going away, coming and still, identified or not;
    pursuits under way within and past their limits; pursuits ended lately or long ago."""
    from drillsim.mechanics.behaviour.step import Pursuing, Standing, _pursuits

    data = withdrawal(["pursue"], bands=6)
    data["units"]["blue/platoon"]["count"] = 8
    data["units"]["blue/platoon"]["spread_m"] = 2000
    result = runner.run(data, reps=4, until_s=10.0)
    rng = np.random.default_rng(seed)
    s = result.sim.state
    f = result.sim.world.forces
    table = result.sim.world.behaviours
    assert table is not None
    pic = s.picture
    t1 = 5000.0
    shape = s.x.shape
    s.x[:] = rng.uniform(-3000.0, 3000.0, shape)
    s.y[:] = rng.uniform(-3000.0, 3000.0, shape)
    s.status[:] = np.where(rng.random(shape) < 0.1, 1, 0)
    pic.known_live[:] = rng.random(pic.known_live.shape) < 0.7
    pic.known_t[:] = t1 - rng.choice([0.0, 100.0, 600.0, 2000.0], pic.known_t.shape)
    pic.known_x[:] = rng.uniform(-3000.0, 3000.0, pic.known_x.shape)
    pic.known_y[:] = rng.uniform(-3000.0, 3000.0, pic.known_y.shape)
    pic.known_vx[:] = np.where(
        rng.random(pic.known_vx.shape) < 0.3, 0.0, rng.normal(0.0, 2.0, pic.known_vx.shape)
    )
    pic.known_vy[:] = np.where(
        rng.random(pic.known_vy.shape) < 0.3, 0.0, rng.normal(0.0, 2.0, pic.known_vy.shape)
    )
    pic.identified[:] = rng.random(pic.identified.shape) < 0.5
    s.behaviour_mode[:] = np.where(rng.random(shape) < 0.5, BEHAVIOUR_PURSUE, 0)
    s.behaviour_target[:] = rng.integers(-1, f.n, shape)
    s.behaviour_since[:] = t1 - rng.choice([0.0, 1000.0, 1799.0, 1800.0, 5000.0], shape)
    s.pursuit_x[:] = s.x + rng.choice([0.0, 1000.0, 2999.0, 3000.0, 4000.0], shape)
    s.pursuit_y[:] = s.y
    s.pursuit_ended_at[:] = t1 - rng.choice([0.0, 1000.0, 1800.0, np.inf], shape)
    rows, elems = np.nonzero(np.broadcast_to(table.pursue, shape))
    friendly = rng.choice([8.0, 16.0, 24.0, 48.0], len(rows))
    enemy = rng.choice([0.0, 8.0, 20.0, 40.0], len(rows))
    got = _pursuits(
        rows,
        elems,
        t1,
        f.belligerents,
        pic.known_layer(),
        (pic.known_vx, pic.known_vy),
        pic.known_live,
        pic.identified,
        Standing(s.status, s.broken, s.strength, s.x, s.y),
        (friendly, enemy),
        table.pursuits,
        Pursuing.of(s),
    )
    expected = _reference_pursuits(result, rows, elems, (friendly, enemy), t1)
    np.testing.assert_array_equal(got, expected)
    assert (expected >= 0).any()
    assert (expected < 0).any()


def covered(rules: list[str], *, sight_m: float = 6000.0) -> dict[str, Any]:
    """:func:`withdrawal` with a blue covering section (20 rifles reaching 1 km, eyes as the bands') in
    hasty defence 2 km north of the bands, on the platoon's way; every eye sees ``sight_m`` at most."""
    data = withdrawal(rules)
    cat = data["catalogue"]
    cat["sensors"]["eye"]["max_range_m"] = sight_m
    cat["weapons"]["rifle"] = rifle(0.02)
    cat["unit_types"]["cover"] = {
        "category": "infantry",
        "personnel": 20,
        "sensors": [{"sensor": "eye"}],
        "weapons": [{"weapon": "rifle", "count": 20, "ammunition": 1000}],
        "speed_mps": {"open": 1.0},
    }
    data["units"]["blue/cover"] = {
        "type": "cover",
        "nation": "B",
        "at": at(0, 2000),
        "posture": "hasty-defence",
    }
    return data


def test_a_cover_fires_only_on_pursuers(runner: Runner) -> None:
    """pursue makes a cover matter: the bands, which see 950 m, pursue the platoon and come upon the
    covering section inside its rifles' reach; it hits them, and they break off (outmatched: 24 against
    the platoon and the section, 40), while bands without the rule stay 2 km off and it never fires."""
    on = runner.run(covered(["pursue"], sight_m=950.0), reps=2, until_s=1800.0)
    off = runner.run(covered(["take-cover"], sight_m=950.0), reps=2, until_s=1800.0)
    assert (on.count("UnitHit", other="blue/cover") > 0).all()
    assert (on.count("PursuitEnded", detail="outmatched") == 3).all()
    assert len(off.select("UnitHit")) == 0


def test_a_pursuit_breaks_off_at_a_stronger_covering_force(runner: Runner) -> None:
    """pursue weighs every enemy it knows near it: the bands (24) see the covering section (20) from the
    start, but it stands beyond their radius (1,500 m) and they pursue the platoon (20); once the section
    comes within the radius they face 40 and break off (``PursuitEnded``, outmatched) about 1,500 m from
    it, out of its rifles' reach: it never fires. Weighing the platoon alone, they followed it onto the
    section and were hit."""
    result = runner.run(covered(["pursue"]), reps=2, until_s=1800.0)
    band = "red/band/1"
    assert actions(result, band)[:2] == ["pursue", "resume"]
    ends = result.select("PursuitEnded", unit=band)
    assert ends["detail"].to_pylist() == ["outmatched", "outmatched"]
    assert (result.count("PursuitEnded") == 3).all()
    sim = result.sim
    f = sim.world.forces
    bands = [f.index(f"red/band/{k}") for k in (1, 2, 3)]
    cover = f.index("blue/cover")
    s = sim.state
    apart = np.hypot(s.x[:, bands] - s.x[:, [cover]], s.y[:, bands] - s.y[:, [cover]])
    assert (apart > 1400.0).all()
    assert len(result.select("UnitHit")) == 0


def friend_at_the_edge() -> dict[str, Any]:
    """A red band of 25 (attack and probe on; radius 1500 m, attack at 3:1, reach 3 km, probe 500 m short)
    marches west at 2 m/s from the centre; a red group of 10 waits 1560 m west of it, just outside its
    radius; a blue post of 10, identified, stands 2.5 km east. The band alone (25) has less than the 30
    the attack needs; with the group inside its radius (35), more. Every step it probes (east, away from
    the group) the group falls out of its radius again, and every step it resumes its march (west) it
    falls back in."""
    data = base(duration_s=1800.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye() | {"identifies": True}
    cat["unit_types"]["band"] = {
        "category": "infantry",
        "personnel": 25,
        "sensors": [{"sensor": "eye"}],
        "speed_mps": {"open": 2.0},
    }
    cat["unit_types"]["group"] = {"category": "infantry", "personnel": 10, "speed_mps": {"open": 2.0}}
    cat["behaviours"] = {
        "rules": {
            "rules": ["attack", "probe"],
            "radius_m": 1500,
            "attack_above": 3,
            "reach_m": 3000,
            "probe_distance_m": 500,
            "probe_s": 300,
        }
    }
    data["units"] = {
        "red/band": {"type": "band", "nation": "R", "at": at(0, 0), "behaviour": "rules"},
        "red/group": {"type": "group", "nation": "R", "at": at(-1560, 0)},
        "blue/post": {"type": "group", "nation": "B", "at": at(2500, 0)},
    }
    march = {"task": "move", "units": ["red/band"], "to": at(-3000, 0)}
    data["plan"]["phases"] = {"march": {"trigger": {"at_s": 0}, "tasks": [march]}}
    return data


def test_an_attack_does_not_churn_on_a_friend_at_the_edge(runner: Runner) -> None:
    """The band probes the post once, keeps at it with the group left behind (25 of the 30 is above the
    ATTACK_HOLD_SHARE of 0.75), watches from its probe point and closes: one probe, one assault, no
    resume. Judged afresh every step, it would probe and resume on alternate steps for as long as it
    stood at the edge."""
    result = runner.run(friend_at_the_edge(), reps=1)
    done = actions(result, "red/band")
    assert done.count("probe") == 1
    assert "resume" not in done
    assert done[-1] == "assault"


def test_attack_odds_hold_under_way_and_wait_after_calling_off() -> None:
    """The attack's hysteresis: at 25 against the 30 an attack needs, a probe under way on the same contact
    goes on (25 >= 0.75 * 30), a new attack does not begin; an attack called off 100 s ago is not taken
    up again even at 40 (within ATTACK_RETRY_S), one called off 700 s ago is."""
    n = 4
    a = Assessment(
        air_seen_at=np.full(n, -np.inf),
        friendly=np.array([25.0, 25.0, 40.0, 40.0]),
        enemy=np.full(n, 10.0),
        target=np.full(n, 3),
        target_strength=np.full(n, 10.0),
        target_distance=np.full(n, 2000.0),
        withdrawing=np.zeros(n, dtype=bool),
        mode=np.array([BEHAVIOUR_PROBE, BEHAVIOUR_NONE, BEHAVIOUR_NONE, BEHAVIOUR_NONE]),
        previous_target=np.array([3, -1, 3, 3]),
        probe_halted_at=np.full(n, np.inf),
        called_off_at=np.array([-np.inf, -np.inf, 900.0, 300.0]),
    )
    on = np.ones(n, dtype=bool)
    action = select_actions(
        a,
        time_s=1000.0,
        take_cover=on,
        withdraw=on,
        attack=on,
        probe=on,
        withdraw_below=np.full(n, 0.33),
        attack_above=np.full(n, 3.0),
        probe_s=np.full(n, 300.0),
        cover_s=np.full(n, 600.0),
    )
    assert action.tolist() == [BEHAVIOUR_PROBE, BEHAVIOUR_NONE, BEHAVIOUR_NONE, BEHAVIOUR_PROBE]


def test_a_reserve_waits_for_its_phase(runner: Runner) -> None:
    """Reserves wait: three bands that a later phase (at 600 s) orders to attack the lone squad do not go for
    it on their own before then; the same bands with no phase naming them attack at once."""
    data = band_scenario(rules=["attack"])
    data["units"]["red/band"]["count"] = 3
    free = runner.run(data, reps=1, until_s=900.0)
    data["plan"]["phases"] = {
        "go": {
            "trigger": {"at_s": 600},
            "tasks": [{"task": "attack", "units": ["red/band"], "target": at(1500, 0)}],
        }
    }
    reserve = runner.run(data, reps=1, until_s=900.0)
    assert free.first("InitiativeTaken", unit="red/band/1", detail="assault")[0] < 600.0
    assert (
        len(reserve.select("InitiativeTaken")) == 0
        or min(float(t) for t in reserve.select("InitiativeTaken")["time_s"].to_pylist()) >= 600.0
    )
    # Ordered in at 600 s, they set out for the squad 1.5 km away (600 m in the 300 s left at 2 m/s).
    x, y = where(reserve, "red/band/1")
    assert np.hypot(x - 1500.0, y)[0] < 1000.0
    # A later phase that only moves them holds nobody back: they attack at once, as when free.
    data["plan"]["phases"]["go"]["tasks"] = [{"task": "move", "units": ["red/band"], "to": at(0, -500)}]
    moved = runner.run(data, reps=1, until_s=900.0)
    assert moved.first("InitiativeTaken", unit="red/band/1", detail="assault")[0] < 600.0
