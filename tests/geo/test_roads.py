"""The road graph: snapping, junctions, shortest paths, path simplification, blocked edges."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from drillsim.geo import load_geodata, roads
from drillsim.geo.roads import RoadNetwork, build_road_network


def _line(*pts: tuple[float, float]) -> np.ndarray:
    return np.array(pts, dtype=np.float64)


def test_near_coincident_ends_are_one_node() -> None:
    """Two roads whose ends are 150 m apart meet at one junction."""
    net = build_road_network([_line((0, 0), (1000, 0)), _line((1000, 150), (2000, 150))])
    assert net.n == 3
    assert len(net.edges) == 2


def test_ends_further_apart_than_the_snap_stay_apart() -> None:
    """Ends 300 m apart are two nodes and the roads are not joined."""
    net = build_road_network([_line((0, 0), (1000, 0)), _line((1000, 300), (2000, 300))])
    dist, _ = net.shortest([0])
    assert net.n == 4
    assert not np.isfinite(dist[0]).all()


def test_a_road_ending_on_another_joins_it_mid_segment() -> None:
    """A side road stopping 100 m short of a main road's segment gets a junction on it."""
    net = build_road_network([_line((0, 0), (4000, 0)), _line((2000, 3000), (2000, 100))])
    a, _ = net.nearest_node(0.0, 0.0)
    b, _ = net.nearest_node(2000.0, 3000.0)
    dist, pred = net.shortest(a)
    assert abs(dist[0, b[()]] - 5000.0) < 110.0
    path = net.path(int(a), int(b), pred[0])
    assert np.allclose(net.nodes_xy[path[1]], [2000.0, 0.0])


def test_shortest_path_takes_the_shorter_branch() -> None:
    """Dijkstra picks the short side of a loop."""
    net = build_road_network([_line((0, 0), (1000, 0), (2000, 0)), _line((0, 0), (1000, 5000), (2000, 0))])
    dist, pred = net.shortest([0])
    end, _ = net.nearest_node(2000.0, 0.0)
    assert abs(dist[0, end[()]] - 2000.0) < 1e-6
    assert len(net.path(0, int(end), pred[0])) == 3


def test_path_points_fit_and_keep_the_ends() -> None:
    """A winding road path is simplified to the budget, keeping its first and last node."""
    xs = np.linspace(0, 10_000, 101)
    net = build_road_network([np.column_stack([xs, 300 * np.sin(xs / 500)])])
    _, pred = net.shortest([0])
    path = net.path(0, net.n - 1, pred[0])
    pts = net.path_points(path, max_points=12)
    assert 2 <= len(pts) <= 12
    assert np.allclose(pts[0], net.nodes_xy[0])
    assert np.allclose(pts[-1], net.nodes_xy[-1])


def test_blocked_edges_are_dropped() -> None:
    """Edges the filter rejects (a river away from a bridge) are not in the graph."""
    net = build_road_network(
        [_line((0, -100), (0, 100), (0, 1000))], blocked=lambda ax, ay, bx, by: (ay < 0) & (by > 0)
    )
    assert len(net.edges) == 1


def test_khatlon_roads_form_a_graph() -> None:
    """The packaged Khatlon roads build a graph with positive edge lengths."""
    geodata = load_geodata("khatlon")
    proj = geodata.projection()
    lines = [p for line in geodata.lines_of_kind("road").values() for p in line.to_xy(proj)]
    net = build_road_network(lines)
    assert net.n > 10
    assert (net.lengths_m > 0).all()
    assert net.is_junction.sum() >= 2


def _dijkstra_each_call(net: RoadNetwork, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shortest paths as a fresh matrix and one Dijkstra call per query (the code the rows kept per source
    replaced)."""
    a, b = net.edges[:, 0], net.edges[:, 1]
    lengths = np.concatenate([net.lengths_m, net.lengths_m])
    matrix = csr_matrix((lengths, (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(net.n, net.n))
    dist, pred = dijkstra(matrix, directed=False, indices=sources, return_predecessors=True)
    return np.asarray(dist, dtype=np.float64), np.asarray(pred, dtype=np.int64)


def test_kept_shortest_paths_are_those_of_a_fresh_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Queries of repeated, unordered and overlapping sources, on a network with loops and parts that do not
    meet, give bit for bit the distances and predecessors of a fresh search each time; also when the kept
    rows are forgotten at every query."""
    rng = np.random.default_rng(7)
    lines = [np.cumsum(rng.uniform(-3000.0, 3000.0, (rng.integers(2, 8), 2)), axis=0) for _ in range(25)]
    net = build_road_network(lines)
    assert net.n > 40
    for cap in (None, 0):
        if cap is not None:
            monkeypatch.setattr(roads, "_CACHE_BYTES", cap)
        for _ in range(20):
            sources = rng.integers(0, net.n, rng.integers(1, 12))
            dist, pred = net.shortest(sources)
            expected_dist, expected_pred = _dijkstra_each_call(net, sources)
            np.testing.assert_array_equal(dist, expected_dist)
            np.testing.assert_array_equal(pred, expected_pred)
    assert not np.isfinite(dist).all()  # some nodes cannot be reached


def _nearest_by_argmin(net: RoadNetwork, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The nearest node as the whole (points, nodes) array of distances and ``np.argmin`` give it."""
    d = np.hypot(x[..., None] - net.nodes_xy[:, 0], y[..., None] - net.nodes_xy[:, 1])
    idx = np.argmin(d, axis=-1)
    return idx, np.take_along_axis(d, idx[..., None], axis=-1)[..., 0]


def test_nearest_node_is_the_argmin_of_the_distances_bit_for_bit() -> None:
    """The compiled nearest node gives argmin's index (first on ties, first NaN) and the same distance."""
    rng = np.random.default_rng(3)
    nodes = rng.uniform(-5000.0, 5000.0, (40, 2))
    nodes[7] = nodes[2]  # a tie: the lower index wins
    net = RoadNetwork(nodes, np.zeros((0, 2), dtype=np.int64), np.zeros(0))
    x = rng.uniform(-6000.0, 6000.0, (30, 50))
    y = rng.uniform(-6000.0, 6000.0, (30, 50))
    x[0, :3], y[0, :3] = nodes[7, 0], nodes[7, 1]
    x[1, 0], y[1, 1], x[1, 2], y[1, 3] = np.nan, np.nan, np.inf, -np.inf
    x[1, 4], y[1, 4] = np.inf, np.nan
    idx, dist = net.nearest_node(x, y)
    want_idx, want_dist = _nearest_by_argmin(net, x, y)
    assert idx.shape == (30, 50)
    assert idx.dtype == np.int64
    assert np.array_equal(idx, want_idx)
    assert np.array_equal(dist, want_dist, equal_nan=True)
    assert idx[0, 0] == 2
    one, at = net.nearest_node(float(x[2, 5]), float(y[2, 5]))
    assert one.shape == ()
    assert int(one) == want_idx[2, 5]
    assert float(at) == want_dist[2, 5]
