"""The dashboard's HTTP server: stdlib ThreadingHTTPServer, GET and HEAD only, pages and a JSON API.

Routes
- pages:  /  /ingestion  /warehouse  /sync  /alarms  /docs  /docs/<name>
- API:    /api/overview  /api/ingestion  /api/warehouse  /api/sync  /api/alarms  /api/docs  /api/docs/<name>
          /api/health   (unknown /api/... paths answer 404 JSON)
- assets: /static/style.css  /static/refresh.js
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from tapestry.dashboard.access import WarehouseOpener
from tapestry.dashboard.auth import Guard
from tapestry.dashboard.cloud import CloudContext, cloud_context, cloud_warehouse_opener
from tapestry.dashboard.data import DashboardData
from tapestry.dashboard.docs import find_doc, render_doc
from tapestry.dashboard.pages import Pages

STATIC = Path(__file__).resolve().parent / "static"
CONTENT_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
# Everything is served by this process; nothing may load from elsewhere (offline machines, no tracking).
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)
UNAUTHORIZED_TEXT = (
    "This dashboard needs its token: open the URL printed by `tapestry dashboard` (it carries ?token=...), "
    "or send `Authorization: Bearer <token>`."
)


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(payload: Any, status: int = 200) -> Response:
    body = json.dumps(payload, indent=2, default=str, ensure_ascii=False).encode("utf-8")
    return Response(status, body, "application/json; charset=utf-8")


def html_response(text: str, status: int = 200) -> Response:
    return Response(status, text.encode("utf-8"), "text/html; charset=utf-8")


class DashboardApp:
    """Turns a request (method, path, headers) into a Response. No I/O besides reading."""

    def __init__(self, data: DashboardData, guard: Guard, pages: Pages | None = None) -> None:
        self.data = data
        self.guard = guard
        self.pages = pages or Pages()
        self.static = {p.name: p for p in STATIC.iterdir() if p.suffix in CONTENT_TYPES}
        sections: dict[str, Callable[[], dict[str, Any]]] = {
            "overview": data.overview,
            "ingestion": data.ingestion,
            "warehouse": data.warehouse,
            "sync": data.sync,
            "alarms": data.alarms,
        }
        self.api: dict[str, Callable[[], dict[str, Any]]] = {
            **{f"/api/{name}": read for name, read in sections.items()},
            "/api/docs": data.docs,
            "/api/health": data.health,
        }
        self.html: dict[str, Callable[[], str]] = {
            "/": lambda: self.pages.overview(data.overview()),
            "/ingestion": lambda: self.pages.ingestion(data.ingestion()),
            "/warehouse": lambda: self.pages.warehouse(data.warehouse()),
            "/sync": lambda: self.pages.sync(data.sync()),
            "/alarms": lambda: self.pages.alarms(data.alarms()),
        }

    def handle(self, method: str, target: str, headers: Any) -> Response:
        url = urlsplit(target)
        path = url.path.rstrip("/") or "/"
        query = parse_qsl(url.query, keep_blank_values=True)
        token = next((value for key, value in query if key == "token"), None)
        is_api = path == "/api" or path.startswith("/api/")
        if method not in {"GET", "HEAD"}:
            response = self._error(is_api, 405, "Method not allowed", "The dashboard is read-only: GET only.")
            response.headers.append(("Allow", "GET, HEAD"))
            return response
        verdict = self.guard.check(headers.get("Host"), headers.get("Authorization"), headers.get("Cookie"), token)
        if verdict == "bad_host":
            return self._error(is_api, 403, "Forbidden", "Unexpected Host header: open the dashboard on 127.0.0.1.")
        if verdict == "unauthorized":
            response = self._error(is_api, 401, "Token required", UNAUTHORIZED_TEXT)
            response.headers.append(("WWW-Authenticate", 'Bearer realm="tapestry-dashboard"'))
            return response
        if verdict == "ok_set_cookie" and not is_api:
            # Drop the token from the address bar (and history) once the cookie holds it.
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            response = Response(
                303, b"", "text/plain; charset=utf-8", [("Location", path + (f"?{rest}" if rest else ""))]
            )
        else:
            response = self._route(path, is_api)
        if verdict == "ok_set_cookie":
            response.headers.append(("Set-Cookie", self.guard.cookie_header()))
        return response

    def _route(self, path: str, is_api: bool) -> Response:
        try:
            if is_api:
                return self._api(path)
            if path in self.html:
                return html_response(self.html[path]())
            if path == "/docs" or path.startswith("/docs/"):
                return self._doc_page(path.removeprefix("/docs").strip("/"))
            if path.startswith("/static/"):
                return self._static(path.removeprefix("/static/"))
            if path == "/favicon.ico":
                return Response(204, b"", "image/x-icon")
            return self._error(False, 404, "Not found", f"No page at {path}.")
        except Exception as exc:  # last resort: one line on the terminal, a plain 500 to the browser
            print(f"dashboard: {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return self._error(is_api, 500, "Internal error", "The dashboard failed to render this page.")

    def _api(self, path: str) -> Response:
        if path in self.api:
            return json_response(self.api[path]())
        if path.startswith("/api/docs/"):
            doc = find_doc(path.removeprefix("/api/docs/"))
            if doc is not None:
                return json_response({**doc.as_dict(), "html": render_doc(doc)})
        return json_response({"error": "not found", "path": path}, 404)

    def _doc_page(self, name: str) -> Response:
        header = self.data.header()
        listing = self.data.docs()
        if not name:
            return html_response(self.pages.docs_index(listing, header))
        doc = find_doc(name)
        if doc is None:
            return self._error(False, 404, "Not found", f"No document named {name}.")
        return html_response(self.pages.doc(listing, header, doc.as_dict(), render_doc(doc)))

    def _static(self, name: str) -> Response:
        asset = self.static.get(name)  # only the files shipped in static/, so no path tricks
        if asset is None:
            return self._error(False, 404, "Not found", "No such asset.")
        return Response(200, asset.read_bytes(), CONTENT_TYPES[asset.suffix])

    def _error(self, is_api: bool, status: int, title: str, message: str) -> Response:
        if is_api:
            return json_response({"error": title.lower(), "message": message}, status)
        return html_response(self.pages.error(status, title, message), status)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections do not hold a thread forever
    server_version = "tapestry-dashboard"
    sys_version = ""

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    # Read-only: every other method gets a 405 from the app.
    def do_POST(self) -> None:
        self._respond(head=False)

    def do_PUT(self) -> None:
        self._respond(head=False)

    def do_PATCH(self) -> None:
        self._respond(head=False)

    def do_DELETE(self) -> None:
        self._respond(head=False)

    def do_OPTIONS(self) -> None:
        self._respond(head=False)

    def _respond(self, head: bool) -> None:
        response = self.server.app.handle(self.command, self.path, self.headers)
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if self._has_body():
            # The dashboard never reads a request body: on a kept-alive connection its bytes would be parsed
            # as the next request. Close the connection instead.
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if not head:
            self.wfile.write(response.body)

    def _has_body(self) -> bool:
        length = self.headers.get("Content-Length")
        return bool(self.headers.get("Transfer-Encoding")) or (length is not None and length.strip() not in {"", "0"})

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # A malformed request line leaves http.server in HTTP/0.9 mode, which answers without any header;
        # answer as HTTP/1.0 instead, so the security headers go out with it too.
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        self.close_connection = True
        super().send_error(code, message, explain)

    def end_headers(self) -> None:
        """Every answer carries the security headers, also the ones http.server writes itself (400, 501...)."""
        for name, value in SECURITY_HEADERS:
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: auto-refresh would fill the terminal; failures are printed by the app."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], app: DashboardApp) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.app = app
        super().__init__(address, _Handler)


class DashboardServer:
    """A bound dashboard: `serve_forever()` in the foreground (CLI) or `start()` in a thread (tests)."""

    def __init__(self, app: DashboardApp, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self._httpd = _HTTPServer((host, port), app)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """An address to open on this machine (a wildcard bind is reachable on loopback)."""
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/"

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.25)

    def start(self) -> DashboardServer:
        self._thread = threading.Thread(target=self.serve_forever, name="tapestry-dashboard", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def build_dashboard(
    project_dir: Path,
    host: str = "127.0.0.1",
    port: int = 7777,
    token: str | None = None,
    cloud: CloudContext | Literal["auto"] | None = "auto",
    refresh_s: int = 30,
    warehouse_opener: WarehouseOpener | None = None,
) -> DashboardServer:
    """Open the project read-only and bind the server.

    `cloud="auto"` derives the cloud panels' context from the project. `warehouse_opener` returns a read-only
    connection (raising WarehouseError when busy); default: the local target's DuckDB file, read-only.
    """
    from tapestry.dashboard.access import ProjectView

    if warehouse_opener is None:
        from tapestry.phases.context import ProjectContext

        warehouse_opener = cloud_warehouse_opener(ProjectContext.open(project_dir))
    view = ProjectView(project_dir, warehouse_opener)
    context = cloud_context(view.context) if isinstance(cloud, str) else cloud
    data = DashboardData(view, context)
    app = DashboardApp(data, Guard(token), Pages(refresh_s=refresh_s))
    return DashboardServer(app, host, port)
