"""Area effects of indirect fire and air-delivered weapons.

Each round lands at the aim point plus a circular normal miss with per-axis standard deviation
``sigma_d = CEP / 1.1774``. The aim point is the firer's *believed* target position, so the picture's own
position error adds to the miss. A person at distance ``d`` from the burst is a casualty with probability
``exp(-ln 2 * (d / R50)**2)`` (``R50`` = the weapon's lethal radius, 50 % at that distance; a Carleton
damage function). With the element's people spread as a circular normal of per-axis standard deviation
``r_e / 2`` about its centre (footprint radius ``r_e``), the expected casualty fraction from one round
whose burst lies ``D`` from the element's centre is

    f(D) = k**2 / (k**2 + s**2) * exp(-D**2 / (2 * (k**2 + s**2)))      k = R50 / sqrt(2 ln 2), s = r_e / 2

times the target's exposure in its posture. See docs/mechanics/fires.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from drillsim.scenario.models import POSTURES

FloatArray = NDArray[np.float64]

CEP_TO_SD = 1.0 / np.sqrt(2.0 * np.log(2.0))
"""Circular error probable to per-axis standard deviation of a circular normal (1 / 1.1774)."""

POSTURE_AREA_EXPOSURE: dict[str, float] = {
    "moving": 1.0,
    "halted": 0.8,
    "hasty-defence": 0.5,
    "prepared-defence": 0.2,
    "hidden": 0.6,
    "mounted": 0.6,
}
"""Fraction of blast and fragment effect that reaches a target in each posture (engineering estimate)."""
POSTURE_AREA_TABLE = np.array([POSTURE_AREA_EXPOSURE[p] for p in POSTURES])


def scatter_sd(dispersion_cep_m: ArrayLike) -> FloatArray:
    """Per-axis standard deviation of the fall of shot for a circular error probable."""
    return np.asarray(np.asarray(dispersion_cep_m, dtype=np.float64) * CEP_TO_SD, dtype=np.float64)


def round_casualty_fraction(
    distance_m: ArrayLike, lethal_radius_m: ArrayLike, footprint_m: ArrayLike, exposure: ArrayLike = 1.0
) -> FloatArray:
    """Expected fraction of an element's people made casualties by one round at ``distance_m``."""
    d = np.asarray(distance_m, dtype=np.float64)
    k2 = (np.asarray(lethal_radius_m, dtype=np.float64) * CEP_TO_SD) ** 2
    s2 = (np.asarray(footprint_m, dtype=np.float64) / 2.0) ** 2
    total = k2 + s2
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        f = np.where(total > 0, k2 / total * np.exp(-(d * d) / (2.0 * total)), 0.0)
    return np.asarray(np.clip(f * np.asarray(exposure, dtype=np.float64), 0.0, 1.0), dtype=np.float64)
