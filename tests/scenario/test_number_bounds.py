"""Numbers: every number is finite and within its field's physical bounds, checked at load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drillsim.scenario import load_scenario
from drillsim.scenario import references as references_module

Edit = Callable[..., Path]
Message = Callable[..., str]


def test_integer_beyond_float_range(edit: Edit, message_of: Message) -> None:
    """An integer of 400 digits is 'number too large' at its field, not an OverflowError."""
    path = edit("  duration_s: 7200\n", "  duration_s: 1" + "0" * 400 + "\n")
    assert message_of(path).startswith(
        f"{path}:17:15: field 'time.duration_s': number too large; expected a finite number; "
        "found an integer of 401 digits"
    )


def test_huge_hexadecimal_count_is_refused(edit: Edit, message_of: Message) -> None:
    """``count: 0x7fffffffffffffffffff`` is out of range at load, before anything is allocated."""
    path = edit("    count: 3\n", "    count: 0x7fffffffffffffffffff\n")
    assert message_of(path).startswith(
        f"{path}:70:12: field 'units.tjk/pl/sqd.count': value out of range; "
        "expected a whole number >= 0 and <= 100,000"
    )


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("    count: 3\n", "    count: 10000000\n", "units.tjk/pl/sqd.count"),
        ("    strength: 6\n", "    strength: 1.0e+9\n", "units.tjk/pl/hq.strength"),
        ("    spread_m: 250\n", "    spread_m: 1.0e+12\n", "units.tjk/pl/sqd.spread_m"),
        ("  duration_s: 7200\n", "  duration_s: 1.0e+10\n", "time.duration_s"),
        ("  dt_s: 10\n", "  dt_s: 1.0e+6\n", "time.dt_s"),
        ("    radius_m: 300\n", "    radius_m: 1.0e+300\n", "areas.bridgehead.radius_m"),
        ("    c2_delay_s: 300\n", "    c2_delay_s: 1.0e+300\n", "nations.TJK.c2_delay_s"),
    ],
)
def test_physical_bounds(edit: Edit, old: str, new: str, field: str, message_of: Message) -> None:
    """Counts, sizes, distances, durations and the time step beyond their physical bounds are refused."""
    path = edit(old, new)
    assert f"field '{field}': value out of range" in message_of(path)


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_non_finite_numbers_are_refused(edit: Edit, value: str, message_of: Message) -> None:
    """Infinities and NaN are refused at their field."""
    path = edit("    spread_m: 250\n", f"    spread_m: {value}\n")
    assert "field 'units.tjk/pl/sqd.spread_m': not a finite number" in message_of(path)


def test_time_step_too_short_for_the_duration(edit: Edit, message_of: Message) -> None:
    """A time step giving more than ten million steps is refused at the time section."""
    path = edit("  dt_s: 10\n", "  dt_s: 0.0001\n")
    assert "the time step is too short for the duration" in message_of(path)


def test_too_many_elements_in_all(edit: Edit, message_of: Message) -> None:
    """Eleven groups of 100,000 elements are more than the scenario may hold."""
    groups = "".join(
        f"  big/g{i}:\n    type: rifle-squad\n    nation: TJK\n    count: 100000\n    at: crossing\n"
        for i in range(11)
    )
    path = edit("\nunits:\n", "\nunits:\n" + groups)
    assert "field 'units.big/g10.count': the scenario has too many elements" in message_of(path)


def test_unit_list_is_sorted_once_not_per_reference(edit: Edit, monkeypatch: pytest.MonkeyPatch) -> None:
    """References to a 50,000-element group never sort the whole unit list (once they did, each time)."""
    tasks = "".join(
        f"        - {{task: defend, units: [big/grp/{k}], at: crossing}}\n" for k in range(1, 301)
    )
    group = "  big/grp:\n    type: rifle-squad\n    nation: TJK\n    count: 50000\n    at: crossing\n"
    path = edit("\nunits:\n", "\nunits:\n" + group)
    text = path.read_text(encoding="utf-8").replace("      trigger: {at_s: 900}\n      tasks:\n", "")
    text = text.replace(
        "    raid:\n      description: The militants rush the bridge.\n",
        "    raid:\n      description: The militants rush the bridge.\n      trigger: {at_s: 900}\n"
        "      tasks:\n" + tasks,
    )
    path.write_text(text, encoding="utf-8")
    large_sorts = []

    def counting_sorted(items: Any, **kwargs: Any) -> list[Any]:
        out = sorted(items, **kwargs)
        if len(out) > 1000:
            large_sorts.append(len(out))
        return out

    monkeypatch.setattr(references_module, "sorted", counting_sorted, raising=False)
    scenario = load_scenario(path)
    assert len(scenario.plan.phases["raid"].tasks) == 301
    assert len(large_sorts) <= 1
