"""MSDL files not written by us: the sample scenarios of the msdllib project (MIT licence, kept with their
notice in tests/interop/data/msdllib/) import to scenarios that validate and run."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeTree
import pyarrow.parquet as pq
import pytest

import drillsim
from drillsim.events.recorder import EventLog
from drillsim.interop import import_msdl

DATA = Path(__file__).parent / "data" / "msdllib"
WITH_UNITS = ("SimpleScenario.xml", "SimpleScenarioNETN.xml", "TestScenario2.xml")
WITHOUT_UNITS = ("minimal.xml", "ForceSideMinimal.xml")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _units_in(path: Path) -> dict[str, tuple[float, float] | None]:
    """Each unit of Organizations/Units and its GDC position (None without one), read from the XML
    independently of drillsim's reader."""
    root = SafeTree.parse(path).getroot()
    organizations = next(e for e in root if _local(e.tag) == "Organizations")
    listed = next(e for e in organizations if _local(e.tag) == "Units")
    units: dict[str, tuple[float, float] | None] = {}
    for unit in (e for e in listed if _local(e.tag) == "Unit"):  # not the Deployment's references
        name = next((c.text or "" for c in unit if _local(c.tag) == "Name"), "")
        lat = next((float(e.text or "nan") for e in unit.iter() if _local(e.tag) == "Latitude"), None)
        lon = next((float(e.text or "nan") for e in unit.iter() if _local(e.tag) == "Longitude"), None)
        units[f"{name}#{len(units)}"] = (lat, lon) if lat is not None and lon is not None else None
    return units


@pytest.mark.parametrize("sample", WITH_UNITS)
def test_a_public_sample_imports_validates_and_runs(sample: str, tmp_path: Path) -> None:
    """Every unit of the file becomes a unit at the file's position; the scenario runs ten minutes."""
    out = tmp_path / "imported.yaml"
    import_msdl(DATA / sample, out=out)
    scenario = drillsim.load_scenario(out)
    in_file = _units_in(DATA / sample)
    assert len(scenario.units) == len(in_file)
    placed = sorted(
        (round(float(u.at.lat), 9), round(float(u.at.lon), 9))  # type: ignore[union-attr]
        for u in scenario.units.values()
        if u.at is not None and not isinstance(u.at, str)
    )
    for position in (p for p in in_file.values() if p is not None):
        assert any(
            math.isclose(lat, position[0], abs_tol=1e-9) and math.isclose(lon, position[1], abs_tol=1e-9)
            for lat, lon in placed
        ), position
    outcomes = drillsim.run(str(out), rng=1, until_s=600, recorder=EventLog(sample_s=60))
    outcomes.write(tmp_path / "run")
    rows = pq.read_table(tmp_path / "run" / "events.parquet").to_pylist()
    moved = {r["unit"] for r in rows if r["kind"] == "UnitMoved"}
    for uid, unit in scenario.units.items():  # a unit of several elements records each as <id>/<k>
        expected = {uid} if int(unit.count) == 1 else {f"{uid}/{k}" for k in range(1, int(unit.count) + 1)}
        assert expected <= moved, uid


@pytest.mark.parametrize("sample", WITHOUT_UNITS)
def test_a_public_sample_without_units_is_refused_plainly(
    sample: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """A file with no units is refused with exit 2 and a one-line reason naming the file, no traceback."""
    result = cli("import-msdl", str(DATA / sample), "--out", str(tmp_path / "x.yaml"))
    assert result.code == 2
    assert sample in result.err
    assert "no units" in result.err
    assert "Traceback" not in result.err + result.out
    assert not (tmp_path / "x.yaml").exists()
