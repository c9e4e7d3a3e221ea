"""Local fake of the part of Klaviyo's API that Tapestry's Klaviyo destination calls (revision 2026-07-15).

A :class:`~fakes._http.FakeService` (shared server, lifecycle, fault knobs, counters, request log with the key
removed, ``/_fake/`` admin) that behaves like ``https://a.klaviyo.com`` for one account:

* ``GET /api/lists/{id}``; ``POST /api/profile-import`` (one profile, 201 created / 200 updated);
  ``POST /api/profile-bulk-import-jobs`` (202, processed asynchronously) with ``GET .../{job_id}`` and
  ``GET .../{id}/import-errors`` (paged); ``POST|DELETE /api/lists/{id}/relationships/profiles``;
  ``GET /api/profiles?filter=any(email,[...])``.
* Held to the vendored OpenAPI excerpt (``tests/contracts/klaviyo/``): request bodies validated against their
  operation's schema with undefined keys refused (so ``subscriptions`` — consent — cannot be sent with a
  profile), JSON:API error bodies, the ``revision`` header required, ``Authorization: Klaviyo-API-Key <key>``.
* Klaviyo's limits: each operation's burst (per second) and steady (per minute) fixed windows as the spec's
  ``x-klaviyo-ratelimit`` gives them, answered with 429 ``throttled`` and ``Retry-After``; at most 10,000
  profiles and 5 MB per import job, 1,000 profiles per list call, 100 per page.
* Consent is the profile's own: nothing Tapestry may call changes ``subscriptions`` (``set_consent`` seeds it).
* A bulk job takes ``total / profiles_per_second`` seconds (a knob; Klaviyo publishes no figure) and lands all
  at once when done; invalid profiles become import errors with their ``original_payload``.

In-process::

    with FakeKlaviyo(list_ids=["Ab12Cd"]) as fake:
        KlaviyoClient(fake.api_key, fake.base_url)

As a process: ``python tests/fakes/klaviyo.py --port 0 --list-id Ab12Cd`` prints one JSON line (``base_url``,
``api_key``) when ready and serves until SIGTERM/SIGINT.

Stdlib plus ``jsonschema`` (for the vendored spec).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Final
from urllib.parse import quote

if not __package__:  # executed as a script: make the sibling ``_http`` importable (PEP 366)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "fakes"

from contracts import errors as schema_errors
from contracts import load, openapi, openapi_request_schema, strict

from ._http import UNKNOWN_ROUTE, FakeService, Reply, Request, add_common_args, common_kwargs, json_reply, run_cli

__all__ = ["SPEC", "FakeKlaviyo", "main"]

SPEC: Final = "klaviyo/klaviyo-stable-2026-07-15.json"
FACTS: Final = load("klaviyo/klaviyo-facts.json")
REVISION: Final = str(FACTS["revision"])
JSON_API: Final = "application/vnd.api+json"
MAX_JOB_PROFILES: Final = int(FACTS["bulk_import"]["max_profiles"])
MAX_JOB_BYTES: Final = int(FACTS["bulk_import"]["max_payload_bytes"])
MAX_LIST_PROFILES: Final = int(FACTS["list_relationships_max_profiles"])
PAGE_MAX: Final = 100

R_LIST: Final = "/api/lists/{id}"
R_LIST_PROFILES: Final = "/api/lists/{id}/relationships/profiles"
R_IMPORT: Final = "/api/profile-import"
R_JOBS: Final = "/api/profile-bulk-import-jobs"
R_JOB: Final = "/api/profile-bulk-import-jobs/{job_id}"
R_JOB_ERRORS: Final = "/api/profile-bulk-import-jobs/{id}/import-errors"
R_PROFILES: Final = "/api/profiles"
EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
FILTER: Final = re.compile(r'^(any|equals)\(email,\s*(\[.*\]|".*"|\'.*\')\)$')
CONSENTS: Final = ("SUBSCRIBED", "UNSUBSCRIBED", "NEVER_SUBSCRIBED")


@cache
def _rate_limits() -> dict[tuple[str, str], tuple[int, int]]:
    """(METHOD, route) -> (burst per second, steady per minute), from the spec's x-klaviyo-ratelimit."""
    out = {}
    for path, operations in openapi(SPEC)["paths"].items():
        for method, operation in operations.items():
            limit = operation.get("x-klaviyo-ratelimit") or {}
            burst, steady = str(limit.get("burst", "0/s")), str(limit.get("steady", "0/m"))
            out[(method.upper(), path)] = (int(burst.partition("/")[0]), int(steady.partition("/")[0]))
    return out


