"""The scenario language: YAML files loaded into frozen, validated, versioned declarations."""

import typing as _typing

from drillsim.core.exports import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:  # names load on first use (drillsim.core.exports)
    from drillsim.scenario.io import (
        LoadedScenario,
        content_hash,
        load_catalogue,
        load_scenario,
        read_scenario,
        scenario_to_yaml,
        used_catalogue,
        validate,
        with_overrides,
    )
    from drillsim.scenario.library import LibraryEntry, library_entries
    from drillsim.scenario.models import SCHEMA_VERSION, CatalogueFile, Scenario
    from drillsim.scenario.pedigree import Param, ParameterRecord, is_sourced, iter_parameters
    from drillsim.scenario.schema import reference_markdown, scenario_schema

__all__ = [
    "SCHEMA_VERSION",
    "CatalogueFile",
    "LibraryEntry",
    "LoadedScenario",
    "Param",
    "ParameterRecord",
    "Scenario",
    "content_hash",
    "is_sourced",
    "iter_parameters",
    "library_entries",
    "load_catalogue",
    "load_scenario",
    "read_scenario",
    "reference_markdown",
    "scenario_schema",
    "scenario_to_yaml",
    "used_catalogue",
    "validate",
    "with_overrides",
]

_HOME = {
    "CatalogueFile": "drillsim.scenario.models",
    "LibraryEntry": "drillsim.scenario.library",
    "LoadedScenario": "drillsim.scenario.io",
    "Param": "drillsim.scenario.pedigree",
    "ParameterRecord": "drillsim.scenario.pedigree",
    "SCHEMA_VERSION": "drillsim.scenario.models",
    "Scenario": "drillsim.scenario.models",
    "content_hash": "drillsim.scenario.io",
    "is_sourced": "drillsim.scenario.pedigree",
    "iter_parameters": "drillsim.scenario.pedigree",
    "library_entries": "drillsim.scenario.library",
    "load_catalogue": "drillsim.scenario.io",
    "load_scenario": "drillsim.scenario.io",
    "read_scenario": "drillsim.scenario.io",
    "reference_markdown": "drillsim.scenario.schema",
    "scenario_schema": "drillsim.scenario.schema",
    "scenario_to_yaml": "drillsim.scenario.io",
    "used_catalogue": "drillsim.scenario.io",
    "validate": "drillsim.scenario.io",
    "with_overrides": "drillsim.scenario.io",
}
"""Where each public name is defined."""

__getattr__, __dir__ = _lazy_exports(__name__, _HOME, globals(), subpackages=True)
