"""Domain-free foundations: errors, identifiers, suggestions and random streams.

Nothing in ``drillsim.core`` knows about sides, units or weapons; every other layer builds on it.
"""

from drillsim.core.errors import DrillsimError, InputError, Location, UserError
from drillsim.core.suggest import closest_match

__all__ = ["DrillsimError", "InputError", "Location", "UserError", "closest_match"]
