"""``replay_dis``: a result directory's tracks and fires as DIS PDUs, sent over UDP or written to a capture.

One replication of the event log becomes, in simulated-time order: an Entity State PDU for every track
sample of every element (``UnitMoved``), a Fire PDU for every ``RoundsFired`` and ``WeaponsReleased``, and
a Detonation PDU for every ``RoundsImpacted``. docs/interop.md describes every field and enumeration.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from drillsim.core.errors import UserError
from drillsim.geo.projection import LocalProjection
from drillsim.interop.dis import (
    MUNITIONS,
    NO_ENTITY,
    EntityId,
    Munition,
    country_code,
    detonation_pdu,
    dis_timestamp,
    entity_state_pdu,
    entity_type_for,
    euler_angles,
    fire_pdu,
    geocentric,
    munition_for,
)
from drillsim.interop.pcap import PcapWriter
from drillsim.report.results import Result, load_result
from drillsim.scenario.models import Scenario

__all__ = [
    "DEFAULT_DIS_PORT",
    "DIS_APPLICATION",
    "DIS_EXERCISE",
    "DIS_SITE",
    "Datagram",
    "DisReplay",
    "DisStream",
    "dis_datagrams",
    "entity_numbers",
    "force_ids",
    "marking_for",
    "replay_dis",
]

DEFAULT_DIS_PORT = 3000
"""The UDP port DIS uses by convention (and Wireshark decodes as DIS)."""
DIS_EXERCISE = 1
DIS_SITE = 1
DIS_APPLICATION = 1

FORCE_FRIENDLY, FORCE_OPPOSING, FORCE_NEUTRAL = 1, 2, 3
DAMAGE_SHIFT = 3
"""Appearance bits 3-4: damage (platforms) or health (life forms): none, slight, moderate, destroyed."""
DETONATION_ENTITY_IMPACT, DETONATION_ENTITY_PROXIMATE, DETONATION_GROUND_IMPACT = 1, 2, 3
DETONATION_DETONATION = 5
"""Detonation results (SISO-REF-010): entity impact, entity proximate detonation, ground impact,
detonation (no impact: an air-defence round or missile that missed)."""


@dataclass(frozen=True)
class Datagram:
    """One PDU and the simulated time it belongs to."""

    time_s: float
    pdu: str
    """``EntityState``, ``Fire`` or ``Detonation``."""
    payload: bytes


@dataclass(frozen=True)
class DisReplay:
    """What a DIS replay did."""

    replication: int
    entities: int
    entity_state: int
    fire: int
    detonation: int
    sent_to: str | None
    pcap: Path | None
    simulated_s: float
    wall_s: float


@dataclass(frozen=True)
class _Track:
    time_s: NDArray[np.float64]
    x_m: NDArray[np.float64]
    y_m: NDArray[np.float64]
    strength: NDArray[np.float64]


def entity_numbers(header: dict[str, Any]) -> dict[str, int]:
    """Each unit id's DIS entity number: 1 + its position among the run header's unit ids sorted."""
    ids = sorted({str(u["id"]) for u in header.get("units") or []})
    if len(ids) > 0xFFFD:
        raise UserError(f"{len(ids):,} units: DIS entity numbers go up to 65,533.")
    return {uid: i + 1 for i, uid in enumerate(ids)}


def force_ids(header: dict[str, Any]) -> dict[str, int]:
    """Each side's DIS force ID: the run header's first side is Friendly (1), a side hostile to it
    Opposing (2), any other side Neutral (3)."""
    sides = header.get("sides") or {}
    names = list(sides)
    if not names:
        return {}
    first = names[0]
    forces = {first: FORCE_FRIENDLY}
    relations = (sides[first] or {}).get("relations") or {}
    for name in names[1:]:
        theirs = (sides[name] or {}).get("relations") or {}
        hostile = relations.get(name) == "hostile" or theirs.get(first) == "hostile"
        forces[name] = FORCE_OPPOSING if hostile else FORCE_NEUTRAL
    return forces


def marking_for(unit: str) -> str:
    """The 11-character ASCII marking of a unit: its id, or for a longer id its first five and last five
    characters joined by ``~`` (``tjk/line/pyanj/1`` -> ``tjk/l~anj/1``)."""
    text = unit.encode("ascii", errors="replace").decode("ascii")
    return text if len(text) <= 11 else f"{text[:5]}~{text[-5:]}"


def _start_of(header: dict[str, Any]) -> datetime:
    text = header.get("start")
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return moment.astimezone(UTC)


def _heights(scenario: Scenario | None) -> dict[str, float]:
    """Height above the ellipsoid of each unit type: the catalogue's flight altitude for aircraft, 0 m for
    everything else (the event log has no ground elevation)."""
    heights: dict[str, float] = {}
    if scenario is None:
        return heights
    for name, utype in scenario.catalogue.unit_types.items():
        heights[name] = float(utype.air.altitude_m) if utype.air is not None else 0.0
    return heights


def _tracks(rows: dict[str, list[Any]]) -> dict[str, _Track]:
    kinds = np.asarray(rows["kind"], dtype=object)
    moved = np.nonzero(kinds == "UnitMoved")[0]
    units = np.asarray(rows["unit"], dtype=object)[moved]
    t = np.asarray(rows["time_s"], dtype=np.float64)[moved]
    x = np.asarray(rows["x_m"], dtype=np.float64)[moved]
    y = np.asarray(rows["y_m"], dtype=np.float64)[moved]
    s = np.asarray(rows["value"], dtype=np.float64)[moved]
    out: dict[str, _Track] = {}
    for unit in sorted({str(u) for u in units}):
        pick = np.nonzero((units == unit) & np.isfinite(x) & np.isfinite(y))[0]
        if len(pick):
            pick = pick[np.argsort(t[pick], kind="stable")]
            out[unit] = _Track(t[pick], x[pick], y[pick], s[pick])
    return out


@dataclass(frozen=True)
class _Mount:
    """A weapon a unit type carries, as the DIS encoder needs it."""

    weapon: str
    kind: str
    count: float
    rate_per_min: float
    bands: tuple[tuple[float, float], ...]
    """Direct fire: (greatest range, probability of a kill) per band, in increasing range."""
    speed_mps: float


def _mounts(scenario: Scenario | None) -> dict[str, list[_Mount]]:
    """Each unit type's weapons, in catalogue order."""
    if scenario is None:
        return {}
    weapons = scenario.catalogue.weapons
    out: dict[str, list[_Mount]] = {}
    for name, utype in scenario.catalogue.unit_types.items():
        mounts = []
        for mount in utype.weapons:
            spec = weapons.get(mount.weapon)
            if spec is None:
                continue
            bands = tuple((float(b.max_range_m), float(b.p_kill)) for b in spec.bands)
            mounts.append(
                _Mount(
                    mount.weapon,
                    spec.kind,
                    float(mount.count),
                    float(spec.rate_per_min),
                    bands,
                    float(spec.projectile_speed_mps),
                )
            )
        out[name] = mounts
    return out


