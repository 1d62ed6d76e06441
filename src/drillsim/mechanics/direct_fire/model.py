"""Aimed direct fire: attrition from weapon range-band tables.

A shooter element with ``n`` weapons of rate ``f`` (engagements per second) firing at a target at range
``r`` inflicts casualties at the rate

    c = n * f * P_k(r) * q * (S / S0) * (1 - 0.7 * sigma) * e_posture * (1 - cover)

where ``P_k(r)`` is the weapon's kill probability at ``r`` (interpolated between the centres of its range
bands), ``q`` the shooter's training, ``S / S0`` the fraction of the shooter still fighting, ``sigma``
whether it is suppressed, and ``e_posture`` the target's exposure in its posture. Summed over shooters,
casualties in a step are a binomial draw with per-person probability ``1 - exp(-c * dt / N_target)``:
strength never goes below zero, and with many shooters the mean follows Lanchester's square law (aimed
fire). See docs/mechanics/direct-fire.md.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.core.compiled import jit, jit_inline, ufunc
from drillsim.scenario.models import POSTURES

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

POSTURE_AREA_EXPOSURE: dict[str, float] = {
    "moving": 1.0,
    "halted": 0.6,
    "hasty-defence": 0.25,
    "prepared-defence": 0.1,
    "hidden": 0.6,
    "mounted": 0.6,
}
"""Fraction of blast and fragment effect that reaches a target in each posture. Standing (moving) 1, prone
(halted, hidden) 0.6 and in foxholes or trenches (prepared defence) 0.1 are the US Basic Field Manual's
figures (10, 6 and 1 men hit of 10 under shell fire, as quoted in Newsmap, 26 October 1942); hasty defence
(shell scrapes, partly dug) 0.25 is the geometric mean of prone and foxhole, an assumption; mounted 0.6 is
an assumption (the vehicle's own protection is the unit type's ``cover``). See
docs/mechanics/indirect-fire.md. Direct fire from weapons without a stated aiming error (rockets) uses it
too."""
POSTURE_AREA_TABLE = np.array([POSTURE_AREA_EXPOSURE[p] for p in POSTURES])

TARGET_WIDTH_M = 0.4826
"""Width of the man a rifleman aims at: the US Army's E-type silhouette, "about 48.26 cm wide" (FM 23-9,
appendix F, as reproduced at bevfitchett.us; source ``fm-23-9-e-type``)."""

POSTURE_PRESENTED_HEIGHT_M: dict[str, float] = {
    "moving": 1.5,
    "halted": 0.5,
    "hasty-defence": 0.3,
    "prepared-defence": 0.2,
    "hidden": 0.5,
    "mounted": 1.0,
}
"""Height (m) of the part of a man that fire from the front can strike, by posture (assumptions; the
derivation and what the sources give are in docs/mechanics/direct-fire.md, "Exposure by posture"): a man
rushing, bent forward, 1.5; lying or kneeling behind what is at hand 0.5; head and shoulders over the low
parapet of a hasty trench 0.3; the head over the frontal parapet of an armpit-deep fighting position 0.2;
the upper body above a vehicle's sides 1.0 (the vehicle's own protection is the carrier's
``fire_exposure`` and the type's ``cover``)."""
POSTURE_HEIGHT_TABLE = np.array([POSTURE_PRESENTED_HEIGHT_M[p] for p in POSTURES])
POSTURE_IN_POSITION = np.array([p in ("hasty-defence", "prepared-defence") for p in POSTURES])
"""Per posture, whether troops in it are in a dug position: an anti-armour weapon fires at them
(``fires_at: vehicles-and-cover``, docs/mechanics/direct-fire.md, "Anti-armour weapons")."""
REFERENCE_HEIGHT_M = POSTURE_PRESENTED_HEIGHT_M["moving"]
"""The target of the weapons' kill probabilities: a man in the open, moving (exposure 1)."""

