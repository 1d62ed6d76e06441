"""GeoJSON (RFC 7946) writing with the standard library: one FeatureCollection in WGS84 longitude/latitude.

Every feature has a ``layer`` property (``track``, ``event``, ``place``, ``line``, ``area``) so a reader
that wants one kind filters on it. Coordinates are written with Python's shortest exact float text, so a
reader gets back the very doubles the export computed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from drillsim.interop.layers import EventPoint, GeoContent, ScenarioFeature, Track

__all__ = ["write_geojson"]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _track(content: GeoContent, track: Track) -> dict[str, Any]:
    coords = [[float(lon), float(lat)] for lon, lat in zip(track.lon, track.lat, strict=True)]
    geometry: dict[str, Any] = (
        {"type": "LineString", "coordinates": coords}
        if len(coords) >= 2
        else {"type": "Point", "coordinates": coords[0]}
    )
    times_s = [float(t) for t in track.time_s]
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "layer": "track",
            "replication": track.replication,
            "unit": track.unit,
            "side": track.side,
            "unit_type": track.unit_type,
            "name": track.name,
            "start": content.iso_time(times_s[0]),
            "end": content.iso_time(times_s[-1]),
            "times": [content.iso_time(t) for t in times_s],
            "times_s": times_s,
            "strength": [_clean(float(s)) for s in track.strength],
        },
    }


def _event(content: GeoContent, event: EventPoint) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [event.lon, event.lat]},
        "properties": {
            "layer": "event",
            "replication": event.replication,
            "kind": event.kind,
            "side": event.side,
            "unit": event.unit,
            "other": event.other,
            "detail": event.detail,
            "value": event.value,
            "count": event.count,
            "time": content.iso_time(event.time_s),
            "time_s": event.time_s,
            "located": event.located,
        },
    }


def _feature(feature: ScenarioFeature) -> dict[str, Any]:
    coords: Any = [list(p) for p in feature.coords]
    if feature.geometry == "Point":
        coords = coords[0]
    elif feature.geometry == "Polygon":
        coords = [coords]
    return {
        "type": "Feature",
        "geometry": {"type": feature.geometry, "coordinates": coords},
        "properties": {"layer": feature.layer, "id": feature.id, "name": feature.name, "kind": feature.kind},
    }


def write_geojson(content: GeoContent, path: Path) -> None:
    """Write ``content`` as one GeoJSON FeatureCollection at ``path``."""
    features = [_track(content, t) for t in content.tracks]
    features += [_event(content, e) for e in content.events]
    features += [_feature(f) for f in content.features]
    document = {
        "type": "FeatureCollection",
        "name": f"{content.scenario}-seed{content.seed}",
        "features": features,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
