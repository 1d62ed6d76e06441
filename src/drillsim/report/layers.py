"""Map layers drawn under the units, with no tile server: geodata and scenario features as JSON, and the
elevation grid as a shaded-relief PNG.

Geodata lines and places are grouped by the layer they came from (borders, rivers, roads, sections,
places, crossings, airfields); the scenario's own places, sites, lines and areas form one more group. All
coordinates are [lat, lon] pairs, as Leaflet takes them.
"""

from __future__ import annotations

import math
import struct
import zlib
from typing import Any

import numpy as np

from drillsim.geo.geodata import Geodata, GeoGrid, load_geodata
from drillsim.report.results import Result
from drillsim.scenario.gazetteer import gazetteer_for
from drillsim.scenario.models import LatLon, Scenario

__all__ = ["elevation_png", "map_layers"]

_LINE_ORDER = ("border", "river", "road", "section")


def _latlon_part(part: np.ndarray) -> list[list[float]]:
    return [[round(float(lat), 5), round(float(lon), 5)] for lon, lat in part]


def _geodata(result: Result) -> Geodata | None:
    name = result.header.get("geodata")
    return load_geodata(str(name)) if name else None


def _geodata_layers(geo: Geodata) -> dict[str, Any]:
    lines: dict[str, list[dict[str, Any]]] = {kind: [] for kind in _LINE_ORDER}
    for lid, line in sorted(geo.lines.items()):
        lines.setdefault(line.kind, []).append(
            {
                "id": lid,
                "name": line.name,
                "obstacle": line.is_obstacle,
                "parts": [_latlon_part(p) for p in line.parts],
            }
        )
    places: dict[str, list[dict[str, Any]]] = {"places": [], "crossings": [], "airfields": []}
    for pid, place in sorted(geo.places.items()):
        group = "crossings" if place.is_crossing else str(place.properties.get("layer", "places"))
        places.setdefault(group, []).append(
            {"id": pid, "name": place.name, "kind": place.kind, "lat": place.lat, "lon": place.lon}
        )
    b = geo.bounds
    return {
        "name": geo.name,
        "title": geo.manifest.get("title", geo.name),
        "bounds": [[b.south, b.west], [b.north, b.east]],
        "lines": lines,
        "points": places,
    }


def _scenario_layers(scenario: Scenario) -> dict[str, Any]:
    gaz = gazetteer_for(scenario)

    def point(ref: LatLon | str) -> list[float] | None:
        try:
            p = gaz.resolve(ref)
        except KeyError:
            return None
        return [round(p.lat, 6), round(p.lon, 6)]

    places = []
    for name, place in sorted(scenario.places.items()):
        places.append(
            {"id": name, "name": place.name or name, "kind": place.kind, "at": [place.lat, place.lon]}
        )
    for name, site in sorted(scenario.sites.items()):
        at = point(site.at)
        if at is not None:
            places.append({"id": name, "name": site.name or name, "kind": site.kind, "at": at})
    lines = []
    for name, line in sorted(scenario.lines.items()):
        pts = [p for p in (point(r) for r in line.points) if p is not None]
        if not pts and line.geodata_line is not None:
            pts = [[round(p.lat, 6), round(p.lon, 6)] for p in gaz.lines.get(line.geodata_line, [])]
        if len(pts) >= 2:
            lines.append({"id": name, "name": line.name or name, "kind": line.kind, "points": pts})
    areas = []
    for name, area in sorted(scenario.areas.items()):
        entry: dict[str, Any] = {"id": name, "name": area.name or name, "kind": area.kind}
        if len(area.polygon) >= 3:
            entry["polygon"] = [p for p in (point(r) for r in area.polygon) if p is not None]
        elif area.center is not None and area.radius_m is not None:
            entry["center"] = point(area.center)
            entry["radius_m"] = float(area.radius_m)
        areas.append(entry)
    return {"places": places, "lines": lines, "areas": areas}


def map_layers(result: Result) -> dict[str, Any]:
    """The map's background as JSON: bounds, geodata layers (when the scenario names a set), scenario
    features, and where the elevation image goes (``elevation.bounds``; None when there is none)."""
    b = result.header["bounds"]
    geo = _geodata(result)
    elevation = None
    if geo is not None and geo.elevation is not None:
        elevation = {"bounds": _grid_bounds(geo.elevation)}
    return {
        "bounds": [[b["south"], b["west"]], [b["north"], b["east"]]],
        "geodata": _geodata_layers(geo) if geo is not None else None,
        "scenario": _scenario_layers(result.scenario) if result.scenario is not None else None,
        "elevation": elevation,
    }


