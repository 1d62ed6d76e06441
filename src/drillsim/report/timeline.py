"""One replication reconstructed from its events: tracks, strength, pictures, phases, kill chains.

Everything is converted to latitude/longitude and plain JSON types, so the same dictionary feeds the web
viewer (served as JSON) and the report (inlined as JSON). Times are seconds from the scenario start.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from drillsim.events.chains import CHAIN_KINDS, Mission, missions
from drillsim.report.results import Result
from drillsim.report.symbols import affiliation, unit_sidc
from drillsim.scenario.models import REACH_RADIUS_M, ObjectiveSpec, Scenario

__all__ = ["EVENT_LABELS", "KEY_EVENT_KINDS", "kill_chains", "objective_terms", "replay_data", "unit_table"]

EVENT_LABELS = {
    "PhaseStarted": "phases started",
    "PhaseSkipped": "phases passed over",
    "OrderReceived": "orders received",
    "UnitArrived": "units arrived",
    "UnitMoved": "positions logged",
    "ContactDetected": "detections",
    "ContactReported": "contacts reported",
    "ContactLost": "contacts lost",
    "ReportExpired": "reports expired",
    "UnitHit": "units hit",
    "Fratricide": "fratricide",
    "AmmunitionExhausted": "ammunition run out",
    "AmmunitionResupplied": "ammunition resupplied",
    "SupplyDispatched": "supplies sent",
    "SupplyDelivered": "supplies delivered",
    "FuelExhausted": "fuel run out",
    "FuelResupplied": "fuel resupplied",
    "CasualtiesEvacuated": "casualties evacuated",
    "CasualtiesMissing": "people missing",
    "UnitDestroyed": "units destroyed",
    "UnitBroke": "units broke",
    "UnitRallied": "units rallied",
    "UnitFled": "units fled",
    "UnitCaptured": "units captured",
    "UnitEscaped": "units escaped",
    "BatteryHalted": "batteries halted to emplace",
    "BatteryMarchOrdered": "batteries packed up to move",
    "FireMissionRequested": "calls for fire",
    "FireMissionRefused": "fire missions refused",
    "RoundsFired": "rounds fired",
    "RoundsImpacted": "rounds landed",
    "FireMissionCompleted": "fire missions completed",
    "StrikeRequested": "strikes requested",
    "SortieLaunched": "sorties launched",
    "StrikeAborted": "strikes aborted",
    "WeaponsReleased": "weapons released",
    "SortieRecovered": "sorties recovered",
    "AircraftEngaged": "aircraft engaged",
    "AircraftDamaged": "aircraft damaged",
    "AircraftLost": "aircraft lost",
    "SortieAborted": "sorties aborted",
    "ObjectiveAchieved": "objectives achieved",
    "ObstacleDetected": "obstacles found",
    "VehicleBrokeDown": "vehicles broke down",
    "UnitLostWay": "units lost their way",
    "UnitLanded": "units landed",
    "UnitMounted": "units mounted",
    "UnitDismounted": "units dismounted",
    "CarrierLost": "carriers lost",
    "CarrierSighted": "parked carriers sighted",
    "ObstacleEncountered": "obstacles met",
    "ObstacleBreached": "obstacles breached",
    "AmbushSprung": "ambushes sprung",
    "AssaultResolved": "assaults decided",
    "PositionSeized": "positions seized",
    "InitiativeTaken": "initiatives taken",
    "PursuitEnded": "pursuits broken off",
    "SearchBegun": "searches begun",
    "SearchEnded": "searches ended",
    "SearchLegSkipped": "search legs skipped for strong positions",
    "UnitReactedToFire": "units reacted to fire",
    "UnitDugIn": "units dug in under fire",
}
"""Every kind of event in plain words, as the rows of the report's timeline chart and the viewer's
event-kind list name them (the event class names are for code)."""

KEY_EVENT_KINDS = (
    "PhaseStarted",
    "ContactDetected",
    "ContactLost",
    "FireMissionRequested",
    "FireMissionRefused",
    "RoundsImpacted",
    "StrikeRequested",
    "WeaponsReleased",
    "StrikeAborted",
    "UnitHit",
    "UnitBroke",
    "UnitDestroyed",
    "UnitFled",
    "UnitCaptured",
    "UnitEscaped",
    "ObjectiveAchieved",
    "AssaultResolved",
    "PositionSeized",
)
"""Kinds the viewer marks on the timeline and offers to jump to."""

_END_KINDS = {"UnitDestroyed": "destroyed", "UnitCaptured": "captured", "UnitEscaped": "escaped"}

# The two kill chains: the event that starts each, then (link name, event kind that ends the link).
FIRE_LINKS = (
    ("request", "FireMissionRequested"),
    ("fire direction", "RoundsFired"),
    ("time of flight", "RoundsImpacted"),
    ("assessment", "FireMissionCompleted"),
)
STRIKE_LINKS = (
    ("request", "StrikeRequested"),
    ("tasking", "SortieLaunched"),
    ("transit", "WeaponsReleased"),
    ("return", "SortieRecovered"),
)


def _r(value: Any, digits: int = 6) -> float | None:
    """A float rounded for JSON, or None for NaN / missing."""
    if value is None:
        return None
    v = float(value)
    return round(v, digits) if math.isfinite(v) else None


_ROWS_AT_ONCE = 20_000
"""Event-log rows turned into dicts at a time (a long replication's rows are never all dicts at once)."""

Point = list[float | None]
"""A track point: time (s), latitude, longitude, strength."""


def _rows(result: Result, table: pa.Table) -> Iterator[dict[str, Any]]:
    """A table's events in its order, as dicts with ``lat`` and ``lon``."""
    for batch in table.to_batches(max_chunksize=_ROWS_AT_ONCE):
        lat, lon = result.to_latlon(batch.column("x_m").to_numpy(), batch.column("y_m").to_numpy())
        rows: list[dict[str, Any]] = batch.to_pylist()
        for row, la, lo in zip(rows, lat.tolist(), lon.tolist(), strict=True):
            row["lat"] = _r(la)
            row["lon"] = _r(lo)
            yield row


Tracks = dict[str, tuple[np.ndarray, list[Point]]]
"""Each unit's track points with the event-log row of each."""


def _moves(result: Result, table: pa.Table) -> tuple[Tracks, pa.Table, np.ndarray]:
    """One replication's ``UnitMoved`` events, read as whole columns (they are most of a log): each unit's
    points with their rows in the log; and the other events, with theirs."""
    is_moved = pc.fill_null(pc.equal(table.column("kind"), "UnitMoved"), False).to_numpy(zero_copy_only=False)
    others = np.flatnonzero(~is_moved)
    moved = table.take(np.flatnonzero(is_moved))
    lat, lon = result.to_latlon(moved.column("x_m").to_numpy(), moved.column("y_m").to_numpy())
    placed = np.flatnonzero(np.isfinite(lat))
    rows = np.flatnonzero(is_moved)[placed]
    units = moved.column("unit").combine_chunks().dictionary_encode()
    codes = units.indices.to_numpy(zero_copy_only=False)[placed]
    names = units.dictionary.to_pylist()
    values = (
        moved.column("time_s").to_numpy()[placed],
        lat[placed],
        lon[placed],
        moved.column("value").to_numpy()[placed],
    )
    points = [
        [_r(t, 3), _r(a), _r(o), _r(s, 3)] for t, a, o, s in zip(*(v.tolist() for v in values), strict=True)
    ]
    order = np.argsort(codes, kind="stable")
    tracks: Tracks = {}
    for code in np.unique(codes):
        idx = order[np.searchsorted(codes[order], code) : np.searchsorted(codes[order], code, side="right")]
        tracks[names[int(code)]] = (rows[idx], [points[i] for i in idx.tolist()])
    return tracks, table.take(others), others


def _merge_tracks(moved: Tracks, arrived: dict[str, list[tuple[int, Point]]]) -> dict[str, list[Point]]:
    """Each unit's track, its points in time order (ties in log order); units in the order the log first
    places them."""
    merged: list[tuple[int, str, list[Point]]] = []
    for unit in {**moved, **arrived}:
        rows, points = moved.get(unit, (np.zeros(0, dtype=np.int64), []))
        keyed = [*zip(rows.tolist(), points, strict=True), *arrived.get(unit, [])]
        keyed.sort(key=lambda rp: (rp[1][0] or 0.0, rp[0]))
        merged.append((min(r for r, _ in keyed), unit, [p for _, p in keyed]))
    merged.sort(key=lambda m: m[0])
    return {unit: points for _, unit, points in merged}


def unit_table(result: Result) -> list[dict[str, Any]]:
    """The header's units with their SIDC as each side sees them (``sidc``) and as a contact (``contact``)."""
    sides = result.header["sides"]
    out = []
    for unit in result.header["units"]:
        views = {viewer: affiliation(viewer, unit["side"], sides) for viewer in sides}
        out.append(
            {
                **unit,
                "sidc": {viewer: unit_sidc(unit, ident) for viewer, ident in views.items()},
                "contact": {
                    viewer: unit_sidc(unit, ident, anticipated=True) for viewer, ident in views.items()
                },
                "affiliation": views,
            }
        )
    return out


def _mission_key(row: dict[str, Any]) -> int:
    value = row.get("value")
    return int(value) if value is not None and math.isfinite(value) else -1


def _latlon(row: Mapping[str, Any]) -> list[Any]:
    return [row["lat"], row["lon"]]


def _fire_mission(m: Mission) -> dict[str, Any]:
    """A fire mission as the replay shows it (map positions from the rows' ``lat``/``lon``)."""
    request = m.first["FireMissionRequested"]
    out: dict[str, Any] = {
        "mission": m.mission,
        "times": {kind: _r(row["time_s"], 3) for kind, row in m.first.items()},
        "side": request["side"],
        "observer": request["unit"],
        "target": m.target,
        "battery": m.shooter,
        "aim": _latlon(request),
    }
    if "FireMissionRefused" in m.first:
        out["refused"] = m.first["FireMissionRefused"]["detail"]
    if "RoundsFired" in m.first:
        out["rounds"] = m.rounds
        out["fired_at"] = _latlon(m.first["RoundsFired"])
    if "RoundsImpacted" in m.first:
        out["impact"] = _latlon(m.first["RoundsImpacted"])
    if "FireMissionCompleted" in m.first:
        out["casualties"] = int(m.first["FireMissionCompleted"]["count"] or 0)
    return out


def _strike(m: Mission) -> dict[str, Any]:
    """An air strike as the replay shows it."""
    request = m.first["StrikeRequested"]
    out: dict[str, Any] = {
        "mission": m.mission,
        "times": {kind: _r(row["time_s"], 3) for kind, row in m.first.items() if kind != "RoundsImpacted"},
        "side": request["side"],
        "aircraft": request["unit"],
        "target": m.target,
    }
    if "SortieLaunched" in m.first:
        out["airbase"] = m.first["SortieLaunched"]["detail"]
    if "WeaponsReleased" in m.first:
        out["weapons"] = m.rounds
        out["impact"] = _latlon(m.first["WeaponsReleased"])
    if "StrikeAborted" in m.first:
        out["aborted"] = m.first["StrikeAborted"]["detail"]
    return out


def kill_chains(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Fire missions and strikes of one replication (rows with ``lat``/``lon``), each with its links, times
    and durations (read by :func:`drillsim.events.chains.missions`)."""
    found = missions(rows)
    ordered = [found[key] for key in sorted(found)]
    return (
        [_with_links(_fire_mission(m), FIRE_LINKS) for m in ordered if m.chain == "fire-mission"],
        [_with_links(_strike(m), STRIKE_LINKS) for m in ordered if m.chain == "air-strike"],
    )


def _with_links(mission: dict[str, Any], links: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """Add ``links``: each link that happened after the first event (the request), with start, end and
    duration."""
    times = mission["times"]
    out = []
    previous: float | None = None
    first: float | None = None
    for name, kind in links:
        t = times.get(kind)
        if kind == "WeaponsReleased" and t is None and "StrikeAborted" in times:
            t = times["StrikeAborted"]
            name = "transit (aborted)"
        if t is None:
            continue
        if previous is None:
            previous = first = t
            continue
        start = previous
        out.append(
            {"link": name, "event": kind, "start_s": start, "end_s": t, "duration_s": _r(t - start, 3)}
        )
        previous = t
    mission["links"] = out
    mission["start_s"] = first
    mission["end_s"] = out[-1]["end_s"] if out else first
    if "FireMissionRefused" in times:
        mission["end_s"] = times["FireMissionRefused"]
    if mission.get("refused"):
        mission["outcome"] = f"refused ({mission['refused']})"
    elif mission.get("aborted"):
        mission["outcome"] = f"aborted ({mission['aborted']})"
    elif "casualties" in mission:
        mission["outcome"] = f"{mission['casualties']} casualties"
    elif "weapons" in mission:
        mission["outcome"] = f"{mission['weapons']} weapons released"
    else:
        mission["outcome"] = "in progress at the end"
    return mission


def _describe(row: dict[str, Any]) -> str:
    kind = row["kind"]
    unit, other, detail = row["unit"], row["other"], row["detail"]
    count = row["count"]
    texts = {
        "PhaseStarted": f"phase {detail} started",
        "PhaseSkipped": f"phase {detail} passed over: {other}",
        "OrderReceived": f"{unit}: {detail} ({other})",
        "ContactDetected": f"{row['side']}: {unit or 'someone'} detected {other} ({detail})",
        "CarrierSighted": f"{row['side']}: {unit} sighted the parked carriers of {other} ({detail})",
        "CarrierLost": f"{unit} lost a carrier to {detail}" + (f" from {other}" if other else ""),
        "ContactReported": f"{row['side']}: {other} reported",
        "ContactLost": f"{row['side']}: lost contact with {other}",
        "ReportExpired": f"{row['side']}: report of {other} came too late",
        "UnitHit": f"{unit} lost {count} to {detail} fire from {other}",
        "UnitDestroyed": f"{unit} destroyed",
        "UnitBroke": f"{unit} broke ({detail})",
        "UnitFled": f"{unit} fled",
        "UnitCaptured": f"{unit} captured by {other}",
        "UnitEscaped": f"{unit} escaped",
        "BatteryHalted": f"{unit} halted to emplace",
        "BatteryMarchOrdered": f"{unit} packed up to move",
        "FireMissionRequested": f"{unit} called for fire from {detail} on {other}",
        "FireMissionRefused": f"{unit} refused fire mission on {other} ({detail})",
        "RoundsFired": f"{unit} fired {count} rounds",
        "RoundsImpacted": f"rounds from {unit} landed near {other}: {count} casualties",
        "FireMissionCompleted": f"{unit}: mission on {other} complete, {count} casualties",
        "StrikeRequested": f"{row['side']}: strike by {unit} on {other} requested",
        "SortieLaunched": f"{unit} took off from {detail}",
        "StrikeAborted": f"{unit} aborted ({detail})",
        "WeaponsReleased": f"{unit} released {count} weapons on {other}",
        "SortieRecovered": f"{unit} landed",
        "ObjectiveAchieved": f"{row['side']} achieved {detail}",
        "AssaultResolved": f"{row['side']}: assault on {other} led by {unit}: {detail}",
        "PositionSeized": f"{row['side']} seized {other} from {unit} ({detail})",
        "InitiativeTaken": f"{unit}: {detail}" + (f" ({other})" if other else ""),
        "PursuitEnded": f"{unit}: pursuit of {other} broken off ({detail})",
        "SearchBegun": f"{unit}: search for {other} ({detail})",
        "SearchEnded": f"{unit}: search for {other} {detail}",
        "SearchLegSkipped": f"{unit}: search leg skipped, {detail} holds it",
    }
    return str(texts.get(kind, kind))


def _place(ref: Any) -> str:
    """A destination as the scenario gives it: a place's name, or latitude, longitude."""
    return ref if isinstance(ref, str) else f"{float(ref.lat):.4f}, {float(ref.lon):.4f}"


def objective_terms(scenario: Scenario | None) -> dict[str, str]:
    """What meets each of a scenario's objectives, in a few words (an objective's name says what it is
    for, not how it is judged: a ``reach`` objective may be met by reaching a place before the unit's
    escape is recorded)."""
    if scenario is None:
        return {}
    return {name: _objective_term(o) for name, o in scenario.objectives.items()}


_FATE_WORDS = {
    "captured": "captured before it escaped",
    "escaped": "escaped before it was captured",
    "killed": "destroyed, neither captured nor escaped",
    "at-large": "neither captured, killed nor escaped by the end",
}
"""How a fate objective's fate reads in a key-event row."""


def _objective_term(o: ObjectiveSpec) -> str:
    share = f"{float(o.fraction):.0%}"
    if o.kind == "capture-unit":
        return f"{o.unit} captured"
    if o.kind == "destroy-unit":
        return f"every element of {o.unit} destroyed or captured"
    if o.kind == "fate":
        return f"{o.unit} {_FATE_WORDS[str(o.fate)]}"
    if o.kind == "reach":
        return f"an element of {o.unit} within {REACH_RADIUS_M:,.0f} m of {_place(o.to)}"
    if o.kind == "secure-withdrawal":
        return f"{share} of the strength of {', '.join(o.units)} withdrawn"
    if o.kind == "neutralise":
        return f"{share} of {o.of_side}'s elements out of action"
    if o.kind == "hold-line":
        return f"no enemy across {o.line}"
    return f"no enemy in {o.area}"  # hold-area


def replay_data(result: Result, replication: int | None = None) -> dict[str, Any]:  # noqa: C901
    """Everything the viewer draws for one replication (default: the first), as JSON-ready data."""
    rep = result.replications[0] if replication is None else int(replication)
    chain_rows: list[dict[str, Any]] = []  # the kill chains' events, read after the loop
    header = result.header
    units = unit_table(result)
    strength0 = {u["id"]: float(u["strength"]) for u in units}
    strength: dict[str, list[list[float]]] = {uid: [[0.0, s]] for uid, s in strength0.items()}
    current = dict(strength0)
    ends: dict[str, dict[str, Any]] = {}
    orders: dict[str, list[dict[str, Any]]] = defaultdict(list)
    involved: dict[str, list[int]] = defaultdict(list)
    pictures: dict[str, list[dict[str, Any]]] = {side: [] for side in header["sides"]}
    events: list[dict[str, Any]] = []
    phases: list[dict[str, Any]] = []
    moved, others, positions = _moves(result, result.events_of(rep))
    arrived: dict[str, list[tuple[int, Point]]] = defaultdict(list)
    for at, row in zip(positions.tolist(), _rows(result, others), strict=True):
        kind, t, unit = row["kind"], float(row["time_s"]), row["unit"]
        if kind in CHAIN_KINDS:
            chain_rows.append(row)
        if kind == "UnitArrived":
            if row["lat"] is not None:
                point = [_r(t, 3), row["lat"], row["lon"], _r(current.get(unit, 0.0), 3)]
                arrived[unit].append((at, point))
            continue
        if kind == "UnitHit" and unit in current:
            current[unit] = max(0.0, current[unit] - float(row["count"] or 0))
            strength[unit].append([_r(t, 3) or 0.0, current[unit]])
        if kind in _END_KINDS and unit not in ends:
            ends[unit] = {"time_s": _r(t, 3), "status": _END_KINDS[kind]}
        if kind == "OrderReceived":
            orders[unit].append({"time_s": _r(t, 3), "task": row["detail"], "phase": row["other"]})
        if kind == "PhaseStarted":
            phases.append({"name": row["detail"], "time_s": _r(t, 3)})
        if kind in ("ContactReported", "ContactLost") and row["side"] in pictures:
            pictures[row["side"]].append(
                {
                    "time_s": _r(t, 3),
                    "kind": "lost" if kind == "ContactLost" else "reported",
                    "target": row["other"],
                    "lat": row["lat"],
                    "lon": row["lon"],
                    "error_m": _r(row["value"], 1),
                }
            )
        event = {
            "i": len(events),
            "time_s": _r(t, 3),
            "kind": kind,
            "side": row["side"],
            "unit": unit,
            "other": row["other"],
            "detail": row["detail"],
            "count": row["count"],
            "lat": row["lat"],
            "lon": row["lon"],
            "text": _describe(row),
        }
        if kind.startswith(("FireMission", "Rounds", "Strike", "Sortie", "Weapons")):
            event["mission"] = _mission_key(row)
        events.append(event)
        for name in (unit, row["other"]):
            if name in strength0:
                involved[name].append(event["i"])
    tracks = _merge_tracks(moved, arrived)
    del moved, arrived
    # Event markers need a place: events without one (hits, breaks, captures) sit at the unit's position.
    along: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for event in events:
        if event["lat"] is None and event["unit"] in tracks:
            unit = event["unit"]
            if unit not in along:
                along[unit] = _track_arrays(tracks[unit])
            event["lat"], event["lon"] = _position_at(along[unit], float(event["time_s"]))
    missions, strikes = kill_chains(chain_rows)
    for unit_entry in units:
        uid = unit_entry["id"]
        unit_entry["end"] = ends.get(uid)
        unit_entry["orders"] = orders.get(uid, [])
        unit_entry["events"] = involved.get(uid, [])
    return {
        "meta": {
            "title": header.get("title") or header["scenario"],
            "scenario": header["scenario"],
            "scenario_hash": header.get("scenario_hash"),
            "seed": str(header["seed"]),  # a string: JavaScript numbers lose the digits of a 64-bit seed
            "replication": rep,
            "replications": result.replications,
            "start": header.get("start"),
            "duration_s": header["duration_s"],
            "dt_s": header.get("dt_s"),
            "drillsim_version": header.get("drillsim_version"),
            "geodata": header.get("geodata"),
        },
        "sides": {
            name: {**side, "colour": side.get("colour") or _default_colour(i)}
            for i, (name, side) in enumerate(header["sides"].items())
        },
        "units": units,
        "tracks": dict(tracks),
        "strength": strength,
        "phases": phases,
        "pictures": pictures,
        "events": events,
        "missions": missions,
        "strikes": strikes,
        "event_kinds": sorted({e["kind"] for e in events}),
        "event_labels": {kind: EVENT_LABELS.get(kind, kind) for kind in sorted({e["kind"] for e in events})},
        "objectives": objective_terms(result.scenario),
    }


_PALETTE = ("#1f5fbf", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085")


def _default_colour(index: int) -> str:
    return _PALETTE[index % len(_PALETTE)]


def _track_arrays(track: list[Point]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A track's times, latitudes and longitudes as arrays."""
    times = np.array([p[0] for p in track], dtype=np.float64)
    lats = np.array([p[1] for p in track], dtype=np.float64)
    lons = np.array([p[2] for p in track], dtype=np.float64)
    return times, lats, lons


def _position_at(track: tuple[np.ndarray, np.ndarray, np.ndarray], t: float) -> tuple[float, float]:
    """Linear interpolation of a (non-empty) track at time t (clamped to its ends)."""
    times, lats, lons = track
    return _r(float(np.interp(t, times, lats))) or 0.0, _r(float(np.interp(t, times, lons))) or 0.0
