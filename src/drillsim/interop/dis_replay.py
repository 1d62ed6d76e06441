"""``replay_dis``: a result directory's tracks and fires as DIS PDUs, sent over UDP or written to a capture.

One replication of the event log becomes, in simulated-time order: an Entity State PDU for every track
sample of every element (``UnitMoved``), a Fire PDU for every ``RoundsFired`` and ``WeaponsReleased``, and
a Detonation PDU for every ``RoundsImpacted``. docs/interop.md describes every field and enumeration.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from drillsim.core.errors import UserError
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
)
from drillsim.interop.pcap import PcapWriter
from drillsim.report.results import Result, load_result

__all__ = [
    "DEFAULT_DIS_PORT",
    "DIS_APPLICATION",
    "DIS_EXERCISE",
    "DIS_SITE",
    "Datagram",
    "DisReplay",
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
DETONATION_ENTITY_PROXIMATE, DETONATION_GROUND_IMPACT = 2, 3


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


def _heights(result: Result) -> dict[str, float]:
    """Height above the ellipsoid of each unit type: the catalogue's flight altitude for aircraft, 0 m for
    everything else (the event log has no ground elevation)."""
    heights: dict[str, float] = {}
    scenario = result.scenario
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


class _Encoder:
    """Turns one replication's event rows into datagrams."""

    def __init__(self, result: Result) -> None:
        header = result.header
        self.result = result
        self.start = _start_of(header)
        self.numbers = entity_numbers(header)
        forces = force_ids(header)
        nation_names = {
            nid: nation.name for nid, nation in (result.scenario.nations if result.scenario else {}).items()
        }
        heights = _heights(result)
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
            }

    def entity(self, unit: str | None) -> EntityId:
        number = self.numbers.get(unit or "")
        return NO_ENTITY if number is None else EntityId(DIS_SITE, DIS_APPLICATION, number)

    def timestamp(self, time_s: float) -> int:
        moment = self.start + timedelta(seconds=float(time_s))
        return dis_timestamp(moment.minute * 60.0 + moment.second + moment.microsecond / 1e6)

    def height(self, unit: str | None) -> float:
        return float(self.units.get(unit or "", {}).get("height", 0.0))

    def ecef(self, x_m: float, y_m: float, height_m: float) -> NDArray[np.float64]:
        lat, lon = self.result.to_latlon(x_m, y_m)
        return geocentric(lat, lon, height_m)

    def entity_states(self, unit: str, track: _Track) -> list[Datagram]:
        about = self.units.get(unit)
        if about is None:
            return []
        lat, lon = self.result.to_latlon(track.x_m, track.y_m)
        ecef = geocentric(lat, lon, about["height"])
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
        out = []
        for i in range(n):
            out.append(
                Datagram(
                    float(track.time_s[i]),
                    "EntityState",
                    entity_state_pdu(
                        entity=self.entity(unit),
                        force=about["force"],
                        entity_type=about["type"],
                        location=(float(ecef[i, 0]), float(ecef[i, 1]), float(ecef[i, 2])),
                        velocity=(float(velocity[i, 0]), float(velocity[i, 1]), float(velocity[i, 2])),
                        orientation=euler_angles(float(lat[i]), float(lon[i]), heading[i]),
                        appearance=_damage(float(track.strength[i]), about["strength0"]) << DAMAGE_SHIFT,
                        marking=marking_for(unit),
                        timestamp=self.timestamp(float(track.time_s[i])),
                        exercise=DIS_EXERCISE,
                    ),
                )
            )
        return out


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


@dataclass
class _Shot:
    event: EntityId
    munition: Munition
    country: int
    quantity: int
    velocity: tuple[float, float, float]


