"""The array-backed terrain on synthetic grids: lookups, slope, line of sight and river obstacles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drillsim.geo import FOOTHILLS, MOUNTAIN, PLAIN, TERRAIN_CLASS_NAMES, WATER, Terrain, classify_terrain
from drillsim.geo.terrain import bilinear_at, class_code_at


def _random_terrain() -> Terrain:
    rng = np.random.default_rng(20150501)
    z = np.cumsum(np.cumsum(rng.normal(0.0, 3.0, (41, 61)), axis=0), axis=1)
    return Terrain(z - z.min(), np.ones(z.shape, dtype=np.uint8), 50.0)


ROUGH = _random_terrain()
coord_x = st.floats(0.0, 3000.0, allow_nan=False)
coord_y = st.floats(0.0, 2000.0, allow_nan=False)
height = st.floats(0.0, 50.0, allow_nan=False)


def test_class_names_are_stable() -> None:
    """The class codes keep their names: water 0, plain 1, foothills 2, mountain 3."""
    assert TERRAIN_CLASS_NAMES[:4] == ("water", "plain", "foothills", "mountain")
    assert (WATER, PLAIN, FOOTHILLS, MOUNTAIN) == (0, 1, 2, 3)


def test_classify_terrain_thresholds() -> None:
    """Low flat ground is plain, middle ground foothills, high or steep ground mountain, water wins."""
    z = np.array([400.0, 1000.0, 2000.0, 400.0, 400.0])
    s = np.array([0.01, 0.05, 0.01, 0.2, 0.01])
    water = np.array([False, False, False, False, True])
    assert classify_terrain(z, s, water).tolist() == [PLAIN, FOOTHILLS, MOUNTAIN, MOUNTAIN, WATER]


def test_flat_terrain_has_constant_elevation() -> None:
    """Flat terrain returns its elevation and class everywhere, and zero slope."""
    t = Terrain.flat(1000.0, 1000.0, elevation_m=250.0, terrain_class=FOOTHILLS)
    x = np.array([0.0, 333.3, 1000.0, 5000.0])
    assert np.all(t.elevation_at(x, x) == 250.0)
    assert np.all(t.terrain_class_at(x, x) == FOOTHILLS)
    assert np.all(t.slope_at(x, x) == 0.0)


def test_elevation_is_bilinear() -> None:
    """Elevation on a plane z = 0.1 x + 0.2 y is reproduced exactly between nodes."""
    x, y = np.meshgrid(np.arange(11) * 100.0, np.arange(6) * 100.0)
    t = Terrain(0.1 * x + 0.2 * y, np.ones(x.shape, dtype=np.uint8), 100.0)
    assert float(t.elevation_at(123.0, 456.0)) == pytest.approx(0.1 * 123.0 + 0.2 * 456.0)


def test_slope_of_a_plane() -> None:
    """The slope of the plane z = 0.03 x + 0.04 y is 0.05 everywhere."""
    x, y = np.meshgrid(np.arange(11) * 100.0, np.arange(6) * 100.0)
    t = Terrain(0.03 * x + 0.04 * y, np.ones(x.shape, dtype=np.uint8), 100.0)
    assert np.allclose(t.slope_at([50.0, 700.0], [50.0, 300.0]), 0.05)


def test_points_outside_take_edge_values() -> None:
    """Points beyond the grid take the elevation of the nearest edge."""
    x = np.tile(np.arange(3) * 10.0, (3, 1))
    t = Terrain(x, np.ones(x.shape, dtype=np.uint8), 10.0)
    assert float(t.elevation_at(-50.0, 5.0)) == 0.0
    assert float(t.elevation_at(500.0, 5.0)) == 20.0


def test_compiled_point_lookups_match_the_array_ones() -> None:
    """One point at a time, the compiled samplers give the array lookups' slope, elevation and class to the
    bit, inside the grid, beyond it and halfway between nodes (where the nearest node is a tie)."""
    rng = np.random.default_rng(5)
    classes = rng.integers(0, 4, ROUGH.shape).astype(np.uint8)
    t = Terrain(ROUGH.elevation_m, classes, ROUGH.cell_m, x0_m=-120.0, y0_m=75.0)
    x = np.concatenate([rng.uniform(-500.0, 3500.0, 3000), -120.0 + 25.0 * np.arange(121)])
    y = np.concatenate([rng.uniform(-500.0, 2500.0, 3000), 75.0 + 12.5 * np.arange(121)])
    frame = (t.x0_m, t.y0_m, t.cell_m)
    slope = [bilinear_at(t.slope_grid, *frame, px, py) for px, py in zip(x, y, strict=True)]
    height = [bilinear_at(t.elevation_m, *frame, px, py) for px, py in zip(x, y, strict=True)]
    code = [class_code_at(t.terrain_class, *frame, px, py) for px, py in zip(x, y, strict=True)]
    np.testing.assert_array_equal(slope, t.slope_at(x, y))
    np.testing.assert_array_equal(height, t.elevation_at(x, y))
    np.testing.assert_array_equal(code, t.terrain_class_at(x, y))
    assert len(set(code)) == 4


def test_grids_are_read_only(ridge_terrain: Terrain) -> None:
    """The terrain's arrays cannot be modified in place."""
    with pytest.raises(ValueError, match="read-only"):
        ridge_terrain.elevation_m[0, 0] = 1.0


def test_ridge_blocks_low_observers(ridge_terrain: Terrain) -> None:
    """Two observers 2 m tall on either side of a 100 m ridge do not see each other."""
    assert not bool(ridge_terrain.line_of_sight(200.0, 500.0, 2.0, 1800.0, 500.0, 2.0))