SUPPRESSED_FIRE_FACTOR = 0.3
"""A suppressed element fires at this fraction of its normal effect."""
SUPPRESSED_EXPOSURE = SUPPRESSED_FIRE_FACTOR
"""A suppressed (pinned) element keeps down behind what covers it and shows itself only while it fires, so
aimed fire (a weapon with an aiming error) meets this fraction of its exposure: the share of its time it
fires, the same engineering estimate as ``SUPPRESSED_FIRE_FACTOR`` (docs/mechanics/direct-fire.md,
"Pinned targets"; assumption, confidence low). Fragments (blast weapons) are not changed."""

AMBUSH_SURPRISE_FACTOR = 2.0
"""An ambush's fire in its first volley (docs/mechanics/orders.md, "Ambush") has this many times its normal
effect. Source: Dupuy's finding, as the Dupuy Institute summarises it ("Human Factors in Warfare: Surprise",
2017, after T. N. Dupuy, Understanding War, 1987), that complete surprise could more than double a force's
combat power, the ambush being the common case of surprise by a defender; Dupuy's factor is for combat
power over a whole engagement, applied here to the first volley's fire (confidence: low)."""

LOCATED_S = 120.0
"""Fire discipline: a target counts as located (aimed fire) while its side saw it within this time
(assumption, confidence low); an older contact is only a believed position."""
BURST_DUTY = 0.25
"""Fire discipline: share of the time a shooter with a target is firing; fights come in bursts and lulls
(assumption, confidence low)."""
CONSERVE_FRACTION = 1.0 / 3.0
"""Fire discipline: below this fraction of its basic load a mount conserves ammunition: one aimed round
per engagement, no suppressive fire (assumption, confidence low)."""
UNAIMED_EFFECT = 0.1
"""Fire discipline: share of the casualty effect of suppressive fire at a believed position, against
aimed fire (assumption, confidence low)."""
SUPPRESSING_TASKS = ("attack", "raid", "cover-withdrawal")
"""Tasks whose units fire deliberately at believed positions to suppress them (fire and movement)."""


def band_value(
    range_m: ArrayLike, band_range: NDArray[np.float64], values: NDArray[np.float64]
) -> FloatArray:
    """The table value at ``range_m``, interpolated between the centres of the range bands
    (:func:`band_position`; 0 beyond the last band).

    ``band_range`` and ``values`` are (pairs, bands), bands increasing, padded with +inf and 0.
    """
    return band_values(range_m, band_range, values)[0]


def band_values(
    range_m: ArrayLike, band_range: NDArray[np.float64], *tables: NDArray[np.float64]
) -> tuple[FloatArray, ...]:
    """:func:`band_value` for several tables sharing one set of bands (the position is found once), as
    array expressions: the oracle of the compiled :func:`band_position` and :func:`band_interpolate`."""
    r = np.asarray(range_m, dtype=np.float64)
    upper = np.asarray(band_range, dtype=np.float64)
    lower = np.concatenate([np.zeros((*upper.shape[:-1], 1)), upper[..., :-1]], axis=-1)
    finite = np.isfinite(upper)
    with np.errstate(invalid="ignore"):
        centre = np.where(finite, 0.5 * (lower + upper), np.inf)
    n = finite.sum(axis=-1)
    last = np.take_along_axis(upper, np.maximum(n - 1, 0)[..., None], axis=-1)[..., 0]
    within = (r <= last) & (n > 0)
    b0 = np.clip((centre <= r[..., None]).sum(axis=-1) - 1, 0, np.maximum(n - 1, 0))
    b1 = np.minimum(b0 + 1, np.maximum(n - 1, 0))
    c0 = np.take_along_axis(centre, b0[..., None], axis=-1)[..., 0]
    c1 = np.take_along_axis(centre, b1[..., None], axis=-1)[..., 0]
    between = within & (b1 > b0) & (r > c0)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(between, (r - np.where(between, c0, 0.0)) / np.where(between, c1 - c0, 1.0), 0.0)
    out = []
    for values in tables:
        v0 = np.take_along_axis(values, b0[..., None], axis=-1)[..., 0]
        v1 = np.take_along_axis(values, b1[..., None], axis=-1)[..., 0]
        value = np.where(w > 0, v0 + w * (v1 - v0), v0)
        out.append(np.where(within, value, 0.0))
    return tuple(out)


