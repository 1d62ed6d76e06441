"""Resupply by carriers (docs/mechanics/supply.md): a truck on a resupply task keeps a post firing that runs
dry without it, restores exactly the rounds it hands over, and shares a load as the model says."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from effects_kit import Runner, at
from hypothesis import given
from hypothesis import strategies as st
from test_fire_discipline_effects import HOUR_S, post_attacked

from drillsim.mechanics.supply.model import share_delivery

REPS = 24
DURATION_S = 8 * HOUR_S


def post_with_truck(*, resupply: bool) -> dict[str, Any]:
    """The generic night post of the fire-discipline tests, held for 8 hours against a large group of 200
    whose fire pins but cannot kill (so the post lives to run dry), with a truck at a depot 3 km behind
    it; with ``resupply`` the truck carries 1,500 rounds a trip to the post when it asks."""
    data = post_attacked(duration_s=DURATION_S)
    cat = data["catalogue"]
    cat["weapons"]["harassing-rifle"] = cat["weapons"]["rifle"] | {
        "bands": [{"max_range_m": 500, "p_kill": 0.0, "p_suppress": 0.1}]
    }
    group = cat["unit_types"]["group"]
    group["personnel"] = 200
    group["weapons"] = [{"weapon": "harassing-rifle", "count": 200, "per_person": True}]
    cat["unit_types"]["truck"] = {
        "category": "logistics",
        "personnel": 2,
        "speed_mps": {"open": 8.0, "road": 12.0},
    }
    data["sites"] = {"depot": {"kind": "depot", "at": at(0, -3000), "nation": "B"}}
    data["units"]["blue/truck"] = {"type": "truck", "nation": "B", "at": at(0, -3000)}
    if resupply:
        data["plan"]["phases"] = {
            "supply": {
                "trigger": {"at_s": 0},
                "tasks": [
                    {
                        "task": "resupply",
                        "units": ["blue/truck"],
                        "depot": "depot",
                        "supplied": ["blue/post"],
                        "load_rounds": 1500,
                    }
                ],
            }
        }
    data["measures"] = {
        "deliveries": {"kind": "supplies-delivered", "side": "blue"},
        "delivered": {"kind": "rounds-delivered", "side": "blue"},
    }
    return data


def rounds_fired_by_post(result: Any) -> np.ndarray:
    """Per replication: the post's basic load, less what it has left, plus what it was handed."""
    f = result.sim.world.forces
    mounts = np.flatnonzero(f.w_elem == f.index("blue/post"))
    left = result.sim.state.ammo[:, mounts].sum(axis=1)
    return f.w_ammo0[mounts].sum() - left + result.measure("delivered")


def test_resupply_keeps_a_post_firing_that_runs_dry_without_it(runner: Runner) -> None:
    """Without the truck the post's rifles run dry in most replications; with it they get rounds again and
    the post fires more over the night. Replications are paired by seed (common random numbers); the bound
    is the mean paired difference in rounds fired less four standard errors of it (from its spread)."""
    alone = runner.run(post_with_truck(resupply=False), reps=REPS)
    helped = runner.run(post_with_truck(resupply=True), reps=REPS)
    dry_alone = alone.count("AmmunitionExhausted", unit="blue/post", detail="rifle") > 0
    assert dry_alone.mean() > 0.5
    assert alone.count("SupplyDelivered").sum() == 0
    delivered = helped.count("SupplyDelivered", unit="blue/truck", other="blue/post")
    assert (delivered >= 1).mean() > 0.5
    diff = rounds_fired_by_post(helped) - rounds_fired_by_post(alone)
    bound = diff.mean() - 4.0 * diff.std(ddof=1) / math.sqrt(REPS)
    assert bound > 0, f"rounds fired: {diff.mean():.0f} more with resupply (bound {bound:.0f})"


def test_rounds_handed_over_are_the_rounds_the_post_gains(runner: Runner) -> None:
    """Each delivery's rounds reach the post's mounts: the measure, the events and the carrier's load agree,
    and no delivery exceeds the carrier's load."""
    result = runner.run(post_with_truck(resupply=True), reps=8)
    events = result.total("SupplyDelivered", "value")
    measure = result.measure("delivered")
    assert np.allclose(events, measure)
    assert events.sum() > 0
    per_delivery = result.select("SupplyDelivered")["value"].to_numpy()
    assert (per_delivery <= 1500 + 1e-9).all()
    ammo = result.sim.state.ammo
    load = result.sim.world.forces.w_ammo0
    assert (ammo <= load[None, :] + 1e-9).all()


@given(
    st.lists(st.tuples(st.floats(0, 500), st.floats(0, 500)), min_size=1, max_size=6),
    st.floats(0, 5000),
)
def test_a_delivery_fills_shortfalls_and_no_more(mounts: list[tuple[float, float]], rounds: float) -> None:
    """share_delivery: no mount above its load, nothing negative, min(rounds, total shortfall) in all."""
    load = np.array([max(a, b) for a, b in mounts])
    left = np.array([min(a, b) for a, b in mounts])
    give = share_delivery(left, load, np.asarray(rounds))
    assert (give >= 0).all()
    assert (left + give <= load + 1e-9).all()
    assert math.isclose(give.sum(), min(rounds, (load - left).sum()), rel_tol=1e-9, abs_tol=1e-6)


def test_a_helicopter_carrier_flies_sorties_to_the_post(runner: Runner) -> None:
    """A helicopter on the resupply task flies from its airbase to the post and back: it delivers at least
    twice in every replication, and the post's rifles never run dry."""
    data = post_with_truck(resupply=True)
    del data["units"]["blue/truck"]
    data["catalogue"]["unit_types"]["heli"] = {
        "category": "helicopter",
        "domain": "air",
        "echelon": "flight",
        "personnel": 3,
        "air": {"cruise_speed_mps": 60.0, "endurance_s": 7200.0, "altitude_m": 300, "turnaround_s": 900.0},
    }
    data["sites"]["depot"]["kind"] = "airbase"
    data["units"]["blue/heli"] = {"type": "heli", "nation": "B", "at": at(0, -3000), "home": "depot"}
    task = data["plan"]["phases"]["supply"]["tasks"][0]
    task["units"] = ["blue/heli"]
    result = runner.run(data, reps=8)
    assert (result.count("SupplyDelivered", unit="blue/heli", other="blue/post") >= 2).all()
    assert result.count("AmmunitionExhausted", unit="blue/post", detail="rifle").sum() == 0
