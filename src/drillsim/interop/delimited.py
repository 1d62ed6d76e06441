"""CSV writing with the standard library: one row per track sample, event, place, line and area.

Points (samples, events, places) have ``lon`` and ``lat`` columns, which spreadsheet users and QGIS's
delimited-text layer read directly; every row also has a ``wkt`` column (POINT, LINESTRING or POLYGON in
longitude/latitude order) for readers that take geometry as text.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from drillsim.interop.layers import GeoContent

__all__ = ["CSV_COLUMNS", "write_csv"]

CSV_COLUMNS = (
    "layer",
    "replication",
    "unit",
    "side",
    "kind",
    "other",
    "detail",
    "name",
    "time",
    "time_s",
    "lon",
    "lat",
    "value",
    "count",
    "wkt",
)


def _pair(lon: float, lat: float) -> str:
    return f"{lon!r} {lat!r}"


def _wkt(geometry: str, coords: list[tuple[float, float]]) -> str:
    text = ", ".join(_pair(lon, lat) for lon, lat in coords)
    if geometry == "Point":
        return f"POINT ({text})"
    if geometry == "LineString":
        return f"LINESTRING ({text})"
    return f"POLYGON (({text}))"


def _rows(content: GeoContent) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for track in content.tracks:
        for t, lon, lat, s in zip(track.time_s, track.lon, track.lat, track.strength, strict=True):
            rows.append(
                {
                    "layer": "track-sample",
                    "replication": track.replication,
                    "unit": track.unit,
                    "side": track.side,
                    "kind": track.unit_type,
                    "name": track.name,
                    "time": content.iso_time(float(t)),
                    "time_s": repr(float(t)),
                    "lon": repr(float(lon)),
                    "lat": repr(float(lat)),
                    "value": repr(float(s)),
                    "wkt": _wkt("Point", [(float(lon), float(lat))]),
                }
            )
    for event in content.events:
        rows.append(
            {
                "layer": "event",
                "replication": event.replication,
                "unit": event.unit,
                "side": event.side,
                "kind": event.kind,
                "other": event.other,
                "detail": event.detail,
                "name": event.located,
                "time": content.iso_time(event.time_s),
                "time_s": repr(event.time_s),
                "lon": repr(event.lon),
                "lat": repr(event.lat),
                "value": "" if event.value is None else repr(event.value),
                "count": event.count,
                "wkt": _wkt("Point", [(event.lon, event.lat)]),
            }
        )
    for feature in content.features:
        row: dict[str, Any] = {
            "layer": feature.layer,
            "unit": feature.id,
            "kind": feature.kind,
            "name": feature.name,
            "wkt": _wkt(feature.geometry, feature.coords),
        }
        if feature.geometry == "Point":
            row["lon"], row["lat"] = (repr(v) for v in feature.coords[0])
        rows.append(row)
    return rows


def write_csv(content: GeoContent, path: Path) -> None:
    """Write ``content`` as one CSV file (UTF-8, a header row, ``\\r\\n`` line ends as RFC 4180 says)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="raise")
        writer.writeheader()
        writer.writerows(_rows(content))
