"""Carriers destroyed by fire, ridden or parked, and area fire on mounted troops
(docs/mechanics/direct-fire.md, "Carriers destroyed by fire"; docs/mechanics/indirect-fire.md, "Mounted
troops").

Direct fire: a blue motorised squad of 6 sits in its one carrier, 300 m from a red post with a heavy machine
gun and rifles that sees it at once; the squad never dismounts for the enemy (dismount range 0) and the
post does not suppress (p_suppress 0), so only a destroyed carrier puts it on foot. Area fire: a blue
observer calls one 82 mm mission on a red squad sitting in its carrier 500 m away.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from effects_kit import Result, Runner, assert_paired_greater, at, base, eye, rifle

from drillsim.mechanics.direct_fire.model import BURST_DUTY, carriers_destroyed_probability
from drillsim.mechanics.transport import carrier_load

DT = 10.0
HMG_RATE_PER_S = 6.0 / 60.0
HMG_SOFT = 0.05
"""The machine gun's chance per engagement of destroying a soft-skinned carrier (0 for light armour)."""
RIDERS = 6
SHARE = 0.3


def squad_in(armour: str, *, reps_people: int = RIDERS, fragment_exposure: float = 1.0) -> dict[str, Any]:
    """The blue squad type in one carrier of the given class."""
    return {
        "category": "motorised",
        "personnel": reps_people,
        "vehicles": {"carrier": 1},
        "speed_mps": {"open": 1.2},
        "break_losses": 1.0,
        "break_suppression": 1.0,
        "carriers": {
            "vehicle": "carrier",
            "seats": 10,
            "speed_mps": {"open": 10.0},
            "dismount_range_m": 0.0,
            "armour": armour,
            "fragment_exposure": fragment_exposure,
            "rider_casualty_share": SHARE,
        },
    }


def ambush(armour: str, *, hmg: bool = True, rifles: int = 6, duration_s: float = 3600.0) -> dict[str, Any]:
    """The blue squad mounted at the origin, the red post 300 m north with ``rifles`` rifles and (``hmg``) a
    heavy machine gun whose fire hardly hurts people (so the squad outlives its carrier)."""
    data = base(duration_s=duration_s, dt_s=DT)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(10.0, range_scale_m=3000.0, max_range_m=3000.0)
    cat["weapons"]["rifle"] = rifle(0.02, max_range_m=500.0)
    cat["weapons"]["hmg"] = {
        "kind": "direct",
        "rate_per_min": 6,
        "bands": [{"max_range_m": 1000, "p_kill": 0.001, "p_suppress": 0.0}],
        "vehicle_p_kill": {"soft": HMG_SOFT, "light": 0.0},
    }
    weapons = [{"weapon": "rifle", "count": rifles}] if rifles else []
    weapons += [{"weapon": "hmg", "count": 1}] if hmg else []
    cat["unit_types"]["post"] = {
        "category": "infantry",
        "personnel": 8,
        "weapons": weapons,
        "sensors": [{"sensor": "eye"}],
        "speed_mps": {"open": 1.0},
    }
    cat["unit_types"]["squad"] = squad_in(armour)
    data["units"] = {
        "blue/sqd": {"type": "squad", "nation": "B", "at": at(0, 0)},
        "red/post": {"type": "post", "nation": "R", "at": at(0, 300)},
    }
    data["measures"] = {"carriers-lost": {"kind": "carriers-lost", "side": "blue"}}
    return data


def test_a_pickup_under_a_heavy_machine_gun_is_destroyed_and_its_riders_dismount(runner: Runner) -> None:
    """One 12.7 mm gun firing at a soft carrier destroys it at the rate n f p_v = 0.1 x 0.05 = 0.005 a
    second while it fires: every carrier lost within the hour, each with a ``CarrierLost`` naming the gun,
    a dismount (reason carrier-lost) at the same moment, and a third of the six riders hit on average."""
    reps = 60
    result = runner.run(ambush("soft", rifles=0), reps=reps)
    lost = result.measure("carriers-lost")
    assert (lost == 1.0).all()
    events = result.select("CarrierLost")
    assert set(events["detail"].to_pylist()) == {"hmg"}
    assert set(events["other"].to_pylist()) == {"red/post"}
    off = result.select("UnitDismounted", detail="carrier-lost")
    assert off["replication"].to_pylist() == events["replication"].to_pylist()
    assert off["time_s"].to_pylist() == pytest.approx(events["time_s"].to_pylist(), abs=DT)
    # Time to the loss: geometric in steps. The gun fires in a step with probability BURST_DUTY, then at
    # 1 / BURST_DUTY of the mean rate, so a step destroys the carrier with probability
    # q = BURST_DUTY (1 - exp(-rate dt / BURST_DUTY)) and the mean is dt / q (about 220 s; detection takes
    # a step). Bound: 4 standard errors of the mean, the geometric's standard deviation being about its mean.
    when = np.asarray(events["time_s"].to_numpy())
    rate = HMG_RATE_PER_S * HMG_SOFT
    mean = DT / (BURST_DUTY * -math.expm1(-rate * DT / BURST_DUTY))
    assert abs(when.mean() - mean) < 4.0 * mean / math.sqrt(reps) + DT
    # Riders hit when the carrier goes: Binomial(6, 0.3) each, mean 1.8, variance 1.26.
    hit = np.asarray(events["count"].to_numpy(), dtype=np.float64)
    assert abs(hit.mean() - RIDERS * SHARE) < 4.0 * math.sqrt(RIDERS * SHARE * (1 - SHARE) / reps)


