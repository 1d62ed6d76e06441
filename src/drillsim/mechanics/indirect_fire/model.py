"""Area effects of indirect fire and air-delivered weapons.

Each round lands at the aim point plus a circular normal miss with per-axis standard deviation
``sigma_d = CEP / 1.1774``. The aim point is the firer's *believed* target position, so the picture's own
position error adds to the miss. A person at distance ``d`` from the burst is a casualty with probability
``exp(-ln 2 * (d / R50)**2)`` (``R50`` = the weapon's lethal radius, 50 % at that distance; a Carleton
damage function). With the element's people spread as a circular normal of per-axis standard deviation
``r_e / 2`` about its centre (footprint radius ``r_e``), the expected casualty fraction from one round
whose burst lies ``D`` from the element's centre is

    f(D) = k**2 / (k**2 + s**2) * exp(-D**2 / (2 * (k**2 + s**2)))      k = R50 / sqrt(2 ln 2), s = r_e / 2

times the target's exposure in its posture. See docs/mechanics/indirect-fire.md.

:func:`round_casualty_fraction` is the model for any shapes of input. A batch of impacts (missions x
elements x rounds) takes the compiled path instead: :func:`burst_exponents`, then ``np.exp``, then
:func:`hit_probabilities`. The exponential stays with numpy (its vectorised ``exp`` may differ from libm's in
the last bit), so both paths give the same bits.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.core.compiled import jit
from drillsim.scenario.models import TERRAIN_CLASSES

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

CEP_TO_SD = 1.0 / np.sqrt(2.0 * np.log(2.0))
"""Circular error probable to per-axis standard deviation of a circular normal (1 / 1.1774)."""


DANGER_CLOSE_LIFT_M = 183.0
"""Fire accepted danger close is lifted to land no nearer than this to friendly troops (200 yards: the
US Infantry Drill Regulations of 1911, paragraphs 422-423, give casualties from supporting artillery as
not probable until the opposing lines are less than 200 yards apart, and have the artillery then
increase its range; confidence low)."""
LIFT_PASSES = 4
"""Moves of a lifted aim point at most (each away from the friend then nearest)."""


YARD_M = 0.9144
SHORT_FORK_M = 50.0 * YARD_M
"""Adjustment ends when the target is enclosed between two shots this far apart in range, "the short
fork, or bracket" of 50 yards (A. B. Dyer, *Handbook for Light Artillery*, 1896; confidence low)."""
ADJUST_INTERVAL_S = 30.0
"""Between seeing an adjusting round burst and firing the next round (or the fire for effect): Dyer gives
slow fire, "used ... for obtaining the range", an interval between shots of "not less than 30 seconds";
the lower bound is taken (confidence low)."""
ADJUSTED_AIM_SD_M = SHORT_FORK_M / math.sqrt(12.0)
"""Per-axis error of the aim point of fire for effect after adjustment: the target lies anywhere in the
short fork, a uniform error over 50 yards (standard deviation 50 yards / sqrt 12 = 13.2 m); the same
across the line of fire (an assumption, low)."""
EFFECT_WITHOUT_ADJUSTMENT_SD_M = SHORT_FORK_M / 4.0
"""An observer fires for effect at once when the target is located well enough that two standard
deviations of its located error lie within half the short fork (11.4 m per axis): adjusting would end
where it starts (a reading of Dyer's procedure, an assumption, low)."""


IMPACT_AREA_CEPS = math.sqrt(math.log2(20.0))
"""Radius, in CEPs, of the circle about the aim point that holds 95 % of a weapon's rounds: the miss
distance is Rayleigh, ``P(D <= x) = 1 - 2**-(x / CEP)**2``, so 95 % lie within ``sqrt(log2 20) = 2.08``
CEP. Troops who leave the fall of shot move until their whole footprint lies outside it (docs:
"Leaving the fall of shot")."""

