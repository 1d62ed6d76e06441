"""drillsim: wargaming and military-exercise simulation with built-in Monte Carlo.

The public API is what this module exports; everything else is implementation and may change.
"""

from drillsim._version import __version__
from drillsim.core.errors import DrillsimError, InputError, UserError
from drillsim.engine import EventLog, NullRecorder, Outcomes, Simulation, read_event_log, run
from drillsim.experiments.assertions import check_assertions
from drillsim.experiments.compare import compare
from drillsim.experiments.executors import DaskCluster, Executor, ProcessPool
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

__all__ = [  # noqa: RUF022 - grouped by what a user does (as Gymnasium groups its API), not sorted
    # Scenarios: load, check, change
    "CatalogueFile",
    "LibraryEntry",
    "Param",
    "ParameterRecord",
    "Scenario",
    "content_hash",
    "library_entries",
    "load_catalogue",
    "load_scenario",
    "scenario_schema",
    "validate",
    "with_overrides",
    # One run
    "Outcomes",
    "Simulation",
    "run",
    # Events of a run
    "EventLog",
    "NullRecorder",
    "read_event_log",
    # Many runs: Monte Carlo, what-ifs, assertions, experiments, and where they run
    "DaskCluster",
    "Executor",
    "ProcessPool",
    "check_assertions",
    "compare",
    "monte_carlo",
    "run_experiment",
    # Errors
    "DrillsimError",
    "InputError",
    "UserError",
    # Version
    "__version__",
]
