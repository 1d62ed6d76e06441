"""The story of one replication, told from its events and the scenario's structure (nothing in here knows
a particular scenario): where the action of each phase is, the key events grouped and ranked, and a
written summary.

Everything works on :func:`drillsim.report.timeline.replay_data`'s dictionary: events with their place
and text, units with their side, group and parent, tracks, phases, fire missions and strikes. Places are
named from the map layers (the nearest geodata or scenario place), so a summary says "near Pyanj" when
the scenario has a gazetteer and gives no place otherwise.

Grouping. Detections are grouped by the side that detected and the detected unit's group (the units one
scenario entry made); ends of units (broken, destroyed, captured, fled, escaped) by kind and group within
an hour; fire missions by shooter within an hour. Ranking gives each grouped event a weight by kind
(objectives, captures of headquarters and the first sighting of the enemy first), scaled by how many
units and people it touched.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "KeyEvent",
    "action_bounds",
    "border_crossings",
    "group_key_events",
    "nearest_place",
    "phase_windows",
    "side_names",
    "story_sentences",
]

_GROUP_WINDOW_S = 3600.0
"""Events of one kind and group this close in time are one row."""

_FIGHT_KINDS = frozenset(
    {
        "UnitHit",
        "RoundsImpacted",
        "WeaponsReleased",
        "UnitBroke",
        "UnitDestroyed",
        "UnitCaptured",
        "UnitFled",
        "UnitEscaped",
        "AssaultResolved",
        "PositionSeized",
        "ObjectiveAchieved",
        "AmbushSprung",
        "ObstacleEncountered",
    }
)
"""Kinds whose places say where the fighting is (a phase's map is zoomed to them)."""

_SIGHTING_KINDS = frozenset({"ContactDetected"})
"""Kinds whose places say where the enemy was seen (a phase's map is zoomed to them when no fight)."""

_WEIGHTS = {
    "ObjectiveAchieved": 10.0,
    "UnitCaptured": 7.0,
    "PositionSeized": 6.0,
    "UnitDestroyed": 6.0,
    "PhaseStarted": 5.0,
    "ContactDetected": 4.0,
    "UnitEscaped": 4.0,
    "UnitBroke": 3.5,
    "UnitFled": 3.5,
    "AssaultResolved": 3.0,
    "FireMission": 3.0,
    "Strike": 3.0,
    "FireMissionRefused": 1.5,
    "StrikeAborted": 1.5,
}
"""How much a kind of event matters to the story, before its size is counted (an assumption of
presentation, not a model number)."""

_CROSSED_KM = 2.0
"""How far beyond a line a unit must end to count as having crossed it (an assumption of presentation)."""

_FIRST_SIGHTING_BONUS = 5.0
_HEADQUARTERS_BONUS = 5.0

_END_VERBS = {
    "UnitBroke": "broke",
    "UnitDestroyed": "destroyed",
    "UnitCaptured": "captured",
    "UnitFled": "fled",
    "UnitEscaped": "escaped",
}


@dataclass
class KeyEvent:
    """One row of the key-events table: one event, or several of one kind and group close in time."""

    kind: str
    time_s: float
    text: str
    side: str | None = None
    units: list[str] = field(default_factory=list)
    count: int = 1
    """Events merged into this row."""
    people: float = 0.0
    """People the row's events touched (casualties, strength of the units ended), for the ranking."""
    lat: float | None = None
    lon: float | None = None
    score: float = 0.0
    phase: str | None = None


# ------------------------------------------------------------------------------------------- places


def phase_windows(replay: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each phase with its start and end (the next phase's start, or the end of the run); one window
    named ``None`` for a run without phases."""
    duration = float(replay["meta"]["duration_s"])
    phases = [p for p in replay["phases"] if p["time_s"] is not None]
    if not phases:
        return [{"name": None, "start_s": 0.0, "end_s": duration}]
    out = []
    for i, p in enumerate(phases):
        end = float(phases[i + 1]["time_s"]) if i + 1 < len(phases) else duration
        out.append({"name": p["name"], "start_s": float(p["time_s"]), "end_s": max(end, float(p["time_s"]))})
    return out


_MIN_HALF_SPAN_DEG = 0.045
"""Bounds reach at least this far (degrees of latitude, about 5 km) each side of the action's centre: a
fight at one spot is shown with the ground, places and units around it (a 2 km map showed nothing but a
few tracks)."""


def _bounds(lats: Sequence[float], lons: Sequence[float], *, trim: float) -> list[list[float]] | None:
    """Bounds of points with the outer ``trim`` fraction at each end left out, padded by 20 % and at
    least about 10 km across; None for no points."""
    if not lats:
        return None
    la = np.asarray(lats, dtype=np.float64)
    lo = np.asarray(lons, dtype=np.float64)
    if la.size >= 10 and trim > 0:
        s, n = np.quantile(la, [trim, 1 - trim])
        w, e = np.quantile(lo, [trim, 1 - trim])
    else:
        s, n, w, e = la.min(), la.max(), lo.min(), lo.max()
    half_lat = max((n - s) * 0.7, _MIN_HALF_SPAN_DEG)  # the span plus 20 % padding on each side
    half_lon = max((e - w) * 0.7, _MIN_HALF_SPAN_DEG / max(math.cos(math.radians(float(la.mean()))), 0.2))
    mid_lat, mid_lon = (s + n) / 2, (w + e) / 2
    return [
        [float(mid_lat - half_lat), float(mid_lon - half_lon)],
        [float(mid_lat + half_lat), float(mid_lon + half_lon)],
    ]


def action_bounds(
    replay: Mapping[str, Any], start_s: float, end_s: float, *, trim: float = 0.05
) -> list[list[float]] | None:
    """Where the action between two times is: the places of the fighting in the window (the outer 5 % on
    each side left out, so one far event does not zoom the map out); with fewer than three, the places
    of the fighting and sightings; with fewer than three of those, where units moved in the window.
    None when nothing happened anywhere."""
    inside = [
        e
        for e in replay["events"]
        if e["lat"] is not None and e["time_s"] is not None and start_s <= e["time_s"] <= end_s
    ]
    for kinds in (_FIGHT_KINDS, _FIGHT_KINDS | _SIGHTING_KINDS):
        chosen = [e for e in inside if e["kind"] in kinds]
        if len(chosen) >= 3:
            return _bounds([e["lat"] for e in chosen], [e["lon"] for e in chosen], trim=trim)
    lats: list[float] = []
    lons: list[float] = []
    for track in replay["tracks"].values():
        inside = [p for p in track if p[0] is not None and start_s <= p[0] <= end_s and p[1] is not None]
        if len(inside) >= 2 and (inside[0][1], inside[0][2]) != (inside[-1][1], inside[-1][2]):
            lats += [p[1] for p in inside]
            lons += [p[2] for p in inside]
    return _bounds(lats, lons, trim=trim)


def _place_points(layers: Mapping[str, Any]) -> list[tuple[str, float, float]]:
    """Named places of the map layers: (name, lat, lon)."""
    out: list[tuple[str, float, float]] = []
    geo = layers.get("geodata") or {}
    for group in ("places", "crossings"):
        for p in (geo.get("points") or {}).get(group, []):
            if p.get("name"):
                out.append((str(p["name"]), float(p["lat"]), float(p["lon"])))
    for p in (layers.get("scenario") or {}).get("places", []):
        if p.get("name") and p.get("at"):
            out.append((str(p["name"]), float(p["at"][0]), float(p["at"][1])))
    return out


def nearest_place(
    places: Sequence[tuple[str, float, float]],
    lat: float | None,
    lon: float | None,
    *,
    within_km: float = 25.0,
) -> str | None:
    """The name of the named place nearest to a point, if one lies within ``within_km``."""
    if lat is None or lon is None or not places:
        return None
    la = np.array([p[1] for p in places])
    lo = np.array([p[2] for p in places])
    dy = (la - lat) * 111.2
    dx = (lo - lon) * 111.2 * math.cos(math.radians(lat))
    d = np.hypot(dx, dy)
    i = int(np.argmin(d))
    return places[i][0] if d[i] <= within_km else None


def _segments(parts: Iterable[Sequence[Sequence[float]]]) -> np.ndarray:
    """Line parts ([lat, lon] points) as an (n, 4) array of segments (lat0, lon0, lat1, lon1)."""
    rows = [(a[0], a[1], b[0], b[1]) for part in parts for a, b in itertools.pairwise(part)]
    return np.asarray(rows, dtype=np.float64).reshape(-1, 4)


def _crossings(track: Sequence[Sequence[Any]], seg: np.ndarray) -> list[tuple[float, float, float]]:
    """Each time and place a track crosses one of the segments, in time order. Only the steps in which
    the unit moved are tested, against the segments whose box meets theirs."""
    pts = np.asarray([[p[0], p[1], p[2]] for p in track if p[1] is not None], dtype=np.float64)
    if len(pts) < 2 or len(seg) == 0:
        return []
    moved = np.any(pts[:-1, 1:] != pts[1:, 1:], axis=1)
    a, b, t = pts[:-1][moved, 1:], pts[1:][moved, 1:], pts[1:][moved, 0]
    if len(a) == 0:
        return []
    lo = np.minimum(a, b).min(axis=0)
    hi = np.maximum(a, b).max(axis=0)
    near = (
        (np.minimum(seg[:, 0], seg[:, 2]) <= hi[0])
        & (np.maximum(seg[:, 0], seg[:, 2]) >= lo[0])
        & (np.minimum(seg[:, 1], seg[:, 3]) <= hi[1])
        & (np.maximum(seg[:, 1], seg[:, 3]) >= lo[1])
    )
    seg = seg[near]
    if len(seg) == 0:
        return []
    c, d = seg[None, :, 0:2], seg[None, :, 2:4]
    out: list[tuple[float, float, float]] = []
    for start in range(0, len(a), 256):
        pa, pb = a[start : start + 256, None, :], b[start : start + 256, None, :]
        hit = (np.sign(_orient(pa, pb, c)) * np.sign(_orient(pa, pb, d)) < 0) & (
            np.sign(_orient(c, d, pa)) * np.sign(_orient(c, d, pb)) < 0
        )
        for i in np.nonzero(hit.any(axis=1))[0]:
            k = start + int(i)
            mid = (a[k] + b[k]) / 2
            out += [(float(t[k]), float(mid[0]), float(mid[1]))] * int(hit[i].sum())
    return out


def _orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The sign of the turn p -> q -> r (twice the signed area of the triangle)."""
    turn: np.ndarray = (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - (q[..., 1] - p[..., 1]) * (
        r[..., 0] - p[..., 0]
    )
    return turn


def _distance_km(lat: float, lon: float, seg: np.ndarray) -> float:
    """Distance from a point to the nearest of the segments (lat0, lon0, lat1, lon1), in km (locally flat)."""
    k = math.cos(math.radians(lat))
    p = np.array([0.0, 0.0])
    a = np.column_stack([(seg[:, 0] - lat) * 111.2, (seg[:, 1] - lon) * 111.2 * k])
    b = np.column_stack([(seg[:, 2] - lat) * 111.2, (seg[:, 3] - lon) * 111.2 * k])
    ab = b - a
    length2 = np.maximum((ab**2).sum(axis=1), 1e-12)
    f = np.clip(((p - a) * ab).sum(axis=1) / length2, 0.0, 1.0)
    closest = a + ab * f[:, None]
    return float(np.hypot(closest[:, 0], closest[:, 1]).min()) if len(seg) else math.inf


def border_crossings(replay: Mapping[str, Any], layers: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per side, the first crossing of a border or an obstacle line (a river) of the geodata by one of
    its ground units, and how many of its ground units crossed one: {side: {time_s, unit, line, lat, lon,
    units}}. Aircraft fly over a line; they do not cross it.

    A unit counts as having crossed a line when it ends on the other side of it (an odd number of
    crossings) and at least ``_CROSSED_KM`` from it: a post on a river that steps over the line drawn for
    the river (drawn at small scale, a few hundred metres off) has not crossed."""
    geo = layers.get("geodata") or {}
    lines = [
        (line["name"] or line["id"], _segments(line["parts"]))
        for kind, group in (geo.get("lines") or {}).items()
        for line in group
        if kind == "border" or line.get("obstacle")
    ]
    if not lines:
        return {}
    side_of = {u["id"]: u["side"] for u in replay["units"] if u.get("domain") != "air"}
    out: dict[str, dict[str, Any]] = {}
    for uid, track in replay["tracks"].items():
        if uid not in side_of:  # an aircraft, or a track of no unit in the header
            continue
        best: tuple[float, float, float, str] | None = None
        for name, seg in lines:
            found = _crossings(track, seg)
            if len(found) % 2 == 0 or (best is not None and found[0][0] >= best[0]):
                continue
            last = next(p for p in reversed(track) if p[1] is not None)
            if _distance_km(float(last[1]), float(last[2]), seg) >= _CROSSED_KM:
                best = (*found[0], name)
        if best is None:
            continue
        side = side_of[uid]
        entry = out.setdefault(side, {"time_s": math.inf, "units": 0})
        entry["units"] += 1
        if best[0] < entry["time_s"]:
            entry.update(time_s=best[0], lat=best[1], lon=best[2], line=best[3], unit=uid)
    return out


# --------------------------------------------------------------------------------------- key events


def _group_of(units: Mapping[str, Mapping[str, Any]], uid: str | None) -> str | None:
    """A unit's group (the units one scenario entry made), else the unit itself."""
    if uid is None:
        return None
    u = units.get(uid)
    return str(u.get("group") or uid) if u is not None else uid


def side_names(replay: Mapping[str, Any]) -> dict[str, str]:
    """Each side's name as a sentence uses it: the scenario's name without a bracketed remark
    ("Militants (Taliban ...)" is "Militants"), else the side's id."""
    return {k: str(v.get("name") or k).split(" (")[0].strip() or k for k, v in replay["sides"].items()}


def _is_headquarters(unit: Mapping[str, Any] | None) -> bool:
    if unit is None:
        return False
    words = " ".join(str(unit.get(k) or "") for k in ("category", "type", "name", "id")).lower()
    return "headquarters" in words or "command" in words


def _phase_at(windows: Sequence[Mapping[str, Any]], t: float) -> str | None:
    name = None
    for w in windows:
        if t >= w["start_s"]:
            name = w["name"]
    return name


def _names(ids: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


class _Grouper:
    """Folds one replication's events into key-event rows (see the module's docstring)."""

    def __init__(self, replay: Mapping[str, Any]) -> None:
        self.units = {u["id"]: u for u in replay["units"]}
        self.names = side_names(replay)
        self.objectives: Mapping[str, str] = replay.get("objectives") or {}
        self.rows: list[KeyEvent] = []
        self.open_rows: dict[tuple[Any, ...], KeyEvent] = {}
        self.sighted: set[tuple[str, str]] = set()  # (side, other side) with a first sighting already
        self.detected: set[tuple[str, str | None]] = set()
        self.used = 0

    def merge(self, key: tuple[Any, ...], e: Mapping[str, Any], kind: str) -> KeyEvent:
        """The open row of ``key`` if it began within the grouping window, else a new one; ``e`` counted."""
        t = float(e["time_s"] or 0.0)
        row = self.open_rows.get(key)
        if row is not None and t - row.time_s <= _GROUP_WINDOW_S:
            row.count += 1
            return row
        row = KeyEvent(kind, t, "", side=e["side"], lat=e["lat"], lon=e["lon"])
        self.open_rows[key] = row
        self.rows.append(row)
        return row

    def add(self, e: Mapping[str, Any]) -> None:
        kind = e["kind"]
        if kind == "ContactDetected":
            self.detection(e)
        elif kind in _END_VERBS:
            self.end(e)
        elif kind in ("RoundsImpacted", "WeaponsReleased"):
            self.fire(e)
        elif kind in ("FireMissionRefused", "StrikeAborted"):
            row = self.merge((kind, e["unit"]), e, kind)
            noun = "fire mission refused" if kind == "FireMissionRefused" else "strike aborted"
            times = f", {row.count} times" if row.count > 1 else ""
            row.text = f"{e['unit']}: {noun} ({e['detail']}){times}"
        elif kind == "PhaseStarted":
            self.rows.append(KeyEvent(kind, float(e["time_s"] or 0.0), f"phase {e['detail']} starts"))
        elif kind in ("ObjectiveAchieved", "PositionSeized", "AssaultResolved"):
            t = float(e["time_s"] or 0.0)
            text = e["text"]
            if kind == "ObjectiveAchieved":
                terms = self.objectives.get(e["detail"])
                met = f" ({terms})" if terms else ""
                text = f"{self.names.get(e['side'], e['side'])} achieved {e['detail']}{met}"
            self.rows.append(KeyEvent(kind, t, text, side=e["side"], lat=e["lat"], lon=e["lon"]))
        else:
            return
        self.used += 1

    def detection(self, e: Mapping[str, Any]) -> None:
        """Each side's first detection of each group; the first of all of the other side is marked."""
        key = (e["side"], _group_of(self.units, e["other"]))
        if key in self.detected:
            return
        self.detected.add(key)
        target = self.units.get(e["other"])
        other_side = target["side"] if target else None
        first = other_side is not None and (e["side"], other_side) not in self.sighted
        if other_side is not None:
            self.sighted.add((e["side"], other_side))
        group = key[1]
        size = sum(1 for u in self.units.values() if u.get("group") == group) if group else 1
        what = f"{group} ({size} units)" if size > 1 else str(e["other"])
        by = f" by {e['unit']}" if e["unit"] else ""
        who = self.names.get(e["side"], e["side"])
        lead = f"{who} first sight the enemy:" if first else f"{who} first detect"
        t = float(e["time_s"] or 0.0)
        row = KeyEvent(
            "ContactDetected",
            t,
            f"{lead} {what}{by} ({e['detail']})",
            side=e["side"],
            lat=e["lat"],
            lon=e["lon"],
        )
        row.units.append(str(e["other"]))
        row.score = _FIRST_SIGHTING_BONUS if first else 0.0
        self.rows.append(row)

    def end(self, e: Mapping[str, Any]) -> None:
        """Units of one group broken, destroyed, captured, fled or escaped within the window: one row."""
        kind = e["kind"]
        unit = self.units.get(e["unit"])
        group = _group_of(self.units, e["unit"])
        row = self.merge((kind, group), {**e, "side": unit["side"] if unit else None}, kind)
        row.units.append(str(e["unit"]))
        row.people += float(unit.get("strength") or 0.0) if unit else 0.0
        if _is_headquarters(unit):
            row.score = max(row.score, _HEADQUARTERS_BONUS)
        by = f" by {e['other']}" if kind == "UnitCaptured" and e["other"] else ""
        n = len(row.units)
        verb = _END_VERBS[kind]
        row.text = (
            f"{row.units[0]} {verb}{by}" if n == 1 else f"{n} units of {group} {verb}: {_names(row.units)}"
        )

    def fire(self, e: Mapping[str, Any]) -> None:
        """Rounds landed or weapons released by one shooter within the window: one row."""
        chain = "FireMission" if e["kind"] == "RoundsImpacted" else "Strike"
        row = self.merge((chain, e["unit"]), e, chain)
        if e["other"] and str(e["other"]) not in row.units:
            row.units.append(str(e["other"]))
        noun = "fire mission" if chain == "FireMission" else "strike"
        plural = f"{row.count} {noun}s" if row.count > 1 else f"a {noun}"
        hurt = ""
        if chain == "FireMission":
            row.people += float(e["count"] or 0)
            hurt = f", {row.people:,.0f} casualties"
        row.text = f"{e['unit']}: {plural} on {_names(row.units) or 'no named target'}{hurt}"


def group_key_events(replay: Mapping[str, Any]) -> tuple[list[KeyEvent], int]:
    """The key events of one replication grouped and scored (in time order), and how many events went
    into them. See the module's docstring for the rules."""
    grouper = _Grouper(replay)
    for e in replay["events"]:
        grouper.add(e)
    windows = phase_windows(replay)
    for row in grouper.rows:
        row.phase = _phase_at(windows, row.time_s)
        size = len(row.units) + row.people / 10.0
        row.score += _WEIGHTS.get(row.kind, 1.0) * (1.0 + math.log1p(max(size - 1.0, 0.0)) / 2.0)
    return grouper.rows, grouper.used


def _top(rows: Sequence[KeyEvent], n: int) -> list[KeyEvent]:
    """The ``n`` highest-scoring rows, in time order."""
    chosen = sorted(rows, key=lambda r: (-r.score, r.time_s))[:n]
    return sorted(chosen, key=lambda r: r.time_s)


# ------------------------------------------------------------------------------------------ summary


def _clock(seconds: float) -> str:
    m = round(seconds / 60)
    return f"T+{m // 60}:{m % 60:02d}"


def story_sentences(
    replay: Mapping[str, Any],
    layers: Mapping[str, Any],
    rows: Sequence[KeyEvent],
    losses: Mapping[str, float],
) -> list[str]:
    """A written summary of one replication, a sentence per item: the forces, who crossed a border or
    river first and where, who located whom first and how, the main events of each phase, losses, the
    units ended, and the objectives achieved. ``losses``: people hit by fire per side."""
    places = _place_points(layers)
    units = {u["id"]: u for u in replay["units"]}
    names = side_names(replay)

    def near(lat: float | None, lon: float | None) -> str:
        place = nearest_place(places, lat, lon)
        return f" near {place}" if place else ""

    out: list[str] = []
    forces = []
    for side in replay["sides"]:
        mine = [u for u in replay["units"] if u["side"] == side]
        people = sum(float(u.get("strength") or 0) for u in mine)
        forces.append(f"{names[side]} ({len(mine)} units, {people:,.0f} people)")
    if forces:
        out.append("Forces: " + "; ".join(forces) + ".")
    for side, c in sorted(border_crossings(replay, layers).items(), key=lambda kv: kv[1]["time_s"]):
        more = f"; {c['units'] - 1} more of its units crossed later" if c["units"] > 1 else ""
        out.append(
            f"{names.get(side, side)} first crossed the {c['line']} at {_clock(c['time_s'])}"
            f"{near(c.get('lat'), c.get('lon'))} ({c['unit']}){more}."
        )
    for row in rows:
        if row.kind == "ContactDetected" and row.score >= _FIRST_SIGHTING_BONUS:
            target = units.get(row.units[0]) if row.units else None
            whom = names.get(target["side"], target["side"]) if target else "the enemy"
            out.append(
                f"{names.get(row.side or '', row.side)} first located {whom} at {_clock(row.time_s)}"
                f"{near(row.lat, row.lon)}: {row.text.split(': ', 1)[-1]}."
            )
    windows = phase_windows(replay)
    for w in windows:
        inside = [r for r in rows if r.phase == w["name"] and r.kind != "PhaseStarted"]
        if not inside:
            continue
        top = _top(inside, 2)
        label = f"Phase {w['name']}" if w["name"] else "The run"
        told = "; ".join(f"{r.text} at {_clock(r.time_s)}{near(r.lat, r.lon)}" for r in top)
        more = f" ({len(inside) - len(top)} more key events)" if len(inside) > len(top) else ""
        out.append(f"{label} ({_clock(w['start_s'])} to {_clock(w['end_s'])}): {told}{more}.")
    ended: dict[tuple[str, str], list[str]] = defaultdict(list)
    for u in replay["units"]:
        if u.get("end"):
            ended[(u["side"], u["end"]["status"])].append(u["id"])
    for u in replay["units"]:
        end = u.get("end")
        if end and _is_headquarters(u):
            what = u.get("name") or u["id"]
            verb = "escaped" if end["status"] == "escaped" else f"was {end['status']}"
            out.append(f"{what} ({u['id']}) {verb} at {_clock(end['time_s'])}.")
    if losses:
        parts = [f"{names.get(s, s)} {v:,.0f}" for s, v in losses.items()]
        ends = [
            f"{len(ids)} {names.get(side, side)} unit{'s' if len(ids) > 1 else ''} {status}"
            for (side, status), ids in sorted(ended.items())
        ]
        tail = (". " + "; ".join(ends)) if ends else ""
        out.append("People hit by fire by the end: " + ", ".join(parts) + tail + ".")
    achieved = [r for r in rows if r.kind == "ObjectiveAchieved"]
    if achieved:
        out.append(
            "Objectives achieved: " + "; ".join(f"{r.text} at {_clock(r.time_s)}" for r in achieved) + "."
        )
    return out
