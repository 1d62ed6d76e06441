"""Packaged geodata: named places, lines (borders, rivers, roads, border sections) and rasters.

A geodata set is a directory with a ``manifest.json`` and the layer files it lists (GeoJSON for vector
layers, ``.npz`` for rasters), written by ``scripts/build_geodata.py``. Sets shipped with drillsim live in
``drillsim/geo/data/<name>/`` and are read with :mod:`importlib.resources`, so they work from a wheel or a
zip. Coordinates are WGS84 degrees; line vertices are stored as (lon, lat) rows, as in GeoJSON.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from drillsim.core.errors import InputError, Location, clip
from drillsim.core.suggest import closest_match
from drillsim.geo.projection import LocalProjection

__all__ = [
    "Bounds",
    "GeoGrid",
    "Geodata",
    "Line",
    "Place",
    "geodata_names",
    "load_geodata",
    "normalize_name",
]

_PACKAGE_DATA = "data"
_CONFIDENCE = ("low", "medium", "high")


def normalize_name(name: str) -> str:
    """Fold a place name for lookup: no diacritics, no case, no spaces, hyphens or apostrophes.

    ``"Kŭlob"``, ``"kulob"`` and ``"KULOB"`` all fold to ``"kulob"``; ``"Qalai-Khumb"`` to ``"qalaikhumb"``.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    kept = [c for c in decomposed if not unicodedata.combining(c) and (c.isalnum())]
    return "".join(kept).casefold()


@dataclass(frozen=True, slots=True)
class Place:
    """A named point: a town, an airfield, a training area or a river crossing."""

    name: str
    lat: float
    lon: float
    kind: str
    source: str
    confidence: str
    aliases: tuple[str, ...] = ()
    id: str = ""
    country: str | None = None
    geonameid: int | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_crossing(self) -> bool:
        """True for bridges, ferries and fords."""
        return self.kind in ("bridge", "ferry", "ford")


@dataclass(frozen=True, slots=True, eq=False)
class Line:
    """A named polyline of one or more parts; each part is an (n, 2) array of (lon, lat) rows."""

    name: str
    kind: str
    parts: tuple[NDArray[np.float64], ...]
    source: str
    confidence: str
    aliases: tuple[str, ...] = ()
    id: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_obstacle(self) -> bool:
        """True if units may cross this line only at named crossings (the border rivers)."""
        return bool(self.properties.get("obstacle", False))

    def vertices(self) -> NDArray[np.float64]:
        """All vertices of all parts, stacked: an (n, 2) array of (lon, lat)."""
        return np.vstack(self.parts)

    def to_xy(self, projection: LocalProjection) -> tuple[NDArray[np.float64], ...]:
        """Each part projected to an (n, 2) array of (x, y) metres."""
        out = []
        for part in self.parts:
            x, y = projection.to_xy(part[:, 1], part[:, 0])
            out.append(np.column_stack([x, y]))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Bounds:
    """A longitude/latitude box in degrees."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lat: float, lon: float) -> bool:
        """True if (lat, lon) lies inside the box or on its edge."""
        return self.west <= lon <= self.east and self.south <= lat <= self.north


@dataclass(frozen=True, slots=True, eq=False)
class GeoGrid:
    """A raster on a longitude/latitude grid, pixel-is-area, with a GDAL-order geotransform.

    ``transform`` is (west, dlon, 0, north, 0, -dlat): cell (row, col) covers longitudes
    west + col*dlon .. west + (col+1)*dlon, and row 0 is the northernmost row.
    """

    values: NDArray[Any]
    transform: tuple[float, float, float, float, float, float]

    def sample_bilinear(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        """Bilinear interpolation between cell centres; points beyond the outer centres take edge values."""
        west, dlon, _, north, _, dlat = self.transform
        grid = np.asarray(self.values, dtype=np.float64)
        col = np.clip((lon - west) / dlon - 0.5, 0.0, grid.shape[1] - 1.0)
        row = np.clip((lat - north) / dlat - 0.5, 0.0, grid.shape[0] - 1.0)
        c0 = np.minimum(np.floor(col).astype(np.intp), grid.shape[1] - 2)
        r0 = np.minimum(np.floor(row).astype(np.intp), grid.shape[0] - 2)
        fc = col - c0
        fr = row - r0
        top = grid[r0, c0] * (1.0 - fc) + grid[r0, c0 + 1] * fc
        bottom = grid[r0 + 1, c0] * (1.0 - fc) + grid[r0 + 1, c0 + 1] * fc
        result: NDArray[np.float64] = top * (1.0 - fr) + bottom * fr
        return result

    def sample_nearest(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[Any]:
        """Value of the cell containing each point; points outside take the nearest edge cell."""
        west, dlon, _, north, _, dlat = self.transform
        col = np.clip(np.floor((lon - west) / dlon).astype(np.intp), 0, self.values.shape[1] - 1)
        row = np.clip(np.floor((lat - north) / dlat).astype(np.intp), 0, self.values.shape[0] - 1)
        return self.values[row, col]


@dataclass(frozen=True, slots=True, eq=False)
class Geodata:
    """One geodata set: places and lines by id, rasters, bounds and the build manifest."""

    name: str
    places: Mapping[str, Place]
    lines: Mapping[str, Line]
    bounds: Bounds
    manifest: Mapping[str, Any]
    origin: tuple[float, float]
    elevation: GeoGrid | None = None
    terrain_classes: GeoGrid | None = None
    _place_index: Mapping[str, str] = field(default_factory=dict, repr=False)
    _line_index: Mapping[str, str] = field(default_factory=dict, repr=False)

    def projection(self) -> LocalProjection:
        """The local projection centred on this set's origin."""
        return LocalProjection(*self.origin)

    def place(self, name: str) -> Place:
        """The place with this id, name or alias (any transliteration listed; case and accents ignored)."""
        key = self._place_index.get(normalize_name(name))
        if key is None:
            raise InputError(
                f"unknown place '{name}' in geodata '{self.name}'",
                expected="a place id, name or alias",
                found=repr(name),
                suggestion=closest_match(name, self._all_names(self.places.values())),
            )
        return self.places[key]

    def line(self, name: str) -> Line:
        """The line with this id (``"river/panj"``), name or alias (``"Pyanj section"``, ``"Panj"``)."""
        key = self._line_index.get(normalize_name(name))
        if key is None:
            raise InputError(
                f"unknown line '{name}' in geodata '{self.name}'",
                expected="a line id, name or alias",
                found=repr(name),
                suggestion=closest_match(name, self._all_names(self.lines.values())),
            )
        return self.lines[key]

    def lines_of_kind(self, kind: str) -> dict[str, Line]:
        """Lines of one kind (``"border"``, ``"river"``, ``"road"``, ``"section"``), by id, in id order."""
        return {k: v for k, v in sorted(self.lines.items()) if v.kind == kind}

    def places_of_kind(self, *kinds: str) -> dict[str, Place]:
        """Places whose kind is one of ``kinds``, by id, in id order."""
        return {k: v for k, v in sorted(self.places.items()) if v.kind in kinds}

    def crossings(self) -> dict[str, Place]:
        """Bridges, ferries and fords, by id, in id order."""
        return {k: v for k, v in sorted(self.places.items()) if v.is_crossing}

    @staticmethod
    def _all_names(items: Any) -> Iterator[str]:
        for item in items:
            yield item.id
            yield item.name
            yield from item.aliases


