"""Friction of the march compiled from the scenario (docs/mechanics/friction.md): per element, how many
vehicles it has (each may break down) and whether it moves in them by night, and the scenario's friction
parameters (pace, breakdowns, night, navigation errors)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from drillsim.scenario.models import Scenario
from drillsim.world.forces import ForceTable, element_vehicles

FloatArray = NDArray[np.float64]


def light_multiplier(night: float, level: int) -> float:
    """A night factor in a light level: 1 by day (0), halfway at twilight (1), ``night`` by night (2)."""
    return float((1.0, 0.5 * (1.0 + night), night)[level])


@dataclass(frozen=True)
class FrictionTable:
    """The scenario's friction and, per element (N), its vehicles (0 for aircraft)."""

    march_speed_cv: float
    breakdown_distance_m: float
    """Mean distance per vehicle between breakdowns (+inf: none)."""
    repair_s: float
    vehicles: FloatArray
    vehicular: NDArray[np.bool_]
    """Per element: it has vehicles and no carriers (it always moves in its vehicles)."""
    night_road_factor: float = 1.0
    """Speeds by night of elements on foot on a road leg."""
    night_cross_country_factor: float = 1.0
    """Speeds by night of elements on foot off roads."""
    night_vehicle_factor: float = 1.0
    """Speeds by night of elements in vehicles, on roads and off."""
    navigation_error_distance_m: float = np.inf
    """Mean distance off roads by day between navigation errors (+inf: none)."""
    navigation_error_s: float = 900.0
    night_navigation_factor: float = 2.0

    @property
    def slows_by_night(self) -> bool:
        """Whether some ground element moves slower by night."""
        return min(self.night_road_factor, self.night_cross_country_factor, self.night_vehicle_factor) < 1.0

    def speeds_in_light(self, level: int) -> tuple[float, float, float]:
        """Multipliers on ground speeds in a light level (0 day, 1 twilight, 2 night; twilight halfway):
        on foot on roads, on foot off roads, in vehicles."""
        return (
            light_multiplier(self.night_road_factor, level),
            light_multiplier(self.night_cross_country_factor, level),
            light_multiplier(self.night_vehicle_factor, level),
        )

    def errors_in_light(self, level: int) -> float:
        """Multiplier on the rate of navigation errors in a light level (twilight halfway)."""
        return light_multiplier(self.night_navigation_factor, level)

    @property
    def has_pace(self) -> bool:
        """Whether elements' paces vary."""
        return self.march_speed_cv > 0.0

    @property
    def has_navigation_errors(self) -> bool:
        """Whether ground elements can lose their way."""
        return bool(np.isfinite(self.navigation_error_distance_m))

    @property
    def has_breakdowns(self) -> bool:
        """Whether some element can break down."""
        return bool(np.isfinite(self.breakdown_distance_m) and (self.vehicles > 0).any())


def compile_friction(scenario: Scenario, forces: ForceTable) -> FrictionTable:
    """The scenario's friction, with each ground element's vehicle count."""
    spec = scenario.friction
    vehicles = np.zeros(forces.n)
    for i, group in enumerate(forces.group_of):
        if forces.is_air[i]:
            continue
        unit = scenario.units[group]
        utype = scenario.catalogue.unit_types[unit.type]
        vehicles[i] = sum(element_vehicles(unit, utype, float(forces.strength0[i])).values())
    distance = spec.breakdown_distance_m
    navigation = spec.navigation_error_distance_m
    both = float(spec.night_speed_factor)  # fills each of the three night factors left unset
    road, across, driven = spec.night_road_factor, spec.night_cross_country_factor, spec.night_vehicle_factor
    carriers = [
        scenario.catalogue.unit_types[scenario.units[g].type].carriers is not None for g in forces.group_of
    ]
    return FrictionTable(
        march_speed_cv=float(spec.march_speed_cv),
        breakdown_distance_m=np.inf if distance is None else float(distance),
        repair_s=float(spec.repair_s),
        vehicles=vehicles,
        night_road_factor=both if road is None else float(road),
        night_cross_country_factor=both if across is None else float(across),
        night_vehicle_factor=both if driven is None else float(driven),
        vehicular=(vehicles > 0) & ~np.asarray(carriers, dtype=bool),
        navigation_error_distance_m=np.inf if navigation is None else float(navigation),
        navigation_error_s=float(spec.navigation_error_s),
        night_navigation_factor=float(spec.night_navigation_factor),
    )
