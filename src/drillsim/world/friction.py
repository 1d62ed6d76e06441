"""Friction of the march compiled from the scenario (docs/mechanics/friction.md): per element, how many
vehicles it has (each may break down), and the scenario's friction parameters (pace, breakdowns, night,
navigation errors)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from drillsim.scenario.models import Scenario
from drillsim.world.forces import ForceTable, element_vehicles

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class FrictionTable:
    """The scenario's friction and, per element (N), its vehicles (0 for aircraft)."""

    march_speed_cv: float
    breakdown_distance_m: float
    """Mean distance per vehicle between breakdowns (+inf: none)."""
    repair_s: float
    vehicles: FloatArray
    night_speed_factor: float = 1.0
    navigation_error_distance_m: float = np.inf
    """Mean distance off roads by day between navigation errors (+inf: none)."""
    navigation_error_s: float = 900.0
    night_navigation_factor: float = 2.0

    def speed_in_light(self, level: int) -> float:
        """Multiplier on ground speeds in a light level (0 day, 1 twilight, 2 night; twilight halfway)."""
        return float((1.0, 0.5 * (1.0 + self.night_speed_factor), self.night_speed_factor)[level])

    def errors_in_light(self, level: int) -> float:
        """Multiplier on the rate of navigation errors in a light level (twilight halfway)."""
        return float((1.0, 0.5 * (1.0 + self.night_navigation_factor), self.night_navigation_factor)[level])

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
    return FrictionTable(
        march_speed_cv=float(spec.march_speed_cv),
        breakdown_distance_m=np.inf if distance is None else float(distance),
        repair_s=float(spec.repair_s),
        vehicles=vehicles,
        night_speed_factor=float(spec.night_speed_factor),
        navigation_error_distance_m=np.inf if navigation is None else float(navigation),
        navigation_error_s=float(spec.navigation_error_s),
        night_navigation_factor=float(spec.night_navigation_factor),
    )
