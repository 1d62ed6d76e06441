"""Bad input in the new scenario fields (positions, behaviours, position triggers and measures) is an
error naming the file, the field and what was expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from drillsim.core.errors import InputError
from drillsim.scenario import load_scenario
from synthetic_scenarios import approach_scenario, at


def _load(tmp_path: Path, data: dict[str, Any]) -> Any:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_scenario(path)


def _with_position(**position: Any) -> dict[str, Any]:
    data = approach_scenario(dt_s=10.0)
    data["sites"] = {"post": {"kind": "observation-post", "at": at(0, -2500)}}
    data["positions"] = {"hill": {"site": "post", "held_by": "blue"} | position}
    return data


def test_position_with_unknown_site(tmp_path: Path) -> None:
    """A position naming a site the scenario lacks is reported at positions.hill.site."""
    with pytest.raises(InputError, match=r"positions\.hill\.site.*unknown site 'pots'|unknown site 'pots'"):
        _load(tmp_path, _with_position(site="pots"))


def test_position_needs_one_place(tmp_path: Path) -> None:
    """A position with both a site and an area is refused."""
    with pytest.raises(InputError, match="exactly one of site, area"):
        _load(tmp_path, _with_position(area="somewhere"))


def test_measure_of_a_position_needs_the_position(tmp_path: Path) -> None:
    """time-lost without 'position' says what it needs."""
    data = _with_position()
    data["measures"]["lost"] = {"kind": "time-lost"}
    with pytest.raises(InputError, match="needs 'position'"):
        _load(tmp_path, data)


def test_position_only_on_position_events(tmp_path: Path) -> None:
    """A trigger's 'position' with another event kind is refused."""
    data = _with_position()
    data["plan"]["phases"]["go"]["trigger"] = {"event": "unit-arrived", "position": "hill"}
    with pytest.raises(InputError, match="'position' does not apply to event 'unit-arrived'"):
        _load(tmp_path, data)


def test_unknown_behaviour(tmp_path: Path) -> None:
    """A unit naming a behaviour the catalogue lacks is reported with the known ones."""
    data = _with_position()
    data["units"]["red/walker"]["behaviour"] = "guerilla"
    with pytest.raises(InputError, match="unknown behaviour 'guerilla'"):
        _load(tmp_path, data)


def test_losses_trigger_list_names_are_checked(tmp_path: Path) -> None:
    """Each name of a losses trigger's list is checked, at its index."""
    data = _with_position()
    data["plan"]["phases"]["go"]["trigger"] = {"losses_above": 0.1, "side": ["blue", "green"]}
    with pytest.raises(InputError, match=r"side\[1\].*unknown side 'green'|unknown side 'green'"):
        _load(tmp_path, data)
