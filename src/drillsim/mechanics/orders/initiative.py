"""Carrying out what units decide on their own (docs/mechanics/behaviour.md): after the plan's orders and
the re-aiming of dynamic tasks, each element with a behaviour takes cover (halts, hidden), withdraws, lays an
ambush (sprung by the ambush task's machinery, :func:`drillsim.mechanics.orders.ambush.run_ambushes`),
probes, assaults or pursues as its behaviour decided, or goes back to its task when no rule holds any
more."""

from __future__ import annotations

import numpy as np

from drillsim.events.types import InitiativeTaken
from drillsim.mechanics.behaviour.step import decide
from drillsim.mechanics.orders.command import _steer, begin_task, interception_aim, set_routes
from drillsim.state.batch import (
    BEHAVIOUR_AMBUSH,
    BEHAVIOUR_ASSAULT,
    BEHAVIOUR_COVER,
    BEHAVIOUR_NONE,
    BEHAVIOUR_PROBE,
    BEHAVIOUR_PURSUE,
    BEHAVIOUR_WITHDRAW,
)
from drillsim.state.context import StepContext
from drillsim.world.forces import POSTURE_INDEX

ACTION_NAMES = {
    BEHAVIOUR_NONE: "resume",
    BEHAVIOUR_COVER: "take-cover",
    BEHAVIOUR_WITHDRAW: "withdraw",
    BEHAVIOUR_PROBE: "probe",
    BEHAVIOUR_ASSAULT: "assault",
    BEHAVIOUR_AMBUSH: "ambush",
    BEHAVIOUR_PURSUE: "pursue",
}
"""How each decision is named in ``InitiativeTaken`` events."""
_HIDDEN = POSTURE_INDEX["hidden"]


def follow_behaviours(ctx: StepContext) -> None:
    """Carry out this step's decisions of every element with a behaviour."""
    d = decide(ctx)
    if d is None:
        return
    s = ctx.state
    new = d.action != d.previous
    cover = d.action == BEHAVIOUR_COVER
    if cover.any():  # go to ground: stop where it is, hidden, every step while the threat lasts
        r, e = d.rows[cover], d.elems[cover]
        s.route_len[r, e] = 0
        s.route_i[r, e] = 0
        s.posture[r, e] = _HIDDEN
    start = new & (d.action == BEHAVIOUR_WITHDRAW)
    if start.any():
        goal = np.stack([d.goal_x[start], d.goal_y[start]], axis=1)[:, None, :]
        set_routes(ctx, d.rows[start], d.elems[start], goal, roads=True)
        s.hold_fire[d.rows[start], d.elems[start]] = False
    laid = new & (d.action == BEHAVIOUR_AMBUSH)
    if laid.any():  # across country to the site beside the road, fire held, hidden on arrival
        r, e = d.rows[laid], d.elems[laid]
        goal = np.stack([d.goal_x[laid], d.goal_y[laid]], axis=1)[:, None, :]
        set_routes(ctx, r, e, goal)
        s.hold_fire[r, e] = True
        s.ambush_fired_at[r, e] = np.inf
        s.arrival_posture[r, e] = _HIDDEN
    assault = (d.action == BEHAVIOUR_ASSAULT) & (d.target >= 0)
    if assault.any():  # at the interception point ahead of a moving target, as an attack task aims
        r, e = d.rows[assault], d.elems[assault]
        d.goal_x[assault], d.goal_y[assault] = interception_aim(
            ctx, r, e, ctx.world.forces.side[e], d.target[assault]
        )
    closing = (d.action == BEHAVIOUR_PROBE) | (d.action == BEHAVIOUR_ASSAULT) | (d.action == BEHAVIOUR_PURSUE)
    if closing.any():
        _steer(ctx, d.rows[closing], d.elems[closing], d.goal_x[closing], d.goal_y[closing])
    back = new & (d.action == BEHAVIOUR_NONE)
    if back.any():
        _resume(ctx, d.rows[back], d.elems[back])
    if new.any():
        names = np.array([ACTION_NAMES[int(a)] for a in d.action[new]], dtype=object)
        target = np.where(d.target[new] >= 0, ctx.ids[np.maximum(d.target[new], 0)], None)
        ctx.emit(
            InitiativeTaken, d.rows[new], ctx.t1, unit=ctx.ids[d.elems[new]], action=names, target=target
        )


def _resume(ctx: StepContext, rows: np.ndarray, elems: np.ndarray) -> None:
    """Elements whose behaviour let go of them take up their task again from where they are (or halt)."""
    s = ctx.state
    plan = ctx.world.plan
    tasks = s.task[rows, elems]
    idle = tasks < 0
    s.route_len[rows[idle], elems[idle]] = 0
    s.route_i[rows[idle], elems[idle]] = 0
    for k in np.unique(tasks[~idle]):
        sel = tasks == k
        begin_task(ctx, plan.tasks[int(k)], rows[sel], elems[sel], np.full(int(sel.sum()), ctx.t1))
