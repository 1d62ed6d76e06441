"""MSDL import: the order of battle of tests/interop/data/border-post.xml (written by us from the
SISO-STD-007-2008 schema) becomes a scenario that validates and runs; hostile XML is refused."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import drillsim
from drillsim.core.errors import InputError
from drillsim.events.recorder import EventLog
from drillsim.interop import import_msdl
from drillsim.interop.msdl import read_msdl
from drillsim.interop.symbols import match_symbol

SAMPLE = Path(__file__).parent / "data" / "border-post.xml"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The sample imported once into a scenario file."""
    out = tmp_path_factory.mktemp("msdl") / "border-post.yaml"
    return out, import_msdl(SAMPLE, out=out)


def test_imported_scenario_validates_with_the_mapped_types(imported: tuple[Path, Any]) -> None:
    """Sides, nations, parents and catalogue types come out as the MSDL file and the symbol table say."""
    scenario = drillsim.load_scenario(imported[0])
    assert set(scenario.sides) == {"border-guard", "raiders"}
    assert scenario.sides["border-guard"].relations == {"raiders": "hostile"}
    assert scenario.nations["FIRE-SUPPORT"].side == "border-guard"
    units = scenario.units
    assert units["border-guard/post-hq"].type == "headquarters"
    assert units["border-guard/post-hq/1st-platoon"].type == "rifle-squad"
    assert units["border-guard/post-hq/1st-platoon"].count == 3
    assert units["border-guard/post-hq/1st-platoon"].parent == "border-guard/post-hq"
    assert units["fire-support/mortar-section"].type == "mortar-section-82"
    assert units["border-guard/post-hq/drone-pair"].type == "recon-uav"
    assert units["border-guard/post-hq/drone-pair"].count == 2


def test_imported_scenario_runs(imported: tuple[Path, Any], tmp_path: Path) -> None:
    """The imported scenario runs ten minutes of simulated time and records its units' positions."""
    outcomes = drillsim.run(str(imported[0]), rng=1, until_s=600, recorder=EventLog(sample_s=60))
    outcomes.write(tmp_path / "run")
    rows = pq.read_table(tmp_path / "run" / "events.parquet").to_pylist()
    moved = {r["unit"] for r in rows if r["kind"] == "UnitMoved"}
    assert {"border-guard/post-hq", "fire-support/mortar-section", "raiders/raiding-group/1"} <= moved


def test_unmapped_units_and_equipment_are_listed(imported: tuple[Path, Any]) -> None:
    """The recon unit (no catalogue type), the carriers and the MGRS location are reported and commented."""
    path, done = imported
    listed = "\n".join(done.not_mapped)
    assert "'Recon section'" in listed
    assert "BTR-80" in listed
    assert "MGRS" in listed
    text = path.read_text(encoding="utf-8")
    assert "  # border-guard/post-hq/recon-section:" in text


def test_every_number_has_a_pedigree(imported: tuple[Path, Any]) -> None:
    """Positions and counts cite the MSDL file, or the import defaults where the file says nothing."""
    scenario = drillsim.load_scenario(imported[0])
    assert scenario.sources["msdl-file"].citation == "the MSDL file border-post.xml"
    hq = scenario.units["border-guard/post-hq"].at
    assert (hq.source, hq.confidence) == ("msdl-file", "high")
    drone = scenario.units["border-guard/post-hq/drone-pair"].at
    assert drone.source == "import-defaults"


def test_utm_and_geocentric_locations_are_converted() -> None:
    """A GCC point made from (37.2 N, 68.65 E) reads back to it; a UTM 42S point lands in zone 42."""
    units = {u.name: u for u in read_msdl(SAMPLE).units}
    mortar = units["Mortar section"].point
    assert mortar is not None
    assert math.isclose(mortar.lat, 37.2, abs_tol=1e-9)
    assert math.isclose(mortar.lon, 68.65, abs_tol=1e-9)
    platoon = units["1st Platoon"].point
    assert platoon is not None
    assert 66.0 <= platoon.lon <= 72.0
    assert 37.0 < platoon.lat < 37.4


@pytest.mark.parametrize(
    ("symbol", "unit_type"),
    [
        ("SFGPUCI----D---", "rifle-squad"),
        ("SHGPUCIZ---E---", "motor-rifle-platoon"),
        ("SFGPUCFRM------", "mlrs-battery-122"),
        ("SFAPMFQ--------", "recon-uav"),
        ("SFFPG----------", "sof-team"),
        ("SFGPUCR--------", None),
    ],
)
def test_symbol_codes_map_to_catalogue_types(symbol: str, unit_type: str | None) -> None:
    """2525B codes map by the longest function prefix; an unlisted function maps to nothing."""
    assert match_symbol(symbol).unit_type == unit_type


BAD_XML = {
    "malformed": ("<MilitaryScenario><ForceSides></MilitaryScenario>", "not well-formed XML"),
    "billion-laughs": (
        '<?xml version="1.0"?>\n<!DOCTYPE m [\n <!ENTITY a "aaaaaaaaaa">\n'
        ' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
        "<MilitaryScenario><ScenarioID><name>&c;</name></ScenarioID></MilitaryScenario>\n",
        "declares entities",
    ),
    "external-entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE m [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>\n'
        "<MilitaryScenario><ScenarioID><name>&x;</name></ScenarioID></MilitaryScenario>\n",
        "declares entities",
    ),
    "not-msdl": ("<kml/>", "not an MSDL scenario"),
}


@pytest.mark.parametrize("case", sorted(BAD_XML))
def test_hostile_or_bad_xml_is_a_user_error(tmp_path: Path, case: str) -> None:
    """Malformed XML, entity bombs, external entities and other documents: an InputError naming the file."""
    text, message = BAD_XML[case]
    path = tmp_path / f"{case}.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        import_msdl(path, out=tmp_path / "out.yaml")
    assert str(path) in str(caught.value)
    assert not (tmp_path / "out.yaml").exists()


@pytest.mark.parametrize("case", ["malformed", "billion-laughs", "external-entity"])
def test_import_command_exits_2_without_traceback(cli: Callable[..., Any], tmp_path: Path, case: str) -> None:
    """drillsim import-msdl on bad XML prints one error paragraph and exits 2."""
    path = tmp_path / f"{case}.xml"
    path.write_text(BAD_XML[case][0], encoding="utf-8")
    result = cli("import-msdl", str(path))
    assert result.code == 2
    assert BAD_XML[case][1] in result.err
    assert "Traceback" not in result.err


def test_import_command_reports_defaults_and_unmapped(cli: Callable[..., Any], tmp_path: Path) -> None:
    """drillsim import-msdl prints the scenario it wrote, the defaults and what it could not map."""
    out = tmp_path / "s.yaml"
    result = cli("import-msdl", str(SAMPLE), "--out", str(out))
    assert result.code == 0
    assert "defaults filled in" in result.out
    assert "not mapped or not imported (3)" in result.out
    assert cli("validate", str(out)).code == 0
