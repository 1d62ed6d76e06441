"""Close assault: the chance that attackers who have closed with a position's defenders take it.

The attackers' combat power over the defenders', with the defenders' posture and fortification and the
suppression of either side, is the assault's force ratio

    R = P_a / (P_d * phi / phi_ref),    P = sum over elements of S * q * (0.3 if suppressed else 1)

where ``S`` is an element's strength, ``q`` its training, ``phi`` the defenders' posture factor (the
strength-weighted mean of Dupuy's factors: 1 attacking or caught moving, 1.3 hasty defence, 1.5 prepared
defence, 1.6 fortified defence, times his terrain factor of the ground each defender holds: 1.5 mountain,
1.3 foothills, 1.4 urban, 1 open) and ``phi_ref = 1.3``, the posture the outcome data are read against. The
assault succeeds with probability

    p = 1 / (1 + exp(-(a + b ln R))),    a = -0.75, b = 4.9,

fitted by maximum likelihood to Lawrence's table of 1944 attacks by force ratio (see
docs/mechanics/assault.md for the sources and what each gives). The assault is a sustained fight: it
can be decided from ``ASSAULT_S`` after the attackers closed, then with the hazard ``1 / DECISION_MEAN_S``,
each time against ``R`` as the fire on the position has left it. Only the attackers that fit abreast on the
position's perimeter count in ``P_a`` (:func:`admitted_on_perimeter`, each element's frontage as in direct
fire); the rest stand in depth behind them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.mechanics.direct_fire.model import SUPPRESSED_FIRE_FACTOR
from drillsim.scenario.models import POSTURES, TERRAIN_CLASSES

FloatArray = NDArray[np.float64]

POSTURE_DEFENCE_FACTOR: dict[str, float] = {
    "moving": 1.0,
    "halted": 1.0,
    "hasty-defence": 1.3,
    "prepared-defence": 1.5,
    "hidden": 1.0,
    "mounted": 1.0,
}
"""Dupuy's posture multipliers of the defender's combat power, by posture (attack and anything not a
defence: 1)."""
POSTURE_DEFENCE_TABLE = np.array([POSTURE_DEFENCE_FACTOR[p] for p in POSTURES])
FORTIFIED_FACTOR = 1.6
"""Dupuy's multiplier for a fortified defence: defenders in a defensive posture on a fortified position."""
TERRAIN_DEFENCE_FACTOR: dict[str, float] = {
    "road": 1.0,
    "track": 1.0,
    "open": 1.0,
    "irrigated": 1.0,
    "foothills": 1.3,
    "mountain": 1.5,
    "urban": 1.4,
    "forest": 1.0,
    "water": 1.0,
}
"""Dupuy's terrain multipliers of the defender's combat power, by the terrain class the defender stands on:
rugged-mixed 1.5 (mountain), rolling-mixed 1.3 (foothills), urban 1.4 (QJM, *Numbers, Predictions and War*,
1985, table 1, as quoted by the Dupuy Institute, 2022); 1 elsewhere: open ground is the reference the
outcome data are read against, and the QJM's factors for flat and wooded ground were not read
(assumptions; docs/mechanics/assault.md, "Ground")."""
TERRAIN_DEFENCE_TABLE = np.array([TERRAIN_DEFENCE_FACTOR[c] for c in TERRAIN_CLASSES])
""":data:`TERRAIN_DEFENCE_FACTOR` by terrain class index (``drillsim.world.forces.TERRAIN_INDEX``)."""
REFERENCE_FACTOR = 1.3
"""The defence posture the outcome data are taken to reflect (hasty defence; an assumption)."""
SUCCESS_INTERCEPT = -0.75
SUCCESS_SLOPE = 4.9
"""Logistic of attacker success on ln R, fitted to Lawrence's 1944 table (docs/mechanics/assault.md)."""
SUPPRESSED_POWER = SUPPRESSED_FIRE_FACTOR
"""A suppressed element counts for this fraction of its combat power (as its fire, direct-fire model)."""
ASSAULT_S = 300.0
"""Time from the attackers closing with the defenders to the earliest moment the assault can be decided
(assumption)."""
DECISION_MEAN_S = 600.0
"""Once ``ASSAULT_S`` has passed, the assault is decided with the hazard ``1 / DECISION_MEAN_S``: a
sustained fight on the position of ``ASSAULT_S + DECISION_MEAN_S`` (15 minutes) on average, decided
against the force ratio of the moment it is decided (assumption)."""
OVERRUN_HIT_FRACTION = 0.5
"""Share of the people of an overrun (pinned, unbroken) element who are hit in the last rush; they are
split into killed and wounded as direct fire's are (assumption)."""
ESCAPE_FRACTION = 0.5
"""Share of the unhurt people of an overrun element who break out; the others are captured
(assumption)."""
FALLBACK_M = 1000.0
"""Defenders who withdraw from a position that is their home fall back this far beyond its edge, away
from the attackers (assumption)."""
ROUTE_CLEAR_M = 300.0
"""A withdrawal route is open when no able hostile ground element off the position stands within this
distance of it (the straight line from the defender to its fall-back point); otherwise the defenders are
encircled and hold where they are (assumption)."""
REPULSE_SUPPRESSION_S = 300.0
"""A repulsed assault leaves the attackers on the position suppressed this long (assumption)."""


