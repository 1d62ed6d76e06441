"""Airlifts compiled from the scenario (docs/mechanics/transport.md): for each, the elements it carries in
loading order, their strengths, where they land, and the lift's aircraft, seats and timings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from drillsim.geo.projection import LocalProjection
from drillsim.scenario.gazetteer import Gazetteer
from drillsim.scenario.models import Scenario
from drillsim.world.forces import ForceTable

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Airlift:
    """One airlift: elements carried (loading order), where they land and how the lift flies."""

    name: str
    elements: IntArray
    x_m: float
    y_m: float
    spread_m: float
    aircraft: int
    seats: float
    first_landing_s: float
    round_trip_s: float
    landing_interval_s: float
    delay_mean_s: float


def compile_airlifts(
    scenario: Scenario, forces: ForceTable, projection: LocalProjection, gazetteer: Gazetteer
) -> tuple[Airlift, ...]:
    """The scenario's airlifts; a group named in ``units`` is carried element by element, in order."""
    out = []
    for name, spec in scenario.airlifts.items():
        elements = [i for uid in spec.units for i, g in enumerate(forces.group_of) if g == uid]
        place = gazetteer.resolve(spec.to)
        x, y = projection.to_xy(place.lat, place.lon)
        out.append(
            Airlift(
                name=name,
                elements=np.asarray(elements, dtype=np.int64),
                x_m=float(x),
                y_m=float(y),
                spread_m=float(spec.spread_m),
                aircraft=int(spec.aircraft),
                seats=float(spec.seats),
                first_landing_s=float(spec.first_landing_s),
                round_trip_s=float(spec.round_trip_s),
                landing_interval_s=float(spec.landing_interval_s),
                delay_mean_s=float(spec.delay_mean_s),
            )
        )
    return tuple(out)
