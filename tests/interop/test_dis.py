"""DIS replay: PDUs as Wireshark's tshark decodes them equal what drillsim meant; UDP equals the capture."""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from drillsim.cli import main
from drillsim.core.errors import UserError
from drillsim.interop import replay_dis
from drillsim.interop.dis import (
    Descriptor,
    EntityId,
    EntityType,
    detonation_pdu,
    entity_state_pdu,
    euler_angles,
    fire_pdu,
    geocentric,
)
from drillsim.interop.pcap import PcapWriter
from drillsim.report.results import Result, load_result

ROOT = Path(__file__).resolve().parents[2]
TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(
    TSHARK is None, reason="tshark (Debian package tshark) is not installed; .ci/run installs it"
)

# SISO-REF-010 country codes, written out here independently of drillsim.interop.dis.
COUNTRY = {"ARM": 244, "BLR": 246, "KAZ": 252, "KGZ": 253, "RUS": 222, "TJK": 263, "MIL": 0}
# (kind, domain, category) of the core-v1 and khatlon unit types, as docs/interop.md tabulates them.
ENTITY = {
    "rifle-squad": (3, 1, 11),
    "motor-rifle-platoon": (1, 1, 2),
    "sof-team": (3, 1, 30),
    "sof-mounted-patrol": (1, 1, 6),
    "headquarters": (1, 1, 39),
    "mortar-section-82": (1, 1, 10),
    "howitzer-battery-122": (1, 1, 5),
    "mlrs-battery-122": (1, 1, 4),
    "recon-uav": (1, 2, 50),
    "recon-aircraft": (1, 2, 7),
    "bomber-flight": (1, 2, 2),
    "attack-helicopter-pair": (1, 2, 20),
    "militant-group": (3, 1, 100),
    "militant-technical": (1, 1, 6),
    "militant-mortar": (1, 1, 10),
    "militant-manpads-team": (3, 1, 100),
    "field-commander": (3, 1, 100),
    "airborne-platoon": (1, 1, 2),
    "sof-team-motorised": (1, 1, 6),
    "recon-helicopter": (1, 2, 24),
}
FIELDS = [
    "frame.protocols",
    "dis.pdu_type",
    "dis.proto_ver",
    "dis.pdu_length",
    "dis.entity_id_site",
    "dis.entity_id_application",
    "dis.entity_id_entity",
    "dis.force_id",
    "dis.entityKind",
    "dis.entityDomain",
    "dis.country",
    "dis.category",
    "dis.category.land",
    "dis.category.air",
    "dis.entity_location.x",
    "dis.entity_location.y",
    "dis.entity_location.z",
    "dis.entity_orientation.psi",
    "dis.entity_orientation.theta",
    "dis.entity_marking",
    "dis.event_number",
    "dis.fire.mission_index",
    "dis.fire.location.x",
    "dis.fire.location.y",
    "dis.fire.location.z",
    "dis.detonation.location.x",
    "dis.detonation.location.y",
    "dis.detonation.location.z",
    "dis.quality",
    "dis.timestamp",
    "dis.detonation.result",
    "dis.subcategory",
    "dis.specific",
    "dis.warhead",
    "dis.fuse",
    "udp.checksum.status",
    "ip.checksum.status",
    "_ws.malformed",
    "_ws.expert",
]


def tshark_rows(pcap: Path) -> list[dict[str, list[str]]]:
    """Every packet of ``pcap`` as tshark decodes it: field -> its values (all occurrences)."""
    assert TSHARK is not None
    command = [TSHARK, "-r", str(pcap), "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"]
    command += ["-T", "fields", "-E", "separator=\t", "-E", "aggregator=|", "-E", "occurrence=a"]
    for name in FIELDS:
        command += ["-e", name]
    out = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    rows = []
    for line in out.splitlines():
        values = line.split("\t")
        rows.append({name: (v.split("|") if v else []) for name, v in zip(FIELDS, values, strict=True)})
    return rows


def pcap_payloads(pcap: Path) -> list[bytes]:
    """The UDP payloads of a capture file (24-byte file header, 16-byte record headers, 42 bytes of
    Ethernet, IPv4 and UDP headers per frame)."""
    data = pcap.read_bytes()
    offset, payloads = 24, []
    while offset < len(data):
        length = struct.unpack_from("<I", data, offset + 8)[0]
        payloads.append(data[offset + 16 + 42 : offset + 16 + length])
        offset += 16 + length
    return payloads


