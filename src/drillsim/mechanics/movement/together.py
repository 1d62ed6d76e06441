"""Keeping together: the elements of a task marked ``together`` march as one body (docs/mechanics/movement.md,
"Keeping together").

An element's progress is the route distance it has left: from where it stands to its next waypoint, then
waypoint to waypoint to the end of its route. In each replication the *last* element of a task is the one
with the most left, among the task's elements that are on it, in action, neither broken nor fled, left to
their task by their behaviour and with route left. No element of the task may end a step more than the
task's gap ahead of where the last one stood at its start:

    allowance_e = max(0, left_e - (left_last - gap))

metres this step. A leader therefore halts while it is more than the gap ahead, and once the body has
closed up it goes no faster than the last element: the body marches at the pace of its slowest element.

Elements of one task falling back on their own behaviour's withdrawal rule (docs/mechanics/behaviour.md)
form a body of their own, with the task's gap, or ``WITHDRAWAL_GAP_M`` when the task does not keep
together: a unit falls back as one body, not as scattered elements (docs/mechanics/orders.md,
"Withdrawal").

Broken elements of one unit of several elements (``count > 1``) falling back form a body of their own too,
with ``WITHDRAWAL_GAP_M``: they go to one rally point (docs/mechanics/morale.md, "Falling back together")
and none gets more than the gap ahead of the last.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit, plain
from drillsim.state.batch import ACTIVE, BEHAVIOUR_NONE, BEHAVIOUR_WITHDRAW, Routes
from drillsim.state.context import StepContext

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

__all__ = ["WITHDRAWAL_GAP_M", "column_allowance", "together_allowance"]

WITHDRAWAL_GAP_M = 1000.0
"""The most route distance an element falling back on its behaviour may lead the last of its task's
elements falling back with it, when the task sets no gap: the default ``max_gap_m`` (about a company's
depth in open column, FM 3-21.8 5-18; docs/mechanics/movement.md, "Keeping together")."""


@jit
def column_allowance(
    gap_by_task: FloatArray,
    task: IntArray,
    status: IntArray,
    broken: BoolArray,
    fled: BoolArray,
    behaviour_mode: IntArray,
    routes: Routes,
    x: FloatArray,
    y: FloatArray,
    group: IntArray,
) -> FloatArray:
    """(R, N) the most metres each element may move this step: inf for elements not kept together, and
    ``max(0, left - (left of the body's last element - gap))`` for those that are (module docstring). A
    body is a task's elements on their task (task ``k``, when its gap is finite) or its elements falling
    back on their behaviour (body ``n_tasks + k``, the task's gap or ``WITHDRAWAL_GAP_M``), or the broken
    elements of group ``g`` (``group``: each element's group, -1 for an element alone in its unit; body
    ``2 n_tasks + g``, ``WITHDRAWAL_GAP_M``).

    An element's route left is the distance to its next waypoint plus its legs beyond, added leg by leg
    in route order. The legs are added waypoint by waypoint across a row's counted elements, not element
    by element: the routes are stored waypoint-major (``state.batch``), so the elements' points of one
    waypoint lie side by side in memory, while one element's points lie a row-width apart. Each element's
    sum still takes its terms in the same order, so the result is the same to the last bit."""
    route_x, route_y, _, route_len, route_i, route_loop = routes
    r_n, n = task.shape
    allowance = np.full((r_n, n), np.inf)
    left = np.zeros(n)
    counted = np.empty(n, dtype=np.int64)
    n_tasks = gap_by_task.shape[0]
    n_groups = 0
    for e in range(n):
        n_groups = max(n_groups, group[e] + 1)
    n_bodies = 2 * n_tasks + n_groups
    last = np.zeros(n_bodies)
    gap = np.full(n_bodies, WITHDRAWAL_GAP_M)
    for k in range(n_tasks):
        gap[k] = gap_by_task[k]
        gap[n_tasks + k] = gap_by_task[k] if math.isfinite(gap_by_task[k]) else WITHDRAWAL_GAP_M
    body = np.full(n, -1, dtype=np.int64)
    for a in range(r_n):
        for k in range(n_bodies):
            last[k] = -1.0
        m = 0
        far = 0  # one past the last waypoint of any counted element's route
        for e in range(n):
            body[e] = -1
            k = _body_of(broken[a, e], group[e], task[a, e], behaviour_mode[a, e], gap_by_task)
            if k < 0:
                continue
            i = route_i[a, e]
            if status[a, e] != ACTIVE or fled[a, e] or route_loop[a, e] or i >= route_len[a, e]:
                left[e] = -1.0
                continue
            body[e] = k
            left[e] = math.hypot(route_x[a, e, i] - x[a, e], route_y[a, e, i] - y[a, e])
            counted[m] = e
            m += 1
            far = max(far, route_len[a, e])
        for j in range(1, far):
            for c in range(m):
                e = counted[c]
                if route_i[a, e] < j < route_len[a, e]:
                    left[e] += math.hypot(
                        route_x[a, e, j] - route_x[a, e, j - 1], route_y[a, e, j] - route_y[a, e, j - 1]
                    )
        for c in range(m):
            e = counted[c]
            k = body[e]
            if left[e] > last[k]:
                last[k] = left[e]
        for c in range(m):
            e = counted[c]
            k = body[e]
            allowance[a, e] = max(0.0, left[e] - (last[k] - gap[k]))
    return allowance


@jit
def _body_of(broken: bool, group: int, task: int, mode: int, gap_by_task: FloatArray) -> int:
    """The body an element marches in (:func:`column_allowance`), -1 none: broken, its group's
    (``2 n_tasks + group``, when it has a group); falling back on its behaviour, its task's withdrawal
    body (``n_tasks + task``); on a task that keeps together, the task's."""
    n_tasks = int(gap_by_task.shape[0])
    if broken:
        return 2 * n_tasks + group if group >= 0 else -1
    if task < 0:
        return -1
    if mode == BEHAVIOUR_WITHDRAW:
        return n_tasks + task
    if mode != BEHAVIOUR_NONE or not math.isfinite(gap_by_task[task]):
        return -1
    return task


def together_allowance(ctx: StepContext) -> FloatArray | None:
    """(R, N) the most metres each element may move this step, or None when no task keeps together."""
    plan = ctx.world.plan
    behaviours = ctx.world.behaviours
    f = ctx.world.forces
    s = ctx.state
    falls_back = behaviours is not None and bool(behaviours.withdraw.any()) and len(plan.tasks) > 0
    broken_groups = bool(f.in_group.any()) and bool(s.broken.any())
    if not (plan.keeps_together and len(plan.tasks)) and not falls_back and not broken_groups:
        return None
    group = np.where(f.in_group, f.group, -1)
    return column_allowance(
        plan.together_gap_m,
        s.task,
        s.status,
        s.broken,
        s.fled,
        s.behaviour_mode,
        plain(s.routes()),
        s.x,
        s.y,
        group,
    )
