"""Fire support: the call-for-fire chain of indirect fire, and air strikes by sorties from airbases.

Indirect fire, link by link (each link's start and end is an event):

1. an observer detects an enemy (``ContactDetected``) and its report enters the side's picture
   (``ContactReported``);
2. a battery under a fire-support task takes a request for a contact that an allowed observer reported,
   that is fresh, in range and not already engaged (``FireMissionRequested``, after the liaison delay when
   observer and battery are of different nations);
3. the fire direction centre turns it into firing data (its delay); then the mission is refused if the
   contact has been lost, the target is out of range or ammunition is gone (``FireMissionRefused``), or
   the battery fires (``RoundsFired``) at the contact's *believed* position;
4. rounds fly (range / average projectile speed) and land scattered about the aim point
   (``RoundsImpacted``), causing casualties by the lethal-area model of :mod:`drillsim.fires.area`;
5. the assessment closes the mission (``FireMissionCompleted``).

Air strikes: aircraft under a strike task take a target (a fixed point, or the side's best-located
contact), wait the tasking delay, take off (``SortieLaunched``), fly to the target's believed position,
release weapons if the contact is still held (``WeaponsReleased``, ``RoundsImpacted``) or abort after
their time on station (``StrikeAborted``), fly home (``SortieRecovered``) and turn around.

Endurance (other air tasks: patrol, move, reconnoitre, ...): an aircraft turns for home when its airborne
time plus the time to fly home reaches its endurance, lands (``SortieRecovered``, mission 0), turns around,
and takes its task up again from the start (``SortieLaunched``, mission 0).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

from drillsim.engine.combat import apply_casualties
from drillsim.engine.command import begin_task, set_routes
from drillsim.engine.context import StepContext
from drillsim.engine.state import (
    ACTIVE,
    AIR_INBOUND,
    AIR_ON_STATION,
    AIR_OUTBOUND,
    AIR_READY,
    AIR_TURNAROUND,
    AIR_WAITING,
)
from drillsim.fires.area import (
    POSTURE_AREA_TABLE,
    burst_exponents,
    hit_probabilities,
    lethal_spread,
    scatter_sd,
)
from drillsim.orders.plan import CompiledTask

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

FRESH_CONTACT_S = 600.0
"""A contact older than this is not worth a fire mission."""
REQUEST_INTERVAL_S = 600.0
"""A side does not ask for fire on the same contact again sooner than this."""
AREA_SUPPRESSION_S = 180.0
STATION_RADIUS_M = 1500.0
RETARGET_RADIUS_M = 10_000.0
"""Aircraft on station whose target is gone strike another located enemy within this distance."""

STAGE_REQUESTED = 0
STAGE_FIRED = 1
STAGE_DONE = 2

jit = numba.njit(cache=True, nogil=True)  # serial, like drillsim.engine.kernels


@jit  # type: ignore[misc,unused-ignore]
def take_fire_requests(
    batteries: IntArray,
    battery_mount: IntArray,
    max_range: FloatArray,
    min_range: FloatArray,
    side_of: IntArray,
    enemy_ground: BoolArray,
    observer_ok: BoolArray,
    battery_task: IntArray,
    status: IntArray,
    broken: BoolArray,
    busy_until: FloatArray,
    missions_left: FloatArray,
    ammo: FloatArray,
    x: FloatArray,
    y: FloatArray,
    seen_by: IntArray,
    known_x: FloatArray,
    known_y: FloatArray,
    known_t: FloatArray,
    known_err: FloatArray,
    known_live: BoolArray,
    m_rep: IntArray,
    m_firer: IntArray,
    m_target: IntArray,
    m_stage: IntArray,
    last_request: FloatArray,
    next_mission_id: IntArray,
    t1: float,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Each free battery's pick of a contact to ask fire on, batteries in order, then rows in order.

    A battery is free in a row when it is under a fire-support task, active, unbroken, not busy, with
    missions and ammunition left. It picks, among the contacts an allowed observer (``observer_ok``, by
    task) reported, that are fresh, live, in range, enemy ground elements still active, not engaged by a
    mission of its side and not asked for lately, the best located (smallest error, then nearest; the first
    on ties). A pick engages the contact for the batteries after it; it is booked in place: the row's next
    mission id, the side's ``last_request`` for the contact, one mission less for the battery, which is
    busy until it has fired. Returns (position in ``batteries``, row, contact, mission id) of each pick.
    """
    r = status.shape[0]
    nb = len(batteries)
    n = status.shape[1]
    free = np.zeros((nb, r), dtype=np.bool_)
    any_free = False
    for k in range(nb):
        b = batteries[k]
        mount = battery_mount[b]
        for a in range(r):
            if (
                battery_task[a, b] >= 0
                and status[a, b] == ACTIVE
                and not broken[a, b]
                and busy_until[a, b] <= t1
                and missions_left[a, b] > 0
                and ammo[a, mount] > 0
            ):
                free[k, a] = True
                any_free = True
    out_k = np.empty(nb * r, dtype=np.int64)
    out_row = np.empty(nb * r, dtype=np.int64)
    out_target = np.empty(nb * r, dtype=np.int64)
    out_id = np.empty(nb * r, dtype=np.int64)
    if not any_free:
        return out_k[:0], out_row[:0], out_target[:0], out_id[:0]
    # Contacts already under a mission of the side (open missions: requested or fired).
    engaged = np.zeros(known_live.shape, dtype=np.bool_)
    for q in range(len(m_stage)):
        if m_stage[q] < STAGE_DONE:
            engaged[m_rep[q], side_of[m_firer[q]], m_target[q]] = True
    picks = 0
    for k in range(nb):
        b = batteries[k]
        mount = battery_mount[b]
        side = side_of[b]
        for a in range(r):
            if not free[k, a]:
                continue
            task = battery_task[a, b]
            best = -1
            best_score = math.inf
            for j in range(n):
                if not (known_live[a, side, j] and enemy_ground[side, j]):
                    continue
                observer = seen_by[a, side, j]
                if observer < 0 or not observer_ok[task, observer]:
                    continue
                if not (t1 - known_t[a, side, j] <= FRESH_CONTACT_S):
                    continue
                d = math.hypot(known_x[a, side, j] - x[a, b], known_y[a, side, j] - y[a, b])
                if not (d <= max_range[mount] and d >= min_range[mount]):
                    continue
                if engaged[a, side, j] or not (t1 - last_request[a, side, j] >= REQUEST_INTERVAL_S):
                    continue
                if status[a, j] != ACTIVE:
                    continue
                score = known_err[a, side, j] + 1e-3 * d
                if math.isnan(score):  # as np.argmin: the first NaN wins, and is no pick
                    best = -1
                    break
                if score < best_score:
                    best = j
                    best_score = score
            if best < 0:
                continue
            engaged[a, side, best] = True
            last_request[a, side, best] = t1
            missions_left[a, b] -= 1
            busy_until[a, b] = math.inf
            out_k[picks] = k
            out_row[picks] = a
            out_target[picks] = best
            out_id[picks] = next_mission_id[a]
            next_mission_id[a] += 1
            picks += 1
    return out_k[:picks], out_row[:picks], out_target[:picks], out_id[:picks]


