"""Morale, destruction, capture and escape.

An element with nobody left is destroyed (its waiting wounded are missing unless a friend is at hand to
carry them back). An element breaks when its losses since the start (or its last rally) reach its type's
``break_losses`` fraction, or when the share of the last ten minutes it spent suppressed reaches
``break_suppression``; a broken element stops fighting and withdraws to its home (or start) position,
or straight away from the nearest enemy its side knows of when that position is no refuge. A defender
on a held position with no refuge stands fast instead of breaking. A broken element out of fire for
``RALLY_S`` rallies.
A capturable element flees toward its escape point when its side's picture shows a raider within
``FLEE_RADIUS_M``; it escapes on reaching that point. It is captured when an element tasked to raid it
comes within ``CAPTURE_RADIUS_M`` while every guard near it (itself included) is broken, suppressed or
out of action.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit
from drillsim.core.random import binomial_inverse
from drillsim.events.types import (
    CasualtiesMissing,
    UnitBroke,
    UnitCaptured,
    UnitDestroyed,
    UnitEscaped,
    UnitFled,
    UnitRallied,
)
from drillsim.mechanics.casualties import declare_missing
from drillsim.mechanics.orders.command import nearest_contacts, set_routes
from drillsim.scenario.models import POSTURES
from drillsim.state.batch import ACTIVE, CAPTURED, DESTROYED, ESCAPED, ContactLayer
from drillsim.state.context import StepContext
from drillsim.world.forces import Belligerents, ForceTable

SUPPRESSION_MEMORY_S = 600.0
FLEE_RADIUS_M = 3000.0
CAPTURE_RADIUS_M = 150.0
GUARD_RADIUS_M = 500.0
FLEE_DISTANCE_M = 5000.0
OVERRUN_RADIUS_M = CAPTURE_RADIUS_M
"""A broken element with an able enemy ground element this close, and no able friend within
GUARD_RADIUS_M to cover it, is overrun (its people are taken)."""
RALLY_S = 1800.0
"""A broken element rallies after this long broken, once it is no longer under fire (assumption,
confidence low)."""
RALLY_SUPPRESSION = 0.05
"""... and once its suppression average has fallen to this (about 20 minutes without being suppressed
after a break under sustained fire; assumption, confidence low)."""
ROUT_MISSING_FRACTION = 0.1
"""Share of the people still fighting who go missing (stragglers) when an element breaks under fire
(assumption, confidence low)."""

HASTY = POSTURES.index("hasty-defence")
PREPARED = POSTURES.index("prepared-defence")
DEFENSIVE_POSTURES = np.array([HASTY, PREPARED])
"""Postures of elements that defend where they stand (they stand fast when cornered on a held position)."""

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def update_morale(ctx: StepContext) -> None:
    s = ctx.state
    f = ctx.world.forces
    t1 = ctx.t1
    w = -np.expm1(-ctx.dt / SUPPRESSION_MEMORY_S)
    dead_rows, dead_elems, rows, elems, by_losses = _morale_scan(
        s.status,
        s.strength,
        s.broken,
        s.suppressed_until,
        s.suppression_avg,
        ctx.t0,
        w,
        s.morale_base,
        f.is_air,
        f.break_losses,
        f.break_suppression,
    )
    if len(dead_rows):
        # Wounded not yet evacuated are missing unless friends are at hand to carry them back.
        left = ~_collected(dead_rows, dead_elems, s.status, s.broken, s.x, s.y, f.side, f.is_air)
        declare_missing(
            ctx,
            dead_rows[left],
            dead_elems[left],
            fighting=np.zeros(int(left.sum())),
            reason="destroyed",
            time_s=t1,
        )
        s.status[dead_rows, dead_elems] = DESTROYED
        s.strength[dead_rows, dead_elems] = 0.0
        s.destroyed_at[dead_rows, dead_elems] = t1
        s.route_len[dead_rows, dead_elems] = 0
        ctx.emit(UnitDestroyed, dead_rows, t1, unit=ctx.ids[dead_elems])
    if len(rows):
        # Defenders with nowhere to go stand fast on the position their side holds.
        run = ~standing_fast(ctx, rows, elems)
        rows, elems, by_losses = rows[run], elems[run], by_losses[run]
    if len(rows):
        break_off(ctx, rows, elems, reason=np.where(by_losses, "losses", "suppression"))
        rout(ctx, rows, elems)
    overrun(ctx)
    rally(ctx)


def break_off(
    ctx: StepContext, rows: IntArray, elems: IntArray, *, reason: str | NDArray[np.str_] = "repulsed"
) -> None:
    """Break the elements (rows, elems): they drop their task and pending orders and withdraw at full speed
    to :func:`withdrawal_points` (``UnitBroke`` with ``reason``)."""
    if not len(rows):
        return
    s = ctx.state
    t1 = ctx.t1
    s.broken[rows, elems] = True
    s.broke_at[rows, elems] = np.minimum(s.broke_at[rows, elems], t1)
    s.broken_since[rows, elems] = t1
    s.task[rows, elems] = -1
    s.pending_task[rows, elems] = -1
    s.speed_factor[rows, elems] = 1.0
    set_routes(ctx, rows, elems, withdrawal_points(ctx, rows, elems))
    ctx.emit(UnitBroke, rows, t1, unit=ctx.ids[elems], reason=reason)


def rally(ctx: StepContext) -> None:
    """Broken ground elements in action that have been broken for ``RALLY_S``, are not suppressed and whose
    suppression average has fallen to ``RALLY_SUPPRESSION`` rally: they are no longer broken, and their
    losses for breaking again are counted from their strength now. They have no task: a unit with a
    behaviour decides again what to do (docs/mechanics/behaviour.md); others hold where they are."""
    s = ctx.state
    f = ctx.world.forces
    rows, elems = _rallying(
        (s.status, s.broken, s.fled),
        s.broken_since,
        s.suppressed_until,
        s.suppression_avg,
        f.is_air,
        ctx.t0,
        ctx.t1,
    )
    if not len(rows):
        return
    s.broken[rows, elems] = False
    s.broken_since[rows, elems] = np.inf
    s.morale_base[rows, elems] = s.strength[rows, elems]
    s.route_len[rows, elems] = 0
    ctx.emit(UnitRallied, rows, ctx.t1, unit=ctx.ids[elems])


@jit
def _rallying(
    standing: tuple[IntArray, BoolArray, BoolArray],
    broken_since: FloatArray,
    suppressed_until: FloatArray,
    suppression_avg: FloatArray,
    is_air: BoolArray,
    t0: float,
    t1: float,
) -> tuple[IntArray, IntArray]:
    """The (rows, elems), in row-major order, of the elements :func:`rally` rallies; ``standing``: (status,
    broken, fled). Broken elements are few: one pass counts them, a second lists the ready ones."""
    status, broken, fled = standing
    r_n, n = status.shape
    cap = 0
    for r in range(r_n):
        for e in range(n):
            cap += broken[r, e]
    rows = np.empty(cap, dtype=np.int64)
    elems = np.empty(cap, dtype=np.int64)
    found = 0
    if cap == 0:
        return rows, elems
    for r in range(r_n):
        for e in range(n):
            if not broken[r, e] or status[r, e] != ACTIVE or is_air[e] or fled[r, e]:
                continue
            if (
                t1 - broken_since[r, e] >= RALLY_S - 1e-9
                and suppressed_until[r, e] <= t0
                and suppression_avg[r, e] <= RALLY_SUPPRESSION
            ):
                rows[found] = r
                elems[found] = e
                found += 1
    return rows[:found], elems[:found]


def withdrawal_points(ctx: StepContext, rows: IntArray, elems: IntArray) -> FloatArray:
    """Where the broken elements (rows, elems) withdraw, as (k, 1, 2) routes of one point: their home site
    (or start position) when it is a refuge from the nearest enemy contact in their side's picture, that is
    farther from the contact than they stand now and beyond the longest direct-fire reach of any element
    hostile to their side; otherwise ``FLEE_DISTANCE_M`` straight away from the contact. Without a known
    enemy, home.

    A group falls back together (docs/mechanics/morale.md, "Falling back together"): for an element of a
    unit of several elements, "where it stands" is its group's centre (the mean position of the group's
    elements in action), so the group's elements that break together get one point; and an element whose
    group already has an element in action falling back broken goes to that element's point (its route's
    end), its group's rally point."""
    points, _ = _withdrawal(ctx, rows, elems, together=True)
    rally = _group_rally(ctx, rows, elems)
    joins = np.isfinite(rally[:, 0])
    points[joins, 0, :] = rally[joins]
    return points