def test_a_unit_that_lost_its_carrier_walks(runner: Runner) -> None:
    """Ordered 5 km south after its only carrier was destroyed, the squad walks (no ``UnitMounted``), so
    it arrives no sooner than on foot from where it lost the carrier."""
    data = ambush("soft", rifles=0, duration_s=7200.0)
    order = {"task": "move", "units": ["blue/sqd"], "to": at(0, -5000)}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 1800}, "tasks": [order]}}
    result = runner.run(data, reps=10)
    assert (result.measure("carriers-lost") == 1.0).all()  # all lost within the first half hour
    assert result.count("UnitMounted").sum() == 0
    arrived = result.select("UnitArrived", unit="blue/sqd")
    assert len(arrived) == 10
    assert min(arrived["time_s"].to_pylist()) >= 1800.0 + 5000.0 / 1.2 - 2 * DT


def test_parked_carriers_are_destroyed_with_no_one_on_board_and_the_unit_then_walks(runner: Runner) -> None:
    """The squad starts on foot beside its pickup (``mounted: false``): the gun destroys the parked pickup at
    the rate it destroys a ridden one (mean time to the loss as above, 4 standard errors), nobody is on
    board (``CarrierLost`` with no casualties, no dismount), and ordered 5 km south at half an hour the
    squad walks. Without the rule for parked carriers none is lost and the squad rides."""
    reps = 60
    data = ambush("soft", rifles=0, duration_s=7200.0)
    data["units"]["blue/sqd"]["mounted"] = False
    order = {"task": "move", "units": ["blue/sqd"], "to": at(0, -5000)}
    data["plan"]["phases"] = {"go": {"trigger": {"at_s": 1800}, "tasks": [order]}}
    result = runner.run(data, reps=reps)
    events = result.select("CarrierLost")
    lost_early = np.asarray(events["time_s"].to_numpy()) < 1800.0
    assert lost_early.mean() > 0.9  # P(lost within 1,800 s) = 1 - exp(-1800 / 220) > 0.999
    assert set(events["detail"].to_pylist()) == {"hmg"}
    assert np.asarray(events["count"].to_numpy()).sum() == 0
    assert result.count("UnitDismounted").sum() == 0
    rate = HMG_RATE_PER_S * HMG_SOFT
    mean = DT / (BURST_DUTY * -math.expm1(-rate * DT / BURST_DUTY))
    when = np.asarray(events["time_s"].to_numpy())
    assert abs(when.mean() - mean) < 4.0 * mean / math.sqrt(reps) + DT
    rode = result.select("UnitMounted")
    assert len(rode) == reps - int(lost_early.sum())  # only squads whose pickup outlived the half hour ride


def test_an_armoured_carrier_under_small_arms_and_a_machine_gun_is_never_destroyed(runner: Runner) -> None:
    """Light armour: the rifles have no effect on vehicles and the gun's is 0 against light armour, so no
    carrier is lost in 40 hours of fire, while the riders are still hit."""
    result = runner.run(ambush("light"), reps=40)
    assert (result.measure("carriers-lost") == 0.0).all()
    assert result.count("CarrierLost").sum() == 0
    assert result.losses("blue").sum() > 0


def test_rifles_alone_never_destroy_a_soft_carrier(runner: Runner) -> None:
    """Small arms have no ``vehicle_p_kill``: not even a pickup is destroyed by rifle fire alone."""
    result = runner.run(ambush("soft", hmg=False), reps=20)
    assert (result.measure("carriers-lost") == 0.0).all()


# --- area fire on mounted troops ----------------------------------------------------------------------------


