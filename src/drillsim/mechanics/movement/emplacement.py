"""Emplacement and displacement of batteries (docs/mechanics/indirect-fire.md, "Emplacement and
displacement").

A battery whose indirect-fire weapon gives an emplacement or a displacement time (``emplace_s``,
``displace_s``) is *in action* while it stands halted in a firing position, and out of action while it
packs up or moves:

- a battery in action that is to move (route left) and is not firing a mission packs up first: it is
  held ``displace_s`` where it stands (``BatteryMarchOrdered``), out of action, then moves off;
- a battery in action that is firing a mission (requested and not yet fired, or its rounds not all away)
  stays where it is until the mission is fired;
- a battery out of action that has no route left halts (``BatteryHalted``) and is in action again, able
  to fire from ``emplace_s`` after it halted (when it reached the end of its route within the step, else
  the start of the step, or the end of its hold when later).

Batteries whose weapon gives neither time are in action throughout: they fire on the move, as before.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import BatteryHalted, BatteryMarchOrdered
from drillsim.mechanics.movement.step import NO_ARRIVALS, Arrivals, move
from drillsim.state.batch import ACTIVE
from drillsim.state.context import StepContext

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

__all__ = ["Emplacement"]


class Emplacement:
    """Per-world constants: the batteries that keep emplacement times, and each one's times."""

    def __init__(self, ctx: StepContext) -> None:
        f = ctx.world.forces
        mount = f.battery_mounts()
        armed = np.flatnonzero(mount >= 0)
        emplace = f.w_emplace_s[mount[armed]]
        displace = f.w_displace_s[mount[armed]]
        keeps = (emplace > 0) | (displace > 0)
        self.batteries: IntArray = armed[keeps]
        """The elements that keep emplacement times, in element order."""
        self.emplace_s: FloatArray = np.asarray(emplace[keeps], dtype=np.float64)
        self.displace_s: FloatArray = np.asarray(displace[keeps], dtype=np.float64)
        self.arrivals: Arrivals = NO_ARRIVALS
        """The arrivals of the last :meth:`move`."""

    def move(self, ctx: StepContext) -> None:
        """Move every moving element (:func:`drillsim.mechanics.movement.step.move`), noting the arrivals
        for :meth:`halt`."""
        self.arrivals = move(ctx)

    @property
    def any(self) -> bool:
        return bool(len(self.batteries))

    def march_order(self, ctx: StepContext) -> None:
        """Before the move: batteries in action with route left pack up (held ``displace_s``), unless
        firing a mission, which holds them where they are for this step."""
        if not self.any:
            return
        s = ctx.state
        b = self.batteries
        route = s.route_i[:, b] < s.route_len[:, b]
        ready = (
            route
            & s.in_action[:, b]
            & (s.status[:, b] == ACTIVE)
            & (s.held_until[:, b] <= ctx.t0)
            & (ctx.t0 >= ctx.world.forces.readiness_s[b])[None, :]
        )
        if not ready.any():
            return
        firing = ready & (s.battery_busy_until[:, b] > ctx.t0)
        if firing.any():
            rows, cols = np.nonzero(firing)
            e = b[cols]
            s.held_until[rows, e] = np.maximum(s.held_until[rows, e], ctx.t0 + 0.5 * ctx.world.dt_s)
        rows, cols = np.nonzero(ready & ~firing)
        if not len(rows):
            return
        e = b[cols]
        moves = ctx.t0 + self.displace_s[cols]
        s.in_action[rows, e] = False
        s.emplaced_at[rows, e] = np.inf
        s.held_until[rows, e] = np.maximum(s.held_until[rows, e], moves)
        ctx.emit(
            BatteryMarchOrdered,
            rows,
            np.full(len(rows), ctx.t0),
            battery=ctx.ids[e],
            x_m=s.x[rows, e],
            y_m=s.y[rows, e],
            moves_at_s=moves,
        )

    def halt(self, ctx: StepContext) -> None:
        """After the move: batteries out of action with no route left halt and begin to emplace; those
        that reached the end of their route within this step (:attr:`arrivals`) halted then."""
        if not self.any:
            return
        s = ctx.state
        b = self.batteries
        halting = (
            ~s.in_action[:, b]
            & (s.route_i[:, b] >= s.route_len[:, b])
            & (s.held_until[:, b] <= ctx.t1)
            & (s.status[:, b] == ACTIVE)
        )
        if not halting.any():
            return
        rows, cols = np.nonzero(halting)
        e = b[cols]
        halted = np.maximum(ctx.t0, s.held_until[rows, e])
        arrived_rows, arrived, when = self.arrivals
        if len(arrived):
            at = np.full(s.x.shape, np.nan)
            at[arrived_rows, arrived] = when
            reached = at[rows, e]
            halted = np.where(np.isnan(reached), halted, reached)
        ready = halted + self.emplace_s[cols]
        s.in_action[rows, e] = True
        s.emplaced_at[rows, e] = ready
        ctx.emit(
            BatteryHalted,
            rows,
            halted,
            battery=ctx.ids[e],
            x_m=s.x[rows, e],
            y_m=s.y[rows, e],
            ready_at_s=ready,
        )
