"""Signed distance to a polyline: the compiled per-point pass against a plain NumPy computation over every
segment, and the tabulated field against the exact distance; the compiled "within" test against hypot."""

from __future__ import annotations

import numpy as np
from numba import typeof

from drillsim.geo.distance import SignedDistanceField, signed_offsets, simplify_polyline, within
from drillsim.geo.terrain import Terrain


def _reference(px: np.ndarray, py: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Every point against every segment at once; the nearest segment's distance, signed by its side."""
    ax, ay, bx, by = line[:-1, 0], line[:-1, 1], line[1:, 0], line[1:, 1]
    vx, vy = bx - ax, by - ay
    length2 = np.maximum(vx * vx + vy * vy, 1e-12)
    x, y = px[:, None], py[:, None]
    t = np.clip(((x - ax) * vx + (y - ay) * vy) / length2, 0.0, 1.0)
    d = np.hypot(x - (ax + t * vx), y - (ay + t * vy))
    k = np.argmin(d, axis=1)
    rows = np.arange(len(px))
    cross = vx[k] * (py - ay[k]) - vy[k] * (px - ax[k])
    return np.sign(cross) * d[rows, k]


def test_signed_offsets_match_every_segment_at_once() -> None:
    """A wandering line with a repeated vertex (a zero-length segment) and points on both sides."""
    rng = np.random.default_rng(4)
    line = np.cumsum(rng.normal(0.0, 800.0, (60, 2)), axis=0)
    line = np.insert(line, 30, line[30], axis=0)
    px, py = rng.uniform(-15_000, 15_000, (2, 3_000))
    got = signed_offsets(px, py, line)
    np.testing.assert_array_equal(got, _reference(px, py, line))
    assert (got > 0).any()
    assert (got < 0).any()


def test_signed_offsets_keep_the_points_shape_and_side() -> None:
    """Points broadcast together; left of a west-to-east line is north (positive)."""
    line = np.array([[0.0, 0.0], [1_000.0, 0.0]])
    got = signed_offsets(np.array([[500.0], [500.0]]), np.array([[30.0, -40.0]]), line)
    assert got.shape == (2, 2)
    np.testing.assert_array_equal(got[0], [30.0, -40.0])


def test_field_nodes_hold_the_exact_signed_distance() -> None:
    """The grid is filled point after point (each starting from its neighbour's nearest segment and pruning
    by bounding boxes); its nodes equal the all-segments computation."""
    rng = np.random.default_rng(9)
    line = np.cumsum(rng.normal(0.0, 1_500.0, (40, 2)), axis=0)
    field = SignedDistanceField.build(line, (-30_000.0, -30_000.0, 30_000.0, 30_000.0), cell_m=700.0)
    ny, nx = field.values.shape
    gx, gy = np.meshgrid(-30_000.0 + np.arange(nx) * 700.0, -30_000.0 + np.arange(ny) * 700.0)
    simplified = simplify_polyline(line, 70.0)
    np.testing.assert_array_equal(
        field.values, _reference(gx.ravel(), gy.ravel(), simplified).reshape(ny, nx)
    )


def test_field_interpolates_the_exact_distance() -> None:
    """On a straight line the bilinear field is exact up to rounding."""
    line = np.array([[-5_000.0, 100.0], [5_000.0, 100.0]])
    field = SignedDistanceField.build(line, (-4_000.0, -4_000.0, 4_000.0, 4_000.0), cell_m=250.0)
    x, y = np.array([-1_234.0, 2_000.0, 0.0]), np.array([777.0, -3_000.0, 100.0])
    np.testing.assert_allclose(field.at(x, y), y - 100.0, atol=1e-6)


def test_field_table_is_read_only_as_the_terrain_grids() -> None:
    """The shared table cannot be changed by one run for the next, and reaches the compiled
    ``bilinear_at`` with the numba type of the terrain's elevation and slope grids: one compilation of it
    serves the sight lines, the slopes and the distance tables (a writable table compiled it twice)."""
    line = np.array([[-5_000.0, 100.0], [5_000.0, 100.0]])
    field = SignedDistanceField.build(line, (-4_000.0, -4_000.0, 4_000.0, 4_000.0), cell_m=250.0)
    assert not field.values.flags.writeable
    terrain = Terrain.flat(1_000.0, 750.0, cell_m=250.0)
    assert typeof(field.values) == typeof(terrain.elevation_m) == typeof(terrain.slope_grid)


def test_within_answers_as_hypot_does_at_the_boundary() -> None:
    """The cheap squared test never decides otherwise than hypot (numpy's and compiled code's, the C
    library's; Python's own ``math.hypot`` rounds differently in about 1 case in 200), on radii one ulp
    either side of the distance, far and near pairs, and NaN, infinite and negative radii."""
    rng = np.random.default_rng(11)
    dx, dy = rng.normal(0.0, 5_000.0, (2, 2_000))
    exact = np.hypot(dx, dy)
    radii = np.concatenate(
        [
            exact,
            np.nextafter(exact, np.inf),
            np.nextafter(exact, -np.inf),
            exact * 0.5,
            exact * 2.0,
            np.full(len(dx), np.nan),
            np.full(len(dx), np.inf),
            np.full(len(dx), -1.0),
        ]
    )
    dx, dy = np.tile(dx, 8), np.tile(dy, 8)
    got = np.array([within(float(a), float(b), float(r)) for a, b, r in zip(dx, dy, radii, strict=True)])
    expected = np.hypot(dx, dy) <= radii  # the C library's hypot, as compiled code calls it
    assert np.array_equal(got, expected)
    # Both answers occur, so the test can fail either way.
    assert got.any()
    assert not got.all()
    assert not within(float("nan"), 0.0, 10.0)