def _fires(enc: _Encoder, rows: dict[str, list[Any]], tracks: dict[str, _Track]) -> list[Datagram]:
    """Fire and Detonation PDUs, with the event numbers that tie each detonation to its fire."""
    kinds = rows["kind"]
    targets: dict[tuple[str, int], str] = {}
    impacts: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
    for i, kind in enumerate(kinds):
        key = (str(rows["unit"][i]), _mission(rows["value"][i]))
        if kind == "FireMissionRequested":
            targets.setdefault((str(rows["detail"][i]), _mission(rows["value"][i])), str(rows["other"][i]))
        elif kind == "RoundsImpacted":
            impacts.setdefault(key, []).append(
                (float(rows["time_s"][i]), float(rows["x_m"][i]), float(rows["y_m"][i]))
            )
            targets.setdefault(key, str(rows["other"][i]))
    shots: dict[tuple[str, int], _Shot] = {}
    out: list[Datagram] = []
    events = 0
    for i, kind in enumerate(kinds):
        if kind not in ("RoundsFired", "WeaponsReleased", "RoundsImpacted"):
            continue
        unit = str(rows["unit"][i])
        mission = _mission(rows["value"][i])
        t = float(rows["time_s"][i])
        x, y = float(rows["x_m"][i]), float(rows["y_m"][i])
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        aim = enc.ecef(x, y, 0.0)
        about = enc.units.get(unit, {})
        country = int(about.get("country", 0))
        if kind != "RoundsImpacted":
            events += 1
            event = EntityId(DIS_SITE, DIS_APPLICATION, (events - 1) % 0xFFFF + 1)
            target = str(rows["other"][i]) if kind == "WeaponsReleased" else targets.get((unit, mission))
            track = tracks.get(unit)
            if track is not None:
                fx = float(np.interp(t, track.time_s, track.x_m))
                fy = float(np.interp(t, track.time_s, track.y_m))
                origin = enc.ecef(fx, fy, enc.height(unit))
            else:
                origin = aim
            later = [hit for hit in impacts.get((unit, mission), []) if hit[0] > t]
            velocity = (0.0, 0.0, 0.0)
            if later:
                flight = enc.ecef(later[0][1], later[0][2], 0.0) - origin
                v = flight / (later[0][0] - t)
                velocity = (float(v[0]), float(v[1]), float(v[2]))
            munition = MUNITIONS["air" if kind == "WeaponsReleased" else "indirect"]
            quantity = int(rows["count"][i] or 0)
            shots[(unit, mission)] = _Shot(event, munition, country, quantity, velocity)
            out.append(
                Datagram(
                    t,
                    "Fire",
                    fire_pdu(
                        firer=enc.entity(unit),
                        target=enc.entity(target),
                        event=event,
                        mission=mission,
                        location=(float(origin[0]), float(origin[1]), float(origin[2])),
                        descriptor=munition.descriptor(country, quantity),
                        velocity=velocity,
                        range_m=float(np.linalg.norm(aim - origin)),
                        timestamp=enc.timestamp(t),
                        exercise=DIS_EXERCISE,
                    ),
                )
            )
            continue
        shot = shots.get((unit, mission))
        if shot is None:
            events += 1
            shot = _Shot(
                EntityId(DIS_SITE, DIS_APPLICATION, (events - 1) % 0xFFFF + 1),
                MUNITIONS["air" if about.get("air") else "indirect"],
                country,
                0,
                (0.0, 0.0, 0.0),
            )
        target = rows["other"][i]
        casualties = int(rows["count"][i] or 0)
        hit = casualties > 0 and enc.entity(target) != NO_ENTITY
        out.append(
            Datagram(
                t,
                "Detonation",
                detonation_pdu(
                    firer=enc.entity(unit),
                    target=enc.entity(target),
                    event=shot.event,
                    location=(float(aim[0]), float(aim[1]), float(aim[2])),
                    descriptor=shot.munition.descriptor(shot.country, shot.quantity),
                    velocity=shot.velocity,
                    result=DETONATION_ENTITY_PROXIMATE if hit else DETONATION_GROUND_IMPACT,
                    timestamp=enc.timestamp(t),
                    exercise=DIS_EXERCISE,
                ),
            )
        )
    return out


def _column(table: Any, name: str) -> list[Any]:
    return list(table.column(name).to_pylist())


def dis_datagrams(result: Result, *, replication: int | None = None) -> list[Datagram]:
    """The PDUs of one recorded replication of ``result`` (default: the first), in simulated-time order
    (ties in the event log's order, entity states before fires and detonations)."""
    rep = result.replications[0] if replication is None else int(replication)
    table = result.events_of(rep)
    rows = {name: _column(table, name) for name in table.column_names}
    enc = _Encoder(result)
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


def _send(datagrams: list[Datagram], address: tuple[str, int], rate: float) -> float:
    """Send every datagram, ``rate`` simulated seconds per wall-clock second (0: without waiting); the
    wall-clock seconds it took."""
    sock, where = _open_socket(*address)
    began = time.monotonic()
    first = datagrams[0].time_s if datagrams else 0.0
    try:
        for d in datagrams:
            if rate > 0:
                delay = began + (d.time_s - first) / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            try:
                sock.sendto(d.payload, where)
            except ConnectionRefusedError:
                continue
            except OSError as exc:
                raise UserError(f"cannot send to {address[0]}:{address[1]}: {exc.strerror}.") from None
    finally:
        sock.close()
    return time.monotonic() - began
