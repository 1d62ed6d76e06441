"""Fuel (docs/mechanics/movement.md, "Fuel"; docs/mechanics/supply.md, "Fuel"): a vehicle burns fuel per
kilometre driven, stops where it runs out with ``FuelExhausted``, and drives on once a supply point or a
carrier on a resupply task refuels it; troops whose carriers run dry get off and walk.

The scenario: a blue truck with 10 l in its tank burning 0.5 l/km on roads, ordered 30 km east along a
road from x = -15 km. Movement draws no random numbers, so one replication decides.
"""

from __future__ import annotations

from typing import Any

from effects_kit import Runner, at, base, with_road

from drillsim.engine import World
from drillsim.mechanics.movement.fuel import OFF_ROAD_FUEL_FACTOR

DT = 10.0
START_X = -15_000.0
LEG_M = 30_000.0
TANK_L = 10.0
BURN_L_PER_KM = 0.5
RANGE_M = TANK_L / BURN_L_PER_KM * 1000.0  # 20 km on roads
ROAD_SPEED = 10.0
STEP_M = ROAD_SPEED * DT


def road(world: World) -> World:
    """A straight road from where the vehicle starts 30 km east (both ends exactly where the scenario's
    points fall in the projection)."""
    x0, y0 = float(world.forces.x0[0]), float(world.forces.y0[0])
    return with_road(world, [(x0, y0), (x0 + LEG_M / 2, y0), (x0 + LEG_M, y0)])


def drive(*, tank_l: float = TANK_L, duration_s: float = 4 * 3600.0) -> dict[str, Any]:
    """The truck at (-15 km, 0), ordered 30 km east at time 0; a measure counts its side's running dry."""
    data = base(duration_s=duration_s, dt_s=DT)
    data["catalogue"]["unit_types"]["truck"] = {
        "category": "logistics",
        "personnel": 2,
        "vehicles": {"truck": 1},
        "speed_mps": {"open": 5.0, "road": ROAD_SPEED},
        "fuel_l": tank_l,
        "fuel_per_km_l": BURN_L_PER_KM,
    }
    data["units"] = {"blue/truck": {"type": "truck", "nation": "B", "at": at(START_X, 0)}}
    move = {"task": "move", "units": ["blue/truck"], "to": at(START_X + LEG_M, 0)}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [move]}}
    data["measures"] = {"dry": {"kind": "fuel-exhausted", "side": "blue"}}
    return data


def along(result: Any, x: float, unit: str = "blue/truck") -> float:
    """How far east of the unit's start ``x`` is (the scenario's points fall a little off their nominal
    metres in the projection, so distances are measured from the compiled start)."""
    f = result.sim.world.forces
    return x - float(f.x0[f.index(unit)])


def truck_along(result: Any) -> float:
    f = result.sim.world.forces
    return along(result, float(result.sim.state.x[0, f.index("blue/truck")]))


def test_a_vehicle_stops_where_its_fuel_runs_out(runner: Runner) -> None:
    """10 l at 0.5 l/km on a road: the truck stops 20 km along (to the metre), records FuelExhausted there
    once, never arrives, and the measure counts it; with a full 30 km of fuel it arrives and never runs
    dry."""
    result = runner.run(drive(), reps=1, world=road)
    dry = result.select("FuelExhausted", unit="blue/truck")
    assert len(dry) == 1
    assert abs(along(result, dry["x_m"][0].as_py()) - RANGE_M) < 1.0
    assert abs(truck_along(result) - RANGE_M) < 1.0
    assert result.count("UnitArrived", unit="blue/truck")[0] == 0
    assert result.measure("dry")[0] == 1.0
    f = result.sim.world.forces
    assert result.sim.state.fuel[0, f.index("blue/truck")] == 0.0
    full = runner.run(drive(tank_l=20.0), reps=1, world=road)
    assert full.count("UnitArrived", unit="blue/truck")[0] == 1
    assert full.count("FuelExhausted")[0] == 0
    left = full.sim.state.fuel[0, f.index("blue/truck")]
    # 30 km of road and the last ~120 m off it, to the scenario's point
    assert left > 20.0 - BURN_L_PER_KM * (LEG_M + 200.0 * OFF_ROAD_FUEL_FACTOR) / 1000.0
    assert left < 20.0 - BURN_L_PER_KM * LEG_M / 1000.0


def test_off_roads_a_vehicle_burns_the_off_road_factor_more(runner: Runner) -> None:
    """Without a road the same tank takes the truck 20 km / OFF_ROAD_FUEL_FACTOR."""
    result = runner.run(drive(), reps=1)
    assert abs(truck_along(result) - RANGE_M / OFF_ROAD_FUEL_FACTOR) < 1.0
    assert len(result.select("FuelExhausted", unit="blue/truck")) == 1


