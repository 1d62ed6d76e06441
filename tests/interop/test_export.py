"""Geographic export: every format read back by an independent reader (GDAL/OGR through pyogrio for
GeoJSON, CSV and GeoPackage; lxml for KML) and compared with the engine's positions."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from lxml import etree
from pyogrio.raw import read

from drillsim.geo.projection import LocalProjection
from drillsim.interop import export_result
from drillsim.report.results import load_result

CM = 0.01
KML = "{http://www.opengis.net/kml/2.2}"
GX = "{http://www.google.com/kml/ext/2.2}"
Samples = dict[tuple[int, str, float], tuple[float, float]]


def _projection(result_dir: Path) -> LocalProjection:
    p = json.loads((result_dir / "run.json").read_text(encoding="utf-8"))["projection"]
    return LocalProjection(float(p["lat0"]), float(p["lon0"]))


def _start(result_dir: Path) -> datetime:
    return datetime.fromisoformat(json.loads((result_dir / "run.json").read_text(encoding="utf-8"))["start"])


def _engine(result_dir: Path, kinds: tuple[str, ...] = ("UnitMoved",)) -> list[dict[str, object]]:
    rows = pq.read_table(result_dir / "events.parquet").to_pylist()
    return [r for r in rows if r["kind"] in kinds]


def _max_error_m(result_dir: Path, read_back: Samples) -> float:
    """Largest distance (m) between exported samples projected back and the engine's positions; every
    engine sample must be exported exactly once."""
    engine = {(r["replication"], r["unit"], r["time_s"]): (r["x_m"], r["y_m"]) for r in _engine(result_dir)}
    assert set(read_back) == set(engine)
    keys = sorted(engine)
    lon = np.array([read_back[k][0] for k in keys])
    lat = np.array([read_back[k][1] for k in keys])
    x, y = _projection(result_dir).to_xy(lat, lon)
    ex, ey = (np.array([engine[k][i] for k in keys]) for i in (0, 1))
    return float(np.max(np.hypot(x - ex, y - ey)))


def _wkb_points(blob: bytes) -> list[tuple[float, float]]:
    """The (x, y) pairs of a little- or big-endian 2-D Point or LineString in well-known binary."""
    order = "<" if blob[0] == 1 else ">"
    (kind,) = struct.unpack(order + "I", blob[1:5])
    if kind == 1:
        return [struct.unpack(order + "dd", blob[5:21])]
    (n,) = struct.unpack(order + "I", blob[5:9])
    values = struct.unpack(order + "d" * (2 * n), blob[9 : 9 + 16 * n])
    return list(zip(values[::2], values[1::2], strict=True))


def _fields(meta: dict[str, object], data: list[np.ndarray]) -> dict[str, np.ndarray]:
    return dict(zip(list(meta["fields"]), data, strict=True))  # type: ignore[call-overload]


def _geojson_samples(path: Path) -> Samples:
    meta, _, geometry, data = read(str(path), where="layer = 'track'")
    f = _fields(meta, data)
    out: Samples = {}
    for i, blob in enumerate(geometry):
        for (lon, lat), t in zip(_wkb_points(blob), f["times_s"][i], strict=True):
            out[(int(f["replication"][i]), str(f["unit"][i]), float(t))] = (lon, lat)
    return out


def _gpkg_samples(path: Path) -> Samples:
    meta, _, geometry, data = read(str(path), layer="track_points")
    f = _fields(meta, data)
    return {
        (int(f["replication"][i]), str(f["unit"][i]), float(f["time_s"][i])): _wkb_points(blob)[0]
        for i, blob in enumerate(geometry)
    }


def _csv_samples(path: Path) -> Samples:
    meta, _, geometry, data = read(
        str(path), X_POSSIBLE_NAMES="lon", Y_POSSIBLE_NAMES="lat", where="layer = 'track-sample'"
    )
    f = _fields(meta, data)
    return {
        (int(f["replication"][i]), str(f["unit"][i]), float(f["time_s"][i])): _wkb_points(blob)[0]
        for i, blob in enumerate(geometry)
    }


def _kml_samples(path: Path, start: datetime) -> Samples:
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    out: Samples = {}
    for placemark in root.iter(f"{KML}Placemark"):
        track = placemark.find(f"{GX}Track")
        if track is None:
            continue
        data = {d.get("name"): d.findtext(f"{KML}value") for d in placemark.iter(f"{KML}Data")}
        whens = [datetime.fromisoformat(w.text) for w in track.findall(f"{KML}when")]
        coords = [c.text.split() for c in track.findall(f"{GX}coord")]
        assert len(whens) == len(coords)
        for when, (lon, lat, _alt) in zip(whens, coords, strict=True):
            t = (when - start).total_seconds()
            out[(int(data["replication"]), str(data["unit"]), t)] = (float(lon), float(lat))
    return out


READERS: dict[str, Callable[[Path, datetime], Samples]] = {
    "geojson": lambda p, _s: _geojson_samples(p),
    "gpkg": lambda p, _s: _gpkg_samples(p),
    "csv": lambda p, _s: _csv_samples(p),
    "kml": _kml_samples,
}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_track_points_round_trip_within_a_centimetre(crossing_run: Path, tmp_path: Path, fmt: str) -> None:
    """Every track sample read back by an independent reader lies within 1 cm of the engine's position."""
    summary = export_result(crossing_run, file_format=fmt, out=tmp_path / f"x.{fmt}")
    read_back = READERS[fmt](summary.path, _start(crossing_run))
    assert _max_error_m(crossing_run, read_back) < CM


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_track_degrees_are_the_result_inverse_exactly(crossing_run: Path, tmp_path: Path, fmt: str) -> None:
    """The exported degrees are bit-for-bit Result.to_latlon of the engine's metres: no format rounds."""
    summary = export_result(crossing_run, file_format=fmt, out=tmp_path / f"d.{fmt}")
    read_back = READERS[fmt](summary.path, _start(crossing_run))
    engine = {(r["replication"], r["unit"], r["time_s"]): (r["x_m"], r["y_m"]) for r in _engine(crossing_run)}
    keys = sorted(engine)
    lat, lon = load_result(crossing_run).to_latlon([engine[k][0] for k in keys], [engine[k][1] for k in keys])
    assert [read_back[k] for k in keys] == list(zip(lon.tolist(), lat.tolist(), strict=True))


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_khatlon_two_replications_round_trip(khatlon_run: Path, tmp_path: Path, fmt: str) -> None:
    """Both Khatlon replications' tracks come back within 1 cm of the engine's positions."""
    summary = export_result(khatlon_run, file_format=fmt, out=tmp_path / f"k.{fmt}")
    assert summary.replications == [0, 1]
    assert _max_error_m(khatlon_run, READERS[fmt](summary.path, _start(khatlon_run))) < CM


