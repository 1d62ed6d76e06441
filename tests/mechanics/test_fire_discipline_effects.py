"""Fire discipline (docs/mechanics/direct-fire.md, "Fire discipline") moves the outcome the documented way: a
defended post fights for hours, a shooter holds its fire at positions it only believes in unless it is
suppressing them deliberately, and a mount low on ammunition conserves it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from effects_kit import Runner, at, base, eye

REPS = 40
HOUR_S = 3600.0


def post_attacked(*, duration_s: float = 6 * HOUR_S) -> dict[str, Any]:
    """A generic defended post at night: a squad of 9 in prepared defence with 7 rifles of 210 rounds
    each (the US rifleman's basic load of seven 30-round magazines) and a machine gun of 1,000 rounds,
    attacked from 300 m by a group of 25 with the core catalogue's militant weapons and rates; both
    sides fight to the end (no breaking)."""
    data = base(duration_s=duration_s, dt_s=30.0)
    data["environment"] = {"light": "night"}
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye(0.02, range_scale_m=1000.0, max_range_m=3000.0)
    cat["weapons"]["rifle"] = {
        "kind": "direct",
        "rate_per_min": 6,
        "sustained_rounds_per_min": 12,
        "rapid_rounds_per_min": 30,
        "bands": [
            {"max_range_m": 100, "p_kill": 0.02, "p_suppress": 0.3},
            {"max_range_m": 300, "p_kill": 0.006, "p_suppress": 0.2},
            {"max_range_m": 500, "p_kill": 0.002, "p_suppress": 0.1},
        ],
    }
    cat["weapons"]["mg"] = {
        "kind": "direct",
        "rate_per_min": 6,
        "sustained_rounds_per_min": 100,
        "rapid_rounds_per_min": 200,
        "bands": [
            {"max_range_m": 300, "p_kill": 0.03, "p_suppress": 0.5},
            {"max_range_m": 800, "p_kill": 0.01, "p_suppress": 0.35},
        ],
    }
    stubborn = {"break_losses": 1.0, "break_suppression": 1.0, "sensors": [{"sensor": "eye"}]}
    cat["unit_types"]["post"] = stubborn | {
        "category": "infantry",
        "personnel": 9,
        "weapons": [
            {"weapon": "rifle", "count": 7, "ammunition": 210, "per_person": True},
            {"weapon": "mg", "count": 1, "ammunition": 1000},
        ],
    }
    cat["unit_types"]["group"] = stubborn | {
        "category": "irregular",
        "personnel": 25,
        "weapons": [
            {"weapon": "rifle", "count": 18, "ammunition": 240, "per_person": True},
            {"weapon": "mg", "count": 3, "ammunition": 500},
        ],
    }
    data["units"] = {
        "blue/post": {"type": "post", "nation": "B", "at": at(0, 0), "posture": "prepared-defence"},
        "red/assault": {"type": "group", "nation": "R", "at": at(0, 300)},
    }
    return data


def in_the_fight_until(result: Any, default: float) -> np.ndarray:
    """Per replication: when the post dropped out of the fight, destroyed or its rifles fired their last
    round (``default`` if neither happened)."""
    dry = result.first("AmmunitionExhausted", default=default, unit="blue/post", detail="rifle")
    dead = result.first("UnitDestroyed", default=default, unit="blue/post")
    return np.minimum(dry, dead)


def test_a_defended_post_fights_for_hours(runner: Runner) -> None:
    """With bursts and lulls, aimed fire only at located attackers and the conserve rule, the post stays in
    the fight for hours, not the minutes its rifles' load lasts at the rapid rate (210 / 30 = 7 minutes):
    the mean time until it is destroyed or its rifles run dry, less four standard errors of the 40
    replications (fixed seed; the standard error from their spread), is above two hours."""
    duration = 6 * HOUR_S
    result = runner.run(post_attacked(duration_s=duration), reps=REPS)
    spent = 7 * 210 - result.sim.state.ammo[:, 0]
    assert spent.mean() > 210  # the post did fight: more than a rifleman's load spent
    fight = in_the_fight_until(result, duration)
    bound = fight.mean() - 4.0 * fight.std(ddof=1) / math.sqrt(REPS)
    assert bound > 2 * HOUR_S, f"in the fight {fight.mean() / 60:.0f} min on average (bound {bound / 60:.0f})"
