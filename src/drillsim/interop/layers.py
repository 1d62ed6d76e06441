"""The geographic content of a result directory, in WGS84 longitude and latitude, ready for any file format.

A result stores positions in the local metres of its run (``x_m``, ``y_m`` in the projection that
``run.json`` names). This module turns them back into longitude and latitude with the same
:class:`~drillsim.geo.projection.LocalProjection` (its exact inverse) and groups them into what the
writers need: one track per element and replication (the ``UnitMoved`` samples), the events that have a
place, and the scenario's places, sites, lines and areas. The writers (GeoJSON, KML, CSV, GeoPackage) only
format what this module gives them, so every format carries the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from drillsim.report.results import Result
from drillsim.scenario.gazetteer import gazetteer_for
from drillsim.scenario.models import LatLon, Scenario

__all__ = [
    "AT_UNIT_KINDS",
    "LOCATED_KINDS",
    "EventPoint",
    "GeoContent",
    "ScenarioFeature",
    "Track",
    "geo_content",
]

LOCATED_KINDS = (
    "ContactDetected",
    "CarrierSighted",
    "ContactReported",
    "FireMissionRequested",
    "RoundsFired",
    "RoundsImpacted",
    "WeaponsReleased",
    "UnitArrived",
)
"""Event kinds that carry their own position (``x_m``, ``y_m``): detections (of elements and of parked
carriers), calls for fire, fires, impacts, air strikes, arrivals."""

AT_UNIT_KINDS = ("UnitHit", "UnitBroke", "UnitFled", "UnitCaptured", "UnitEscaped", "UnitDestroyed")
"""Event kinds without a position of their own: placed where the unit was at that moment, interpolated
linearly in metres between its two nearest track samples."""

CIRCLE_VERTICES = 72
"""Vertices of the polygon that stands for a circular area (centre and radius): 5 degrees apart."""


@dataclass(frozen=True)
class Track:
    """The sampled positions of one element in one replication, in time order."""

    replication: int
    unit: str
    side: str | None
    unit_type: str | None
    name: str | None
    time_s: NDArray[np.float64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    strength: NDArray[np.float64]


@dataclass(frozen=True)
class EventPoint:
    """One event with a place. ``located`` says where the place came from: ``event`` (its own
    position) or ``track`` (the unit's interpolated position)."""

    replication: int
    time_s: float
    kind: str
    side: str | None
    unit: str | None
    other: str | None
    detail: str | None
    value: float | None
    count: int | None
    lon: float
    lat: float
    located: str


@dataclass(frozen=True)
class ScenarioFeature:
    """A place, site, line or area of the scenario; ``coords`` are (lon, lat) pairs (a polygon's ring is
    closed: its last pair repeats the first)."""

    layer: str  # "place", "line" or "area"
    id: str
    name: str
    kind: str
    geometry: str  # "Point", "LineString" or "Polygon"
    coords: list[tuple[float, float]]


@dataclass(frozen=True)
class GeoContent:
    """Everything a geographic export writes, for the replications asked for."""

    scenario: str
    seed: int
    start: datetime
    """The run's start in UTC (the Unix epoch for a run header without one)."""
    tracks: list[Track]
    events: list[EventPoint]
    features: list[ScenarioFeature]
    unplaced_events: int
    """Events of the kinds in :data:`AT_UNIT_KINDS` left out because their unit has no track."""

    def iso_time(self, time_s: float) -> str:
        """The simulation time ``time_s`` as an ISO 8601 UTC instant (milliseconds when not whole)."""
        instant = self.start + timedelta(seconds=float(time_s))
        text = instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return text.replace(".000Z", "Z")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _start_of(header: dict[str, Any]) -> datetime:
    text = header.get("start")
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else EPOCH
    except ValueError:
        moment = EPOCH
    return moment.astimezone(UTC) if moment.tzinfo is not None else EPOCH


def _column(table: Any, name: str) -> list[Any]:
    return list(table.column(name).to_pylist())


def _unit_info(header: dict[str, Any]) -> dict[str, dict[str, Any]]:
    units = header.get("units") or []
    return {str(u["id"]): u for u in units if isinstance(u, dict) and "id" in u}


def _tracks_of(result: Result, replication: int, rows: dict[str, list[Any]]) -> list[Track]:
    info = _unit_info(result.header)
    kinds = np.asarray(rows["kind"], dtype=object)
    moved = np.nonzero(kinds == "UnitMoved")[0]
    units = np.asarray(rows["unit"], dtype=object)[moved]
    t = np.asarray(rows["time_s"], dtype=np.float64)[moved]
    x = np.asarray(rows["x_m"], dtype=np.float64)[moved]
    y = np.asarray(rows["y_m"], dtype=np.float64)[moved]
    s = np.asarray(rows["value"], dtype=np.float64)[moved]
    lat, lon = result.to_latlon(x, y)
    tracks = []
    for unit in sorted({str(u) for u in units}):
        pick = np.nonzero((units == unit) & np.isfinite(lat) & np.isfinite(lon))[0]
        if len(pick) == 0:
            continue
        pick = pick[np.argsort(t[pick], kind="stable")]
        about = info.get(unit, {})
        tracks.append(
            Track(
                replication=replication,
                unit=unit,
                side=about.get("side"),
                unit_type=about.get("type"),
                name=about.get("name"),
                time_s=t[pick],
                lon=lon[pick],
                lat=lat[pick],
                strength=s[pick],
            )
        )
    return tracks


def _unit_positions(rows: dict[str, list[Any]]) -> dict[str, tuple[NDArray[np.float64], ...]]:
    """Each unit's track samples in metres, (time_s, x_m, y_m) in time order."""
    kinds = np.asarray(rows["kind"], dtype=object)
    moved = np.nonzero(kinds == "UnitMoved")[0]
    units = np.asarray(rows["unit"], dtype=object)[moved]
    t = np.asarray(rows["time_s"], dtype=np.float64)[moved]
    x = np.asarray(rows["x_m"], dtype=np.float64)[moved]
    y = np.asarray(rows["y_m"], dtype=np.float64)[moved]
    out: dict[str, tuple[NDArray[np.float64], ...]] = {}
    for unit in {str(u) for u in units}:
        pick = np.nonzero((units == unit) & np.isfinite(x) & np.isfinite(y))[0]
        if len(pick):
            pick = pick[np.argsort(t[pick], kind="stable")]
            out[unit] = (t[pick], x[pick], y[pick])
    return out


def _events_of(result: Result, replication: int, rows: dict[str, list[Any]]) -> tuple[list[EventPoint], int]:
    info = _unit_info(result.header)
    positions = _unit_positions(rows)
    events: list[EventPoint] = []
    unplaced = 0
    for i, kind in enumerate(rows["kind"]):
        if kind not in LOCATED_KINDS and kind not in AT_UNIT_KINDS:
            continue
        unit = rows["unit"][i]
        t = float(rows["time_s"][i])
        if kind in LOCATED_KINDS:
            x, y, located = float(rows["x_m"][i]), float(rows["y_m"][i]), "event"
        elif unit in positions:
            ts, xs, ys = positions[unit]
            x, y, located = float(np.interp(t, ts, xs)), float(np.interp(t, ts, ys)), "track"
        else:
            unplaced += 1
            continue
        if not (np.isfinite(x) and np.isfinite(y)):
            unplaced += 1
            continue
        lat, lon = result.to_latlon(x, y)
        side = rows["side"][i] or info.get(unit or "", {}).get("side")
        value = rows["value"][i]
        events.append(
            EventPoint(
                replication=replication,
                time_s=t,
                kind=kind,
                side=side,
                unit=unit,
                other=rows["other"][i],
                detail=rows["detail"][i],
                value=None if value is None or not np.isfinite(value) else float(value),
                count=rows["count"][i],
                lon=float(lon),
                lat=float(lat),
                located=located,
            )
        )
    return events, unplaced


def _lonlat(point: LatLon) -> tuple[float, float]:
    return (float(point.lon), float(point.lat))


def _circle(result: Result, center: LatLon, radius_m: float) -> list[tuple[float, float]]:
    """A circle of ``radius_m`` around ``center``, drawn in the run's local metres (so its radius is
    exact there) and returned as a closed ring of (lon, lat)."""
    proj = result.projection
    cx, cy = proj.to_xy(center.lat, center.lon)
    angles = np.linspace(0.0, 2.0 * np.pi, CIRCLE_VERTICES, endpoint=False)
    lat, lon = proj.to_latlon(cx + radius_m * np.sin(angles), cy + radius_m * np.cos(angles))
    ring = [(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]
    return [*ring, ring[0]]


def _scenario_features(result: Result, scenario: Scenario) -> list[ScenarioFeature]:
    gaz = gazetteer_for(scenario)

    def point(ref: LatLon | str) -> LatLon | None:
        try:
            return gaz.resolve(ref)
        except KeyError:
            return None

    features: list[ScenarioFeature] = []
    for pid, place in sorted(scenario.places.items()):
        features.append(
            ScenarioFeature("place", pid, place.name or pid, place.kind, "Point", [(place.lon, place.lat)])
        )
    for sid, site in sorted(scenario.sites.items()):
        at = point(site.at)
        if at is not None:
            features.append(
                ScenarioFeature("place", sid, site.name or sid, site.kind, "Point", [_lonlat(at)])
            )
    for lid, line in sorted(scenario.lines.items()):
        pts = [p for p in (point(r) for r in line.points) if p is not None]
        if not pts and line.geodata_line is not None:
            pts = list(gaz.lines.get(line.geodata_line, []))
        if len(pts) >= 2:
            coords = [_lonlat(p) for p in pts]
            features.append(ScenarioFeature("line", lid, line.name or lid, line.kind, "LineString", coords))
    for aid, area in sorted(scenario.areas.items()):
        ring: list[tuple[float, float]] = []
        if len(area.polygon) >= 3:
            ring = [_lonlat(p) for p in (point(r) for r in area.polygon) if p is not None]
            if len(ring) >= 3 and ring[0] != ring[-1]:
                ring.append(ring[0])
        elif area.center is not None and area.radius_m is not None:
            center = point(area.center)
            if center is not None:
                ring = _circle(result, center, float(area.radius_m))
        if len(ring) >= 4:
            features.append(ScenarioFeature("area", aid, area.name or aid, area.kind, "Polygon", ring))
    return features


def geo_content(result: Result, *, replication: int | None = None) -> GeoContent:
    """The tracks, located events and scenario features of ``result`` in longitude and latitude: every
    recorded replication, or only ``replication`` (a UserError names the ones there are)."""
    reps = result.replications if replication is None else [int(replication)]
    tracks: list[Track] = []
    events: list[EventPoint] = []
    unplaced = 0
    for rep in reps:
        table = result.events_of(rep)
        rows = {name: _column(table, name) for name in table.column_names}
        tracks.extend(_tracks_of(result, rep, rows))
        found, missed = _events_of(result, rep, rows)
        events.extend(found)
        unplaced += missed
    features = _scenario_features(result, result.scenario) if result.scenario is not None else []
    return GeoContent(
        scenario=str(result.header["scenario"]),
        seed=int(result.header["seed"]),
        start=_start_of(result.header),
        tracks=tracks,
        events=events,
        features=features,
        unplaced_events=unplaced,
    )
