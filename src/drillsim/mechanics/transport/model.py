"""The airlift schedule (docs/mechanics/transport.md): sorties of a fleet through one airfield of limited
throughput, and the load of each sortie."""

from __future__ import annotations

import heapq

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def landing_times(
    *,
    sorties: int,
    aircraft: int,
    first_landing_s: float,
    round_trip_s: float,
    landing_interval_s: float,
    delays_s: FloatArray,
) -> FloatArray:
    """When each of ``sorties`` sorties lands, in landing order.

    Aircraft ``a`` is ready to land its first sortie at ``first_landing_s`` and each next one
    ``round_trip_s`` after its previous landing, its ``i``-th trip late by ``delays_s[a, i]``. The airfield
    lands one aircraft at a time, at least ``landing_interval_s`` apart, the earliest ready first (ties:
    the lower aircraft number).
    """
    ready = [(first_landing_s + float(delays_s[a, 0]), a, 0) for a in range(aircraft)]
    heapq.heapify(ready)
    out = np.empty(sorties)
    last = -np.inf
    for k in range(sorties):
        t, a, i = heapq.heappop(ready)
        when = max(t, last + landing_interval_s)
        out[k] = when
        last = when
        if i + 1 < delays_s.shape[1]:
            heapq.heappush(ready, (when + round_trip_s + float(delays_s[a, i + 1]), a, i + 1))
    return out


def sortie_of_elements(strength: FloatArray, seats: float) -> NDArray[np.int64]:
    """The sortie that brings in the last of each element (loaded in order, ``seats`` people a sortie; an
    element larger than the free seats goes on the next sorties)."""
    carried = np.cumsum(strength)
    return np.asarray(np.maximum(np.ceil(carried / seats - 1e-9) - 1, 0), dtype=np.int64)