class _Encoder:
    """What every PDU of a run needs: entity numbers, forces, types, countries, heights, the projection and
    the weapons of each unit type; built from a run header and its scenario."""

    def __init__(self, header: dict[str, Any], scenario: Scenario | None) -> None:
        projection = header.get("projection") or {"lat0": 0.0, "lon0": 0.0}
        self.projection = LocalProjection(float(projection["lat0"]), float(projection["lon0"]))
        self.start = _start_of(header)
        self.numbers = entity_numbers(header)
        forces = force_ids(header)
        nation_names = {nid: nation.name for nid, nation in (scenario.nations if scenario else {}).items()}
        heights = _heights(scenario)
        mounts = _mounts(scenario)
        self.units: dict[str, dict[str, Any]] = {}
        for about in header.get("units") or []:
            uid = str(about["id"])
            nation = about.get("nation")
            country = country_code(nation, nation_names.get(nation or ""))
            self.units[uid] = {
                "force": forces.get(str(about.get("side")), 0),
                "type": entity_type_for(
                    about.get("type"), about.get("category"), about.get("domain"), country
                ),
                "country": country,
                "height": heights.get(str(about.get("type")), 0.0),
                "strength0": float(about.get("strength") or 0.0),
                "air": about.get("domain") == "air",
                "mounts": mounts.get(str(about.get("type")), []),
            }

    def entity(self, unit: str | None) -> EntityId:
        number = self.numbers.get(unit or "")
        return NO_ENTITY if number is None else EntityId(DIS_SITE, DIS_APPLICATION, number)

    def timestamp(self, time_s: float) -> int:
        moment = self.start + timedelta(seconds=float(time_s))
        return dis_timestamp(moment.minute * 60.0 + moment.second + moment.microsecond / 1e6)

    def height(self, unit: str | None) -> float:
        return float(self.units.get(unit or "", {}).get("height", 0.0))

    def to_latlon(self, x_m: Any, y_m: Any) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self.projection.to_latlon(np.asarray(x_m, np.float64), np.asarray(y_m, np.float64))

    def ecef(self, x_m: float, y_m: float, height_m: float) -> NDArray[np.float64]:
        lat, lon = self.to_latlon(x_m, y_m)
        return geocentric(lat, lon, height_m)

    def mount(self, unit: str | None, kind: str, range_m: float | None = None) -> _Mount | None:
        """The weapon of ``unit`` of ``kind`` that fired: the first of its kind; for direct fire at
        ``range_m``, the mount of the greatest expected kills per minute (count x rate x the band's
        probability of a kill) among those that reach, else the one of the longest reach."""
        mounts: list[_Mount] = [m for m in self.units.get(unit or "", {}).get("mounts", []) if m.kind == kind]
        if not mounts:
            return None
        if kind != "direct" or range_m is None:
            return mounts[0]
        best, best_effect = None, -1.0
        for m in mounts:
            band = next((p for reach, p in m.bands if reach >= range_m), None)
            if band is not None and m.count * m.rate_per_min * band > best_effect:
                best, best_effect = m, m.count * m.rate_per_min * band
        if best is None:
            best = max(mounts, key=lambda m: m.bands[-1][0] if m.bands else 0.0)
        return best

    def entity_state(
        self,
        unit: str,
        time_s: float,
        where: NDArray[np.float64],
        velocity: NDArray[np.float64],
        lat_lon: tuple[float, float],
        heading: float,
        strength: float,
    ) -> Datagram:
        about = self.units[unit]
        return Datagram(
            float(time_s),
            "EntityState",
            entity_state_pdu(
                entity=self.entity(unit),
                force=about["force"],
                entity_type=about["type"],
                location=(float(where[0]), float(where[1]), float(where[2])),
                velocity=(float(velocity[0]), float(velocity[1]), float(velocity[2])),
                orientation=euler_angles(lat_lon[0], lat_lon[1], heading),
                appearance=_damage(strength, about["strength0"]) << DAMAGE_SHIFT,
                marking=marking_for(unit),
                timestamp=self.timestamp(time_s),
                exercise=DIS_EXERCISE,
            ),
        )

    def entity_states(self, unit: str, track: _Track) -> list[Datagram]:
        """A recorded track's entity states: velocity and heading towards the next sample."""
        if unit not in self.units:
            return []
        lat, lon = self.to_latlon(track.x_m, track.y_m)
        ecef = geocentric(lat, lon, self.height(unit))
        n = len(track.time_s)
        velocity = np.zeros((n, 3))
        heading = np.zeros(n)
        last_heading = 0.0
        for i in range(n):
            if i + 1 < n and track.time_s[i + 1] > track.time_s[i]:
                velocity[i] = (ecef[i + 1] - ecef[i]) / (track.time_s[i + 1] - track.time_s[i])
                step = ecef[i + 1] - ecef[i]
                if np.any(step != 0.0):
                    last_heading = _azimuth(float(lat[i]), float(lon[i]), step)
            heading[i] = last_heading
        return [
            self.entity_state(
                unit,
                float(track.time_s[i]),
                ecef[i],
                velocity[i],
                (float(lat[i]), float(lon[i])),
                float(heading[i]),
                float(track.strength[i]),
            )
            for i in range(n)
        ]


