"""Air: strike sorties from airbases (request, tasking, transit, release or abort, return, turnaround) and
the endurance of aircraft on other tasks.

Air strikes: aircraft under a strike task take a target (a fixed point, or the side's best-located
contact), wait the tasking delay, take off (``SortieLaunched``), fly to the target's believed position,
release a pass of weapons if the contact is still held (``WeaponsReleased``, ``RoundsImpacted``) or abort
after their time on station (``StrikeAborted``); with weapons left they stay on station and attack the next
enemy located near it, until weapons, time on station or fuel run out; then they fly home
(``SortieRecovered``) and turn around.

Endurance (other air tasks: patrol, move, reconnoitre, ...): an aircraft turns for home when its airborne
time plus the time to fly home reaches its endurance, lands (``SortieRecovered``, mission 0), turns around,
and takes its task up again from the start (``SortieLaunched``, mission 0).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit, plain
from drillsim.events.types import (
    SortieLaunched,
    SortieRecovered,
    StrikeAborted,
    StrikeRequested,
    WeaponsReleased,
)
from drillsim.geo.distance import within
from drillsim.mechanics.indirect_fire import step as indirect_fire
from drillsim.mechanics.indirect_fire.step import (
    STAGE_DONE,
    STAGE_REQUESTED,
    believed_targets,
    clearance_refusals,
    land_impacts,
    take_mission_ids,
    target_names,
    targets_live,
)
from drillsim.mechanics.orders.command import begin_task, set_routes
from drillsim.mechanics.transport import parked_away
from drillsim.state.batch import (
    ACTIVE,
    AIR_INBOUND,
    AIR_ON_STATION,
    AIR_OUTBOUND,
    AIR_READY,
    AIR_TURNAROUND,
    AIR_WAITING,
    ContactLayer,
)
from drillsim.state.context import StepContext
from drillsim.world.plan import CompiledTask

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

STATION_RADIUS_M = 1500.0
RETARGET_RADIUS_M = 10_000.0
"""Aircraft on station whose target is gone strike another located enemy within this distance."""
REATTACK_S = 180.0
"""Least time between two attack passes of an aircraft staying on station (the turn back onto the next
target; a drillsim assumption, docs/mechanics/air.md, "On station")."""


class AirStrikes:
    """Per-simulation constants of strike sorties: each aircraft's air weapons, the plan's strike tasks."""

    def __init__(self, ctx: StepContext) -> None:
        f = ctx.world.forces
        self.air_mounts: dict[int, IntArray] = {}
        for m in np.flatnonzero(f.w_kind == 2):
            self.air_mounts.setdefault(int(f.w_elem[m]), np.zeros(0, dtype=np.int64))
            self.air_mounts[int(f.w_elem[m])] = np.append(self.air_mounts[int(f.w_elem[m])], m)
        self.strike_tasks = [t for t in ctx.world.plan.tasks if t.kind == "strike"]
        """The plan's strike tasks, in task order (the order sorties are advanced in)."""

    def fly_strikes(self, ctx: StepContext) -> None:
        """Advance every strike sortie by one step: each element makes at most one transition per step."""
        s = ctx.state
        f = ctx.world.forces
        if not self.strike_tasks:
            return
        for e, mounts in self.air_mounts.items():
            task_of = s.task[:, e]
            active = s.status[:, e] == ACTIVE
            for task in self.strike_tasks:
                rows = np.flatnonzero((task_of == task.index) & active)
                if len(rows):
                    self._advance_sorties(ctx, rows, e, int(f.side[e]), task, mounts)

    def _best_contact(self, ctx: StepContext, rows: IntArray, side: int, near: FloatArray | None) -> IntArray:
        """Per row, the enemy contact the side has located best (smallest error), or -1; with ``near``
        ((rows, 2) points), only contacts within RETARGET_RADIUS_M of them. A row with no such contact
        takes, if fire at parked carriers is on (:data:`indirect_fire.FIRE_AT_PARKED_CARRIERS`), the best
        located enemy carriers parked away from their people in the side's carrier layer (live: younger
        than its contact timeout), as ``N +`` their element (docs/mechanics/air.md, "Parked carriers")."""
        s = ctx.state
        pic = s.picture
        f = ctx.world.forces
        best = _best_contacts(
            rows,
            side,
            pic.known_live,
            plain(pic.known_layer()),
            f.enemy_ground[side],
            s.status,
            np.zeros((0, 2)) if near is None else near,
        )
        if not indirect_fire.FIRE_AT_PARKED_CARRIERS or ctx.world.carriers is None:
            return best
        k = np.flatnonzero(best < 0)
        if not len(k):
            return best
        r = rows[k]
        seen = pic.carrier_t[r, side] >= ctx.t1 - f.contact_timeout_s[side]
        if not seen.any():
            return best
        can = seen & f.enemy_ground[side][None, :] & parked_away(ctx)[r] & (s.status[r] == ACTIVE)
        if near is not None:
            with np.errstate(invalid="ignore"):
                d = np.hypot(pic.carrier_x[r, side] - near[k, 0:1], pic.carrier_y[r, side] - near[k, 1:2])
                can &= d <= RETARGET_RADIUS_M
        score = np.where(can, pic.carrier_err[r, side], np.inf)
        j = np.argmin(score, axis=1)
        take = np.isfinite(score[np.arange(len(r)), j])
        best[k[take]] = f.n + j[take]
        return best

    def _advance_sorties(
        self, ctx: StepContext, rows: IntArray, e: int, side: int, task: CompiledTask, mounts: IntArray
    ) -> None:
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        t1 = ctx.t1
        phase = s.air_phase[rows, e].copy()
        # The phases some row is in: the transitions out of the others have nothing to do.
        present = np.bincount(phase, minlength=AIR_TURNAROUND + 1) > 0
        elem = np.array([e])

        # Take a target and ask for the strike.
        # Ready with sorties left (an aircraft damaged by air defence flies no more).
        ready = (
            rows[(phase == AIR_READY) & (s.sorties_left[rows, e] > 0) & ~s.air_damaged[rows, e]]
            if present[AIR_READY]
            else rows[:0]
        )
        if len(ready):
            if task.waypoints.shape[1] > 0:
                tgt = np.full(len(ready), -1)
                ax = np.full(len(ready), task.waypoints[0, -1, 0])
                ay = np.full(len(ready), task.waypoints[0, -1, 1])
                go = np.ones(len(ready), dtype=bool)
            else:
                tgt = self._best_contact(ctx, ready, side, None)
                go = tgt >= 0
                safe = np.maximum(tgt, 0)
                ax, ay, _ = believed_targets(ctx, ready, np.full(len(ready), side), safe, t1)
            ready, tgt, ax, ay = ready[go], tgt[go], ax[go], ay[go]
            if len(ready):
                mount = (
                    mounts[0]
                    if task.weapon is None
                    else next((mm for mm in mounts if f.w_name[mm] == task.weapon), mounts[0])
                )
                request_strike(ctx, ready, e, side, np.full(len(ready), mount), tgt, ax, ay)
                s.air_phase[ready, e] = AIR_WAITING
                s.air_until[ready, e] = t1 + task.tasking_delay_s

        # Tasking delay over: take off.
        launch = (
            rows[(phase == AIR_WAITING) & (t1 >= s.air_until[rows, e])] if present[AIR_WAITING] else rows[:0]
        )
        if len(launch):
            k = s.strike_mission[launch, e]
            s.air_phase[launch, e] = AIR_OUTBOUND
            # The sortie's load aboard (weapons of all the element's aircraft): the mount's ammunition, or
            # the weapon's rounds per mission.
            mk = m.mount[k]
            s.ammo[launch, mk] = np.where(
                np.isfinite(f.w_ammo0[mk]), f.w_ammo0[mk], f.w_count[mk] * f.w_rounds_per_mission[mk]
            )
            s.airborne_since[launch, e] = s.air_until[launch, e]
            s.sorties_flown[launch, side] += 1
            home = ctx.world.scenario.units[f.group_of[e]].home or ""
            ctx.emit(
                SortieLaunched,
                launch,
                s.air_until[launch, e],
                mission=m.mission_id[k].astype(np.float64),
                aircraft=ctx.ids[e],
                airbase=home,
            )
            set_routes(
                ctx,
                launch,
                np.repeat(elem, len(launch)),
                np.stack([m.aim_x[k], m.aim_y[k]], axis=1)[:, None, :],
            )

        # Outbound: follow the target's believed position; on arrival, go on station.
        out = rows[phase == AIR_OUTBOUND] if present[AIR_OUTBOUND] else rows[:0]
        if len(out):
            k = s.strike_mission[out, e]
            tgt = s.strike_target[out, e]
            follow = (tgt >= 0) & targets_live(ctx, out, np.full(len(out), side), np.maximum(tgt, 0))
            fo, fk, ft = out[follow], k[follow], tgt[follow]
            m.aim_x[fk], m.aim_y[fk], _ = believed_targets(ctx, fo, np.full(len(fo), side), ft, t1)
            s.route_x[fo, e, 0] = m.aim_x[fk]
            s.route_y[fo, e, 0] = m.aim_y[fk]
            s.route_len[fo, e] = 1
            s.route_i[fo, e] = 0
            there = np.hypot(s.x[out, e] - m.aim_x[k], s.y[out, e] - m.aim_y[k]) <= STATION_RADIUS_M
            s.air_phase[out[there], e] = AIR_ON_STATION
            s.air_until[out[there], e] = t1 + task.time_on_station_s

        # On station: release on the target if it is still located (or on another located nearby);
        # otherwise wait out the time on station and abort. With weapons left after a pass, stay and
        # attack the next located enemy near the station until the weapons, the time on station or the
        # fuel run out.
        on = rows[phase == AIR_ON_STATION] if present[AIR_ON_STATION] else rows[:0]
        if len(on):
            self._hold_station(ctx, on, e, side, task)

        # Inbound and landed: turn around.
        landed = rows[:0]
        if present[AIR_INBOUND]:
            landed = rows[(phase == AIR_INBOUND) & (s.route_i[rows, e] >= s.route_len[rows, e])]
        if len(landed):
            k = s.strike_mission[landed, e]
            s.air_phase[landed, e] = AIR_TURNAROUND
            s.air_until[landed, e] = t1 + f.turnaround_s[e]
            s.sorties_left[landed, e] -= 1
            s.airborne_since[landed, e] = np.inf
            ctx.emit(
                SortieRecovered, landed, t1, mission=m.mission_id[k].astype(np.float64), aircraft=ctx.ids[e]
            )

        # Turned around: ready for the next sortie.
        if present[AIR_TURNAROUND]:
            again = rows[(phase == AIR_TURNAROUND) & (t1 >= s.air_until[rows, e])]
            s.air_phase[again, e] = AIR_READY

    def _hold_station(self, ctx: StepContext, on: IntArray, e: int, side: int, task: CompiledTask) -> None:
        """Aircraft ``e`` on station in rows ``on``: the next pass, release or abort, and the way home."""
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        t1 = ctx.t1
        elem = np.array([e])

        on, back = self._next_pass(ctx, on, e, side)
        if len(on):
            k = s.strike_mission[on, e]
            tgt = s.strike_target[on, e]
            held = (tgt < 0) | targets_live(ctx, on, np.full(len(on), side), np.maximum(tgt, 0))
            lost = np.flatnonzero(~held)
            if len(lost):
                near = np.stack([m.aim_x[k[lost]], m.aim_y[k[lost]]], axis=1)
                other = self._best_contact(ctx, on[lost], side, near)
                swap = other >= 0
                tgt[lost[swap]] = other[swap]
                s.strike_target[on[lost[swap]], e] = other[swap]
                m.target[k[lost[swap]]] = other[swap]
                held[lost[swap]] = True
            # Clearance: no release on an aim point with friends inside the safe distance (unless the task
            # accepts danger-close fire) or inside a no-fire area; the aircraft waits on station.
            blocked = np.full(len(on), "", dtype=object)
            cand = np.flatnonzero(held)
            if len(cand):
                ck, ct = k[cand], tgt[cand]
                located = ct >= 0
                bx, by, _ = believed_targets(ctx, on[cand], np.full(len(cand), side), np.maximum(ct, 0), t1)
                cx = np.where(located, bx, m.aim_x[ck])
                cy = np.where(located, by, m.aim_y[ck])
                blocked[cand] = clearance_refusals(
                    ctx,
                    on[cand],
                    np.full(len(cand), side),
                    m.mount[ck],
                    cx,
                    cy,
                    np.full(len(cand), task.danger_close),
                )
            rel = np.flatnonzero(held & (blocked == ""))
            if len(rel):
                ro, rk, rt = on[rel], k[rel], tgt[rel]
                located = rt >= 0
                m.aim_x[rk[located]], m.aim_y[rk[located]], _ = believed_targets(
                    ctx, ro[located], np.full(int(located.sum()), side), rt[located], t1
                )
                mount = m.mount[rk]
                m.rounds[rk] = np.minimum(f.w_count[mount] * f.w_rounds_per_pass[mount], s.ammo[ro, mount])
                s.ammo[ro, mount] -= m.rounds[rk]
                m.fire_t[rk] = t1
                m.impact_t[rk] = t1
                ctx.emit(
                    WeaponsReleased,
                    ro,
                    t1,
                    mission=m.mission_id[rk].astype(np.float64),
                    aircraft=ctx.ids[e],
                    target=[target_names(ctx, np.array([t]))[0] if t >= 0 else None for t in rt],
                    weapons=m.rounds[rk].astype(np.int64),
                    x_m=m.aim_x[rk],
                    y_m=m.aim_y[rk],
                )
                land_impacts(ctx, rk, weapon="air")
                m.stage[rk] = STAGE_DONE
                np.minimum.at(s.strike_by_side, (ro, np.full(len(ro), side)), t1)
                known = np.isfinite(m.detected_t[rk])
                np.add.at(
                    s.chain_time_sum,
                    (ro[known], np.full(int(known.sum()), side)),
                    t1 - m.detected_t[rk][known],
                )
                np.add.at(s.chain_count, (ro[known], np.full(int(known.sum()), side)), 1.0)
            done = self._off_station(ctx, on, e)
            abort = np.flatnonzero((~held | (blocked != "")) & done)
            if len(abort):
                m.stage[k[abort]] = STAGE_DONE
                ctx.emit(
                    StrikeAborted,
                    on[abort],
                    t1,
                    mission=m.mission_id[k[abort]].astype(np.float64),
                    aircraft=ctx.ids[e],
                    reason=np.where(held[abort], blocked[abort].astype(str), "target-lost"),
                )
            # After a pass: stay on station with weapons, time and fuel left.
            stay = rel[(s.ammo[on[rel], m.mount[k[rel]]] > 0) & ~done[rel]]
            s.air_pass_at[on[stay], e] = t1 + REATTACK_S
            leave = np.setdiff1d(np.union1d(rel, abort), stay).astype(np.int64)
            back = np.sort(np.concatenate([on[leave], back]))
        if len(back):
            s.air_phase[back, e] = AIR_INBOUND
            set_routes(ctx, back, np.repeat(elem, len(back)), np.array([[f.home_x[e], f.home_y[e]]]))

    def _off_station(self, ctx: StepContext, rows: IntArray, e: int) -> BoolArray:
        """Per row, whether aircraft ``e`` must leave its station now: its time on station is over, or
        its airborne time plus the flight home reaches its endurance (fuel)."""
        s = ctx.state
        f = ctx.world.forces
        speed = max(float(f.speed_by_class[e, 0]), 1e-9)
        home_s = np.hypot(s.x[rows, e] - f.home_x[e], s.y[rows, e] - f.home_y[e]) / speed
        fuel_out = (ctx.t1 - s.airborne_since[rows, e]) + home_s >= f.endurance_s[e]
        return np.asarray((ctx.t1 >= s.air_until[rows, e]) | fuel_out)

    def _next_pass(self, ctx: StepContext, on: IntArray, e: int, side: int) -> tuple[IntArray, IntArray]:
        """Aircraft on station whose last mission has released (they stayed with weapons left): when
        their turn back is over, take the best-located enemy within RETARGET_RADIUS_M of the last aim
        point as a new mission (``StrikeRequested``, released by the caller as any other); with nothing
        located, keep looking. Returns the rows the caller goes on with (a pending mission) and the rows
        that leave now (time on station or fuel out, nothing pending)."""
        s = ctx.state
        m = s.missions
        t1 = ctx.t1
        k = s.strike_mission[on, e]
        searching = m.stage[k] == STAGE_DONE
        if not searching.any():
            return on, on[:0]
        rows = on[searching]
        leave = self._off_station(ctx, rows, e)
        looking = rows[~leave & (t1 >= s.air_pass_at[rows, e])]
        if len(looking):
            last = s.strike_mission[looking, e]
            near = np.stack([m.aim_x[last], m.aim_y[last]], axis=1)
            tgt = self._best_contact(ctx, looking, side, near)
            found = tgt >= 0
            looking, last, tgt = looking[found], last[found], tgt[found]
        if len(looking):
            ax, ay, _ = believed_targets(ctx, looking, np.full(len(looking), side), tgt, t1)
            request_strike(ctx, looking, e, side, m.mount[last], tgt, ax, ay)
        pending = on[~searching]
        return np.sort(np.concatenate([pending, looking])), rows[leave]


