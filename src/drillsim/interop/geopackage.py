"""OGC GeoPackage writing through pyogrio (GDAL/OGR): one layer per kind of feature, in EPSG:4326.

Layers: ``tracks`` (a line per element and replication, with start and end times), ``track_points``
(every sample as a point with its time and strength), ``events``, ``places``, ``lines`` and ``areas``.
Empty layers are not written. Geometries are handed to GDAL as well-known binary built here, so the only
thing pyogrio does is write the file. pyogrio is imported when a GeoPackage is asked for (the ``interop``
extra); without it the export says how to install it.
"""

from __future__ import annotations

import struct
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from drillsim.core.errors import UserError
from drillsim.interop.layers import GeoContent, ScenarioFeature

__all__ = ["GEOPACKAGE_LAYERS", "write_geopackage"]

GEOPACKAGE_LAYERS = ("tracks", "track_points", "events", "places", "lines", "areas")

_WKB_POINT, _WKB_LINESTRING, _WKB_POLYGON = 1, 2, 3


def _wkb_point(lon: float, lat: float) -> bytes:
    return struct.pack("<BIdd", 1, _WKB_POINT, lon, lat)


def _wkb_coords(coords: list[tuple[float, float]]) -> bytes:
    return struct.pack("<I", len(coords)) + np.asarray(coords, dtype="<f8").tobytes()


def _wkb_line(coords: list[tuple[float, float]]) -> bytes:
    return struct.pack("<BI", 1, _WKB_LINESTRING) + _wkb_coords(coords)


def _wkb_polygon(ring: list[tuple[float, float]]) -> bytes:
    return struct.pack("<BII", 1, _WKB_POLYGON, 1) + _wkb_coords(ring)


def _text(values: list[Any]) -> np.ndarray:
    return np.asarray(["" if v is None else str(v) for v in values], dtype=object)


def _instants(content: GeoContent, times_s: list[float]) -> np.ndarray:
    start = np.datetime64(content.start.replace(tzinfo=None), "ms")
    offsets = np.asarray([np.timedelta64(timedelta(seconds=t)) for t in times_s], dtype="timedelta64[ms]")
    return start + offsets


def _layers(content: GeoContent) -> dict[str, tuple[str, list[bytes], dict[str, np.ndarray]]]:
    layers: dict[str, tuple[str, list[bytes], dict[str, np.ndarray]]] = {}
    lines = [t for t in content.tracks if len(t.time_s) >= 2]
    layers["tracks"] = (
        "LineString",
        [_wkb_line(list(zip(t.lon.tolist(), t.lat.tolist(), strict=True))) for t in lines],
        {
            "replication": np.asarray([t.replication for t in lines], dtype=np.int64),
            "unit": _text([t.unit for t in lines]),
            "side": _text([t.side for t in lines]),
            "unit_type": _text([t.unit_type for t in lines]),
            "name": _text([t.name for t in lines]),
            "samples": np.asarray([len(t.time_s) for t in lines], dtype=np.int64),
            "start": _instants(content, [float(t.time_s[0]) for t in lines]),
            "end": _instants(content, [float(t.time_s[-1]) for t in lines]),
            "start_s": np.asarray([t.time_s[0] for t in lines], dtype=np.float64),
            "end_s": np.asarray([t.time_s[-1] for t in lines], dtype=np.float64),
        },
    )
    samples = [(t, i) for t in content.tracks for i in range(len(t.time_s))]
    layers["track_points"] = (
        "Point",
        [_wkb_point(float(t.lon[i]), float(t.lat[i])) for t, i in samples],
        {
            "replication": np.asarray([t.replication for t, _ in samples], dtype=np.int64),
            "unit": _text([t.unit for t, _ in samples]),
            "side": _text([t.side for t, _ in samples]),
            "time": _instants(content, [float(t.time_s[i]) for t, i in samples]),
            "time_s": np.asarray([t.time_s[i] for t, i in samples], dtype=np.float64),
            "strength": np.asarray([t.strength[i] for t, i in samples], dtype=np.float64),
        },
    )
    ev = content.events
    layers["events"] = (
        "Point",
        [_wkb_point(e.lon, e.lat) for e in ev],
        {
            "replication": np.asarray([e.replication for e in ev], dtype=np.int64),
            "kind": _text([e.kind for e in ev]),
            "side": _text([e.side for e in ev]),
            "unit": _text([e.unit for e in ev]),
            "other": _text([e.other for e in ev]),
            "detail": _text([e.detail for e in ev]),
            "value": np.asarray([np.nan if e.value is None else e.value for e in ev], dtype=np.float64),
            "count": np.asarray([e.count or 0 for e in ev], dtype=np.int64),
            "time": _instants(content, [e.time_s for e in ev]),
            "time_s": np.asarray([e.time_s for e in ev], dtype=np.float64),
            "located": _text([e.located for e in ev]),
        },
    )
    for layer, name, geometry in (
        ("place", "places", "Point"),
        ("line", "lines", "LineString"),
        ("area", "areas", "Polygon"),
    ):
        chosen: list[ScenarioFeature] = [f for f in content.features if f.layer == layer]
        encode = {"Point": lambda c: _wkb_point(*c[0]), "LineString": _wkb_line, "Polygon": _wkb_polygon}
        layers[name] = (
            geometry,
            [encode[geometry](f.coords) for f in chosen],
            {
                "id": _text([f.id for f in chosen]),
                "name": _text([f.name for f in chosen]),
                "kind": _text([f.kind for f in chosen]),
            },
        )
    return layers


def write_geopackage(content: GeoContent, path: Path) -> list[str]:
    """Write ``content`` as a GeoPackage at ``path`` (replacing the file); returns the layers written."""
    try:
        from pyogrio.raw import write
    except ImportError:
        raise UserError(
            "writing a GeoPackage needs pyogrio (GDAL); install it with: pip install 'drillsim[interop]'"
        ) from None
    if path.exists():
        path.unlink()
    written: list[str] = []
    for name, (geometry_type, geometries, fields) in _layers(content).items():
        if not geometries:
            continue
        write(
            str(path),
            np.asarray(geometries, dtype=object),
            list(fields.values()),
            list(fields),
            layer=name,
            driver="GPKG",
            geometry_type=geometry_type,
            crs="EPSG:4326",
            append=bool(written),
        )
        written.append(name)
    return written