def _azimuth(lat_deg: float, lon_deg: float, step: NDArray[np.float64]) -> float:
    """The true azimuth (clockwise from north, radians) of a geocentric displacement at (lat, lon)."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    north = -np.sin(lat) * np.cos(lon) * step[0] - np.sin(lat) * np.sin(lon) * step[1] + np.cos(lat) * step[2]
    east = -np.sin(lon) * step[0] + np.cos(lon) * step[1]
    return float(np.arctan2(east, north))


def _damage(strength: float, strength0: float) -> int:
    if not np.isfinite(strength) or strength0 <= 0.0:
        return 0
    if strength <= 0.0:
        return 3
    if strength < 0.5 * strength0:
        return 2
    return 1 if strength < strength0 else 0


def _mission(value: Any) -> int:
    return int(value) if value is not None and np.isfinite(value) else 0


def _number(value: Any, default: float = np.nan) -> float:
    return default if value is None else float(value)


@dataclass
class _Shot:
    event: EntityId
    munition: Munition
    country: int
    quantity: int
    velocity: tuple[float, float, float]
    firer: str
    target: str | None
    time_s: float


Position = Callable[[str, float], "tuple[float, float] | None"]
"""Where a unit was (metres) at a simulated time, or None if unknown."""


class _Fires:
    """Fire and Detonation PDUs from event rows fed in the event log's order, with the event numbers that
    tie each detonation to its fire. ``position`` places firers and targets."""

    def __init__(self, enc: _Encoder, position: Position) -> None:
        self.enc = enc
        self.position = position
        self.targets: dict[tuple[str, int], str] = {}
        self.shots: dict[tuple[str, int], _Shot] = {}
        self.engaged: dict[tuple[str, str], _Shot] = {}
        self.events = 0

    def _event(self) -> EntityId:
        self.events += 1
        return EntityId(DIS_SITE, DIS_APPLICATION, (self.events - 1) % 0xFFFF + 1)

    def _place(self, unit: str | None, t: float) -> NDArray[np.float64] | None:
        at = self.position(unit, t) if unit else None
        return None if at is None else self.enc.ecef(at[0], at[1], self.enc.height(unit))

    def _fire(
        self,
        t: float,
        firer: str,
        target: str | None,
        origin: NDArray[np.float64],
        aim: NDArray[np.float64],
        munition: Munition,
        speed_mps: float,
        quantity: int,
        mission: int,
    ) -> tuple[_Shot, Datagram]:
        country = int(self.enc.units.get(firer, {}).get("country", 0))
        flight = aim - origin
        distance = float(np.linalg.norm(flight))
        v = flight / distance * speed_mps if distance > 0 else np.zeros(3)
        velocity = (float(v[0]), float(v[1]), float(v[2]))
        shot = _Shot(self._event(), munition, country, quantity, velocity, firer, target, t)
        pdu = fire_pdu(
            firer=self.enc.entity(firer),
            target=self.enc.entity(target),
            event=shot.event,
            mission=mission,
            location=(float(origin[0]), float(origin[1]), float(origin[2])),
            descriptor=munition.descriptor(country, quantity),
            velocity=velocity,
            range_m=distance,
            timestamp=self.enc.timestamp(t),
            exercise=DIS_EXERCISE,
        )
        return shot, Datagram(t, "Fire", pdu)

    def _detonation(self, t: float, shot: _Shot, where: NDArray[np.float64], result: int) -> Datagram:
        pdu = detonation_pdu(
            firer=self.enc.entity(shot.firer),
            target=self.enc.entity(shot.target),
            event=shot.event,
            location=(float(where[0]), float(where[1]), float(where[2])),
            descriptor=shot.munition.descriptor(shot.country, shot.quantity),
            velocity=shot.velocity,
            result=result,
            timestamp=self.enc.timestamp(t),
            exercise=DIS_EXERCISE,
        )
        return Datagram(t, "Detonation", pdu)

    def flush(self, before_s: float = np.inf) -> list[Datagram]:
        """Detonations of the air-defence engagements before ``before_s`` that no hit followed: the round
        or missile detonates (result 5) at the aircraft without effect."""
        out = []
        for key, shot in list(self.engaged.items()):
            if shot.time_s < before_s:
                del self.engaged[key]
                where = self._place(shot.target, shot.time_s)
                if where is not None:
                    out.append(self._detonation(shot.time_s, shot, where, DETONATION_DETONATION))
        return out

    def row(self, r: dict[str, Any]) -> list[Datagram]:
        """The PDUs of one event row (a dict of the event log's columns)."""
        kind = r["kind"]
        if kind == "FireMissionRequested":
            self.targets.setdefault((str(r["detail"]), _mission(r["value"])), str(r["other"]))
            return []
        if kind in ("RoundsFired", "WeaponsReleased"):
            return self._launched(r)
        if kind == "RoundsImpacted":
            return self._impacted(r)
        if kind == "UnitHit" and r["detail"] == "direct" and r["other"] is not None:
            return self._direct(r)
        if kind == "AircraftEngaged" and r["other"] is not None:
            return self._engaged(r)
        if kind in ("AircraftLost", "AircraftDamaged") and r["other"] is not None:
            return self._aircraft_hit(r)
        return []

    def _launched(self, r: dict[str, Any]) -> list[Datagram]:
        """A battery's rounds (``RoundsFired``) or an aircraft's weapons (``WeaponsReleased``)."""
        x, y = _number(r["x_m"]), _number(r["y_m"])
        if not (np.isfinite(x) and np.isfinite(y)):
            return []
        t, unit, mission = float(r["time_s"]), str(r["unit"]), _mission(r["value"])
        aim = self.enc.ecef(x, y, 0.0)
        origin = self._place(unit, t)
        kind = "air" if r["kind"] == "WeaponsReleased" else "indirect"
        mount = self.enc.mount(unit, kind)
        munition = munition_for(mount.weapon if mount else None, kind)
        target = str(r["other"]) if kind == "air" else self.targets.get((unit, mission))
        shot, pdu = self._fire(
            t,
            unit,
            target,
            aim if origin is None else origin,
            aim,
            munition,
            mount.speed_mps if mount else 0.0,
            int(r["count"] or 0),
            mission,
        )
        self.shots[(unit, mission)] = shot
        return [pdu]

    def _impacted(self, r: dict[str, Any]) -> list[Datagram]:
        """Rounds or weapons landing (``RoundsImpacted``): a detonation tied to the latest fire of the same
        firer and mission."""
        x, y = _number(r["x_m"]), _number(r["y_m"])
        if not (np.isfinite(x) and np.isfinite(y)):
            return []
        t, unit, mission = float(r["time_s"]), str(r["unit"]), _mission(r["value"])
        target = None if r["other"] is None else str(r["other"])
        earlier = self.shots.get((unit, mission))
        if earlier is None:
            air = bool(self.enc.units.get(unit, {}).get("air"))
            country = int(self.enc.units.get(unit, {}).get("country", 0))
            munition = MUNITIONS["air" if air else "indirect"]
            shot = _Shot(self._event(), munition, country, 0, (0.0, 0.0, 0.0), unit, target, t)
        else:
            shot = replace(earlier, target=target)
        hit = int(r["count"] or 0) > 0 and self.enc.entity(target) != NO_ENTITY
        result = DETONATION_ENTITY_PROXIMATE if hit else DETONATION_GROUND_IMPACT
        return [self._detonation(t, shot, self.enc.ecef(x, y, 0.0), result)]

    def _direct(self, r: dict[str, Any]) -> list[Datagram]:
        """Direct fire that hit (``UnitHit`` of weapon ``direct``): a fire from the main shooter and its
        detonation on the target."""
        t, target, shooter = float(r["time_s"]), str(r["unit"]), str(r["other"])
        origin, aim = self._place(shooter, t), self._place(target, t)
        if origin is None or aim is None:
            return []
        mount = self.enc.mount(shooter, "direct", float(np.linalg.norm(aim - origin)))
        munition = munition_for(mount.weapon if mount else None, "direct")
        speed = mount.speed_mps if mount else 0.0
        shot, fire = self._fire(t, shooter, target, origin, aim, munition, speed, 1, 0)
        return [fire, self._detonation(t, shot, aim, DETONATION_ENTITY_IMPACT)]

    def _engaged(self, r: dict[str, Any]) -> list[Datagram]:
        """Air defence firing at an aircraft (``AircraftEngaged``); its detonation waits for the hit."""
        t, unit, aircraft = float(r["time_s"]), str(r["unit"]), str(r["other"])
        out = self.flush(t)
        origin, aim = self._place(unit, t), self._place(aircraft, t)
        if origin is None or aim is None:
            return out
        weapon = None if r["detail"] is None else str(r["detail"])
        mounts = self.enc.units.get(unit, {}).get("mounts", [])
        spec = next((m for m in mounts if m.weapon == weapon), None)
        munition = munition_for(weapon, spec.kind if spec else "air-defence")
        speed = spec.speed_mps if spec else 0.0
        shot, fire = self._fire(t, unit, aircraft, origin, aim, munition, speed, 1, 0)
        self.engaged[(unit, aircraft)] = shot
        return [*out, fire]

    def _aircraft_hit(self, r: dict[str, Any]) -> list[Datagram]:
        """An aircraft lost or damaged by an engagement: its detonation, an entity impact."""
        t, aircraft = float(r["time_s"]), str(r["unit"])
        shot = self.engaged.pop((str(r["other"]), aircraft), None)
        if shot is None:
            return []
        x, y = _number(r["x_m"]), _number(r["y_m"])
        if np.isfinite(x) and np.isfinite(y):
            where: NDArray[np.float64] | None = self.enc.ecef(x, y, self.enc.height(aircraft))
        else:
            where = self._place(aircraft, t)
        return [] if where is None else [self._detonation(t, shot, where, DETONATION_ENTITY_IMPACT)]


def _fires(enc: _Encoder, rows: dict[str, list[Any]], tracks: dict[str, _Track]) -> list[Datagram]:
    """The Fire and Detonation PDUs of one recorded replication; firers and targets placed on their tracks
    (interpolated linearly in metres)."""

    def position(unit: str, t: float) -> tuple[float, float] | None:
        track = tracks.get(unit)
        if track is None:
            return None
        return float(np.interp(t, track.time_s, track.x_m)), float(np.interp(t, track.time_s, track.y_m))

    fires = _Fires(enc, position)
    names = list(rows)
    out: list[Datagram] = []
    for i in range(len(rows["kind"])):
        out.extend(fires.row({name: rows[name][i] for name in names}))
    out.extend(fires.flush())
    return out


def _column(table: Any, name: str) -> list[Any]:
    return list(table.column(name).to_pylist())


def dis_datagrams(result: Result, *, replication: int | None = None) -> list[Datagram]:
    """The PDUs of one recorded replication of ``result`` (default: the first), in simulated-time order
    (ties in the event log's order, entity states before fires and detonations)."""
    rep = result.replications[0] if replication is None else int(replication)
    table = result.events_of(rep)
    rows = {name: _column(table, name) for name in table.column_names}
    enc = _Encoder(result.header, result.scenario)
    tracks = _tracks(rows)
    datagrams: list[Datagram] = []
    for unit, track in tracks.items():
        datagrams.extend(enc.entity_states(unit, track))
    datagrams.extend(_fires(enc, rows, tracks))
    order = {"EntityState": 0, "Fire": 1, "Detonation": 2}
    return sorted(datagrams, key=lambda d: (d.time_s, order[d.pdu]))


def _address(to: str) -> tuple[str, int]:
    host, sep, port_text = to.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UserError(f"'{to}' is not HOST:PORT (a host name or address and a port from 1 to 65535).")
    return host, int(port_text)


def _open_socket(host: str, port: int) -> tuple[socket.socket, Any]:
    try:
        family, kind, proto, _, where = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    except socket.gaierror as exc:
        raise UserError(f"cannot resolve '{host}': {exc.strerror}.") from None
    sock = socket.socket(family, kind, proto)
    if family == socket.AF_INET:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    return sock, where


def replay_dis(
    result_dir: str | Path,
    *,
    to: str | None = None,
    rate: float = 60.0,
    replication: int | None = None,
    pcap: str | Path | None = None,
    as_fast_as_possible: bool = False,
) -> DisReplay:
    """Send one replication of a result directory as DIS version 7 PDUs over UDP, write them to a pcap
    capture file, or both.

    ``to`` is ``HOST:PORT`` (default ``127.0.0.1:3000`` unless only ``pcap`` is given); ``rate`` is the
    real-time factor (60: one simulated minute per second; 0, or ``as_fast_as_possible``, sends without
    waiting); ``replication`` picks a recorded replication (default: the first); ``pcap`` is a capture
    file to write, stamped with simulated time (the scenario's start plus the simulation time). Bad input
    raises :class:`~drillsim.core.errors.UserError`.
    """
    if not np.isfinite(rate) or rate < 0:
        raise UserError(f"--rate {rate}: expected a real-time factor of 0 or more (0: as fast as possible).")
    if to is None and pcap is None:
        to = f"127.0.0.1:{DEFAULT_DIS_PORT}"
    address = _address(to) if to is not None else None
    capture = Path(pcap) if pcap is not None else None
    if capture is not None and (capture.is_dir() or not capture.parent.is_dir()):
        raise UserError(f"{capture}: '--pcap' takes the path of a file to write in an existing folder.")
    result = load_result(result_dir)
    rep = result.replications[0] if replication is None else int(replication)
    datagrams = dis_datagrams(result, replication=rep)
    epoch = _start_of(result.header).timestamp()
    if capture is not None:
        with capture.open("wb") as stream:
            writer = PcapWriter(stream, port=address[1] if address else DEFAULT_DIS_PORT)
            for d in datagrams:
                writer.write(d.payload, epoch_s=epoch + d.time_s)
    wall = 0.0
    if address is not None:
        wall = _send(datagrams, address, 0.0 if as_fast_as_possible else rate)
    counts = {kind: sum(d.pdu == kind for d in datagrams) for kind in ("EntityState", "Fire", "Detonation")}
    span = datagrams[-1].time_s - datagrams[0].time_s if datagrams else 0.0
    return DisReplay(
        replication=rep,
        entities=len({d.payload[12:18] for d in datagrams if d.pdu == "EntityState"}),
        entity_state=counts["EntityState"],
        fire=counts["Fire"],
        detonation=counts["Detonation"],
        sent_to=to if address is not None else None,
        pcap=capture,
        simulated_s=span,
        wall_s=wall,
    )


class _Sender:
    """Sends datagrams over UDP, paced at ``rate`` simulated seconds per wall-clock second from the first
    one (0: without waiting)."""

    def __init__(self, address: tuple[str, int], rate: float) -> None:
        self.address = address
        self.rate = rate
        self.sock, self.where = _open_socket(*address)
        self.began: float | None = None
        self.first = 0.0

    def send(self, d: Datagram) -> None:
        if self.began is None:
            self.began, self.first = time.monotonic(), d.time_s
        if self.rate > 0:
            delay = self.began + (d.time_s - self.first) / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        try:
            self.sock.sendto(d.payload, self.where)
        except ConnectionRefusedError:
            return
        except OSError as exc:
            raise UserError(f"cannot send to {self.address[0]}:{self.address[1]}: {exc.strerror}.") from None

    def close(self) -> float:
        """Close the socket; the wall-clock seconds since the first datagram."""
        self.sock.close()
        return 0.0 if self.began is None else time.monotonic() - self.began


def _send(datagrams: list[Datagram], address: tuple[str, int], rate: float) -> float:
    """Send every datagram, ``rate`` simulated seconds per wall-clock second (0: without waiting); the
    wall-clock seconds it took."""
    sender = _Sender(address, rate)
    try:
        for d in datagrams:
            sender.send(d)
    finally:
        wall = sender.close()
    return wall


@dataclass
class _Sample:
    time_s: float
    x_m: float
    y_m: float
    ecef: NDArray[np.float64]
    heading: float


class DisStream:
    """Sends a simulation's events as DIS PDUs while it runs: an :class:`~drillsim.events.recorder.EventLog`
    sink (``EventLog(sink=stream)``) that turns each batch of events of one replication into Entity State,
    Fire and Detonation PDUs as the engine records them, and sends them over UDP (paced at ``rate``
    simulated seconds per wall-clock second, 0 without waiting), writes them to a pcap capture, or both.

    ``header`` and ``scenario`` are the run's (``Simulation.header()`` and ``Simulation.scenario``);
    ``replication`` picks the replication to send (default: the first run). Unlike a replay, which knows
    each unit's next sample, an entity state's velocity and heading come from the unit's previous sample,
    and firers and targets stand where they were last sampled (``UnitMoved``) or arrived (``UnitArrived``).
    Call :meth:`close` at the end (or use the stream as a context manager); it returns what was sent.
    """

    def __init__(
        self,
        header: dict[str, Any],
        scenario: Scenario | None,
        *,
        to: str | None = None,
        rate: float = 60.0,
        replication: int | None = None,
        pcap: str | Path | None = None,
    ) -> None:
        if not np.isfinite(rate) or rate < 0:
            raise UserError(
                f"DIS rate {rate}: expected a real-time factor of 0 or more (0: as fast as possible)."
            )
        if to is None and pcap is None:
            to = f"127.0.0.1:{DEFAULT_DIS_PORT}"
        reps = [int(r) for r in header.get("replications") or [0]]
        self.replication = reps[0] if replication is None else int(replication)
        if self.replication not in reps:
            raise UserError(f"replication {self.replication} is not run; the run has {reps}.")
        address = _address(to) if to is not None else None
        self.to = to if address is not None else None
        self.capture = Path(pcap) if pcap is not None else None
        if self.capture is not None and (self.capture.is_dir() or not self.capture.parent.is_dir()):
            raise UserError(
                f"{self.capture}: a DIS capture takes the path of a file to write in an existing folder."
            )
        self.enc = _Encoder(header, scenario)
        self.epoch = _start_of(header).timestamp()
        self.fires = _Fires(self.enc, self._position)
        self.last: dict[str, _Sample] = {}
        self.now = -np.inf
        self.first: float | None = None
        self.latest = 0.0
        self.counts = {"EntityState": 0, "Fire": 0, "Detonation": 0}
        self.sender = _Sender(address, rate) if address is not None else None
        self.stream = self.capture.open("wb") if self.capture is not None else None
        self.writer = (
            PcapWriter(self.stream, port=address[1] if address else DEFAULT_DIS_PORT) if self.stream else None
        )
        self.wall_s = 0.0
        self.closed = False

    def _position(self, unit: str, time_s: float) -> tuple[float, float] | None:
        last = self.last.get(unit)
        return None if last is None else (last.x_m, last.y_m)

    def _out(self, datagrams: list[Datagram]) -> None:
        for d in datagrams:
            if self.first is None:
                self.first = d.time_s
            self.latest = d.time_s
            self.counts[d.pdu] += 1
            if self.writer is not None:
                self.writer.write(d.payload, epoch_s=self.epoch + d.time_s)
            if self.sender is not None:
                self.sender.send(d)

    def _moved(self, unit: str, t: float, x: float, y: float, strength: float) -> Datagram | None:
        if unit not in self.enc.units or not (np.isfinite(x) and np.isfinite(y)):
            return None
        lat, lon = self.enc.to_latlon(x, y)
        ecef = geocentric(lat, lon, self.enc.height(unit))
        before = self.last.get(unit)
        velocity = np.zeros(3)
        heading = 0.0 if before is None else before.heading
        if before is not None and t > before.time_s:
            step = ecef - before.ecef
            velocity = step / (t - before.time_s)
            if np.any(step != 0.0):
                blat, blon = self.enc.to_latlon(before.x_m, before.y_m)
                heading = _azimuth(float(blat), float(blon), step)
        self.last[unit] = _Sample(t, x, y, ecef, heading)
        return self.enc.entity_state(unit, t, ecef, velocity, (float(lat), float(lon)), heading, strength)

    def __call__(self, batch: Any) -> None:
        """Take one batch of events (an Arrow record batch of the event log's columns)."""
        rows = batch.to_pydict()
        names = list(rows)
        for i, rep in enumerate(rows["replication"]):
            if rep != self.replication:
                continue
            r = {name: rows[name][i] for name in names}
            t = float(r["time_s"])
            if t > self.now:
                self._out(self.fires.flush(t))
                self.now = t
            if r["kind"] == "UnitMoved":
                state = self._moved(
                    str(r["unit"]), t, _number(r["x_m"]), _number(r["y_m"]), _number(r["value"])
                )
                self._out([] if state is None else [state])
            elif r["kind"] == "UnitArrived" and r["unit"] in self.last:
                x, y = _number(r["x_m"]), _number(r["y_m"])
                if np.isfinite(x) and np.isfinite(y):
                    self.last[str(r["unit"])] = replace(self.last[str(r["unit"])], x_m=x, y_m=y)
            else:
                self._out(self.fires.row(r))

    def close(self) -> DisReplay:
        """Send what is left (air-defence misses), close the socket and the capture; what was sent."""
        if not self.closed:
            self.closed = True
            try:
                self._out(self.fires.flush())
            finally:
                if self.sender is not None:
                    self.wall_s = self.sender.close()
                if self.stream is not None:
                    self.stream.close()
        return DisReplay(
            replication=self.replication,
            entities=len(self.last),
            entity_state=self.counts["EntityState"],
            fire=self.counts["Fire"],
            detonation=self.counts["Detonation"],
            sent_to=self.to,
            pcap=self.capture,
            simulated_s=0.0 if self.first is None else self.latest - self.first,
            wall_s=self.wall_s,
        )

    def __enter__(self) -> DisStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
