"""A local metric projection: WGS84 latitude/longitude to x/y metres around an origin, and back.

The projection is a transverse Mercator on the WGS84 ellipsoid with its central meridian through the
origin, scale 1 on that meridian and the origin at (0, 0); x grows east, y grows north. It is computed with
Krüger's series to third order in the third flattening n (Karney 2011, "Transverse Mercator with an
accuracy of a few nanometers", J. Geodesy 85:475-485, eqs. 9-11 and 35-36), which is accurate to well under
a millimetre within a few hundred kilometres of the central meridian. Distances measured in x/y differ
from geodesic distances by the point scale factor, about 1 + x**2 / (2 R**2): 0.03 % at 150 km from the
central meridian and 0.11 % at 300 km. For the Khatlon box (about 350 km wide) the error stays below 0.05 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["WGS84_A_M", "WGS84_F", "LocalProjection"]

WGS84_A_M = 6378137.0
"""WGS84 semi-major axis, metres."""
WGS84_F = 1.0 / 298.257223563
"""WGS84 flattening."""

_N = WGS84_F / (2.0 - WGS84_F)
_A_RECT = WGS84_A_M / (1.0 + _N) * (1.0 + _N**2 / 4.0 + _N**4 / 64.0)
_ALPHA = (
    _N / 2.0 - 2.0 * _N**2 / 3.0 + 5.0 * _N**3 / 16.0,
    13.0 * _N**2 / 48.0 - 3.0 * _N**3 / 5.0,
    61.0 * _N**3 / 240.0,
)
_BETA = (
    _N / 2.0 - 2.0 * _N**2 / 3.0 + 37.0 * _N**3 / 96.0,
    _N**2 / 48.0 + _N**3 / 15.0,
    17.0 * _N**3 / 480.0,
)
_DELTA = (
    2.0 * _N - 2.0 * _N**2 / 3.0 - 2.0 * _N**3,
    7.0 * _N**2 / 3.0 - 8.0 * _N**3 / 5.0,
    56.0 * _N**3 / 15.0,
)
_E2N = 2.0 * np.sqrt(_N) / (1.0 + _N)  # the first eccentricity e, written with n


def _as_float_array(values: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


def _xi_eta(lat_rad: NDArray[np.float64], dlon_rad: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """Gauss-Schreiber coordinates (xi', eta') of points given latitude and longitude from the meridian."""
    sin_lat = np.sin(lat_rad)
    t = np.sinh(np.arctanh(sin_lat) - _E2N * np.arctanh(_E2N * sin_lat))
    xi_p = np.arctan2(t, np.cos(dlon_rad))
    eta_p = np.arctanh(np.sin(dlon_rad) / np.sqrt(1.0 + t * t))
    return xi_p, eta_p


def _meridian_xi(xi_p: NDArray[np.float64], eta_p: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    xi = xi_p.copy()
    eta = eta_p.copy()
    for j, alpha in enumerate(_ALPHA, start=1):
        xi += alpha * np.sin(2 * j * xi_p) * np.cosh(2 * j * eta_p)
        eta += alpha * np.cos(2 * j * xi_p) * np.sinh(2 * j * eta_p)
    return xi, eta


@dataclass(frozen=True, slots=True)
class LocalProjection:
    """Transverse Mercator centred on (``lat0_deg``, ``lon0_deg``), in metres; the origin maps to (0, 0).

    All methods are vectorised: they take scalars or arrays (broadcast together) and return float64 arrays.
    """

    lat0_deg: float
    lon0_deg: float

    def __post_init__(self) -> None:
        if not (-85.0 < self.lat0_deg < 85.0) or not (-180.0 <= self.lon0_deg <= 180.0):
            raise ValueError(f"projection origin out of range: ({self.lat0_deg}, {self.lon0_deg})")

    @property
    def _y0(self) -> float:
        lat0 = np.radians(np.array([self.lat0_deg]))
        xi_p, eta_p = _xi_eta(lat0, np.zeros(1))
        xi, _ = _meridian_xi(xi_p, eta_p)
        return float(_A_RECT * xi[0])

    def to_xy(
        self, lat_deg: ArrayLike, lon_deg: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Project latitude and longitude (degrees) to x (east) and y (north) in metres."""
        lat = np.radians(_as_float_array(lat_deg))
        dlon = np.radians((_as_float_array(lon_deg) - self.lon0_deg + 180.0) % 360.0 - 180.0)
        lat, dlon = np.broadcast_arrays(lat, dlon)
        xi_p, eta_p = _xi_eta(lat, dlon)
        xi, eta = _meridian_xi(xi_p, eta_p)
        return _A_RECT * eta, _A_RECT * xi - self._y0

    def to_latlon(self, x_m: ArrayLike, y_m: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Unproject x and y (metres) to latitude and longitude in degrees."""
        x, y = np.broadcast_arrays(_as_float_array(x_m), _as_float_array(y_m))
        xi = (y + self._y0) / _A_RECT
        eta = x / _A_RECT
        xi_p = xi.copy()
        eta_p = eta.copy()
        for j, beta in enumerate(_BETA, start=1):
            xi_p -= beta * np.sin(2 * j * xi) * np.cosh(2 * j * eta)
            eta_p -= beta * np.cos(2 * j * xi) * np.sinh(2 * j * eta)
        chi = np.arcsin(np.sin(xi_p) / np.cosh(eta_p))
        lat = chi.copy()
        for j, delta in enumerate(_DELTA, start=1):
            lat += delta * np.sin(2 * j * chi)
        lon = self.lon0_deg + np.degrees(np.arctan2(np.sinh(eta_p), np.cos(xi_p)))
        return np.degrees(lat), lon