def engine_tracks(result_dir: Path, replication: int) -> dict[str, dict[str, Any]]:
    """Each unit's samples straight from the event log: times and metres, in time order."""
    result = load_result(result_dir)
    rows = result.events_of(replication).to_pydict()
    tracks: dict[str, dict[str, Any]] = {}
    for i, kind in enumerate(rows["kind"]):
        if kind == "UnitMoved":
            track = tracks.setdefault(rows["unit"][i], {"t": [], "x": [], "y": []})
            track["t"].append(rows["time_s"][i])
            track["x"].append(rows["x_m"][i])
            track["y"].append(rows["y_m"][i])
    for track in tracks.values():
        order = np.argsort(track["t"], kind="stable")
        for key in ("t", "x", "y"):
            track[key] = np.asarray(track[key], dtype=np.float64)[order]
    return tracks


def expected_ecef(result: Result, x: Any, y: Any, height_m: float) -> np.ndarray:
    """drillsim's own conversion of engine metres to geocentric metres."""
    lat, lon = result.to_latlon(x, y)
    return geocentric(lat, lon, height_m)


def floats(row: dict[str, list[str]], name: str) -> list[float]:
    return [float(v) for v in row[name]]


@pytest.fixture(scope="module")
def crossing_live(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes]]:
    """crossing-defence recorded with 'drillsim run --out', positions every 60 s, and sent live with
    '--dis' to a socket bound to 127.0.0.1: the result directory and the datagrams received."""
    out = tmp_path_factory.mktemp("dis-crossing") / "run"
    example = str(ROOT / "examples" / "crossing-defence.yaml")
    received: list[bytes] = []
    finished = threading.Event()

    def listen(sock: socket.socket) -> None:
        """Read datagrams until the run has finished and nothing more arrives for a second."""
        sock.settimeout(1.0)
        while True:
            try:
                received.append(sock.recv(65535))
            except TimeoutError:
                if finished.is_set():
                    return

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        sock.bind(("127.0.0.1", 0))
        reader = threading.Thread(target=listen, args=(sock,))
        reader.start()
        to = f"127.0.0.1:{sock.getsockname()[1]}"
        command = ["run", example, "--seed", "1", "--out", str(out), "--sample-s", "60"]
        try:
            assert main([*command, "--dis", to, "--dis-rate", "0"]) == 0
        finally:
            finished.set()
            reader.join(timeout=30)
    return out, received


@pytest.fixture(scope="module")
def crossing_cli_run(crossing_live: tuple[Path, list[bytes]]) -> Path:
    """The result directory of the live crossing-defence run."""
    return crossing_live[0]


