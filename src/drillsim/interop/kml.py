"""KML 2.2 writing with the standard library (``xml.etree``): tracks as ``gx:Track`` with one ``<when>``
per sample, events as time-stamped points, and the scenario's places, lines and areas.

Folders: ``Tracks`` (a sub-folder ``Tracks, replication K`` per replication), ``Events``
(likewise), ``Places``, ``Lines``, ``Areas``. Coordinates are longitude, latitude in WGS84 (KML's only
coordinate system), written with Python's shortest exact float text; altitudes are left out (clamped to
the ground).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from drillsim.interop.layers import EventPoint, GeoContent, ScenarioFeature, Track

__all__ = ["GX_NS", "KML_NS", "write_kml"]

KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"

_SIDE_COLOURS = ("ffbf5f1f", "ff2b39c0", "ff578b2e", "ffad448e", "ff0054d3", "ff85a016")
"""KML colours (aabbggrr) for the sides in the order the run lists them."""


def _k(tag: str) -> str:
    return f"{{{KML_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag if tag.startswith("{") else _k(tag))
    if text is not None:
        element.text = text
    return element


def _data(placemark: ET.Element, values: dict[str, object]) -> None:
    extended = _sub(placemark, "ExtendedData")
    for key, value in values.items():
        if value is None:
            continue
        data = _sub(extended, "Data")
        data.set("name", key)
        _sub(data, "value", str(value))


def _coords(pairs: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{lon!r},{lat!r}" for lon, lat in pairs)


def _track(folder: ET.Element, content: GeoContent, track: Track, styles: dict[str, str]) -> None:
    placemark = _sub(folder, "Placemark")
    _sub(placemark, "name", track.unit)
    if track.side in styles:
        _sub(placemark, "styleUrl", f"#{styles[track.side]}")
    _data(
        placemark,
        {
            "replication": track.replication,
            "unit": track.unit,
            "side": track.side,
            "unit_type": track.unit_type,
            "name": track.name,
        },
    )
    gx_track = _sub(placemark, f"{{{GX_NS}}}Track")
    for t in track.time_s:
        _sub(gx_track, "when", content.iso_time(float(t)))
    for lon, lat in zip(track.lon, track.lat, strict=True):
        _sub(gx_track, f"{{{GX_NS}}}coord", f"{float(lon)!r} {float(lat)!r} 0")


def _event(folder: ET.Element, content: GeoContent, event: EventPoint) -> None:
    placemark = _sub(folder, "Placemark")
    _sub(placemark, "name", event.kind)
    _sub(_sub(placemark, "TimeStamp"), "when", content.iso_time(event.time_s))
    _data(
        placemark,
        {
            "replication": event.replication,
            "kind": event.kind,
            "side": event.side,
            "unit": event.unit,
            "other": event.other,
            "detail": event.detail,
            "value": event.value,
            "count": event.count,
            "time_s": event.time_s,
            "located": event.located,
        },
    )
    _sub(_sub(placemark, "Point"), "coordinates", _coords([(event.lon, event.lat)]))


def _feature(folder: ET.Element, feature: ScenarioFeature) -> None:
    placemark = _sub(folder, "Placemark")
    _sub(placemark, "name", feature.name)
    _data(placemark, {"id": feature.id, "kind": feature.kind, "layer": feature.layer})
    if feature.geometry == "Point":
        _sub(_sub(placemark, "Point"), "coordinates", _coords(feature.coords))
    elif feature.geometry == "LineString":
        _sub(_sub(placemark, "LineString"), "coordinates", _coords(feature.coords))
    else:
        ring = _sub(_sub(_sub(placemark, "Polygon"), "outerBoundaryIs"), "LinearRing")
        _sub(ring, "coordinates", _coords(feature.coords))


def _styles(document: ET.Element, sides: list[str]) -> dict[str, str]:
    ids = {}
    for i, side in enumerate(sides):
        style_id = f"side-{i}"
        style = _sub(document, "Style")
        style.set("id", style_id)
        line = _sub(style, "LineStyle")
        _sub(line, "color", _SIDE_COLOURS[i % len(_SIDE_COLOURS)])
        _sub(line, "width", "2")
        ids[side] = style_id
    return ids


def write_kml(content: GeoContent, path: Path, *, sides: list[str]) -> None:
    """Write ``content`` as one KML document at ``path``; ``sides`` orders the track colours."""
    ET.register_namespace("", KML_NS)
    ET.register_namespace("gx", GX_NS)
    root = ET.Element(_k("kml"))
    document = _sub(root, "Document")
    _sub(document, "name", f"{content.scenario}-seed{content.seed}")
    styles = _styles(document, sides)
    tracks = _sub(document, "Folder")
    _sub(tracks, "name", "Tracks")
    events = _sub(document, "Folder")
    _sub(events, "name", "Events")
    for rep in sorted({t.replication for t in content.tracks} | {e.replication for e in content.events}):
        rep_tracks = _sub(tracks, "Folder")
        _sub(rep_tracks, "name", f"Tracks, replication {rep}")
        for track in content.tracks:
            if track.replication == rep:
                _track(rep_tracks, content, track, styles)
        rep_events = _sub(events, "Folder")
        _sub(rep_events, "name", f"Events, replication {rep}")
        for event in content.events:
            if event.replication == rep:
                _event(rep_events, content, event)
    for layer, title in (("place", "Places"), ("line", "Lines"), ("area", "Areas")):
        folder = _sub(document, "Folder")
        _sub(folder, "name", title)
        for feature in content.features:
            if feature.layer == layer:
                _feature(folder, feature)
    tree = ET.ElementTree(root)
    ET.indent(tree, space=" ")
    tree.write(path, encoding="utf-8", xml_declaration=True)
