"""Guns on carriers (docs/mechanics/transport.md, "Carriers' guns"): a weapon mounted on a unit's carriers
fires from where the carriers stand, only while they are ridden or crewed, and is lost with them.

The scenario: a blue squad of 6 with one pickup carrying its only weapon, a machine gun that reaches 1 km
(no weapon of its own on foot), on a flat, open box. Red groups that cannot see are its targets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from effects_kit import Result, Runner, at, base, eye

from drillsim.core.errors import InputError

DT = 10.0
WALK = 1.2
GUN_REACH_M = 1000.0


def gun(*, vehicle_p_kill: float = 0.0, p_kill: float = 0.05) -> dict[str, Any]:
    """A machine gun: 6 engagements a minute to ``GUN_REACH_M``; ``vehicle_p_kill`` against soft carriers."""
    return {
        "kind": "direct",
        "rate_per_min": 6,
        "bands": [{"max_range_m": GUN_REACH_M, "p_kill": p_kill, "p_suppress": 0.0}],
        "vehicle_p_kill": {"soft": vehicle_p_kill, "light": 0.0},
    }


def scenario(*, crew: int, duration_s: float = 3600.0) -> dict[str, Any]:
    """The blue squad, on foot beside its pickup at the origin; its gun is on the pickup, whose ``crew``
    stays with it when the squad is on foot."""
    data = base(duration_s=duration_s, dt_s=DT)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(10.0, range_scale_m=5000.0, max_range_m=5000.0)
    cat["weapons"]["gun"] = gun()
    cat["unit_types"]["gun-squad"] = {
        "category": "motorised",
        "personnel": 6,
        "vehicles": {"pickup": 1},
        "weapons": [{"weapon": "gun", "count": 1, "on_carrier": True}],
        "sensors": [{"sensor": "eye"}],
        "speed_mps": {"open": WALK},
        "break_losses": 1.0,
        "break_suppression": 1.0,
        "carriers": {
            "vehicle": "pickup",
            "seats": 10,
            "speed_mps": {"open": 10.0},
            "dismount_range_m": 0.0,
            "armour": "soft",
            "crew": crew,
        },
    }
    cat["unit_types"]["group"] = {
        "category": "irregular",
        "personnel": 30,
        "speed_mps": {"open": 1.0},
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["units"] = {"blue/sqd": {"type": "gun-squad", "nation": "B", "at": at(0, 0), "mounted": False}}
    return data


def walk_away(data: dict[str, Any]) -> dict[str, Any]:
    """The squad walks 1 km north, leaving its pickup at the origin; a red group stands 500 m south of the
    pickup (1.5 km from the squad once it has arrived) and another 700 m north of the squad's end point
    (1.7 km from the pickup)."""
    data["units"]["red/south"] = {"type": "group", "nation": "R", "at": at(0, -500)}
    data["units"]["red/north"] = {"type": "group", "nation": "R", "at": at(0, 1700)}
    order = {"task": "move", "units": ["blue/sqd"], "to": at(0, 1000), "mounted": False}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [order]}}
    return data


def hits_after(result: Result, unit: str, t0: float) -> float:
    """People of ``unit`` hit by blue after ``t0``, over every replication."""
    t = result.select("UnitHit", unit=unit, other="blue/sqd")
    when = np.asarray(t["time_s"].to_numpy())
    return float(np.asarray(t["count"].to_numpy())[when > t0].sum())


def test_a_parked_gun_fires_from_its_carrier_not_from_the_squad_1_km_away(runner: Runner) -> None:
    """Once the squad has walked 1 km from its pickup, the crewed gun hits the group 500 m from the
    pickup (1.5 km from the squad: beyond the gun's reach from there) and never the group 700 m from the
    squad (1.7 km from the pickup). Were the gun fired from the squad's position, the hits would be the
    other way round."""
    reps = 4
    result = runner.run(walk_away(scenario(crew=2)), reps=reps)
    arrived = result.select("UnitArrived", unit="blue/sqd")
    assert len(arrived) == reps
    there = float(max(arrived["time_s"].to_pylist()))
    assert there == pytest.approx(1000.0 / WALK, abs=3 * DT)
    assert hits_after(result, "red/south", there) > 0
    assert hits_after(result, "red/north", 0.0) == 0


def test_a_parked_gun_without_crew_falls_silent(runner: Runner) -> None:
    """With no crew left with the pickup, its gun does not fire at all while the squad is on foot: not
    from the pickup, and not from the squad, which carries no weapon of its own."""
    result = runner.run(walk_away(scenario(crew=0)), reps=4)
    assert result.count("UnitHit").sum() == 0
    assert result.count("RoundsImpacted").sum() == 0


def destroyer(*, vehicle_p_kill: float, rounds: int | None = None) -> dict[str, Any]:
    """The blue squad with its crewed pickup parked beside it at the origin (``rounds`` for its gun: none,
    unlimited) and a red post 300 m north with a gun that hardly hurts people and destroys a soft carrier
    with ``vehicle_p_kill`` an engagement."""
    data = scenario(crew=2, duration_s=1800.0)
    cat = data["catalogue"]
    cat["weapons"]["red-gun"] = gun(vehicle_p_kill=vehicle_p_kill, p_kill=0.0001)
    cat["unit_types"]["post"] = {
        "category": "infantry",
        "personnel": 30,
        "weapons": [{"weapon": "red-gun", "count": 1}],
        "sensors": [{"sensor": "eye"}],
        "speed_mps": {"open": 1.0},
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    data["units"]["red/post"] = {"type": "post", "nation": "R", "at": at(0, 300)}
    if rounds is not None:
        cat["unit_types"]["gun-squad"]["weapons"][0]["ammunition"] = rounds
    return data


def loss_times(result: Result) -> np.ndarray:
    """Per replication: when the blue pickup was destroyed (+inf: never)."""
    lost = result.select("CarrierLost", unit="blue/sqd")
    when = np.full(result.reps, np.inf)
    when[np.asarray(lost["replication"].to_numpy(), dtype=np.int64)] = lost["time_s"].to_numpy()
    return when


def test_a_destroyed_carrier_s_gun_falls_silent(runner: Runner) -> None:
    """The red post destroys the parked pickup (soft, 0.05 an engagement: a mean of about 220 s, so within
    the half hour in every run but about once in 3,500); the gun on it hits the post until then and never
    after. With a red gun that cannot destroy carriers the blue gun keeps hitting the post after the
    latest of those losses."""
    reps = 20
    result = runner.run(destroyer(vehicle_p_kill=0.05), reps=reps)
    when = loss_times(result)
    assert np.isfinite(when).all()
    hits = result.select("UnitHit", unit="red/post", other="blue/sqd")
    rows = np.asarray(hits["replication"].to_numpy(), dtype=np.int64)
    assert len(hits) > 0  # it fired while the pickup stood
    assert (np.asarray(hits["time_s"].to_numpy()) <= when[rows]).all()
    kept = runner.run(destroyer(vehicle_p_kill=0.0), reps=reps)
    late = kept.select("UnitHit", unit="red/post", other="blue/sqd")
    assert (np.asarray(late["time_s"].to_numpy()) > when.max()).any()


def test_a_destroyed_carrier_takes_the_rounds_of_its_gun(runner: Runner) -> None:
    """With 500 rounds for the gun, none are left once the pickup is lost; without the loss some are."""
    reps = 8
    result = runner.run(destroyer(vehicle_p_kill=0.05, rounds=500), reps=reps)
    assert np.isfinite(loss_times(result)).all()
    mount = int(np.flatnonzero(result.sim.world.forces.w_on_carrier)[0])
    assert (result.sim.state.ammo[:, mount] == 0).all()
    kept = runner.run(destroyer(vehicle_p_kill=0.0, rounds=500), reps=reps)
    assert (kept.sim.state.ammo[:, mount] > 0).all()


def test_a_gun_on_carriers_needs_carriers(runner: Runner) -> None:
    """``on_carrier`` on a type without carriers is refused, naming the weapon."""
    data = scenario(crew=0)
    del data["catalogue"]["unit_types"]["gun-squad"]["carriers"]
    with pytest.raises(InputError, match="gun"):
        runner.scenario(data)


def test_fire_at_the_squad_spares_its_carrier_parked_1_km_away(runner: Runner) -> None:
    """The squad walks 1 km north from its pickup; a red post that sees only 700 m (so not the squad
    beside its pickup) engages it from 632 m at the end of its walk with a gun that reaches 1,200 m and
    destroys soft carriers. The pickup, within that reach (1 km from the post) but not with the squad, is
    never lost: fire aimed at the squad's people does not reach it. Beside the squad it is (above)."""
    data = destroyer(vehicle_p_kill=0.05)
    cat = data["catalogue"]
    cat["weapons"]["red-gun"]["bands"][0]["max_range_m"] = 1200.0
    cat["sensors"]["short-eye"] = eye(10.0, range_scale_m=700.0, max_range_m=700.0)
    cat["unit_types"]["post"]["sensors"] = [{"sensor": "short-eye"}]
    cat["unit_types"]["gun-squad"]["carriers"]["crew"] = 0
    data["units"]["red/post"]["at"] = at(600, 800)
    order = {"task": "move", "units": ["blue/sqd"], "to": at(0, 1000), "mounted": False}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [order]}}
    result = runner.run(data, reps=8)
    assert result.count("ContactReported", side="red").sum() > 0  # the post saw the squad
    assert result.count("CarrierLost").sum() == 0


