"""drillsim: wargaming and military-exercise simulation with built-in Monte Carlo.

The public API is what this module exports; everything else is implementation and may change.

Names are imported on first use (``drillsim.run`` loads the engine the first time it is read), so
``import drillsim`` and the ``drillsim`` command start quickly: the engine, Numba and the scenario
models load only when something needs them. ``dir(drillsim)`` and ``from drillsim import *`` see every
name.
"""

import typing as _typing

from drillsim._version import __version__
from drillsim.core.arithmetic import pin_simd_dispatch as _pin_simd_dispatch
from drillsim.core.exports import lazy_exports as _lazy_exports

_pin_simd_dispatch()  # none of the imports above loads NumPy: one seed is one run on every x86-64 machine

if _typing.TYPE_CHECKING:  # for type checkers and editors; at run time the names load on first use
    from drillsim.core.errors import DrillsimError, InputError, UserError
    from drillsim.engine import EventLog, NullRecorder, Outcomes, Simulation, read_event_log, run
    from drillsim.experiments.assertions import check_assertions
    from drillsim.experiments.compare import compare
    from drillsim.experiments.executors import DaskCluster, Executor, ProcessPool
    from drillsim.experiments.experiment import run_experiment
    from drillsim.experiments.montecarlo import MonteCarloResult, monte_carlo
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
    "MonteCarloResult",
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

_HOME = {
    "DrillsimError": "drillsim.core.errors",
    "InputError": "drillsim.core.errors",
    "UserError": "drillsim.core.errors",
    "EventLog": "drillsim.engine",
    "NullRecorder": "drillsim.engine",
    "Outcomes": "drillsim.engine",
    "Simulation": "drillsim.engine",
    "read_event_log": "drillsim.engine",
    "run": "drillsim.engine",
    "check_assertions": "drillsim.experiments.assertions",
    "compare": "drillsim.experiments.compare",
    "DaskCluster": "drillsim.experiments.executors",
    "Executor": "drillsim.experiments.executors",
    "ProcessPool": "drillsim.experiments.executors",
    "run_experiment": "drillsim.experiments.experiment",
    "MonteCarloResult": "drillsim.experiments.montecarlo",
    "monte_carlo": "drillsim.experiments.montecarlo",
    **dict.fromkeys(
        (
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
        ),
        "drillsim.scenario",
    ),
}
"""Where each public name is defined: the module imported the first time the name is read."""


__getattr__, __dir__ = _lazy_exports(__name__, _HOME, globals(), subpackages=True)