def standing_fast(ctx: StepContext, rows: IntArray, elems: IntArray) -> BoolArray:
    """Which of the elements (rows, elems) that reach a break threshold stand fast instead: those in a
    defensive posture (hasty or prepared defence) on the ground of a position their side or an ally holds
    or held at the start (their own post, even once lost), whose home is no refuge from the enemy they know
    of (:func:`withdrawal_points` would send them ``FLEE_DISTANCE_M`` away, through the enemy around
    them)."""
    positions = ctx.world.positions
    stand = np.zeros(len(rows), dtype=bool)
    if not len(positions) or not len(rows):
        return stand
    s = ctx.state
    f = ctx.world.forces
    stand = np.isin(s.posture[rows, elems], DEFENSIVE_POSTURES)
    x, y = s.x[rows, elems], s.y[rows, elems]
    on_held = np.zeros(len(rows), dtype=bool)
    for k in range(len(positions)):
        # Its own post (first held by its side or an ally) counts even once lost: the garrison holds on it.
        mine = f.allied[positions.owner0[k], f.side[elems]]
        held = f.allied[s.position_owner[rows, k], f.side[elems]] | mine
        on_held |= positions.inside(k, x, y) & held
    stand &= on_held
    if stand.any():
        stand[stand] = _withdrawal(ctx, rows[stand], elems[stand])[1]
    return stand


