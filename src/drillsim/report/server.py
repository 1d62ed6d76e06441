"""The replay viewer's web server: the package's static assets and JSON from one result directory.

The server listens on 127.0.0.1 only. It answers exactly these paths and nothing else:

- ``/`` : the viewer page;
- ``/static/<file>`` : a file of the package's ``static`` folder (the set is listed once at start, so no
  path can reach outside it);
- ``/api/meta.json``, ``/api/layers.json``, ``/api/elevation.png``, ``/api/replay/<n>.json``,
  ``/api/ensemble.json``, ``/api/choose.json?measure=..&pick=..&better=..``: data derived from the result.

Paths with ``..`` segments (plain or percent-encoded), backslashes or empty segments are refused with 400.
"""

from __future__ import annotations

import json
import mimetypes
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from drillsim.core.errors import UserError
from drillsim.report.ensemble import choose_replication, ensemble_data
from drillsim.report.layers import elevation_png, map_layers
from drillsim.report.results import Result, load_result
from drillsim.report.timeline import replay_data

__all__ = ["ReplayServer", "static_files", "view"]

_REPLAY_PATH = re.compile(r"^/api/replay/(\d{1,9})\.json$")
_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".json": "application/json"}


def _walk(node: Traversable, prefix: str, out: dict[str, Traversable]) -> None:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        name = f"{prefix}{child.name}"
        if child.is_dir():
            _walk(child, name + "/", out)
        elif child.is_file() and not child.name.startswith("."):
            out[name] = child


def static_files() -> dict[str, Traversable]:
    """Every file of the package's static assets, by its path under ``static/``."""
    out: dict[str, Traversable] = {}
    _walk(resources.files("drillsim.report").joinpath("static"), "", out)
    return out


def _is_safe(raw_path: str) -> bool:
    """False for traversal attempts: ``..`` or ``.`` segments (after decoding), backslashes, ``//``, NUL."""
    decoded = unquote(unquote(raw_path))
    if not decoded.startswith("/") or "\\" in decoded or "\x00" in decoded or "//" in decoded:
        return False
    return all(seg not in ("..", ".") for seg in decoded.split("/")[1:])


class ReplayServer:
    """Serves the viewer for one result directory on 127.0.0.1; ``port=0`` picks a free port."""

    def __init__(self, result_dir: str | Path, *, port: int = 0) -> None:
        self.result: Result = load_result(result_dir)
        self._static = static_files()
        self._cache: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()
        handler = _handler_for(self)
        try:
            self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError as exc:
            reason = exc.strerror or exc
            raise UserError(f"cannot serve on 127.0.0.1:{port}: {reason}; try --port 0.") from None
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The viewer's address."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> str:
        """Serve in a background thread; returns the URL."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="drillsim-view", daemon=True)
        self._thread.start()
        return self.url

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self.httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ------------------------------------------------------------------------------------ content

    def _cached(self, key: str, make: Callable[[], tuple[bytes, str]]) -> tuple[bytes, str]:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            return self._cache[key]

    def content(self, raw_path: str) -> tuple[HTTPStatus, bytes, str]:
        """Status, body and content type for a request path (with its query)."""
        if not _is_safe(urlsplit(raw_path).path):
            return HTTPStatus.BAD_REQUEST, b"bad path\n", "text/plain"
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        query = parse_qs(parts.query)
        if path in ("/", "/index.html"):
            path = "/static/index.html"
        if path.startswith("/static/"):
            file = self._static.get(path[len("/static/") :])
            if file is None:
                return HTTPStatus.NOT_FOUND, b"not found\n", "text/plain"
            suffix = Path(file.name).suffix
            ctype = _TYPES.get(suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            return HTTPStatus.OK, file.read_bytes(), ctype
        result = self.result
        if path == "/api/meta.json":
            return HTTPStatus.OK, *self._cached(path, lambda: _json(_meta(result)))
        if path == "/api/layers.json":
            return HTTPStatus.OK, *self._cached(path, lambda: _json(map_layers(result)))
        if path == "/api/elevation.png":
            png = self._cached(path, lambda: (elevation_png(result) or b"", "image/png"))
            if not png[0]:
                return HTTPStatus.NOT_FOUND, b"no elevation\n", "text/plain"
            return HTTPStatus.OK, *png
        if path == "/api/ensemble.json":
            return HTTPStatus.OK, *self._cached(path, lambda: _json(ensemble_data(result)))
        if path == "/api/choose.json":
            measure = query.get("measure", [""])[0]
            pick = query.get("pick", ["median"])[0]
            better = query.get("better", ["higher"])[0]
            if pick not in ("median", "best", "worst") or measure not in result.measures():
                return HTTPStatus.NOT_FOUND, b"unknown measure or pick\n", "text/plain"
            rep = choose_replication(result, measure, pick, higher_is_better=better != "lower")
            return (HTTPStatus.OK, *_json({"replication": rep, "measure": measure, "pick": pick}))
        match = _REPLAY_PATH.match(path)
        if match:
            rep = int(match.group(1))
            if rep not in result.replications:
                return HTTPStatus.NOT_FOUND, b"no such replication\n", "text/plain"
            return HTTPStatus.OK, *self._cached(path, lambda: _json(replay_data(result, rep)))
        return HTTPStatus.NOT_FOUND, b"not found\n", "text/plain"


def _json(data: Any) -> tuple[bytes, str]:
    return json.dumps(data, separators=(",", ":"), allow_nan=False).encode("utf-8"), "application/json"


def _meta(result: Result) -> dict[str, Any]:
    h = result.header
    return {
        "title": h.get("title") or h["scenario"],
        "scenario": h["scenario"],
        "seed": h["seed"],
        "replications": result.replications,
        "ensemble": result.is_ensemble,
        "measures": sorted(result.measures()),
        "measure_kinds": h.get("measures", {}),
        "sides": {name: side.get("name") or name for name, side in h["sides"].items()},
        "elevation": map_layers(result)["elevation"] is not None,
    }


def _handler_for(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "drillsim-view"
        sys_version = ""

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, *, send_body: bool) -> None:
            status, body, ctype = server.content(self.path)
            self.send_response(status)
            self.send_header("Content-Type", ctype + ("; charset=utf-8" if ctype.startswith("text") else ""))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'",
            )
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


def view(
    result_dir: str | Path,
    *,
    port: int = 0,
    open_browser: bool = True,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the viewer for a result directory on 127.0.0.1 until interrupted; ``port=0`` picks a free
    one. ``announce`` receives the URL before serving starts; the browser opens it unless told not to."""
    server = ReplayServer(result_dir, port=port)
    announce(server.url)
    if open_browser:
        import webbrowser

        threading.Timer(0.3, webbrowser.open, args=(server.url,)).start()
    try:
        server.serve_forever()
    finally:
        server.httpd.server_close()
