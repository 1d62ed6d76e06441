"""The road network as a graph: nodes at road vertices, edges along the roads, shortest paths by Dijkstra.

Road lines (polylines in metres) become a graph once per world. Vertices closer than ``snap_m`` to each
other become one node (the first in input order keeps its position), and a line's end that stops within
``snap_m`` of another road's segment is joined to it by a new node on that segment, so roads drawn from
separate sources still meet at their junctions. Edges carry their lengths in metres. Every query is
vectorised and deterministic: ties go to the lowest node index.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from drillsim.core.compiled import jit
from drillsim.geo.distance import SQUARED_SLACK, simplify_polyline

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

SNAP_M = 200.0
"""Vertices of different roads closer than this are one junction."""

_CACHE_BYTES = 64 * 2**20
"""Bytes of shortest-path rows kept per network (distances and predecessors, 16 a node); forgotten beyond."""

EdgeFilter = Callable[[FloatArray, FloatArray, FloatArray, FloatArray], NDArray[np.bool_]]
"""(ax, ay, bx, by) of candidate edges -> True where the edge may not be used (it cuts a river)."""


@dataclass(frozen=True)
class RoadNetwork:
    """A road graph: ``nodes_xy`` (n, 2) metres, ``edges`` (m, 2) node indices, ``lengths_m`` (m,)."""

    nodes_xy: FloatArray
    edges: IntArray
    lengths_m: FloatArray

    @property
    def n(self) -> int:
        return int(self.nodes_xy.shape[0])

    @property
    def degree(self) -> IntArray:
        """Number of edges at each node."""
        return np.bincount(self.edges.ravel(), minlength=self.n).astype(np.int64)

    @property
    def is_junction(self) -> NDArray[np.bool_]:
        """Nodes where the road does not simply go on: ends and junctions (degree other than 2)."""
        return np.asarray(self.degree != 2)

    @cached_property
    def _matrix(self) -> csr_matrix:
        """The graph as the (symmetric) matrix of edge lengths Dijkstra reads, made once."""
        a, b = self.edges[:, 0], self.edges[:, 1]
        n = self.n
        return csr_matrix(
            (
                np.concatenate([self.lengths_m, self.lengths_m]),
                (np.concatenate([a, b]), np.concatenate([b, a])),
            ),
            shape=(n, n),
        )

    @cached_property
    def _from(self) -> dict[int, tuple[FloatArray, IntArray]]:
        """The distances and predecessors from each source node asked for so far (the graph never
        changes, and a source's row does not depend on the other sources of its query)."""
        return {}

    def nearest_node(self, x: ArrayLike, y: ArrayLike) -> tuple[IntArray, FloatArray]:
        """Index of the nearest node to each point (lowest index on ties) and its distance in metres."""
        px = np.asarray(x, dtype=np.float64)
        py = np.asarray(y, dtype=np.float64)
        if self.n == 0:
            raise ValueError("the road network has no nodes")
        bx, by = np.broadcast_arrays(px, py)
        idx, dist = _nearest_nodes(bx.ravel(), by.ravel(), self.nodes_xy)
        return idx.reshape(bx.shape), dist.reshape(bx.shape)

    def shortest(self, sources: ArrayLike) -> tuple[FloatArray, IntArray]:
        """Road distances (len(sources), n) from each source node, and predecessors (-9999: none)."""
        src = np.asarray(sources, dtype=np.int64).reshape(-1)
        if len(src) == 0 or len(self.edges) == 0:
            dist = np.full((len(src), self.n), np.inf)
            dist[np.arange(len(src)), src] = 0.0
            return dist, np.full((len(src), self.n), -9999, dtype=np.int64)
        known = self._from
        if len(known) * self.n * 16 > _CACHE_BYTES:
            known.clear()
        missing = [int(a) for a in np.unique(src) if int(a) not in known]
        if missing:
            dist, pred = dijkstra(self._matrix, directed=False, indices=missing, return_predecessors=True)
            for i, a in enumerate(missing):
                known[a] = (np.asarray(dist[i], dtype=np.float64), np.asarray(pred[i], dtype=np.int64))
        rows = [known[int(a)] for a in src]
        return np.stack([d for d, _ in rows]), np.stack([p for _, p in rows])

    def path(self, a: int, b: int, predecessors: IntArray) -> IntArray:
        """Nodes from ``a`` to ``b`` given the predecessor row of source ``a`` (empty if unreachable)."""
        if a == b:
            return np.array([a], dtype=np.int64)
        if predecessors[b] < 0:
            return np.zeros(0, dtype=np.int64)
        out = [b]
        while out[-1] != a:
            out.append(int(predecessors[out[-1]]))
        return np.asarray(out[::-1], dtype=np.int64)

    def path_points(self, nodes: IntArray, *, max_points: int, tolerance_m: float = 50.0) -> FloatArray:
        """The path's polyline with at most ``max_points`` vertices, by Douglas-Peucker.

        Junctions and ends are kept as long as they fit; the tolerance doubles until the polyline fits,
        and as a last resort the vertices are thinned evenly (first and last always kept).
        """
        pts = self.nodes_xy[nodes]
        if len(pts) <= max_points:
            return pts
        keep = self.is_junction[nodes].copy()
        keep[[0, -1]] = True
        tol = tolerance_m
        for _ in range(24):
            cuts = np.flatnonzero(keep)
            if len(cuts) > max_points:
                break
            pieces = [pts[:1]]
            for a, b in itertools.pairwise(cuts):
                pieces.append(simplify_polyline(pts[a : b + 1], tol)[1:])
            out = np.vstack(pieces)
            if len(out) <= max_points:
                return out
            tol *= 2.0
        pick = np.unique(np.round(np.linspace(0, len(pts) - 1, max(max_points, 2))).astype(np.int64))
        return pts[pick]


@jit
def _nearest_nodes(px: FloatArray, py: FloatArray, nodes_xy: FloatArray) -> tuple[IntArray, FloatArray]:
    """For each point (px[k], py[k]), the index of the nearest of ``nodes_xy`` and its distance: the first
    nearest on ties and the first whose distance is NaN if any is, as ``np.argmin`` over ``np.hypot`` picks
    (the same C library hypot), without the (points, nodes) array of distances. For a finite point, hypot
    is computed only for the nodes whose squared distance is within ``SQUARED_SLACK`` of the least (no
    other can be nearer by hypot, :func:`~drillsim.geo.distance.within`; the nodes are finite)."""
    k_n = px.shape[0]
    n = nodes_xy.shape[0]
    idx = np.zeros(k_n, dtype=np.int64)
    dist = np.empty(k_n)
    for k in range(k_n):
        x = px[k]
        y = py[k]
        arg = 0
        if math.isfinite(x) and math.isfinite(y):
            least = np.inf
            for i in range(n):
                dx = x - nodes_xy[i, 0]
                dy = y - nodes_xy[i, 1]
                least = min(least, dx * dx + dy * dy)
            best = np.inf
            for i in range(n):
                dx = x - nodes_xy[i, 0]
                dy = y - nodes_xy[i, 1]
                if dx * dx + dy * dy <= least * SQUARED_SLACK:
                    d = math.hypot(dx, dy)
                    if d < best:
                        best = d
                        arg = i
        else:  # NaN or infinite coordinates: every distance, as argmin reads them
            best = math.hypot(x - nodes_xy[0, 0], y - nodes_xy[0, 1])
            if not math.isnan(best):
                for i in range(1, n):
                    d = math.hypot(x - nodes_xy[i, 0], y - nodes_xy[i, 1])
                    if math.isnan(d):
                        best = d
                        arg = i
                        break
                    if d < best:
                        best = d
                        arg = i
        idx[k] = arg
        dist[k] = best
    return idx, dist


def build_road_network(
    lines: Sequence[ArrayLike], *, snap_m: float = SNAP_M, blocked: EdgeFilter | None = None
) -> RoadNetwork:
    """A road graph from polylines ((k, 2) arrays of x, y metres), in the order given.

    ``blocked`` (optional) drops edges that may not be driven, e.g. those cutting a river away from a
    bridge.
    """
    parts = [np.asarray(line, dtype=np.float64).reshape(-1, 2) for line in lines]
    parts = [p for p in parts if len(p) >= 2]
    if not parts:
        return RoadNetwork(np.zeros((0, 2)), np.zeros((0, 2), dtype=np.int64), np.zeros(0))
    # A line's end that stops short of (or just past) another road's segment gets a vertex on it.
    parts = _join_ends_to_segments(parts, snap_m)
    raw = np.vstack(parts)
    owner = np.concatenate([np.full(len(p), i) for i, p in enumerate(parts)])
    # Snap: each vertex goes to the first earlier vertex within snap_m (a greedy, order-defined clustering).
    node_of = np.full(len(raw), -1, dtype=np.int64)
    centres: list[int] = []
    for v in range(len(raw)):
        if centres:
            c = np.asarray(centres)
            d = np.hypot(raw[c, 0] - raw[v, 0], raw[c, 1] - raw[v, 1])
            j = int(np.argmin(d))
            if d[j] <= snap_m and not _same_line_neighbour(owner, c[j], v):
                node_of[v] = j
                continue
        node_of[v] = len(centres)
        centres.append(v)
    nodes = raw[np.asarray(centres, dtype=np.int64)]
    starts = np.concatenate([[0], np.cumsum([len(p) for p in parts])])
    pairs = []
    for i in range(len(parts)):
        ids = node_of[starts[i] : starts[i + 1]]
        pairs.append(np.column_stack([ids[:-1], ids[1:]]))
    edges = np.vstack(pairs)
    edges = edges[edges[:, 0] != edges[:, 1]]
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    a, b = nodes[edges[:, 0]], nodes[edges[:, 1]]
    if blocked is not None and len(edges):
        ok = ~np.asarray(blocked(a[:, 0], a[:, 1], b[:, 0], b[:, 1]), dtype=bool)
        edges, a, b = edges[ok], a[ok], b[ok]
    lengths = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])
    return RoadNetwork(nodes, edges.astype(np.int64), lengths)


