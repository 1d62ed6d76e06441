"""Numbers: every number is finite and within its field's physical bounds, checked at load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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
