"""The replay viewer's web server: the package's static assets and JSON from one result directory.

The server listens on 127.0.0.1 only. It answers exactly these paths and nothing else:

- ``/`` : the viewer page;
- ``/static/<file>`` : a file of the package's ``static`` folder (the set is listed once at start, so no
  path can reach outside it);
- ``/api/meta.json``, ``/api/layers.json``, ``/api/elevation.png``, ``/api/replay/<n>.json``,
  ``/api/ensemble.json``, ``/api/choose.json?measure=..&pick=..&better=..``: data derived from the result.

Paths with ``..`` segments (plain or percent-encoded), backslashes or empty segments are refused with 400.

What it guarantees under load or abuse: a fixed pool of :data:`WORKER_THREADS` threads answers requests;
connections wait in a selector (not in a thread) until their request arrives, and one that sends nothing
for :data:`IDLE_TIMEOUT_S` is closed, as is the oldest waiting one beyond :data:`MAX_WAITING`; the listen
backlog is :data:`BACKLOG`. Only GET and HEAD are answered (others: 405), with request lines and headers
of bounded size (414 / 431) and no request body (413). A Host header other than 127.0.0.1, localhost or
[::1] with the server's port is refused with 421 (a page of another site cannot reach the server by
rebinding its DNS name to 127.0.0.1). A client that goes away mid-answer is dropped quietly.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from drillsim.core.errors import UserError
from drillsim.report.ensemble import choose_replication, ensemble_json
from drillsim.report.layers import elevation_png, map_layers
from drillsim.report.results import Result, load_result
from drillsim.report.timeline import replay_data

__all__ = ["LoopbackServer", "ReplayServer", "static_files", "view"]

_REPLAY_PATH = re.compile(r"^/api/replay/(\d{1,9})\.json$")
WORKER_THREADS = 8
"""Threads that answer requests; connections waiting for their request hold none."""
IDLE_TIMEOUT_S = 10.0
"""A connection that sends no request within this time is closed."""
REQUEST_TIMEOUT_S = 10.0
"""Reading one request (line and headers) and writing its answer may take at most this long per step."""
MAX_WAITING = 512
"""Connections waiting for their request at most; beyond, the oldest is closed."""
BACKLOG = 128
"""The listen backlog: connections the kernel queues before they are accepted."""
KEPT_REPLAYS = 3
"""Replications whose replay data the server keeps ready (the most recently asked for)."""
MAX_REQUEST_LINE = 4096
MAX_HEADERS = 32
_QUIET = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)
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


class LoopbackServer:
    """A small HTTP server on 127.0.0.1: a selector waits on idle connections, a fixed pool answers.

    ``handler`` is a :class:`BaseHTTPRequestHandler` class; it sees one request per connection.
    """

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        self._handler = handler
        self.socket = socket.create_server(("127.0.0.1", port), backlog=BACKLOG)
        self.socket.setblocking(False)
        self.server_address: tuple[str, int] = self.socket.getsockname()[:2]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.socket, selectors.EVENT_READ, None)
        self._waiting: dict[socket.socket, float] = {}
        self._pool = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="drillsim-view")
        self._handed: set[socket.socket] = set()
        """Connections given to the pool and not yet answered (closed by :meth:`server_close` if never)."""
        self._handed_lock = threading.Lock()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    def serve_forever(self) -> None:
        """Accept and dispatch until :meth:`shutdown`."""
        self._stopped.clear()
        try:
            while not self._stop.is_set():
                for key, _ in self._selector.select(timeout=0.2):
                    if key.data is None:
                        self._accept()
                    else:
                        self._dispatch(key.fileobj)  # type: ignore[arg-type]
                self._expire(time.monotonic())
        finally:
            self._stopped.set()

    def _accept(self) -> None:
        for _ in range(64):
            try:
                conn, _addr = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # out of file descriptors, say: try again on the next round
                return
            conn.setblocking(True)
            self._waiting[conn] = time.monotonic()
            self._selector.register(conn, selectors.EVENT_READ, True)
            if len(self._waiting) > MAX_WAITING:
                self._drop(next(iter(self._waiting)))

    def _drop(self, conn: socket.socket) -> None:
        self._waiting.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(conn)
        conn.close()

    def _expire(self, now: float) -> None:
        for conn, since in list(self._waiting.items()):
            if now - since <= IDLE_TIMEOUT_S:
                break  # in arrival order: the rest are younger
            self._drop(conn)

    def _dispatch(self, conn: socket.socket) -> None:
        self._waiting.pop(conn, None)
        self._selector.unregister(conn)
        try:
            addr = conn.getpeername()
        except OSError:  # the client has already gone
            conn.close()
            return
        with self._handed_lock:
            self._handed.add(conn)
        try:
            self._pool.submit(self._answer, conn, addr)
        except RuntimeError:  # the pool is shutting down
            self._settle(conn)

    def _answer(self, conn: socket.socket, addr: Any) -> None:
        try:
            conn.settimeout(REQUEST_TIMEOUT_S)
            self._handler(conn, addr, self)  # type: ignore[arg-type]
        except (*_QUIET, OSError):
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            self._settle(conn)

    def _settle(self, conn: socket.socket) -> None:
        """Close a connection given to the pool (once: answered, refused, or never reached)."""
        with self._handed_lock:
            self._handed.discard(conn)
        conn.close()

    def threads(self) -> int:
        """Threads of the pool started so far (at most :data:`WORKER_THREADS`)."""
        return len(self._pool._threads)

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` and wait for it to return."""
        self._stop.set()
        self._stopped.wait(timeout=5)

    def server_close(self) -> None:
        """Close the listening socket, waiting connections and the pool."""
        self._stop.set()
        for conn in list(self._waiting):
            self._drop(conn)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(self.socket)
        self._selector.close()
        self.socket.close()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for conn in list(self._handed):  # queued when the pool shut down: never answered
            self._settle(conn)