def test_ridge_does_not_block_high_observers(ridge_terrain: Terrain) -> None:
    """Observers 150 m above the plain see over a 100 m ridge."""
    assert bool(ridge_terrain.line_of_sight(200.0, 500.0, 150.0, 1800.0, 500.0, 150.0))


def test_same_side_of_ridge_is_visible(ridge_terrain: Terrain) -> None:
    """Two observers on the same side of the ridge see each other."""
    assert bool(ridge_terrain.line_of_sight(100.0, 100.0, 2.0, 800.0, 900.0, 2.0))


def test_line_of_sight_is_vectorised(ridge_terrain: Terrain) -> None:
    """Many pairs are answered at once, in the input's shape."""
    ax = np.array([[200.0, 100.0], [200.0, 900.0]])
    result = ridge_terrain.line_of_sight(ax, 500.0, 2.0, 1800.0, 500.0, 2.0)
    assert result.shape == (2, 2)
    assert result.tolist() == [[False, False], [False, False]]


def test_earth_curvature_hides_distant_low_targets() -> None:
    """Over 40 km of flat ground, 2 m observers are hidden by the earth's curvature, and not without it."""
    t = Terrain.flat(50_000.0, 1000.0, cell_m=500.0)
    assert not bool(t.line_of_sight(0.0, 0.0, 2.0, 40_000.0, 0.0, 2.0))
    assert bool(t.line_of_sight(0.0, 0.0, 2.0, 40_000.0, 0.0, 2.0, earth_curvature=False))


@settings(max_examples=200, deadline=None)
@given(coord_x, coord_y, height, coord_x, coord_y, height)
def test_line_of_sight_is_symmetric(ax: float, ay: float, ah: float, bx: float, by: float, bh: float) -> None:
    """Swapping observer and target never changes the line-of-sight answer."""
    forward = ROUGH.line_of_sight(ax, ay, ah, bx, by, bh, samples=37)
    backward = ROUGH.line_of_sight(bx, by, bh, ax, ay, ah, samples=37)
    assert bool(forward) == bool(backward)


def test_line_of_sight_batch_is_symmetric() -> None:
    """For 5000 random pairs on rough ground, swapping the ends gives identical answers."""
    rng = np.random.default_rng(7)
    ax, bx = rng.uniform(0, 3000, (2, 5000))
    ay, by = rng.uniform(0, 2000, (2, 5000))
    ah, bh = rng.uniform(0, 30, (2, 5000))
    forward = ROUGH.line_of_sight(ax, ay, ah, bx, by, bh)
    assert np.array_equal(forward, ROUGH.line_of_sight(bx, by, bh, ax, ay, ah))
    assert 0 < forward.sum() < forward.size


def _river_terrain() -> Terrain:
    """Flat ground with a river along y = 0 from x = -1000 to 1000 m and a bridge at the origin."""
    base = Terrain.flat(2000.0, 2000.0, cell_m=100.0, x0_m=-1000.0, y0_m=-1000.0)
    return Terrain(
        base.elevation_m,
        base.terrain_class,
        base.cell_m,
        base.x0_m,
        base.y0_m,
        obstacles=np.array([[-1000.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1000.0, 0.0]]),
        crossings_xy=np.array([[0.0, 0.0]]),
        crossing_ids=("bridge",),
    )


def test_move_across_river_away_from_bridge_is_blocked() -> None:
    """A move across the river 600 m from the bridge (radius 500 m) crosses an obstacle."""
    assert bool(_river_terrain().crosses_obstacle(-600.0, -100.0, -600.0, 100.0))


def test_move_over_the_bridge_is_allowed() -> None:
    """A move across the river at the bridge is allowed."""
    assert not bool(_river_terrain().crosses_obstacle(10.0, -100.0, 10.0, 100.0))


def test_move_along_the_bank_is_allowed() -> None:
    """A move parallel to the river that never reaches it crosses nothing."""
    assert not bool(_river_terrain().crosses_obstacle(-900.0, 50.0, 900.0, 50.0))


def test_zero_radius_reports_every_cut() -> None:
    """With a zero crossing radius even the bridge move is reported as a cut."""
    assert bool(_river_terrain().crosses_obstacle(10.0, -100.0, 10.0, 100.0, crossing_radius_m=0.0))


def test_crosses_obstacle_is_vectorised() -> None:
    """Many moves are answered at once."""
    result = _river_terrain().crosses_obstacle(
        np.array([-600.0, 10.0, 700.0]), -100.0, np.array([-600.0, 10.0, 700.0]), 100.0
    )
    assert result.tolist() == [True, False, True]


def test_nearest_crossing() -> None:
    """The nearest crossing is found with its distance."""
    idx, dist = _river_terrain().nearest_crossing(np.array([300.0]), np.array([400.0]))
    assert idx.tolist() == [0]
    assert dist.tolist() == [500.0]


def test_flat_terrain_has_no_obstacles() -> None:
    """Terrain without rivers never reports a crossing."""
    assert not bool(Terrain.flat(1000.0, 1000.0).crosses_obstacle(0.0, 0.0, 1000.0, 1000.0))


def test_bad_grid_is_rejected() -> None:
    """A class grid whose shape differs from the elevation grid is a ValueError."""
    with pytest.raises(ValueError, match="shape"):
        Terrain(np.zeros((3, 3)), np.zeros((2, 3), dtype=np.uint8), 10.0)