def request_strike(
    ctx: StepContext,
    rows: IntArray,
    e: int,
    side: int,
    mount: IntArray,
    target: IntArray,
    aim_x: FloatArray,
    aim_y: FloatArray,
) -> None:
    """Open a strike mission of aircraft element ``e`` in each of ``rows`` at (aim_x, aim_y), on contact
    ``target`` (-1: a fixed point), make it the element's current mission and log ``StrikeRequested``."""
    s = ctx.state
    f = ctx.world.forces
    m = s.missions
    n = len(rows)
    ids = take_mission_ids(s.next_mission_id, rows, np.full(n, side))
    troops = (target >= 0) & (target < f.n)  # parked carriers (N + element) have no detection episode
    detected = np.where(troops, s.picture.episode_t[rows, side, np.maximum(target, 0) % f.n], np.inf)
    first = len(m)
    m.append(
        rep=rows,
        mission_id=ids,
        firer=np.full(n, e),
        mount=mount,
        target=np.maximum(target, 0),
        observer=np.full(n, -1),
        detected_t=detected,
        requested_t=np.full(n, ctx.t1),
        fire_t=np.full(n, np.inf),
        impact_t=np.full(n, np.inf),
        aim_x=aim_x,
        aim_y=aim_y,
        rounds=np.zeros(n),
        stage=np.full(n, STAGE_REQUESTED),
    )
    s.strike_target[rows, e] = target
    s.strike_mission[rows, e] = first + np.arange(n)
    ctx.emit(
        StrikeRequested,
        rows,
        ctx.t1,
        mission=ids.astype(np.float64),
        side=ctx.sides[side],
        aircraft=ctx.ids[e],
        target=[target_names(ctx, np.array([t]))[0] if t >= 0 else None for t in target],
    )