def mortar_mission(armour: str, fragment_exposure: float) -> dict[str, Any]:
    """A blue observer and 82 mm section 4.5 km south of a red squad of 10 sitting in its carrier, which
    fires one mission of 6 rounds a tube."""
    data = base(duration_s=3600.0, dt_s=DT)
    cat = data["catalogue"]
    cat["sensors"]["sure-eye"] = eye(10.0) | {"position_error_m": 20.0}
    cat["weapons"]["mortar"] = {
        "kind": "indirect",
        "max_range_m": 6000,
        "rate_per_min": 12,
        "rounds_per_mission": 6,
        "lethal_radius_m": 16,
        "dispersion_m": 50,
        "projectile_speed_mps": 150,
        "vehicle_lethal_radius_m": {"soft": 8, "light": 2},
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
        "weapons": [{"weapon": "mortar", "count": 3}],
    }
    cat["unit_types"]["squad"] = squad_in(armour, reps_people=10, fragment_exposure=fragment_exposure)
    data["units"] = {
        "blue/fo": {"type": "fo", "nation": "B", "at": at(0, 0)},
        "blue/mortars": {"type": "mortars", "nation": "B", "at": at(0, -4000)},
        "red/sqd": {"type": "squad", "nation": "R", "at": at(0, 500)},
    }
    data["plan"]["phases"] = {
        "fires": {
            "trigger": {"at_s": 0},
            "tasks": [
                {
                    "task": "fire-support",
                    "units": ["blue/mortars"],
                    "fire_direction_delay_s": 60,
                    "max_missions": 1,
                }
            ],
        }
    }
    data["measures"] = {"carriers-lost": {"kind": "carriers-lost", "side": "red"}}
    return data


def test_riders_behind_armour_lose_fewer_to_a_mortar_than_riders_in_a_truck(runner: Runner) -> None:
    """The same mission on the same fall of shot: riders in a truck (fragment exposure 1, the truck
    destroyed within 8 m) lose more than riders behind light armour (0.1, destroyed within 2 m). The bound
    is on the paired difference, 4 standard errors (effects_kit)."""
    reps = 200
    truck = runner.run(mortar_mission("soft", 1.0), reps=reps, until_s=600.0)
    armour = runner.run(mortar_mission("light", 0.1), reps=reps, until_s=600.0)
    assert_paired_greater(truck.losses("red"), armour.losses("red"))
    # The truck is lost in some runs, and more often than the armoured carrier.
    assert truck.measure("carriers-lost").sum() > armour.measure("carriers-lost").sum()
    assert set(truck.select("CarrierLost")["detail"].to_pylist()) == {"mortar"}


def test_a_mortar_destroys_parked_carriers_without_hurting_riders(runner: Runner) -> None:
    """The red squad on foot beside its truck: the same mission destroys the parked truck in some runs
    (Binomial(1, p_v) per run, p_v from the fall of shot), every ``CarrierLost`` with no one on board and no
    dismount. Without the rule for parked carriers none is lost."""
    data = mortar_mission("soft", 1.0)
    data["units"]["red/sqd"]["mounted"] = False
    result = runner.run(data, reps=200, until_s=600.0)
    assert result.measure("carriers-lost").sum() > 0
    events = result.select("CarrierLost")
    assert np.asarray(events["count"].to_numpy()).sum() == 0
    assert result.count("UnitDismounted").sum() == 0


def test_fragment_exposure_alone_protects_the_riders(runner: Runner) -> None:
    """With no vehicle destroyed (radius 0), losses scale with the carriers' fragment exposure: riders at
    0.1 lose fewer than at 1 (expected values, no draws)."""

    def losses(fragment_exposure: float) -> float:
        data = mortar_mission("soft", fragment_exposure)
        data["catalogue"]["weapons"]["mortar"]["vehicle_lethal_radius_m"] = {"soft": 0, "light": 0}
        result: Result = runner.run(data, reps=1, until_s=600.0, stochastic=False)
        return float(result.losses("red")[0])

    high, low = losses(1.0), losses(0.1)
    assert low > 0.0
    assert low < high


def test_vehicle_formulas() -> None:
    """A carrier's load is the unit's people over its carriers, at most its seats; the chance of losing one
    in a step is 1 - exp(-rate dt)."""
    assert carrier_load([10, 30, 6], [1, 3, 2], [10, 8, 10]).tolist() == pytest.approx([10.0, 8.0, 3.0])
    assert carriers_destroyed_probability([0.0, 0.005], 10.0).tolist() == pytest.approx(
        [0.0, 1 - math.exp(-0.05)]
    )


def test_a_mortar_on_the_squad_spares_its_carrier_parked_1_km_away(runner: Runner) -> None:
    """The red squad gets off its truck 1 km north of where the mission will fall and walks there; the
    same mission on the squad, fired once it has arrived, destroys no truck in 200 runs: the bursts are
    measured to where the truck stands. Beside the squad it is lost in some runs (above)."""
    data = mortar_mission("soft", 1.0)
    data["units"]["red/sqd"] |= {"mounted": False, "at": at(0, 1500)}
    walk = {"task": "move", "units": ["red/sqd"], "to": at(0, 500), "mounted": False}
    data["plan"]["phases"]["fires"]["trigger"] = {"at_s": 1000}
    data["plan"]["phases"]["walk"] = {"trigger": {"at_s": 0}, "tasks": [walk]}
    result = runner.run(data, reps=200, until_s=1800.0)
    assert result.count("UnitArrived", unit="red/sqd").sum() == 200
    assert result.count("RoundsImpacted").sum() > 0
    assert result.measure("carriers-lost").sum() == 0
