"""A many-replication result at a glance: track density, sample tracks, outcome markers, measures.

Density is a count of sampled unit positions per cell of a latitude/longitude grid over the scenario
bounds, per side, scaled to 0..255. Tracks of at most ``max_tracks`` replications are included as lines.
Outcome markers put each replication's destroyed, captured, escaped and broken units where it happened.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from drillsim.report.results import Result
from drillsim.report.timeline import _default_colour

__all__ = ["choose_replication", "ensemble_data", "ensemble_json"]

_OUTCOME_KINDS = ("UnitDestroyed", "UnitCaptured", "UnitEscaped", "UnitBroke")


def _finite(values: np.ndarray) -> list[float | None]:
    return [round(float(v), 6) if math.isfinite(v) else None for v in values]


def choose_replication(result: Result, measure: str, pick: str, *, higher_is_better: bool = True) -> int:
    """The replication whose ``measure`` is the median, best or worst (``pick``) of the ensemble.

    The median pick is the replication closest to the median value (lowest index on ties); replications
    where the measure has no value are never picked.
    """
    values = result.measures().get(measure)
    if values is None:
        raise KeyError(measure)
    reps = np.asarray(result.outcome_replications)
    ok = np.isfinite(values)
    if not ok.any():
        return int(reps[0])
    v, r = values[ok], reps[ok]
    if pick == "median":
        target = float(np.median(v))
        return int(r[np.lexsort((r, np.abs(v - target)))[0]])
    best = pick == "best"
    want_max = best == higher_is_better
    order = np.lexsort((r, -v if want_max else v))
    return int(r[order[0]])


_COLUMNS = ("replication", "kind", "unit", "time_s", "x_m", "y_m")
"""The event-log columns the ensemble reads."""


def ensemble_data(result: Result, *, cells: int = 96, max_tracks: int = 100) -> dict[str, Any]:
    """Density grids, sample tracks, outcome markers and per-replication measures, JSON-ready.

    The event log is read one replication at a time (positions and outcome events only), so memory
    grows with one replication's events and the tracks kept, not with the number of replications.
    """
    tracks: list[dict[str, Any]] = []
    data = _ensemble(result, cells=cells, max_tracks=max_tracks, keep_tracks=tracks.extend)
    return {**data, "tracks": tracks}


def ensemble_json(result: Result, *, cells: int = 96, max_tracks: int = 100) -> bytes:
    """:func:`ensemble_data` as compact JSON, the tracks encoded one replication at a time (so that
    they are never all held as Python objects at once)."""
    pieces: list[str] = []

    def keep(tracks: list[dict[str, Any]]) -> None:
        if tracks:
            pieces.append(json.dumps(tracks, separators=(",", ":"), allow_nan=False)[1:-1])

    data = _ensemble(result, cells=cells, max_tracks=max_tracks, keep_tracks=keep)
    text = json.dumps({**data, "tracks": []}, separators=(",", ":"), allow_nan=False)
    empty = '"tracks":[]'  # the only such key: a quote inside a string value is escaped
    at = text.index(empty) + len(empty) - 1
    return (text[:at] + ",".join(pieces) + text[at:]).encode("utf-8")


def _ensemble(
    result: Result, *, cells: int, max_tracks: int, keep_tracks: Callable[[list[dict[str, Any]]], object]
) -> dict[str, Any]:
    """Everything of :func:`ensemble_data` but the tracks, which go to ``keep_tracks`` a replication's
    at a time."""
    header = result.header
    b = header["bounds"]
    side_of = {u["id"]: u["side"] for u in header["units"]}
    sides = list(header["sides"])
    aspect = math.cos(math.radians((b["south"] + b["north"]) / 2))
    width = b["east"] - b["west"]
    height = b["north"] - b["south"]
    nx = cells if width * aspect >= height else max(8, int(cells * width * aspect / height))
    ny = cells if height >= width * aspect else max(8, int(cells * height / (width * aspect)))
    counts = {side: np.zeros((ny, nx)) for side in sides}
    chosen = set(result.replications[:max_tracks])
    markers: list[dict[str, Any]] = []
    for rep in sorted(result.replications):
        table = result.scan(replication=rep, kinds=("UnitMoved", *_OUTCOME_KINDS), columns=_COLUMNS)
        moved = table.filter(pc.equal(table.column("kind"), "UnitMoved"))
        lat, lon = result.to_latlon(moved.column("x_m").to_numpy(), moved.column("y_m").to_numpy())
        unit_ids = np.asarray(moved.column("unit").to_pylist(), dtype=object)
        times = moved.column("time_s").to_numpy()
        unit_side = np.asarray([side_of.get(u, "") for u in unit_ids], dtype=object)
        for side in sides:
            mask = unit_side == side
            grid, _, _ = np.histogram2d(
                lat[mask], lon[mask], bins=[ny, nx], range=[[b["south"], b["north"]], [b["west"], b["east"]]]
            )
            counts[side] += grid
        groups = _groups(moved.column("replication").to_numpy(), unit_ids, times)
        if rep in chosen:
            keep_tracks(
                [
                    {
                        "replication": r,
                        "unit": uid,
                        "side": side_of.get(uid, ""),
                        "points": [
                            [round(float(a), 5), round(float(o), 5)]
                            for a, o in zip(lat[idx], lon[idx], strict=True)
                            if math.isfinite(a)
                        ],
                    }
                    for (r, uid), idx in groups.items()
                ]
            )
        ends = table.filter(pc.is_in(table.column("kind"), value_set=pa.array(_OUTCOME_KINDS)))
        markers += _outcome_markers(ends, side_of, groups, times, lat, lon)
    density: dict[str, list[list[int]]] = {}
    for side, grid in counts.items():
        grid = grid[::-1]  # row 0 is the north edge, as in an image
        top = float(grid.max())
        scaled = np.sqrt(grid / top) * 255 if top > 0 else grid
        density[side] = np.round(scaled).astype(int).tolist()
    measures = result.measures()
    return {
        "replications": result.outcome_replications,
        "sides": {
            name: {"name": side.get("name") or name, "colour": side.get("colour") or _default_colour(i)}
            for i, (name, side) in enumerate(header["sides"].items())
        },
        "bounds": [[b["south"], b["west"]], [b["north"], b["east"]]],
        "density": {"rows": ny, "cols": nx, "grids": density},
        "tracks_of": len(chosen),
        "markers": markers,
        "measures": {
            name: {"kind": header.get("measures", {}).get(name, ""), "values": _finite(v)}
            for name, v in measures.items()
        },
    }


def _groups(reps: np.ndarray, unit_ids: np.ndarray, times: np.ndarray) -> dict[tuple[int, str], np.ndarray]:
    """Row indices of each (replication, unit) track, in time order."""
    names = unit_ids.astype(str)
    order = np.lexsort((times, names, reps))
    if len(order) == 0:
        return {}
    r, n = reps[order], names[order]
    starts = np.nonzero(np.r_[True, (r[1:] != r[:-1]) | (n[1:] != n[:-1])])[0]
    stops = np.r_[starts[1:], len(order)]
    return {(int(r[a]), str(n[a])): order[a:z] for a, z in zip(starts, stops, strict=True)}


def _outcome_markers(
    ends: pa.Table,
    side_of: dict[str, str],
    groups: dict[tuple[int, str], np.ndarray],
    times: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
) -> list[dict[str, Any]]:
    """Where each unit was destroyed, captured, escaped or broke: its last sampled position by then."""
    rows = ends.to_pylist()
    out = []
    for row in rows:
        sel = groups.get((int(row["replication"]), str(row["unit"])))
        if sel is None or len(sel) == 0:
            continue
        t = row["time_s"]
        before = sel[times[sel] <= t + 1e-9]
        i = before[-1] if len(before) else sel[0]
        if not math.isfinite(lat[i]):
            continue
        out.append(
            {
                "replication": int(row["replication"]),
                "kind": row["kind"],
                "unit": row["unit"],
                "side": side_of.get(row["unit"], ""),
                "time_s": round(float(t), 3),
                "lat": round(float(lat[i]), 5),
                "lon": round(float(lon[i]), 5),
            }
        )
    return out
