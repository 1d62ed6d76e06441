"""Routes and roads from the scenario (docs/mechanics/movement.md, "Roads"; docs/mechanics/orders.md):
lines of kind road or route join the road network, ``via`` makes a unit take a given road, and a relief
force marches to a friendly post under attack and joins its defence.

The column: 2 m/s across country, 10 m/s on roads; movement draws no random numbers, so one replication
decides and times are compared within three steps (an element reaching a waypoint ends its step there, so
each road vertex may cost up to a step).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from effects_kit import Runner, at, base, eye, rifle

from drillsim.core.errors import InputError
from drillsim.mechanics.orders.command import _plan_routes, plan_routes
from drillsim.world.forces import POSTURE_INDEX

DT = 10.0


def march(**task: Any) -> dict[str, Any]:
    """The red column at (0, 0) ordered to (4 km, 0); a straight road, and a route north by (2, 1.5) km."""
    data = base(duration_s=7200.0, dt_s=DT)
    data["catalogue"]["unit_types"]["column"] = {
        "category": "motorised",
        "echelon": "team",
        "personnel": 10,
        "speed_mps": {"open": 2.0, "road": 10.0},
    }
    data["units"] = {"red/column": {"type": "column", "nation": "R", "at": at(0, 0)}}
    data["lines"] = {
        "main-road": {"kind": "road", "points": [at(0, 0), at(2000, 0), at(4000, 0)]},
        "north-route": {"kind": "route", "points": [at(0, 0), at(2000, 1500), at(4000, 0)]},
    }
    move = {"task": "move", "units": ["red/column"], "to": at(4000, 0)} | task
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [move]}}
    return data


def arrival(runner: Runner, data: dict[str, Any]) -> float:
    return float(runner.run(data, reps=1).first("UnitArrived", unit="red/column").max())


def test_scenario_roads_join_the_road_network(runner: Runner) -> None:
    """A road line of the scenario is driven at road speed: 4 km in 400 s instead of 2000 s off road."""
    by_road = arrival(runner, march())
    off = march()
    off["lines"] = {}
    assert abs(arrival(runner, off) - 4000.0 / 2.0) <= 3 * DT
    assert abs(by_road - 4000.0 / 10.0) <= 3 * DT


def test_via_a_route_takes_that_road_even_when_longer(runner: Runner) -> None:
    """via: [north-route] sends the column along the 5 km northern route, not the 4 km road: 100 s longer at
    road speed (each route has three vertices, and each waypoint may cost up to a step)."""
    north = arrival(runner, march(via="north-route"))
    main = arrival(runner, march(via=["main-road"]))
    assert 4000.0 / 10.0 - DT <= main <= 4000.0 / 10.0 + 8 * DT
    assert abs((north - main) - 1000.0 / 10.0) <= 3 * DT


def test_via_a_route_is_followed_from_its_nearer_end(runner: Runner) -> None:
    """A route is entered at the end nearer the unit: from (4 km, 0) back west along it takes as long."""
    data = march(via="north-route", to=at(0, 0))
    data["units"]["red/column"]["at"] = at(4000, 0)
    assert abs(arrival(runner, data) - arrival(runner, march(via="north-route"))) <= 2 * DT


def test_via_a_line_of_another_kind_is_refused(runner: Runner) -> None:
    """Only route and road lines may be followed."""
    data = march(via="fence")
    data["lines"]["fence"] = {"kind": "boundary", "points": [at(0, 0), at(1000, 1000)]}
    with pytest.raises(InputError, match="kind 'boundary'"):
        runner.scenario(data)


def relief(**task: Any) -> dict[str, Any]:
    """A blue post at (3 km, 0) under fire from a red group 700 m east; a blue relief 3 km west of it,
    ordered when blue first detects red."""
    data = base(duration_s=3600.0, dt_s=DT)
    cat = data["catalogue"]
    cat["sensors"]["eyes"] = eye(1.0)
    cat["weapons"]["rifle"] = rifle(0.002, max_range_m=800.0)
    for name in ("post", "raiders", "relief"):
        cat["unit_types"][name] = {
            "category": "infantry",
            "echelon": "squad",
            "personnel": 10,
            "speed_mps": {"open": 2.0},
            "weapons": [{"weapon": "rifle", "count": 10}],
            "sensors": [{"sensor": "eyes"}],
            "break_losses": 1.0,
            "break_suppression": 1.0,
        }
    data["units"] = {
        "blue/post": {"type": "post", "nation": "B", "at": at(3000, 0), "posture": "prepared-defence"},
        "blue/relief": {"type": "relief", "nation": "B", "at": at(0, 0), "count": 2, "spread_m": 50},
        "red/raiders": {"type": "raiders", "nation": "R", "at": at(3700, 0)},
    }
    go = {"task": "relieve", "units": ["blue/relief"], "unit": "blue/post"} | task
    data["plan"]["phases"] = {
        "hold": {
            "trigger": {"at_s": 0},
            "tasks": [{"task": "defend", "units": ["blue/post"], "at": at(3000, 0)}],
        },
        "relieve": {"trigger": {"event": "contact-detected", "side": "blue"}, "tasks": [go]},
    }
    return data


def test_a_relief_force_reaches_and_joins_the_post(runner: Runner) -> None:
    """The relief marches to the post, arrives beside it in a defensive posture and fires on the raiders."""
    result = runner.run(relief(), reps=2)
    arrived = result.select("UnitArrived")
    units = arrived["unit"].to_pylist()
    rel = np.array([u.startswith("blue/relief") for u in units], dtype=bool)
    xs = np.asarray(arrived["x_m"].to_numpy())[rel]
    ys = np.asarray(arrived["y_m"].to_numpy())[rel]
    assert rel.sum() == 4  # two elements, two replications
    assert np.all(np.hypot(xs - 3000.0, ys) <= 100.0)
    assert np.all(np.asarray(arrived["time_s"].to_numpy())[rel] >= 3000.0 / 2.0 - 2 * DT)
    state = result.sim.state
    relief_elems = [i for i, eid in enumerate(result.sim.world.forces.ids) if eid.startswith("blue/relief")]
    assert np.all(state.posture[:, relief_elems] == POSTURE_INDEX["hasty-defence"])
    shooters = result.select("UnitHit", unit="red/raiders")["other"].to_pylist()
    assert any(str(s).startswith("blue/relief") for s in shooters)


def test_the_relief_goes_where_the_post_is_now(runner: Runner) -> None:
    """The destination is the relieved unit's position when the order arrives, not its start."""
    data = relief()
    data["plan"]["phases"]["hold"]["tasks"] = [
        {"task": "move", "units": ["blue/post"], "to": at(3000, 1000), "posture_on_arrival": "hasty-defence"}
    ]
    data["plan"]["phases"]["relieve"]["trigger"] = {"at_s": 1200}
    result = runner.run(data, reps=1)
    t = result.select("UnitArrived")
    units = t["unit"].to_pylist()
    rel = np.array([u.startswith("blue/relief") for u in units], dtype=bool)
    ys = np.asarray(t["y_m"].to_numpy())[rel]
    assert np.all(np.abs(ys - 1000.0) <= 100.0)


