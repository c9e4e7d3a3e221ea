"""Shared HTTP plumbing for the fakes: the server and the base fake of all four (Airbyte, Mailchimp, Zoom,
Salesforce).

:class:`FakeService` is a real HTTP/1.1 server (stdlib ``ThreadingHTTPServer``, keep-alive, daemon
threads) bound to 127.0.0.1 on an ephemeral port, with the machinery every fake needs:

* lifecycle: ``start()`` / ``stop()`` / context manager, ``port``, ``root_url``;
* fault knobs read on every request and settable at runtime: ``latency_ms``, ``rate_429``,
  ``retry_after``, ``rate_500``, ``drop_rate``, ``seed`` (a seeded RNG makes fractions reproducible)
  and ``fail_next(kind, times)`` for deterministic faults (``"after_apply_500"`` /
  ``"after_apply_drop"`` apply the request, then fail — a lost acknowledgement);
* counters (``request_count``, ``requests_by_route``, ``responses_by_status``, ``faults_injected``,
  ``connection_count``) and a ``request_log`` with ``Authorization`` removed and secrets masked in
  query strings, JSON bodies and form bodies;
* admin endpoints under ``/_fake/`` (no auth, not counted) so a fake started as a subprocess can be
  driven: ``GET stats``, ``GET|POST config``, ``POST reset``, ``POST fail-next {"kind","times"}``,
  ``POST expire-tokens`` plus per-fake extras;
* :func:`run_cli`: serve until SIGTERM/SIGINT after printing one JSON "ready" line.

A subclass implements ``_route`` (method + path -> route template), ``_handle`` (a
:class:`Request` -> reply) and ``_fault_reply`` (the service's own error shape for a fault kind).
Replies are ``(status, headers, body)``; ``None`` means "drop the connection without answering".

Stdlib only.
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import json
import os
import random
import signal
import socket
import sys
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import TracebackType
from typing import Any, ClassVar, Final, Protocol, Self, cast
from urllib.parse import parse_qsl

__all__ = [
    "BASE_FAULTS",
    "MASK",
    "FakeHttpServer",
    "FakeService",
    "HttpFake",
    "Reply",
    "Request",
    "add_common_args",
    "common_kwargs",
    "empty_reply",
    "html_reply",
    "http_date",
    "iso_duration",
    "iso_utc",
    "json_reply",
    "mask_secrets",
    "run_cli",
    "text_reply",
]

#: What real services (and these fakes) put in place of a secret.
MASK: Final = "**********"

#: Keys masked in the request log (case-insensitive), at any depth of a JSON/form body or query.
DEFAULT_SECRET_KEYS: Final = frozenset(
    {
        "client_secret",
        "refresh_token",
        "access_token",
        "private_key",
        "private_key_password",
        "password",
        "api_key",
        "token",
    }
)

#: Fault kinds every fake understands (subclasses may add more).
BASE_FAULTS: Final = frozenset(
    {"401", "403", "429", "500", "502", "503", "504", "drop", "after_apply_500", "after_apply_drop"}
)
AFTER_APPLY_FAULTS: Final = frozenset({"after_apply_500", "after_apply_drop"})

ADMIN_PREFIX: Final = "/_fake/"
UNKNOWN_ROUTE: Final = "<unknown>"

# (status, headers, body); ``None`` instead of a reply means "close the socket, send nothing".
Reply = tuple[int, list[tuple[str, str]], bytes]

_HTML_REASONS: Final = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def json_reply(
    status: int,
    payload: Any,
    content_type: str = "application/json",
    headers: Iterable[tuple[str, str]] = (),
) -> Reply:
    hdrs = [("Content-Type", content_type), *headers]
    return status, hdrs, dumps(payload).encode("utf-8")


def text_reply(status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> Reply:
    return status, [("Content-Type", content_type)], text.encode("utf-8")


def empty_reply(status: int = 204, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    return status, list(headers), b""


def html_reply(status: int, server: str = "nginx") -> Reply:
    """The bare HTML error page a reverse proxy / load balancer sends (not the API's JSON)."""
    reason = _HTML_REASONS.get(status, "Error")
    body = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>{server}</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return status, [("Content-Type", "text/html")], body.encode("ascii")


def http_date(ts: float | None = None) -> str:
    return email.utils.formatdate(time.time() if ts is None else ts, usegmt=True)


def iso_utc(ts: float, *, millis: bool = False, offset: str = "Z") -> str:
    """``2026-01-05T10:00:00Z`` (``millis``: ``.000``; ``offset``: ``Z`` or e.g. ``+0000``)."""
    whole = int(ts)
    out = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    if millis:
        out += f".{round((ts - whole) * 1000) % 1000:03d}"
    return out + offset


def iso_duration(seconds: float) -> str:
    """ISO-8601 duration the way ``java.time.Duration.toString()`` writes it: ``PT0S``, ``PT1M2S``,
    ``PT1H5S``."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs or out == "PT":
        out += f"{secs}S"
    return out


def mask_secrets(obj: Any, keys: frozenset[str] = DEFAULT_SECRET_KEYS) -> Any:
    """A copy of ``obj`` with the values of secret-named keys replaced by :data:`MASK`."""
    if isinstance(obj, dict):
        return {
            k: (MASK if isinstance(k, str) and k.lower() in keys and v not in (None, "") else mask_secrets(v, keys))
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [mask_secrets(v, keys) for v in obj]
    return obj


class Request:
    """One HTTP request as seen by a fake's handler."""

    __slots__ = (
        "_json",
        "_json_done",
        "arrival",
        "body",
        "headers",
        "method",
        "params",
        "path",
        "query",
        "query_items",
        "route",
    )

    def __init__(
        self,
        method: str,
        path: str,
        query_items: list[tuple[str, str]],
        headers: Message,
        body: bytes,
        route: str,
        params: dict[str, str],
    ) -> None:
        self.method = method
        self.path = path
        self.query_items = query_items
        self.query: dict[str, str] = {}
        for k, v in query_items:
            self.query.setdefault(k, v)
        self.headers = headers
        self.body = body
        self.route = route
        self.params = params
        #: Requests in flight when this one arrived, itself included (a service's connection limit).
        self.arrival = 0
        self._json: Any = None
        self._json_done = False

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def values(self, name: str) -> list[str]:
        """Every value of a query parameter, repeated (``a=1&a=2``) or comma-separated (``a=1,2``)."""
        out: list[str] = []
        for k, v in self.query_items:
            if k == name:
                out.extend(p.strip() for p in v.split(",") if p.strip())
        return out

    def json(self) -> Any:
        """The JSON body (``None`` when empty). Raises ``ValueError`` for malformed JSON."""
        if not self._json_done:
            text = self.body.decode("utf-8") if self.body.strip() else ""
            self._json = json.loads(text) if text else None
            self._json_done = True
        return self._json

    def form(self) -> dict[str, str]:
        """An ``application/x-www-form-urlencoded`` body (first value of each key)."""
        out: dict[str, str] = {}
        for k, v in parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True):
            out.setdefault(k, v)
        return out


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class HttpFake(Protocol):
    """What the server needs from a fake: it counts connections and answers each request."""

    server_header: ClassVar[str | None]

    def _connection_opened(self, conn: socket.socket) -> None: ...

    def _connection_closed(self, conn: socket.socket) -> None: ...

    def _handle_http(self, method: str, target: str, headers: Message, body: bytes) -> Reply | None: ...