# --------------------------------------------------------------------------------------------- loading


def _data_root() -> Traversable:
    return resources.files("drillsim.geo").joinpath(_PACKAGE_DATA)


def geodata_names() -> list[str]:
    """Names of the geodata sets shipped with drillsim, sorted."""
    root = _data_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.joinpath("manifest.json").is_file())


def load_geodata(name_or_path: str | Path) -> Geodata:
    """Load a shipped geodata set by name (see :func:`geodata_names`) or a set directory by path."""
    text = str(name_or_path)
    if not isinstance(name_or_path, Path) and text in geodata_names():
        root: Traversable = _data_root().joinpath(text)
        label = text
    else:
        path = Path(name_or_path)
        if not path.joinpath("manifest.json").is_file():
            raise InputError(
                "no geodata set here",
                location=Location(str(path)),
                expected=f"a shipped set ({', '.join(geodata_names()) or 'none'}) "
                "or a directory with manifest.json",
                found="a missing file" if not path.exists() else "no manifest.json",
                suggestion=closest_match(text, geodata_names()),
            )
        root = path
        label = str(path)
    return _read_set(root, label)


def _read_json(root: Traversable, name: str, label: str) -> Any:
    try:
        return json.loads(root.joinpath(name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {name}: {exc}", location=Location(f"{label}/{name}")) from exc


def _read_grid(root: Traversable, name: str, key: str, label: str) -> GeoGrid:
    try:
        with root.joinpath(name).open("rb") as f, np.load(f, allow_pickle=False) as npz:
            values = np.array(npz[key])
            t = tuple(float(v) for v in npz["transform"])
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"cannot read raster {name}: {exc}", location=Location(f"{label}/{name}")) from exc
    if len(t) != 6:
        raise InputError("bad geotransform", location=Location(f"{label}/{name}"), expected="6 numbers")
    values.setflags(write=False)
    return GeoGrid(values=values, transform=(t[0], t[1], t[2], t[3], t[4], t[5]))


def _confidence(props: Mapping[str, Any], where: str) -> str:
    value = str(props.get("confidence", ""))
    if value not in _CONFIDENCE:
        raise InputError(
            "bad confidence",
            location=Location(where),
            path=f"{props.get('id', '?')}.confidence",
            expected=" | ".join(_CONFIDENCE),
            found=f"a value of {len(value)} characters",
        )
    return value


LAYER_SUFFIXES = {"points": (".geojson", ".json"), "lines": (".geojson", ".json"), "grid": (".npz",)}
"""The file suffixes a geodata set's layers may have, by kind (grids: elevation and terrain)."""


def _layer_file(layer_name: str, layer: Any, label: str) -> str:
    """The file of one layer of a set's manifest: a plain name inside the set, with a layer suffix."""
    where = Location(f"{label}/manifest.json")
    kind = layer.get("kind") if isinstance(layer, dict) else None
    file = layer.get("file") if isinstance(layer, dict) else None
    suffixes = LAYER_SUFFIXES["grid" if layer_name in ("elevation", "terrain") else str(kind)]
    if not isinstance(file, str) or Path(file).name != file or file in (".", ".."):
        raise InputError(
            f"layer '{clip(layer_name)}' must name a file of the set itself",
            location=where,
            path=f"layers.{clip(layer_name)}.file",
            expected="a plain file name in the set's folder",
        )
    if not file.lower().endswith(suffixes):
        raise InputError(
            f"layer '{clip(layer_name)}' names a file of the wrong kind",
            location=where,
            path=f"layers.{clip(layer_name)}.file",
            expected="a file ending in " + " or ".join(suffixes),
        )
    return file


def _read_set(root: Traversable, label: str) -> Geodata:
    """A geodata set; a malformed one is an InputError that names the set, never quoting its files."""
    try:
        return _read_set_files(root, label)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        raise InputError(
            "not a readable geodata set: a layer or the manifest lacks a field or has one of the wrong type",
            location=Location(f"{label}/manifest.json"),
            expected="a set written by drillsim's geodata script (manifest.json and its layers)",
        ) from None


def _read_set_files(root: Traversable, label: str) -> Geodata:
    manifest = _read_json(root, "manifest.json", label)
    places: dict[str, Place] = {}
    lines: dict[str, Line] = {}
    elevation = classes = None
    for layer_name, layer in sorted(manifest["layers"].items()):
        file = _layer_file(str(layer_name), layer, label)
        where = f"{label}/{file}"
        if layer["kind"] == "points":
            for feat in _read_json(root, file, label)["features"]:
                props = feat["properties"]
                lon, lat = feat["geometry"]["coordinates"]
                known = {"id", "name", "kind", "source", "confidence", "aliases", "country", "geonameid"}
                places[props["id"]] = Place(
                    name=props["name"],
                    lat=float(lat),
                    lon=float(lon),
                    kind=props["kind"],
                    source=props["source"],
                    confidence=_confidence(props, where),
                    aliases=tuple(props.get("aliases", ())),
                    id=props["id"],
                    country=props.get("country"),
                    geonameid=props.get("geonameid"),
                    properties=MappingProxyType(
                        {"layer": layer_name, **{k: v for k, v in props.items() if k not in known}}
                    ),
                )
        elif layer["kind"] == "lines":
            for feat in _read_json(root, file, label)["features"]:
                props = feat["properties"]
                geom = feat["geometry"]
                raw = [geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"]
                parts = []
                for coords in raw:
                    arr = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
                    arr.setflags(write=False)
                    parts.append(arr)
                known = {"id", "name", "kind", "source", "confidence", "aliases"}
                lines[props["id"]] = Line(
                    name=props["name"],
                    kind=props["kind"],
                    parts=tuple(parts),
                    source=props["source"],
                    confidence=_confidence(props, where),
                    aliases=tuple(props.get("aliases", ())),
                    id=props["id"],
                    properties=MappingProxyType(
                        {"layer": layer_name, **{k: v for k, v in props.items() if k not in known}}
                    ),
                )
        elif layer_name == "elevation":
            elevation = _read_grid(root, file, "elevation_m", label)
        elif layer_name == "terrain":
            classes = _read_grid(root, file, "terrain_class", label)
    b = manifest["bounds"]
    origin = manifest["origin"]
    return Geodata(
        name=str(manifest["name"]),
        places=MappingProxyType(places),
        lines=MappingProxyType(lines),
        bounds=Bounds(float(b["west"]), float(b["south"]), float(b["east"]), float(b["north"])),
        manifest=MappingProxyType(manifest),
        origin=(float(origin["lat"]), float(origin["lon"])),
        elevation=elevation,
        terrain_classes=classes,
        _place_index=MappingProxyType(_name_index(places)),
        _line_index=MappingProxyType(_name_index(lines)),
    )


def _name_index(items: Mapping[str, Place] | Mapping[str, Line]) -> dict[str, str]:
    """Folded id/name/alias -> id. Ids win over names, names over aliases; ties go to the first id."""
    index: dict[str, str] = {}
    for rank in range(3):
        for key in sorted(items):
            item = items[key]
            names: tuple[str, ...]
            if rank == 0:
                names = (key, key.rsplit("/", 1)[-1])
            elif rank == 1:
                names = (item.name,)
            else:
                names = item.aliases
            for n in names:
                index.setdefault(normalize_name(n), key)
    return index