def with_supply_point(data: dict[str, Any], *, stock_fuel_l: float | None) -> dict[str, Any]:
    """A blue supply point on the road 20 km along, where the truck runs dry. It fills a tank in two hours,
    so the truck, passing into its radius with a little fuel left, gains less than it burns and runs dry
    inside the radius (a moving element takes what a point gives while near it; one that ran dry waits
    there until its tanks are full)."""
    resupply: dict[str, Any] = {"radius_m": 300, "refill_s": 7200}
    if stock_fuel_l is not None:
        resupply["stock_fuel_l"] = stock_fuel_l
    data["sites"] = {
        "fuel-point": {
            "kind": "depot",
            "at": at(START_X + RANGE_M, 0),
            "nation": "B",
            "resupply": resupply,
        }
    }
    return data


def test_a_supply_point_refuels_a_dry_vehicle(runner: Runner) -> None:
    """At a supply point the dry truck gets fuel (FuelResupplied from the site), waits until its tank is
    full, drives on and arrives with the tank less the rest of the way; a point that holds no fuel leaves
    it standing."""
    result = runner.run(with_supply_point(drive(), stock_fuel_l=None), reps=1, world=road)
    refuel = result.select("FuelResupplied", unit="blue/truck", other="fuel-point")
    assert len(refuel) == 1
    assert refuel["time_s"][0].as_py() >= result.first("FuelExhausted", unit="blue/truck")[0]
    assert result.count("UnitArrived", unit="blue/truck")[0] == 1
    assert result.count("FuelExhausted")[0] == 1
    f = result.sim.world.forces
    left = result.sim.state.fuel[0, f.index("blue/truck")]
    assert TANK_L - BURN_L_PER_KM * 10.5 < left < TANK_L - BURN_L_PER_KM * 9.5  # full, then the last ~10 km
    empty = runner.run(with_supply_point(drive(), stock_fuel_l=0), reps=1, world=road)
    assert empty.count("FuelResupplied")[0] == 0
    assert empty.count("UnitArrived", unit="blue/truck")[0] == 0


def test_a_supply_point_gives_no_more_fuel_than_its_stock(runner: Runner) -> None:
    """A point holding 3 l gives the truck 3 l in all (6 km more on the road) and is then empty: 13 l take
    it 26 km, where it runs dry a second time."""
    result = runner.run(with_supply_point(drive(), stock_fuel_l=3.0), reps=1, world=road)
    assert abs(truck_along(result) - (RANGE_M + 6000.0)) < 1.0
    assert result.sim.state.depot_fuel[0, 0] == 0.0
    assert result.measure("dry")[0] == 2.0


def test_a_fuel_truck_on_a_resupply_task_refuels_the_vehicle(runner: Runner) -> None:
    """A tanker on a resupply task with 500 l a trip drives out to the dry truck when it asks, fills its
    tank (FuelResupplied from the tanker) and the truck drives on and arrives; the tanker hands over no
    rounds."""
    data = drive(duration_s=6 * 3600.0)
    data["catalogue"]["unit_types"]["tanker"] = {
        "category": "logistics",
        "personnel": 2,
        "speed_mps": {"open": 5.0, "road": ROAD_SPEED},
    }
    data["units"]["blue/tanker"] = {"type": "tanker", "nation": "B", "at": at(START_X, 0)}
    data["sites"] = {"depot": {"kind": "depot", "at": at(START_X, 0), "nation": "B"}}
    supply = {
        "task": "resupply",
        "units": ["blue/tanker"],
        "depot": "depot",
        "supplied": ["blue/truck"],
        "load_rounds": 0,
        "load_fuel_l": 500,
        "request_below": 0.05,
    }
    data["plan"]["phases"]["go"]["tasks"].append(supply)
    result = runner.run(data, reps=1, world=road)
    refuel = result.select("FuelResupplied", unit="blue/truck", other="blue/tanker")
    assert len(refuel) >= 1
    assert abs(refuel["value"][0].as_py() - TANK_L) < 1e-6  # an empty tank filled: 10 l
    assert result.count("UnitArrived", unit="blue/truck")[0] == 1
    assert result.count("SupplyDispatched", unit="blue/tanker", other="blue/truck")[0] >= 1
    assert result.total("SupplyDelivered", "value")[0] == 0.0  # no rounds: it carries fuel only


