"""Fixtures for the geo tests: the shipped Khatlon geodata, its terrain, and a reference geodesic distance."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from drillsim.geo import Geodata, LocalProjection, Terrain, load_geodata, terrain_from_geodata
from drillsim.geo.projection import WGS84_A_M, WGS84_F


@pytest.fixture(scope="session")
def khatlon() -> Geodata:
    """The packaged Khatlon geodata set."""
    return load_geodata("khatlon")


@pytest.fixture(scope="session")
def khatlon_projection(khatlon: Geodata) -> LocalProjection:
    """The Khatlon set's own local projection."""
    return khatlon.projection()


@pytest.fixture(scope="session")
def khatlon_terrain(khatlon: Geodata) -> Terrain:
    """The Khatlon terrain on a 500 m grid."""
    return terrain_from_geodata(khatlon)


@pytest.fixture(scope="session")
def geodesic_m() -> Callable[[float, float, float, float], float]:
    """Vincenty's inverse formula on WGS84: the reference distance (m) between two points in degrees."""

    def distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        a, f = WGS84_A_M, WGS84_F
        b = a * (1 - f)
        u1 = math.atan((1 - f) * math.tan(math.radians(lat1)))
        u2 = math.atan((1 - f) * math.tan(math.radians(lat2)))
        big_l = math.radians(lon2 - lon1)
        lam = big_l
        for _ in range(200):
            sin_lam, cos_lam = math.sin(lam), math.cos(lam)
            sin_sigma = math.hypot(
                math.cos(u2) * sin_lam, math.cos(u1) * math.sin(u2) - math.sin(u1) * math.cos(u2) * cos_lam
            )
            cos_sigma = math.sin(u1) * math.sin(u2) + math.cos(u1) * math.cos(u2) * cos_lam
            sigma = math.atan2(sin_sigma, cos_sigma)
            sin_alpha = math.cos(u1) * math.cos(u2) * sin_lam / sin_sigma
            cos2_alpha = 1 - sin_alpha**2
            cos_2sm = cos_sigma - 2 * math.sin(u1) * math.sin(u2) / cos2_alpha
            c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
            lam_prev = lam
            lam = big_l + (1 - c) * f * sin_alpha * (
                sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
            )
            if abs(lam - lam_prev) < 1e-13:
                break
        u_sq = cos2_alpha * (a * a - b * b) / (b * b)
        big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
        big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
        d_sigma = (
            big_b
            * sin_sigma
            * (
                cos_2sm
                + big_b
                / 4
                * (
                    cos_sigma * (-1 + 2 * cos_2sm**2)
                    - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
                )
            )
        )
        return b * big_a * (sigma - d_sigma)

    return distance


@pytest.fixture
def ridge_terrain() -> Terrain:
    """A 2 km x 1 km flat plain at 0 m with a 100 m ridge running north-south along x = 1000 m."""
    terrain = Terrain.flat(2000.0, 1000.0, cell_m=10.0)
    z = np.array(terrain.elevation_m)
    x = terrain.x0_m + np.arange(z.shape[1]) * terrain.cell_m
    z[:, np.abs(x - 1000.0) <= 20.0] = 100.0
    return Terrain(z, terrain.terrain_class, terrain.cell_m)
