"""The viewer's server: only static assets and result JSON, on 127.0.0.1, and no path outside."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drillsim.report import ReplayServer
from drillsim.report.server import KEPT_REPLAYS


@pytest.fixture
def server(single_result: Path) -> Iterator[ReplayServer]:
    """A running viewer server for the one-replication result."""
    srv = ReplayServer(single_result)
    srv.start()
    yield srv
    srv.stop()


def get(server: ReplayServer, raw_path: str) -> tuple[int, bytes]:
    """Send a request with this exact path (no client-side normalisation) and return status and body."""
    host, port = server.httpd.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
    conn.putrequest("GET", raw_path, skip_accept_encoding=True)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def test_listens_on_loopback_only(server: ReplayServer) -> None:
    """The server binds 127.0.0.1 and its URL says so."""
    assert server.httpd.server_address[0] == "127.0.0.1"
    assert server.url.startswith("http://127.0.0.1:")


def test_serves_page_assets_and_result_json(server: ReplayServer) -> None:
    """The page, its vendored libraries and the replay JSON are served."""
    for path in ("/", "/static/vendor/leaflet/leaflet.js", "/static/vendor/milsymbol/milsymbol.js"):
        status, body = get(server, path)
        assert status == 200, path
        assert body
    status, body = get(server, "/api/replay/0.json")
    assert status == 200
    assert json.loads(body)["meta"]["replication"] == 0


def test_keeps_only_the_last_replays_asked_for(ensemble_result: Path) -> None:
    """Browsing many replications keeps only the last few replays in memory, and a replay dropped and
    asked for again is made again the same."""
    srv = ReplayServer(ensemble_result)
    reps = srv.result.replications
    assert len(reps) > KEPT_REPLAYS + 1
    first = srv.content(f"/api/replay/{reps[0]}.json")
    for rep in reps[1 : KEPT_REPLAYS + 2]:
        assert srv.content(f"/api/replay/{rep}.json")[0] == 200
    assert srv.kept_replays == reps[2 : KEPT_REPLAYS + 2]
    srv.content(f"/api/replay/{reps[2]}.json")  # asked again: now the most recent
    assert srv.kept_replays == [*reps[3 : KEPT_REPLAYS + 2], reps[2]]
    assert srv.content(f"/api/replay/{reps[0]}.json") == first
    srv.httpd.server_close()


@pytest.mark.parametrize(
    "path",
    [
        "/static/../results.py",
        "/static/%2e%2e/results.py",
        "/static/%2E%2E%2Fresults.py",
        "/static/vendor/../../report/results.py",
        "/static/..%2f..%2frun.json",
        "/static/%252e%252e/results.py",
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd",
        "/static//etc/passwd",
        "/static/%2Fetc%2Fpasswd",
        "/etc/passwd",
        "http://127.0.0.1/etc/passwd",
        "/static/..\\..\\run.json",
        "/run.json",
        "/events.parquet",
        "/scenario.yaml",
        "/api/replay/7.json",
    ],
)
def test_rejects_paths_outside_what_it_serves(server: ReplayServer, path: str) -> None:
    """Traversal (plain, encoded, double-encoded, absolute) and result files themselves get 400 or 404."""
    status, body = get(server, path)
    assert status in (400, 404), path
    assert b"root:" not in body
    assert b"import" not in body


def test_the_viewer_and_report_load_without_the_engine() -> None:
    """Serving or reporting a result reads files only: importing the report package loads neither the
    engine nor the mechanics (they cost the viewer's server about 70 MB)."""
    code = (
        "import sys, drillsim.report, drillsim.report.server, drillsim.report.html\n"
        "print(sorted(m for m in sys.modules if m.startswith(('drillsim.engine', 'drillsim.mechanics'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
