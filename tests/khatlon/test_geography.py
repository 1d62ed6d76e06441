"""The Khatlon 2015 scenario's own places, sites and lines sit where they should on the real map."""

from __future__ import annotations

import math

import numpy as np
import pytest

from drillsim import Scenario
from drillsim.geo import load_geodata
from drillsim.mechanics.outcomes.step import signed_offsets
from drillsim.scenario.gazetteer import gazetteer_for

SECTIONS = {"shakhritus", "pyanj", "khamadoni", "farkhor", "shuroabad", "darvaza"}

# Each hand-entered place, the geodata place (GeoNames town or hand-checked crossing) it is placed by,
# the greatest distance from it in km, and the bank of the border it must be on.
ANCHORS = {
    "mil-assembly-west": ("ayvaj_crossing", 12.0, "AF"),
    "mil-assembly-centre": ("sher_khan_bandar", 8.0, "AF"),
    "mil-assembly-east": ("panj_ferry", 15.0, "AF"),
    "mil-obj-west": ("harbmaidon_range", 5.0, "TJ"),
    "mil-obj-centre": ("harbmaidon_range", 15.0, "TJ"),
    "mil-cp": ("harbmaidon_range", 10.0, "TJ"),
    "mil-obj-east": ("panj", 8.0, "TJ"),
    "csto-assembly": ("harbmaidon_range", 18.0, "TJ"),
    "arty-pos": ("harbmaidon_range", 18.0, "TJ"),
    "block-east": ("panj", 15.0, "TJ"),
}


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(dlat, dlon)


@pytest.fixture(scope="module")
def border_offset():
    """Signed distance (m) of a point from the WDBII border: positive on the Tajik bank."""
    geo = load_geodata("khatlon")
    proj = geo.projection()
    line = geo.line("border/tj-af")
    pts = np.vstack([np.column_stack(proj.to_xy(p[:, 1], p[:, 0])) for p in line.parts])
    x0, y0 = proj.to_xy(38.5358, 68.779)  # Dushanbe, well inside Tajikistan
    sign = float(np.sign(signed_offsets(np.array([x0]), np.array([y0]), pts)[0]))

    def offset(lat: float, lon: float) -> float:
        x, y = proj.to_xy(lat, lon)
        return sign * float(signed_offsets(np.array([x]), np.array([y]), pts)[0])

    return offset


def test_every_hand_entered_place_has_an_anchor(base: Scenario) -> None:
    """Every place the scenario enters by hand is checked below against a real reference place."""
    assert set(base.places) == set(ANCHORS)


def test_hand_entered_places_carry_pedigree(base: Scenario) -> None:
    """Every hand-entered place names its source and confidence."""
    for name, place in base.places.items():
        assert place.source in base.sources, name
        assert place.confidence is not None, name


def test_hand_entered_places_lie_near_their_reference_places(base: Scenario) -> None:
    """Each hand-entered place is within a few km of the real town or crossing it is placed by."""
    geo = load_geodata("khatlon")
    for name, (ref, limit_km, _) in ANCHORS.items():
        place, anchor = base.places[name], geo.place(ref)
        assert _km(place.lat, place.lon, anchor.lat, anchor.lon) <= limit_km, name


def test_hand_entered_places_lie_on_the_right_bank(base: Scenario, border_offset) -> None:
    """Militant assembly areas lie in Afghanistan, the rest in Tajikistan, 1 km or more from the border."""
    for name, (_, _, country) in ANCHORS.items():
        place = base.places[name]
        off = border_offset(place.lat, place.lon)
        assert (off > 1000.0) if country == "TJ" else (off < -1000.0), (name, off)


def test_militant_assembly_areas_are_out_of_sight_of_the_border(base: Scenario, border_offset) -> None:
    """The militants assemble over 5 km (binocular range) behind the border: the crossing is a surprise."""
    for name in ("mil-assembly-west", "mil-assembly-centre", "mil-assembly-east"):
        place = base.places[name]
        assert border_offset(place.lat, place.lon) < -5000.0, name


def test_harbmaidon_range_is_about_20_km_from_the_border(border_offset) -> None:
    """The militants' objective, the Harbmaidon range, lies 10-30 km inside Tajikistan (TASS: about 20 km)."""
    range_ = load_geodata("khatlon").place("harbmaidon_range")
    assert 10_000 <= border_offset(range_.lat, range_.lon) <= 30_000


def test_crossings_the_incursion_uses_are_real_crossings(base: Scenario) -> None:
    """The incursion routes cross the border rivers only at crossings the geodata knows, on the river."""
    geo = load_geodata("khatlon")
    crossings = set(geo.crossings())
    phase = base.plan.phases["incursion"]
    used = {v for task in phase.tasks for v in task.via if isinstance(v, str)} & crossings
    assert used == {"ayvaj_crossing", "panji_poyon_bridge", "panj_ferry"}
    # At its published position (English Wikipedia: 37.1946 N, 68.6053 E), within 1 km.
    bridge = geo.place("panji_poyon_bridge")
    assert _km(bridge.lat, bridge.lon, 37.1946, 68.6053) < 1.0


def test_airbases_are_real_airfields(base: Scenario) -> None:
    """Every airbase site stands on an airfield of the geodata, within 1 km."""
    geo = load_geodata("khatlon")
    gaz = gazetteer_for(base)
    airfields = geo.places_of_kind("airfield")
    for name, site in base.sites.items():
        if site.kind != "airbase":
            continue
        point = gaz.resolve(site.at)
        assert min(_km(point.lat, point.lon, a.lat, a.lon) for a in airfields.values()) <= 1.0, name


def test_second_line_lines_are_the_six_priority_sections(base: Scenario) -> None:
    """The second line screens exactly the six priority sections, each a section line of the geodata."""
    tasks = base.plan.phases["snap-deployment"].tasks
    screened = {t.line for t in tasks if t.task in ("screen", "defend") and getattr(t, "line", None)}
    screened.discard("block-line")
    assert screened == SECTIONS
    for name in SECTIONS:
        assert base.lines[name].geodata_line == f"section/{name}"


def test_second_line_units_are_tajik(base: Scenario) -> None:
    """The units screening the priority sections are all Tajik army units."""
    tasks = base.plan.phases["snap-deployment"].tasks
    for task in tasks:
        if task.task == "screen":
            for uid in task.units:
                assert base.units[uid].nation == "TJK"


def test_penetration_is_measured_from_the_border(base: Scenario) -> None:
    """Depth of penetration is measured from the Tajik-Afghan border line of the geodata."""
    measure = base.measures["penetration-depth"]
    assert base.lines[str(measure.line)].geodata_line == "border/tj-af"