def enforce_endurance(ctx: StepContext) -> None:
    """Send aircraft on non-strike tasks home before their endurance runs out; relaunch them after turnaround.

    Strike sorties are left to :class:`AirStrikes` (they have their own return leg).
    """
    s = ctx.state
    f = ctx.world.forces
    plan = ctx.world.plan
    if not f.is_air.any() or not plan.tasks:
        return
    strike = np.array([t.kind == "strike" for t in plan.tasks] + [True])  # index -1: no task
    air = np.flatnonzero(f.is_air)
    t1 = ctx.t1
    # Out on the task: turn for home in time.
    speed = np.maximum(f.speed_by_class[:, 0], 1e-9)
    rr, ee = _turning_home(
        s.status,
        s.task,
        strike,
        air,
        s.air_phase,
        s.airborne_since,
        s.x,
        s.y,
        RangeHome(f.home_x, f.home_y, speed, f.endurance_s),
        t1,
    )
    if len(rr):
        s.air_phase[rr, ee] = AIR_INBOUND
        s.speed_factor[rr, ee] = 1.0  # home at cruise speed (the task's factor returns with the task)
        s.route_loop[rr, ee] = False
        set_routes(ctx, rr, ee, np.stack([f.home_x[ee], f.home_y[ee]], axis=1)[:, None, :])
    # Home: land and turn around.
    rows, elems = _aircraft_in_phase(s.status, s.task, strike, air, s.air_phase, AIR_INBOUND)
    if len(rows):
        landed = s.route_i[rows, elems] >= s.route_len[rows, elems]
        rows, elems = rows[landed], elems[landed]
    if len(rows):
        s.air_phase[rows, elems] = AIR_TURNAROUND
        s.air_until[rows, elems] = t1 + f.turnaround_s[elems]
        s.airborne_since[rows, elems] = np.inf
        ctx.emit(SortieRecovered, rows, t1, mission=np.zeros(len(rows)), aircraft=ctx.ids[elems])
    # Turned around: take the task up again (unless damaged by air defence: it stays on the ground).
    rows, elems = _aircraft_in_phase(s.status, s.task, strike, air, s.air_phase, AIR_TURNAROUND)
    if len(rows):
        ready = (s.air_until[rows, elems] <= t1) & ~s.air_damaged[rows, elems]
        rows, elems = rows[ready], elems[ready]
    if len(rows):
        tasks = s.task[rows, elems]
        when = s.air_until[rows, elems]
        s.air_phase[rows, elems] = AIR_READY  # begin_task makes it outbound when the task has a route
        for k in np.unique(tasks):
            sel = tasks == k
            begin_task(ctx, plan.tasks[int(k)], rows[sel], elems[sel], when[sel])
        up = s.air_phase[rows, elems] == AIR_OUTBOUND
        ctx.emit(
            SortieLaunched, rows[up], when[up], mission=np.zeros(int(up.sum())), aircraft=ctx.ids[elems[up]]
        )