def _withdrawal(
    ctx: StepContext, rows: IntArray, elems: IntArray, *, together: bool = False
) -> tuple[FloatArray, BoolArray]:
    """The withdrawal points of :func:`withdrawal_points` (before a group's rally point), and whether each
    is the flight away from the enemy (home is no refuge). With ``together``, an element of a group is
    weighed from its group's centre (:func:`group_centres`), else from where it stands."""
    s = ctx.state
    f = ctx.world.forces
    sides = f.side[elems]
    if together:
        x, y = group_centres(ctx, rows, elems)
    else:
        x, y = s.x[rows, elems], s.y[rows, elems]
    hx, hy = f.home_x[elems].astype(np.float64), f.home_y[elems].astype(np.float64)
    # The threat where the side believes it now (dead-reckoned), not where it was last seen.
    near, _ = nearest_contacts(ctx, x, y, rows, sides, ~f.is_air, require_active=False, reckoned=True)
    threat = np.maximum(near, 0)
    kx, ky, _ = s.picture.believed(rows, sides, threat, ctx.t1)
    from_threat = np.hypot(x - kx, y - ky)
    home_from_threat = np.hypot(hx - kx, hy - ky)
    refuge = home_from_threat > np.maximum(from_threat, hostile_reach(f)[sides])
    away = (near >= 0) & ~refuge
    scale = FLEE_DISTANCE_M / np.maximum(from_threat, 1.0)
    hx = np.where(away, x + (x - kx) * scale, hx)
    hy = np.where(away, y + (y - ky) * scale, hy)
    return np.stack([hx, hy], axis=1)[:, None, :], away


def group_centres(ctx: StepContext, rows: IntArray, elems: IntArray) -> tuple[FloatArray, FloatArray]:
    """For each (row, element): the mean position of its group's ground elements in action, not fled, in
    that row (``ForceTable.group``); an element alone in its unit, its own position."""
    s = ctx.state
    f = ctx.world.forces
    x, y = s.x[rows, elems].copy(), s.y[rows, elems].copy()
    for k in np.flatnonzero(f.in_group[elems]).tolist():
        r = int(rows[k])
        members = f.group == f.group[elems[k]]
        members &= (s.status[r] == ACTIVE) & ~s.fled[r] & ~f.is_air
        if members.any():
            x[k], y[k] = s.x[r, members].mean(), s.y[r, members].mean()
    return x, y


def _group_rally(ctx: StepContext, rows: IntArray, elems: IntArray) -> FloatArray:
    """(k, 2) for each (row, element) of a group: the rally point of its group, the end of the route of the
    group's first other element (in element order) in action, not fled, broken and with route left that is
    not itself among (rows, elems); NaN where the group has none (or the element is alone in its unit)."""
    s = ctx.state
    f = ctx.world.forces
    out = np.full((len(rows), 2), np.nan)
    breaking = set(zip(rows.tolist(), elems.tolist(), strict=True))
    for k in np.flatnonzero(f.in_group[elems]).tolist():
        r = int(rows[k])
        falling_back = (
            (f.group == f.group[elems[k]])
            & s.broken[r]
            & (s.status[r] == ACTIVE)
            & ~s.fled[r]
            & (s.route_i[r] < s.route_len[r])
        )
        for m in np.flatnonzero(falling_back).tolist():
            if (r, m) in breaking:
                continue
            end = int(s.route_len[r, m]) - 1
            out[k] = s.route_x[r, m, end], s.route_y[r, m, end]
            break
    return out


