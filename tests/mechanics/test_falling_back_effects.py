"""Broken elements of one unit fall back together (docs/mechanics/morale.md, "Falling back together"): to
one rally point, as one body, instead of each straight away from the enemy on its own line."""

from __future__ import annotations

from typing import Any

import numpy as np
from effects_kit import Result, Runner, at, base, eye, rifle

SPREAD_M = 800.0
"""The red group's elements start within this radius of its centre."""


def broken_group(*, count: int = 6) -> dict[str, Any]:
    """A red group of ``count`` elements (2 m/s, eyes that need no line of sight) scattered within
    ``SPREAD_M`` of the centre breaks in the first step (``break_losses`` 0); a blue section 1 km north,
    harmless (its rifles reach 2 km and neither kill nor suppress), so that red's start is no refuge: each
    broken element flees."""
    data = base(duration_s=3600.0)
    cat = data["catalogue"]
    cat["sensors"]["eye"] = eye() | {"identifies": True}
    cat["weapons"]["rifle"] = rifle(0.0, max_range_m=2000.0)
    cat["unit_types"]["group"] = {
        "category": "infantry",
        "personnel": 8,
        "sensors": [{"sensor": "eye"}],
        "speed_mps": {"open": 2.0},
        "break_losses": 0.0,
    }
    cat["unit_types"]["section"] = {
        "category": "infantry",
        "personnel": 10,
        "weapons": [{"weapon": "rifle", "count": 10}],
        "speed_mps": {"open": 1.0},
    }
    data["units"] = {
        "red/group": {"type": "group", "nation": "R", "at": at(0, 0), "count": count, "spread_m": SPREAD_M},
        "blue/section": {"type": "section", "nation": "B", "at": at(0, 1000)},
    }
    return data


def spread(result: Result) -> np.ndarray:
    """Per replication, the greatest distance between two of the red group's elements."""
    s, f = result.sim.state, result.sim.world.forces
    red = np.flatnonzero(np.array([g == "red/group" for g in f.group_of]))
    x, y = s.x[:, red], s.y[:, red]
    apart = np.hypot(x[:, :, None] - x[:, None, :], y[:, :, None] - y[:, None, :])
    return np.asarray(apart.max(axis=(1, 2)))


def test_a_broken_group_falls_back_together(runner: Runner) -> None:
    """Six elements of a group that break together at the start are, 30 minutes later (before any can
    rally), still within the group's start footprint (2 x SPREAD_M) of each other: they make for one rally
    point, 5 km from the group's centre away from blue, as one body. Each fleeing on its own line away
    from blue, they fanned out to several kilometres."""
    result = runner.run(broken_group(), reps=4, until_s=1790.0)
    assert (result.count("UnitBroke", unit="red/group/1") == 1).all()
    s, f = result.sim.state, result.sim.world.forces
    red = np.flatnonzero(np.array([g == "red/group" for g in f.group_of]))
    assert s.broken[:, red].all()
    assert (spread(result) <= 2.0 * SPREAD_M).all()
    # They did fall back: the group's centre is well away from blue, to the south.
    assert (s.y[:, red].mean(axis=1) < -2000.0).all()


def test_an_element_that_breaks_later_joins_its_group_rally_point(runner: Runner) -> None:
    """An element that breaks after the rest of its group, 3 km east of it, goes to the rally point its
    group is making for (the route end of an element of its group falling back), not to a point of its
    own (5 km away from blue from the group's centre, which the element moves by 500 m)."""
    from drillsim.mechanics.morale.step import withdrawal_points

    result = runner.run(broken_group(), reps=2, until_s=600.0)
    sim = result.sim
    s, f = sim.state, sim.world.forces
    first, late = f.index("red/group/1"), f.index("red/group/2")
    end = s.route_len[:, first] - 1
    rally = np.stack([s.route_x[[0, 1], first, end], s.route_y[[0, 1], first, end]], axis=1)
    s.broken[:, late] = False  # as if it had not broken yet, 3 km east of where it was
    s.x[:, late] += 3000.0
    sim.ctx.t1 = s.time_s
    points = withdrawal_points(sim.ctx, np.array([0, 1]), np.array([late, late]))
    np.testing.assert_allclose(points[:, 0, :], rally)
