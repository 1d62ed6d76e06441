"""The viewer's server under load and abuse: bounded threads, Host check, methods, sizes, quiet Ctrl-C.

Loopback only, bounded in count and time: 300 idle connections, then 2,000 requests from 50 clients.
"""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from drillsim.report import ReplayServer
from drillsim.report.server import WORKER_THREADS

PATHS = ("/", "/static/mapkit.js", "/api/meta.json", "/api/layers.json", "/api/replay/0.json")


@pytest.fixture
def server(single_result: Path) -> Iterator[ReplayServer]:
    """A running viewer server for the one-replication result."""
    srv = ReplayServer(single_result)
    srv.start()
    yield srv
    srv.stop()


def request(server: ReplayServer, path: str, *, method: str = "GET", host: str | None = None) -> int:
    """The status of one request (with a Host header of the server's own address unless told)."""
    addr, port = server.httpd.server_address[:2]
    conn = http.client.HTTPConnection(str(addr), int(port), timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host or f"127.0.0.1:{port}")
    conn.endheaders()
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def test_idle_connections_hold_no_threads(server: ReplayServer) -> None:
    """300 idle connections leave the thread count bounded, and a request is still answered."""
    before = threading.active_count()
    addr, port = server.httpd.server_address[:2]
    idle = [socket.create_connection((str(addr), int(port))) for _ in range(300)]
    try:
        time.sleep(0.5)
        started = time.monotonic()
        assert request(server, "/api/meta.json") == 200
        assert time.monotonic() - started < 5.0
        assert threading.active_count() <= before + WORKER_THREADS
    finally:
        for s in idle:
            s.close()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1:1", "localhost"])
def test_foreign_host_header_is_refused(server: ReplayServer, host: str) -> None:
    """A Host other than loopback with the server's port (DNS rebinding) gets 421."""
    assert request(server, "/api/meta.json", host=host) == 421


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_host_headers_are_served(server: ReplayServer, name: str) -> None:
    """Host 127.0.0.1, localhost or [::1] with the port is served."""
    port = server.httpd.server_address[1]
    assert request(server, "/api/meta.json", host=f"{name}:{port}") == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_only_get_and_head_are_answered(server: ReplayServer, method: str) -> None:
    """Any other method gets 405."""
    assert request(server, "/", method=method) == 405


def test_oversized_request_line_is_refused(server: ReplayServer) -> None:
    """A request line over 4 KiB gets 414."""
    assert request(server, "/" + "a" * 5000) == 414


def test_load_of_fifty_clients_is_all_served(server: ReplayServer) -> None:
    """2,000 requests from 50 concurrent clients: every one answered 200."""
    times: list[float] = []

    def client(k: int) -> list[int]:
        out = []
        for i in range(40):
            started = time.monotonic()
            out.append(request(server, PATHS[(k + i) % len(PATHS)]))
            times.append(time.monotonic() - started)
        return out

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = [s for batch in pool.map(client, range(50)) for s in batch]
    assert len(statuses) == 2000
    assert set(statuses) == {200}
    times.sort()
    assert times[int(0.99 * len(times))] < 10.0


def test_ctrl_c_stops_quietly(single_result: Path) -> None:
    """SIGINT to ``drillsim view`` after aborted downloads: it exits with no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "drillsim", "view", str(single_result), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        port = int(line.rsplit(":", 1)[1].split("/")[0])
        for _ in range(20):  # ask for a large answer and hang up before reading it
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(f"GET /api/replay/0.json HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in err
    assert "Error" not in err
