"""Airlifts in the run (docs/mechanics/transport.md).

:meth:`Transport.schedule` draws, once per replication, each sortie's delay (stream ``transport/delay``,
keyed by airlift, aircraft and trip, never by step), computes the landing times through the airfield and
holds every carried element (``held_until``) until the sortie bringing the last of it lands.
:meth:`Transport.land` sets each element down at the landing place when its sortie lands and records
``UnitLanded``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import UnitLanded
from drillsim.mechanics.transport.model import landing_times, sortie_of_elements
from drillsim.state.context import StepContext

FloatArray = NDArray[np.float64]


class Transport:
    """The scenario's airlifts: when each carried element lands, and setting it down."""

    def __init__(self, ctx: StepContext) -> None:
        self.enabled = bool(ctx.world.airlifts)

    def schedule(self, ctx: StepContext) -> None:
        """Landing times of every carried element in every replication (``landed_at``), held until then."""
        if not self.enabled:
            return
        s = ctx.state
        reps = ctx.state.replications
        strength0 = ctx.world.forces.strength0
        for j, lift in enumerate(ctx.world.airlifts):
            elems = lift.elements
            sortie = sortie_of_elements(strength0[elems], lift.seats)
            sorties = int(sortie.max()) + 1 if len(sortie) else 0
            trips = np.arange(sorties)
            planes = np.arange(lift.aircraft)
            for r, rep in enumerate(reps):
                if lift.delay_mean_s > 0:
                    u = ctx.streams.uniform(
                        "transport/delay", j, rep, np.repeat(planes, sorties), np.tile(trips, lift.aircraft)
                    )
                    delays = (-lift.delay_mean_s * np.log1p(-u)).reshape(lift.aircraft, sorties)
                else:
                    delays = np.zeros((lift.aircraft, sorties))
                when = landing_times(
                    sorties=sorties,
                    aircraft=lift.aircraft,
                    first_landing_s=lift.first_landing_s,
                    round_trip_s=lift.round_trip_s,
                    landing_interval_s=lift.landing_interval_s,
                    delays_s=delays,
                )
                landed = when[sortie]
                s.landed_at[r, elems] = landed
                s.held_until[r, elems] = np.maximum(s.held_until[r, elems], landed)

    def land(self, ctx: StepContext) -> None:
        """Set down, at their airlift's landing place, the elements whose sortie lands in this step (from its
        start, included, to its end), before anything moves."""
        if not self.enabled:
            return
        s = ctx.state
        for j, lift in enumerate(ctx.world.airlifts):
            e = lift.elements
            rows, k = np.nonzero((s.landed_at[:, e] >= ctx.t0) & (s.landed_at[:, e] < ctx.t1))
            if not len(rows):
                continue
            elems = e[k]
            if lift.spread_m > 0:
                u = ctx.uniform("transport/set-down", rows, elems, j)
                v = ctx.uniform("transport/set-down-angle", rows, elems, j)
                radius = lift.spread_m * np.sqrt(u)
                angle = 2.0 * np.pi * v
                x = lift.x_m + radius * np.cos(angle)
                y = lift.y_m + radius * np.sin(angle)
            else:
                x = np.full(len(rows), lift.x_m)
                y = np.full(len(rows), lift.y_m)
            s.x[rows, elems] = x
            s.y[rows, elems] = y
            ctx.emit(
                UnitLanded,
                rows,
                s.landed_at[rows, elems],
                unit=ctx.ids[elems],
                airlift=lift.name,
                x_m=x,
                y_m=y,
            )
