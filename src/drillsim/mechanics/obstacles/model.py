"""The obstacle formulas and constants (docs/mechanics/obstacles.md): pure functions, no state.

An element crossing a minefield without a lane sets off a mine with probability ``p_encounter`` (per
crossing) and then loses ``casualties_per_encounter`` people (never more than it has). An element that
meets an obstacle it did not know of halts for ``halt_s``; its side then knows the obstacle. A known
obstacle is breached by engineers in ``breach_s / b`` (``b``: the element type's breaching capability),
after which a lane is open to everyone, or forced in ``force_s`` at the minefield's risk. Reconnaissance
within ``detect_range_m`` finds an obstacle at the hazard rate ``detect_rate_per_s``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

HOLD_BACK_M = 0.5
"""An element halted at an obstacle is put this far short of the point where its move entered it."""


def breach_time_s(breach_s: ArrayLike, breaching: ArrayLike) -> FloatArray:
    """Time for an engineer element of breaching capability ``breaching`` (> 0) to open a lane."""
    return np.asarray(np.asarray(breach_s, dtype=np.float64) / np.asarray(breaching, dtype=np.float64))


def mine_casualties(hit: ArrayLike, casualties_per_encounter: ArrayLike, strength: ArrayLike) -> FloatArray:
    """People lost by elements that set off a mine (``hit``): the obstacle's casualties per encounter, at
    most the element's strength; 0 for the others."""
    lost = np.where(np.asarray(hit, dtype=bool), np.asarray(casualties_per_encounter, dtype=np.float64), 0.0)
    return np.asarray(np.minimum(lost, np.asarray(strength, dtype=np.float64)))


def detection_probability(rate_per_s: ArrayLike, dt_s: float) -> FloatArray:
    """Probability that reconnaissance in range finds an obstacle within one step: 1 - exp(-rate dt)."""
    return np.asarray(-np.expm1(-np.asarray(rate_per_s, dtype=np.float64) * dt_s))