def _grid_bounds(grid: GeoGrid) -> list[list[float]]:
    west, dlon, _, north, _, dlat = grid.transform
    rows, cols = grid.values.shape
    return [[north + rows * dlat, west], [north, west + cols * dlon]]


RELIEF_PIXELS = 1200
"""About how many pixels the shaded relief has along its longer side: enough that a map zoomed to a
phase's action shows smooth slopes rather than the grid's cells stretched and blurred by the browser."""


def relief_upsample(shape: tuple[int, ...], pixels: int = RELIEF_PIXELS) -> int:
    """How many image pixels per elevation cell (along each axis): at least 4, at most 64."""
    return int(min(max(math.ceil(pixels / max(max(shape), 1)), 4), 64))


def _shaded_relief(elevation: np.ndarray, *, upsample: int | None = None) -> np.ndarray:
    """RGBA image (uint8) of hypsometric tints with hill shading from the north-west. The grid is
    upsampled by a cubic spline (smooth slopes, no cell edges) before shading; ``upsample`` defaults to
    :func:`relief_upsample`."""
    from scipy.ndimage import zoom

    z = np.asarray(elevation, dtype=np.float64)
    factor = relief_upsample(z.shape) if upsample is None else upsample
    if factor > 1:
        z = zoom(z, factor, order=3, mode="nearest", grid_mode=True)
    dy, dx = (np.asarray(g, dtype=np.float64) for g in np.gradient(z))
    # Slopes per image pixel shrink as the pixels get smaller; scaled back so the shading does not fade.
    scale = 1.0 / max(float(np.ptp(z)), 1.0) * 60.0 * factor / 8.0
    lowest, span = float(z.min()), max(float(np.ptp(z)), 1.0)
    image = np.empty((*z.shape, 4), dtype=np.uint8)
    # A band of rows at a time: the full image's float temporaries (several times its size) never all
    # exist at once; every pixel is computed as from the whole grid.
    for top in range(0, z.shape[0], _RELIEF_BAND_ROWS):
        rows = slice(top, top + _RELIEF_BAND_ROWS)
        image[rows] = _relief_band(z[rows], dx[rows], dy[rows], scale, lowest, span)
    return image


_RELIEF_BAND_ROWS = 256
"""Rows of the relief image shaded at once (bounds the memory the shading takes)."""


def _relief_band(
    z: np.ndarray, dx: np.ndarray, dy: np.ndarray, scale: float, lowest: float, span: float
) -> np.ndarray:
    """Rows of the relief image: hypsometric tints by height (``lowest`` to ``lowest + span``) with hill
    shading from the north-west by the slopes ``dx``, ``dy``."""
    slope = np.arctan(np.hypot(dx, dy) * scale)
    aspect = np.arctan2(-dx, dy)
    azimuth, altitude = np.radians(315.0), np.radians(45.0)
    shade = np.sin(altitude) * np.cos(slope) + np.cos(altitude) * np.sin(slope) * np.cos(azimuth - aspect)
    shade = np.clip(shade, 0.0, 1.0)
    t = (z - lowest) / span
    low = np.array([214.0, 226.0, 196.0])
    mid = np.array([222.0, 206.0, 170.0])
    high = np.array([245.0, 245.0, 245.0])
    tint = np.where(
        t[..., None] < 0.5,
        low + (mid - low) * (t[..., None] * 2),
        mid + (high - mid) * (t[..., None] * 2 - 1),
    )
    rgb = tint * (0.55 + 0.45 * shade[..., None])
    alpha = np.full(z.shape, 200.0)
    band: np.ndarray = np.clip(np.dstack([rgb, alpha]), 0, 255).astype(np.uint8)
    return band


def _png(rgba: np.ndarray) -> bytes:
    """Encode an (h, w, 4) uint8 array as a PNG (no imaging library needed)."""
    h, w, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[r].tobytes() for r in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def elevation_png(result: Result) -> bytes | None:
    """Shaded relief of the result's geodata elevation grid as PNG bytes; None when there is no grid."""
    geo = _geodata(result)
    if geo is None or geo.elevation is None:
        return None
    return _png(_shaded_relief(geo.elevation.values))