@jit
def _aircraft_in_phase(
    status: IntArray,
    task: IntArray,
    strike: BoolArray,
    air: IntArray,
    air_phase: IntArray,
    phase: int | np.int64,
) -> tuple[IntArray, IntArray]:
    """(rows, elems), row by row and in the order of ``air``, of the aircraft in action on a task that is
    not a strike (``strike`` by task index, its last entry for task -1) whose air phase is ``phase``. Only
    aircraft columns are looked at: far fewer than (rows, elements)."""
    r_n = status.shape[0]
    rows = np.empty(r_n * len(air), dtype=np.int64)
    elems = np.empty(r_n * len(air), dtype=np.int64)
    found = 0
    for r in range(r_n):
        for e in air:
            if air_phase[r, e] == phase and status[r, e] == ACTIVE and not strike[task[r, e]]:
                rows[found] = r
                elems[found] = e
                found += 1
    return rows[:found], elems[:found]


class RangeHome(NamedTuple):
    """Per element: its base (m) and flying speed (m/s), and its endurance (s)."""

    home_x: FloatArray
    home_y: FloatArray
    speed: FloatArray
    endurance_s: FloatArray


@jit
def _turning_home(
    status: IntArray,
    task: IntArray,
    strike: BoolArray,
    air: IntArray,
    air_phase: IntArray,
    airborne_since: FloatArray,
    x: FloatArray,
    y: FloatArray,
    range_home: RangeHome,
    t1: float,
) -> tuple[IntArray, IntArray]:
    """(rows, elems), as :func:`_aircraft_in_phase` gives them, of the outbound aircraft (airborne since a
    finite time) whose time aloft at ``t1`` plus the time to fly home (straight, at ``speed``, by element)
    reaches their endurance."""
    home_x, home_y, speed, endurance_s = range_home
    # As an int64, not the constant: the signature the calls from Python compile (one compilation, not two).
    rows, elems = _aircraft_in_phase(status, task, strike, air, air_phase, np.int64(AIR_OUTBOUND))
    found = 0
    for i in range(len(rows)):
        r = rows[i]
        e = elems[i]
        if not np.isfinite(airborne_since[r, e]):
            continue
        home_s = math.hypot(x[r, e] - home_x[e], y[r, e] - home_y[e]) / speed[e]
        if (t1 - airborne_since[r, e]) + home_s >= endurance_s[e]:
            rows[found] = r
            elems[found] = e
            found += 1
    return rows[:found], elems[:found]


