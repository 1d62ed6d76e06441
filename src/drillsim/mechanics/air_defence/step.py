"""Air defence in the step: threat rings and altitudes (``fly_clear``, after movement) and ground-to-air
detection and engagement (``engage``, after air strikes). See docs/mechanics/air-defence.md.

``fly_clear``: a side learns of an enemy air-defence weapon when one engages its aircraft (the launch or
the tracer gives the firing point away) or when its shared picture holds the weapon's element as a live,
identified contact. Its aircraft then fly at their ``threat_altitude_m`` (when their type gives one) and,
on tasks other than strikes, keep out of every ring they know that still reaches their height, skipping
route waypoints inside one. Strike aircraft on station fly at ``attack_altitude_m``.

``engage``: each air-defence mount detects hostile aircraft in flight with its element's sensors (the
hazard of :mod:`drillsim.mechanics.sensing.model`, the aircraft's signature, no posture), tracks them
while they stay within its sensors' reach, and engages the nearest tracked aircraft inside its envelope at
its rate; each engagement kills, damages or misses. A lost aircraft is out of action
(``AircraftLost``, ``UnitDestroyed``); a damaged one aborts its sortie, flies home and does not fly again
(``AircraftDamaged``, ``SortieAborted``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.events.types import (
    AircraftDamaged,
    AircraftEngaged,
    AircraftLost,
    SortieAborted,
    UnitDestroyed,
)
from drillsim.mechanics.air_defence.model import (
    DAMAGED,
    KILLED,
    engagement_result,
    learn_threats,
    nearest_in_envelope,
    push_out_of_rings,
    rings_ahead,
    sight_aircraft,
)
from drillsim.mechanics.casualties import declare_missing
from drillsim.mechanics.indirect_fire.step import STAGE_DONE
from drillsim.mechanics.orders.command import set_routes
from drillsim.mechanics.sensing.model import (
    SIGHTING_RANGE_FACTOR,
    detection_probability,
    detection_rate,
    light_factor,
    position_error_sd,
)
from drillsim.mechanics.sensing.passes import Reporting
from drillsim.mechanics.sensing.step import Sightings, record_sightings
from drillsim.mechanics.transport import carrier_guns_manned
from drillsim.state.batch import (
    ACTIVE,
    AIR_INBOUND,
    AIR_ON_STATION,
    AIR_OUTBOUND,
    DESTROYED,
)
from drillsim.state.context import StepContext

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

__all__ = ["AirDefence"]


class AirDefence:
    """Per-simulation constants of air defence: the mounts that can engage aircraft, their elements'
    sensors, the aircraft, and which mount is hostile to which aircraft."""

    def __init__(self, ctx: StepContext) -> None:
        f = ctx.world.forces
        self.aircraft = np.flatnonzero(f.is_air)
        """(K,) aircraft elements in element order."""
        self.mounts = f.air_defence_mounts()
        """(A,) mounts that can engage an enemy aircraft, in mount order (the state's ``aa_*`` axis)."""
        self.elem = f.w_elem[self.mounts]
        self.on_carrier = f.w_on_carrier[self.mounts]
        """(A,) mounts on their element's carriers (silent when the carriers are lost or left uncrewed)."""
        per = [np.flatnonzero(f.s_elem == e) for e in self.elem]
        width = max((len(p) for p in per), default=0) or 1
        self.sensors = np.full((len(self.mounts), width), -1, dtype=np.int64)
        for a, p in enumerate(per):
            self.sensors[a, : len(p)] = p
        self.sighting = np.array([SIGHTING_RANGE_FACTOR[f.signature_class[e]] for e in self.aircraft])
        """(K,) each aircraft's multiplier on the ground sensors' ranges (its signature class)."""
        self.reach = np.array([float(f.s_max_range[p].max()) if len(p) else 0.0 for p in per])
        """(A,) the longest sensor range of each mount's element (before the aircraft's multiplier)."""
        self.observer_factor = 0.5 + 0.5 * f.training[self.elem]
        self.hostile = f.hostile[f.side[self.elem][:, None], f.side[self.aircraft][None, :]]
        """(A, K) mount a may engage aircraft k."""
        strike = [t.kind == "strike" for t in ctx.world.plan.tasks]
        self.strike_task = np.array([*strike, False], dtype=bool)
        """By task index (last entry: no task): strike tasks, whose aircraft press on through rings."""
        self.visibility = float(ctx.world.scenario.environment.visibility_m)
        self.sight_reach = np.minimum(self.reach[:, None] * self.sighting[None, :], self.visibility)
        """(A, K) how far each mount's element can see each aircraft."""
        self.aircraft_side = f.side[self.aircraft]
        self.aircraft_sides = np.unique(self.aircraft_side)
        self.mount_side = f.side[self.elem]
        self.threat_altitude = f.threat_altitude_m[self.aircraft]
        self.reporting = Reporting(f.contact_timeout_s, f.allied, f.comms_latency_s)
        """How what the mounts track reaches their sides' pictures (as for every sensor)."""
        m = self.mounts
        self.envelope = np.stack(
            [f.w_aa_min_range[m], f.w_aa_max_range[m], f.w_aa_min_altitude[m], f.w_aa_max_altitude[m]]
        )
        """(4, A) each mount's minimum and maximum slant range, and minimum and maximum altitude."""

    # -------------------------------------------------------------------------------------------------
    def fly_clear(self, ctx: StepContext) -> None:
        """Learn of threats from the pictures, set every aircraft's height, and keep aircraft on tasks other
        than strikes out of the threat rings their side knows."""
        air = self.aircraft
        if not len(air):
            return
        s = ctx.state
        f = ctx.world.forces
        if len(self.mounts):
            pic = s.picture
            # Each mount where each side believes it now (dead-reckoned; a still mount where it was seen).
            r_n, s_n = pic.known_t.shape[:2]
            bx, by, _ = pic.believed(
                np.arange(r_n)[:, None, None], np.arange(s_n)[None, :, None], self.elem[None, None, :], ctx.t1
            )
            learn_threats(
                pic.known_live,
                pic.identified,
                bx,
                by,
                f.hostile,
                self.elem,
                self.mount_side,
                ctx.t1,
                s.threat_t,
                s.threat_x,
                s.threat_y,
            )
        phase = s.air_phase[:, air]
        on_station = phase == AIR_ON_STATION
        height = np.where(on_station, f.attack_altitude_m[air][None, :], f.altitude_m[air][None, :])
        # Nothing more to do unless an aircraft's side knows a ring.
        if not len(self.mounts) or not np.isfinite(s.threat_t[:, self.aircraft_sides, :]).any():
            s.air_altitude[:, air] = height
            return
        radius = np.empty((*height.shape, len(self.mounts)))
        close = np.empty(height.shape, dtype=bool)
        rings_ahead(
            s.x,
            s.y,
            air,
            self.aircraft_side,
            s.threat_t,
            s.threat_x,
            s.threat_y,
            self.threat_altitude,
            self.envelope,
            height,
            radius,
            close,
        )
        s.air_altitude[:, air] = height
        flying = (phase >= AIR_OUTBOUND) & (phase <= AIR_INBOUND) & (s.status[:, air] == ACTIVE)
        free = ~self.strike_task[s.task[:, air]]
        rows, k = np.nonzero(flying & free & close)
        if not len(rows):
            return
        e = air[k]
        side_k = f.side[e]
        cx, cy = s.threat_x[rows, side_k, :], s.threat_y[rows, side_k, :]
        ring = radius[rows, k, :]
        s.x[rows, e], s.y[rows, e] = push_out_of_rings(s.x[rows, e], s.y[rows, e], cx, cy, ring)
        # A waypoint inside a ring is passed over (the route moves on to the next one, or ends).
        i = np.minimum(s.route_i[rows, e], s.route_x.shape[2] - 1)
        wx, wy = s.route_x[rows, e, i], s.route_y[rows, e, i]
        d = np.hypot(wx[:, None] - cx, wy[:, None] - cy)
        blocked = (d < ring).any(axis=1) & (s.route_i[rows, e] < s.route_len[rows, e])
        if blocked.any():
            br, be = rows[blocked], e[blocked]
            nxt = s.route_i[br, be] + 1
            wrap = s.route_loop[br, be] & (nxt >= s.route_len[br, be])
            s.route_i[br, be] = np.where(wrap, 0, nxt)

    # -------------------------------------------------------------------------------------------------
    def engage(self, ctx: StepContext) -> None:
        """Detection, tracking and engagement of aircraft by every air-defence mount, and their effects."""
        if not len(self.mounts) or not len(self.aircraft):
            return
        s = ctx.state
        f = ctx.world.forces
        air = self.aircraft
        m = self.mounts
        phase = s.air_phase[:, air]
        flying = (phase >= AIR_OUTBOUND) & (phase <= AIR_INBOUND) & (s.status[:, air] == ACTIVE)
        ready = s.status[:, self.elem] == ACTIVE
        if self.on_carrier.any():  # guns on carriers: only while they are ridden or crewed
            manned = carrier_guns_manned(ctx)[:, self.elem]
            ready &= manned | ~self.on_carrier[None, :]
        pair_ok = flying[:, None, :] & ready[:, :, None] & self.hostile[None, :, :]
        if not pair_ok.any():
            s.aa_tracking[...] = False
            return
        slant = np.empty(s.aa_tracking.shape)
        new = np.empty(s.aa_tracking.shape, dtype=bool)
        sight_aircraft(
            s.x,
            s.y,
            s.air_altitude,
            air,
            self.elem,
            flying,
            ready,
            self.hostile,
            self.sight_reach,
            s.aa_tracking,
            slant,
            new,
        )
        self._track(ctx, new, slant)
        self._report_tracks(ctx, slant)
        loaded = s.ammo[:, m] >= f.w_aa_rounds[m][None, :] - 1e-9
        best = np.empty(loaded.shape, dtype=np.int64)
        nearest_in_envelope(
            slant,
            s.air_altitude,
            air,
            s.aa_tracking,
            loaded,
            self.envelope,
            best,
        )
        rows, a = np.nonzero(best >= 0)
        if not len(rows):
            return
        k = best[rows, a]
        p = detection_probability(f.w_aa_rate_per_s[m[a]], ctx.dt)
        fire = ctx.uniform("air_defence/engage", rows, ctx.weapon_key(m[a])) < p
        rows, a, k = rows[fire], a[fire], k[fire]
        if not len(rows):
            return
        s.ammo[rows, m[a]] -= f.w_aa_rounds[m[a]]
        result = engagement_result(
            ctx.uniform("air_defence/result", rows, ctx.weapon_key(m[a])),
            p_kill=f.w_aa_p_kill[m[a]],
            p_damage=f.w_aa_p_damage[m[a]],
        )
        ctx.emit(
            AircraftEngaged,
            rows,
            ctx.t1,
            unit=ctx.ids[self.elem[a]],
            aircraft=ctx.ids[air[k]],
            weapon=np.asarray(f.w_name, dtype=object)[m[a]],
            range_m=slant[rows, a, k],
        )
        # The firing point gives itself away to the aircraft's side.
        side_k = f.side[air[k]]
        s.threat_t[rows, side_k, a] = np.minimum(s.threat_t[rows, side_k, a], ctx.t1)
        s.threat_x[rows, side_k, a] = s.x[rows, self.elem[a]]
        s.threat_y[rows, side_k, a] = s.y[rows, self.elem[a]]
        # Engagements of one step are simultaneous: an aircraft hit by several is lost if any kills it,
        # else damaged if any damages it; the first such mount (in mount order) is named the shooter.
        worst = np.zeros(s.aa_tracking.shape[::2], dtype=np.int64)  # (R, K)
        np.maximum.at(worst, (rows, k), result)
        shooter = np.full(worst.shape, -1, dtype=np.int64)
        for i in range(len(rows) - 1, -1, -1):  # last assignment wins: the first engagement in order
            if result[i] == worst[rows[i], k[i]]:
                shooter[rows[i], k[i]] = self.elem[a[i]]
        lr, lk = np.nonzero(worst == KILLED)
        self._lose(ctx, lr, air[lk], shooter[lr, lk])
        dr, dk = np.nonzero(worst == DAMAGED)
        fresh = ~s.air_damaged[dr, air[dk]]
        self._damage(ctx, dr[fresh], air[dk[fresh]], shooter[dr[fresh], dk[fresh]])

    def _track(self, ctx: StepContext, new: BoolArray, slant: FloatArray) -> None:
        """Start tracking the (row, mount, aircraft) pairs in ``new`` that detect in this step."""
        rows, a, k = np.nonzero(new)
        if not len(rows):
            return
        s = ctx.state
        f = ctx.world.forces
        level = int(ctx.world.light_by_hour[min(int(ctx.t0 // 3600), len(ctx.world.light_by_hour) - 1)])
        sm = self.sensors[a]
        valid = sm >= 0
        smi = np.maximum(sm, 0)
        rate = np.where(
            valid, f.s_rate[smi] * f.s_count[smi] * light_factor(level, f.s_night_factor[smi]), 0.0
        )
        factor = self.sighting[k][:, None]
        hazard = detection_rate(
            slant[rows, a, k][:, None],
            rate_per_s=rate,
            range_scale_m=f.s_range_scale[smi] * factor,
            max_range_m=f.s_max_range[smi] * factor,
        ).sum(axis=1)
        hazard *= f.signature[self.aircraft[k]] * self.observer_factor[a]
        got = ctx.uniform(
            "air_defence/track", rows, ctx.weapon_key(self.mounts[a]), ctx.key(self.aircraft[k])
        ) < detection_probability(hazard, ctx.dt)
        s.aa_tracking[rows[got], a[got], k[got]] = True

    def _report_tracks(self, ctx: StepContext, slant: FloatArray) -> None:
        """Every aircraft a mount tracks is in its side's picture: seen this step, at its position with the
        error of the mount's element's first sensor at the slant range (range scale stretched by the
        aircraft's sighting factor), one sighting per (row, side, aircraft), the first mount's."""
        s = ctx.state
        f = ctx.world.forces
        rows, a, k = np.nonzero(s.aa_tracking)
        if not len(rows):
            return
        side = self.mount_side[a]
        key = (rows * len(f.side_names) + side) * len(self.aircraft) + k
        _, first = np.unique(key, return_index=True)
        rows, a, k, side = rows[first], a[first], k[first], side[first]
        sensor = np.maximum(self.sensors[a, 0], 0)
        sd = position_error_sd(
            slant[rows, a, k], f.s_position_error[sensor], f.s_range_scale[sensor] * self.sighting[k]
        )
        record_sightings(
            ctx,
            self.reporting,
            Sightings(rows, side, self.elem[a], self.aircraft[k], sd, f.s_identifies[sensor], sensor),
        )

    def _lose(self, ctx: StepContext, rows: IntArray, elems: IntArray, shooter: IntArray) -> None:
        """Aircraft brought down: out of action, crew lost, any strike mission ended."""
        if not len(rows):
            return
        s = ctx.state
        f = ctx.world.forces
        t1 = ctx.t1
        side = f.side[elems]
        np.add.at(s.casualties_by_side, (rows, f.side[shooter], side), s.strength[rows, elems])
        # The crew's fate (killed, captured, rescued) is not modelled: they are missing.
        declare_missing(
            ctx, rows, elems, fighting=s.strength[rows, elems].copy(), reason="shot-down", time_s=t1
        )
        self._end_missions(ctx, rows, elems)
        s.status[rows, elems] = DESTROYED
        s.strength[rows, elems] = 0.0
        s.destroyed_at[rows, elems] = t1
        s.route_len[rows, elems] = 0
        s.airborne_since[rows, elems] = np.inf
        np.add.at(s.aircraft_lost, (rows, side), 1.0)
        ctx.emit(
            AircraftLost,
            rows,
            t1,
            aircraft=ctx.ids[elems],
            shooter=ctx.ids[shooter],
            x_m=s.x[rows, elems],
            y_m=s.y[rows, elems],
        )
        ctx.emit(UnitDestroyed, rows, t1, unit=ctx.ids[elems])

    def _damage(self, ctx: StepContext, rows: IntArray, elems: IntArray, shooter: IntArray) -> None:
        """Aircraft damaged: the sortie is aborted (unless already homeward) and the aircraft flies home."""
        if not len(rows):
            return
        s = ctx.state
        f = ctx.world.forces
        t1 = ctx.t1
        s.air_damaged[rows, elems] = True
        ctx.emit(AircraftDamaged, rows, t1, aircraft=ctx.ids[elems], shooter=ctx.ids[shooter])
        out = s.air_phase[rows, elems] != AIR_INBOUND
        rows, elems = rows[out], elems[out]
        if not len(rows):
            return
        mission = self._end_missions(ctx, rows, elems)
        s.air_phase[rows, elems] = AIR_INBOUND
        s.speed_factor[rows, elems] = 1.0
        s.route_loop[rows, elems] = False
        set_routes(ctx, rows, elems, np.stack([f.home_x[elems], f.home_y[elems]], axis=1)[:, None, :])
        np.add.at(s.sorties_aborted, (rows, f.side[elems]), 1.0)
        ctx.emit(SortieAborted, rows, t1, mission=mission, aircraft=ctx.ids[elems], reason="damaged")

    def _end_missions(self, ctx: StepContext, rows: IntArray, elems: IntArray) -> FloatArray:
        """End the strike missions the aircraft are flying (outbound or on station); returns each one's
        mission id (0 where it flies no strike mission)."""
        s = ctx.state
        mis = s.missions
        k = s.strike_mission[rows, elems]
        phase = s.air_phase[rows, elems]
        flying_strike = (
            self.strike_task[s.task[rows, elems]]
            & (k >= 0)
            & (phase >= AIR_OUTBOUND)
            & (phase <= AIR_ON_STATION)
        )
        ids = np.zeros(len(rows))
        kk = k[flying_strike]
        live = mis.stage[kk] != STAGE_DONE
        mis.stage[kk[live]] = STAGE_DONE
        ids[flying_strike] = mis.mission_id[kk].astype(np.float64)
        return ids
