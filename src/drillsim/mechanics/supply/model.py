"""The arithmetic of resupply (docs/mechanics/supply.md): how short of ammunition an element is, and how a
delivery is shared among its weapon mounts."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

HANDOVER_RADIUS_M = 200.0
"""A carrier hands over when it is this close to the element it serves (engineering constant)."""


def ammunition_fraction(left: FloatArray, load: FloatArray) -> FloatArray:
    """An element's rounds left over its basic load, each summed over its mounts with a limited load; 1 for
    an element without any."""
    return np.where(load > 0, left / np.maximum(load, 1e-12), 1.0)


def share_delivery(left: FloatArray, load: FloatArray, rounds: FloatArray) -> FloatArray:
    """Rounds each mount gets (last axis) when ``rounds`` are handed over: every mount's shortfall
    ``load - left`` is filled in proportion to it, never above the load, at most ``rounds`` in all."""
    short = np.maximum(load - left, 0.0)
    total = short.sum(axis=-1, keepdims=True)
    share = np.minimum(np.asarray(rounds, dtype=np.float64)[..., None], total)
    return np.where(total > 0, short * share / np.maximum(total, 1e-12), 0.0)
