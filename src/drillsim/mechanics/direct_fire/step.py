"""Direct fire: each able shooter engages the nearest enemy its side currently sees, within reach.

Targets are chosen from the side's ``seen`` layer (believed positions), never ground truth; the effect
is computed at the true range with :func:`drillsim.mechanics.direct_fire.model.casualty_rate` and summed
over every shooter of a target, then drawn once per target as a binomial (deterministic mode: the expected
value). See docs/mechanics/direct-fire.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drillsim.core.compiled import jit, plain, run_per_row
from drillsim.core.random import binomial_inverse
from drillsim.events.types import AmmunitionExhausted, CarrierLost, Fratricide, UnitDismounted, UnitHit
from drillsim.mechanics.casualties import KILLED_FRACTION, split_hits
from drillsim.mechanics.direct_fire.frontage import element_frontages, engaged_on_frontage
from drillsim.mechanics.direct_fire.model import (
    AMBUSH_SURPRISE_FACTOR,
    BURST_DUTY,
    LOCATED_S,
    POSTURE_AREA_TABLE,
    POSTURE_HEIGHT_TABLE,
    POSTURE_IN_POSITION,
    SUPPRESSING_TASKS,
    Engagements,
    FireTable,
    carrier_kill_rates,
    carriers_destroyed_probability,
    engagement_rates,
)
from drillsim.mechanics.direct_fire.targets import Picks, Shooters, nearest_seen_targets
from drillsim.mechanics.transport import (
    carrier_guns_manned,
    carrier_load,
    carrier_positions,
    lose_carrier_guns,
    mounted_exposure,
    park,
    parked_away,
    vehicle_position_exposure,
)
from drillsim.state.batch import ACTIVE, BatchState, ContactLayer
from drillsim.state.context import StepContext
from drillsim.world.forces import POSTURE_INDEX

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

SUPPRESSION_S = 60.0
"""How long one suppressing engagement keeps a target suppressed."""
CARRIER_FRONTAGE_M = 1e-3
"""Front the guns on one element's carriers take on the contact line (frontage.py): next to none (their
people's frontage counts the element), but more than 0 so that a line of carriers alone has room."""
BELIEF_MARGIN_M = 300.0
"""Candidate targets are looked for this far beyond reach, since believed positions are off."""


