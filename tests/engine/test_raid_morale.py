"""Raids, capture and flight; morale breaking by losses and by suppression; population support."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from drillsim.engine import EventLog, Simulation, run
from drillsim.scenario import Scenario
from synthetic_scenarios import at, base_scenario, lanchester_scenario

Make = Callable[[dict[str, Any]], Scenario]


def _raid_scenario(*, red_sees: bool, escape: bool, guard: bool) -> dict[str, Any]:
    """Blue raiders walk at 1.5 m/s toward red's field commander, 4 km north, to seize him.

    The raiders' rifles cannot kill (p_kill 0) but suppress (p_suppress 1), which capture needs: the
    commander counts as his own guard. ``red_sees`` gives red an observation post by the commander;
    ``escape`` gives the commander an escape point 4 km further north; ``guard`` puts an unarmed guard
    400 m north of him (inside the 500 m guard radius, but never the raiders' nearest target).
    """
    data = base_scenario(duration_s=5400.0, dt_s=10.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = {
        "kind": "eye",
        "max_range_m": 5000,
        "range_scale_m": 3000,
        "rate_per_s": 0.05,
        "needs_line_of_sight": False,
    }
    cat["weapons"]["stun-rifle"] = {
        "kind": "direct",
        "rate_per_min": 6,
        "bands": [{"max_range_m": 300, "p_kill": 0.0, "p_suppress": 1.0}],
    }
    cat["unit_types"]["raiders"] = {
        "category": "special-forces",
        "echelon": "team",
        "personnel": 8,
        "weapons": [{"weapon": "stun-rifle", "count": 8}],
        "sensors": [{"sensor": "eye"}],
        "speed_mps": {"open": 1.5},
    }
    cat["unit_types"]["chief"] = {
        "category": "headquarters",
        "echelon": "team",
        "personnel": 1,
        "speed_mps": {"open": 4.0},
    }
    cat["unit_types"]["lookout"] = {
        "category": "reconnaissance",
        "echelon": "team",
        "personnel": 2,
        "sensors": [{"sensor": "eye"}],
    }
    cat["unit_types"]["bodyguard"] = {"category": "irregular", "echelon": "team", "personnel": 4}
    data["units"] = {
        "blue/raiders": {"type": "raiders", "nation": "B", "at": at(0, -2000)},
        "red/chief": {"type": "chief", "nation": "R", "at": at(0, 2000), "capturable": True},
    }
    if escape:
        data["units"]["red/chief"]["escape_to"] = at(0, 6000)
    if red_sees:
        data["units"]["red/lookout"] = {"type": "lookout", "nation": "R", "at": at(0, 2000)}
    if guard:
        data["units"]["red/guard"] = {
            "type": "bodyguard",
            "nation": "R",
            "at": at(0, 2400),
            "roles": ["guard"],
        }
    data["plan"]["phases"] = {
        "raid": {
            "trigger": {"at_s": 0},
            "tasks": [{"task": "raid", "units": ["blue/raiders"], "target_unit": "red/chief"}],
        }
    }
    data["objectives"] = {"grab": {"kind": "capture-unit", "side": "blue", "unit": "red/chief"}}
    data["measures"] = {"grabbed": {"kind": "objective-achieved", "objective": "grab"}}
    return data


def _kinds_by_rep(events: pa.Table | None, reps: int) -> list[list[str]]:
    assert events is not None
    return [events.filter(pc.equal(events["replication"], k))["kind"].to_pylist() for k in range(reps)]


def test_raid_captures_an_unwarned_commander(make_scenario: Make) -> None:
    """A commander whose side never sees the raiders is seized; the capture objective is achieved."""
    outcome = run(
        make_scenario(_raid_scenario(red_sees=False, escape=True, guard=False)),
        rng=1,
        replications=4,
        recorder=EventLog(),
    )
    for kinds in _kinds_by_rep(outcome.events, 4):
        assert "UnitCaptured" in kinds
        assert "UnitFled" not in kinds
    assert (outcome.measures["grabbed"] == 1.0).all()


def test_captured_commander_names_his_captor(make_scenario: Make) -> None:
    """The capture event names the raiding unit as captor."""
    outcome = run(
        make_scenario(_raid_scenario(red_sees=False, escape=False, guard=False)),
        rng=2,
        replications=2,
        recorder=EventLog(),
    )
    assert outcome.events is not None
    captures = outcome.events.filter(pc.equal(outcome.events["kind"], "UnitCaptured")).to_pylist()
    assert [(c["unit"], c["other"]) for c in captures] == [("red/chief", "blue/raiders")] * 2


def test_warned_commander_flees_and_escapes(make_scenario: Make) -> None:
    """A commander whose side sees the raiders coming flees to his escape point and is not captured."""
    outcome = run(
        make_scenario(_raid_scenario(red_sees=True, escape=True, guard=False)),
        rng=1,
        replications=4,
        recorder=EventLog(),
    )
    for kinds in _kinds_by_rep(outcome.events, 4):
        assert kinds.index("UnitFled") < kinds.index("UnitEscaped")
        assert "UnitCaptured" not in kinds
    assert (outcome.measures["grabbed"] == 0.0).all()


def test_commander_flees_only_once_raiders_are_within_three_km(make_scenario: Make) -> None:
    """Flight starts when the commander's side holds a raider believed within 3 km of him in its picture."""
    scenario = make_scenario(_raid_scenario(red_sees=True, escape=True, guard=False))
    sim = Simulation(scenario, rng=5, replications=3)
    f = sim.world.forces
    chief, raiders, red = f.index("red/chief"), f.index("blue/raiders"), f.side[f.index("red/chief")]
    while not sim.done:
        fled_before = sim.state.fled[:, chief].copy()
        sim.step()
        pic = sim.state.picture
        started = sim.state.fled[:, chief] & ~fled_before
        for r in np.flatnonzero(started):
            assert pic.known_live[r, red, raiders]
            bx, by, _ = pic.believed(r, red, np.array([raiders]), sim.state.time_s)  # dead-reckoned
            believed = np.hypot(bx[0] - sim.state.x[r, chief], by[0] - sim.state.y[r, chief])
            assert believed <= 3000.0 + 1e-6
    assert sim.state.fled[:, chief].all()


def test_unsuppressed_guard_prevents_capture(make_scenario: Make) -> None:
    """With a guard nearby whom the raiders never suppress, the commander is never seized."""
    outcome = run(
        make_scenario(_raid_scenario(red_sees=False, escape=False, guard=True)),
        rng=1,
        replications=4,
        recorder=EventLog(),
    )
    for kinds in _kinds_by_rep(outcome.events, 4):
        assert "UnitCaptured" not in kinds
    assert (outcome.measures["grabbed"] == 0.0).all()


def _breaking_scenario(
    *, red_pk_of_blue: float, blue_psupp: float, red_break_losses: float
) -> dict[str, Any]:
    """Blue (100) fires on red (40); red's home base is 3 km behind it, where a broken red withdraws."""
    data = lanchester_scenario(blue=100, red=40, blue_pk=red_pk_of_blue, red_pk=0.01)
    data["catalogue"]["weapons"]["blue-rifle"]["bands"][0]["p_suppress"] = blue_psupp
    red = data["catalogue"]["unit_types"]["red-force"]
    red["break_losses"] = red_break_losses
    red["break_suppression"] = 0.5
    red["speed_mps"] = {"open": 1.0}
    data["sites"] = {"red-base": {"kind": "garrison", "at": at(0, 3000), "nation": "R"}}
    data["units"]["red/force"]["home"] = "red-base"
    data["time"]["duration_s"] = 1800
    return data


def test_unit_breaks_when_losses_reach_its_threshold(make_scenario: Make) -> None:
    """Red breaks in the step its losses first reach 30 % and not before; the event says 'losses'."""
    scenario = make_scenario(_breaking_scenario(red_pk_of_blue=0.01, blue_psupp=0.0, red_break_losses=0.3))
    sim = Simulation(scenario, rng=4, replications=6, recorder=EventLog())
    red = sim.world.forces.index("red/force")
    n0 = sim.world.forces.strength0[red]
    while not sim.done:
        was = sim.state.broken[:, red].copy()
        sim.step()
        losses = 1.0 - sim.state.strength[:, red] / n0
        now = sim.state.broken[:, red]
        assert (losses[now & ~was] >= 0.3).all()
        assert (losses[~now] < 0.3).all()
    assert sim.state.broken[:, red].all()
    events = sim.outcomes().events
    assert events is not None
    broke = events.filter(pc.equal(events["kind"], "UnitBroke")).to_pylist()
    assert {(b["unit"], b["detail"]) for b in broke} == {("red/force", "losses")}


def test_broken_unit_stops_firing_and_withdraws_home(make_scenario: Make) -> None:
    """After red breaks it causes no more hits, and every step it is still in action it closes on its base."""
    scenario = make_scenario(_breaking_scenario(red_pk_of_blue=0.01, blue_psupp=0.0, red_break_losses=0.3))
    outcome = run(scenario, rng=4, replications=6, recorder=EventLog())
    events = outcome.events
    assert events is not None
    for k in range(6):
        rows = events.filter(pc.equal(events["replication"], k)).to_pylist()
        t_broke = next(r["time_s"] for r in rows if r["kind"] == "UnitBroke")
        late_hits = [
            r for r in rows if r["kind"] == "UnitHit" and r["other"] == "red/force" and r["time_s"] > t_broke
        ]
        assert late_hits == []
    sim = Simulation(scenario, rng=4, replications=6)
    red = sim.world.forces.index("red/force")
    home_y = float(sim.world.forces.home_y[red])
    checked = 0
    while not sim.done:
        before = home_y - sim.state.y[:, red]
        was_broken = sim.state.broken[:, red].copy()
        sim.step()
        after = home_y - sim.state.y[:, red]
        withdrawing = was_broken & (sim.state.status[:, red] == 0) & (before > 1.0)
        assert (after[withdrawing] < before[withdrawing] - 5.0).all()
        checked += int(withdrawing.sum())
    assert checked > 0


def test_unit_broken_where_it_started_withdraws_away_from_the_enemy(make_scenario: Make) -> None:
    """Without a home, red breaks at its start, which is no farther from blue than red stands: every step
    it is in action after breaking it gets farther from blue (whom its picture holds), and it ends beyond
    blue's rifles (it used to stay put under fire)."""
    data = _breaking_scenario(red_pk_of_blue=0.01, blue_psupp=0.0, red_break_losses=0.3)
    del data["units"]["red/force"]["home"]
    scenario = make_scenario(data)
    sim = Simulation(scenario, rng=4, replications=6)
    f = sim.world.forces
    red, blue = f.index("red/force"), f.index("blue/force")
    reach = max(b.max_range_m for w in scenario.catalogue.weapons.values() for b in getattr(w, "bands", []))

    def apart() -> np.ndarray:
        s = sim.state
        return np.hypot(s.x[:, red] - s.x[:, blue], s.y[:, red] - s.y[:, blue])

    checked = 0
    while not sim.done:
        before, was_broken = apart(), sim.state.broken[:, red].copy()
        sim.step()
        withdrawing = was_broken & (sim.state.status[:, red] == 0) & (sim.state.route_len[:, red] > 0)
        assert (apart()[withdrawing] > before[withdrawing] + 5.0).all()
        checked += int(withdrawing.sum())
    assert checked > 0
    assert sim.state.broken[:, red].all()
    assert (apart()[sim.state.status[:, red] == 0] > reach).all()


def test_unit_breaks_under_sustained_suppression(make_scenario: Make) -> None:
    """Fire that suppresses but cannot kill breaks red for 'suppression', with no one hit: red's only
    losses are the stragglers of the rout (missing, reason 'routed')."""
    scenario = make_scenario(_breaking_scenario(red_pk_of_blue=0.0, blue_psupp=0.5, red_break_losses=0.3))
    outcome = run(scenario, rng=4, replications=4, recorder=EventLog())
    events = outcome.events
    assert events is not None
    broke = events.filter(pc.equal(events["kind"], "UnitBroke")).to_pylist()
    assert len(broke) == 4
    assert {b["detail"] for b in broke} == {"suppression"}
    red_hit = pc.and_(pc.equal(events["kind"], "UnitHit"), pc.starts_with(events["unit"], "red"))
    assert events.filter(red_hit).num_rows == 0
    missing = events.filter(pc.equal(events["kind"], "CasualtiesMissing")).to_pylist()
    assert {m["detail"] for m in missing} <= {"routed"}
    routed = np.bincount([m["replication"] for m in missing], [m["count"] for m in missing], minlength=4)
    np.testing.assert_array_equal(outcome.measures["losses-red"], routed)


def test_population_support_informs_the_supported_side(make_scenario: Make) -> None:
    """An irregular side with full population support and no sensors learns of the enemy from informants."""
    data = lanchester_scenario(blue=10, red=10, blue_pk=0.0, red_pk=0.0)
    data["catalogue"]["unit_types"]["red-force"]["sensors"] = []
    data["units"]["red/force"]["at"] = at(0, 4000)
    data["sides"]["red"]["irregular"] = True
    data["environment"]["population"] = {"supports": "red", "level": 1.0}
    data["time"]["duration_s"] = 7200
    outcome = run(make_scenario(data), rng=2, replications=8, recorder=EventLog())
    assert outcome.events is not None
    found = outcome.events.filter(
        pc.and_(pc.equal(outcome.events["kind"], "ContactDetected"), pc.equal(outcome.events["side"], "red"))
    ).to_pylist()
    assert found
    assert {(c["unit"], c["detail"]) for c in found} == {(None, "informants")}


def test_warned_commander_without_escape_point_runs_away_from_the_raiders(make_scenario: Make) -> None:
    """With no escape point, a warned commander runs directly away from the raider his side sees: his
    flight destination lies north of him, on the far side from the raiders coming from the south."""
    data = _raid_scenario(red_sees=True, escape=False, guard=False)
    units = data["units"]
    data["units"] = {"red/chief": units.pop("red/chief"), **units}  # raiders not the first element
    sim = Simulation(make_scenario(data), rng=3, replications=3)
    f = sim.world.forces
    chief, raiders = f.index("red/chief"), f.index("blue/raiders")
    assert raiders > 0
    while not sim.done and not sim.state.fled[:, chief].all():
        sim.step()
    assert sim.state.fled[:, chief].all()
    s = sim.state
    goal_y = s.route_y[np.arange(3), chief, s.route_len[:, chief] - 1]
    assert (goal_y > s.y[:, chief] + 1000.0).all()
    assert (s.y[:, raiders] < s.y[:, chief]).all()


def _fate_scenario(*, red_sees: bool, escape: bool, lethal: bool) -> dict[str, Any]:
    """The raid above, judged by the four fate objectives (each with its objective-achieved measure);
    ``lethal`` gives the raiders' rifles a kill probability of 1 at every range they reach."""
    data = _raid_scenario(red_sees=red_sees, escape=escape, guard=False)
    if lethal:
        data["catalogue"]["weapons"]["stun-rifle"]["bands"] = [
            {"max_range_m": 300, "p_kill": 1.0, "p_suppress": 1.0}
        ]
    fates = ("captured", "killed", "escaped", "at-large")
    data["objectives"] = {
        fate: {"kind": "fate", "side": "blue", "unit": "red/chief", "fate": fate} for fate in fates
    }
    data["measures"] = {fate: {"kind": "objective-achieved", "objective": fate} for fate in fates}
    return data


@pytest.mark.parametrize(
    ("red_sees", "escape", "lethal", "expected"),
    [
        (False, True, False, "captured"),  # unwarned: seized, as in the capture test above
        (False, False, True, "killed"),  # unwarned, and the raiders' fire kills before they close
        (True, True, False, "escaped"),  # warned, flees to his escape point
        (True, False, False, "at-large"),  # warned, no escape point: flees away faster than they walk
    ],
)
def test_each_fate_is_reached_and_excludes_the_others(
    make_scenario: Make, red_sees: bool, escape: bool, lethal: bool, expected: str
) -> None:
    """Each of the four fates is met in every replication of its raid, and no other fate is."""
    outcome = run(
        make_scenario(_fate_scenario(red_sees=red_sees, escape=escape, lethal=lethal)),
        rng=3,
        replications=4,
        recorder=EventLog(),
    )
    for fate in ("captured", "killed", "escaped", "at-large"):
        want = 1.0 if fate == expected else 0.0
        assert (outcome.measures[fate] == want).all(), fate
    assert outcome.events is not None
    achieved = outcome.events.filter(pc.equal(outcome.events["kind"], "ObjectiveAchieved"))
    assert achieved.num_rows == 4
