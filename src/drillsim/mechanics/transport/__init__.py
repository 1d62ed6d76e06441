"""Transport: units flown in by aircraft or helicopters, sortie by sortie, through an airfield or landing
zone of limited throughput, and units carried by their own ground carriers, mounting and dismounting
(docs/mechanics/transport.md)."""

from drillsim.mechanics.transport.model import (
    carrier_load,
    carrier_mine_casualties,
    landing_times,
    shuttle_speed_factor,
    shuttle_trips,
    sortie_of_elements,
)
from drillsim.mechanics.transport.positions import (
    VEHICLE_DIG_S,
    dig_vehicle_positions,
    vehicle_position_exposure,
)
from drillsim.mechanics.transport.step import (
    Carriers,
    Transport,
    carrier_guns_manned,
    carrier_positions,
    full_loads,
    lose_carrier_guns,
    mounted_area_exposure,
    mounted_exposure,
    park,
    parked_away,
    shuttle_factors,
)

__all__ = [
    "VEHICLE_DIG_S",
    "Carriers",
    "Transport",
    "carrier_guns_manned",
    "carrier_load",
    "carrier_mine_casualties",
    "carrier_positions",
    "dig_vehicle_positions",
    "full_loads",
    "landing_times",
    "lose_carrier_guns",
    "mounted_area_exposure",
    "mounted_exposure",
    "park",
    "parked_away",
    "shuttle_factors",
    "shuttle_speed_factor",
    "shuttle_trips",
    "sortie_of_elements",
    "vehicle_position_exposure",
]
