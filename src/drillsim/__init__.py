"""drillsim: wargaming and military-exercise simulation with built-in Monte Carlo."""

from drillsim._version import __version__

__all__ = ["__version__"]
