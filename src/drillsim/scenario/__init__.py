"""The scenario language: YAML files loaded into frozen, validated, versioned declarations."""

from drillsim.scenario.io import (
    LoadedScenario,
    content_hash,
    load_catalogue,
    load_scenario,
    read_scenario,
    scenario_to_yaml,
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
    "validate",
    "with_overrides",
]
