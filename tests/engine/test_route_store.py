"""The route arrays hold the longest route a batch has had, not the largest any task could plan, and a run
gives bit for bit what arrays of the full capacity give (:meth:`BatchState.make_room_for_routes`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drillsim.engine.simulation import Simulation
from drillsim.scenario import load_scenario
from drillsim.state.batch import ROUTE_START, BatchState

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ROUTES = ("route_x", "route_y", "route_road")


def _run(name: str, *, full: bool, replications: int = 3) -> Simulation:
    sim = Simulation(load_scenario(EXAMPLES / name), rng=3, replications=replications)
    if full:  # the arrays as they were before: every route's capacity allocated at the start
        sim.state.make_room_for_routes(sim.state.route_limit)
    sim.run(until_s=5_400.0)
    return sim


@pytest.mark.parametrize("name", ["motorised-column.yaml", "crossing-defence.yaml"])
def test_a_run_with_routes_held_compactly_is_that_of_full_route_arrays(name: str) -> None:
    """Every state array, the routes' waypoints and the measures equal those of full-capacity arrays."""
    compact, full = _run(name, full=False), _run(name, full=True)
    held = compact.state.route_x.shape[2]
    assert held < full.state.route_x.shape[2] == full.state.route_limit  # the store is smaller
    for name_ in vars(full.state):
        a, b = getattr(compact.state, name_), getattr(full.state, name_)
        if name_ in ROUTES:
            assert np.array_equal(a, b[:, :, :held]), name_
            assert not b[:, :, held:].any(), name_  # nothing was written beyond the compact store
        elif isinstance(b, np.ndarray):
            assert np.array_equal(a, b, equal_nan=True), name_
    for measure, values in full.outcomes().measures.items():
        assert np.array_equal(compact.outcomes().measures[measure], values, equal_nan=True), measure


def test_the_route_store_grows_with_the_longest_route_not_with_the_batch() -> None:
    """The waypoints held per replication are those the longest route needs, at a batch of 1 as of 6."""
    one, six = _run("motorised-column.yaml", full=False, replications=1), None
    six = _run("motorised-column.yaml", full=False, replications=6)
    longest = max(int(one.state.route_len.max()), int(six.state.route_len.max()))
    for sim in (one, six):
        held = sim.state.route_x.shape[2]
        assert ROUTE_START < held < sim.state.route_limit
        assert held > int(sim.state.route_len.max())
    assert longest + 1 <= max(one.state.route_x.shape[2], six.state.route_x.shape[2])


def _state(limit: int) -> BatchState:
    sim = Simulation(load_scenario(EXAMPLES / "crossing-defence.yaml"), rng=1, replications=2)
    s = sim.state
    s.route_limit = limit
    return s


def test_making_room_keeps_the_waypoints_and_stops_at_the_limit() -> None:
    """Widening keeps what the routes held, adds one waypoint to spare, and never passes the limit."""
    s = _state(10)
    assert s.route_x.shape[2] == ROUTE_START
    s.route_x[1, 0, :3] = (1.0, 2.0, 3.0)
    s.route_road[1, 0, 2] = True
    s.make_room_for_routes(5)
    assert s.route_x.shape[2] == s.route_y.shape[2] == s.route_road.shape[2] == 6
    assert s.route_x[1, 0].tolist() == [1.0, 2.0, 3.0, 0.0, 0.0, 0.0]
    assert s.route_road[1, 0].tolist() == [False, False, True, False, False, False]
    s.make_room_for_routes(4)  # narrower: left as it is
    assert s.route_x.shape[2] == 6
    s.make_room_for_routes(40)
    assert s.route_x.shape[2] == 10