@jit_inline
def band_position(range_m: float, band_range: FloatArray) -> tuple[int, int, float]:
    """Where ``range_m`` lies between the centres of the range bands (upper ranges ``band_range``,
    increasing, padded with +inf): the bands ``b0`` and ``b1`` whose centres bracket it and the weight
    ``w`` of ``b1``, so that a table's value there is ``v[b0] + w (v[b1] - v[b0])``
    (:func:`band_interpolate`). Band ``b`` spans (upper of ``b - 1``, upper of ``b``], the first from 0,
    and its centre is the middle of that span. Nearer than the first centre, or beyond the last centre
    and within the last band, the value is that band's (``w`` = 0); exactly at a centre it is that band's
    value, bit for bit. Beyond the last band (or for a NaN range) ``b0`` is -1."""
    n = 0
    while n < band_range.shape[0] and band_range[n] < np.inf:
        n += 1
    if n == 0 or not range_m <= band_range[n - 1]:
        return -1, -1, 0.0
    previous = 0.5 * band_range[0]
    if range_m <= previous:
        return 0, 0, 0.0
    for b in range(1, n):
        centre = 0.5 * (band_range[b - 1] + band_range[b])
        if range_m < centre:
            return b - 1, b, (range_m - previous) / (centre - previous)
        previous = centre
    return n - 1, n - 1, 0.0


@jit_inline
def band_interpolate(values: FloatArray, b0: int, b1: int, w: float) -> float:
    """A table's value at a :func:`band_position`: ``v[b0] + w (v[b1] - v[b0])``, ``v[b0]`` when ``w``
    is 0 (bit for bit at a band centre), 0 beyond the last band (``b0`` -1)."""
    if b0 < 0:
        return 0.0
    if w > 0:
        return float(values[b0] + w * (values[b1] - values[b0]))
    return float(values[b0])


_RATE_SIGNATURE = "float64(" + ", ".join(["float64"] * 7) + ")"
"""The compiled signature of :func:`mount_casualty_rate`: seven numbers in, one out."""


def casualty_rate(
    *,
    weapons: ArrayLike,
    rate_per_s: ArrayLike,
    p_kill: ArrayLike,
    fighting_fraction: ArrayLike,
    training: ArrayLike,
    suppressed: ArrayLike,
    exposure: ArrayLike,
) -> FloatArray:
    """Expected casualties per second one shooter's mount inflicts on one target (see module docs)."""
    return np.asarray(
        mount_casualty_rate(weapons, rate_per_s, p_kill, fighting_fraction, training, suppressed, exposure)
    )


@ufunc([_RATE_SIGNATURE])
def mount_casualty_rate(
    weapons: float,
    rate_per_s: float,
    p_kill: float,
    fighting_fraction: float,
    training: float,
    suppressed: float,
    exposure: float,
) -> float:
    """:func:`casualty_rate` with arguments by position, element by element (a NumPy ufunc, which compiled
    code can call on numbers)."""
    fire = 1.0 - (1.0 - SUPPRESSED_FIRE_FACTOR) * suppressed
    fighting = min(max(fighting_fraction, 0.0), 1.0)
    return max(weapons * rate_per_s * p_kill * fighting * training * fire * exposure, 0.0)


@jit_inline
def hit_probability(range_m: float, aim_error_mil: float, width_m: float, height_m: float) -> float:
    """Probability that one aimed round strikes a ``width_m`` x ``height_m`` rectangle centred on the aim
    point at ``range_m``, when the strike falls about the aim point with a circular normal error of
    ``aim_error_mil`` mils (standard deviation per axis):
    ``erf(w / (2 sqrt(2) s)) * erf(h / (2 sqrt(2) s))`` with ``s = aim_error_mil * range_m / 1000``."""
    s = max(aim_error_mil * range_m * 1e-3, 1e-9) * 2.0 * math.sqrt(2.0)
    return math.erf(width_m / s) * math.erf(height_m / s)


