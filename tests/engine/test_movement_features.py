"""Roads, scenario crossings, dynamic routes through crossings, aircraft endurance, a raid's then_to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow.compute as pc

from drillsim.engine import EventLog, Simulation
from drillsim.geo.roads import build_road_network
from drillsim.scenario import Scenario
from drillsim.world.build import World, build_world
from synthetic_scenarios import at, base_scenario

Make = Callable[[dict[str, Any]], Scenario]


def _march_scenario(*, duration_s: float = 7200.0) -> dict[str, Any]:
    """A red column (1 m/s cross-country, 10 m/s on roads) ordered 4 km east."""
    data = base_scenario(duration_s=duration_s, dt_s=10.0)
    data["catalogue"]["unit_types"]["column"] = {
        "category": "motorised",
        "echelon": "team",
        "personnel": 10,
        "speed_mps": {"open": 1.0, "road": 10.0},
    }
    data["units"] = {"red/column": {"type": "column", "nation": "R", "at": at(0, 0)}}
    data["plan"]["phases"] = {
        "go": {
            "trigger": {"at_s": 0},
            "tasks": [{"task": "move", "units": ["red/column"], "to": at(4000, 0)}],
        }
    }
    return data


def _with_road(world: World, *lines: list[tuple[float, float]]) -> World:
    return replace(world, roads=build_road_network([np.array(line, dtype=np.float64) for line in lines]))


def _with_river(world: World, crossing: tuple[float, float]) -> World:
    """An east-west river along y = 0 crossed only at ``crossing``."""
    terrain = replace(
        world.terrain,
        obstacles=np.array([[-20_000.0, 0.0, 20_000.0, 0.0]]),
        crossings_xy=np.array([crossing]),
        crossing_ids=("test-bridge",),
    )
    return replace(world, terrain=terrain)


def _arrival(sim: Simulation, unit: str) -> float:
    sim.run()
    return float(sim.state.first_arrived_at[0, sim.world.forces.index(unit)])


def test_ground_unit_takes_a_faster_road(make_scenario: Make) -> None:
    """A road 500 m off the straight line, ten times faster, is used: 500 + 4000/10 + 500 s, not 4000 s."""
    scenario = make_scenario(_march_scenario())
    world = _with_road(build_world(scenario), [(0.0, -500.0), (2000.0, -500.0), (4000.0, -500.0)])
    sim = Simulation(scenario, rng=1, world=world)
    sim.step()
    e = world.forces.index("red/column")
    assert sim.state.route_road[0, e].any()
    assert 1300.0 < _arrival(sim, "red/column") < 1600.0


def test_slower_road_is_not_taken(make_scenario: Make) -> None:
    """A road 3 km away would take 3000 + 400 + 3000 s: the column goes straight across in 4000 s."""
    scenario = make_scenario(_march_scenario())
    world = _with_road(build_world(scenario), [(0.0, -3000.0), (4000.0, -3000.0)])
    sim = Simulation(scenario, rng=1, world=world)
    sim.step()
    assert not sim.state.route_road[0, world.forces.index("red/column")].any()
    assert abs(_arrival(sim, "red/column") - 4000.0) < 30.0


def test_road_routes_are_deterministic(make_scenario: Make) -> None:
    """The same seed gives the same event log with road routing on, and a replication alone the same."""
    scenario = make_scenario(_march_scenario())
    world = _with_road(
        build_world(scenario), [(0.0, -500.0), (4000.0, -500.0)], [(2000.0, -500.0), (2000.0, 3000.0)]
    )
    logs = []
    for _ in range(2):
        sim = Simulation(scenario, rng=3, replications=2, world=world, recorder=EventLog(sample_s=300.0))
        events = sim.run().events
        assert events is not None
        logs.append(repr(events.to_pylist()))
    assert logs[0] == logs[1]
    alone = Simulation(scenario, rng=3, replications=[1], world=world)
    alone.run()
    assert np.array_equal(alone.state.x[0], sim.state.x[1])
    assert np.array_equal(alone.state.first_arrived_at[0], sim.state.first_arrived_at[1])


def test_road_path_crosses_a_river_only_at_a_bridge(make_scenario: Make) -> None:
    """A road cutting the river away from the crossing is not driven; the move goes through the crossing."""
    data = _march_scenario()
    data["plan"]["phases"]["go"]["tasks"][0]["to"] = at(0, 3000)
    scenario = make_scenario(data)
    base = _with_river(build_world(scenario), crossing=(3000.0, 0.0))
    blocked = base.terrain.crosses_obstacle
    net = build_road_network([np.array([[0.0, -200.0], [0.0, 2800.0]])], blocked=blocked)
    assert len(net.edges) == 0
    sim = Simulation(scenario, rng=1, world=replace(base, roads=None))
    e = base.forces.index("red/column")
    reached_x = 0.0
    while not sim.done:
        sim.step()
        reached_x = max(reached_x, float(sim.state.x[0, e]))
    assert reached_x > 2900.0


def test_scenario_fords_become_crossings(make_scenario: Make) -> None:
    """Scenario places of kind crossing, bridge, ford or ferry are added to the terrain's crossings."""
    data = _march_scenario()
    data["places"] = {
        "my-ford": {"lat": at(1000, 0)["lat"], "lon": at(1000, 0)["lon"], "kind": "ford"},
        "my-ferry": {"lat": at(2000, 0)["lat"], "lon": at(2000, 0)["lon"], "kind": "ferry"},
        "my-town": {"lat": at(0, 1000)["lat"], "lon": at(0, 1000)["lon"], "kind": "town"},
    }
    world = build_world(make_scenario(data))
    assert world.terrain.crossing_ids == ("my-ferry", "my-ford")
    assert np.allclose(world.terrain.crossings_xy[1], [1000.0, 0.0], atol=5.0)