class ReplayServer:
    """Serves the viewer for one result directory on 127.0.0.1; ``port=0`` picks a free port."""

    def __init__(self, result_dir: str | Path, *, port: int = 0) -> None:
        self.result: Result = load_result(result_dir)
        self._static = static_files()
        self._cache: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()
        handler = _handler_for(self)
        try:
            self.httpd = LoopbackServer(port, handler)
        except OSError as exc:
            reason = exc.strerror or exc
            raise UserError(f"cannot serve on 127.0.0.1:{port}: {reason}; try --port 0.") from None
        port_text = str(self.httpd.server_address[1])
        self.allowed_hosts = frozenset(f"{host}:{port_text}" for host in ("127.0.0.1", "localhost", "[::1]"))
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
        """The answer for ``key``, made once. Replays are kept for the :data:`KEPT_REPLAYS` last asked for
        (a result of many replications, browsed one by one, would otherwise hold them all)."""
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
                replays = [k for k in self._cache if k.startswith("/api/replay/")]
                for old in replays[: max(len(replays) - KEPT_REPLAYS, 0)]:
                    del self._cache[old]
            elif key.startswith("/api/replay/"):
                self._cache[key] = self._cache.pop(key)  # the most recently asked for comes last
            return self._cache[key]

    @property
    def kept_replays(self) -> list[int]:
        """Replications whose replay data is kept ready, the least recently asked for first."""
        with self._lock:
            return [int(m.group(1)) for k in self._cache if (m := _REPLAY_PATH.match(k))]

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
            return HTTPStatus.OK, *self._cached(path, lambda: (ensemble_json(result), "application/json"))
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
        "seed": str(h["seed"]),  # a string: JavaScript numbers lose the digits of a 64-bit seed
        "replications": result.replications,
        "ensemble": result.is_ensemble,
        "measures": sorted(result.measures()),
        "measure_kinds": h.get("measures", {}),
        "sides": {name: side.get("name") or name for name, side in h["sides"].items()},
        "elevation": map_layers(result)["elevation"] is not None,
    }


def _refusal(command: str, path: str, headers: Any, allowed: frozenset[str]) -> tuple[HTTPStatus, str] | None:
    """Why a parsed request is refused (status and reason), or None when it is answered."""
    if not path.startswith("/"):  # absolute-form or other targets: never another host
        return HTTPStatus.BAD_REQUEST, "bad path"
    if len(headers) > MAX_HEADERS:
        return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too many headers"
    if command not in ("GET", "HEAD"):
        return HTTPStatus.METHOD_NOT_ALLOWED, "only GET and HEAD"
    if headers.get("Content-Length", "0") not in ("", "0") or headers.get("Transfer-Encoding"):
        return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "no request body accepted"
    if (headers.get("Host") or "").lower() not in allowed:
        return HTTPStatus.MISDIRECTED_REQUEST, "unknown Host; open the URL drillsim printed"
    return None


def _handler_for(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "drillsim-view"
        sys_version = ""
        timeout = REQUEST_TIMEOUT_S

        def handle_one_request(self) -> None:
            """One request, with the size limits; any other method than GET and HEAD gets 405."""
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if len(self.raw_requestline) > MAX_REQUEST_LINE:
                self.requestline, self.request_version, self.command = "", "HTTP/1.0", ""
                self._refuse(HTTPStatus.REQUEST_URI_TOO_LONG, "request line too long")
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            refusal = _refusal(self.command, self.path, self.headers, server.allowed_hosts)
            if refusal is not None:
                self._refuse(*refusal, allow=refusal[0] == HTTPStatus.METHOD_NOT_ALLOWED)
            else:
                self._answer(send_body=self.command == "GET")
            self.wfile.flush()
            self.close_connection = True

        def _refuse(self, status: HTTPStatus, why: str, *, allow: bool = False) -> None:
            body = (why + "\n").encode("ascii")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            if allow:
                self.send_header("Allow", "GET, HEAD")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.close_connection = True

        def _answer(self, *, send_body: bool) -> None:
            status, body, ctype = server.content(self.path)
            self.send_response(status)
            self.send_header("Content-Type", ctype + ("; charset=utf-8" if ctype.startswith("text") else ""))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Connection", "close")
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
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