def hostile_reach(f: ForceTable) -> FloatArray:
    """Per side, the longest direct-fire reach of any ground element hostile to it (0: none)."""
    reach = f.direct_reach_m()
    reach[f.is_air] = 0.0
    sides = f.hostile.shape[0]
    return np.array([reach[f.hostile[k, f.side]].max(initial=0.0) for k in range(sides)])


def rout(ctx: StepContext, rows: IntArray, elems: IntArray) -> None:
    """Elements that broke under fire (suppressed as they break) lose ``ROUT_MISSING_FRACTION`` of the
    people still fighting as stragglers: missing (binomial; deterministic mode: the expected number)."""
    s = ctx.state
    under_fire = s.suppressed_until[rows, elems] > ctx.t0
    rows, elems = rows[under_fire], elems[under_fire]
    if not len(rows):
        return
    n = s.strength[rows, elems]
    if ctx.stochastic:
        gone = binomial_inverse(ctx.uniform("morale/rout", rows, ctx.key(elems)), n, ROUT_MISSING_FRACTION)
    else:
        gone = n * ROUT_MISSING_FRACTION
    gone = np.minimum(gone, np.maximum(n - 1.0, 0.0))  # the element itself withdraws
    some = gone > 0
    rows, elems, gone = rows[some], elems[some], gone[some]
    s.strength[rows, elems] -= gone
    # Only stragglers: the element keeps its wounded (declare_missing would add them), so record directly.
    s.missing[rows, elems] += gone
    if len(rows):
        ctx.emit(
            CasualtiesMissing,
            rows,
            ctx.t1,
            unit=ctx.ids[elems],
            casualties=np.rint(gone).astype(np.int64),
            reason="routed",
            wounded=0.0,
        )


def overrun(ctx: StepContext) -> None:
    """Broken ground elements in action that cannot get away (pinned: suppressed now) with an enemy ground
    element able to close on them (active, unbroken, not suppressed, not holding a defensive posture)
    within ``OVERRUN_RADIUS_M`` are overrun: everyone still with them, the fighting and the wounded not yet
    evacuated, is missing (taken), and the element is captured by the nearest such enemy."""
    s = ctx.state
    f = ctx.world.forces
    cap = int(np.count_nonzero(s.broken & (s.status == ACTIVE)))
    if not cap:
        return
    rows, elems, captors = _overruns(
        s.status, s.broken, s.suppressed_until, s.posture, s.x, s.y, f.side, f.hostile, f.is_air, ctx.t0, cap
    )
    if not len(rows):
        return
    t1 = ctx.t1
    declare_missing(ctx, rows, elems, fighting=s.strength[rows, elems].copy(), reason="overrun", time_s=t1)
    s.strength[rows, elems] = 0.0
    s.status[rows, elems] = CAPTURED
    s.captured_at[rows, elems] = t1
    s.captor[rows, elems] = captors
    s.route_len[rows, elems] = 0
    ctx.emit(UnitCaptured, rows, t1, unit=ctx.ids[elems], captor=ctx.ids[captors])


@jit
def _nearest_enemy(
    r: int,
    e: int,
    status: IntArray,
    broken: BoolArray,
    able: tuple[FloatArray, IntArray, float],
    x: FloatArray,
    y: FloatArray,
    side: IntArray,
    hostile: BoolArray,
    is_air: BoolArray,
) -> int:
    """The nearest hostile ground element within OVERRUN_RADIUS_M of ``e`` in row ``r`` able to close on it
    (the first of equals), or -1: active, unbroken, not suppressed at ``t0`` and not in a defensive posture
    (troops holding their fighting positions do not leave them to take prisoners). ``able``:
    (suppressed_until, posture, t0)."""
    suppressed_until, posture, t0 = able
    best = -1
    best_d = OVERRUN_RADIUS_M
    for g in range(status.shape[1]):
        if is_air[g] or status[r, g] != ACTIVE or broken[r, g] or not hostile[side[e], side[g]]:
            continue
        if suppressed_until[r, g] > t0 or posture[r, g] == HASTY or posture[r, g] == PREPARED:
            continue
        d = math.hypot(x[r, g] - x[r, e], y[r, g] - y[r, e])
        if d <= best_d and (best < 0 or d < best_d):
            best = g
            best_d = d
    return best