def _raid_scenario(*, then_to: bool) -> dict[str, Any]:
    """Blue raiders (1.5 m/s) 2 km south of red's unwarned commander; they suppress and seize him."""
    data = base_scenario(duration_s=7200.0, dt_s=10.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = {
        "kind": "eye",
        "max_range_m": 6000,
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
    cat["unit_types"]["chief"] = {"category": "headquarters", "echelon": "team", "personnel": 1}
    data["units"] = {
        "blue/raiders": {"type": "raiders", "nation": "B", "at": at(0, -2000)},
        "red/chief": {"type": "chief", "nation": "R", "at": at(0, 2000), "capturable": True},
    }
    task: dict[str, Any] = {"task": "raid", "units": ["blue/raiders"], "target_unit": "red/chief"}
    if then_to:
        task["then_to"] = at(-1500, 0)
    data["plan"]["phases"] = {"raid": {"trigger": {"at_s": 0}, "tasks": [task]}}
    return data


def test_raid_goes_through_the_crossing(make_scenario: Make) -> None:
    """Raiders whose target is across a river steer through the crossing, not straight over the water."""
    scenario = make_scenario(_raid_scenario(then_to=False))
    world = _with_river(build_world(scenario), crossing=(2500.0, 0.0))
    sim = Simulation(scenario, rng=1, world=world, recorder=EventLog())
    e = world.forces.index("blue/raiders")
    crossed_at: list[float] = []
    while not sim.done:
        y0 = float(sim.state.y[0, e])
        x0 = float(sim.state.x[0, e])
        sim.step()
        if y0 < 0.0 <= float(sim.state.y[0, e]):
            crossed_at.append(x0)
    assert crossed_at
    assert all(abs(x - 2500.0) < 500.0 for x in crossed_at)
    events = sim.outcomes().events
    assert events is not None
    assert "UnitCaptured" in events["kind"].to_pylist()


def test_raiders_move_to_then_to_after_the_capture(make_scenario: Make) -> None:
    """After seizing the commander the raiders leave for ``then_to`` and arrive there."""
    scenario = make_scenario(_raid_scenario(then_to=True))
    sim = Simulation(scenario, rng=1, recorder=EventLog())
    sim.run()
    e = sim.world.forces.index("blue/raiders")
    events = sim.outcomes().events
    assert events is not None
    captured = events.filter(pc.equal(events["kind"], "UnitCaptured"))["time_s"].to_pylist()
    arrived = events.filter(
        pc.and_(pc.equal(events["kind"], "UnitArrived"), pc.equal(events["unit"], "blue/raiders"))
    )["time_s"].to_pylist()
    assert captured
    assert arrived
    assert arrived[-1] > captured[0]
    assert np.hypot(sim.state.x[0, e] + 1500.0, sim.state.y[0, e]) < 50.0  # at() is approximate
    assert sim.state.task[0, e] == -1


def test_raiders_without_then_to_stay(make_scenario: Make) -> None:
    """Without ``then_to`` the raiders stay by the captured commander."""
    scenario = make_scenario(_raid_scenario(then_to=False))
    sim = Simulation(scenario, rng=1)
    sim.run()
    e = sim.world.forces.index("blue/raiders")
    assert np.hypot(sim.state.x[0, e], sim.state.y[0, e] - 2000.0) < 300.0


def _patrol_scenario(*, endurance_s: float) -> dict[str, Any]:
    """A blue helicopter patrols between two points 10-12 km from its base, for 4 hours."""
    data = base_scenario(duration_s=14_400.0, dt_s=10.0)
    data["catalogue"]["unit_types"]["heli"] = {
        "category": "aircraft",
        "domain": "air",
        "echelon": "flight",
        "personnel": 2,
        "air": {"cruise_speed_mps": 50, "endurance_s": endurance_s, "altitude_m": 500, "turnaround_s": 900},
    }
    data["sites"] = {"base": {"kind": "airbase", "at": at(-6000, -6000), "nation": "B"}}
    data["units"] = {"blue/heli": {"type": "heli", "nation": "B", "at": at(-6000, -6000), "home": "base"}}
    data["plan"]["phases"] = {
        "patrol": {
            "trigger": {"at_s": 0},
            "tasks": [
                {"task": "patrol", "units": ["blue/heli"], "waypoints": [at(3000, 3000), at(3000, -3000)]}
            ],
        }
    }
    return data


def test_aircraft_go_home_before_their_endurance_runs_out(make_scenario: Make) -> None:
    """A patrolling helicopter is never airborne longer than its endurance (plus one step)."""
    sim = Simulation(make_scenario(_patrol_scenario(endurance_s=3600.0)), rng=1, recorder=EventLog())
    e = sim.world.forces.index("blue/heli")
    longest = 0.0
    while not sim.done:
        sim.step()
        since = float(sim.state.airborne_since[0, e])
        if np.isfinite(since):
            longest = max(longest, sim.time_s - since)
    assert 3000.0 < longest <= 3600.0 + 10.0
    events = sim.outcomes().events
    assert events is not None
    kinds = events.filter(pc.equal(events["unit"], "blue/heli"))["kind"].to_pylist()
    assert kinds.count("SortieRecovered") >= 2


def test_aircraft_resume_the_patrol_after_turnaround(make_scenario: Make) -> None:
    """After landing and turning around, the helicopter flies its patrol again."""
    sim = Simulation(make_scenario(_patrol_scenario(endurance_s=3600.0)), rng=1, recorder=EventLog())
    sim.run()
    events = sim.outcomes().events
    assert events is not None
    heli = events.filter(pc.equal(events["unit"], "blue/heli"))
    landed = heli.filter(pc.equal(heli["kind"], "SortieRecovered"))["time_s"].to_pylist()
    launched = heli.filter(pc.equal(heli["kind"], "SortieLaunched"))["time_s"].to_pylist()
    assert launched
    assert abs(launched[0] - (landed[0] + 900.0)) <= 10.0
    e = sim.world.forces.index("blue/heli")
    assert sim.state.task[0, e] >= 0


def test_long_endurance_aircraft_stay_up(make_scenario: Make) -> None:
    """With endurance beyond the run, the patrol is not interrupted."""
    sim = Simulation(make_scenario(_patrol_scenario(endurance_s=100_000.0)), rng=1, recorder=EventLog())
    sim.run()
    events = sim.outcomes().events
    assert events is not None
    assert "SortieRecovered" not in events["kind"].to_pylist()


def test_staggered_pair_keeps_one_helicopter_up(make_scenario: Make) -> None:
    """Two helicopters on one patrol with ``stagger_s`` half a cycle: one is airborne almost all the time.

    Each flies 3600 s then turns around for 900 s; without stagger both are on the ground together for a
    quarter of every cycle, with a stagger of 2250 s the gaps of one fall inside the sorties of the other.
    """

    def coverage(stagger_s: float) -> tuple[float, list[float]]:
        data = _patrol_scenario(endurance_s=3600.0)
        data["units"]["blue/heli"]["count"] = 2
        data["plan"]["phases"]["patrol"]["tasks"][0]["stagger_s"] = stagger_s
        sim = Simulation(make_scenario(data), rng=1, recorder=EventLog())
        elems = [sim.world.forces.index("blue/heli/1"), sim.world.forces.index("blue/heli/2")]
        up = steps = 0
        while not sim.done:
            sim.step()
            if sim.time_s > 4000.0:  # after the second one's first launch
                steps += 1
                up += int(np.isfinite(sim.state.airborne_since[0, elems]).any())
        events = sim.outcomes().events
        assert events is not None
        first = events.filter(pc.equal(events["kind"], "OrderReceived"))["time_s"].to_pylist()
        return up / steps, sorted(first)

    together, orders_together = coverage(0.0)
    relieved, orders_relieved = coverage(2250.0)
    assert orders_together[1] - orders_together[0] == 0.0
    assert abs((orders_relieved[1] - orders_relieved[0]) - 2250.0) <= 10.0
    assert relieved > 0.95
    assert together < relieved - 0.1


def _withdrawal_scenario() -> dict[str, Any]:
    """A blue pair withdraws 2 km north; the withdrawal objective wants half their strength kept."""
    data = base_scenario(duration_s=3600.0, dt_s=10.0)
    data["catalogue"]["unit_types"]["team"] = {
        "category": "infantry",
        "echelon": "team",
        "personnel": 10,
        "speed_mps": {"open": 2.0},
        "break_losses": 0.5,
    }
    data["units"] = {"blue/team": {"type": "team", "nation": "B", "at": at(0, 0), "count": 2}}
    data["plan"]["phases"] = {
        "out": {
            "trigger": {"at_s": 600},
            "tasks": [{"task": "withdraw", "units": ["blue/team"], "to": at(0, 2000)}],
        }
    }
    data["objectives"] = {
        "away": {
            "kind": "secure-withdrawal",
            "side": "blue",
            "units": ["blue/team"],
            "to": at(0, 2000),
            "fraction": 0.5,
        }
    }
    return data


def test_withdrawal_is_secured_when_a_broken_element_is_back_home(make_scenario: Make) -> None:
    """An element that broke before the order and fell back home does not hold the withdrawal open.

    The objective is achieved when the withdrawing element arrives (1000 s after the order at 2 m/s), not
    never; with the broken element's strength counted the company keeps 14 of 20 (above half).
    """
    sim = Simulation(make_scenario(_withdrawal_scenario()), rng=1, recorder=EventLog())
    second = sim.world.forces.index("blue/team/2")
    sim.step()
    sim.state.strength[0, second] = 4.0  # 60 % losses: breaks next step, its home is where it stands
    sim.run()
    events = sim.outcomes().events
    assert events is not None
    # It broke (it may rally later, out of fire: docs/mechanics/morale.md).
    broke = events.filter(pc.equal(events["kind"], "UnitBroke"))["unit"].to_pylist()
    assert broke == ["blue/team/2"]
    achieved = events.filter(pc.equal(events["kind"], "ObjectiveAchieved"))["time_s"].to_pylist()
    assert len(achieved) == 1
    assert abs(achieved[0] - 1600.0) <= 60.0


def test_withdrawal_is_not_secured_while_a_broken_element_is_still_out(make_scenario: Make) -> None:
    """A broken element still on its way home keeps the withdrawal open until the end of the run."""
    data = _withdrawal_scenario()
    data["units"]["blue/team"]["home"] = "far"
    data["sites"] = {"far": {"kind": "garrison", "at": at(0, -60_000), "nation": "B"}}
    sim = Simulation(make_scenario(data), rng=1, recorder=EventLog())
    second = sim.world.forces.index("blue/team/2")
    sim.step()
    sim.state.strength[0, second] = 4.0
    sim.run()
    events = sim.outcomes().events
    assert events is not None
    assert "ObjectiveAchieved" not in events["kind"].to_pylist()