def test_one_replication_exports_only_that_one(khatlon_run: Path, tmp_path: Path) -> None:
    """--replication 1 writes the tracks of replication 1 and of no other."""
    summary = export_result(khatlon_run, file_format="gpkg", out=tmp_path / "k1.gpkg", replication=1)
    meta, _, _, data = read(str(summary.path), layer="tracks")
    assert set(_fields(meta, data)["replication"].tolist()) == {1}


def test_located_events_keep_the_engine_positions(crossing_run: Path, tmp_path: Path) -> None:
    """Detections, fires and impacts read back from the GeoPackage sit within 1 cm of the logged place."""
    kinds = ("ContactDetected", "RoundsFired", "RoundsImpacted", "FireMissionRequested")
    engine = _engine(crossing_run, kinds)
    assert engine, "the run should have detections and fires to export"
    summary = export_result(crossing_run, file_format="gpkg", out=tmp_path / "e.gpkg")
    meta, _, geometry, data = read(str(summary.path), layer="events", where="located = 'event'")
    f = _fields(meta, data)
    got = sorted(
        (str(f["kind"][i]), float(f["time_s"][i]), str(f["unit"][i]), *_wkb_points(g)[0])
        for i, g in enumerate(geometry)
        if str(f["kind"][i]) in kinds
    )
    want = sorted((str(r["kind"]), float(r["time_s"]), str(r["unit"]), r["x_m"], r["y_m"]) for r in engine)
    assert [g[:3] for g in got] == [w[:3] for w in want]
    x, y = _projection(crossing_run).to_xy([g[4] for g in got], [g[3] for g in got])
    assert float(np.max(np.hypot(x - [w[3] for w in want], y - [w[4] for w in want]))) < CM


def test_geopackage_times_are_start_plus_seconds(crossing_run: Path, tmp_path: Path) -> None:
    """A GeoPackage sample's date-time field is the run's start plus its time_s, to the millisecond."""
    summary = export_result(crossing_run, file_format="gpkg", out=tmp_path / "t.gpkg")
    meta, _, _, data = read(str(summary.path), layer="track_points")
    f = _fields(meta, data)
    start = _start(crossing_run).replace(tzinfo=None) - (_start(crossing_run).utcoffset() or timedelta())
    expected = np.datetime64(start, "ms") + (f["time_s"] * 1000).astype("timedelta64[ms]")
    assert np.array_equal(f["time"], expected)


def test_scenario_places_lines_and_areas_are_exported(crossing_run: Path, tmp_path: Path) -> None:
    """The example's bridge, river line and bridgehead circle come back from GeoJSON in lon/lat."""
    summary = export_result(crossing_run, file_format="geojson", out=tmp_path / "f.geojson")
    document = json.loads(summary.path.read_text(encoding="utf-8"))
    by_id = {
        f["properties"].get("id"): f for f in document["features"] if f["properties"]["layer"] != "track"
    }
    assert by_id["crossing"]["geometry"]["coordinates"] == [68.62, 37.20]
    assert by_id["river"]["geometry"]["type"] == "LineString"
    ring = np.array(by_id["bridgehead"]["geometry"]["coordinates"][0])
    x, y = _projection(crossing_run).to_xy(ring[:, 1], ring[:, 0])
    cx, cy = _projection(crossing_run).to_xy(37.20, 68.62)
    assert np.allclose(np.hypot(x - cx, y - cy), 300.0, atol=CM)


def test_export_command_prints_what_it_wrote(
    cli: Callable[..., Any], crossing_run: Path, tmp_path: Path
) -> None:
    """drillsim export --format kml writes the file and says how many tracks it holds."""
    out = tmp_path / "c.kml"
    result = cli("export", str(crossing_run), "--format", "kml", "--out", str(out))
    assert result.code == 0
    assert "tracks" in result.out
    assert out.is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "shp"], "unknown export format 'shp'"),
        (["--replication", "7"], "replication 7 is not in"),
    ],
)
def test_export_bad_options_exit_2(
    cli: Callable[..., Any], crossing_run: Path, args: list[str], message: str
) -> None:
    """An unknown format or replication is a one-paragraph error with exit code 2, no traceback."""
    result = cli("export", str(crossing_run), *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
