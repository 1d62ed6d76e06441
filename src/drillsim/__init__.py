"""drillsim: wargaming and military-exercise simulation with built-in Monte Carlo.

The public API is what this module exports; everything else is implementation and may change.
"""

from drillsim._version import __version__
from drillsim.core.errors import DrillsimError, InputError, UserError
from drillsim.engine import EventLog, NullRecorder, Outcomes, Simulation, read_event_log, run
from drillsim.experiments.assertions import check_assertions
from drillsim.experiments.compare import compare
from drillsim.experiments.experiment import run_experiment
from drillsim.experiments.montecarlo import monte_carlo
from drillsim.scenario import (
    CatalogueFile,
    LibraryEntry,
    Param,
    ParameterRecord,
    Scenario,
    content_hash,
    library_entries,
    load_catalogue,
    load_scenario,
    scenario_schema,
    validate,
    with_overrides,
)

__all__ = [
    "CatalogueFile",
    "DrillsimError",
    "EventLog",
    "InputError",
    "LibraryEntry",
    "NullRecorder",
    "Outcomes",
    "Param",
    "ParameterRecord",
    "Scenario",
    "Simulation",
    "UserError",
    "__version__",
    "check_assertions",
    "compare",
    "content_hash",
    "library_entries",
    "load_catalogue",
    "load_scenario",
    "monte_carlo",
    "read_event_log",
    "run",
    "run_experiment",
    "scenario_schema",
    "validate",
    "with_overrides",
]
