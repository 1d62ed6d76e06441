"""Scenario fields that name files (``area.elevation``, ``area.geodata``) are sandboxed like ``extends:``.

A path is read relative to the folder of the file that names it and must lie in that folder or below
(unless ``allow_outside``); an elevation file must be a GeoTIFF by name (.tif, .tiff) and a geodata set a
folder holding manifest.json whose layers are files of the set itself. No error quotes another file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.crs import CRS

import drillsim
from drillsim.core.errors import InputError
from drillsim.scenario.io import with_overrides
from drillsim.world.build import build_world

SECRET = "SECRET-4e2a77"
Edit = Callable[..., Path]
AREA = "  default_terrain: open\n"


def with_area_field(edit: Edit, line: str) -> Path:
    """The example with one more line under ``area:`` (written into the test's folder)."""
    return edit(AREA, AREA + "  " + line + "\n")


def write_dem(path: Path) -> Path:
    """A small geographic GeoTIFF over the example's area, rising from west to east."""
    n = 40
    values = np.tile(np.linspace(400.0, 600.0, n), (n, 1)).astype(np.float32)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=n,
        width=n,
        count=1,
        dtype="float32",
        crs=CRS.from_string("EPSG:4326"),
        transform=Affine(0.3 / n, 0.0, 68.48, 0.0, -0.25 / n, 37.32),
    ) as dst:
        dst.write(values, 1)
    return path


def error_of(path: Path, **options: bool) -> InputError:
    with pytest.raises(InputError) as caught:
        drillsim.load_scenario(path, **options)
    return caught.value


def test_elevation_beside_the_scenario_is_used(edit: Edit, tmp_path: Path) -> None:
    """A GeoTIFF named relative to the scenario is found from any working folder and builds the terrain."""
    write_dem(tmp_path / "dem.tif")
    path = with_area_field(edit, "elevation: dem.tif")
    scenario = drillsim.load_scenario(path)
    assert scenario.area.elevation == str((tmp_path / "dem.tif").resolve())
    world = build_world(scenario)
    x, y = world.projection.to_xy(37.2, 68.7)
    assert 500.0 < float(world.terrain.elevation_at(x, y)) < 600.0


def test_elevation_outside_the_folder_needs_allow_outside(edit: Edit, tmp_path: Path) -> None:
    """'../dem.tif' is refused at its line and field; allow_outside lets it through."""
    write_dem(tmp_path.parent / f"{tmp_path.name}-dem.tif")
    path = with_area_field(edit, f"elevation: ../{tmp_path.name}-dem.tif")
    error = error_of(path)
    assert re.match(rf"^{re.escape(str(path))}:\d+:\d+: ", str(error))
    assert error.path == "area.elevation"
    assert "outside the folder" in str(error)
    assert drillsim.load_scenario(path, allow_outside=True).area.elevation is not None


@pytest.mark.parametrize("name", ["secret.txt", "/etc/passwd", "scenario.yaml", "dem.tif.txt"])
def test_elevation_needs_a_geotiff_name(edit: Edit, tmp_path: Path, name: str) -> None:
    """A file that is not .tif/.tiff is refused by its name, before it is opened; nothing quoted."""
    (tmp_path / "secret.txt").write_text(f"token: {SECRET}\n", encoding="utf-8")
    error = error_of(with_area_field(edit, f"elevation: {name}"))
    assert "is not an elevation file" in str(error)
    assert SECRET not in str(error)
    assert "root:" not in str(error)


def test_a_geotiff_name_on_another_file_is_not_quoted(edit: Edit, tmp_path: Path) -> None:
    """A secret saved as dem.tif loads (the name is right) but building the world refuses it unquoted."""
    (tmp_path / "dem.tif").write_text(f"password: {SECRET}\n", encoding="utf-8")
    scenario = drillsim.load_scenario(with_area_field(edit, "elevation: dem.tif"))
    with pytest.raises(InputError) as caught:
        build_world(scenario)
    assert SECRET not in str(caught.value)


def test_missing_elevation_file_is_reported_at_load(edit: Edit) -> None:
    """A GeoTIFF that is not there: refused at load with the field, not when the world is built."""
    error = error_of(with_area_field(edit, "elevation: tiles/n37e068.tif"))
    assert "no file 'tiles/n37e068.tif'" in str(error)
    assert error.path == "area.elevation"


def geodata_set(folder: Path, layers: dict[str, dict[str, str]]) -> Path:
    """A geodata folder: manifest.json with ``layers`` over the example's bounds."""
    folder.mkdir(parents=True)
    manifest = {
        "name": "test",
        "title": "test",
        "bounds": {"west": 68.4, "south": 37.0, "east": 68.9, "north": 37.4},
        "origin": {"lat": 37.2, "lon": 68.6},
        "layers": layers,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_geodata_outside_the_folder_needs_allow_outside(edit: Edit, tmp_path: Path) -> None:
    """A geodata folder above the scenario's is refused; shipped set names are still accepted."""
    geodata_set(tmp_path.parent / f"{tmp_path.name}-geo", {})
    path = with_area_field(edit, f"geodata: ../{tmp_path.name}-geo")
    error = error_of(path)
    assert error.path == "area.geodata"
    assert "outside the folder" in str(error)
    drillsim.load_scenario(path, allow_outside=True)
    assert drillsim.load_scenario(with_area_field(edit, "geodata: khatlon")).area.geodata == "khatlon"


@pytest.mark.parametrize("file", ["../secret.txt", "/etc/passwd", "sub/places.geojson", "places.txt"])
def test_geodata_layers_are_files_of_the_set(edit: Edit, tmp_path: Path, file: str) -> None:
    """A layer naming a file outside the set, in a subfolder, or of another kind: refused, unquoted."""
    (tmp_path / "secret.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    geodata_set(tmp_path / "geo", {"places": {"kind": "points", "file": file}})
    error = error_of(with_area_field(edit, "geodata: geo"))
    assert error.path == "area.geodata"
    assert "layer 'places'" in str(error)
    assert SECRET not in str(error)
    assert "root:" not in str(error)


def test_a_geodata_layer_holding_a_secret_is_not_quoted(edit: Edit, tmp_path: Path) -> None:
    """A layer file of the right name whose text is a secret: refused without quoting it."""
    folder = geodata_set(tmp_path / "geo", {"places": {"kind": "points", "file": "places.geojson"}})
    (folder / "places.geojson").write_text(f"{SECRET}\n", encoding="utf-8")
    error = error_of(with_area_field(edit, "geodata: geo"))
    assert SECRET not in str(error)


def test_an_override_cannot_name_a_file(example_path: Path) -> None:
    """Experiments and screening change fields by override: a new file name there is refused."""
    base = drillsim.load_scenario(example_path)
    with pytest.raises(InputError, match="an override cannot name a file"):
        with_overrides(base, {"area.elevation": "/etc/passwd.tif"})
    with pytest.raises(InputError, match="an override cannot name a file"):
        with_overrides(base, {"area.geodata": "/tmp"})
    assert with_overrides(base, {"area.geodata": "khatlon"}).area.geodata == "khatlon"