def test_a_gunner_who_sees_a_parked_pickup_1_km_from_its_squad_destroys_it(runner: Runner) -> None:
    """The squad walks 1 km north from its pickup, then a red post 500 m south of the pickup comes into
    action: the squad is 1.5 km away, beyond the post's gun (1 km), but the parked pickup is a contact of
    its own. The post sights it (``CarrierSighted``) and destroys it with direct fire (``CarrierLost``, the
    post the shooter, at most its crew of 2 hurt) in every run, and hurts no one of the squad but that
    crew. Seen only as part of the squad, the pickup would never be lost (test above)."""
    reps = 8
    data = destroyer(vehicle_p_kill=0.05)
    data["time"]["duration_s"] = 4000.0
    data["units"]["red/post"] |= {"at": at(0, -500), "readiness_s": 1000.0}
    order = {"task": "move", "units": ["blue/sqd"], "to": at(0, 1000), "mounted": False}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [order]}}
    result = runner.run(data, reps=reps)
    sighted = result.select("CarrierSighted", side="red", other="blue/sqd")
    assert len(sighted) > 0
    lost = result.select("CarrierLost", unit="blue/sqd")
    assert sorted(lost["replication"].to_pylist()) == list(range(reps))
    assert set(lost["other"].to_pylist()) == {"red/post"}
    assert (np.asarray(lost["count"].to_numpy()) <= 2).all()
    assert (np.asarray(lost["time_s"].to_numpy()) >= 1000.0).all()
    # The squad's only casualties are the crew hit with the pickup.
    hurt = result.total("UnitHit", "count", unit="blue/sqd")
    assert (hurt == result.total("CarrierLost", "count", unit="blue/sqd")).all()


def test_a_gunner_with_people_in_reach_fires_at_them_not_at_their_parked_pickup(runner: Runner) -> None:
    """As above, but the post's gun reaches 2 km: the squad 1.5 km off is in reach, and the post fires at
    its people (who come first) although it sights the pickup 500 m away; the pickup is never lost. Were
    parked carriers taken first, it would be lost in every run, as above."""
    reps = 8
    data = destroyer(vehicle_p_kill=0.05)
    data["catalogue"]["weapons"]["red-gun"]["bands"][0] |= {"max_range_m": 2000.0, "p_kill": 0.01}
    data["time"]["duration_s"] = 4000.0
    data["units"]["red/post"] |= {"at": at(0, -500), "readiness_s": 1000.0}
    order = {"task": "move", "units": ["blue/sqd"], "to": at(0, 1000), "mounted": False}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 0}, "tasks": [order]}}
    result = runner.run(data, reps=reps)
    assert len(result.select("CarrierSighted", side="red", other="blue/sqd")) > 0
    assert result.count("UnitHit", unit="blue/sqd", other="red/post").sum() > 0
    assert result.count("CarrierLost").sum() == 0