def elements_and_carriers(s: BatchState) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(R, 2N) positions, strengths and suppression of the elements, then of their carriers (where they
    stand, the carriers left, and their people's suppression while they ride them; parked carriers are
    not suppressed)."""
    cx, cy = carrier_positions(s)
    riding = np.where(s.mounted, s.suppressed_until, -np.inf)
    return (
        np.concatenate((s.x, cx), axis=1),
        np.concatenate((s.y, cy), axis=1),
        np.concatenate((s.strength, s.carriers_left), axis=1),
        np.concatenate((s.suppressed_until, riding), axis=1),
    )


class DirectFire:
    """Per-simulation constants for direct fire."""

    def __init__(self, ctx: StepContext) -> None:
        f = ctx.world.forces
        c = ctx.world.carriers
        n = f.n
        direct = f.w_kind == 0
        self.mounts = np.flatnonzero(direct)
        # Shooter n + e is element e's carriers (their guns, fired from where they stand): transport.md.
        self.on_carrier = f.w_on_carrier[self.mounts] & (c is not None)
        self.reach = np.zeros(2 * n)
        shooter_of = f.w_elem[self.mounts] + np.where(self.on_carrier, n, 0)
        if len(self.mounts):
            np.maximum.at(self.reach, shooter_of, f.w_max_range[self.mounts])
        ground = np.concatenate((~f.is_air, ~f.is_air))
        self.shooters = np.flatnonzero((self.reach[:n] > 0) & ground[:n])
        self.carrier_shooters = n + np.flatnonzero((self.reach[n:] > 0) & ground[n:])
        """Elements with guns on their carriers, as shooters ``n + e``."""
        self.targets = np.flatnonzero(~f.is_air)
        self.hostile = np.ascontiguousarray(f.hostile)
        self.suppressing = np.zeros(len(ctx.world.plan.tasks) + 1, dtype=bool)
        """Per task index, whether its units suppress believed positions; the last entry (task -1) False."""
        self.suppressing[[t.index for t in ctx.world.plan.tasks if t.kind in SUPPRESSING_TASKS]] = True
        frontage = element_frontages(ctx.world.scenario, f.unit_type, f.type_names)
        # Carriers' guns take (next to) no stretch of front of their own: they fire where the line has room.
        self.frontage = np.concatenate((frontage, np.full(n, CARRIER_FRONTAGE_M)))
        counts = np.bincount(shooter_of, minlength=2 * n) if len(self.mounts) else np.zeros(2 * n, int)
        k = max(int(counts.max()) if len(counts) else 0, 1)
        self.table = np.full((2 * n, k), -1, dtype=np.int64)
        """Each shooter's direct-fire mounts (-1 padded): rows ``0..n-1`` the elements' own weapons, rows
        ``n..2n-1`` the guns on their carriers."""
        fill = np.zeros(2 * n, dtype=np.int64)
        for m, e in zip(self.mounts, shooter_of, strict=True):
            self.table[e, fill[e]] = m
            fill[e] += 1
        vehicles0 = c.vehicles0 if c is not None else np.zeros(n)
        self.fire_table = FireTable(
            np.concatenate((f.strength0, vehicles0)),  # a carrier's guns fight while it is left
            np.concatenate((f.training, f.training)),
            f.cover,
            POSTURE_AREA_TABLE,
            self.table,
            f.w_count,
            f.w_rate_per_s,
            f.w_band_range,
            f.w_band_pkill,
            f.w_band_psupp,
            f.w_sustained_per_s,
            f.w_rapid_per_s,
            f.w_ammo0,
            POSTURE_HEIGHT_TABLE,
            f.w_aim_error_mil,
            f.w_fragments,
            f.w_covered_only,
            POSTURE_IN_POSITION,
        )
        """What the compiled engagement pass reads of the forces, built once."""
        side = np.concatenate((f.side, f.side))
        self.shooter_table = Shooters(self.shooters, self.targets, self.reach, side, self.hostile)
        """What the compiled target choice reads, built once."""
        self.carrier_table = Shooters(self.carrier_shooters, self.targets, self.reach, side, self.hostile)
        self.side = side
        self.armour = c.armour if c is not None else np.zeros(n, dtype=np.int64)
        self.vehicle_kill = bool(c is not None and c.any and (f.w_vehicle_p_kill[self.mounts] > 0).any())
        """Whether any direct-fire weapon can destroy a carrier and any element has carriers."""
        self.parked_table: Shooters | None = None
        """The shooters (elements, and carriers' guns as ``n + e``) with a weapon that can destroy a vehicle,
        and the parked carriers (``n + e``: element ``e``'s) they may engage; None when none can."""
        if self.vehicle_kill and c is not None:
            kills = np.zeros(2 * n, dtype=bool)
            np.logical_or.at(kills, shooter_of, (f.w_vehicle_p_kill[self.mounts] > 0).any(axis=1))
            every = np.concatenate((self.shooters, self.carrier_shooters))
            self.parked_table = Shooters(
                every[kills[every]], n + np.flatnonzero(c.has & ~f.is_air), self.reach, side, self.hostile
            )

    def shooter_state(self, ctx: StepContext) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """(R, 2N) positions, strengths and suppression of the shooters: the elements, then their carriers
        (their position, the carriers left, and their people's suppression while they ride them; parked
        carriers are not suppressed). Only the elements' own (R, N) when no carrier has guns."""
        s = ctx.state
        if not len(self.carrier_shooters):
            return s.x, s.y, s.strength, s.suppressed_until
        return elements_and_carriers(s)

    def discipline(
        self,
        ctx: StepContext,
        rows: IntArray,
        i: IntArray,
        j: IntArray,
        true_d: FloatArray,
        *,
        parked: bool = False,
    ) -> tuple[IntArray, IntArray, IntArray, FloatArray, BoolArray, FloatArray, FloatArray]:
        """Fire discipline: keep the engagements of shooters that see their target (seen within
        ``LOCATED_S``: aimed fire) or deliberately suppress a believed position (their task is one of
        ``SUPPRESSING_TASKS``), with whether each is aimed and its effect and round multipliers for
        bursts and lulls: a shooter fires in a step with probability ``BURST_DUTY`` (then at
        ``1 / BURST_DUTY`` of the average effect, so the mean effect is unchanged); deterministic mode:
        every step, the effect unchanged and ``BURST_DUTY`` of the rounds. With ``parked`` the targets are
        parked carriers (``n + e``), seen in the picture's carrier layer, and only aimed fire is kept."""
        s = ctx.state
        f = ctx.world.forces
        n = f.n
        elem = np.where(i >= n, i - n, i)  # a carrier's guns follow the discipline of its element
        if parked:
            keep = s.picture.carrier_t[rows, f.side[elem], j - n] >= ctx.t1 - LOCATED_S
            located = keep
        else:
            located = s.picture.seen_t[rows, f.side[elem], j] >= ctx.t1 - LOCATED_S
            keep = located | self.suppressing[s.task[rows, elem]]
        rows, i, j, true_d, located = rows[keep], i[keep], j[keep], true_d[keep], located[keep]
        elem = elem[keep]
        if ctx.stochastic:
            u = ctx.uniform("fires/discipline", rows, ctx.key(elem))
            if (i >= n).any():  # bursts of the carriers' guns drawn apart from their element's
                carrier = np.flatnonzero(i >= n)
                u[carrier] = ctx.uniform("fires/discipline/carrier", rows[carrier], ctx.key(elem[carrier]))
            on = (u < BURST_DUTY).astype(np.float64)
            return rows, i, j, true_d, located, on / BURST_DUTY, on
        ones = np.ones(len(rows))
        return rows, i, j, true_d, located, ones, ones * BURST_DUTY

    def fire(self, ctx: StepContext) -> None:
        """Each able shooter engages the nearest enemy element its side sees; one that sees none and can
        destroy vehicles engages the nearest parked carriers its side sees (:meth:`fire_at_parked`)."""
        if not len(self.shooters) and not len(self.carrier_shooters):
            return
        s = ctx.state
        f = ctx.world.forces
        able = (s.status == ACTIVE) & ~s.broken & (ctx.t0 >= f.readiness_s[None, :]) & ~s.hold_fire
        manned = able & carrier_guns_manned(ctx) if len(self.carrier_shooters) else able
        busy = self.fire_at_elements(ctx, able, manned)
        if self.parked_table is not None:
            self.fire_at_parked(ctx, able, manned, busy)

    def fire_at_elements(self, ctx: StepContext, able: BoolArray, manned: BoolArray) -> BoolArray:
        """Fire at the enemy elements seen (the people, and carriers with them); returns (R, 2N) which
        shooters took a target (whether or not their fire was then kept)."""
        s = ctx.state
        f = ctx.world.forces
        n = f.n
        busy = np.zeros((s.r, 2 * n), dtype=bool)
        x, y, strength, suppressed_until = self.shooter_state(ctx)
        # Each shooter takes the enemy its side sees nearest to its believed position.
        rows, i, j, true_d = self.pick(ctx, self.shooter_table, len(self.shooters), able, x, y)
        if len(self.carrier_shooters):
            # The guns on carriers fire from where the carriers stand, while ridden or crewed.
            on = np.concatenate((np.zeros_like(able), manned), axis=1)
            picks = self.pick(ctx, self.carrier_table, len(self.carrier_shooters), on, x, y)
            order = np.argsort(np.concatenate((rows, picks[0])), kind="stable")  # by row, as group_by_target
            rows, i = np.concatenate((rows, picks[0]))[order], np.concatenate((i, picks[1]))[order]
            j, true_d = np.concatenate((j, picks[2]))[order], np.concatenate((true_d, picks[3]))[order]
        busy[rows, i] = True
        # Only the shooters that fit on their side's contact line fire (frontage.py).
        keep = engaged_on_frontage(rows, i, j, true_d, x, y, self.side, self.frontage)
        rows, i, j, true_d = rows[keep], i[keep], j[keep], true_d[keep]
        if not len(rows):
            return busy
        rows, i, j, true_d, located, effect_scale, round_scale = self.discipline(ctx, rows, i, j, true_d)
        if not len(rows):
            return busy
        engagements = Engagements(rows, i, j, true_d, located, effect_scale, round_scale)
        with_carriers = carriers_with_troops(ctx, rows, j)
        if self.vehicle_kill:
            # Reads the ammunition before this step's rounds.
            self.destroy_carriers(ctx, engagements, (x, y, strength, suppressed_until), with_carriers)
        lam, supp_rate, exhausted, lam_fragments = engagement_rates(
            plain(engagements),
            plain(self.fire_table),
            strength,
            suppressed_until,
            s.posture,
            s.ammo,
            ctx.t0,
            ctx.dt,
            with_carriers,
        )
        fragment_share = np.divide(lam_fragments, lam, out=np.zeros_like(lam), where=lam > 0)
        shooter = np.where(i >= n, i - n, i)  # the element whose weapons (or carriers' guns) fired
        lam = mounted_exposure(ctx, rows, j, lam)  # people in soft carriers, or behind armour
        surprise = s.surprise_until[rows, shooter] > ctx.t0  # an ambush's first volley
        if surprise.any():
            lam = np.where(surprise, lam * AMBUSH_SURPRISE_FACTOR, lam)
        self.report_exhausted(ctx, rows, i, exhausted)
        # Sum effects per target and draw once per target.
        tr, tj, inverse = group_by_target(rows, j, f.n)
        total = np.bincount(inverse, weights=lam, minlength=len(tr))
        supp_total = np.bincount(inverse, weights=supp_rate, minlength=len(tr))
        main = group_argmax(inverse, lam, len(tr))
        # Each person hit was hit by bullets or by a warhead's fragments in proportion to their effects:
        # the killed share is the mixture of the two kinds' (docs/mechanics/casualties.md).
        by_fragments = np.bincount(inverse, weights=lam * fragment_share, minlength=len(tr))
        share = np.divide(by_fragments, total, out=np.zeros_like(total), where=total > 0)
        killed = (1.0 - share) * KILLED_FRACTION["direct"] + share * KILLED_FRACTION["indirect"]
        apply_casualties(
            ctx,
            tr,
            tj,
            np.asarray(total * ctx.dt, dtype=np.float64),
            shooter=shooter[main],
            weapon="direct",
            stream="fires/direct",
            killed_fraction=killed if (share > 0).any() else None,
        )
        p_supp = -np.expm1(-supp_total * ctx.dt)
        hit = ctx.uniform("fires/suppression", tr, ctx.key(tj)) < p_supp
        s.suppressed_until[tr[hit], tj[hit]] = np.maximum(
            s.suppressed_until[tr[hit], tj[hit]], ctx.t1 + SUPPRESSION_S
        )
        return busy

    def report_exhausted(self, ctx: StepContext, rows: IntArray, i: IntArray, exhausted: BoolArray) -> None:
        """``AmmunitionExhausted`` for the mounts (engagements x mount slots of shooters ``i``) that fired
        their last round."""
        if not exhausted.any():
            return
        f = ctx.world.forces
        pair, slot = np.nonzero(exhausted)
        mount = self.table[i[pair], slot]
        shooter = np.where(i[pair] >= f.n, i[pair] - f.n, i[pair])
        ctx.emit(
            AmmunitionExhausted,
            rows[pair],
            ctx.t1,
            unit=ctx.ids[shooter],
            weapon=np.asarray(f.w_name, dtype=object)[mount],
        )

    def fire_at_parked(self, ctx: StepContext, able: BoolArray, manned: BoolArray, busy: BoolArray) -> None:
        """Shooters with a weapon that can destroy a vehicle and no enemy element in their sights engage
        the nearest carriers parked away from their people (:func:`parked_away`) that their side sees (the
        picture's carrier layer; aimed fire only, at the carriers' true position), as
        :meth:`destroy_carriers` does for carriers beside their people: at the carriers' class, the crew
        on board hit (:func:`lose_carriers`). Their weapons spend rounds as at any target."""
        table = self.parked_table
        assert table is not None
        s = ctx.state
        f = ctx.world.forces
        n = f.n
        pic = s.picture
        if not (pic.carrier_t >= ctx.t1 - f.contact_timeout_s.max()).any():
            return
        away = parked_away(ctx) & (s.status == ACTIVE)
        if not away.any():
            return
        x, y, strength, suppressed_until = elements_and_carriers(s)
        free = np.concatenate((able, manned), axis=1) & ~busy
        layer = ContactLayer(
            *(
                np.concatenate((np.full_like(a, fill), a), axis=2)
                for a, fill in zip(pic.carrier_layer(), (-np.inf, np.nan, np.nan, np.nan), strict=True)
            )
        )
        args = (
            x,
            y,
            plain(table),
            BELIEF_MARGIN_M,
            free,
            np.concatenate((np.zeros_like(away), away), axis=1),
            plain(layer),
            f.contact_timeout_s,
            ctx.t1,
        )
        (rows, i, j, true_d), _ = run_per_row(
            nearest_seen_targets, args, (np.int64, np.int64, np.float64), s.r, len(table.shooters), Picks
        )
        if not len(rows):
            return
        rows, i, j, true_d, located, effect_scale, round_scale = self.discipline(
            ctx, rows, i, j, true_d, parked=True
        )
        if not len(rows):
            return
        e = Engagements(rows, i, j - n, true_d, located, effect_scale, round_scale)
        rate = carrier_kill_rates(
            plain(e),
            plain(self.fire_table),
            f.w_vehicle_p_kill,
            self.armour,
            strength,
            suppressed_until,
            s.ammo,
            ctx.t0,
        )
        # The rounds (the people's casualty rates are not wanted: the fire is at the vehicles).
        _, _, exhausted, _ = engagement_rates(
            plain(e),
            plain(self.fire_table),
            strength,
            suppressed_until,
            s.posture,
            s.ammo,
            ctx.t0,
            ctx.dt,
            np.ones(len(rows), dtype=bool),
        )
        self.report_exhausted(ctx, rows, i, exhausted)
        self.carriers_hit(ctx, e, rate)

    def pick(
        self, ctx: StepContext, table: Shooters, capacity: int, able: BoolArray, x: FloatArray, y: FloatArray
    ) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
        """(row, shooter, target, true distance) of the shooters of ``table`` that are ``able``, at the
        shooter positions ``x``, ``y`` (whose first N columns are the elements'), by row."""
        s = ctx.state
        f = ctx.world.forces
        args = (
            x,
            y,
            plain(table),
            BELIEF_MARGIN_M,
            able,
            s.status == ACTIVE,
            plain(s.picture.seen_layer()),
            f.contact_timeout_s,
            ctx.t1,
        )
        # At most one target per shooter, so room for every shooter is always enough.
        (rows, i, j, true_d), _ = run_per_row(
            nearest_seen_targets, args, (np.int64, np.int64, np.float64), s.r, capacity, Picks
        )
        return rows, i, j, true_d

    def destroy_carriers(
        self,
        ctx: StepContext,
        engagements: Engagements,
        shooters: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
        with_carriers: BoolArray,
    ) -> None:
        """Carriers of targets destroyed by the weapons that can (:func:`carrier_kill_rates`), whether the
        target rides them or has left them parked with it (``with_carriers``, :func:`carriers_with_troops`;
        carriers parked farther off are not in the fire aimed at its people), at the range to the carriers:
        the rates of every shooter of a target are summed, and one of its carriers is destroyed with
        probability ``1 - exp(-rate dt)`` (stream ``fires/vehicles``); riders (or a parked carrier's crew)
        are hit and a mounted unit dismounts (:func:`lose_carriers`). ``shooters``: positions, strengths
        and suppression of the shooters (:meth:`shooter_state`)."""
        s = ctx.state
        f = ctx.world.forces
        rows, j = engagements.rows, engagements.target
        cx, cy = carrier_positions(s)
        tx, ty = cx[rows, j], cy[rows, j]
        if not with_carriers.any():
            return
        k = np.flatnonzero(with_carriers)
        e = engagements
        x, y, strength, suppressed_until = shooters
        sr, si = e.rows[k], e.shooter[k]
        sub = Engagements(
            sr,
            si,
            e.target[k],
            np.hypot(tx[k] - x[sr, si], ty[k] - y[sr, si]),
            e.located[k],
            e.effect_scale[k],
            e.round_scale[k],
        )
        rate = carrier_kill_rates(
            plain(sub),
            plain(self.fire_table),
            f.w_vehicle_p_kill,
            self.armour,
            strength,
            suppressed_until,
            s.ammo,
            ctx.t0,
        )
        self.carriers_hit(ctx, sub, rate)

    def carriers_hit(self, ctx: StepContext, sub: Engagements, rate: FloatArray) -> None:
        """The rates at which engagements ``sub`` (targets: the elements whose carriers are fired at)
        destroy a carrier are summed per target, and one of its carriers is destroyed with probability
        ``1 - exp(-rate dt)`` (stream ``fires/vehicles``), by the shooter of the largest rate
        (:func:`lose_carriers`)."""
        f = ctx.world.forces
        if not (rate > 0).any():
            return
        tr, tj, inverse = group_by_target(sub.rows, sub.target, f.n)
        # Carriers dug in beside their people show less of themselves (docs: vehicle fighting positions).
        total = (
            np.bincount(inverse, weights=rate, minlength=len(tr)).astype(np.float64)
            * (vehicle_position_exposure(ctx, tr, area=False)[np.arange(len(tr)), tj])
        )
        p = carriers_destroyed_probability(total, ctx.dt)
        # Stochastic: one carrier with probability p; deterministic mode: p of one carrier (its expectation).
        lost = (
            (ctx.uniform("fires/vehicles", tr, ctx.key(tj)) < p).astype(np.float64) if ctx.stochastic else p
        )
        hit = lost > 0
        if not hit.any():
            return
        main = group_argmax(inverse, rate, len(tr))[hit]
        shooter = sub.shooter[main]
        # The cause: the shooter's weapon that can destroy this class of vehicle with the most effect.
        slots = self.table[shooter]
        shooter = np.where(shooter >= f.n, shooter - f.n, shooter)
        pk = np.where(slots >= 0, f.w_vehicle_p_kill[slots, self.armour[tj[hit]][:, None]], 0.0)
        weapon = np.asarray(f.w_name, dtype=object)[slots[np.arange(len(slots)), pk.argmax(axis=1)]]
        lose_carriers(
            ctx,
            tr[hit],
            tj[hit],
            lost[hit],
            shooter=shooter,
            cause=weapon,
            kind="direct",
            stream="fires/vehicles/riders",
        )


def carriers_with_troops(ctx: StepContext, rows: IntArray, elems: IntArray) -> BoolArray:
    """Whether each element (rows, elems) has carriers left with its people: ridden, or parked within its
    footprint (carriers parked farther off are a target of their own)."""
    s = ctx.state
    if ctx.world.carriers is None or not ctx.world.carriers.any:
        return np.zeros(len(rows), dtype=bool)
    cx, cy = carrier_positions(s)
    near = np.hypot(cx[rows, elems] - s.x[rows, elems], cy[rows, elems] - s.y[rows, elems])
    return np.asarray((s.carriers_left[rows, elems] > 0) & (near <= ctx.world.forces.footprint_m[elems]))


@jit
def group_by_target(rows: IntArray, target: IntArray, n: int) -> tuple[IntArray, IntArray, IntArray]:
    """The distinct (row, target) pairs, by row then target, and each pair's index among them: what
    ``np.unique(rows * n + target, return_inverse=True)`` gives, for ``rows`` in increasing order (as
    :func:`drillsim.mechanics.sensing.passes.run_per_row` returns them) and targets below ``n``."""
    n_pairs = rows.shape[0]
    out_r = np.empty(n_pairs, dtype=np.int64)
    out_t = np.empty(n_pairs, dtype=np.int64)
    inverse = np.empty(n_pairs, dtype=np.int64)
    group = np.full(n, -1, dtype=np.int64)  # in the current row: each target's group (-2: engaged)
    g = 0
    e0 = 0
    while e0 < n_pairs:
        e1 = e0
        lo = n
        hi = -1
        while e1 < n_pairs and rows[e1] == rows[e0]:
            group[target[e1]] = -2
            lo = min(lo, target[e1])
            hi = max(hi, target[e1])
            e1 += 1
        for t in range(lo, hi + 1):
            if group[t] == -2:
                group[t] = g
                out_r[g] = rows[e0]
                out_t[g] = t
                g += 1
        for e in range(e0, e1):
            inverse[e] = group[target[e]]
        for e in range(e0, e1):
            group[target[e]] = -1
        e0 = e1
    return out_r[:g], out_t[:g], inverse


def apply_casualties(
    ctx: StepContext,
    rows: IntArray,
    elems: IntArray,
    expected: FloatArray,
    *,
    shooter: IntArray,
    weapon: str,
    stream: str,
    time_s: FloatArray | float | None = None,
    key: IntArray | None = None,
    killed_fraction: FloatArray | None = None,
) -> FloatArray:
    """Inflict casualties with the given expected numbers (binomial, or exact in deterministic mode) and
    split them into killed and wounded (:func:`drillsim.mechanics.casualties.split_hits`; the killed share
    is ``weapon``'s unless ``killed_fraction`` gives one per entry).

    With mission ``key`` s the same element may appear more than once (two missions landing in one
    step; without keys the pairs must be distinct): its entries are
    applied one after the other, each drawn from the people still standing, so an element never loses
    more people than it has and the ``UnitHit`` events of one element never add up to more than its
    strength. Returns the casualties per (row, element); records ``UnitHit`` for those with any.
    """
    s = ctx.state
    if not len(rows):
        return np.zeros(0)
    n0 = s.strength[rows, elems]
    coords = (ctx.key(elems),) if key is None else (key, ctx.key(elems))
    step = ctx.step if key is None else 0
    lost = np.zeros(len(rows))
    killed = np.zeros(len(rows))
    u_kill = np.zeros(len(rows))
    if ctx.stochastic:
        u = ctx.streams.uniform(stream, step, ctx.rep(rows), *coords)
        u_kill = ctx.streams.uniform(f"{stream}/killed", step, ctx.rep(rows), *coords)
    # Without mission keys the pairs are distinct (direct fire sums its shooters per target first).
    levels = [np.arange(len(rows))] if key is None else duplicate_levels(rows, elems, s.strength.shape[1])
    for level in levels:
        n = s.strength[rows[level], elems[level]]
        if ctx.stochastic:
            p = -np.expm1(-expected[level] / np.maximum(n0[level], 1e-9))
            take = binomial_inverse(u[level], n, p)
        else:
            take = np.minimum(expected[level], n)
        take = np.clip(take, 0.0, n)
        lost[level] = take
        s.strength[rows[level], elems[level]] = n - take
        share = None if killed_fraction is None else killed_fraction[level]
        killed[level] = split_hits(
            ctx, rows[level], elems[level], take, kind=weapon, u=u_kill[level], killed_fraction=share
        )
    got = lost > 0
    if got.any():
        when = ctx.t1 if time_s is None else (np.broadcast_to(time_s, rows.shape)[got])
        ctx.emit(
            UnitHit,
            rows[got],
            when,
            unit=ctx.ids[elems[got]],
            shooter=ctx.ids[shooter[got]] if len(shooter) else None,
            casualties=np.rint(lost[got]).astype(np.int64),
            weapon=weapon,
            killed=np.rint(killed[got]) if ctx.stochastic else killed[got],
        )
        if len(shooter):
            f = ctx.world.forces
            firer_side = f.side[shooter[got]]
            target_side = f.side[elems[got]]
            np.add.at(s.casualties_by_side, (rows[got], firer_side, target_side), lost[got])
            own = f.allied[firer_side, target_side]
            if own.any():
                ctx.emit(
                    Fratricide,
                    rows[got][own],
                    when if np.isscalar(when) else np.asarray(when)[own],
                    unit=ctx.ids[elems[got][own]],
                    shooter=ctx.ids[shooter[got][own]],
                    casualties=np.rint(lost[got][own]).astype(np.int64),
                    weapon=weapon,
                )
    return lost


_MOUNTED = POSTURE_INDEX["mounted"]
_HALTED = POSTURE_INDEX["halted"]


def lose_carriers(
    ctx: StepContext,
    rows: IntArray,
    elems: IntArray,
    destroyed: FloatArray,
    *,
    shooter: IntArray,
    cause: NDArray[np.object_],
    kind: str,
    stream: str,
    time_s: FloatArray | float | None = None,
    key: IntArray | None = None,
) -> FloatArray:
    """Fire destroyed ``destroyed`` carriers of each element (rows, elems), ridden or parked: the element
    loses them. If it rides them, the people on board are hit (the carriers' ``rider_casualty_share`` of
    each destroyed carrier's load, :func:`drillsim.mechanics.transport.carrier_load`, through
    :func:`apply_casualties` as fire of ``kind``), and the whole element dismounts and fights on foot for
    the rest of its task, its remaining carriers parked where it stands; on a parked carrier only its
    ``crew`` is on board (none: no one). The guns on the lost carriers go with them
    (:func:`drillsim.mechanics.transport.lose_carrier_guns`). With no carrier left the element walks
    from then on. Records ``CarrierLost`` and, for riders, ``UnitDismounted`` (reason ``carrier-lost``);
    returns the people hit per entry. With mission ``key`` s an element may appear more than once."""
    c = ctx.world.carriers
    assert c is not None
    s = ctx.state
    out = np.zeros(len(rows))
    destroyed = np.minimum(destroyed, s.carriers_left[rows, elems])
    keep = np.flatnonzero(destroyed > 0)
    rows, elems, destroyed, shooter, cause = (
        rows[keep],
        elems[keep],
        destroyed[keep],
        shooter[keep],
        cause[keep],
    )
    if key is not None:
        key = key[keep]
    if isinstance(time_s, np.ndarray):
        time_s = time_s[keep]
    if not len(rows):
        return out
    strength = s.strength[rows, elems]
    riding = s.mounted[rows, elems]
    # On board: the riders, or a parked carrier's crew (none: no one).
    riders = carrier_load(strength, s.carriers_left[rows, elems], c.seats[elems])
    load = np.where(riding, riders, c.crew[elems])
    aboard = np.minimum(load * destroyed, strength)
    before = s.carriers_left[rows, elems]  # a copy (fancy indexing)
    np.subtract.at(s.carriers_left, (rows, elems), destroyed)
    s.carriers_left[rows, elems] = np.maximum(s.carriers_left[rows, elems], 0.0)  # two missions, one carrier
    lose_carrier_guns(ctx, rows, elems, before)
    share = c.rider_casualty_share[elems]
    p = np.clip(share * aboard / np.maximum(strength, 1e-9), 0.0, 1.0 - 1e-12)
    expected = (-np.log1p(-p) if ctx.stochastic else p) * strength
    lost = apply_casualties(
        ctx, rows, elems, expected, shooter=shooter, weapon=kind, stream=stream, time_s=time_s, key=key
    )
    when = ctx.t1 if time_s is None else time_s
    ctx.emit(
        CarrierLost,
        rows,
        when,
        unit=ctx.ids[elems],
        cause=cause,
        casualties=np.rint(lost).astype(np.int64),
        shooter=ctx.ids[shooter],
        vehicles=destroyed,
    )
    if riding.any():
        r, e = rows[riding], elems[riding]
        s.mounted[r, e] = False
        park(s, r, e)
        s.held_until[r, e] = np.maximum(s.held_until[r, e], ctx.t0 + c.dismount_s[e])
        s.dismounted_at[r, e] = np.minimum(s.dismounted_at[r, e], ctx.t0)
        s.stay_on_foot[r, e] = s.task[r, e]
        s.posture[r, e] = np.where(s.posture[r, e] == _MOUNTED, _HALTED, s.posture[r, e])
        ctx.emit(
            UnitDismounted,
            r,
            when if np.isscalar(when) else np.asarray(when)[riding],
            unit=ctx.ids[e],
            reason="carrier-lost",
            x_m=s.x[r, e],
            y_m=s.y[r, e],
        )
    out[keep] = lost
    return out


def duplicate_levels(rows: IntArray, elems: IntArray, n: int) -> list[IntArray]:
    """The entries of (row, element) pairs in levels: the first entry of each pair, then the second of
    those that have two, and so on, each level in input order (usually one level: no pair twice)."""
    key = rows * n + elems
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(key)), 0))
    rank = np.empty(len(key), dtype=np.int64)
    rank[order] = np.arange(len(key)) - start
    return [np.flatnonzero(rank == k) for k in range(int(rank.max()) + 1 if len(rank) else 0)]


@jit
def group_argmax(keys: IntArray, values: FloatArray, n_keys: int) -> IntArray:
    """For each key in 0..n_keys-1, the index (into ``values``) of its largest value, or -1 if it has none.

    Ties go to the first index, so the answer does not depend on anything but the order of the input.
    """
    best = np.full(n_keys, -1, dtype=np.int64)
    for e in range(keys.shape[0]):
        k = keys[e]
        if best[k] < 0 or values[e] > values[best[k]]:
            best[k] = e
    return best