@pytest.fixture(scope="module")
def live_pcap(crossing_live: tuple[Path, list[bytes]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The datagrams received live, in a capture file for tshark (in the order received)."""
    pcap = tmp_path_factory.mktemp("dis-live") / "live.pcap"
    with pcap.open("wb") as stream:
        writer = PcapWriter(stream, port=3000)
        for k, payload in enumerate(crossing_live[1]):
            writer.write(payload, epoch_s=1e9 + k)
    return pcap


@pytest.fixture(scope="module")
def crossing_pcap(crossing_cli_run: Path) -> Path:
    """The crossing-defence run replayed into a capture with 'drillsim replay-dis --pcap'."""
    pcap = crossing_cli_run / "dis.pcap"
    assert main(["replay-dis", str(crossing_cli_run), "--pcap", str(pcap)]) == 0
    return pcap


@pytest.fixture(scope="module")
def khatlon_pcap(khatlon_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Replication 1 of the two-hour khatlon-2015-v1 run as a capture."""
    pcap = tmp_path_factory.mktemp("dis-khatlon") / "khatlon.pcap"
    replay_dis(khatlon_run, pcap=pcap, replication=1)
    return pcap


@needs_tshark
@pytest.mark.parametrize("capture", ["crossing_pcap", "khatlon_pcap", "live_pcap"])
def test_every_pdu_decodes_cleanly(capture: str, request: pytest.FixtureRequest) -> None:
    """tshark decodes every frame as DIS v7 with good checksums and no malformed-packet or expert item."""
    pcap = request.getfixturevalue(capture)
    rows = tshark_rows(pcap)
    assert len(rows) == len(pcap_payloads(pcap)) > 100
    assert {r["frame.protocols"][0] for r in rows} == {"eth:ethertype:ip:udp:dis"}
    assert all(r["dis.proto_ver"] == ["7"] for r in rows)
    assert all(r["udp.checksum.status"] == ["1"] and r["ip.checksum.status"] == ["1"] for r in rows)
    assert [r for r in rows if r["_ws.malformed"] or r["_ws.expert"]] == []


@needs_tshark
def test_entity_states_equal_the_engine(khatlon_run: Path, khatlon_pcap: Path) -> None:
    """Khatlon entity states: ids, forces, types, markings and positions within 1 mm of the engine's."""
    result = load_result(khatlon_run)
    header = result.header
    units = {u["id"]: u for u in header["units"]}
    number = {uid: i + 1 for i, uid in enumerate(sorted(units))}
    force = {"csto": 1, "militants": 2}
    tracks = engine_tracks(khatlon_run, 1)
    seen: dict[str, int] = {}
    worst = 0.0
    countries = set()
    for row in tshark_rows(khatlon_pcap):
        if row["dis.pdu_type"] != ["1"]:
            continue
        unit = next(uid for uid, n in number.items() if row["dis.entity_id_entity"] == [str(n)])
        about = units[unit]
        assert row["dis.entity_id_site"] == row["dis.entity_id_application"] == ["1"]
        assert row["dis.force_id"] == [str(force[about["side"]])]
        kind, domain, category = ENTITY[about["type"]]
        country = COUNTRY[about["nation"]]
        countries.add(country)
        assert row["dis.entityKind"] == [str(kind)] * 2
        assert row["dis.entityDomain"] == [str(domain)] * 2
        assert row["dis.country"] == [str(country)] * 2
        decoded = row["dis.category"] + row["dis.category.land"] + row["dis.category.air"]
        assert decoded == [str(category)] * 2
        marking = unit if len(unit) <= 11 else unit[:5] + "~" + unit[-5:]
        assert row["dis.entity_marking"] == [marking]
        k = seen.get(unit, 0)
        seen[unit] = k + 1
        track = tracks[unit]
        height = 0.0
        if about["domain"] == "air":
            assert result.scenario is not None
            air = result.scenario.catalogue.unit_types[about["type"]].air
            assert air is not None
            height = float(air.altitude_m)
        want = expected_ecef(result, track["x"][k], track["y"][k], height)
        got = np.array([floats(row, f"dis.entity_location.{a}")[0] for a in "xyz"])
        worst = max(worst, float(np.linalg.norm(got - want)))
    assert seen == {unit: len(track["t"]) for unit, track in tracks.items()}
    assert countries == {0, 222, 244, 246, 252, 253, 263}
    assert worst < 1e-3


@needs_tshark
def test_orientation_faces_the_next_sample(crossing_cli_run: Path, crossing_pcap: Path) -> None:
    """A moving entity's decoded psi and theta point level (ellipsoid normal) along its next track leg."""
    tracks = engine_tracks(crossing_cli_run, 0)
    result = load_result(crossing_cli_run)
    units = sorted(result.header["units"], key=lambda u: u["id"])
    seen: dict[str, int] = {}
    checked = 0
    for row in tshark_rows(crossing_pcap):
        if row["dis.pdu_type"] != ["1"]:
            continue
        unit = units[int(row["dis.entity_id_entity"][0]) - 1]["id"]
        k = seen.get(unit, 0)
        seen[unit] = k + 1
        t = tracks[unit]
        if k + 1 >= len(t["t"]) or np.hypot(t["x"][k + 1] - t["x"][k], t["y"][k + 1] - t["y"][k]) < 1.0:
            continue
        psi, theta = (
            floats(row, "dis.entity_orientation.psi")[0],
            floats(row, "dis.entity_orientation.theta")[0],
        )
        forward = np.array([np.cos(theta) * np.cos(psi), np.cos(theta) * np.sin(psi), -np.sin(theta)])
        here = expected_ecef(result, t["x"][k], t["y"][k], 0.0)
        ahead = expected_ecef(result, t["x"][k + 1], t["y"][k + 1], 0.0)
        leg = (ahead - here) / np.linalg.norm(ahead - here)
        lat, lon = np.radians(result.to_latlon(t["x"][k], t["y"][k]))
        up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        level = leg - np.dot(leg, up) * up
        assert abs(np.dot(forward, up)) < 3e-5  # tshark prints the float32 angles to 6 digits
        assert np.dot(forward, level / np.linalg.norm(level)) > 1 - 1e-6
        checked += 1
    assert checked > 50


@needs_tshark
def test_fires_and_detonations_equal_the_event_log(crossing_cli_run: Path, crossing_pcap: Path) -> None:
    """Fire and Detonation PDUs carry the firer, target, mission, event number and places of the log."""
    result = load_result(crossing_cli_run)
    number = {uid: i + 1 for i, uid in enumerate(sorted(u["id"] for u in result.header["units"]))}
    rows = result.events_of(0).to_pydict()
    target_of = {
        int(rows["value"][i]): rows["other"][i]
        for i, k in enumerate(rows["kind"])
        if k == "FireMissionRequested"
    }
    tracks = engine_tracks(crossing_cli_run, 0)
    start = datetime.fromisoformat(result.header["start"]).timestamp()
    fired = [i for i, k in enumerate(rows["kind"]) if k == "RoundsFired"]
    impacts = [i for i, k in enumerate(rows["kind"]) if k == "RoundsImpacted"]
    decoded = tshark_rows(crossing_pcap)
    every_fire = [r for r in decoded if r["dis.pdu_type"] == ["2"]]
    # Every fire has its own event number, 1 to N without a gap. Numbers are given in the event log's order
    # and the capture is in simulated-time order: a step logs its rows pass by pass, so a direct-fire hit
    # logged after a battery's fire of the same step can be earlier in time, and its number comes later.
    numbers = sorted(int(r["dis.event_number"][0]) for r in every_fire)
    assert numbers == list(range(1, len(every_fire) + 1))
    # Indirect fire: the fires of a mission (missions count from 1); direct fire is checked below.
    fires = [r for r in every_fire if r["dis.fire.mission_index"] != ["0"]]
    events = {tuple(r["dis.event_number"]) for r in fires}
    detonations = [
        r for r in decoded if r["dis.pdu_type"] == ["3"] and tuple(r["dis.event_number"]) in events
    ]
    assert len(fires) == len(fired) > 0
    assert len(detonations) == len(impacts) > 0
    event_of_mission: dict[int, list[list[str]]] = {}
    for i, row in zip(fired, fires, strict=True):
        mission, firer = int(rows["value"][i]), rows["unit"][i]
        assert row["dis.entity_id_entity"] == [str(number[firer]), str(number[target_of[mission]]), "0"]
        assert row["dis.fire.mission_index"] == [str(mission)]
        assert row["dis.quality"] == [str(rows["count"][i])]
        track = tracks[firer]
        x = np.interp(rows["time_s"][i], track["t"], track["x"])
        y = np.interp(rows["time_s"][i], track["t"], track["y"])
        got = np.array([floats(row, f"dis.fire.location.{a}")[0] for a in "xyz"])
        assert np.linalg.norm(got - expected_ecef(result, x, y, 0.0)) < 1e-3
        past_hour = (start + rows["time_s"][i]) % 3600.0
        assert abs(floats(row, "dis.timestamp")[0] - past_hour) < 2e-6
        event_of_mission.setdefault(mission, []).append(row["dis.event_number"])
    # A mission adjusted on fires twice (adjusting rounds, then fire for effect); each detonation answers
    # its own fire, in order.
    for i, row in zip(impacts, detonations, strict=True):
        mission, target = int(rows["value"][i]), rows["other"][i]
        assert row["dis.entity_id_entity"] == [str(number[rows["unit"][i]]), str(number[target]), "0"]
        assert row["dis.event_number"] == event_of_mission[mission].pop(0)
        assert row["dis.detonation.result"] == ["2" if rows["count"][i] > 0 else "3"]
        got = np.array([floats(row, f"dis.detonation.location.{a}")[0] for a in "xyz"])
        want = expected_ecef(result, rows["x_m"][i], rows["y_m"][i], 0.0)
        assert np.linalg.norm(got - want) < 1e-3


# SISO-REF-010 munition types (kind 2, Russia 222) of the core-v1 direct-fire weapons, written out here
# independently of drillsim.interop.dis: domain, category, subcategory, specific, warhead, fuse.
DIRECT_MUNITIONS = {
    "rifle-545": (8, 2, 1, 0, 5000, 0),
    "mg-762": (8, 2, 2, 4, 5000, 0),
    "hmg-127": (9, 2, 1, 0, 5000, 0),
    "rpg-7": (2, 2, 8, 0, 1600, 1000),
}


def munition_of(row: dict[str, list[str]]) -> tuple[int, ...]:
    """A Fire or Detonation PDU's decoded munition: kind, country, then as in DIRECT_MUNITIONS."""
    names = ["dis.entityKind", "dis.country", "dis.entityDomain", "dis.category", "dis.subcategory"]
    names += ["dis.specific", "dis.warhead", "dis.fuse"]
    return tuple(int(row[name][0]) for name in names)


@needs_tshark
def test_direct_fire_is_sent(crossing_cli_run: Path, crossing_pcap: Path) -> None:
    """Every direct-fire hit of the log is a Fire PDU from the shooter at the target with a munition of
    one of the shooter's direct-fire weapons, and an entity-impact Detonation on the target's track."""
    result = load_result(crossing_cli_run)
    assert result.scenario is not None
    number = {uid: i + 1 for i, uid in enumerate(sorted(u["id"] for u in result.header["units"]))}
    type_of = {u["id"]: u["type"] for u in result.header["units"]}
    catalogue = result.scenario.catalogue
    rows = result.events_of(0).to_pydict()
    hits = [i for i, k in enumerate(rows["kind"]) if k == "UnitHit" and rows["detail"][i] == "direct"]
    tracks = engine_tracks(crossing_cli_run, 0)
    decoded = tshark_rows(crossing_pcap)
    fires = [r for r in decoded if r["dis.pdu_type"] == ["2"] and r["dis.fire.mission_index"] == ["0"]]
    events = {tuple(r["dis.event_number"]) for r in fires}
    detonations = [
        r for r in decoded if r["dis.pdu_type"] == ["3"] and tuple(r["dis.event_number"]) in events
    ]
    assert len(fires) == len(detonations) == len(hits) > 0
    for i, fire, boom in zip(hits, fires, detonations, strict=True):
        shooter, target = rows["other"][i], rows["unit"][i]
        ids = [str(number[shooter]), str(number[target]), "0"]
        assert fire["dis.entity_id_entity"] == boom["dis.entity_id_entity"] == ids
        assert fire["dis.event_number"] == boom["dis.event_number"]
        assert fire["dis.fire.mission_index"] == ["0"]
        assert boom["dis.detonation.result"] == ["1"]
        weapons = {m.weapon for m in catalogue.unit_types[type_of[shooter]].weapons}
        allowed = {(2, 222, *DIRECT_MUNITIONS[w]) for w in weapons if w in DIRECT_MUNITIONS}
        assert munition_of(fire) == munition_of(boom) in allowed
        track = tracks[target]
        x = np.interp(rows["time_s"][i], track["t"], track["x"])
        y = np.interp(rows["time_s"][i], track["t"], track["y"])
        got = np.array([floats(boom, f"dis.detonation.location.{a}")[0] for a in "xyz"])
        assert np.linalg.norm(got - expected_ecef(result, x, y, 0.0)) < 1e-3


@needs_tshark
def test_live_stream_sends_the_run(crossing_cli_run: Path, live_pcap: Path, crossing_pcap: Path) -> None:
    """'drillsim run --dis' sent, while the run went on, an entity state for every track sample of the
    log (positions within 1 mm, in the log's order for each unit) and the same fires and detonations as
    the replay (ids, events, munitions, results)."""
    result = load_result(crossing_cli_run)
    assert result.scenario is not None
    kinds = result.scenario.catalogue.unit_types
    about = {u["id"]: u for u in result.header["units"]}
    units = sorted(about)
    tracks = engine_tracks(crossing_cli_run, 0)
    live = tshark_rows(live_pcap)
    seen: dict[str, int] = {}
    worst = 0.0
    for row in live:
        if row["dis.pdu_type"] != ["1"]:
            continue
        unit = units[int(row["dis.entity_id_entity"][0]) - 1]
        k = seen.get(unit, 0)
        seen[unit] = k + 1
        track = tracks[unit]
        air = kinds[about[unit]["type"]].air
        height = 0.0 if air is None else float(air.altitude_m)
        want = expected_ecef(result, track["x"][k], track["y"][k], height)
        got = np.array([floats(row, f"dis.entity_location.{a}")[0] for a in "xyz"])
        worst = max(worst, float(np.linalg.norm(got - want)))
    assert seen == {unit: len(track["t"]) for unit, track in tracks.items()}
    assert worst < 1e-3

    def shots(rows: list[dict[str, list[str]]]) -> list[tuple[Any, ...]]:
        keep = ("dis.pdu_type", "dis.entity_id_entity", "dis.event_number", "dis.detonation.result")
        return [(*(tuple(r[k]) for k in keep), munition_of(r)) for r in rows if r["dis.pdu_type"] != ["1"]]

    assert sorted(shots(live)) == sorted(shots(tshark_rows(crossing_pcap)))
    assert len(shots(live)) > 0


def receive(sock: socket.socket, into: list[bytes], count: int) -> None:
    """Read datagrams from ``sock`` until ``count`` arrived or 5 s pass without one."""
    sock.settimeout(5.0)
    try:
        while len(into) < count:
            into.append(sock.recv(65535))
    except TimeoutError:
        return


def test_udp_datagrams_equal_the_capture(crossing_run: Path, tmp_path: Path) -> None:
    """The datagrams received on a loopback socket are the capture's payloads, byte for byte, in order."""
    pcap = tmp_path / "crossing.pcap"
    replay_dis(crossing_run, pcap=pcap, to=None)
    expected = pcap_payloads(pcap)
    assert 200 < len(expected) < 1000
    received: list[bytes] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        sock.bind(("127.0.0.1", 0))
        reader = threading.Thread(target=receive, args=(sock, received, len(expected)))
        reader.start()
        done = replay_dis(crossing_run, to=f"127.0.0.1:{sock.getsockname()[1]}", as_fast_as_possible=True)
        reader.join(timeout=10)
    assert done.entity_state + done.fire + done.detonation == len(expected)
    assert received == expected


def test_rate_paces_the_replay(crossing_run: Path) -> None:
    """At a real-time factor of 3,600, an hour of simulated time takes about a second to send."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        done = replay_dis(crossing_run, to=f"127.0.0.1:{sink.getsockname()[1]}", rate=3600.0)
    assert done.simulated_s / 3600.0 * 0.95 <= done.wall_s < done.simulated_s / 3600.0 + 2.0


def test_fields_sit_at_the_standard_offsets() -> None:
    """Header, entity state, fire and detonation fields are big-endian at IEEE 1278.1-2012's offsets."""
    entity = EntityId(7, 8, 9)
    kind = EntityType(1, 2, 263, 50)
    es = entity_state_pdu(
        entity=entity,
        force=2,
        entity_type=kind,
        location=(1.5, -2.5, 3.25),
        velocity=(0.5, 0.25, -1.0),
        orientation=(0.125, -0.5, 1.0),
        appearance=3 << 3,
        marking="tjk/uav",
        timestamp=0x12345,
    )
    assert len(es) == 144
    assert struct.unpack_from(">BBBBIH", es, 0) == (7, 1, 1, 1, 0x12345, 144)
    assert struct.unpack_from(">HHHBBBBHBBBB", es, 12) == (7, 8, 9, 2, 0, 1, 2, 263, 50, 0, 0, 0)
    assert struct.unpack_from(">3f3d3fIB", es, 36) == (
        0.5,
        0.25,
        -1.0,
        1.5,
        -2.5,
        3.25,
        0.125,
        -0.5,
        1.0,
        24,
        2,
    )
    assert es[128:140] == b"\x01tjk/uav\0\0\0\0"
    burst = Descriptor(EntityType(2, 9, 263, 2), 1000, 1000, 12)
    fire = fire_pdu(
        firer=entity,
        target=EntityId(1, 1, 4),
        event=EntityId(1, 1, 3),
        mission=5,
        location=(1.0, 2.0, 3.0),
        descriptor=burst,
        velocity=(4.0, 5.0, 6.0),
        range_m=700.0,
        timestamp=1,
    )
    assert len(fire) == 96
    assert fire[2:4] == b"\x02\x02"
    assert struct.unpack_from(">H", fire, 8) == (96,)
    assert struct.unpack_from(">3H3H3H3HI3d", fire, 12) == (
        7,
        8,
        9,
        1,
        1,
        4,
        0,
        0,
        0,
        1,
        1,
        3,
        5,
        1.0,
        2.0,
        3.0,
    )
    assert fire[64:80] == burst.pack()
    assert struct.unpack_from(">4f", fire, 80) == (4.0, 5.0, 6.0, 700.0)
    boom = detonation_pdu(
        firer=entity,
        target=EntityId(1, 1, 4),
        event=EntityId(1, 1, 3),
        location=(1.0, 2.0, 3.0),
        descriptor=burst,
        velocity=(4.0, 5.0, 6.0),
        result=3,
        timestamp=1,
    )
    assert len(boom) == 104
    assert boom[2:4] == b"\x03\x02"
    assert struct.unpack_from(">H", boom, 8) == (104,)
    assert struct.unpack_from(">3f3d", boom, 36) == (4.0, 5.0, 6.0, 1.0, 2.0, 3.0)
    assert boom[72:88] == burst.pack()
    assert boom[100:102] == b"\x03\x00"


def test_geocentric_known_points() -> None:
    """WGS84 to geocentric: the equator at 0 E, the north pole and a point 100 m up at 90 E."""
    got = geocentric([0.0, 90.0, 0.0], [0.0, 0.0, 90.0], [0.0, 0.0, 100.0])
    want = [[6378137.0, 0.0, 0.0], [0.0, 0.0, 6356752.314245179], [0.0, 6378237.0, 0.0]]
    assert np.allclose(got, want, rtol=0, atol=1e-6)


def test_euler_angles_of_a_level_entity_facing_east() -> None:
    """At 0 N 0 E facing east, the body x axis is geocentric y: psi 90 degrees, theta 0, phi -90 degrees."""
    psi, theta, phi = euler_angles(0.0, 0.0, np.pi / 2)
    assert np.allclose([psi, theta, phi], [np.pi / 2, 0.0, -np.pi / 2], atol=1e-12)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--to", "nowhere"], "is not HOST:PORT"),
        (["--to", "127.0.0.1:70000"], "is not HOST:PORT"),
        (["--rate", "-1"], "real-time factor"),
        (["--replication", "9", "--pcap", "x.pcap"], "replication 9 is not"),
    ],
)
def test_bad_input_is_a_user_error(
    crossing_run: Path, options: list[str], message: str, cli: Callable[..., Any]
) -> None:
    """A bad address, rate or replication exits with code 2 and a message, no traceback."""
    done = cli("replay-dis", str(crossing_run), *options)
    assert done.code == 2
    assert message in done.err + done.out
    assert "Traceback" not in done.err + done.out


def test_missing_result_directory_is_a_user_error(tmp_path: Path) -> None:
    """Replaying a directory that holds no result raises UserError."""
    with pytest.raises(UserError, match="no result directory"):
        replay_dis(tmp_path / "none", pcap=tmp_path / "x.pcap")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--dis", "nowhere"], "is not HOST:PORT"),
        (["--dis", "127.0.0.1:3000", "--dis-rate", "-2"], "real-time factor"),
    ],
)
def test_bad_live_dis_options_are_user_errors(
    options: list[str], message: str, cli: Callable[..., Any], tmp_path: Path
) -> None:
    """'drillsim run --dis' with a bad address or rate exits with code 2 and a message, no traceback,
    before running."""
    example = str(ROOT / "examples" / "crossing-defence.yaml")
    done = cli("run", example, "--seed", "1", "--out", str(tmp_path / "run"), *options)
    assert done.code == 2
    assert message in done.err + done.out
    assert "Traceback" not in done.err + done.out
    assert not (tmp_path / "run" / "events.parquet").exists()
