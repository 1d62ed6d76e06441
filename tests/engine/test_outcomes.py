"""Measures of effectiveness read from the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import drillsim
from drillsim.scenario.models import standard_measures
from drillsim.world.support import points_inside_polygon
from synthetic_scenarios import at, base_scenario, write_scenario


def test_time_in_place_keeps_first_arrivals_after_new_orders(tmp_path: Path) -> None:
    """Forces are in place when the last unit first arrives, even if an earlier one has since moved on."""
    data = base_scenario(duration_s=3000.0, dt_s=10.0)
    data["units"] = {
        "b/fast": {"type": "rifle-squad", "nation": "B", "at": at(0, 0)},
        "b/slow": {"type": "rifle-squad", "nation": "B", "at": at(0, 500)},
        "r/grp": {"type": "militant-group", "nation": "R", "at": at(5_000, 6_000)},
    }
    data["catalogue"] = {}
    data["plan"]["phases"] = {
        "go": {
            "trigger": {"at_s": 0},
            "tasks": [
                {"task": "move", "units": ["b/fast"], "to": at(600, 0)},
                {"task": "move", "units": ["b/slow"], "to": at(1_500, 500)},
            ],
        },
        "again": {
            "trigger": {"at_s": 700},
            "tasks": [{"task": "move", "units": ["b/fast"], "to": at(-4_000, 0)}],
        },
    }
    data["measures"] = {"in-place": {"kind": "time-in-place", "units": ["b/fast", "b/slow"]}}
    scenario = write_scenario(data, tmp_path)
    out = drillsim.run(scenario, rng=1, replications=2)
    # The slow squad covers 1,500 m at 1.2 m/s in about 1,250 s; the fast one arrived at ~500 s and left
    # again at 700 s, and is still marching at 3,000 s.
    assert ((out.measures["in-place"] > 1_200) & (out.measures["in-place"] < 1_300)).all()


def _two_squads(tmp_path: Path, measures: dict[str, Any]) -> drillsim.Scenario:
    data = base_scenario(duration_s=600.0, dt_s=10.0)
    data["units"] = {
        "b/sqd": {"type": "rifle-squad", "nation": "B", "at": at(0, 0)},
        "r/grp": {"type": "militant-group", "nation": "R", "at": at(5_000, 6_000)},
    }
    data["catalogue"] = {}
    data["measures"] = measures
    return write_scenario(data, tmp_path)


def test_every_side_gets_one_losses_measure(tmp_path: Path) -> None:
    """Each side's losses are reported once, as losses-<side>, and under no other name."""
    out = drillsim.run(_two_squads(tmp_path, {}), rng=1, replications=2)
    assert [name for name in out.measures if "loss" in name or "lost" in name] == [
        "losses-blue",
        "losses-red",
    ]


def test_a_declared_losses_measure_takes_the_standard_name(tmp_path: Path) -> None:
    """A scenario measure named losses-<side> is reported under that name with its own definition."""
    measures = {"losses-blue": {"kind": "losses", "side": "blue", "casualties": "killed"}}
    scenario = _two_squads(tmp_path, measures)
    assert standard_measures(scenario) == {"losses-red": "losses"}
    out = drillsim.run(scenario, rng=1, replications=2)
    assert list(out.measures) == ["losses-blue", "losses-red"]


def test_the_old_losses_name_points_to_the_new_one(tmp_path: Path) -> None:
    """Asking for personnel_lost.<side> is refused with the name that replaced it."""
    with pytest.raises(drillsim.UserError, match=r"unknown measure 'personnel_lost\.red'.*'losses-red'"):
        drillsim.monte_carlo(
            _two_squads(tmp_path, {}), rng=1, replications=2, measures=["personnel_lost.red"]
        )


def _reference_inside_polygon(x: np.ndarray, y: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """The even-odd rule as the array expression hold-area objectives used before they took the world's
    compiled test (kept as the reference)."""
    inside = np.zeros(x.shape, dtype=bool)
    n = len(poly)
    for a in range(n):
        x1, y1 = poly[a]
        x2, y2 = poly[(a + 1) % n]
        crosses = ((y1 > y) != (y2 > y)) & (x < (x2 - x1) * (y - y1) / ((y2 - y1) or 1e-12) + x1)
        inside ^= crosses
    return inside


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hold_area_polygon_test_matches_the_array_expression(seed: int) -> None:
    """The world's compiled point-in-polygon answers as the array expression it replaced, point for point,
    on a (rows, elements) grid of points: random polygons with horizontal edges and repeated vertices,
    points on vertices, on edges' heights and on the vertical through vertices, and NaN positions."""
    g = np.random.default_rng(seed)
    corners = g.integers(-5, 6, size=(9, 2)).astype(np.float64) * 1_000.0
    corners[3, 1] = corners[2, 1]  # a horizontal edge
    corners[6] = corners[5]  # a repeated vertex: an edge of no length
    x = g.uniform(-6_000.0, 6_000.0, (40, 60))
    y = g.uniform(-6_000.0, 6_000.0, (40, 60))
    x[:, :9], y[:, :9] = corners[:, 0], corners[:, 1]  # on the vertices
    y[:, 9:18] = corners[:, 1]  # on the vertices' heights
    x[:, 18:27] = corners[:, 0]  # below and above the vertices
    x[0, 27] = np.nan
    y[1, 28] = np.nan
    got = points_inside_polygon(x, y, corners)
    expected = _reference_inside_polygon(x, y, corners)
    assert got.shape == x.shape
    np.testing.assert_array_equal(got, expected)
    assert expected.any()
    assert not expected.all()
