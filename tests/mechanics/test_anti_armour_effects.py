"""Anti-armour weapons (docs/mechanics/direct-fire.md, "Anti-armour weapons"): an RPG team keeps its
rockets for carriers and for troops in positions or under cover, and the people its rockets hit are hit by
blast and fragments, so they take indirect fire's killed share, not the bullets'.

The scenario: a red RPG team of four launchers, 150 m north of a blue squad of 60 that it sees at once; the
squad stands in the open, or holds a hasty position, or sits in its truck (which never drives off).
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow.compute as pc
from effects_kit import Result, Runner, at, base, eye

from drillsim.mechanics.casualties import KILLED_FRACTION

ROCKETS = 4 * 40


def rpg(**overrides: Any) -> dict[str, Any]:
    """A rocket launcher as core-v1's RPG-7, with a high kill probability (so many people are hit)."""
    return {
        "kind": "direct",
        "rate_per_min": 2,
        "bands": [{"max_range_m": 300, "p_kill": 0.5, "p_suppress": 0.0}],
        "vehicle_p_kill": {"soft": 0.3, "light": 0.25},
        "wounds": "fragments",
        "fires_at": "vehicles-and-cover",
    } | overrides


def rockets_at(
    posture: str = "halted", *, truck: bool = False, duration_s: float = 1800.0, **weapon: Any
) -> dict[str, Any]:
    """The red RPG team (four launchers, 40 rockets each) and the blue squad in ``posture`` (in its truck
    with ``truck``)."""
    data = base(duration_s=duration_s, dt_s=10.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(10.0, range_scale_m=3000.0, max_range_m=3000.0)
    cat["weapons"]["rpg"] = rpg(**weapon)
    cat["unit_types"]["rpg-team"] = {
        "category": "infantry",
        "personnel": 8,
        "weapons": [{"weapon": "rpg", "count": 4, "ammunition": ROCKETS // 4}],
        "sensors": [{"sensor": "eye"}],
    }
    squad: dict[str, Any] = {
        "category": "infantry",
        "personnel": 60,
        "speed_mps": {"open": 1.2},
        "break_losses": 1.0,
        "break_suppression": 1.0,
    }
    if truck:
        squad |= {
            "category": "motorised",
            "vehicles": {"truck": 6},
            "carriers": {
                "vehicle": "truck",
                "seats": 10,
                "speed_mps": {"open": 10.0},
                "dismount_range_m": 0.0,
                "armour": "soft",
            },
        }
    cat["unit_types"]["squad"] = squad
    data["units"] = {
        "blue/sqd": {"type": "squad", "nation": "B", "at": at(0, 0), "posture": posture},
        "red/rpg": {"type": "rpg-team", "nation": "R", "at": at(0, 150)},
    }
    return data


def rockets_fired(result: Result) -> float:
    """Rockets the team fired over all replications (its load less what is left)."""
    return float(ROCKETS * result.reps - result.sim.state.ammo.sum())


def test_an_rpg_team_keeps_its_rockets_for_carriers_and_positions(runner: Runner) -> None:
    """At a squad in the open the team fires no rocket and hurts no one; at the same squad in a hasty
    position, or in its truck, it fires; used on anyone (``fires_at: all``) it fires at the squad in the
    open too."""
    reps = 4
    open_ground = runner.run(rockets_at(), reps=reps)
    assert rockets_fired(open_ground) == 0
    assert open_ground.count("UnitHit").sum() == 0
    dug_in = runner.run(rockets_at("hasty-defence"), reps=reps)
    assert rockets_fired(dug_in) > 0
    assert dug_in.count("UnitHit").min() > 0
    mounted = runner.run(rockets_at(truck=True), reps=reps)
    assert rockets_fired(mounted) > 0
    assert mounted.count("CarrierLost").sum() > 0
    anyone = runner.run(rockets_at(fires_at="all"), reps=reps)
    assert rockets_fired(anyone) > 0


def killed_share(result: Result) -> tuple[float, float]:
    """Killed over people hit (UnitHit), and its binomial standard error."""
    hits = result.select("UnitHit")
    n = float(pc.sum(hits["count"]).as_py())
    k = float(pc.sum(hits["value"]).as_py())
    share = k / n
    return share, math.sqrt(share * (1 - share) / n)


def test_rockets_kill_the_share_fragments_kill(runner: Runner) -> None:
    """Of the people the rockets hit in a hasty position, KILLED_FRACTION['indirect'] are killed (within four
    binomial standard errors), and fewer than the bullets' share by more than four; rockets that wound as
    bullets (``wounds: bullets``) kill the bullets' share."""
    rockets = runner.run(rockets_at("hasty-defence", duration_s=3600.0), reps=30)
    share, se = killed_share(rockets)
    assert abs(share - KILLED_FRACTION["indirect"]) < 4 * se, (share, se)
    assert share + 4 * se < KILLED_FRACTION["direct"], (share, se)
    as_bullets = runner.run(rockets_at("hasty-defence", duration_s=3600.0, wounds="bullets"), reps=30)
    share, se = killed_share(as_bullets)
    assert abs(share - KILLED_FRACTION["direct"]) < 4 * se, (share, se)