def test_a_route_plan_made_before_is_the_plan_made_anew(runner: Runner) -> None:
    """plan_routes takes a plan with the same element, start, destinations and road use from the world's
    route_plans: the arrays are those of planning every element afresh together (the road leg's width
    included, when the element sharing the call goes off road); an element that has moved is planned anew."""
    sim = runner.simulation(march(), reps=2)
    ctx, s = sim.ctx, sim.state
    rows, elems = np.array([0, 1]), np.array([0, 0])
    x0, y0 = float(s.x[0, 0]), float(s.y[0, 0])
    to = np.array([[[x0 + 4000.0, y0]], [[x0, y0 - 3000.0]]])  # along the road; off it, southward
    ctx.world.route_plans.clear()
    fresh = _plan_routes(ctx, rows, elems, to, True)
    assert fresh[0].shape[1] > 2  # the road leg is wider than the other's
    assert fresh[1][1] == 1
    alone = plan_routes(ctx, rows[1:], elems[1:], to[1:], roads=True)
    assert alone[0].shape[1] == 2
    both = plan_routes(ctx, rows, elems, to, roads=True)  # row 1 from the plans made, row 0 anew
    assert len(ctx.world.route_plans) == 2
    for got, want in zip(both, fresh[:3], strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    s.x[0, 0] = x0 + 1500.0  # on the road, nearer its middle vertex: a shorter route
    moved = plan_routes(ctx, rows, elems, to, roads=True)
    for got, want in zip(moved, _plan_routes(ctx, rows, elems, to, True)[:3], strict=True):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(moved[0][0], both[0][0])
