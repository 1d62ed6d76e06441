"""Weapons and vehicles follow personnel (docs/reference/scenario.md, units and unit types): per-person
mounts scale with a unit's strength, crew-served ones keep their count, and a unit's own weapons,
ammunition and vehicles replace its type's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from drillsim import load_scenario
from drillsim.engine import Simulation
from drillsim.world.build import build_world

ROOT = Path(__file__).resolve().parents[2]


def example_with(tmp_path: Path, unit: dict[str, object], *, vehicles_per_person: bool = False) -> Path:
    """The crossing-defence example with ``unit`` added to the militant technical (type militant-technical:
    6 people, 5 rifles of 200 rounds per person, one heavy machine gun of 500 rounds)."""
    data = yaml.safe_load((ROOT / "examples" / "crossing-defence.yaml").read_text(encoding="utf-8"))
    data["units"]["mil/technical"] |= unit
    if vehicles_per_person:
        data.setdefault("catalogue", {}).setdefault("unit_types", {})["militant-technical"] = {
            "category": "irregular",
            "personnel": 6,
            "vehicles_per_person": True,
            "weapons": [{"weapon": "rifle-545", "count": 5, "ammunition": 200, "per_person": True}],
        }
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def mounts(path: Path) -> dict[str, tuple[float, float]]:
    """The technical's mounts: weapon -> (count, rounds)."""
    f = build_world(load_scenario(path)).forces
    e = f.index("mil/technical")
    return {
        str(f.w_name[m]): (float(f.w_count[m]), float(f.w_ammo0[m])) for m in np.flatnonzero(f.w_elem == e)
    }


def test_per_person_weapons_scale_with_strength(tmp_path: Path) -> None:
    """Twelve people instead of six: ten rifles (ten loads of 200 rounds), still one heavy machine gun."""
    got = mounts(example_with(tmp_path, {"strength": 12}))
    assert got["rifle-545"] == (10.0, 2000.0)
    assert got["hmg-127"] == (1.0, 500.0)


def test_per_person_weapons_keep_one_while_anyone_is_left(tmp_path: Path) -> None:
    """One person: one rifle (five times one sixth rounds up to one)."""
    assert mounts(example_with(tmp_path, {"strength": 1}))["rifle-545"] == (1.0, 200.0)


def test_unit_ammunition_replaces_the_basic_load(tmp_path: Path) -> None:
    """units.<id>.ammunition: 50 rounds per rifle instead of 200; the machine gun keeps its load."""
    got = mounts(example_with(tmp_path, {"ammunition": {"rifle-545": 50}}))
    assert got["rifle-545"] == (5.0, 250.0)
    assert got["hmg-127"] == (1.0, 500.0)


def test_unit_weapons_replace_the_type_weapons(tmp_path: Path) -> None:
    """units.<id>.weapons: two machine guns and nothing else, whatever the strength."""
    got = mounts(
        example_with(
            tmp_path, {"strength": 12, "weapons": [{"weapon": "mg-762", "count": 2, "ammunition": 300}]}
        )
    )
    assert got == {"mg-762": (2.0, 600.0)}


def test_vehicles_follow_personnel_where_the_type_says_so(tmp_path: Path) -> None:
    """vehicles_per_person: twelve people ride two pickups (the type has one for six); a unit's own vehicles
    replace the type's."""
    scaled = Simulation(load_scenario(example_with(tmp_path, {"strength": 12}, vehicles_per_person=True)))
    units = {u["id"]: u for u in scaled.header()["units"]}
    assert units["mil/technical"]["vehicles"] == {"pickup": 2.0}
    own = Simulation(load_scenario(example_with(tmp_path, {"strength": 12, "vehicles": {"pickup": 3}})))
    units = {u["id"]: u for u in own.header()["units"]}
    assert units["mil/technical"]["vehicles"] == {"pickup": 3.0}
