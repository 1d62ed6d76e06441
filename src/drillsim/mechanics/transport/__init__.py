"""Transport: units flown in by aircraft or helicopters, sortie by sortie, through an airfield or landing
zone of limited throughput (docs/mechanics/transport.md)."""

from drillsim.mechanics.transport.model import landing_times, sortie_of_elements
from drillsim.mechanics.transport.step import Transport

__all__ = ["Transport", "landing_times", "sortie_of_elements"]