@jit_inline
def presented_exposure(range_m: float, aim_error_mil: float, height_m: float) -> float:
    """The share of a weapon's effect against a man in the open that reaches a man presenting only
    ``height_m`` of himself at ``range_m``: the ratio of the two hit probabilities (:func:`hit_probability`,
    width ``TARGET_WIDTH_M``, reference height ``REFERENCE_HEIGHT_M``). Close in, where the weapon's error
    is small against a head, it tends to 1; far out, to the ratio of the presented areas,
    ``height_m / REFERENCE_HEIGHT_M``."""
    full = hit_probability(range_m, aim_error_mil, TARGET_WIDTH_M, REFERENCE_HEIGHT_M)
    if full <= 0.0:
        return min(height_m / REFERENCE_HEIGHT_M, 1.0)
    return min(hit_probability(range_m, aim_error_mil, TARGET_WIDTH_M, height_m) / full, 1.0)


def exposure_at_range(range_m: ArrayLike, aim_error_mil: float, posture: str) -> FloatArray:
    """:func:`presented_exposure` for a posture by name, over an array of ranges (for docs and tests)."""
    h = POSTURE_PRESENTED_HEIGHT_M[posture]
    return np.array(
        [presented_exposure(float(r), aim_error_mil, h) for r in np.atleast_1d(np.asarray(range_m, float))]
    )


class FireTable(NamedTuple):
    """What direct fire's compiled pass reads of the forces, built once: per element its strength at the
        start, training and cover; the exposure by posture to fire without a stated aiming error (the
    fragment exposure); each element's direct-fire ``mounts`` (-1 padded)
        and per weapon mount its count, engagement rate, range bands (range, kill and suppression
        probabilities), rates of fire and load; the height each posture presents, and per mount its combat
    aiming error in mils (0: none given); per mount whether it wounds by fragments and fires at troops
    only in positions or under cover, and per posture whether it is a dug position."""

    strength0: FloatArray
    training: FloatArray
    cover: FloatArray
    fragment_exposure: FloatArray
    mounts: IntArray
    w_count: FloatArray
    w_rate_per_s: FloatArray
    w_band_range: FloatArray
    w_band_pkill: FloatArray
    w_band_psupp: FloatArray
    w_sustained_per_s: FloatArray
    w_rapid_per_s: FloatArray
    w_ammo0: FloatArray
    posture_height: FloatArray
    w_aim_error_mil: FloatArray
    w_fragments: FloatArray
    w_covered_only: BoolArray
    in_position: BoolArray


class Engagements(NamedTuple):
    """One step's engagements: state row, shooter, target, true range (m), whether the target is located
    (aimed fire), and the effect and round multipliers of bursts and lulls."""

    rows: IntArray
    shooter: IntArray
    target: IntArray
    range_m: FloatArray
    located: BoolArray
    effect_scale: FloatArray
    round_scale: FloatArray