@jit
def _collected(
    rows: IntArray,
    elems: IntArray,
    status: IntArray,
    broken: BoolArray,
    x: FloatArray,
    y: FloatArray,
    side: IntArray,
    is_air: BoolArray,
) -> BoolArray:
    """For each (rows, elems): whether another ground element of its side, in action and unbroken, stands
    within GUARD_RADIUS_M of it (friends at hand to collect its wounded)."""
    out = np.zeros(len(rows), dtype=np.bool_)
    for i in range(len(rows)):
        r = rows[i]
        e = elems[i]
        for g in range(status.shape[1]):
            if g == e or is_air[g] or side[g] != side[e] or status[r, g] != ACTIVE or broken[r, g]:
                continue
            if math.hypot(x[r, g] - x[r, e], y[r, g] - y[r, e]) <= GUARD_RADIUS_M:
                out[i] = True
                break
    return out


@jit
def _is_covered(
    r: int,
    e: int,
    status: IntArray,
    broken: BoolArray,
    suppressed_until: FloatArray,
    x: FloatArray,
    y: FloatArray,
    side: IntArray,
    is_air: BoolArray,
    t0: float,
) -> bool:
    """Whether another ground element of ``e``'s side, in action, unbroken and not suppressed at ``t0``, is
    within GUARD_RADIUS_M of it in row ``r``."""
    for g in range(status.shape[1]):
        if g == e or is_air[g] or side[g] != side[e] or status[r, g] != ACTIVE or broken[r, g]:
            continue
        if (
            suppressed_until[r, g] <= t0
            and math.hypot(x[r, g] - x[r, e], y[r, g] - y[r, e]) <= GUARD_RADIUS_M
        ):
            return True
    return False


@jit
def _overruns(
    status: IntArray,
    broken: BoolArray,
    suppressed_until: FloatArray,
    posture: IntArray,
    x: FloatArray,
    y: FloatArray,
    side: IntArray,
    hostile: BoolArray,
    is_air: BoolArray,
    t0: float,
    cap: int,
) -> tuple[IntArray, IntArray, IntArray]:
    """The (rows, elements) of broken ground elements in action (at most ``cap`` of them) that cannot get
    away (suppressed at ``t0``: pinned by fire), with an enemy close that can close on them
    (:func:`_nearest_enemy`) and no friend to cover them (:func:`_is_covered`), and for each that enemy."""
    r_n, n = status.shape
    rows = np.empty(cap, dtype=np.int64)
    elems = np.empty(cap, dtype=np.int64)
    captors = np.empty(cap, dtype=np.int64)
    found = 0
    for r in range(r_n):
        for e in range(n):
            if not (broken[r, e] and status[r, e] == ACTIVE) or is_air[e] or suppressed_until[r, e] <= t0:
                continue
            able = (suppressed_until, posture, t0)
            best = _nearest_enemy(r, e, status, broken, able, x, y, side, hostile, is_air)
            if best < 0 or _is_covered(r, e, status, broken, suppressed_until, x, y, side, is_air, t0):
                continue
            rows[found] = r
            elems[found] = e
            captors[found] = best
            found += 1
    return rows[:found], elems[:found], captors[:found]