RELIEF_AREA_EXPOSURE: dict[str, float] = {
    "road": 1.0,
    "track": 1.0,
    "open": 1.0,
    "irrigated": 1.0,
    "foothills": 0.75,
    "mountain": 0.5,
    "urban": 1.0,
    "forest": 1.0,
    "water": 1.0,
}
"""Share of the blast and fragments of an area weapon that reaches people lying or moving in each terrain
class, against level open ground (1): the folds, gullies and boulders of broken (foothills) and mountain
ground stop part of them. Assumptions, confidence low: open sources say only that a ditch, a log or a
shell hole changes a burst's effect greatly (H. W. McBride, *The Emma Gees*), not by how much over a
whole class of ground. Buildings and trees are not relief (a unit type's ``cover``; no tree bursts).
Troops dug in (hasty or prepared defence) and riders keep their own exposure. See
docs/mechanics/indirect-fire.md, "Cover from the ground"."""
RELIEF_AREA_TABLE = np.array([RELIEF_AREA_EXPOSURE[c] for c in TERRAIN_CLASSES])
""":data:`RELIEF_AREA_EXPOSURE` by terrain class index (``drillsim.world.forces.TERRAIN_INDEX``)."""


def impact_area_radius(dispersion_cep_m: ArrayLike, footprint_m: ArrayLike) -> FloatArray:
    """How far from the aim point an element's centre must be for its footprint (radius ``footprint_m``)
    to lie outside the circle holding 95 % of the rounds (``IMPACT_AREA_CEPS`` CEP)."""
    cep = np.asarray(dispersion_cep_m, dtype=np.float64)
    return np.asarray(IMPACT_AREA_CEPS * cep + np.asarray(footprint_m, dtype=np.float64), dtype=np.float64)


