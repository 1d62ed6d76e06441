"""Morale, destruction, capture and escape.

An element with nobody left is destroyed. An element breaks when its losses reach its type's
``break_losses`` fraction, or when the share of the last ten minutes it spent suppressed reaches
``break_suppression``; a broken element stops fighting and withdraws to its home (or start) position.
A capturable element flees toward its escape point when its side's picture shows a raider within
``FLEE_RADIUS_M``; it escapes on reaching that point. It is captured when an element tasked to raid it
comes within ``CAPTURE_RADIUS_M`` while every guard near it (itself included) is broken, suppressed or
out of action.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from drillsim.engine.command import set_routes
from drillsim.engine.context import StepContext
from drillsim.engine.state import ACTIVE, CAPTURED, DESTROYED, ESCAPED

SUPPRESSION_MEMORY_S = 600.0
FLEE_RADIUS_M = 3000.0
CAPTURE_RADIUS_M = 150.0
GUARD_RADIUS_M = 500.0
FLEE_DISTANCE_M = 5000.0

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
        f.strength0,
        f.is_air,
        f.break_losses,
        f.break_suppression,
    )
    if len(dead_rows):
        s.status[dead_rows, dead_elems] = DESTROYED
        s.strength[dead_rows, dead_elems] = 0.0
        s.destroyed_at[dead_rows, dead_elems] = t1
        s.route_len[dead_rows, dead_elems] = 0
        ctx.emit("UnitDestroyed", dead_rows, t1, unit=ctx.ids[dead_elems])
    if len(rows):
        s.broken[rows, elems] = True
        s.broke_at[rows, elems] = t1
        s.task[rows, elems] = -1
        s.pending_task[rows, elems] = -1
        s.speed_factor[rows, elems] = 1.0
        home = np.stack([f.home_x[elems], f.home_y[elems]], axis=1)[:, None, :]
        set_routes(ctx, rows, elems, home)
        reason = np.where(by_losses, "losses", "suppression")
        ctx.emit("UnitBroke", rows, t1, unit=ctx.ids[elems], detail=reason)


@numba.njit(cache=True, nogil=True)  # type: ignore[misc,unused-ignore]
def _morale_scan(
    status: IntArray,
    strength: FloatArray,
    broken: BoolArray,
    suppressed_until: FloatArray,
    suppression_avg: FloatArray,
    t0: float,
    w: float,
    strength0: FloatArray,
    is_air: BoolArray,
    break_losses: FloatArray,
    break_suppression: FloatArray,
) -> tuple[IntArray, IntArray, IntArray, IntArray, BoolArray]:
    """One pass over every (row, element): the ground elements in action with nobody left (strength below
    0.5) die; every element's suppression average moves toward whether it is suppressed now (weight ``w``,
    updated in place); ground elements in action, not broken and not just dead, break on losses or on
    suppression. Returns the dying (rows, elems) and the breaking (rows, elems, by losses), each in row-major
    order. A step finds few of either, so this beats whole-array expressions that are mostly False."""
    r_n, n = status.shape
    dead_rows = np.empty(r_n * n, dtype=np.int64)
    dead_elems = np.empty(r_n * n, dtype=np.int64)
    rows = np.empty(r_n * n, dtype=np.int64)
    elems = np.empty(r_n * n, dtype=np.int64)
    by_losses = np.empty(r_n * n, dtype=np.bool_)
    n_dead = 0
    n_break = 0
    for r in range(r_n):
        for e in range(n):
            sup = 1.0 if suppressed_until[r, e] > t0 else 0.0
            avg = suppression_avg[r, e] + (sup - suppression_avg[r, e]) * w
            suppression_avg[r, e] = avg
            if status[r, e] != ACTIVE or is_air[e]:
                continue
            if strength[r, e] < 0.5:
                dead_rows[n_dead] = r
                dead_elems[n_dead] = e
                n_dead += 1
                continue
            if broken[r, e]:
                continue
            losses = 1.0 - strength[r, e] / max(strength0[e], 1e-9)
            lost = losses >= break_losses[e]
            if lost or avg >= break_suppression[e]:
                rows[n_break] = r
                elems[n_break] = e
                by_losses[n_break] = lost
                n_break += 1
    return dead_rows[:n_dead], dead_elems[:n_dead], rows[:n_break], elems[:n_break], by_losses[:n_break]


def capture_and_flight(ctx: StepContext) -> None:
    s = ctx.state
    f = ctx.world.forces
    plan = ctx.world.plan
    t1 = ctx.t1
    capturable = np.flatnonzero(f.capturable)
    if not len(capturable):
        return
    raid_tasks = [t for t in plan.tasks if t.kind == "raid"]
    for c in capturable:
        side = f.side[c]
        live = s.status[:, c] == ACTIVE
        # Escape.
        has_escape = np.isfinite(f.escape_x[c])
        if has_escape:
            there = (
                live
                & s.fled[:, c]
                & (np.hypot(s.x[:, c] - f.escape_x[c], s.y[:, c] - f.escape_y[c]) <= 200.0)
            )
            rows = np.flatnonzero(there)
            if len(rows):
                s.status[rows, c] = ESCAPED
                s.escaped_at[rows, c] = t1
                ctx.emit("UnitEscaped", rows, t1, unit=ctx.ids[c])
        # Capture.
        for task in raid_tasks:
            if c not in task.target_elements or not task.capture:
                continue
            raiders = task.elements
            on = (s.task[:, raiders] == task.index) & (s.status[:, raiders] == ACTIVE) & ~s.broken[:, raiders]
            if not on.any():
                continue
            close = np.hypot(s.x[:, raiders] - s.x[:, c][:, None], s.y[:, raiders] - s.y[:, c][:, None])
            near = on & (close <= CAPTURE_RADIUS_M)
            if not near.any():
                continue
            guards = np.flatnonzero((f.side == side) & (f.is_guard | (np.arange(f.n) == c)) & ~f.is_air)
            gd = np.hypot(s.x[:, guards] - s.x[:, c][:, None], s.y[:, guards] - s.y[:, c][:, None])
            guarding = (gd <= GUARD_RADIUS_M) & (s.status[:, guards] == ACTIVE)
            resisting = guarding & ~s.broken[:, guards] & (s.suppressed_until[:, guards] <= ctx.t0)
            seized = live & (s.status[:, c] == ACTIVE) & near.any(axis=1) & ~resisting.any(axis=1)
            rows = np.flatnonzero(seized)
            if len(rows):
                captor = raiders[np.argmax(near[rows], axis=1)]
                s.status[rows, c] = CAPTURED
                s.captured_at[rows, c] = t1
                s.captor[rows, c] = captor
                s.route_len[rows, c] = 0
                ctx.emit("UnitCaptured", rows, t1, unit=ctx.ids[c], other=ctx.ids[captor])
        # Flight: a raider of a hostile side is in the picture nearby.
        raider_mask = np.zeros(f.n, dtype=bool)
        for task in raid_tasks:
            if c in task.target_elements:
                raider_mask[task.elements] = True
        if not raider_mask.any():
            continue
        pic = s.picture
        raiders = np.flatnonzero(raider_mask)
        d = np.hypot(
            pic.known_x[:, side, raiders] - s.x[:, c][:, None],
            pic.known_y[:, side, raiders] - s.y[:, c][:, None],
        )
        threat = pic.known_live[:, side, raiders] & (d <= FLEE_RADIUS_M)
        starts = (s.status[:, c] == ACTIVE) & ~s.fled[:, c] & threat.any(axis=1)
        rows = np.flatnonzero(starts)
        if not len(rows):
            continue
        s.fled[rows, c] = True
        s.task[rows, c] = -1
        s.pending_task[rows, c] = -1
        s.speed_factor[rows, c] = 1.0
        for r in rows:
            if has_escape:
                dest = np.array([[f.escape_x[c], f.escape_y[c]]])
            else:
                near_threat = int(raiders[np.argmin(np.where(threat[r], d[r], np.inf))])
                away = np.array(
                    [
                        s.x[r, c] - pic.known_x[r, side, near_threat],
                        s.y[r, c] - pic.known_y[r, side, near_threat],
                    ]
                )
                away = away / max(float(np.hypot(*away)), 1.0) * FLEE_DISTANCE_M
                dest = np.array([[s.x[r, c] + away[0], s.y[r, c] + away[1]]])
            set_routes(ctx, np.array([r]), np.array([c]), dest)
        ctx.emit("UnitFled", rows, t1, unit=ctx.ids[c])