@jit
def engagement_rates(
    engagements: Engagements,
    table: FireTable,
    strength: FloatArray,
    suppressed_until: FloatArray,
    posture: IntArray,
    ammo: FloatArray,
    t0: float,
    dt: float,
    vehicles: BoolArray,
) -> tuple[FloatArray, FloatArray, BoolArray, FloatArray]:
    """For each engagement (state row, shooter, target at true range ``range_m``): the expected casualties
    per second, :func:`mount_casualty_rate` summed in mount order over the shooter's direct-fire ``mounts``
    (-1: none) that have ammunition and whose range bands reach the target (kill and suppression
    probabilities interpolated between the bands' centres, :func:`band_position`), the rate of suppressing
    engagements, and which of the shooter's mounts (engagements x mount slots) fired their last round.

    Only a mount that reaches the target fires, and it uses :func:`rounds_used`: ``ammo`` is updated and
    kept at zero or above (with no ammunition columns, ammunition is unlimited). A shooter engages at most
    one target per row.

    A suppressed target meets a weapon with an aiming error with ``SUPPRESSED_EXPOSURE`` of the exposure
    of its posture (pinned, it shows itself only while it fires).

    Fire discipline (:func:`round_rate`): at a ``located`` target a mount fires aimed fire; at a target
    that is only believed (deliberate suppression) it fires at its sustained rate with
    ``UNAIMED_EFFECT`` of its casualty effect, and not at all once it conserves ammunition (below
    ``CONSERVE_FRACTION`` of its load ``w_ammo0``). Each engagement's effect is multiplied by
    ``effect_scale`` and its rounds by ``round_scale`` (bursts and lulls).

    An anti-armour mount (``w_covered_only``) fires only at a target with carriers beside it
    (``vehicles``, per engagement: its rounds then go at the carriers, :func:`carrier_kill_rates`) or in a
    dug position or under cover; it hurts the people only in the latter. The fourth output is the part of
    the casualty rate from mounts that wound by fragments (``w_fragments``)."""
    rows, shooter, target, range_m, located, effect_scale, round_scale = engagements
    strength0, training, cover, fragment_exposure, mounts, w_count, w_rate_per_s = table[:7]
    w_band_range, w_band_pkill, w_band_psupp, w_sustained_per_s, w_rapid_per_s, w_ammo0 = table[7:13]
    posture_height, w_aim_error_mil, w_fragments, w_covered_only, in_position = table[13:]
    n_pairs = rows.shape[0]
    lam = np.zeros(n_pairs)
    lam_fragments = np.zeros(n_pairs)
    supp_rate = np.zeros(n_pairs)
    exhausted = np.zeros((n_pairs, mounts.shape[1]), dtype=np.bool_)
    limited = ammo.shape[1] > 0
    for e in range(n_pairs):
        r = rows[e]
        i = shooter[e]
        j = target[e]
        fighting = strength[r, i] / max(strength0[i], 1e-9)
        suppressed = 1.0 if suppressed_until[r, i] > t0 else 0.0
        target_suppressed = suppressed_until[r, j] > t0
        open_share = 1.0 - cover[j]
        height = posture_height[posture[r, j]]
        fragments = fragment_exposure[posture[r, j]]
        aimed = located[e]
        covered = in_position[posture[r, j]] or cover[j] > 0
        for k in range(mounts.shape[1]):
            m = mounts[i, k]
            if m < 0 or (limited and not ammo[r, m] > 0):
                continue
            if w_covered_only[m] and not (covered or vehicles[e]):
                continue  # an anti-armour weapon is not used on troops in the open
            b0, b1, w = band_position(range_m[e], w_band_range[m])
            if b0 < 0:
                continue  # out of this weapon's reach: it holds its fire
            conserve = limited and ammo[r, m] < CONSERVE_FRACTION * w_ammo0[m]
            if not aimed and conserve:
                continue  # conserving: no fire at a position that is only believed
            p_kill = band_interpolate(w_band_pkill[m], b0, b1, w) * (1.0 if aimed else UNAIMED_EFFECT)
            p_supp = band_interpolate(w_band_psupp[m], b0, b1, w)
            if w_aim_error_mil[m] > 0:
                exposure = presented_exposure(range_m[e], w_aim_error_mil[m], height) * open_share
                if target_suppressed:
                    exposure *= SUPPRESSED_EXPOSURE  # pinned: it shows itself only while it fires
            else:
                exposure = fragments * open_share
            if w_covered_only[m] and not covered:
                exposure = 0.0  # its rounds go at the carriers: the people are hit only through them
            effect = effect_scale[e] * mount_casualty_rate(
                w_count[m], w_rate_per_s[m], p_kill, fighting, training[i], suppressed, exposure
            )
            lam[e] += effect
            lam_fragments[e] += effect * w_fragments[m]
            if p_supp > 0:
                supp_rate[e] += effect_scale[e] * w_count[m] * w_rate_per_s[m] * p_supp * fighting
            if limited:
                rate = round_rate(
                    aimed,
                    conserve,
                    target_suppressed,
                    w_rate_per_s[m],
                    w_sustained_per_s[m],
                    w_rapid_per_s[m],
                )
                spent = rounds_used(w_count[m], rate, dt, fighting, suppressed) * round_scale[e]
                ammo[r, m] = max(ammo[r, m] - spent, 0.0)
                exhausted[e, k] = not ammo[r, m] > 0
    return lam, supp_rate, exhausted, lam_fragments