def adjusting_rounds(located_sd_m: ArrayLike) -> IntArray:
    """Adjusting rounds an observer spends before fire for effect, by the per-axis standard deviation of
    the target's located position: none when it is at most ``EFFECT_WITHOUT_ADJUSTMENT_SD_M``; else two
    rounds to enclose the target in a first fork (one short, one over), the smallest fork of 50 yards times
    a power of two no narrower than two standard deviations, and one round for each halving of the fork
    down to the short fork (Dyer: forks of 100, 200 or 400 yards halved to 50; "when the range has been
    measured, and not estimated, the short fork may be obtained from the first two shots")."""
    sd = np.asarray(located_sd_m, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        halvings = np.ceil(np.log2(np.maximum(2.0 * np.nan_to_num(sd) / SHORT_FORK_M, 1.0)))
    return np.where(sd > EFFECT_WITHOUT_ADJUSTMENT_SD_M, 2 + halvings, 0).astype(np.int64)


def lift_aim_points(
    aim_x: ArrayLike, aim_y: ArrayLike, friend_x: ArrayLike, friend_y: ArrayLike, friend: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Aim points (n,) moved straight away from the nearest friend (``friend_x``, ``friend_y``, (n, m),
    where ``friend``) to ``DANGER_CLOSE_LIFT_M`` from it when it stands nearer, and again from the
    nearest friend to the moved point, up to ``LIFT_PASSES`` times (friends on several sides); the others
    unchanged."""
    ax = np.array(aim_x, dtype=np.float64)
    ay = np.array(aim_y, dtype=np.float64)
    fx, fy = np.asarray(friend_x, dtype=np.float64), np.asarray(friend_y, dtype=np.float64)
    mask = np.asarray(friend, dtype=bool)
    if not mask.shape[1]:
        return ax, ay
    i = np.arange(len(ax))
    for _ in range(LIFT_PASSES):
        d = np.where(mask, np.hypot(fx - ax[:, None], fy - ay[:, None]), np.inf)
        near = np.argmin(d, axis=1)
        dist = d[i, near]
        lift = dist < DANGER_CLOSE_LIFT_M - 1e-6
        if not lift.any():
            break
        nx, ny = fx[i, near], fy[i, near]
        # Standing on the aim point gives no direction: lift it north (an arbitrary, fixed choice).
        ux = np.where(dist > 1e-6, (ax - nx) / np.maximum(dist, 1e-6), 0.0)
        uy = np.where(dist > 1e-6, (ay - ny) / np.maximum(dist, 1e-6), 1.0)
        ax = np.where(lift, nx + ux * DANGER_CLOSE_LIFT_M, ax)
        ay = np.where(lift, ny + uy * DANGER_CLOSE_LIFT_M, ay)
    return np.asarray(ax, dtype=np.float64), np.asarray(ay, dtype=np.float64)


def scatter_sd(dispersion_cep_m: ArrayLike) -> FloatArray:
    """Per-axis standard deviation of the fall of shot for a circular error probable."""
    return np.asarray(np.asarray(dispersion_cep_m, dtype=np.float64) * CEP_TO_SD, dtype=np.float64)


def lethal_spread(lethal_radius_m: ArrayLike, footprint_m: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """``k**2 / (k**2 + s**2)`` (the fraction at the element's centre, NaN where the spread is 0) and
    ``2 (k**2 + s**2)`` (the exponent's scale), broadcast over the inputs."""
    k2 = (np.asarray(lethal_radius_m, dtype=np.float64) * CEP_TO_SD) ** 2
    s2 = (np.asarray(footprint_m, dtype=np.float64) / 2.0) ** 2
    total = k2 + s2
    with np.errstate(invalid="ignore", divide="ignore"):
        peak = k2 / total
    return np.asarray(peak, dtype=np.float64), np.asarray(2.0 * total, dtype=np.float64)


def round_casualty_fraction(
    distance_m: ArrayLike, lethal_radius_m: ArrayLike, footprint_m: ArrayLike, exposure: ArrayLike = 1.0
) -> FloatArray:
    """Expected fraction of an element's people made casualties by one round at ``distance_m``."""
    d = np.asarray(distance_m, dtype=np.float64)
    peak, spread = lethal_spread(lethal_radius_m, footprint_m)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        f = np.where(spread > 0, peak * np.exp(-(d * d) / spread), 0.0)
    return np.asarray(np.clip(f * np.asarray(exposure, dtype=np.float64), 0.0, 1.0), dtype=np.float64)


@jit
def burst_exponents(
    element_x: FloatArray,
    element_y: FloatArray,
    burst_x: FloatArray,
    burst_y: FloatArray,
    spread: FloatArray,
    exposed: BoolArray,
    rounds: IntArray,
) -> FloatArray:
    """``-D**2 / spread`` for each mission, element and round (missions x elements x rounds), where ``D``
    is the distance from the element (``element_x``: missions x elements) to the burst (``burst_x``:
    missions x rounds); 0 for elements not ``exposed`` and rounds past the mission's ``rounds``."""
    k, n = element_x.shape
    out = np.zeros((k, n, burst_x.shape[1]))
    for i in range(k):
        for j in range(n):
            if not exposed[i, j] or not spread[i, j] > 0:
                continue
            for r in range(rounds[i]):
                d = math.hypot(element_x[i, j] - burst_x[i, r], element_y[i, j] - burst_y[i, r])
                out[i, j, r] = -(d * d) / spread[i, j]
    return out


@jit
def hit_probabilities(
    exp_terms: FloatArray,
    peak: FloatArray,
    spread: FloatArray,
    exposure: FloatArray,
    exposed: BoolArray,
    rounds: IntArray,
) -> FloatArray:
    """Probability that a person of each element is hit by at least one round of each mission
    (missions x elements): ``1 - prod(1 - f)`` over the mission's rounds, ``f`` the
    :func:`round_casualty_fraction` given ``exp_terms = np.exp(burst_exponents(...))``; 0 where not
    ``exposed``."""
    k, n = peak.shape
    out = np.zeros((k, n))
    for i in range(k):
        for j in range(n):
            if not exposed[i, j]:
                continue
            keep = 1.0
            for r in range(rounds[i]):
                f = peak[i, j] * exp_terms[i, j, r] if spread[i, j] > 0 else 0.0
                keep *= 1.0 - min(max(f * exposure[i, j], 0.0), 1.0)
            out[i, j] = 1.0 - keep
    return out
