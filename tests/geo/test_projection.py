"""The local transverse Mercator projection."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from drillsim.geo import LocalProjection

BOX = (67.5, 36.5, 71.5, 38.6)


def _box_points(n: int = 25) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.meshgrid(np.linspace(BOX[0], BOX[2], n), np.linspace(BOX[1], BOX[3], n))
    return lat.ravel(), lon.ravel()


def test_origin_maps_to_zero() -> None:
    """The projection origin maps to (0, 0)."""
    x, y = LocalProjection(37.55, 69.5).to_xy(37.55, 69.5)
    assert abs(float(x)) < 1e-6
    assert abs(float(y)) < 1e-6


def test_axes_point_east_and_north() -> None:
    """x grows eastward and y grows northward."""
    p = LocalProjection(37.55, 69.5)
    x_east, _ = p.to_xy(37.55, 69.6)
    _, y_north = p.to_xy(37.65, 69.5)
    assert float(x_east) > 8000.0
    assert float(y_north) > 11000.0


def test_round_trip_over_the_box() -> None:
    """Projecting and unprojecting any point of the Khatlon box returns it to within 1e-7 degrees."""
    p = LocalProjection(37.55, 69.5)
    lat, lon = _box_points()
    lat2, lon2 = p.to_latlon(*p.to_xy(lat, lon))
    assert np.max(np.abs(lat2 - lat)) < 1e-7
    assert np.max(np.abs(lon2 - lon)) < 1e-7


def test_round_trip_from_metres() -> None:
    """Unprojecting and projecting metric points 300 km out returns them to within 1 mm."""
    p = LocalProjection(37.55, 69.5)
    x, y = np.meshgrid(np.linspace(-300e3, 300e3, 13), np.linspace(-300e3, 300e3, 13))
    x2, y2 = p.to_xy(*p.to_latlon(x, y))
    assert np.max(np.hypot(x2 - x, y2 - y)) < 1e-3


def test_distances_match_geodesics(geodesic_m: Callable[[float, float, float, float], float]) -> None:
    """Straight-line distances in the projection are within 0.1 % of WGS84 geodesics across the box."""
    p = LocalProjection(37.55, 69.5)
    lat, lon = _box_points(7)
    x, y = p.to_xy(lat, lon)
    worst = 0.0
    for i in range(len(lat)):
        for j in range(i + 1, len(lat)):
            ref = geodesic_m(lat[i], lon[i], lat[j], lon[j])
            if ref > 1000.0:
                worst = max(worst, abs(float(np.hypot(x[i] - x[j], y[i] - y[j])) / ref - 1.0))
    assert worst < 1e-3


def test_vectorised_broadcasting() -> None:
    """A scalar latitude broadcasts against an array of longitudes."""
    x, y = LocalProjection(37.55, 69.5).to_xy(37.55, np.array([69.0, 69.5, 70.0]))
    assert x.shape == (3,)
    assert y.shape == (3,)
