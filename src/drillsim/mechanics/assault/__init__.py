"""Close assault and the seizure of positions (docs/mechanics/assault.md)."""

from drillsim.mechanics.assault.model import (
    assault_success_probability,
    defence_factor,
    force_ratio,
    terrain_factor,
)
from drillsim.mechanics.assault.step import resolve_assaults

__all__ = [
    "assault_success_probability",
    "defence_factor",
    "force_ratio",
    "resolve_assaults",
    "terrain_factor",
]
