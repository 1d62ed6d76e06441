"""Forces: the scenario's units, unit types, weapons and sensors compiled into arrays."""

from drillsim.forces.tables import ForceTable, compile_forces

__all__ = ["ForceTable", "compile_forces"]
