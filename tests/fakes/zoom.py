"""Local fake of the Zoom API subset Tapestry reads: S2S OAuth + users, webinars, registrants.

A real HTTP/1.1 server (see ``_http.py``) bound to 127.0.0.1 serving both ``/oauth/token`` (what
``https://zoom.us`` serves) and ``/v2/...`` (``https://api.zoom.us/v2``) on one port
(reference §5 and §8.2):

* ``POST /oauth/token?grant_type=account_credentials&account_id=ACC`` with
  ``Authorization: Basic b64(client_id:client_secret)`` (parameters may also come in a form body)
  -> ``{"access_token","token_type":"bearer","expires_in":3599,"scope","api_url"}``. No refresh
  token. Bad client credentials -> **400** ``{"reason":"Invalid client_id or client_secret",
  "error":"invalid_client"}`` (what Zoom answered in public reports, e.g. 2023 ``zoom-laravel#3``;
  some clients have seen 401 — knob ``invalid_client_status``); wrong grant ->
  ``{"reason":"unsupported grant type","error":"unsupported_grant_type"}``; bad ``account_id`` ->
  400 ``invalid_request`` (message approximated).
* ``GET /v2/users`` (``page_size`` default 30, max ``max_page_size`` = 300, ``next_page_token``,
  legacy ``page_number``), ``GET /v2/users/{userId|me}``,
  ``GET /v2/users/{userId|me}/webinars?type=scheduled|upcoming``, ``GET /v2/webinars/{id}``,
  ``GET /v2/webinars/{id}/registrants?status=approved|pending|denied`` (status defaults to
  **approved**, like Zoom). ``next_page_token`` is ``""`` on the last page and expires after
  ``page_token_ttl_seconds`` (900) -> 400 code 300.
* Errors ``{"code","message"}``: 124 invalid/expired token (401), 1001 user not found (404), 3001
  webinar not found (404), 4711 missing scopes (403), 300 validation (400), 429 with
  ``X-RateLimit-Category`` (``Light``/``Medium``), ``X-RateLimit-Type`` (``QPS`` or
  ``Daily-limit``) and ``Retry-After`` (seconds for QPS; an ISO-8601 UTC instant — next midnight —
  for the daily limit, as in Zoom's docs). ``daily_limit=N`` makes the (N+1)th ``/v2`` call 429.

Data is generated from ``data_seed`` (deterministic): ``users`` hosts (the first is ``me``), each
with ``webinars_per_user`` upcoming webinars of ``registrants_per_webinar`` registrants.
Registrant emails have **mixed case**, and about ``duplicate_rate`` of registrants are people also
registered to another webinar (often with a different email casing); ~80% approved, the rest
pending/denied. ``add_registrant(...)``, ``add_webinar(...)``, ``add_user(...)`` add more.

In-process::

    with FakeZoom(registrants_per_webinar=5) as fake:
        tok = requests.post(fake.token_url, params={"grant_type": "account_credentials",
              "account_id": fake.account_id}, auth=(fake.client_id, fake.client_secret)).json()

As a process: ``python tests/fakes/zoom.py --port 0`` prints one JSON line (``base_url``,
``token_url``, ``account_id``, ``client_id``, ``client_secret``, ...) when ready.

Stdlib only.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import copy
import math
import random
import secrets
import string
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

if not __package__:  # executed as a script: make the sibling ``_http`` importable (PEP 366)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "fakes"

from ._http import (
    BASE_FAULTS,
    UNKNOWN_ROUTE,
    FakeService,
    Reply,
    Request,
    add_common_args,
    common_kwargs,
    html_reply,
    iso_utc,
    json_reply,
    run_cli,
)

__all__ = ["DEFAULT_SCOPES", "FakeZoom", "ZoomError", "main"]

DEFAULT_SCOPES: Final = ("user:read:admin", "webinar:read:admin")
REGISTRANT_STATUSES: Final = ("approved", "pending", "denied")
WEBINAR_TYPES: Final = ("scheduled", "upcoming")
DEFAULT_PAGE_SIZE: Final = 30

R_TOKEN: Final = "/oauth/token"
R_USERS: Final = "/v2/users"
R_USER: Final = "/v2/users/{userId}"
R_USER_WEBINARS: Final = "/v2/users/{userId}/webinars"
R_WEBINAR: Final = "/v2/webinars/{webinarId}"
R_REGISTRANTS: Final = "/v2/webinars/{webinarId}/registrants"

# Any one of these scopes grants the route (classic admin scope or the granular one).
_SCOPES: Final = {
    R_USERS: ("user:read:admin", "user:read:list_users:admin"),
    R_USER: ("user:read:admin", "user:read:user:admin"),
    R_USER_WEBINARS: ("webinar:read:admin", "webinar:read:list_webinars:admin"),
    R_WEBINAR: ("webinar:read:admin", "webinar:read:webinar:admin"),
    R_REGISTRANTS: ("webinar:read:admin", "webinar:read:list_registrants:admin"),
}
_CATEGORY: Final = {R_USER: "Light", R_WEBINAR: "Light"}  # everything else listed: Medium

_FIRST: Final = (
    "Ana", "Ben", "Chloé", "Dmitri", "Emma", "Farah", "Giulia", "Hiro", "Ines", "Jonas", "Kwame", "Lena", "Mateo",
    "Nadia", "Oliver", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yara", "Zoë",
)  # fmt: skip
_LAST: Final = (
    "Garcia", "Smith", "Müller", "Okafor", "Rossi", "Tanaka", "Nowak", "Dubois", "Silva", "Kowalski", "Larsen",
    "Haddad", "O'Brien", "Nguyen", "Petrov", "Schmidt", "Moreau", "Ivanova", "Costa", "Fischer",
)  # fmt: skip
_DOMAINS: Final = ("example.com", "Example.org", "acme.io", "mail.example.net")
_TOPICS: Final = (
    "Quarterly product update", "Data pipelines 101", "Customer onboarding clinic", "Roadmap AMA",
    "Security best practices", "Analytics deep dive",
)  # fmt: skip
_QUESTIONS: Final = ("How did you hear about us?", "Company size")
_ANSWERS: Final = {
    "How did you hear about us?": ("Newsletter", "LinkedIn", "A friend", "Search"),
    "Company size": ("1-10", "11-50", "51-200", "201-1000", "1000+"),
}
_ID_CHARS: Final = string.ascii_letters + string.digits + "-_"


class ZoomError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def reply(self) -> Reply:
        doc: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            doc["errors"] = self.errors
        return json_reply(self.status, doc, "application/json;charset=UTF-8")


def _validation(field: str) -> ZoomError:
    return ZoomError(400, 300, "Validation Failed.", [{"field": field, "message": "Invalid field."}])


def _oauth_error(status: int, error: str, reason: str) -> Reply:
    return json_reply(status, {"reason": reason, "error": error})


@dataclass
class _Token:
    expires_at: float
    scopes: frozenset[str]


@dataclass
class _PageToken:
    scope: tuple[str, ...]
    offset: int
    issued_at: float


class FakeZoom(FakeService):
    """In-memory Zoom API served over real HTTP. See the module docstring."""

    service_name = "zoom"
    server_header = "ZOOM"
    fault_kinds = BASE_FAULTS | {"429_daily"}
    knobs = (
        *FakeService.knobs,
        "token_ttl_seconds",
        "scopes",
        "max_page_size",
        "page_token_ttl_seconds",
        "daily_limit",
        "rate_limit_type",
        "invalid_client_status",
    )

    def __init__(
        self,
        *,
        account_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_ttl_seconds: float = 3599,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        users: int = 2,
        webinars_per_user: int = 3,
        registrants_per_webinar: int = 40,
        duplicate_rate: float = 0.3,
        data_seed: int = 0,
        max_page_size: int = 300,
        page_token_ttl_seconds: float = 900,
        daily_limit: int | None = None,
        rate_limit_type: str = "QPS",
        invalid_client_status: int = 400,
        retry_after: float | None = 1.0,
        **common: Any,
    ) -> None:
        super().__init__(retry_after=retry_after, **common)
        self._account_id = account_id or secrets.token_urlsafe(16)
        self._client_id = client_id or secrets.token_urlsafe(16)
        self._client_secret = client_secret or secrets.token_urlsafe(24)
        #: ``expires_in`` of new tokens (Zoom: 3599).
        self.token_ttl_seconds = token_ttl_seconds
        #: Scopes granted to tokens issued from now on.
        self.scopes: tuple[str, ...] = tuple(scopes)
        #: Zoom caps ``page_size`` at 300; lower it to force pagination.
        self.max_page_size = max_page_size
        self.page_token_ttl_seconds = page_token_ttl_seconds
        #: ``/v2`` calls allowed before every further call gets 429 ``Daily-limit`` (None: no limit).
        self.daily_limit = daily_limit
        #: ``X-RateLimit-Type`` of injected 429s (``QPS`` or ``Daily-limit``).
        self.rate_limit_type = rate_limit_type
        #: Status of the ``invalid_client`` token error (400 observed; 401 reported by some).
        self.invalid_client_status = invalid_client_status
        self._gen = {
            "users": users,
            "webinars_per_user": webinars_per_user,
            "registrants_per_webinar": registrants_per_webinar,
            "duplicate_rate": duplicate_rate,
            "data_seed": data_seed,
        }
        self._tokens: dict[str, _Token] = {}
        self._tokens_issued = 0
        self._init_state()

    # ---------------------------------------------------------------- data
    def _init_state(self) -> None:
        self._users: list[dict[str, Any]] = []
        self._webinars: dict[int, dict[str, Any]] = {}
        self._registrants: dict[int, list[dict[str, Any]]] = {}
        self._page_tokens: dict[str, _PageToken] = {}
        self._api_calls = 0
        self._generate()

    def _reset_state(self) -> None:
        self._init_state()

    def _generate(self) -> None:
        rng = random.Random(self._gen["data_seed"])
        self._data_rng = rng
        base = math.floor(self.clock() / 86400) * 86400
        for i in range(int(self._gen["users"])):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            self._add_user(
                rng, f"{_ascii(first)}.{_ascii(last)}{i}@example.com".lower(), first, last, base - 86400 * 400
            )
        people: list[tuple[str, str, str]] = []  # (first, last, canonical lower-case email)
        serial = 0
        for u, user in enumerate(self._users):
            for w in range(int(self._gen["webinars_per_user"])):
                webinar = self._add_webinar(
                    rng, user["id"], f"{rng.choice(_TOPICS)} #{u * 10 + w + 1}", base + 86400 * (7 + 3 * w + u), base
                )
                taken: set[str] = set()
                t = webinar["_created"]
                for _ in range(int(self._gen["registrants_per_webinar"])):
                    t += rng.randint(60, 7200)
                    reuse = [p for p in people if p[2] not in taken]
                    if reuse and rng.random() < float(self._gen["duplicate_rate"]):
                        first, last, canonical = rng.choice(reuse)
                    else:
                        serial += 1
                        first, last = rng.choice(_FIRST), rng.choice(_LAST)
                        domain = rng.choice(_DOMAINS).lower()
                        canonical = f"{_ascii(first)}.{_ascii(last).replace(chr(39), '')}{serial}@{domain}".lower()
                        people.append((first, last, canonical))
                    taken.add(canonical)
                    roll = rng.random()
                    status = "approved" if roll < 0.8 else ("pending" if roll < 0.92 else "denied")
                    self._add_registrant(
                        rng, webinar["id"], _vary_case(rng, canonical), first, last, status, t, allow_duplicate=False
                    )

    def _new_user_id(self, rng: random.Random) -> str:
        return "".join(rng.choice(_ID_CHARS) for _ in range(22))

    def _add_user(self, rng: random.Random, email: str, first: str, last: str, created: float) -> dict[str, Any]:
        user = {
            "id": self._new_user_id(rng),
            "first_name": first,
            "last_name": last,
            "display_name": f"{first} {last}",
            "email": email,
            "type": 2,
            "pmi": rng.randint(10**9, 10**10 - 1),
            "timezone": "Europe/Berlin",
            "verified": 1,
            "dept": "",
            "created_at": iso_utc(created),
            "user_created_at": iso_utc(created),
            "last_login_time": iso_utc(created + 86400 * 30),
            "language": "en-US",
            "status": "active",
            "role_id": "0" if not self._users else "2",
        }
        self._users.append(user)
        return user

    def _add_webinar(
        self, rng: random.Random, host_id: str, topic: str, start: float, created: float
    ) -> dict[str, Any]:
        webinar_id = rng.randint(10**10, 10**11 - 1)
        while webinar_id in self._webinars:
            webinar_id = rng.randint(10**10, 10**11 - 1)
        uuid_ = base64.b64encode(rng.randbytes(16)).decode("ascii")
        webinar = {
            "uuid": uuid_,
            "id": webinar_id,
            "host_id": host_id,
            "topic": topic,
            "type": 5,
            "start_time": iso_utc(start),
            "duration": 60,
            "timezone": "Europe/Berlin",
            "agenda": "",
            "created_at": iso_utc(created),
            "join_url": f"https://us02web.zoom.us/j/{webinar_id}",
            "is_simulive": False,
            "_created": created,
        }
        self._webinars[webinar_id] = webinar
        self._registrants[webinar_id] = []
        return webinar

    def _add_registrant(
        self,
        rng: random.Random,
        webinar_id: int,
        email: str,
        first: str,
        last: str,
        status: str,
        created: float,
        *,
        allow_duplicate: bool,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        regs = self._registrants[webinar_id]
        if not allow_duplicate and any(r["email"].lower() == email.lower() for r in regs):
            raise ValueError(f"{email} is already registered to webinar {webinar_id}")
        questions = [{"title": q, "value": rng.choice(_ANSWERS[q])} for q in _QUESTIONS if rng.random() < 0.7]
        reg_id = "".join(rng.choice(_ID_CHARS) for _ in range(22))
        registrant = {
            "id": reg_id,
            "first_name": first,
            "last_name": last,
            "email": email,
            "address": "",
            "city": "",
            "country": "",
            "zip": "",
            "state": "",
            "phone": "",
            "industry": "",
            "org": "",
            "job_title": "",
            "purchasing_time_frame": "",
            "role_in_purchase_process": "",
            "no_of_employees": "",
            "comments": "",
            "custom_questions": questions,
            "status": status,
            "create_time": iso_utc(created),
            "join_url": f"https://us02web.zoom.us/w/{webinar_id}?tk={reg_id}",
        }
        if extra:
            registrant.update(extra)
        regs.append(registrant)
        return registrant

    # ---------------------------------------------------------------- URLs and credentials
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v2`` (stands in for ``https://api.zoom.us/v2``)."""
        return self.root_url + "/v2"

    @property
    def token_url(self) -> str:
        """``http://127.0.0.1:PORT/oauth/token`` (stands in for ``https://zoom.us/oauth/token``)."""
        return self.root_url + R_TOKEN

    @property
    def account_id(self) -> str:
        return self._account_id

    @property
    def client_id(self) -> str:
        return self._client_id

    @property
    def client_secret(self) -> str:
        return self._client_secret

    @property
    def tokens_issued(self) -> int:
        return self._tokens_issued

    @property
    def api_calls(self) -> int:
        """``/v2`` requests counted against ``daily_limit``."""
        return self._api_calls

    def expire_tokens(self) -> None:
        with self._lock:
            for tok in self._tokens.values():
                tok.expires_at = 0.0

    # ---------------------------------------------------------------- hooks (copies)
    def users(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._users)

    @property
    def owner_id(self) -> str:
        """The ``me`` user (the app owner)."""
        return str(self._users[0]["id"])

    def webinars(self, user_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            host = None if user_id is None else self._user(user_id)["id"]
            return [_public(w) for w in self._webinars.values() if host is None or w["host_id"] == host]

    def registrants(self, webinar_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Registrants of one webinar (or of all, each with ``webinar_id`` added)."""
        with self._lock:
            ids = list(self._registrants) if webinar_id is None else [int(webinar_id)]
            out = []
            for wid in ids:
                for r in self._registrants[wid]:
                    if status is None or r["status"] == status:
                        out.append({**copy.deepcopy(r), "webinar_id": wid} if webinar_id is None else copy.deepcopy(r))
            return out

    def add_user(self, email: str, first_name: str = "", last_name: str = "") -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._add_user(self._data_rng, email, first_name, last_name, self.clock()))

    def add_webinar(
        self, user_id: str = "me", topic: str = "Added webinar", start_time: float | None = None
    ) -> dict[str, Any]:
        with self._lock:
            host = self._user(user_id)["id"]
            now = self.clock()
            start = now + 86400 * 14 if start_time is None else start_time
            return _public(self._add_webinar(self._data_rng, host, topic, start, now))

    def add_registrant(
        self,
        webinar_id: int,
        email: str,
        first_name: str = "",
        last_name: str = "",
        *,
        status: str = "approved",
        create_time: float | None = None,
        allow_duplicate: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """Register ``email`` to ``webinar_id``; raises ``KeyError`` for an unknown webinar and
        ``ValueError`` if the email (case-insensitively) is already registered there."""
        if status not in REGISTRANT_STATUSES:
            raise ValueError(f"status must be one of {REGISTRANT_STATUSES}")
        with self._lock:
            if int(webinar_id) not in self._webinars:
                raise KeyError(webinar_id)
            created = self.clock() if create_time is None else create_time
            reg = self._add_registrant(
                self._data_rng, int(webinar_id), email, first_name, last_name, status, created,
                allow_duplicate=allow_duplicate, extra=extra,
            )  # fmt: skip
            return copy.deepcopy(reg)

    def set_registrant_status(self, webinar_id: int, registrant_id: str, status: str) -> None:
        if status not in REGISTRANT_STATUSES:
            raise ValueError(f"status must be one of {REGISTRANT_STATUSES}")
        with self._lock:
            for r in self._registrants[int(webinar_id)]:
                if r["id"] == registrant_id:
                    r["status"] = status
                    return
        raise KeyError(registrant_id)

    def _stats_extra(self) -> dict[str, Any]:
        return {
            "tokens_issued": self._tokens_issued,
            "api_calls": self._api_calls,
            "users": len(self._users),
            "webinars": len(self._webinars),
            "registrants": sum(len(v) for v in self._registrants.values()),
        }

    def _admin_extra(self, name: str, method: str, data: Any) -> Reply | None:
        if method == "POST" and name == "registrants":
            reg = self.add_registrant(
                int(data["webinar_id"]),
                data["email"],
                data.get("first_name", ""),
                data.get("last_name", ""),
                status=data.get("status", "approved"),
            )
            return json_reply(200, reg)
        if method == "GET" and name == "data":
            return json_reply(
                200, {"users": self.users(), "webinars": self.webinars(), "registrants": self.registrants()}
            )
        return None

    # ---------------------------------------------------------------- routing
    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        if path.rstrip("/") == R_TOKEN:
            return R_TOKEN, {}
        segs = [unquote(s) for s in path.split("/") if s]
        if not segs or segs[0] != "v2":
            return UNKNOWN_ROUTE, {}
        segs = segs[1:]
        if segs == ["users"]:
            return R_USERS, {}
        if len(segs) == 2 and segs[0] == "users":
            return R_USER, {"userId": segs[1]}
        if len(segs) == 3 and segs[0] == "users" and segs[2] == "webinars":
            return R_USER_WEBINARS, {"userId": segs[1]}
        if len(segs) == 2 and segs[0] == "webinars":
            return R_WEBINAR, {"webinarId": segs[1]}
        if len(segs) == 3 and segs[0] == "webinars" and segs[2] == "registrants":
            return R_REGISTRANTS, {"webinarId": segs[1]}
        return UNKNOWN_ROUTE, {}

    def _rate_limited(self, req: Request, daily: bool) -> Reply:
        category = _CATEGORY.get(req.route, "Medium")
        if daily:
            limit = self.daily_limit if self.daily_limit is not None else 30000
            tomorrow = (math.floor(self.clock() / 86400) + 1) * 86400
            status, headers, body = ZoomError(
                429,
                429,
                f"You have exceeded the daily rate limit ({limit}) of {category} API requests permitted for this "
                "particular account. You may resume these requests at GMT 00:00:00.",
            ).reply()
            headers += [
                ("X-RateLimit-Category", category),
                ("X-RateLimit-Type", "Daily-limit"),
                ("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", "0"),
                ("Retry-After", iso_utc(tomorrow)),
            ]
            return status, headers, body
        status, headers, body = ZoomError(
            429, 429, "You have reached the maximum per-second rate limit for this API. Try again later."
        ).reply()
        headers += [("X-RateLimit-Category", category), ("X-RateLimit-Type", "QPS"), *self._retry_after_headers()]
        return status, headers, body

    def _fault_reply(self, kind: str, req: Request) -> Reply:
        if kind == "401":
            return ZoomError(401, 124, "Invalid access token.").reply()
        if kind == "403":
            scopes = ", ".join(_SCOPES.get(req.route, DEFAULT_SCOPES))
            return ZoomError(403, 4711, f"Invalid access token, does not contain scopes:[{scopes}].").reply()
        if kind in {"429", "429_daily"}:
            return self._rate_limited(req, daily=kind == "429_daily" or self.rate_limit_type == "Daily-limit")
        if kind in {"502", "503", "504"}:
            return html_reply(int(kind), "ZOOM")
        return ZoomError(500, 500, "Internal error.").reply()

    def _handle(self, req: Request) -> Reply:
        if req.route == UNKNOWN_ROUTE:
            return ZoomError(404, 404, "Not Found").reply()
        if req.route == R_TOKEN:
            if req.method != "POST":
                return ZoomError(405, 405, "Method Not Allowed").reply()
            return self._h_token(req)
        if req.method not in {"GET", "HEAD"}:
            return ZoomError(405, 405, "Method Not Allowed").reply()
        try:
            self._authenticate(req)
            with self._lock:
                self._api_calls += 1
                over = self.daily_limit is not None and self._api_calls > self.daily_limit
            if over:
                return self._rate_limited(req, daily=True)
            with self._lock:
                status, payload = self._dispatch(req)
        except ZoomError as e:
            return e.reply()
        extra: list[tuple[str, str]] = []
        if self.daily_limit is not None:
            extra = [
                ("X-RateLimit-Limit", str(self.daily_limit)),
                ("X-RateLimit-Remaining", str(max(0, self.daily_limit - self._api_calls))),
            ]
        return json_reply(status, payload, "application/json;charset=UTF-8", extra)

    # ---------------------------------------------------------------- OAuth
    def _h_token(self, req: Request) -> Reply:
        params = dict(req.query)
        if req.content_type == "application/x-www-form-urlencoded":
            params.update(req.form())
        grant = params.get("grant_type")
        if not grant:
            return _oauth_error(400, "invalid_request", "Missing grant type")
        if grant != "account_credentials":
            return _oauth_error(400, "unsupported_grant_type", "unsupported grant type")
        scheme, _, cred = (req.header("Authorization") or "").partition(" ")
        if scheme.lower() != "basic" or not cred.strip():
            return _oauth_error(400, "invalid_request", "Client ID or client secret is missing")
        try:
            client_id, sep, client_secret = base64.b64decode(cred.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            client_id, sep, client_secret = "", "", ""
        if not sep or client_id != self._client_id or client_secret != self._client_secret:
            return _oauth_error(self.invalid_client_status, "invalid_client", "Invalid client_id or client_secret")
        account = params.get("account_id")
        if not account:
            return _oauth_error(400, "invalid_request", "Missing account_id")
        if account != self._account_id:
            return _oauth_error(400, "invalid_request", "Invalid account_id")
        token = "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0." + secrets.token_urlsafe(96)
        scopes = frozenset(self.scopes)
        with self._lock:
            self._tokens[token] = _Token(self.clock() + float(self.token_ttl_seconds), scopes)
            self._tokens_issued += 1
        return json_reply(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": int(self.token_ttl_seconds),
                "scope": " ".join(self.scopes),
                "api_url": self.root_url,
            },
        )

    def _authenticate(self, req: Request) -> None:
        scheme, _, token = (req.header("Authorization") or "").partition(" ")
        with self._lock:
            tok = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if tok is None:
            raise ZoomError(401, 124, "Invalid access token.")
        if self.clock() >= tok.expires_at:
            raise ZoomError(401, 124, "Access token is expired.")
        needed = _SCOPES.get(req.route, ())
        if needed and not tok.scopes.intersection(needed):
            raise ZoomError(403, 4711, f"Invalid access token, does not contain scopes:[{', '.join(needed)}].")

    # ---------------------------------------------------------------- API
    def _dispatch(self, req: Request) -> tuple[int, Any]:
        if req.route == R_USERS:
            status = req.query.get("status", "active")
            if status not in ("active", "inactive", "pending"):
                raise _validation("status")
            users = [_public(u) for u in self._users if u["status"] == status]
            return 200, self._paginate(req, users, "users", (R_USERS, status), page_number=True)
        if req.route == R_USER:
            return 200, _public(self._user(req.params["userId"]))
        if req.route == R_USER_WEBINARS:
            host = self._user(req.params["userId"])["id"]
            kind = req.query.get("type", "scheduled")
            if kind not in WEBINAR_TYPES:
                raise _validation("type")
            now = self.clock()
            webinars = [
                _public(w)
                for w in sorted(self._webinars.values(), key=lambda w: w["start_time"])
                if w["host_id"] == host and (kind == "scheduled" or w["start_time"] >= iso_utc(now))
            ]
            return 200, self._paginate(req, webinars, "webinars", (R_USER_WEBINARS, host, kind))
        webinar = self._webinar(req.params["webinarId"])
        if req.route == R_WEBINAR:
            return 200, _public(webinar)
        status = req.query.get("status", "approved")
        if status not in REGISTRANT_STATUSES:
            raise _validation("status")
        regs = [copy.deepcopy(r) for r in self._registrants[webinar["id"]] if r["status"] == status]
        return 200, self._paginate(
            req, regs, "registrants", (R_REGISTRANTS, str(webinar["id"]), status), page_number=True
        )

    def _user(self, user_id: str) -> dict[str, Any]:
        if user_id == "me":
            return self._users[0]
        for u in self._users:
            if user_id in (u["id"], u["email"]):
                return u
        raise ZoomError(404, 1001, f"User does not exist: {user_id}.")

    def _webinar(self, raw: str) -> dict[str, Any]:
        try:
            webinar = self._webinars.get(int(raw))
        except ValueError:
            webinar = None
        if webinar is None:
            raise ZoomError(404, 3001, f"Webinar does not exist: {raw}.")
        return webinar

    def _paginate(
        self, req: Request, items: list[dict[str, Any]], key: str, scope: tuple[str, ...], *, page_number: bool = False
    ) -> dict[str, Any]:
        try:
            size = int(req.query.get("page_size", DEFAULT_PAGE_SIZE))
        except ValueError:
            raise _validation("page_size") from None
        size = min(max(size, 1), max(1, int(self.max_page_size)))
        token = req.query.get("next_page_token", "")
        now = self.clock()
        if token:
            pt = self._page_tokens.get(token)
            if pt is None or pt.scope != scope or now - pt.issued_at > float(self.page_token_ttl_seconds):
                raise ZoomError(400, 300, "The next page token is invalid or expired.")
            offset = pt.offset
        else:
            try:
                number = int(req.query.get("page_number", 1))
            except ValueError:
                raise _validation("page_number") from None
            offset = (max(number, 1) - 1) * size
        page = items[offset : offset + size]
        next_token = ""
        if offset + size < len(items):
            next_token = secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")
            self._page_tokens[next_token] = _PageToken(scope, offset + size, now)
        out: dict[str, Any] = {}
        if page_number:
            out["page_count"] = math.ceil(len(items) / size) if items else 0
            out["page_number"] = offset // size + 1
        out.update({"page_size": size, "total_records": len(items), "next_page_token": next_token, key: page})
        return out


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}


def _ascii(name: str) -> str:
    table: dict[str, str | int | None] = {"é": "e", "ü": "u", "ë": "e", "ö": "o"}
    return name.translate(str.maketrans(table))


def _vary_case(rng: random.Random, email: str) -> str:
    local, _, domain = email.partition("@")
    roll = rng.random()
    if roll < 0.45:
        return email
    if roll < 0.8:
        return ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + "@" + domain.capitalize()
    return local.upper() + "@" + domain


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the local Zoom API fake.")
    add_common_args(parser)
    parser.add_argument("--account-id", default=None)
    parser.add_argument("--client-id", default=None)
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--users", type=int, default=2)
    parser.add_argument("--webinars-per-user", type=int, default=3)
    parser.add_argument("--registrants-per-webinar", type=int, default=40)
    parser.add_argument("--duplicate-rate", type=float, default=0.3)
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--max-page-size", type=int, default=300)
    parser.add_argument("--daily-limit", type=int, default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    fake = FakeZoom(
        account_id=args.account_id,
        client_id=args.client_id,
        client_secret=args.client_secret,
        users=args.users,
        webinars_per_user=args.webinars_per_user,
        registrants_per_webinar=args.registrants_per_webinar,
        duplicate_rate=args.duplicate_rate,
        data_seed=args.data_seed,
        max_page_size=args.max_page_size,
        daily_limit=args.daily_limit,
        **common_kwargs(args),
    )

    def ready() -> dict[str, Any]:
        return {
            "base_url": fake.base_url,
            "token_url": fake.token_url,
            "account_id": fake.account_id,
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "owner_id": fake.owner_id,
            "webinar_ids": [w["id"] for w in fake.webinars()],
        }

    return run_cli(fake, ready)


if __name__ == "__main__":
    sys.exit(main())
