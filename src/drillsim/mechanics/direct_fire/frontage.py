"""Frontage: how many elements of a side can fire at once along its contact line.

An element in line needs a stretch of front to bring its weapons to bear (its *frontage*, by echelon,
:data:`FRONTAGE_BY_ECHELON_M`); elements behind a full line are masked by their own comrades and stand in
depth. Each step, for each replication and side, the side's engagements (shooters with a target in reach)
define a contact line:

- its axis runs from the centroid of the engaged shooters to the centroid of their targets;
- its width ``W`` is the extent, across that axis, of the engaged shooters and their targets together,
  plus the largest frontage among the shooters (so one element always fits);

and the shooters are admitted nearest-first (true distance to their target; ties by element order) while
the frontages admitted before them sum to less than ``W``. The others hold their fire this step: no effect,
no rounds spent. A larger battle whose forces deploy in depth then engages a smaller share of its
strength at once, as daily casualty rates fall with battle size in history (docs/validation/cdb90.md).
See docs/mechanics/direct-fire.md, "Frontage".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit
from drillsim.scenario import Scenario

__all__ = ["FRONTAGE_BY_ECHELON_M", "element_frontages", "engaged_on_frontage"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_YARD_M = 0.9144
FRONTAGE_BY_ECHELON_M: dict[str, float] = {
    "team": 60.0,
    "squad": 120.0,
    "section": 120.0,
    "platoon": 400 * _YARD_M,
    "company": 1000 * _YARD_M,
    "battalion": 2000 * _YARD_M,
    "brigade": 4000 * _YARD_M,
    "battery": 400 * _YARD_M,
    "flight": 60.0,
    "squadron": 120.0,
    "group": 400 * _YARD_M,
}
"""Front one element covers with its fire in line. Platoon 400 yards, company 1,000 and battalion 2,000
(two companies up) are the figures of W. H. Waldron, *Terrain Exercises* (a US Army instruction text,
read in a public reprint: a platoon covers 400-500 yards of front with its fire, the lower end taken;
1,000 yards a company and 2,000 a battalion at most); squad and section a third of a platoon, team half
a squad, brigade two battalions up, battery and irregular group as a platoon are assumptions (confidence
low). Air elements do not fire direct."""


def element_frontages(scenario: Scenario, unit_type: IntArray, type_names: tuple[str, ...]) -> FloatArray:
    """Each element's frontage, from its unit type's echelon."""
    by_type = np.array(
        [FRONTAGE_BY_ECHELON_M[scenario.catalogue.unit_types[t].echelon] for t in type_names],
        dtype=np.float64,
    )
    return np.asarray(by_type[unit_type], dtype=np.float64)


def engaged_on_frontage(
    rows: IntArray,
    shooter: IntArray,
    target: IntArray,
    range_m: FloatArray,
    x: FloatArray,
    y: FloatArray,
    side: IntArray,
    frontage: FloatArray,
) -> BoolArray:
    """Which engagements (state row, shooter, target at true ``range_m``) fit on their side's contact line.

    Positions ``x``, ``y`` are the true ones (rows x elements): the effect is computed at true range, and a
    side knows where its own units are. See the module docs for the rule."""
    n = len(rows)
    keep = np.ones(n, dtype=bool)
    if n < 2:
        return keep
    n_sides = int(side.max()) + 1
    group = rows * n_sides + side[shooter]
    groups, g = np.unique(group, return_inverse=True)
    k = len(groups)
    count = np.bincount(g, minlength=k).astype(np.float64)
    sx, sy = x[rows, shooter], y[rows, shooter]
    tx, ty = x[rows, target], y[rows, target]
    csx, csy = np.bincount(g, sx, k) / count, np.bincount(g, sy, k) / count
    ux, uy = np.bincount(g, tx, k) / count - csx, np.bincount(g, ty, k) / count - csy
    norm = np.hypot(ux, uy)
    flat = ~(norm > 0)
    ux = np.where(flat, 1.0, ux / np.where(flat, 1.0, norm))
    uy = np.where(flat, 0.0, uy / np.where(flat, 1.0, norm))
    # Lateral coordinate (across the axis) of each shooter and each target, from the shooters' centroid.
    lat_s = (sx - csx[g]) * -uy[g] + (sy - csy[g]) * ux[g]
    lat_t = (tx - csx[g]) * -uy[g] + (ty - csy[g]) * ux[g]
    low = np.full(k, np.inf)
    high = np.full(k, -np.inf)
    np.minimum.at(low, g, np.minimum(lat_s, lat_t))
    np.maximum.at(high, g, np.maximum(lat_s, lat_t))
    own = frontage[shooter]
    widest = np.zeros(k)
    np.maximum.at(widest, g, own)
    width = high - low + widest
    # Nearest first within each group (stable: ties keep the input order, which is by element).
    order = np.lexsort((range_m, g))
    before = frontage_taken_before(own[order], g[order])
    keep[order] = before < width[g[order]]
    return keep


@jit
def frontage_taken_before(own: FloatArray, group: IntArray) -> FloatArray:
    """For engagements sorted by group: the frontage taken by those before each in its own group, summed
    from the group's first. (A running sum over the whole batch, less the group's start, would round by
    what the other rows hold, and a replication's fire would depend on its batch.)"""
    out = np.empty(own.shape[0])
    total = 0.0
    for k in range(own.shape[0]):
        if k == 0 or group[k] != group[k - 1]:
            total = 0.0
        out[k] = total
        total += own[k]
    return out