def test_troops_whose_carriers_run_dry_dismount_and_walk_on(runner: Runner) -> None:
    """A platoon riding a carrier with 10 l dismounts (reason fuel) where the fuel runs out, 20 km along,
    and walks the rest of the way: it is farther along than the carrier by the end."""
    data = drive(duration_s=6 * 3600.0)
    data["catalogue"]["unit_types"]["platoon"] = {
        "category": "motorised",
        "personnel": 10,
        "vehicles": {"carrier": 1},
        "speed_mps": {"open": 1.2, "road": 1.4},
        "carriers": {"vehicle": "carrier", "seats": 10, "speed_mps": {"open": 5.0, "road": ROAD_SPEED}},
        "fuel_l": TANK_L,
        "fuel_per_km_l": BURN_L_PER_KM,
    }
    data["units"] = {"blue/platoon": {"type": "platoon", "nation": "B", "at": at(START_X, 0)}}
    data["plan"]["phases"]["go"]["tasks"][0]["units"] = ["blue/platoon"]
    result = runner.run(data, reps=1, world=road)
    off = result.select("UnitDismounted", unit="blue/platoon", detail="fuel")
    assert len(off) == 1
    assert abs(along(result, off["x_m"][0].as_py(), "blue/platoon") - RANGE_M) < STEP_M
    s = result.sim.state
    e = result.sim.world.forces.index("blue/platoon")
    assert not s.mounted[0, e]
    assert along(result, s.x[0, e], "blue/platoon") > RANGE_M + 1000.0  # walked on at 1.4 m/s
    assert abs(along(result, s.parked_x[0, e], "blue/platoon") - RANGE_M) < STEP_M


IDLE_L_PER_H = 2.0
IDLE_DRY_S = TANK_L / IDLE_L_PER_H * 3600.0  # 10 l at 2 l/h: five hours


def waiting(*, mounted: bool, carriers: bool = True) -> dict[str, Any]:
    """A blue vehicle with 10 l burning 2 l/h idling, ordered to stay where it stands (a move to its own
    point) for eight hours: a platoon riding its carrier (``mounted``) or on foot beside it (the carrier
    parked, engines off); or, without ``carriers``, the truck alone, halted."""
    data = drive(duration_s=8 * 3600.0)
    data["catalogue"]["unit_types"]["truck"]["idle_fuel_per_h_l"] = IDLE_L_PER_H
    data["plan"]["phases"]["go"]["tasks"][0]["to"] = at(START_X, 0)
    if not carriers:
        return data
    data["catalogue"]["unit_types"]["platoon"] = {
        "category": "motorised",
        "personnel": 10,
        "vehicles": {"carrier": 1},
        "speed_mps": {"open": 1.2, "road": 1.4},
        "carriers": {"vehicle": "carrier", "seats": 10, "speed_mps": {"open": 5.0, "road": ROAD_SPEED}},
        "fuel_l": TANK_L,
        "fuel_per_km_l": BURN_L_PER_KM,
        "idle_fuel_per_h_l": IDLE_L_PER_H,
    }
    data["units"] = {"blue/platoon": {"type": "platoon", "nation": "B", "at": at(START_X, 0)}}
    task = data["plan"]["phases"]["go"]["tasks"][0]
    task["units"] = ["blue/platoon"]
    task["mounted"] = mounted
    return data


def test_a_halted_vehicle_with_its_engine_running_runs_dry(runner: Runner) -> None:
    """The truck halted at its point idles at 2 l/h: its 10 l run out after five hours (within a step),
    FuelExhausted is recorded where it stands, and the measure counts it."""
    result = runner.run(waiting(mounted=True, carriers=False), reps=1)
    dry = result.select("FuelExhausted", unit="blue/truck")
    assert len(dry) == 1
    assert abs(dry["time_s"][0].as_py() - IDLE_DRY_S) <= DT
    assert result.measure("dry")[0] == 1.0
    f = result.sim.world.forces
    assert result.sim.state.fuel[0, f.index("blue/truck")] == 0.0


def test_troops_waiting_mounted_burn_idle_fuel_and_parked_carriers_do_not(runner: Runner) -> None:
    """A platoon that waits on board its carrier runs it dry after five hours and then gets off (reason
    fuel); the same platoon on foot beside its parked carrier (engines off) keeps its 10 l all day."""
    on_board = runner.run(waiting(mounted=True), reps=1)
    dry = on_board.select("FuelExhausted", unit="blue/platoon")
    assert len(dry) == 1
    assert abs(dry["time_s"][0].as_py() - IDLE_DRY_S) <= DT
    assert len(on_board.select("UnitDismounted", unit="blue/platoon", detail="fuel")) == 1
    parked = runner.run(waiting(mounted=False), reps=1)
    e = parked.sim.world.forces.index("blue/platoon")
    assert not parked.sim.state.mounted[0, e]
    assert parked.sim.state.fuel[0, e] == TANK_L
    assert parked.count("FuelExhausted")[0] == 0