@cache
def _request_schema(method: str, route: str) -> dict[str, Any]:
    return strict(openapi_request_schema(SPEC, method, route))


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1e6) % 1_000_000:06d}+00:00"


class KlaviyoError(Exception):
    def __init__(self, status: int, code: str, title: str, detail: str, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.title, self.detail, self.pointer = status, code, title, detail, pointer

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "status": self.status,
            "code": self.code,
            "title": self.title,
            "detail": self.detail,
            "source": {"pointer": self.pointer} if self.pointer else {},
            "links": {},
            "meta": {},
        }
        return {"errors": [error]}


def _invalid(detail: str, pointer: str | None = None) -> KlaviyoError:
    return KlaviyoError(400, "invalid", "Invalid input.", detail, pointer)


def _not_found(detail: str) -> KlaviyoError:
    return KlaviyoError(404, "not_found", "Not found.", detail)


class _Profile:
    __slots__ = ("attributes", "consent", "created", "email", "id", "properties", "updated")

    def __init__(self, email: str, now: float) -> None:
        self.id = "01" + secrets.token_hex(12).upper()
        self.email = email
        self.attributes: dict[str, Any] = {}
        self.properties: dict[str, Any] = {}
        self.consent = "NEVER_SUBSCRIBED"
        self.created = self.updated = now


class _Job:
    def __init__(self, job_id: str, profiles: list[dict[str, Any]], lists: list[str], now: float, seconds: float):
        self.id = job_id
        self.profiles = profiles
        self.total = len(profiles)
        self.lists = lists
        self.created = now
        self.ready_at = now + seconds
        self.status = "queued"
        self.errors: list[dict[str, Any]] = []
        self.failed = 0
        self.completed_at: float | None = None