@jit
def round_rate(
    aimed: bool,
    conserve: bool,
    target_suppressed: bool,
    engagements_per_s: float,
    sustained_per_s: float,
    rapid_per_s: float,
) -> float:
    """Rounds per second one weapon fires while in a burst, by fire discipline: aimed fire at a located
    target at the rapid rate until it is suppressed, then the sustained rate (ATP 3-21.8, F-62, F-63);
    one round per engagement when conserving ammunition; suppressive fire at a believed position at the
    sustained rate."""
    if not aimed:
        return sustained_per_s
    if conserve:
        return engagements_per_s
    return sustained_per_s if target_suppressed else rapid_per_s


@jit
def rounds_used(
    weapons: float, rounds_per_s: float, dt: float, fighting_fraction: float, suppressed: float
) -> float:
    """Rounds a mount of ``weapons`` fires in ``dt`` at ``rounds_per_s`` each (the sustained rate against a
    suppressed target, the rapid rate otherwise), scaled by the fraction of the shooter still fighting and,
    like its effect, by 0.3 when the shooter itself is suppressed."""
    fire = 1.0 - (1.0 - SUPPRESSED_FIRE_FACTOR) * suppressed
    return weapons * rounds_per_s * dt * min(max(fighting_fraction, 0.0), 1.0) * fire


@jit
def carrier_kill_rates(
    engagements: Engagements,
    table: FireTable,
    vehicle_p_kill: FloatArray,
    armour: IntArray,
    strength: FloatArray,
    suppressed_until: FloatArray,
    ammo: FloatArray,
    t0: float,
) -> FloatArray:
    """For each engagement of a target with carriers (ridden, or parked beside it), the rate (per second)
    at which the shooter destroys one of its carriers: over the shooter's mounts that have ammunition and
    reach the target,

        n * f * p_v[class] * P_k(r) / P_k(first band) * q * (S / S0) * (1 - 0.7 sigma) * effect_scale

    (:func:`mount_casualty_rate` with the weapon's ``vehicle_p_kill`` for the target's vehicle class,
    scaled from the first range band as the weapon's kill probability falls with range, ``P_k(r)``
    interpolated between the bands' centres by :func:`band_position`, and
    ``UNAIMED_EFFECT`` of it at a position only believed). Called before :func:`engagement_rates` spends
    the step's rounds. Vehicles have no posture: the target's exposure and cover do not apply."""
    rows, shooter, target, range_m, located, effect_scale, _ = engagements
    strength0, training = table[0], table[1]
    mounts, w_count, w_rate_per_s, w_band_range, w_band_pkill = (
        table[4],
        table[5],
        table[6],
        table[7],
        table[8],
    )
    n_pairs = rows.shape[0]
    out = np.zeros(n_pairs)
    limited = ammo.shape[1] > 0
    for e in range(n_pairs):
        r = rows[e]
        i = shooter[e]
        cls = armour[target[e]]
        fighting = strength[r, i] / max(strength0[i], 1e-9)
        suppressed = 1.0 if suppressed_until[r, i] > t0 else 0.0
        for k in range(mounts.shape[1]):
            m = mounts[i, k]
            if m < 0 or not vehicle_p_kill[m, cls] > 0 or (limited and not ammo[r, m] > 0):
                continue
            b0, b1, w = band_position(range_m[e], w_band_range[m])
            if b0 < 0 or not w_band_pkill[m, 0] > 0:
                continue
            p = vehicle_p_kill[m, cls] * band_interpolate(w_band_pkill[m], b0, b1, w) / w_band_pkill[m, 0]
            p *= 1.0 if located[e] else UNAIMED_EFFECT
            out[e] += effect_scale[e] * mount_casualty_rate(
                w_count[m], w_rate_per_s[m], p, fighting, training[i], suppressed, 1.0
            )
    return out


def carriers_destroyed_probability(rate_per_s: ArrayLike, dt: float) -> FloatArray:
    """Probability that fire at ``rate_per_s`` destroys a carrier within ``dt``: ``1 - exp(-rate dt)``
    (at most one carrier of a target in a step)."""
    return np.asarray(-np.expm1(-np.asarray(rate_per_s, dtype=np.float64) * dt))