@jit
def _morale_scan(
    status: IntArray,
    strength: FloatArray,
    broken: BoolArray,
    suppressed_until: FloatArray,
    suppression_avg: FloatArray,
    t0: float,
    w: float,
    morale_base: FloatArray,
    is_air: BoolArray,
    break_losses: FloatArray,
    break_suppression: FloatArray,
) -> tuple[IntArray, IntArray, IntArray, IntArray, BoolArray]:
    """One pass over every (row, element): the ground elements in action with nobody left (strength below
    0.5) die; every element's suppression average moves toward whether it is suppressed now (weight ``w``,
    updated in place); ground elements in action, not broken and not just dead, break on losses or on
    suppression. Returns the dying (rows, elems) and the breaking (rows, elems, by losses), each in row-major
    order. A step finds few of either: the pass only counts them, without branches (so that it vectorises),
    and a second pass that lists them is made only when there are some."""
    r_n, n = status.shape
    n_dead = 0
    n_break = 0
    for r in range(r_n):
        for e in range(n):
            sup = 1.0 if suppressed_until[r, e] > t0 else 0.0
            avg = suppression_avg[r, e] + (sup - suppression_avg[r, e]) * w
            suppression_avg[r, e] = avg
            ground = (status[r, e] == ACTIVE) & (not is_air[e])
            dead = strength[r, e] < 0.5
            losses = 1.0 - strength[r, e] / max(morale_base[r, e], 1e-9)
            breaks = (not broken[r, e]) & ((losses >= break_losses[e]) | (avg >= break_suppression[e]))
            n_dead += ground & dead
            n_break += ground & (not dead) & breaks
    dead_rows = np.empty(n_dead, dtype=np.int64)
    dead_elems = np.empty(n_dead, dtype=np.int64)
    rows = np.empty(n_break, dtype=np.int64)
    elems = np.empty(n_break, dtype=np.int64)
    by_losses = np.empty(n_break, dtype=np.bool_)
    if n_dead + n_break == 0:
        return dead_rows, dead_elems, rows, elems, by_losses
    n_dead = 0
    n_break = 0
    for r in range(r_n):
        for e in range(n):
            if status[r, e] != ACTIVE or is_air[e]:
                continue
            if strength[r, e] < 0.5:
                dead_rows[n_dead] = r
                dead_elems[n_dead] = e
                n_dead += 1
                continue
            if broken[r, e]:
                continue
            losses = 1.0 - strength[r, e] / max(morale_base[r, e], 1e-9)
            lost = losses >= break_losses[e]
            if lost or suppression_avg[r, e] >= break_suppression[e]:
                rows[n_break] = r
                elems[n_break] = e
                by_losses[n_break] = lost
                n_break += 1
    return dead_rows, dead_elems, rows, elems, by_losses


def capture_and_flight(ctx: StepContext) -> None:
    s = ctx.state
    f = ctx.world.forces
    plan = ctx.world.plan
    t1 = ctx.t1
    capturable = np.flatnonzero(f.capturable)
    if not len(capturable):
        return
    raid_tasks = [t for t in plan.tasks if t.kind == "raid"]
    believed: ContactLayer | None = None  # the raiders where the picture believes them now, made once
    for c in capturable.tolist():
        side = f.side[c]
        # Escape.
        has_escape = np.isfinite(f.escape_x[c])
        if has_escape:
            rows = _escaping(s.status, s.fled, s.x, s.y, c, f.escape_x[c], f.escape_y[c])
            if len(rows):
                s.status[rows, c] = ESCAPED
                s.escaped_at[rows, c] = t1
                ctx.emit(UnitEscaped, rows, t1, unit=ctx.ids[c])
        # Capture.
        targeting = [task for task in raid_tasks if c in task.target_elements]
        for task in targeting:
            if not task.capture:
                continue
            rows, captor = _seizures(
                s.status,
                s.task,
                s.broken,
                s.suppressed_until,
                s.x,
                s.y,
                f.belligerents,
                f.is_guard,
                c,
                task.elements,
                task.index,
                ctx.t0,
            )
            if len(rows):
                cs = np.full(len(rows), c)
                declare_missing(
                    ctx, rows, cs, fighting=s.strength[rows, c].copy(), reason="captured", time_s=t1
                )
                s.strength[rows, c] = 0.0
                s.status[rows, c] = CAPTURED
                s.captured_at[rows, c] = t1
                s.captor[rows, c] = captor
                s.route_len[rows, c] = 0
                ctx.emit(UnitCaptured, rows, t1, unit=ctx.ids[c], captor=ctx.ids[captor])
        # Flight: a raider of a hostile side is in the picture nearby.
        if not targeting:
            continue
        raider_mask = np.zeros(f.n, dtype=bool)
        for task in targeting:
            raider_mask[task.elements] = True
        raiders = np.flatnonzero(raider_mask)
        if not len(raiders):
            continue
        pic = s.picture
        if believed is None:
            believed = pic.believed_layer(t1)
        rows, nearest = _flights(
            s.status, s.fled, s.x, s.y, believed.x, believed.y, pic.known_live, c, side, raiders
        )
        if not len(rows):
            continue
        s.fled[rows, c] = True
        s.task[rows, c] = -1
        s.pending_task[rows, c] = -1
        s.speed_factor[rows, c] = 1.0
        for r, near_threat in zip(rows, nearest, strict=True):
            if has_escape:
                dest = np.array([[f.escape_x[c], f.escape_y[c]]])
            else:
                away = np.array(
                    [
                        s.x[r, c] - believed.x[r, side, near_threat],
                        s.y[r, c] - believed.y[r, side, near_threat],
                    ]
                )
                away = away / max(float(np.hypot(*away)), 1.0) * FLEE_DISTANCE_M
                dest = np.array([[s.x[r, c] + away[0], s.y[r, c] + away[1]]])
            set_routes(ctx, np.array([r]), np.array([c]), dest)
        ctx.emit(UnitFled, rows, t1, unit=ctx.ids[c])