class FakeKlaviyo(FakeService):
    """In-memory Klaviyo account served over real HTTP. See the module docstring."""

    service_name = "klaviyo"
    server_header: ClassVar[str | None] = "cloudflare"
    knobs = (*FakeService.knobs, "enforce_rate_limits", "burst_limit", "profiles_per_second", "strict_requests")
    secret_keys = FakeService.secret_keys | {"authorization"}

    def __init__(
        self,
        *,
        api_key: str = "pk_fake_0000000000000000000000000000",
        list_ids: Iterable[str] = (),
        enforce_rate_limits: bool = True,
        burst_limit: int | None = None,  # every operation's per-second burst instead of the spec's (a tighter one)
        profiles_per_second: float = 0.0,  # 0: a job is done when first asked after it was created
        strict_requests: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.enforce_rate_limits = enforce_rate_limits
        self.burst_limit = burst_limit
        self.profiles_per_second = profiles_per_second
        self.strict_requests = strict_requests
        self._lists: dict[str, dict[str, Any]] = {}
        self._members: dict[str, set[str]] = {}
        self._profiles: dict[str, _Profile] = {}
        self._by_email: dict[str, str] = {}
        self._jobs: dict[str, _Job] = {}
        self._windows: dict[tuple[str, str, str, int], int] = {}
        self._rate_lock = threading.Lock()
        for list_id in list_ids:
            self.add_list(list_id)

    @property
    def base_url(self) -> str:
        return self.root_url

    # ---------------------------------------------------------------- test hooks
    def add_list(self, list_id: str, name: str | None = None) -> None:
        with self._lock:
            self._lists[list_id] = {"name": name or f"Fake list {list_id}", "created": time.time()}
            self._members.setdefault(list_id, set())

    def add_profile(self, email: str, consent: str = "NEVER_SUBSCRIBED", **attributes: Any) -> str:
        """Seed a profile (as if it existed before Tapestry). Returns its id."""
        with self._lock:
            profile = self._upsert_profile({"email": email, **attributes}, time.time())[0]
            profile.consent = consent
            return profile.id

    def set_consent(self, email: str, consent: str) -> None:
        if consent not in CONSENTS:
            raise ValueError(f"consent must be one of {CONSENTS}")
        with self._lock:
            self._profiles[self._by_email[email.strip().lower()]].consent = consent

    def profile(self, email: str) -> dict[str, Any] | None:
        """The profile as stored: attributes, properties, consent, lists."""
        with self._lock:
            self._settle()
            profile_id = self._by_email.get(email.strip().lower())
            if profile_id is None:
                return None
            profile = self._profiles[profile_id]
            lists = sorted(lid for lid, members in self._members.items() if profile_id in members)
            return {
                "id": profile.id,
                "email": profile.email,
                **profile.attributes,
                "properties": dict(profile.properties),
                "consent": profile.consent,
                "lists": lists,
            }

    def members(self, list_id: str) -> set[str]:
        """E-mails of the list's members."""
        with self._lock:
            self._settle()
            return {self._profiles[pid].email for pid in self._members[list_id]}

    def profile_count(self) -> int:
        with self._lock:
            self._settle()
            return len(self._profiles)

    def jobs(self) -> dict[str, str]:
        """Job id -> status."""
        with self._lock:
            self._settle()
            return {job.id: job.status for job in self._jobs.values()}

    def _reset_state(self) -> None:
        self._profiles.clear()
        self._by_email.clear()
        self._jobs.clear()
        for members in self._members.values():
            members.clear()
        with self._rate_lock:
            self._windows.clear()

    def _stats_extra(self) -> dict[str, Any]:
        return {
            "profiles": len(self._profiles),
            "lists": {lid: len(m) for lid, m in self._members.items()},
            "jobs": {"total": len(self._jobs), "pending": sum(1 for j in self._jobs.values() if not j.completed_at)},
        }

    # ---------------------------------------------------------------- routing and limits
    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        parts = path.rstrip("/").split("/")[1:]
        if parts[:1] != ["api"]:
            return UNKNOWN_ROUTE, {}
        rest = parts[1:]
        if rest == ["profile-import"]:
            return R_IMPORT, {}
        if rest == ["profiles"]:
            return R_PROFILES, {}
        if rest[:1] == ["profile-bulk-import-jobs"]:
            if len(rest) == 1:
                return R_JOBS, {}
            if len(rest) == 2:
                return R_JOB, {"job_id": rest[1]}
            if len(rest) == 3 and rest[2] == "import-errors":
                return R_JOB_ERRORS, {"id": rest[1]}
        if rest[:1] == ["lists"] and len(rest) >= 2:
            if len(rest) == 2:
                return R_LIST, {"id": rest[1]}
            if rest[2:] == ["relationships", "profiles"]:
                return R_LIST_PROFILES, {"id": rest[1]}
        return UNKNOWN_ROUTE, {}

    def _throttle(self, method: str, route: str) -> Reply | None:
        limits = _rate_limits().get((method, route))
        if not self.enforce_rate_limits or limits is None:
            return None
        now = time.time()
        burst, steady = limits
        if self.burst_limit is not None:
            burst = min(burst, self.burst_limit)
        windows = (("s", int(now), burst, 1.0), ("m", int(now // 60), steady, 60.0))
        with self._rate_lock:
            for name, index, limit, length in windows:
                if self._windows.get((method, route, name, index), 0) >= limit:
                    retry = max(1, math.ceil((index + 1) * length - now))
                    body = KlaviyoError(
                        429,
                        "throttled",
                        "Request was throttled.",
                        f"Request was throttled. Expected available in {retry} second{'s' if retry != 1 else ''}.",
                    ).body()
                    return json_reply(429, body, JSON_API, [("Retry-After", str(retry))])
            for name, index, _, _ in windows:
                self._windows[(method, route, name, index)] = self._windows.get((method, route, name, index), 0) + 1
        return None

    def _fault_reply(self, kind: str, req: Request) -> Reply:
        if kind == "429":
            after = self.retry_after if self.retry_after is not None else 1
            body = KlaviyoError(429, "throttled", "Request was throttled.", "Request was throttled.").body()
            return json_reply(429, body, JSON_API, [("Retry-After", f"{after:g}")])
        if kind == "401":
            return self._error(
                KlaviyoError(
                    401,
                    "not_authenticated",
                    "Authentication credentials were not provided.",
                    "Missing or invalid private key.",
                )
            )
        if kind == "403":
            return self._error(
                KlaviyoError(
                    403,
                    "permission_denied",
                    "You do not have permission to perform this action.",
                    "This API key is missing required scopes.",
                )
            )
        status = int(kind) if kind.isdigit() else 500
        return self._error(KlaviyoError(status, "error", "A server error occurred.", "A server error occurred."))

    @staticmethod
    def _error(error: KlaviyoError) -> Reply:
        return json_reply(error.status, error.body(), JSON_API)

    # ---------------------------------------------------------------- requests
    def _handle(self, req: Request) -> Reply:
        if req.route == UNKNOWN_ROUTE:
            return self._error(_not_found(f"No route for {req.method} {req.path}"))
        if (req.header("Authorization") or "") != f"Klaviyo-API-Key {self.api_key}":
            return self._error(
                KlaviyoError(
                    401,
                    "not_authenticated",
                    "Authentication credentials were not provided.",
                    "Missing or invalid private key.",
                )
            )
        revision = req.header("revision") or ""
        if not re.match(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$", revision):
            return self._error(_invalid("A valid revision header (YYYY-MM-DD) is required.", None))
        if (req.method, req.route) not in _rate_limits():
            return self._error(
                KlaviyoError(405, "method_not_allowed", "Method not allowed.", f'Method "{req.method}" not allowed.')
            )
        throttled = self._throttle(req.method, req.route)
        if throttled is not None:
            return throttled
        try:
            body = req.json()
        except ValueError:
            return self._error(KlaviyoError(400, "parse_error", "Malformed JSON.", "JSON parse error"))
        try:
            if req.method in ("POST", "DELETE") and self.strict_requests:
                found = schema_errors(_request_schema(req.method, req.route), body)
                if found:
                    raise _invalid("; ".join(found[:5]), found[0].split(":", 1)[0].lstrip("$").replace(".", "/"))
            with self._lock:
                self._settle()
                status, payload = self._dispatch(req, body, len(req.body))
        except KlaviyoError as error:
            return self._error(error)
        if status == 204:
            return 204, [], b""
        return json_reply(status, payload, JSON_API)

    def _dispatch(self, req: Request, body: Any, size: int) -> tuple[int, Any]:
        now = time.time()
        if req.route == R_LIST:
            item = self._lists.get(req.params["id"])
            if item is None:
                raise _not_found(f"A list with id {req.params['id']} does not exist.")
            return 200, {"data": self._render_list(req.params["id"], item)}
        if req.route == R_IMPORT:
            profile, created = self._import_one(body["data"], now)
            return (201 if created else 200), {"data": self._render_profile(profile)}
        if req.route == R_JOBS:
            return 202, {"data": self._render_job(self._create_job(body["data"], size, now))}
        if req.route == R_JOB:
            job = self._job(req.params["job_id"])
            return 200, {"data": self._render_job(job)}
        if req.route == R_JOB_ERRORS:
            return 200, self._job_errors(self._job(req.params["id"]), req)
        if req.route == R_LIST_PROFILES:
            return self._list_members(req.method, req.params["id"], body["data"])
        return 200, self._find_profiles(req)

    # ---------------------------------------------------------------- profiles
    def _upsert_profile(self, attributes: dict[str, Any], now: float) -> tuple[_Profile, bool]:
        email = str(attributes.get("email") or "").strip().lower()
        profile_id = self._by_email.get(email)
        created = profile_id is None
        profile = _Profile(email, now) if created else self._profiles[profile_id or ""]
        for name, value in attributes.items():
            if name == "email":
                continue
            if name == "properties":
                for key, prop in (value or {}).items():
                    profile.properties[key] = prop
                continue
            if value is None:
                profile.attributes.pop(name, None)  # null clears a field
            else:
                profile.attributes[name] = value
        profile.updated = now
        if created:
            self._profiles[profile.id] = profile
            self._by_email[email] = profile.id
        return profile, created

    @staticmethod
    def _check_profile(attributes: dict[str, Any]) -> str | None:
        email = attributes.get("email")
        if not email:
            return "One of email, phone_number or external_id is required to create a profile."
        if not EMAIL.match(str(email).strip()):
            return "Invalid email address"
        return None

    def _import_one(self, data: dict[str, Any], now: float) -> tuple[_Profile, bool]:
        attributes = dict(data.get("attributes") or {})
        problem = self._check_profile(attributes)
        if problem:
            raise _invalid(problem, "/data/attributes/email")
        return self._patch(self._upsert_profile(attributes, now), data.get("meta"))

    @staticmethod
    def _patch(landed: tuple[_Profile, bool], meta: dict[str, Any] | None) -> tuple[_Profile, bool]:
        """ProfileMeta.patch_properties: unset removes custom properties; append/unappend edit list values."""
        profile = landed[0]
        patch = (meta or {}).get("patch_properties") or {}
        unset = patch.get("unset") or []
        for name in [unset] if isinstance(unset, str) else unset:
            profile.properties.pop(name, None)
        for name, value in (patch.get("append") or {}).items():
            current = profile.properties.get(name)
            profile.properties[name] = [*(current if isinstance(current, list) else []), value]
        for name, value in (patch.get("unappend") or {}).items():
            current = profile.properties.get(name)
            if isinstance(current, list):
                profile.properties[name] = [v for v in current if v != value]
        return landed

    def _render_profile(self, profile: _Profile) -> dict[str, Any]:
        attributes = {
            "email": profile.email,
            "phone_number": None,
            "external_id": None,
            "first_name": None,
            "last_name": None,
            "organization": None,
            "locale": None,
            "title": None,
            "image": None,
            **profile.attributes,
            "created": _iso(profile.created),
            "updated": _iso(profile.updated),
            "properties": dict(profile.properties),
        }
        return {
            "type": "profile",
            "id": profile.id,
            "attributes": attributes,
            "links": {"self": f"{self.root_url}/api/profiles/{profile.id}/"},
        }

    def _find_profiles(self, req: Request) -> dict[str, Any]:
        match = FILTER.match(req.query.get("filter", "").strip())
        if match is None:
            raise _invalid('filter: only any(email,[...]) and equals(email,"...") are supported here', None)
        raw = match.group(2)
        values = json.loads(raw.replace("'", '"')) if raw.startswith("[") else [raw[1:-1]]
        if len(values) > PAGE_MAX:
            raise _invalid(f"filter: any() takes at most {PAGE_MAX} values", None)
        size = int(req.query.get("page[size]", "20"))
        if not 1 <= size <= PAGE_MAX:
            raise _invalid(f"page[size] must be between 1 and {PAGE_MAX}", None)
        offset = int(req.query.get("page[cursor]", "0") or 0)
        found = [self._profiles[pid] for v in values if (pid := self._by_email.get(str(v).strip().lower()))]
        page = found[offset : offset + size]
        links: dict[str, Any] = {"self": f"{self.root_url}/api/profiles/"}
        if offset + size < len(found):
            query = f"filter={quote(req.query['filter'])}&page%5Bsize%5D={size}&page%5Bcursor%5D={offset + size}"
            links["next"] = f"{self.root_url}/api/profiles/?{query}"
        return {"data": [self._render_profile(p) for p in page], "links": links}

    # ---------------------------------------------------------------- lists
    def _render_list(self, list_id: str, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "list",
            "id": list_id,
            "attributes": {
                "name": item["name"],
                "created": _iso(item["created"]),
                "updated": _iso(item["created"]),
                "opt_in_process": "single_opt_in",
            },
            "links": {"self": f"{self.root_url}/api/lists/{list_id}/"},
        }

    def _list_members(self, method: str, list_id: str, data: list[dict[str, Any]]) -> tuple[int, None]:
        if list_id not in self._lists:
            raise _not_found(f"A list with id {list_id} does not exist.")
        if len(data) > MAX_LIST_PROFILES:
            raise _invalid(f"At most {MAX_LIST_PROFILES} profiles per call; got {len(data)}", "/data")
        ids = [str(item["id"]) for item in data]
        unknown = [i for i in ids if i not in self._profiles]
        if unknown:
            raise _invalid(f"Invalid profile ids: {', '.join(unknown[:5])}", "/data")
        members = self._members[list_id]
        if method == "POST":
            members.update(ids)
        else:
            members.difference_update(ids)
        return 204, None

    # ---------------------------------------------------------------- bulk import jobs
    def _create_job(self, data: dict[str, Any], size: int, now: float) -> _Job:
        profiles = list(data["attributes"]["profiles"]["data"])
        if not profiles:
            raise _invalid("At least one profile is required.", "/data/attributes/profiles/data")
        if len(profiles) > MAX_JOB_PROFILES:
            raise _invalid(
                f"A job takes at most {MAX_JOB_PROFILES:,} profiles; got {len(profiles):,}",
                "/data/attributes/profiles/data",
            )
        if size > MAX_JOB_BYTES:
            raise KlaviyoError(
                413, "payload_too_large", "Payload too large.", f"The maximum payload size is {MAX_JOB_BYTES:,} bytes."
            )
        lists = [str(item["id"]) for item in ((data.get("relationships") or {}).get("lists") or {}).get("data") or []]
        for list_id in lists:
            if list_id not in self._lists:
                raise _not_found(f"A list with id {list_id} does not exist.")
        seconds = len(profiles) / self.profiles_per_second if self.profiles_per_second > 0 else 0.0
        job = _Job(uuid.uuid4().hex, profiles, lists, now, seconds)
        self._jobs[job.id] = job
        return job

    def _settle(self) -> None:
        """Land every job whose time has come (all its profiles at once)."""
        now = time.time()
        for job in self._jobs.values():
            if job.completed_at is not None:
                continue
            if now < job.ready_at:
                job.status = "processing"
                continue
            for position, item in enumerate(job.profiles):
                attributes = dict(item.get("attributes") or {})
                problem = self._check_profile(attributes)
                if problem:
                    job.errors.append(
                        {
                            "type": "import-error",
                            "id": uuid.uuid4().hex,
                            "attributes": {
                                "code": "invalid",
                                "title": "Invalid input.",
                                "detail": problem,
                                "source": {"pointer": f"/data/attributes/profiles/data/{position}/attributes/email"},
                                "original_payload": item,
                            },
                        }
                    )
                    continue
                profile, _ = self._patch(self._upsert_profile(attributes, now), item.get("meta"))
                for list_id in job.lists:
                    self._members[list_id].add(profile.id)
            job.failed = len(job.errors)
            job.status = "complete"
            job.completed_at = now
            job.profiles = []  # landed: only the report is kept

    def _job(self, job_id: str) -> _Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise _not_found(f"A bulk import job with id {job_id} does not exist.")
        return job

    def _render_job(self, job: _Job) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "status": job.status,
            "created_at": _iso(job.created),
            "total_count": job.total,
            "completed_count": (job.total - job.failed) if job.completed_at else 0,
            "failed_count": job.failed,
            "completed_at": _iso(job.completed_at) if job.completed_at else None,
            "started_at": _iso(job.created),
            "expires_at": _iso(job.created + 7 * 86_400),
        }
        return {
            "type": "profile-bulk-import-job",
            "id": job.id,
            "attributes": attributes,
            "links": {"self": f"{self.root_url}/api/profile-bulk-import-jobs/{job.id}/"},
        }

    def _job_errors(self, job: _Job, req: Request) -> dict[str, Any]:
        size = int(req.query.get("page[size]", "20"))
        if not 1 <= size <= PAGE_MAX:
            raise _invalid(f"page[size] must be between 1 and {PAGE_MAX}", None)
        offset = int(req.query.get("page[cursor]", "0") or 0)
        page = job.errors[offset : offset + size]
        links: dict[str, Any] = {"self": f"{self.root_url}/api/profile-bulk-import-jobs/{job.id}/import-errors/"}
        if offset + size < len(job.errors):
            links["next"] = f"{links['self']}?page%5Bsize%5D={size}&page%5Bcursor%5D={offset + size}"
        return {"data": page, "links": links}


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Fake Klaviyo (profiles and lists) for Tapestry's tests and benchmarks"
    )
    add_common_args(parser)
    parser.add_argument("--api-key", default="pk_fake_0000000000000000000000000000")
    parser.add_argument("--list-id", action="append", default=[])
    parser.add_argument("--profiles-per-second", type=float, default=0.0)
    parser.add_argument("--no-rate-limits", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    fake = FakeKlaviyo(
        api_key=args.api_key,
        list_ids=args.list_id,
        profiles_per_second=args.profiles_per_second,
        enforce_rate_limits=not args.no_rate_limits,
        **common_kwargs(args),
    )
    return run_cli(fake, lambda: {"base_url": fake.base_url, "api_key": fake.api_key})


if __name__ == "__main__":
    raise SystemExit(main())
