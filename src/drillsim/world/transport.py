"""Transport compiled from the scenario (docs/mechanics/transport.md): airlifts (for each, the elements it
carries in loading order, where they land, and the lift's aircraft, seats and timings) and ground carriers
(per element: how many carriers, their seats, mounted speeds, times and vulnerability)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from drillsim.geo.projection import LocalProjection
from drillsim.scenario.gazetteer import Gazetteer
from drillsim.scenario.models import ARMOUR_CLASSES, TERRAIN_CLASSES, Scenario
from drillsim.world.forces import TERRAIN_INDEX, ForceTable, element_vehicles

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


@dataclass(frozen=True)
class CarrierTable:
    """Per element, its own ground carriers (none: ``has`` False, and zeros)."""

    has: NDArray[np.bool_]
    vehicles0: FloatArray
    """Carriers the element starts with."""
    seats: FloatArray
    """Passengers one carrier takes."""
    speed_by_class: FloatArray
    """(elements, terrain classes) mounted speed in m/s; 0 where impassable mounted."""
    mount_s: FloatArray
    dismount_s: FloatArray
    dismount_range_m: FloatArray
    fire_exposure: FloatArray
    mine_casualties: FloatArray
    armour: IntArray
    """The carriers' vehicle class (index into ``ARMOUR_CLASSES``)."""
    fragment_exposure: FloatArray
    """Area-fire exposure of the people while mounted (replaces the posture's)."""
    rider_casualty_share: FloatArray
    """Share of the people on board a carrier hit when fire destroys it."""
    mounted0: NDArray[np.bool_]
    """Whether the element starts mounted."""
    crew: FloatArray
    """People who stay with each carrier when the element dismounts (0: its guns fall silent parked)."""
    signature: FloatArray
    """Detectability of the element's carriers parked away from its people (sensing.md)."""

    @property
    def any(self) -> bool:
        return bool(self.has.any())


def compile_carriers(scenario: Scenario, forces: ForceTable) -> CarrierTable:
    """Each element's carriers, from its unit type's ``carriers`` and its own vehicle count."""
    n = forces.n
    has = np.zeros(n, dtype=bool)
    vehicles0 = np.zeros(n)
    seats = np.zeros(n)
    speed = np.zeros((n, len(TERRAIN_CLASSES)))
    mount_s = np.zeros(n)
    dismount_s = np.zeros(n)
    reach = np.zeros(n)
    exposure = np.ones(n)
    mine = np.zeros(n)
    armour = np.zeros(n, dtype=np.int64)
    fragments = np.ones(n)
    share = np.zeros(n)
    mounted0 = np.zeros(n, dtype=bool)
    crew = np.zeros(n)
    signature = np.zeros(n)
    types = scenario.catalogue.unit_types
    for e in range(n):
        unit = scenario.units[forces.group_of[e]]
        utype = types[unit.type]
        spec = utype.carriers
        if spec is None or utype.domain != "ground":
            continue
        has[e] = True
        vehicles0[e] = element_vehicles(unit, utype, float(forces.strength0[e])).get(spec.vehicle, 0.0)
        seats[e] = float(spec.seats)
        for cls, v in spec.speed_mps.items():
            speed[e, TERRAIN_INDEX[cls]] = float(v)
        mount_s[e] = float(spec.mount_s)
        dismount_s[e] = float(spec.dismount_s)
        reach[e] = float(spec.dismount_range_m)
        exposure[e] = float(spec.fire_exposure)
        mine[e] = float(spec.mine_casualties)
        armour[e] = ARMOUR_CLASSES.index(spec.armour)
        fragments[e] = float(spec.fragment_exposure)
        share[e] = float(spec.rider_casualty_share)
        mounted0[e] = bool(unit.mounted) and vehicles0[e] > 0
        crew[e] = float(spec.crew)
        signature[e] = float(spec.signature)
    return CarrierTable(
        has=has,
        vehicles0=vehicles0,
        seats=seats,
        speed_by_class=speed,
        mount_s=mount_s,
        dismount_s=dismount_s,
        dismount_range_m=reach,
        fire_exposure=exposure,
        mine_casualties=mine,
        armour=armour,
        fragment_exposure=fragments,
        rider_casualty_share=share,
        mounted0=mounted0,
        crew=crew,
        signature=signature,
    )