@jit
def _escaping(
    status: IntArray, fled: BoolArray, x: FloatArray, y: FloatArray, c: int, escape_x: float, escape_y: float
) -> IntArray:
    """The rows where element ``c``, in action and fleeing, is within 200 m of its escape point."""
    rows = np.empty(status.shape[0], dtype=np.int64)
    found = 0
    for r in range(status.shape[0]):
        if (
            status[r, c] == ACTIVE
            and fled[r, c]
            and math.hypot(x[r, c] - escape_x, y[r, c] - escape_y) <= 200.0
        ):
            rows[found] = r
            found += 1
    return rows[:found]


@jit
def _seizures(
    status: IntArray,
    task: IntArray,
    broken: BoolArray,
    suppressed_until: FloatArray,
    x: FloatArray,
    y: FloatArray,
    forces: Belligerents,
    is_guard: BoolArray,
    c: int,
    raiders: IntArray,
    task_index: int,
    t0: float,
) -> tuple[IntArray, IntArray]:
    """The rows where element ``c``, in action, is seized by the raiders of task ``task_index``, and the
    captor: the first raider (in the order of ``raiders``) on the task, in action, not broken and within
    CAPTURE_RADIUS_M, where no ground guard of c's side (c itself included) within GUARD_RADIUS_M is in
    action, unbroken and not suppressed at ``t0``."""
    side_of = forces.side
    is_air = forces.is_air
    r_n, n = status.shape
    rows = np.empty(r_n, dtype=np.int64)
    captors = np.empty(r_n, dtype=np.int64)
    found = 0
    side = side_of[c]
    for r in range(r_n):
        if status[r, c] != ACTIVE:
            continue
        captor = -1
        for g in raiders:
            if task[r, g] != task_index or status[r, g] != ACTIVE or broken[r, g]:
                continue
            if math.hypot(x[r, g] - x[r, c], y[r, g] - y[r, c]) <= CAPTURE_RADIUS_M:
                captor = g
                break
        if captor < 0:
            continue
        resisted = False
        for g in range(n):
            if side_of[g] != side or not (is_guard[g] or g == c) or is_air[g]:
                continue
            if status[r, g] != ACTIVE or broken[r, g] or not suppressed_until[r, g] <= t0:
                continue
            if math.hypot(x[r, g] - x[r, c], y[r, g] - y[r, c]) <= GUARD_RADIUS_M:
                resisted = True
                break
        if not resisted:
            rows[found] = r
            captors[found] = captor
            found += 1
    return rows[:found], captors[:found]


@jit
def _flights(
    status: IntArray,
    fled: BoolArray,
    x: FloatArray,
    y: FloatArray,
    known_x: FloatArray,
    known_y: FloatArray,
    known_live: BoolArray,
    c: int,
    side: int,
    raiders: IntArray,
) -> tuple[IntArray, IntArray]:
    """The rows where element ``c``, in action and not yet fleeing, starts to flee: its side's picture
    holds one of ``raiders`` believed (``known_x``, ``known_y``: the believed layer's) within FLEE_RADIUS_M
    of it; and the nearest such raider (the first of equals,
    in the order of ``raiders``)."""
    r_n = status.shape[0]
    rows = np.empty(r_n, dtype=np.int64)
    nearest = np.empty(r_n, dtype=np.int64)
    found = 0
    for r in range(r_n):
        if status[r, c] != ACTIVE or fled[r, c]:
            continue
        best = -1
        best_d = np.inf
        for g in raiders:
            if not known_live[r, side, g]:
                continue
            d = math.hypot(known_x[r, side, g] - x[r, c], known_y[r, side, g] - y[r, c])
            if d <= FLEE_RADIUS_M and (best < 0 or d < best_d):
                best = g
                best_d = d
        if best >= 0:
            rows[found] = r
            nearest[found] = best
            found += 1
    return rows[:found], nearest[:found]