def defence_factor(posture: ArrayLike, *, fortified: bool | NDArray[np.bool_] = False) -> FloatArray:
    """Dupuy's posture factor of defenders by posture index; 1.6 on a fortified position for defenders in
    a defensive posture."""
    phi = POSTURE_DEFENCE_TABLE[np.asarray(posture, dtype=np.int64)]
    return np.asarray(np.where(np.asarray(fortified) & (phi > 1.0), FORTIFIED_FACTOR, phi), dtype=np.float64)


def terrain_factor(terrain_class: ArrayLike) -> FloatArray:
    """Dupuy's terrain factor of defenders standing on each terrain class index: 1.5 on mountain ground,
    1.3 in foothills, 1.4 in towns, 1 on open and other ground (:data:`TERRAIN_DEFENCE_FACTOR`)."""
    return np.asarray(TERRAIN_DEFENCE_TABLE[np.asarray(terrain_class, dtype=np.int64)], dtype=np.float64)


def force_ratio(attack_power: ArrayLike, defence_power: ArrayLike, factor: ArrayLike) -> FloatArray:
    """R = P_a / (P_d * phi / phi_ref); +inf without defending power, 0 without attacking power."""
    pa = np.asarray(attack_power, dtype=np.float64)
    pd = np.asarray(defence_power, dtype=np.float64) * np.asarray(factor, dtype=np.float64) / REFERENCE_FACTOR
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(pd > 0, pa / np.where(pd > 0, pd, 1.0), np.where(pa > 0, np.inf, 0.0))
    return np.asarray(r, dtype=np.float64)


def route_blocked(
    start: ArrayLike, end: ArrayLike, enemy_x: ArrayLike, enemy_y: ArrayLike, enemy: ArrayLike
) -> NDArray[np.bool_]:
    """Whether each straight route from ``start`` to ``end`` ((n, 2) each) passes within ``ROUTE_CLEAR_M``
    of an enemy: ``enemy_x``, ``enemy_y`` (n, m) positions, ``enemy`` (n, m) which of them count."""
    a = np.asarray(start, dtype=np.float64)
    b = np.asarray(end, dtype=np.float64)
    ex, ey = np.asarray(enemy_x, dtype=np.float64), np.asarray(enemy_y, dtype=np.float64)
    dx, dy = (b[:, 0] - a[:, 0])[:, None], (b[:, 1] - a[:, 1])[:, None]
    length2 = np.maximum(dx**2 + dy**2, 1e-12)
    u = np.clip(((ex - a[:, 0, None]) * dx + (ey - a[:, 1, None]) * dy) / length2, 0.0, 1.0)
    d = np.hypot(a[:, 0, None] + u * dx - ex, a[:, 1, None] + u * dy - ey)
    return np.asarray((np.asarray(enemy, dtype=bool) & (d <= ROUTE_CLEAR_M)).any(axis=1), dtype=bool)


def admitted_on_perimeter(
    attackers: NDArray[np.bool_], distance_m: ArrayLike, frontage_m: ArrayLike, perimeter_m: float
) -> NDArray[np.bool_]:
    """Which attackers ((rows, elements) mask) fit abreast on the position's perimeter: in each row, nearest
    the position's centre first (``distance_m``; ties by element order), while the frontages admitted before
    them (``frontage_m``, one per element) sum to less than ``perimeter_m``. The others stand in depth and
    do not count in the assault's force ratio (docs/mechanics/assault.md, "Room to close")."""
    mask = np.asarray(attackers, dtype=bool)
    if not mask.any():
        return mask.copy()
    d = np.where(mask, np.asarray(distance_m, dtype=np.float64), np.inf)
    order = np.argsort(d, axis=1, kind="stable")
    w = np.where(mask, np.asarray(frontage_m, dtype=np.float64)[None, :], 0.0)
    w_sorted = np.take_along_axis(w, order, axis=1)
    before = np.cumsum(w_sorted, axis=1) - w_sorted
    fits_sorted = np.take_along_axis(mask, order, axis=1) & (before < perimeter_m)
    fits = np.zeros_like(mask)
    np.put_along_axis(fits, order, fits_sorted, axis=1)
    return fits


def perimeter_m(radius_m: float, polygon: NDArray[np.float64] | None) -> float:
    """Length of a position's edge: ``2 pi r`` for a circle, the sum of the sides for a polygon."""
    if polygon is None:
        return float(2.0 * np.pi * radius_m)
    closed = np.vstack((polygon, polygon[:1]))
    return float(np.hypot(*np.diff(closed, axis=0).T).sum())


def assault_success_probability(ratio: ArrayLike) -> FloatArray:
    """p = logistic(a + b ln R): 0 at R = 0, 1 at R = +inf, rising with R."""
    r = np.asarray(ratio, dtype=np.float64)
    with np.errstate(divide="ignore"):
        z = SUCCESS_INTERCEPT + SUCCESS_SLOPE * np.log(r)
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def decision_probability(dt: float) -> float:
    """Probability that an assault past its closing time is decided within a step of ``dt`` seconds:
    ``1 - exp(-dt / DECISION_MEAN_S)``. Carried with ``p(R)`` and repulsed otherwise, a decision made
    this way carries the position with probability ``p(R)`` when ``R`` holds still (competing hazards
    ``p / T_d`` and ``(1 - p) / T_d``), so one sustained assault keeps the whole-attack odds of the
    outcome data while its outcome follows the fire on the position."""
    return float(-np.expm1(-dt / DECISION_MEAN_S))
