"""Ambushes: a party waits concealed covering its kill zone, opens fire together when its side sees an enemy
inside it, and breaks contact after a time or on losses (docs/mechanics/orders.md, "Ambush").

While it waits, an ambush element holds its fire (``hold_fire``; direct fire leaves it out) and lies in the
hidden posture. The party is sprung, in a replication, the first step its side's ``seen`` layer places an
enemy ground element (seen this step) inside the kill zone: every element of the task then fires, with the
surprise advantage of direct fire's ``AMBUSH_SURPRISE_FACTOR`` for the first :data:`FIRST_VOLLEY_S`. A
party fired on (a loss or suppression) before its kill zone holds an enemy is compromised and opens fire
at once, without the surprise advantage. An element withdraws ``withdraw_after_s`` after the party opened
fire, or sooner once it has lost more than ``withdraw_losses`` of its strength on the task, to
``withdraw_to`` (its start position when none is given), by road where faster.

An ambush a behaviour laid (docs/mechanics/behaviour.md, "Ambush the approach") is sprung the same way: its
kill zone is the circle of ``ambush_zone_m`` around the road point it covers; the behaviour decides when it
is over.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit
from drillsim.events.types import AmbushSprung
from drillsim.geo.polygons import in_zone
from drillsim.mechanics.orders.command import set_routes
from drillsim.state.batch import ACTIVE, BEHAVIOUR_AMBUSH
from drillsim.state.context import StepContext
from drillsim.world.forces import POSTURE_INDEX
from drillsim.world.obstacles import ZoneTable, circle_polygon
from drillsim.world.plan import CompiledTask

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

FIRST_VOLLEY_S = 60.0
"""How long the ambush's surprise lasts after it opens fire (an assumption: the first volley and the
minute before the target reacts; see docs/mechanics/orders.md)."""
_FIRING = POSTURE_INDEX["hasty-defence"]


def run_ambushes(ctx: StepContext) -> None:
    """Spring the ambushes whose kill zone holds a seen enemy, and withdraw the parties that are done; spring
    the ambushes behaviours laid."""
    for task in ctx.world.plan.tasks:
        if task.kind == "ambush":
            _ambush(ctx, task)
    _spring_laid(ctx)


def _spring_laid(ctx: StepContext) -> None:
    """Each element lying in an ambush its behaviour laid, not yet fired, is a party of its own: it opens
    fire when its side sees an enemy in its kill zone this step (with surprise), or at once when it is
    fired on first (compromised)."""
    table = ctx.world.behaviours
    if table is None or not table.ambush.any():
        return
    s = ctx.state
    f = ctx.world.forces
    rows, elems = np.nonzero(
        (s.behaviour_mode == BEHAVIOUR_AMBUSH)
        & np.isinf(s.ambush_fired_at)
        & (s.status == ACTIVE)
        & ~s.broken
    )
    hostile = np.ascontiguousarray(f.hostile)
    for r, e in zip(rows, elems, strict=True):
        side = int(f.side[e])
        zone = ZoneTable.of([[circle_polygon(s.ambush_x[r, e], s.ambush_y[r, e], table.ambush_zone_m[e])]])
        row = np.array([r])
        pic = s.picture
        target = _target_in_zone(
            row,
            side,
            pic.seen_t,
            pic.seen_x,
            pic.seen_y,
            s.status,
            f.side,
            hostile,
            f.is_air,
            zone.polygons,
            ctx.t0,
        )
        compromised = (target < 0) & (s.suppressed_until[r, e] > ctx.t0)
        _spring(ctx, row, target, np.ones((1, 1), dtype=bool), np.array([e]), side, compromised)


def _ambush(ctx: StepContext, task: CompiledTask) -> None:
    s = ctx.state
    f = ctx.world.forces
    elems = task.elements
    on = (s.task[:, elems] == task.index) & (s.status[:, elems] == ACTIVE) & ~s.broken[:, elems]
    rows_on = np.flatnonzero(on.any(axis=1))
    if not len(rows_on):
        return
    fired_at = np.where(on[rows_on], s.ambush_fired_at[np.ix_(rows_on, elems)], np.inf)
    waiting = rows_on[np.isinf(fired_at).all(axis=1)]
    if len(waiting) and task.kill_zone is not None:
        z = task.kill_zone
        side = int(f.side[elems[0]])
        target = _target_in_zone(
            waiting,
            side,
            s.picture.seen_t,
            s.picture.seen_x,
            s.picture.seen_y,
            s.status,
            f.side,
            np.ascontiguousarray(f.hostile),
            f.is_air,
            z.polygons,
            ctx.t0,
        )
        # A party fired on before its kill zone holds an enemy is compromised: it opens fire at once,
        # without surprise.
        sub = on[np.searchsorted(rows_on, waiting)]
        hurt = (s.strength[waiting][:, elems] < s.task_strength[waiting][:, elems]) | (
            s.suppressed_until[waiting][:, elems] > ctx.t0
        )
        compromised = (target < 0) & (hurt & sub).any(axis=1)
        _spring(ctx, waiting, target, sub, elems, side, compromised)
    # Withdrawal: time since opening fire, or losses on the task.
    rows, cols = np.nonzero(on)
    e = elems[cols]
    fired = s.ambush_fired_at[rows, e]
    lost = 1.0 - s.strength[rows, e] / np.maximum(s.task_strength[rows, e], 1e-9)
    done = (np.isfinite(fired) & (ctx.t1 >= fired + task.withdraw_after_s)) | (lost > task.withdraw_losses)
    if not done.any():
        return
    r, e = rows[done], e[done]
    s.task[r, e] = -1
    s.hold_fire[r, e] = False
    if np.isfinite(task.then_to).all():
        dest = np.broadcast_to(task.then_to, (len(r), 2))
    else:
        dest = np.column_stack([f.x0[e], f.y0[e]])
    set_routes(ctx, r, e, np.asarray(dest, dtype=np.float64)[:, None, :], roads=True)


def _spring(
    ctx: StepContext,
    rows: IntArray,
    target: IntArray,
    on: BoolArray,
    elems: IntArray,
    side: int,
    compromised: BoolArray,
) -> None:
    """Open fire in the rows with a target in the kill zone (with surprise) or compromised (without)."""
    s = ctx.state
    pic = s.picture
    go = (target >= 0) | compromised
    if not go.any():
        return
    rr, cc = np.nonzero(on[go])
    r, e = rows[go][rr], elems[cc]
    tgt = target[go][rr]
    surprise = tgt >= 0
    s.hold_fire[r, e] = False
    s.ambush_fired_at[r, e] = ctx.t1
    s.surprise_until[r[surprise], e[surprise]] = ctx.t1 + FIRST_VOLLEY_S
    s.posture[r, e] = _FIRING
    safe = np.maximum(tgt, 0)
    names = ctx.ids[safe].copy()
    names[~surprise] = None
    ctx.emit(
        AmbushSprung,
        r,
        ctx.t1,
        unit=ctx.ids[e],
        target=names,
        x_m=np.where(surprise, pic.seen_x[r, side, safe], np.nan),
        y_m=np.where(surprise, pic.seen_y[r, side, safe], np.nan),
        how=np.where(surprise, "kill-zone", "compromised"),
    )


@jit
def _target_in_zone(
    rows: IntArray,
    side: int,
    seen_t: FloatArray,
    seen_x: FloatArray,
    seen_y: FloatArray,
    status: IntArray,
    side_of: IntArray,
    hostile: BoolArray,
    is_air: BoolArray,
    polygons: tuple[FloatArray, FloatArray, IntArray, IntArray],
    t0: float,
) -> IntArray:
    """For each row: the first enemy ground element in action that ``side`` saw this step (seen after
    ``t0``) at a position inside the zone; -1 when there is none."""
    vx, vy, start, owner = polygons
    out = np.full(rows.shape[0], -1, dtype=np.int64)
    n = side_of.shape[0]
    for k in range(rows.shape[0]):
        r = rows[k]
        for t in range(n):
            if not hostile[side, side_of[t]] or is_air[t] or status[r, t] != ACTIVE:
                continue
            if not seen_t[r, side, t] > t0:
                continue
            if in_zone(vx, vy, start, owner, 0, seen_x[r, side, t], seen_y[r, side, t]):
                out[k] = t
                break
    return out