def _same_line_neighbour(owner: IntArray, u: int, v: int) -> bool:
    """Consecutive vertices of one line are never merged (a short segment stays a segment)."""
    return bool(owner[u] == owner[v] and abs(u - v) == 1)


def _join_ends_to_segments(parts: list[FloatArray], snap_m: float) -> list[FloatArray]:
    out = [p.copy() for p in parts]
    for i, line in enumerate(parts):
        for end in (line[0], line[-1]):
            best: tuple[float, int, int, FloatArray] | None = None
            for j, other in enumerate(out):
                if j == i:
                    continue
                a, b = other[:-1], other[1:]
                v = b - a
                len2 = np.maximum((v**2).sum(axis=1), 1e-12)
                t = np.clip(((end - a) * v).sum(axis=1) / len2, 0.0, 1.0)
                foot = a + t[:, None] * v
                d = np.hypot(*(foot - end).T)
                k = int(np.argmin(d))
                if d[k] > snap_m or t[k] <= 0.0 or t[k] >= 1.0:
                    continue  # too far, or nearest a vertex already (vertex snapping handles that)
                if best is None or d[k] < best[0]:
                    best = (float(d[k]), j, k, foot[k])
            if best is not None:
                _, j, k, foot = best
                out[j] = np.insert(out[j], k + 1, foot, axis=0)
    return out
