"""Carriers on resupply tasks: load at the depot, carry to the element that asked, hand over, come back.

Each carrier (an element whose current task is a ``resupply`` task, in action and not broken) goes
through RETURNING (to the depot) -> LOADING (``load_s``; it then holds ``load_rounds``) -> READY (waiting
at the depot) -> OUTBOUND (to the element it serves, by road where faster; helicopters fly straight) ->
HANDING_OVER (``handover_s`` within ``HANDOVER_RADIUS_M``) -> RETURNING. A READY carrier takes the served
element that asks (rounds left below ``request_below`` of its basic load), the neediest first, that no
other carrier of the task is serving. Positions and ammunition are the true ones: a side knows where its
own units are and what they have (requests reach the depot at once). A task with ``load_fuel_l`` carries
fuel as a second commodity: an element also asks when its fuel falls below ``request_below`` of its tanks
(the lower of its two fractions ranks it), and the hand-over fills its tanks from the carrier's load. A
carrier fills its own tanks at the depot when it loads. docs/mechanics/supply.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import FuelResupplied, SupplyDelivered, SupplyDispatched
from drillsim.mechanics.orders.command import set_routes
from drillsim.mechanics.supply.model import HANDOVER_RADIUS_M, ammunition_fraction, share_delivery
from drillsim.mechanics.transport import full_loads
from drillsim.state.batch import (
    ACTIVE,
    AIR_OUTBOUND,
    AIR_READY,
    SUPPLY_HANDING_OVER,
    SUPPLY_LOADING,
    SUPPLY_NONE,
    SUPPLY_OUTBOUND,
    SUPPLY_READY,
    SUPPLY_RETURNING,
)
from drillsim.state.context import StepContext
from drillsim.world.plan import CompiledTask, SupplyOrder

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

__all__ = ["deliver_supplies"]


def deliver_supplies(ctx: StepContext) -> None:
    """Advance every carrier of every resupply task by one step (nothing to do without such tasks)."""
    for task in ctx.world.plan.tasks:
        if task.supply is not None:
            _run_carriers(ctx, task, task.supply)


def _run_carriers(ctx: StepContext, task: CompiledTask, order: SupplyOrder) -> None:
    s = ctx.state
    f = ctx.world.forces
    carriers = task.elements
    on = (s.task[:, carriers] == task.index) & (s.status[:, carriers] == ACTIVE) & ~s.broken[:, carriers]
    rows, cols = np.nonzero(on)
    if not len(rows):
        return
    elems = carriers[cols]
    phase = s.supply_phase[rows, elems].copy()
    arrived = s.route_i[rows, elems] >= s.route_len[rows, elems]
    client = s.supply_client[rows, elems]
    client_on = (client >= 0) & (s.status[rows, np.maximum(client, 0)] == ACTIVE)
    t1 = ctx.t1

    # Begun, or lost the element being served: back to the depot.
    home = (phase == SUPPLY_NONE) | (
        ((phase == SUPPLY_OUTBOUND) | (phase == SUPPLY_HANDING_OVER)) & ~client_on
    )
    _to_depot(ctx, rows[home], elems[home], order)
    # Back at the depot: land (helicopters) and load.
    loading = (phase == SUPPLY_RETURNING) & arrived
    r, e = rows[loading], elems[loading]
    s.supply_phase[r, e] = SUPPLY_LOADING
    s.supply_until[r, e] = t1 + order.load_s
    air = f.is_air[e]
    s.air_phase[r[air], e[air]] = AIR_READY
    s.airborne_since[r[air], e[air]] = np.inf
    # Loaded.
    loaded = (phase == SUPPLY_LOADING) & (s.supply_until[rows, elems] <= t1)
    r, e = rows[loaded], elems[loaded]
    s.supply_phase[r, e] = SUPPLY_READY
    s.supply_rounds[r, e] = order.load_rounds
    s.supply_fuel[r, e] = order.load_fuel_l
    s.fuel[r, e] = f.fuel0[e]  # its own tanks filled at the depot (+inf where fuel is not modelled)
    # On the way: hand over when close, else follow the element.
    there = (phase == SUPPLY_OUTBOUND) & client_on & arrived
    if there.any():
        r, e, c = rows[there], elems[there], client[there]
        close = np.hypot(s.x[r, e] - s.x[r, c], s.y[r, e] - s.y[r, c]) <= HANDOVER_RADIUS_M
        s.supply_phase[r[close], e[close]] = SUPPLY_HANDING_OVER
        s.supply_until[r[close], e[close]] = t1 + order.handover_s
        _to_client(ctx, r[~close], e[~close], c[~close])
    # Handed over.
    done = (phase == SUPPLY_HANDING_OVER) & client_on & (s.supply_until[rows, elems] <= t1)
    if done.any():
        _hand_over(ctx, rows[done], elems[done], client[done])
        _to_depot(ctx, rows[done], elems[done], order)
    ready = phase == SUPPLY_READY
    if ready.any():
        _dispatch(ctx, task, order, rows[ready], elems[ready])


def _to_depot(ctx: StepContext, rows: IntArray, elems: IntArray, order: SupplyOrder) -> None:
    s = ctx.state
    s.supply_phase[rows, elems] = SUPPLY_RETURNING
    s.supply_client[rows, elems] = -1
    set_routes(ctx, rows, elems, order.depot[None, None, :].repeat(len(rows), axis=0), roads=True)


def _to_client(ctx: StepContext, rows: IntArray, elems: IntArray, clients: IntArray) -> None:
    s = ctx.state
    where = np.stack([s.x[rows, clients], s.y[rows, clients]], axis=1)[:, None, :]
    set_routes(ctx, rows, elems, where, roads=True)


def _hand_over(ctx: StepContext, rows: IntArray, elems: IntArray, clients: IntArray) -> None:
    """Share each carrier's rounds among its client's limited mounts (mount shortfalls first)."""
    s = ctx.state
    f = ctx.world.forces
    limited = np.isfinite(f.w_ammo0) & ~f.is_air[f.w_elem]
    given = np.zeros(len(rows))
    _hand_over_fuel(ctx, rows, elems, clients)
    for k, (r, c) in enumerate(zip(rows.tolist(), clients.tolist(), strict=True)):
        mounts = np.flatnonzero(limited & (f.w_elem == c))
        if not len(mounts):
            continue
        full = full_loads(ctx, np.array([r]), mounts)[0]  # guns on carriers: those of the carriers left
        give = share_delivery(s.ammo[r, mounts], full, np.asarray(s.supply_rounds[r, elems[k]]))
        s.ammo[r, mounts] += give
        given[k] = float(give.sum())
    s.supply_rounds[rows, elems] -= given
    np.add.at(s.supplies_delivered, (rows, f.side[elems]), 1.0)
    np.add.at(s.rounds_delivered, (rows, f.side[elems]), given)
    ctx.emit(SupplyDelivered, rows, ctx.t1, unit=ctx.ids[elems], client=ctx.ids[clients], rounds=given)


def _hand_over_fuel(ctx: StepContext, rows: IntArray, elems: IntArray, clients: IntArray) -> None:
    """Fill each client's tanks from its carrier's fuel (``FuelResupplied`` for each that gets some)."""
    s = ctx.state
    f = ctx.world.forces
    tanks = f.fuel_modelled[clients]
    if not tanks.any():
        return
    short = np.zeros(len(rows))
    short[tanks] = f.fuel0[clients[tanks]] - s.fuel[rows[tanks], clients[tanks]]
    give = np.clip(np.minimum(s.supply_fuel[rows, elems], short), 0.0, None)
    got = give > 0
    if not got.any():
        return
    r, e, c = rows[got], elems[got], clients[got]
    s.fuel[r, c] += give[got]
    s.fuel_waiting[r, c] = False
    s.supply_fuel[r, e] -= give[got]
    ctx.emit(FuelResupplied, r, ctx.t1, unit=ctx.ids[c], source=ctx.ids[e], litres=give[got])


def _dispatch(
    ctx: StepContext, task: CompiledTask, order: SupplyOrder, rows: IntArray, elems: IntArray
) -> None:
    """Send READY carriers to the served elements that ask and that no carrier of the task serves yet, the
    neediest first (ties: the order the task names them)."""
    s = ctx.state
    f = ctx.world.forces
    served = np.unique(task.target_elements)
    slot = np.full(f.n, -1, dtype=np.int64)
    slot[served] = np.arange(len(served))
    limited = np.flatnonzero(np.isfinite(f.w_ammo0) & ~f.is_air[f.w_elem])
    owner = slot[f.w_elem[limited]]
    tanks = f.fuel_modelled[served] if order.load_fuel_l > 0 else np.zeros(len(served), dtype=bool)
    if not (owner >= 0).any() and not tanks.any():
        return
    mounts, owner = limited[owner >= 0], owner[owner >= 0]
    order_rows = np.unique(rows)
    frac = ammunition_fraction(
        _sum_by_owner(s.ammo[np.ix_(order_rows, mounts)], owner, len(served)),
        _sum_by_owner(f.w_ammo0[mounts], owner, len(served)),
    )
    if tanks.any():
        # Fuel, the second commodity: the lower of the two fractions asks and ranks.
        fuel = np.where(tanks, s.fuel[np.ix_(order_rows, served)], 0.0)
        frac = np.minimum(frac, ammunition_fraction(fuel, np.where(tanks, f.fuel0[served], 0.0)))
    asks = (frac < order.request_below) & (s.status[np.ix_(order_rows, served)] == ACTIVE)
    carriers = task.elements
    busy = np.isin(s.supply_phase[np.ix_(order_rows, carriers)], (SUPPLY_OUTBOUND, SUPPLY_HANDING_OVER))
    taken = s.supply_client[np.ix_(order_rows, carriers)]
    out_r: list[int] = []
    out_e: list[int] = []
    out_c: list[int] = []
    for i in np.flatnonzero(asks.any(axis=1)).tolist():
        r = int(order_rows[i])
        serving = set(taken[i][busy[i]].tolist())
        waiting = [j for j in np.argsort(frac[i], kind="stable").tolist() if asks[i, j]]
        waiting = [int(served[j]) for j in waiting if int(served[j]) not in serving]
        for e, c in zip(elems[rows == r].tolist(), waiting, strict=False):
            out_r.append(r)
            out_e.append(e)
            out_c.append(c)
    if not out_r:
        return
    r_a, e_a, c_a = (np.array(v, dtype=np.int64) for v in (out_r, out_e, out_c))
    s.supply_phase[r_a, e_a] = SUPPLY_OUTBOUND
    s.supply_client[r_a, e_a] = c_a
    _to_client(ctx, r_a, e_a, c_a)
    air = f.is_air[e_a]
    s.air_phase[r_a[air], e_a[air]] = AIR_OUTBOUND
    s.airborne_since[r_a[air], e_a[air]] = np.minimum(s.airborne_since[r_a[air], e_a[air]], ctx.t1)
    ctx.emit(
        SupplyDispatched,
        r_a,
        ctx.t1,
        unit=ctx.ids[e_a],
        client=ctx.ids[c_a],
        rounds=s.supply_rounds[r_a, e_a],
    )


def _sum_by_owner(values: FloatArray, owner: IntArray, n: int) -> FloatArray:
    """Sum the last axis of ``values`` (one column a mount) into ``n`` columns by each mount's ``owner``,
    adding the mounts in order: the same sums on every machine (a matrix product would leave the order of
    the additions to the BLAS kernel the CPU picks)."""
    out = np.zeros((*values.shape[:-1], n))
    for k in range(owner.shape[0]):
        out[..., owner[k]] += values[..., k]
    return out
