"""One units policy across every output: times with their unit, never raw seconds such as ``3.522e+04 s``.

The policy is in :mod:`drillsim.study.quantities`; these tests scan what the commands print and the reports
they write.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drillsim.study.quantities import format_quantity, quantity_unit

Cli = Callable[..., Any]

RAW_SECONDS = (
    re.compile(r"\b\d+(\.\d+)?e[+-]?\d+\b"),  # a number in exponent form
    re.compile(r"\b\d{4,}(\.\d+)? s\b"),  # 1000 s and above: minutes or hours were due
    re.compile(r"\b\d{1,3}(,\d{3})+(\.\d+)? s\b"),  # 35,220 s
)


def _raw_seconds(text: str) -> list[str]:
    return [m.group(0) for pattern in RAW_SECONDS for m in pattern.finditer(text)]


def _visible_text(page: str) -> str:
    """The text of an HTML page a reader sees: scripts, styles, SVG and data blocks dropped, tags removed."""
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


@pytest.mark.parametrize(
    ("quantity", "value", "shown"),
    [
        ("time", 35_220.0, "9.78 h"),
        ("time", 1_500.0, "25.0 min"),
        ("time", 42.0, "42.0 s"),
        ("probability", 0.432, "43 %"),
        ("distance", 21_998.0, "22.00 km"),
        ("distance", 350.0, "350 m"),
        ("count", 12.0, "12"),
    ],
)
def test_each_quantity_is_shown_with_its_unit(quantity: Any, value: float, shown: str) -> None:
    """Times in s/min/h by size, probabilities in %, distances in m or km, counts whole."""
    assert format_quantity(quantity, value) == shown


def test_a_row_shares_one_unit() -> None:
    """A mean of 3 h and a 5th percentile of 20 min are both shown in hours when the row's unit is hours."""
    unit = quantity_unit("time", 10_800.0)
    assert unit == (3600.0, "h")
    assert format_quantity("time", 1_200.0, unit=unit) == "0.33 h"


def test_run_and_its_report_show_no_raw_seconds(example_path: Path, tmp_path: Path, cli: Cli) -> None:
    """``drillsim run`` prints times with units, and its report shows none as raw seconds."""
    out = tmp_path / "one"
    result = cli("run", str(example_path), "--seed", "1", "--out", str(out))
    assert result.code == 0, result.err
    assert _raw_seconds(result.out) == []
    row = next(line for line in result.out.splitlines() if "first-detection" in line)
    assert re.search(r"\d (s|min|h)\b", row), row
    page = _visible_text((out / "report.html").read_text(encoding="utf-8"))
    assert _raw_seconds(page) == []
    assert re.search(r"T\+\d+:\d\d", page)


def test_many_replications_and_their_report_show_no_raw_seconds(
    example_path: Path, tmp_path: Path, cli: Cli
) -> None:
    """``drillsim run -n 12`` (a Monte Carlo table and report) prints times and percentages with units."""
    out = tmp_path / "many"
    result = cli("run", str(example_path), "-n", "12", "--seed", "1", "--out", str(out))
    assert result.code == 0, result.err
    assert _raw_seconds(result.out) == []
    assert "first-detection (min)" in result.out or "first-detection (h)" in result.out
    assert "crossing-held (%)" in result.out
    page = _visible_text((out / "report.html").read_text(encoding="utf-8"))
    assert _raw_seconds(page) == []


def test_check_shows_estimates_with_their_units(example_path: Path, tmp_path: Path, cli: Cli) -> None:
    """``drillsim check``: a probability assertion's estimate and interval in per cent, a mean assertion's
    in the measure's unit (a time in min or h), never a bare fraction or raw seconds."""
    claims = tmp_path / "claims.yaml"
    claims.write_text(
        f"scenario: {example_path}\n"
        "confidence: 0.9\n"
        "max_replications: 20\n"
        "assertions:\n"
        "  - measure: crossing-held\n"
        '    probability: {of: "== 1", at_least: 0.5}\n'
        "  - measure: first-detection\n"
        "    mean: {at_most: 7200}\n",
        encoding="utf-8",
    )
    result = cli("check", str(claims), "--seed", "1")
    assert result.code in (0, 1, 3), result.err
    assert _raw_seconds(result.out) == []
    rows = [line for line in result.out.splitlines() if re.match(r"\s+[12]\s{3}", line)]
    assert len(rows) == 2, result.out
    assert re.search(r"\d %\s+\d+ % – \d+ % \(90 %\)", rows[0]), rows[0]
    assert re.search(r"\d (s|min|h)\s+[\d.]+ (s|min|h) – [\d.]+ (s|min|h) \(90 %\)", rows[1]), rows[1]


def test_every_measure_kind_has_a_stored_unit() -> None:
    """Each kind of the scenario language names the unit its values are stored in (seconds for times)."""
    from drillsim.scenario.models import MEASURE_KINDS, MEASURE_UNITS, TIME_MEASURE_KINDS

    assert set(MEASURE_UNITS) == set(MEASURE_KINDS)
    assert {kind for kind, unit in MEASURE_UNITS.items() if unit == "s"} == set(TIME_MEASURE_KINDS)