class FireSupport:
    """Per-simulation constants and memory for fire missions and strikes."""

    def __init__(self, ctx: StepContext) -> None:
        f = ctx.world.forces
        self.indirect = np.flatnonzero(f.w_kind == 1)
        self.air = np.flatnonzero(f.w_kind == 2)
        self.battery_mount = np.full(f.n, -1, dtype=np.int64)
        for m in self.indirect:
            if self.battery_mount[f.w_elem[m]] < 0:
                self.battery_mount[f.w_elem[m]] = m
        self.air_mounts: dict[int, IntArray] = {}
        for m in self.air:
            self.air_mounts.setdefault(int(f.w_elem[m]), np.zeros(0, dtype=np.int64))
            self.air_mounts[int(f.w_elem[m])] = np.append(self.air_mounts[int(f.w_elem[m])], m)
        self.batteries = np.flatnonzero(self.battery_mount >= 0)
        self.last_request = np.full((ctx.state.r, len(f.side_names), f.n), -np.inf)
        plan = ctx.world.plan
        self.observer_ok = np.zeros((max(len(plan.tasks), 1), f.n), dtype=bool)
        """(task, element): the element's reports may call fire for batteries under the fire-support task."""
        self.fire_direction_delay_s = np.array(
            [t.fire_direction_delay_s for t in plan.tasks], dtype=np.float64
        )
        for task in plan.tasks:
            if task.kind == "fire-support":
                if len(task.observers):
                    self.observer_ok[task.index, task.observers] = True
                else:
                    self.observer_ok[task.index] = True
        self.strike_tasks = [t for t in plan.tasks if t.kind == "strike"]
        """The plan's strike tasks, in task order (the order sorties are advanced in)."""
        self.enemy_ground = f.hostile[:, f.side] & ~f.is_air[None, :]
        """(side, element): enemy ground elements, what fire missions and strikes may target."""

    # --- indirect fire ------------------------------------------------------------------------------

    def request_missions(self, ctx: StepContext) -> None:
        """Free batteries take requests for fire on reported contacts (see :func:`take_fire_requests`)."""
        s = ctx.state
        f = ctx.world.forces
        pic = s.picture
        m = s.missions
        picked, rows, best, ids = take_fire_requests(
            self.batteries,
            self.battery_mount,
            f.w_max_range,
            f.w_min_range,
            f.side,
            self.enemy_ground,
            self.observer_ok,
            s.battery_task,
            s.status,
            s.broken,
            s.battery_busy_until,
            s.missions_left,
            s.ammo,
            s.x,
            s.y,
            pic.seen_by,
            pic.known_x,
            pic.known_y,
            pic.known_t,
            pic.known_err,
            pic.known_live,
            m.rep,
            m.firer,
            m.target,
            m.stage,
            self.last_request,
            s.next_mission_id,
            ctx.t1,
        )
        if not len(rows):
            return
        b = self.batteries[picked]
        side = f.side[b]
        observer = pic.seen_by[rows, side, best]
        requested = ctx.t1 + f.liaison_s[f.nation[np.maximum(observer, 0)], f.nation[b]]
        aim_x, aim_y = pic.known_x[rows, side, best], pic.known_y[rows, side, best]
        n = len(rows)
        m.append(
            rep=rows,
            mission_id=ids,
            firer=b,
            mount=self.battery_mount[b],
            target=best,
            observer=observer,
            detected_t=pic.episode_t[rows, side, best],
            requested_t=requested,
            fire_t=requested + self.fire_direction_delay_s[s.battery_task[rows, b]],
            impact_t=np.full(n, np.inf),
            aim_x=aim_x,
            aim_y=aim_y,
            rounds=np.zeros(n),
            stage=np.full(n, STAGE_REQUESTED),
        )
        ctx.emit(
            "FireMissionRequested",
            rows,
            requested,
            value=ids.astype(np.float64),
            side=ctx.sides[side],
            unit=ctx.ids[np.maximum(observer, 0)],
            other=ctx.ids[best],
            detail=ctx.ids[b],
            x_m=aim_x,
            y_m=aim_y,
        )

    def fire_missions(self, ctx: StepContext) -> None:
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        pic = s.picture
        due = np.flatnonzero((m.stage == STAGE_REQUESTED) & (m.fire_t <= ctx.t1) & (f.w_kind[m.mount] == 1))
        if not len(due):
            return
        rows, b, mount, tgt = m.rep[due], m.firer[due], m.mount[due], m.target[due]
        side = f.side[b]
        live = pic.known_live[rows, side, tgt] & (s.status[rows, tgt] == ACTIVE)
        ax, ay = pic.known_x[rows, side, tgt], pic.known_y[rows, side, tgt]
        rng = np.hypot(ax - s.x[rows, b], ay - s.y[rows, b])
        in_range = (rng <= f.w_max_range[mount]) & (rng >= f.w_min_range[mount])
        has_ammo = s.ammo[rows, mount] > 0
        able = (s.status[rows, b] == ACTIVE) & ~s.broken[rows, b]
        reason = np.where(
            ~able,
            "battery-out-of-action",
            np.where(
                ~live,
                "target-lost",
                np.where(~in_range, "out-of-range", np.where(~has_ammo, "no-ammunition", "")),
            ),
        )
        refused = reason != ""
        when = m.fire_t[due]
        if refused.any():
            rr = due[refused]
            m.stage[rr] = STAGE_DONE
            s.battery_busy_until[rows[refused], b[refused]] = when[refused]
            ctx.emit(
                "FireMissionRefused",
                rows[refused],
                when[refused],
                value=m.mission_id[rr].astype(np.float64),
                unit=ctx.ids[b[refused]],
                other=ctx.ids[tgt[refused]],
                detail=reason[refused],
            )
        ok = ~refused
        if not ok.any():
            return
        fired = due[ok]
        r_, b_, mt = rows[ok], b[ok], mount[ok]
        rounds = np.minimum(s.ammo[r_, mt], f.w_count[mt] * f.w_rounds_per_mission[mt])
        s.ammo[r_, mt] -= rounds
        duration = rounds / np.maximum(f.w_count[mt] * f.w_rate_per_s[mt], 1e-9)
        s.battery_busy_until[r_, b_] = when[ok] + duration
        m.rounds[fired] = rounds
        m.aim_x[fired] = ax[ok]
        m.aim_y[fired] = ay[ok]
        m.impact_t[fired] = when[ok] + rng[ok] / f.w_speed[mt]
        m.stage[fired] = STAGE_FIRED
        np.add.at(s.rounds_fired, (r_, side[ok]), rounds)
        np.add.at(s.missions_fired, (r_, side[ok]), 1.0)
        ctx.emit(
            "RoundsFired",
            r_,
            when[ok],
            value=m.mission_id[fired].astype(np.float64),
            unit=ctx.ids[b_],
            count=rounds.astype(np.int64),
            x_m=ax[ok],
            y_m=ay[ok],
        )

    def land_rounds(self, ctx: StepContext) -> None:
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        due = np.flatnonzero((m.stage == STAGE_FIRED) & (m.impact_t <= ctx.t1))
        if not len(due):
            return
        self._impact(ctx, due, weapon="indirect")
        m.stage[due] = STAGE_DONE
        rows, side = m.rep[due], f.side[m.firer[due]]
        np.minimum.at(s.mission_by_side, (rows, side), m.impact_t[due])
        known = np.isfinite(m.detected_t[due])
        np.add.at(s.chain_time_sum, (rows[known], side[known]), (m.impact_t[due] - m.detected_t[due])[known])
        np.add.at(s.chain_count, (rows[known], side[known]), 1.0)

    def _impact(self, ctx: StepContext, ks: IntArray, *, weapon: str) -> FloatArray:
        """Land the rounds of missions ``ks`` (rows of the mission table); returns casualties per mission.

        Each round falls at the aim point plus a circular normal miss drawn from (replication, mission,
        round), so the fall of shot does not depend on the step or the batch.
        """
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        rows, mounts, mids = m.rep[ks], m.mount[ks], m.mission_id[ks]
        rounds = m.rounds[ks].astype(np.int64)
        width = max(int(rounds.max()), 1)
        idx = np.arange(width)
        sd = scatter_sd(f.w_dispersion[mounts])
        reps = ctx.rep(rows)
        nx, ny = ctx.streams.normal(f"fires/{weapon}/impact", reps[:, None], mids[:, None], idx[None, :])
        px = m.aim_x[ks][:, None] + sd[:, None] * nx
        py = m.aim_y[ks][:, None] + sd[:, None] * ny
        # Each active ground element's chance of a hit by any round: round_casualty_fraction of each
        # round, combined by hit_probabilities (the compiled batch path of drillsim.fires.area).
        ground = (s.status[rows] == ACTIVE) & ~f.is_air[None, :]
        exposure = POSTURE_AREA_TABLE[s.posture[rows]] * (1.0 - f.cover[None, :])
        peak, spread = lethal_spread(f.w_lethal_radius[mounts][:, None], f.footprint_m[None, :])
        exponents = burst_exponents(s.x[rows], s.y[rows], px, py, spread, ground, rounds)
        p_any = hit_probabilities(np.exp(exponents), peak, spread, exposure, ground, rounds)
        when = m.impact_t[ks]
        mi, elems = np.nonzero(p_any > 0.0)
        rows_hit = rows[mi]
        # Stochastic: Binomial(n, p_any), given as the hazard -ln(1 - p_any) n; deterministic: n p_any.
        p_hit = np.clip(p_any[mi, elems], 0.0, 1.0 - 1e-12)
        expected = (-np.log1p(-p_hit) if ctx.stochastic else p_hit) * s.strength[rows_hit, elems]
        lost = apply_casualties(
            ctx,
            rows_hit,
            elems,
            expected,
            shooter=m.firer[ks][mi],
            weapon=weapon,
            stream=f"fires/{weapon}/casualties",
            time_s=when[mi],
            key=mids[mi],
        )
        total = np.bincount(mi, weights=lost, minlength=len(ks))
        hit = p_any[mi, elems] > 0.01
        s.suppressed_until[rows_hit[hit], elems[hit]] = np.maximum(
            s.suppressed_until[rows_hit[hit], elems[hit]], when[mi][hit] + AREA_SUPPRESSION_S
        )
        counts = np.rint(total).astype(np.int64)
        ctx.emit(
            "RoundsImpacted",
            rows,
            when,
            value=mids.astype(np.float64),
            unit=ctx.ids[m.firer[ks]],
            other=ctx.ids[m.target[ks]],
            count=counts,
            x_m=m.aim_x[ks],
            y_m=m.aim_y[ks],
        )
        if weapon == "indirect":
            ctx.emit(
                "FireMissionCompleted",
                rows,
                when,
                value=mids.astype(np.float64),
                unit=ctx.ids[m.firer[ks]],
                other=ctx.ids[m.target[ks]],
                count=counts,
            )
        return np.asarray(total, dtype=np.float64)

    # --- air strikes ---------------------------------------------------------------------------------

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
        ((rows, 2) points), only contacts within RETARGET_RADIUS_M of them."""
        s = ctx.state
        pic = s.picture
        live = (
            pic.known_live[rows, side, :] & self.enemy_ground[side][None, :] & (s.status[rows, :] == ACTIVE)
        )
        if near is not None:
            d = np.hypot(pic.known_x[rows, side, :] - near[:, :1], pic.known_y[rows, side, :] - near[:, 1:])
            live &= d <= RETARGET_RADIUS_M
        score = np.where(live, pic.known_err[rows, side, :], np.inf)
        best = np.argmin(score, axis=1)
        return np.where(np.isfinite(score[np.arange(len(rows)), best]), best, -1)

    def _advance_sorties(
        self, ctx: StepContext, rows: IntArray, e: int, side: int, task: CompiledTask, mounts: IntArray
    ) -> None:
        s = ctx.state
        f = ctx.world.forces
        m = s.missions
        pic = s.picture
        t1 = ctx.t1
        phase = s.air_phase[rows, e].copy()
        # The phases some row is in: the transitions out of the others have nothing to do.
        present = np.bincount(phase, minlength=AIR_TURNAROUND + 1) > 0
        elem = np.array([e])

        # Ready with sorties left: take a target and ask for the strike.
        ready = rows[(phase == AIR_READY) & (s.sorties_left[rows, e] > 0)] if present[AIR_READY] else rows[:0]
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
                ax = pic.known_x[ready, side, safe]
                ay = pic.known_y[ready, side, safe]
            ready, tgt, ax, ay = ready[go], tgt[go], ax[go], ay[go]
            if len(ready):
                mount = (
                    mounts[0]
                    if task.weapon is None
                    else next((mm for mm in mounts if f.w_name[mm] == task.weapon), mounts[0])
                )
                ids = s.next_mission_id[ready].copy()
                s.next_mission_id[ready] += 1
                detected = np.where(tgt >= 0, pic.episode_t[ready, side, np.maximum(tgt, 0)], np.inf)
                first = len(m)
                n = len(ready)
                m.append(
                    rep=ready,
                    mission_id=ids,
                    firer=np.full(n, e),
                    mount=np.full(n, mount),
                    target=np.maximum(tgt, 0),
                    observer=np.full(n, -1),
                    detected_t=detected,
                    requested_t=np.full(n, t1),
                    fire_t=np.full(n, np.inf),
                    impact_t=np.full(n, np.inf),
                    aim_x=ax,
                    aim_y=ay,
                    rounds=np.zeros(n),
                    stage=np.full(n, STAGE_REQUESTED),
                )
                s.strike_target[ready, e] = tgt
                s.strike_mission[ready, e] = first + np.arange(n)
                s.air_phase[ready, e] = AIR_WAITING
                s.air_until[ready, e] = t1 + task.tasking_delay_s
                ctx.emit(
                    "StrikeRequested",
                    ready,
                    t1,
                    value=ids.astype(np.float64),
                    side=ctx.sides[side],
                    unit=ctx.ids[e],
                    other=[ctx.ids[t] if t >= 0 else None for t in tgt],
                )

        # Tasking delay over: take off.
        launch = (
            rows[(phase == AIR_WAITING) & (t1 >= s.air_until[rows, e])] if present[AIR_WAITING] else rows[:0]
        )
        if len(launch):
            k = s.strike_mission[launch, e]
            s.air_phase[launch, e] = AIR_OUTBOUND
            s.airborne_since[launch, e] = s.air_until[launch, e]
            s.sorties_flown[launch, side] += 1
            home = ctx.world.scenario.units[f.group_of[e]].home or ""
            ctx.emit(
                "SortieLaunched",
                launch,
                s.air_until[launch, e],
                value=m.mission_id[k].astype(np.float64),
                unit=ctx.ids[e],
                detail=home,
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
            follow = (tgt >= 0) & pic.known_live[out, side, np.maximum(tgt, 0)]
            fo, fk, ft = out[follow], k[follow], tgt[follow]
            m.aim_x[fk] = pic.known_x[fo, side, ft]
            m.aim_y[fk] = pic.known_y[fo, side, ft]
            s.route_x[fo, e, 0] = m.aim_x[fk]
            s.route_y[fo, e, 0] = m.aim_y[fk]
            s.route_len[fo, e] = 1
            s.route_i[fo, e] = 0
            there = np.hypot(s.x[out, e] - m.aim_x[k], s.y[out, e] - m.aim_y[k]) <= STATION_RADIUS_M
            s.air_phase[out[there], e] = AIR_ON_STATION
            s.air_until[out[there], e] = t1 + task.time_on_station_s

        # On station: release on the target if it is still located (or on another located nearby);
        # otherwise wait out the time on station and abort.
        on = rows[phase == AIR_ON_STATION] if present[AIR_ON_STATION] else rows[:0]
        if len(on):
            k = s.strike_mission[on, e]
            tgt = s.strike_target[on, e]
            held = (tgt < 0) | (
                pic.known_live[on, side, np.maximum(tgt, 0)] & (s.status[on, np.maximum(tgt, 0)] == ACTIVE)
            )
            lost = np.flatnonzero(~held)
            if len(lost):
                near = np.stack([m.aim_x[k[lost]], m.aim_y[k[lost]]], axis=1)
                other = self._best_contact(ctx, on[lost], side, near)
                swap = other >= 0
                tgt[lost[swap]] = other[swap]
                s.strike_target[on[lost[swap]], e] = other[swap]
                m.target[k[lost[swap]]] = other[swap]
                held[lost[swap]] = True
            rel = np.flatnonzero(held)
            if len(rel):
                ro, rk, rt = on[rel], k[rel], tgt[rel]
                located = rt >= 0
                m.aim_x[rk[located]] = pic.known_x[ro[located], side, rt[located]]
                m.aim_y[rk[located]] = pic.known_y[ro[located], side, rt[located]]
                mount = m.mount[rk]
                m.rounds[rk] = f.w_count[mount] * f.w_rounds_per_mission[mount]
                m.fire_t[rk] = t1
                m.impact_t[rk] = t1
                ctx.emit(
                    "WeaponsReleased",
                    ro,
                    t1,
                    value=m.mission_id[rk].astype(np.float64),
                    unit=ctx.ids[e],
                    other=[ctx.ids[t] if t >= 0 else None for t in rt],
                    count=m.rounds[rk].astype(np.int64),
                    x_m=m.aim_x[rk],
                    y_m=m.aim_y[rk],
                )
                self._impact(ctx, rk, weapon="air")
                m.stage[rk] = STAGE_DONE
                np.minimum.at(s.strike_by_side, (ro, np.full(len(ro), side)), t1)
                known = np.isfinite(m.detected_t[rk])
                np.add.at(
                    s.chain_time_sum,
                    (ro[known], np.full(int(known.sum()), side)),
                    t1 - m.detected_t[rk][known],
                )
                np.add.at(s.chain_count, (ro[known], np.full(int(known.sum()), side)), 1.0)
            abort = np.flatnonzero(~held & (t1 >= s.air_until[on, e]))
            if len(abort):
                m.stage[k[abort]] = STAGE_DONE
                ctx.emit(
                    "StrikeAborted",
                    on[abort],
                    t1,
                    value=m.mission_id[k[abort]].astype(np.float64),
                    unit=ctx.ids[e],
                    detail="target-lost",
                )
            back = on[np.union1d(rel, abort).astype(np.int64)]
            if len(back):
                s.air_phase[back, e] = AIR_INBOUND
                set_routes(ctx, back, np.repeat(elem, len(back)), np.array([[f.home_x[e], f.home_y[e]]]))

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
            ctx.emit("SortieRecovered", landed, t1, value=m.mission_id[k].astype(np.float64), unit=ctx.ids[e])

        # Turned around: ready for the next sortie.
        if present[AIR_TURNAROUND]:
            again = rows[(phase == AIR_TURNAROUND) & (t1 >= s.air_until[rows, e])]
            s.air_phase[again, e] = AIR_READY


def enforce_endurance(ctx: StepContext) -> None:
    """Send aircraft on non-strike tasks home before their endurance runs out; relaunch them after turnaround.

    Strike sorties are left to :class:`FireSupport` (they have their own return leg).
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
        f.home_x,
        f.home_y,
        speed,
        f.endurance_s,
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
        ctx.emit("SortieRecovered", rows, t1, value=np.zeros(len(rows)), unit=ctx.ids[elems])
    # Turned around: take the task up again.
    rows, elems = _aircraft_in_phase(s.status, s.task, strike, air, s.air_phase, AIR_TURNAROUND)
    if len(rows):
        ready = s.air_until[rows, elems] <= t1
        rows, elems = rows[ready], elems[ready]
    if len(rows):
        tasks = s.task[rows, elems]
        when = s.air_until[rows, elems]
        s.air_phase[rows, elems] = AIR_READY  # begin_task makes it outbound when the task has a route
        for k in np.unique(tasks):
            sel = tasks == k
            begin_task(ctx, plan.tasks[int(k)], rows[sel], elems[sel], when[sel])
        up = s.air_phase[rows, elems] == AIR_OUTBOUND
        ctx.emit("SortieLaunched", rows[up], when[up], value=np.zeros(int(up.sum())), unit=ctx.ids[elems[up]])


@jit  # type: ignore[misc,unused-ignore]
def _aircraft_in_phase(
    status: IntArray, task: IntArray, strike: BoolArray, air: IntArray, air_phase: IntArray, phase: int
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


@jit  # type: ignore[misc,unused-ignore]
def _turning_home(
    status: IntArray,
    task: IntArray,
    strike: BoolArray,
    air: IntArray,
    air_phase: IntArray,
    airborne_since: FloatArray,
    x: FloatArray,
    y: FloatArray,
    home_x: FloatArray,
    home_y: FloatArray,
    speed: FloatArray,
    endurance_s: FloatArray,
    t1: float,
) -> tuple[IntArray, IntArray]:
    """(rows, elems), as :func:`_aircraft_in_phase` gives them, of the outbound aircraft (airborne since a
    finite time) whose time aloft at ``t1`` plus the time to fly home (straight, at ``speed``, by element)
    reaches their endurance."""
    rows, elems = _aircraft_in_phase(status, task, strike, air, air_phase, AIR_OUTBOUND)
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
