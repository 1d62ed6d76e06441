"""Loading an analyst's elevation GeoTIFF through the optional rasterio dependency."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.crs import CRS

from drillsim.core.errors import InputError, UserError
from drillsim.geo import MOUNTAIN, load_geotiff_dem


def _write_tif(path: Path, values: np.ndarray, *, crs: str, transform: object) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=values.shape[0],
        width=values.shape[1],
        count=1,
        dtype="float32",
        crs=CRS.from_string(crs),
        transform=transform,
        nodata=-9999.0,
    ) as dst:
        dst.write(values.astype(np.float32), 1)
    return path


@pytest.fixture
def geographic_tif(tmp_path: Path) -> Path:
    """A 0.1 x 0.1 degree tile near Kalaikhum, 3 arc-second cells, rising 1000 m from west to east."""
    n = 120
    values = np.tile(np.linspace(1000.0, 2000.0, n), (n, 1))
    values[0, 0] = -9999.0  # one void
    return _write_tif(
        tmp_path / "dem.tif",
        values,
        crs="EPSG:4326",
        transform=Affine(0.1 / n, 0.0, 70.7, 0.0, -0.1 / n, 38.5),
    )


def test_geographic_tile_loads_in_metres(geographic_tif: Path) -> None:
    """A lon/lat tile becomes a metric terrain about 8.7 km by 11 km with the tile's elevations."""
    t = load_geotiff_dem(geographic_tif)
    x0, y0, x1, y1 = t.extent_m
    assert 8000.0 < x1 - x0 < 9000.0
    assert 10500.0 < y1 - y0 < 11200.0
    assert t.projection is not None
    xw, yw = t.projection.to_xy(38.45, 70.705)
    xe, ye = t.projection.to_xy(38.45, 70.795)
    assert float(t.elevation_at(xe, ye) - t.elevation_at(xw, yw)) == pytest.approx(900.0, abs=30.0)


def test_geographic_tile_is_classified(geographic_tif: Path) -> None:
    """The tile's eastern half, above 1600 m, is classed as mountain."""
    t = load_geotiff_dem(geographic_tif)
    assert t.projection is not None
    x, y = t.projection.to_xy(38.45, 70.79)
    assert int(t.terrain_class_at(x, y)) == MOUNTAIN


def test_projected_tile_keeps_its_grid(tmp_path: Path) -> None:
    """A UTM tile in metres is used on its own grid, rows running south to north."""
    values = np.zeros((50, 40))
    values[:10, :] = 500.0  # the northern rows
    path = _write_tif(
        tmp_path / "utm.tif",
        values,
        crs="EPSG:32642",
        transform=Affine(30.0, 0.0, 500_000.0, 0.0, -30.0, 4_200_000.0),
    )
    t = load_geotiff_dem(path)
    assert t.cell_m == 30.0
    assert float(t.elevation_at(500_600.0, 4_199_900.0)) == 500.0
    assert float(t.elevation_at(500_600.0, 4_198_600.0)) == 0.0


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    """A path that does not exist raises InputError naming it."""
    with pytest.raises(InputError, match="no such GeoTIFF"):
        load_geotiff_dem(tmp_path / "missing.tif")


def test_garbage_file_is_an_input_error(tmp_path: Path) -> None:
    """A file that is not a raster raises InputError, not a rasterio exception."""
    path = tmp_path / "notes.tif"
    path.write_text("not a GeoTIFF")
    with pytest.raises(InputError, match="cannot read the file as a GeoTIFF"):
        load_geotiff_dem(path)


def test_missing_rasterio_is_a_user_error(geographic_tif: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without rasterio installed, loading a GeoTIFF raises UserError telling how to install it."""
    monkeypatch.setitem(sys.modules, "rasterio", None)
    with pytest.raises(UserError, match="rasterio"):
        load_geotiff_dem(geographic_tif)