class FakeHttpServer(ThreadingHTTPServer):
    """Keep-alive HTTP/1.1 on daemon threads; a reply of None drops the connection (a simulated fault)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], fake: HttpFake) -> None:
        self.fake = fake
        super().__init__(address, _RequestHandler)

    def server_bind(self) -> None:
        # Skip HTTPServer.server_bind's socket.getfqdn() (slow reverse DNS in sandboxes).
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):  # client went away / reset / timed out
            return
        super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    @property
    def fake(self) -> HttpFake:
        return cast(FakeHttpServer, self.server).fake

    def setup(self) -> None:
        super().setup()
        self.fake._connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.fake._connection_closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._write(html_reply(400), head=False)
            return
        reply = self.fake._handle_http(self.command, self.path, self.headers, body)
        if reply is None:  # simulated drop: no status line, just close the socket
            self.close_connection = True
            return
        self._write(reply, head=self.command == "HEAD")

    def _write(self, reply: Reply, *, head: bool) -> None:
        status, headers, payload = reply
        phrase = self.responses.get(status, ("",))[0]
        lines = [f"HTTP/1.1 {status} {phrase}", f"Date: {http_date()}"]
        server = self.fake.server_header
        if server:
            lines.append(f"Server: {server}")
        lines.extend(f"{k}: {v}" for k, v in headers)
        if status not in {204, 304}:
            lines.append(f"Content-Length: {len(payload)}")
        lines.append("Connection: close" if self.close_connection else "Connection: keep-alive")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if not head and status not in (204, 304):
            data += payload
        self.wfile.write(data)


# --------------------------------------------------------------------------------------------
# The base fake
# --------------------------------------------------------------------------------------------


class FakeService:
    """Base class of the local fakes. See the module docstring."""

    #: Used in thread names and error messages.
    service_name: ClassVar[str] = "fake"
    #: ``Server`` response header (``None``: omitted).
    server_header: ClassVar[str | None] = None
    #: Keys masked in the request log.
    secret_keys: ClassVar[frozenset[str]] = DEFAULT_SECRET_KEYS
    #: Kinds accepted by :meth:`fail_next`.
    fault_kinds: ClassVar[frozenset[str]] = BASE_FAULTS
    #: Knob attributes accepted by :meth:`configure` (``seed`` is handled separately).
    knobs: ClassVar[tuple[str, ...]] = (
        "latency_ms",
        "rate_429",
        "retry_after",
        "rate_500",
        "drop_rate",
        "log_requests",
    )

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0.0,
        rate_429: float = 0.0,
        retry_after: float | None = None,
        rate_500: float = 0.0,
        drop_rate: float = 0.0,
        seed: int | None = None,
        log_requests: bool = True,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if "server" in host.lower():
            raise ValueError("host names containing 'server' break some SDKs; use 127.0.0.1")
        # Knobs: plain attributes, read on every request, safe to change at runtime.
        self.latency_ms = latency_ms
        self.rate_429 = rate_429
        self.retry_after = retry_after
        self.rate_500 = rate_500
        self.drop_rate = drop_rate
        self.log_requests = log_requests
        #: Wall-clock source (seconds since the epoch) for token expiry and timestamps.
        self.clock: Callable[[], float] = clock or time.time

        self._host = host
        self._requested_port = port
        self._lock = threading.RLock()  # the fake's own state
        self._stats_lock = threading.Lock()
        self._rng_lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._forced: deque[str] = deque()
        self._conns: set[socket.socket] = set()
        self._server: FakeHttpServer | None = None
        self._serve_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._reset_stats()

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError(f"{type(self).__name__} already started")
        self._server = FakeHttpServer((self._host, self._requested_port), self)
        self._serve_thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"fake-{self.service_name}-http",
            daemon=True,
        )
        self._serve_thread.start()
        return self

    def stop(self) -> None:
        server = self._server
        if server is None or self._stopping.is_set():
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._stats_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._serve_thread is not None:
            self._serve_thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no path)."""
        return f"http://{self._host}:{self.port}"

    # ---------------------------------------------------------------- knobs
    @property
    def seed(self) -> int | None:
        return self._seed

    @seed.setter
    def seed(self, value: int | None) -> None:
        with self._rng_lock:
            self._seed = value
            self._rng = random.Random(value)

    def configure(self, **knobs: Any) -> None:
        """Set several knobs at once (names in ``knobs`` plus ``seed``)."""
        for name in knobs:
            if name != "seed" and name not in self.knobs:
                raise TypeError(f"unknown knob {name!r}")
        for name, value in knobs.items():
            if name == "seed":
                self.seed = value
            else:
                setattr(self, name, value)

    def config(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.knobs}
        out["seed"] = self._seed
        return out

    def fail_next(self, kind: str | int, times: int = 1) -> None:
        """Queue deterministic faults for the next requests (FIFO). ``kind``: one of
        ``fault_kinds``, e.g. 401, 403, 429, 500, 502, 503, 504, "drop", "after_apply_500",
        "after_apply_drop"."""
        k = str(kind)
        if k not in self.fault_kinds:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(self.fault_kinds)}")
        with self._rng_lock:
            self._forced.extend([k] * times)

    def reset(self) -> None:
        """Restore the fake's data (see the subclass), drop counters, the request log and queued
        faults; keep knobs and credentials. Re-seeds the fault RNG."""
        with self._lock:
            self._reset_state()
        with self._rng_lock:
            self._forced.clear()
            self._rng = random.Random(self._seed)
        self._reset_stats()

    def expire_tokens(self) -> None:
        """Make every access token issued so far invalid (expired). Subclasses implement it."""

    # ---------------------------------------------------------------- counters
    def _reset_stats(self) -> None:
        with self._stats_lock:
            self._request_count = 0
            self._by_route: Counter[str] = Counter()
            self._by_status: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._connection_count = 0
            self._in_flight = 0
            self._max_in_flight = 0
            self._log: list[dict[str, Any]] = []

    @property
    def request_count(self) -> int:
        """HTTP requests served (admin endpoints not included)."""
        return self._request_count

    @property
    def requests_by_route(self) -> Counter[str]:
        """Copy; keys like ``"GET /sources/{sourceId}"`` (unknown paths: ``"GET <unknown>"``)."""
        with self._stats_lock:
            return Counter(self._by_route)

    @property
    def responses_by_status(self) -> Counter[str]:
        """Copy; keys are status codes as strings, plus ``"drop"``."""
        with self._stats_lock:
            return Counter(self._by_status)

    @property
    def faults_injected(self) -> Counter[str]:
        """Copy; keys are fault kinds."""
        with self._stats_lock:
            return Counter(self._faults)

    @property
    def connection_count(self) -> int:
        """TCP connections accepted so far (keep-alive reuse keeps this low)."""
        return self._connection_count

    @property
    def max_in_flight_seen(self) -> int:
        return self._max_in_flight

    @property
    def request_log(self) -> list[dict[str, Any]]:
        """Copy of logged requests: ``{method, path, query, headers (no Authorization), body
        (parsed JSON / form dict / text, secrets masked), status (None if dropped), route}``."""
        with self._stats_lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        with self._stats_lock:
            self._log.clear()

    def stats(self) -> dict[str, Any]:
        with self._stats_lock:
            out: dict[str, Any] = {
                "request_count": self._request_count,
                "requests_by_route": dict(self._by_route),
                "responses_by_status": dict(self._by_status),
                "faults_injected": dict(self._faults),
                "connection_count": self._connection_count,
                "max_in_flight_seen": self._max_in_flight,
            }
        with self._lock:
            out.update(self._stats_extra())
        return out

    # ---------------------------------------------------------------- subclass hooks
    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        """Route template (e.g. ``/sources/{sourceId}``) and path parameters, or
        (:data:`UNKNOWN_ROUTE`, {})."""
        raise NotImplementedError

    def _handle(self, req: Request) -> Reply | None:
        raise NotImplementedError

    def _fault_reply(self, kind: str, req: Request) -> Reply:
        """The reply for an injected fault (never called for ``drop``)."""
        raise NotImplementedError

    def _internal_error(self, req: Request) -> Reply:
        return self._fault_reply("500", req)

    def _fault_exempt(self, req: Request) -> bool:
        return False

    def _reset_state(self) -> None:
        return

    def _stats_extra(self) -> dict[str, Any]:
        return {}

    def _admin_extra(self, name: str, method: str, data: Any) -> Reply | None:
        return None

    def _retry_after_headers(self) -> list[tuple[str, str]]:
        return [] if self.retry_after is None else [("Retry-After", f"{self.retry_after:g}")]

    # ---------------------------------------------------------------- HTTP entry points
    def _connection_opened(self, conn: socket.socket) -> None:
        with self._stats_lock:
            self._conns.add(conn)
            self._connection_count += 1

    def _connection_closed(self, conn: socket.socket) -> None:
        with self._stats_lock:
            self._conns.discard(conn)

    def _handle_http(self, method: str, target: str, headers: Message, body: bytes) -> Reply | None:
        path, _, qs = target.partition("?")
        if path.startswith(ADMIN_PREFIX):
            return self._serve_admin(method, path, body)
        query_items = parse_qsl(qs, keep_blank_values=True) if qs else []
        template, params = self._route(method, path)
        route_key = f"{method} {template}"
        req = Request(method, path, query_items, headers, body, template, params)
        with self._stats_lock:
            self._request_count += 1
            self._by_route[route_key] += 1
            self._in_flight += 1
            req.arrival = self._in_flight
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        reply: Reply | None = None
        try:
            reply = self._serve_api(req)
        except Exception:
            traceback.print_exc()
            reply = self._internal_error(req)
        finally:
            with self._stats_lock:
                self._in_flight -= 1
                self._by_status["drop" if reply is None else str(reply[0])] += 1
        if self.log_requests:
            self._log_request(req, reply, route_key)
        return reply

    def _serve_api(self, req: Request) -> Reply | None:
        if self.latency_ms > 0:
            self._stopping.wait(self.latency_ms / 1000.0)
        exempt = self._fault_exempt(req)
        if not exempt:
            fault = self._pick_fault()
            if fault is not None:
                self._count_fault(fault)
                return None if fault == "drop" else self._fault_reply(fault, req)
        reply = self._handle(req)
        if not exempt:
            after = self._pick_after_apply()
            if after is not None:
                self._count_fault(after)
                return None if after == "after_apply_drop" else self._fault_reply("500", req)
        return reply

    def _log_request(self, req: Request, reply: Reply | None, route: str) -> None:
        parsed: Any = None
        if req.body:
            text = req.body.decode("utf-8", "replace")
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = (
                    dict(parse_qsl(text, keep_blank_values=True)) if req.content_type.endswith("urlencoded") else text
                )
            parsed = mask_secrets(parsed, self.secret_keys)
        entry = {
            "method": req.method,
            "path": req.path,
            "query": mask_secrets(dict(req.query), self.secret_keys),
            "headers": {k: v for k, v in req.headers.items() if k.lower() != "authorization"},
            "body": parsed,
            "status": None if reply is None else reply[0],
            "route": route,
        }
        with self._stats_lock:
            self._log.append(entry)

    # ---------------------------------------------------------------- faults
    def _count_fault(self, kind: str) -> None:
        with self._stats_lock:
            self._faults[kind] += 1

    def _pick_fault(self) -> str | None:
        with self._rng_lock:
            if self._forced and self._forced[0] not in AFTER_APPLY_FAULTS:
                return self._forced.popleft()
            r429, r500, rdrop = self.rate_429, self.rate_500, self.drop_rate
            if r429 <= 0 and r500 <= 0 and rdrop <= 0:
                return None
            x = self._rng.random()
            if x < r429:
                return "429"
            x -= r429
            if x < r500:
                return "500"
            x -= r500
            if x < rdrop:
                return "drop"
            return None

    def _pick_after_apply(self) -> str | None:
        with self._rng_lock:
            if self._forced and self._forced[0] in AFTER_APPLY_FAULTS:
                return self._forced.popleft()
            return None

    # ---------------------------------------------------------------- admin
    def _serve_admin(self, method: str, path: str, body: bytes) -> Reply:
        name = path[len(ADMIN_PREFIX) :].strip("/")
        try:
            data: Any = json.loads(body) if body.strip() else {}
            if method == "GET" and name == "stats":
                return json_reply(200, self.stats())
            if method == "GET" and name == "config":
                return json_reply(200, self.config())
            if method == "POST" and name == "config":
                self.configure(**data)
                return json_reply(200, self.config())
            if method == "POST" and name == "reset":
                self.reset()
                return empty_reply()
            if method == "POST" and name == "fail-next":
                self.fail_next(data["kind"], int(data.get("times", 1)))
                return empty_reply()
            if method == "POST" and name == "expire-tokens":
                self.expire_tokens()
                return empty_reply()
            extra = self._admin_extra(name, method, data)
            if extra is not None:
                return extra
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            return json_reply(400, {"error": f"{type(e).__name__}: {e}"})
        return json_reply(404, {"error": f"no admin endpoint {method} {path}"})


# --------------------------------------------------------------------------------------------
# CLI helpers
# --------------------------------------------------------------------------------------------


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate-429", type=float, default=0.0)
    parser.add_argument("--retry-after", type=float, default=None)
    parser.add_argument("--rate-500", type=float, default=0.0)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--no-log-requests", action="store_true", help="do not keep an in-memory request log")


def common_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "latency_ms": args.latency_ms,
        "rate_429": args.rate_429,
        "rate_500": args.rate_500,
        "drop_rate": args.drop_rate,
        "seed": args.seed,
        "log_requests": not args.no_log_requests,
    }
    if args.retry_after is not None:
        out["retry_after"] = args.retry_after
    return out


def run_cli(fake: FakeService, ready: Callable[[], dict[str, Any]]) -> int:
    """Start ``fake``, print ``ready()`` (plus ``port``, ``pid``, ``admin_url``) as one JSON line,
    serve until SIGTERM/SIGINT, stop."""
    stop = threading.Event()

    def _on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    fake.start()
    line = {**ready(), "port": fake.port, "pid": os.getpid(), "admin_url": fake.root_url + ADMIN_PREFIX.rstrip("/")}
    print(json.dumps(line), flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        fake.stop()
    return 0
