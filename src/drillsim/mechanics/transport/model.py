"""Transport formulas (docs/mechanics/transport.md): the airlift schedule (sorties of a fleet through one
airfield of limited throughput, and the load of each sortie) and ground carriers (shuttles when seats are
short, and the people hurt when a carrier sets off a mine)."""

from __future__ import annotations

import heapq

import numpy as np
from numpy.typing import ArrayLike, NDArray

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


def shuttle_trips(strength: ArrayLike, carriers: ArrayLike, seats: ArrayLike) -> FloatArray:
    """Loads the carriers must take to lift ``strength`` people, ``seats`` a carrier: ceil(P / (V s)), at
    least 1; +inf with no seats."""
    room = np.asarray(carriers, dtype=np.float64) * np.asarray(seats, dtype=np.float64)
    people = np.asarray(strength, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        trips = np.ceil(np.where(room > 0, people / np.where(room > 0, room, 1.0), np.inf) - 1e-9)
    return np.asarray(np.maximum(trips, 1.0))


def shuttle_speed_factor(trips: ArrayLike) -> FloatArray:
    """Fraction of the carriers' speed at which a unit moving in ``n`` loads advances: the carriers drive
    each leg forward n times and back n - 1 times, so the last load arrives after (2n - 1) legs."""
    n = np.asarray(trips, dtype=np.float64)
    return np.asarray(1.0 / (2.0 * n - 1.0))


def carrier_load(strength: ArrayLike, carriers: ArrayLike, seats: ArrayLike) -> FloatArray:
    """People on board one carrier: the unit's people spread over its carriers, at most ``seats``."""
    v = np.maximum(np.asarray(carriers, dtype=np.float64), 1.0)
    return np.asarray(
        np.minimum(np.asarray(strength, dtype=np.float64) / v, np.asarray(seats, dtype=np.float64))
    )


def carrier_mine_casualties(
    mine_casualties: ArrayLike, strength: ArrayLike, carriers: ArrayLike, seats: ArrayLike
) -> FloatArray:
    """People hurt when one carrier sets off a mine: the type's figure, at most the carrier's load
    (:func:`carrier_load`)."""
    load = carrier_load(strength, carriers, seats)
    return np.asarray(np.minimum(np.asarray(mine_casualties, dtype=np.float64), load))
