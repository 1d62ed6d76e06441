"""Replay data from a result directory: files checked, tracks, pictures, kill chains, symbols."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from drillsim.core.errors import InputError
from drillsim.events.types import EVENT_CLASSES
from drillsim.report import choose_replication, ensemble_data, load_result, map_layers, replay_data
from drillsim.report.ensemble import ensemble_json
from drillsim.report.html import timeline_marks
from drillsim.report.layers import elevation_png
from drillsim.report.symbols import affiliation, unit_sidc
from drillsim.report.timeline import EVENT_LABELS

Cli = Callable[..., Any]


@pytest.mark.parametrize("name", ["events.parquet", "outcomes.parquet", "run.json"])
def test_missing_file_is_a_user_error_naming_it(single_result: Path, tmp_path: Path, name: str) -> None:
    """A result directory without one of its files gives an InputError that names the file."""
    target = tmp_path / "r"
    shutil.copytree(single_result, target)
    (target / name).unlink()
    with pytest.raises(InputError, match=name.replace(".", r"\.")):
        load_result(target)


@pytest.mark.parametrize("name", ["events.parquet", "outcomes.parquet", "run.json", "scenario.yaml"])
def test_corrupt_file_exits_2_from_report(single_result: Path, tmp_path: Path, cli: Cli, name: str) -> None:
    """``drillsim report`` on a directory with a corrupt file exits 2 and names the file, no traceback."""
    target = tmp_path / "r"
    shutil.copytree(single_result, target)
    (target / name).write_bytes(b"\x00garbage: [")
    result = cli("report", str(target))
    assert result.code == 2
    assert name in result.err
    assert "Traceback" not in result.err


def test_view_on_missing_directory_exits_2(tmp_path: Path, cli: Cli) -> None:
    """``drillsim view`` on a directory that does not exist exits 2 with a one-paragraph error."""
    result = cli("view", str(tmp_path / "nothing"), "--no-browser")
    assert result.code == 2
    assert "no result directory" in result.err


def test_tracks_are_in_latitude_longitude_inside_the_area(single_result: Path) -> None:
    """Every track point is a (t, lat, lon, strength) inside the scenario bounds, in time order."""
    result = load_result(single_result)
    data = replay_data(result)
    b = result.header["bounds"]
    assert set(data["tracks"]) == {u["id"] for u in result.header["units"]}
    for track in data["tracks"].values():
        times = [p[0] for p in track]
        assert times == sorted(times)
        for _, lat, lon, _ in track:
            assert b["south"] - 0.05 <= lat <= b["north"] + 0.05
            assert b["west"] - 0.05 <= lon <= b["east"] + 0.05


def test_strength_falls_by_the_casualties_of_each_hit(single_result: Path) -> None:
    """A unit's strength series starts at its initial strength and ends at that minus its casualties."""
    result = load_result(single_result)
    data = replay_data(result)
    for unit in result.header["units"]:
        hits = [e for e in data["events"] if e["kind"] == "UnitHit" and e["unit"] == unit["id"]]
        series = data["strength"][unit["id"]]
        assert series[0] == [0.0, unit["strength"]]
        assert series[-1][1] == max(0.0, unit["strength"] - sum(e["count"] for e in hits))


def test_each_sides_picture_follows_its_reports(single_result: Path) -> None:
    """A side's picture lists exactly its ContactReported and ContactLost events, in time order."""
    result = load_result(single_result)
    data = replay_data(result)
    kinds = result.events.column("kind").to_pylist()
    sides = result.events.column("side").to_pylist()
    for side, picture in data["pictures"].items():
        expected = sum(
            1
            for k, s in zip(kinds, sides, strict=True)
            if s == side and k in ("ContactReported", "ContactLost")
        )
        assert len(picture) == expected
        assert [c["time_s"] for c in picture] == sorted(c["time_s"] for c in picture)
    assert any(data["pictures"].values())


def test_fire_missions_chain_their_links_in_order(single_result: Path) -> None:
    """A fire mission's links run fire direction -> time of flight -> assessment without gaps."""
    data = replay_data(load_result(single_result))
    fired = [m for m in data["missions"] if "RoundsFired" in m["times"]]
    assert fired, "the example fires mortar missions"
    for m in fired:
        names = [link["link"] for link in m["links"]]
        assert names == ["fire direction", "time of flight", "assessment"][: len(names)]
        assert m["links"][0]["start_s"] == m["times"]["FireMissionRequested"]
        for a, b in zip(m["links"], m["links"][1:], strict=False):
            assert a["end_s"] == b["start_s"]
        assert all(link["duration_s"] >= 0 for link in m["links"])
    refused = [m for m in data["missions"] if "FireMissionRefused" in m["times"]]
    assert all(m["outcome"].startswith("refused") for m in refused)


