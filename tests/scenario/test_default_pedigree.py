"""Every model default carries a pedigree where it is defined, so no scenario has a number without one."""

from __future__ import annotations

import inspect

from pydantic import BaseModel

from drillsim.scenario import load_scenario, models, reference_markdown
from drillsim.scenario.io import load_catalogue
from drillsim.scenario.pedigree import CONFIDENCE_LEVELS, Param, count_pedigree, has_pedigree

DEFAULT_SCENARIO = "khatlon-2015"


def _model_defaults() -> dict[str, object]:
    """Each numeric default of the scenario models, ``Class.field`` -> the default value."""
    out: dict[str, object] = {}
    for name, cls in inspect.getmembers(models, inspect.isclass):
        if not issubclass(cls, BaseModel) or cls.__module__ != models.__name__:
            continue
        for field, info in cls.model_fields.items():
            default = info.default
            if isinstance(default, int | float) and not isinstance(default, bool):
                out[f"{name}.{field}"] = default
    return out


def test_the_models_have_numeric_defaults() -> None:
    """The listing sees the models' defaults (a guard against an empty, vacuous check)."""
    defaults = _model_defaults()
    assert len(defaults) > 100
    assert "UnitTypeSpec.break_losses" in defaults


def test_every_model_default_has_a_pedigree() -> None:
    """Each numeric default is a Param with a source and a confidence (a bare default fails)."""
    bare = [
        path
        for path, value in sorted(_model_defaults().items())
        if not isinstance(value, Param) or not has_pedigree(value) or value.confidence is None
    ]
    assert not bare, (
        f"{len(bare)} model defaults without a pedigree: write each as assumed(N) (a stated assumption), "
        "or Param(N, SOURCE_KEY, CONFIDENCE) with a key of the core catalogue's sources: " + ", ".join(bare)
    )


def test_every_model_default_cites_a_source_of_the_core_catalogue() -> None:
    """A default's source is a key the core catalogue declares, at a known confidence level."""
    declared = set(load_catalogue("core-v1").sources)
    wrong = [
        f"{path} ({value.source!r}, {value.confidence!r})"
        for path, value in sorted(_model_defaults().items())
        if isinstance(value, Param)
        and (value.source not in declared or value.confidence not in CONFIDENCE_LEVELS)
    ]
    assert not wrong, "model defaults citing an undeclared source: " + ", ".join(wrong)


def test_the_default_scenario_has_no_number_without_a_pedigree() -> None:
    """validate's count: every number of the default scenario, written or default, has a pedigree."""
    counts = count_pedigree(load_scenario(DEFAULT_SCENARIO).parameters())
    assert counts.total > 1000
    assert counts.bare == 0
    assert counts.defaults == 0


def test_the_reference_shows_each_default_with_its_pedigree() -> None:
    """The generated reference writes a default as its value and then its source and confidence."""
    text = reference_markdown()
    assert "| `break_losses` |" in text
    assert "`0.4` (helmbold-1971-breakpoints, low)" in text
    assert "`35` (drillsim-assumption, low)" in text
