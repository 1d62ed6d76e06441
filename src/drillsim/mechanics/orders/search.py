"""Search for a target unit the side's picture no longer places (docs/mechanics/orders.md, "Search for a
target"): the expanding square of a raid, and of an attack on a target unit, around the target's last known
position, skipping the legs that would cross the threat area of a strong enemy position the side knows of.

The steering itself is the caller's (:mod:`drillsim.mechanics.orders.command`): this module says which
elements go for the target and where each searching element heads.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import SearchBegun, SearchEnded, SearchLegSkipped
from drillsim.state.batch import ACTIVE, ContactLayer
from drillsim.state.context import StepContext
from drillsim.state.reckoning import DEAD_RECKONING_S
from drillsim.world.forces import POSTURE_INDEX, WEAPON_KINDS
from drillsim.world.plan import CompiledTask

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

__all__ = [
    "SEARCH_LEGS",
    "STALE_REPORT_S",
    "STRONG_RATIO",
    "SearchSteer",
    "search_for_target",
    "segment_clearance_m",
    "strong_positions",
]

SEARCH_LEGS = 8
"""Legs of the expanding-square search after the datum (track spacing 1, 1, 2, 2, 3, 3, 4, 4): a square four
track spacings wide around the datum (assumption, docs/mechanics/orders.md, "Search for a target")."""
STALE_REPORT_S = DEAD_RECKONING_S
"""A target's report older than this is stale: the picture no longer carries it forward, so a searcher that
has come within a track spacing of it without a newer report searches (docs/mechanics/orders.md, "Search
for a target")."""
STRONG_RATIO = 1.0
"""An enemy element the side knows of is a strong position for a search when it is dug in (prepared
defence) or when its strength is at least this many times the searching task's strength in action
(assumption: a search by a force no larger than what it would meet is no search but an assault;
docs/mechanics/orders.md, "Search for a target")."""
_PREPARED = POSTURE_INDEX["prepared-defence"]
_DIRECT = WEAPON_KINDS.index("direct")


def _expanding_square(legs: int) -> FloatArray:
    """(legs + 1, 2): the corners of an expanding-square search in track spacings from the datum: the datum,
    then legs north, east, south, west, ... of 1, 1, 2, 2, 3, 3, ... track spacings."""
    heading = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, -1.0], [-1.0, 0.0]])
    corners = np.zeros((legs + 1, 2))
    for i in range(1, legs + 1):
        corners[i] = corners[i - 1] + heading[(i - 1) % 4] * ((i + 1) // 2)
    return corners


SQUARE = _expanding_square(SEARCH_LEGS)


class SearchSteer:
    """Which elements of a search go for the target (``go``), and where the others that walk the pattern
    head (``steer``: a mask over the same elements, with the corners ``x``, ``y``)."""

    def __init__(self, go: BoolArray, steer: BoolArray, x: FloatArray, y: FloatArray) -> None:
        self.go = go
        self.steer = steer
        self.x = x
        self.y = y


def segment_clearance_m(
    ax: float, ay: float, bx: float, by: float, px: FloatArray, py: FloatArray
) -> FloatArray:
    """The least distance from each point (px, py) to the segment a -> b."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0) if length2 > 0 else np.zeros(len(px))
    return np.asarray(np.hypot(ax + t * dx - px, ay + t * dy - py), dtype=np.float64)


def search_for_target(
    ctx: StepContext,
    task: CompiledTask,
    rows: IntArray,
    cols: IntArray,
    best: IntArray,
    has: BoolArray,
    over: BoolArray,
    believed: ContactLayer,
    *,
    arrive_m: float,
) -> SearchSteer:
    """Which elements of a raid or an attack on a target unit go for their target's believed position, and
    where the others search (they wait where they are when not steered). An element goes for the target
    while the side's picture holds a live report of it that is fresh (under ``STALE_REPORT_S`` old), or
    stale but more than a track spacing away and the element is not already searching. Otherwise it
    searches: an expanding square around the datum, the latest report of a target still in action
    dead-reckoned to now (as the picture carries it), leg by leg, each corner reached within ``arrive_m``;
    a leg whose straight line passes within the threat area of a strong enemy position the side knows of
    (:func:`strong_positions`) is skipped (``SearchLegSkipped``). With the pattern done, or no report ever,
    it waits where it is for a new report. A fresh report ends the search. ``over``: the task is over for
    the element (no search)."""
    s = ctx.state
    f = ctx.world.forces
    elems = task.elements[cols]
    side = f.side[elems]
    spacing = task.track_spacing_m[cols]
    hx, hy = s.x[rows, elems], s.y[rows, elems]
    tgt = np.maximum(best, 0)
    age = ctx.t1 - s.picture.known_t[rows, side, tgt]
    near = np.hypot(believed.x[rows, side, tgt] - hx, believed.y[rows, side, tgt] - hy) <= spacing
    leg = s.search_leg[rows, elems]
    searching = leg >= 0
    fresh = has & (age <= STALE_REPORT_S)
    go = fresh | (has & ~near & ~searching)
    steer = np.zeros(len(rows), dtype=bool)
    gx = np.zeros(len(rows))
    gy = np.zeros(len(rows))
    targets = ctx.ids[tgt]
    found = go & searching
    if found.any():
        ctx.emit(
            SearchEnded, rows[found], ctx.t1, unit=ctx.ids[elems[found]], target=targets[found], how="found"
        )
        s.search_leg[rows[found], elems[found]] = -1
        s.search_x[rows[found], elems[found]] = np.nan
        s.search_y[rows[found], elems[found]] = np.nan
    look = ~go & ~over
    if not look.any():
        return SearchSteer(go, steer, gx, gy)
    # the datum: the latest report of a target still in action, as the picture carries it now
    t_el = task.target_elements
    rl, el, sl = rows[look], elems[look], side[look]
    known_t = s.picture.known_t[rl[:, None], sl[:, None], t_el[None, :]]
    bx = believed.x[rl[:, None], sl[:, None], t_el[None, :]]
    by = believed.y[rl[:, None], sl[:, None], t_el[None, :]]
    usable = np.isfinite(known_t) & np.isfinite(bx) & np.isfinite(by) & (s.status[rl][:, t_el] == ACTIVE)
    latest = np.argmax(np.where(usable, known_t, -np.inf), axis=1)
    k = np.arange(len(rl))
    has_datum = usable[k, latest]
    dx, dy = bx[k, latest], by[k, latest]
    who = ctx.ids[t_el[latest]]
    leg_l = leg[look]
    idle = leg_l < 0
    waiting = leg_l > SEARCH_LEGS
    start = (idle | (waiting & ~np.isfinite(s.search_x[rl, el]))) & has_datum
    if start.any():
        s.search_x[rl[start], el[start]] = dx[start]
        s.search_y[rl[start], el[start]] = dy[start]
        s.search_leg[rl[start], el[start]] = 0
        leg_l = np.where(start, 0, leg_l)
        ctx.emit(
            SearchBegun,
            rl[start],
            ctx.t1,
            unit=ctx.ids[el[start]],
            target=who[start],
            x_m=dx[start],
            y_m=dy[start],
            how="last-known",
        )
    blind = idle & ~has_datum
    if blind.any():  # the side never placed a target: wait here for a report
        s.search_leg[rl[blind], el[blind]] = SEARCH_LEGS + 1
        ctx.emit(
            SearchBegun,
            rl[blind],
            ctx.t1,
            unit=ctx.ids[el[blind]],
            target=ctx.ids[t_el[0]],
            x_m=s.x[rl[blind], el[blind]],
            y_m=s.y[rl[blind], el[blind]],
            how="no-report",
        )
    walking = (leg_l >= 0) & (leg_l <= SEARCH_LEGS)
    if not walking.any():
        return SearchSteer(go, steer, gx, gy)
    rw, ew, lw = rl[walking], el[walking], leg_l[walking]
    sp = spacing[look][walking]
    cx = s.search_x[rw, ew] + sp * SQUARE[lw, 0]
    cy = s.search_y[rw, ew] + sp * SQUARE[lw, 1]
    reached = (np.hypot(cx - s.x[rw, ew], cy - s.y[rw, ew]) <= arrive_m) & (
        s.route_i[rw, ew] >= s.route_len[rw, ew]
    )
    lw = lw + reached
    lw = _skip_threatened_legs(ctx, task, rw, ew, lw, sp, who[walking])
    s.search_leg[rw, ew] = lw
    done = lw > SEARCH_LEGS
    if done.any():
        ctx.emit(
            SearchEnded,
            rw[done],
            ctx.t1,
            unit=ctx.ids[ew[done]],
            target=who[walking][done],
            how="exhausted",
        )
    lo = np.minimum(lw, SEARCH_LEGS)
    at = np.flatnonzero(look)[np.flatnonzero(walking)]
    steer[at] = ~done
    gx[at] = s.search_x[rw, ew] + sp * SQUARE[lo, 0]
    gy[at] = s.search_y[rw, ew] + sp * SQUARE[lo, 1]
    return SearchSteer(go, steer, gx, gy)


def strong_positions(
    ctx: StepContext, task: CompiledTask, row: int, side: int, reach: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray]:
    """The strong enemy positions the side's picture holds in ``row`` for a search by ``task``: live
    contacts of hostile ground elements with a direct-fire weapon, other than the task's targets, that
    are dug in (prepared defence) or whose strength is at least ``STRONG_RATIO`` times the task's strength
    in action; their believed positions (last sighting), threat radii (:meth:`ForceTable.direct_reach_m`) and
    elements. ``reach``: :meth:`ForceTable.direct_reach_m`."""
    s = ctx.state
    f = ctx.world.forces
    pic = s.picture
    own = task.elements[s.status[row, task.elements] == ACTIVE]
    strength = float(s.strength[row, own].sum())
    live = pic.known_live[row, side] & f.hostile[side, f.side] & ~f.is_air & (reach > 0)
    live[task.target_elements] = False
    strong = (s.posture[row] == _PREPARED) | (s.strength[row] >= STRONG_RATIO * strength)
    t = np.flatnonzero(live & strong)
    return pic.known_x[row, side, t], pic.known_y[row, side, t], reach[t], t


def _skip_threatened_legs(
    ctx: StepContext,
    task: CompiledTask,
    rows: IntArray,
    elems: IntArray,
    legs: IntArray,
    spacing: FloatArray,
    targets: NDArray[np.str_],
) -> IntArray:
    """The searchers' legs after skipping, one by one, each leg whose straight line from where the element
    stands to its corner passes within the threat area of a strong position (``SearchLegSkipped`` for
    each); a skipped last leg ends the pattern."""
    s = ctx.state
    f = ctx.world.forces
    out = legs.copy()
    reach = f.direct_reach_m()
    for k in range(len(rows)):
        if out[k] > SEARCH_LEGS:
            continue
        r, e = int(rows[k]), int(elems[k])
        px, py, radius, threat = strong_positions(ctx, task, r, int(f.side[e]), reach)
        if not len(threat):
            continue
        while out[k] <= SEARCH_LEGS:
            cx = s.search_x[r, e] + spacing[k] * SQUARE[out[k], 0]
            cy = s.search_y[r, e] + spacing[k] * SQUARE[out[k], 1]
            gap = segment_clearance_m(s.x[r, e], s.y[r, e], cx, cy, px, py) - radius
            if not (gap < 0).any():
                break
            worst = int(np.argmin(gap))
            ctx.emit(
                SearchLegSkipped,
                np.array([r]),
                ctx.t1,
                unit=ctx.ids[[e]],
                target=targets[[k]],
                threat=ctx.ids[threat[[worst]]],
                x_m=np.array([cx]),
                y_m=np.array([cy]),
            )
            out[k] += 1
    return out