def test_every_event_kind_has_one_plain_label(single_result: Path) -> None:
    """Every kind the engine can log has a label in plain words, and the replay data gives the viewer the
    label of each kind it lists (the same words as the report's timeline chart)."""
    assert set(EVENT_LABELS) == set(EVENT_CLASSES)
    assert all(label and label == label.lower() and label != kind for kind, label in EVENT_LABELS.items())
    data = replay_data(load_result(single_result))
    assert data["event_kinds"], "the example logs events besides positions"
    assert data["event_labels"] == {kind: EVENT_LABELS[kind] for kind in data["event_kinds"]}
    assert {label for label, _ in timeline_marks(data)} <= set(data["event_labels"].values())


def test_sidc_affiliation_follows_the_viewing_side() -> None:
    """A unit is friend to its own side and hostile to a side that holds it hostile (2525D identity digit)."""
    sides = {"blue": {"relations": {"red": "hostile"}}, "red": {"relations": {"blue": "hostile"}}, "grey": {}}
    unit = {
        "side": "red",
        "echelon": "platoon",
        "category": "infantry",
        "symbol": "121100",
        "domain": "ground",
    }
    assert affiliation("red", "red", sides) == "friend"
    assert affiliation("blue", "red", sides) == "hostile"
    assert affiliation("grey", "red", sides) == "unknown"
    assert unit_sidc(unit, "friend") == "10031000141211000000"
    assert unit_sidc(unit, "hostile")[3] == "6"
    assert unit_sidc(unit, "hostile", anticipated=True)[6] == "1"
    air = {"side": "red", "echelon": "team", "category": "uav", "symbol": "MFQ---", "domain": "air"}
    assert unit_sidc(air, "hostile") == "SHAPMFQ--------"


def test_layers_of_a_flat_scenario_come_from_the_scenario(single_result: Path) -> None:
    """Without geodata, the map shows the scenario's own places, lines and areas; no elevation image."""
    result = load_result(single_result)
    layers = map_layers(result)
    assert layers["geodata"] is None
    assert {p["id"] for p in layers["scenario"]["places"]} >= {"crossing", "far-bank"}
    assert layers["elevation"] is None
    assert elevation_png(result) is None
    json.dumps(layers, allow_nan=False)


def test_ensemble_density_counts_every_sampled_position(ensemble_result: Path) -> None:
    """The ensemble's density grids are non-empty per side and its tracks cover every replication."""
    result = load_result(ensemble_result)
    data = ensemble_data(result)
    assert {t["replication"] for t in data["tracks"]} == set(result.replications)
    for grid in data["density"]["grids"].values():
        assert np.asarray(grid).max() == 255
    json.dumps(data, allow_nan=False)


def test_ensemble_json_is_the_ensemble_data(ensemble_result: Path) -> None:
    """The viewer's ensemble JSON, encoded a replication at a time, decodes to ensemble_data."""
    result = load_result(ensemble_result)
    assert json.loads(ensemble_json(result, max_tracks=5)) == ensemble_data(result, max_tracks=5)


def test_the_ensemble_reads_the_log_from_disk(ensemble_result: Path) -> None:
    """Opening a result and drawing its ensemble never reads the whole event log into memory."""
    result = load_result(ensemble_result)
    ensemble_data(result)
    replay_data(result, result.replications[0])
    assert "events" not in vars(result)


def test_median_best_and_worst_runs_are_picked_by_value(ensemble_result: Path) -> None:
    """The median pick is closest to the median; best and worst are the extremes in the chosen direction."""
    result = load_result(ensemble_result)
    values = dict(zip(result.outcome_replications, result.measures()["losses-raiders"], strict=True))
    best = choose_replication(result, "losses-raiders", "best", higher_is_better=True)
    worst = choose_replication(result, "losses-raiders", "worst", higher_is_better=True)
    median = choose_replication(result, "losses-raiders", "median")
    assert values[best] == max(values.values())
    assert values[worst] == min(values.values())
    assert abs(values[median] - np.median(list(values.values()))) == min(
        abs(v - np.median(list(values.values()))) for v in values.values()
    )