@jit
def _best_contacts(
    rows: IntArray,
    side: int,
    known_live: BoolArray,
    known: ContactLayer,
    enemy_ground: BoolArray,
    status: IntArray,
    near: FloatArray,
) -> IntArray:
    """Per row, the live contact of an enemy ground element in action that ``side`` has located best
    (smallest error; the first of equals), or -1 (none, or a least error that is not finite: a NaN error
    is the least, as for numpy's argmin); with ``near`` ((rows, 2) points, else (0, 2)), only
    contacts within RETARGET_RADIUS_M of them."""
    _, known_x, known_y, known_err = known
    best = np.full(rows.shape[0], -1, dtype=np.int64)
    for i in range(rows.shape[0]):
        r = rows[i]
        least = np.inf
        for t in range(enemy_ground.shape[0]):
            if not (known_live[r, side, t] and enemy_ground[t] and status[r, t] == ACTIVE):
                continue
            if near.shape[0] and not within(
                known_x[r, side, t] - near[i, 0], known_y[r, side, t] - near[i, 1], RETARGET_RADIUS_M
            ):
                continue
            err = known_err[r, side, t]
            if math.isnan(err):
                best[i] = -1
                break
            if err < least:
                least = err
                best[i] = t
        if least == -np.inf:
            best[i] = -1  # not finite, as numpy's isfinite test of the least error says
    return best
