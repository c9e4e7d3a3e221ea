"""Local fake of the part of HubSpot's API that Tapestry's HubSpot destination calls.

A :class:`~fakes._http.FakeService` (shared server, lifecycle, fault knobs, counters, request log with the
token removed, ``/_fake/`` admin) that behaves like ``https://api.hubapi.com`` for one portal:

* ``GET /account-info/v3/details`` and ``GET /account-info/v3/api-usage/daily/private-apps``;
  ``GET /crm/v3/properties/contacts``; ``POST /crm/v3/objects/contacts/batch/upsert`` (``idProperty: email``),
  ``.../batch/read`` (by e-mail or by id) and ``.../batch/archive``.
* Held to the vendored OpenAPI excerpts (``tests/contracts/hubspot/``): every request body is validated
  against its operation's schema, undefined keys refused (400 ``VALIDATION_ERROR``); responses carry every
  field the response schemas require; errors have HubSpot's ``{status, message, correlationId, category,
  errors, context}`` shape.
* Private-app auth: ``Authorization: Bearer <token>`` (401 ``INVALID_AUTHENTICATION``); ``scopes`` the token
  was granted (403 ``MISSING_SCOPES``).
* HubSpot's limits (``hubspot-facts.json``): at most 100 inputs per batch; ``burst_limit`` calls per rolling
  10 seconds and ``daily_limit`` per day, answered with 429 ``RATE_LIMIT`` and ``policyName``
  ``TEN_SECONDLY_ROLLING`` or ``DAILY``, the ``X-HubSpot-RateLimit-*`` headers and ``Retry-After``.
* Where the docs are silent the fake does the worst (``hubspot-facts.json`` ``not_documented``): one invalid
  input fails the whole upsert batch with 400; results come back in reverse input order; contacts deleted
  under GDPR (``gdpr_delete``) are refused per input in a 207 multi-status.
* Knobs: the shared ones (latency, 429s, 5xx, drops, ``fail_next``, lost acknowledgements) plus
  ``burst_limit``, ``daily_limit``, ``strict_requests``.

In-process::

    with FakeHubSpot() as fake:
        client = HubSpotClient(fake.token, fake.base_url)

As a process: ``python tests/fakes/hubspot.py --port 0`` prints one JSON line (``base_url``, ``token``,
``portal_id``) when ready and serves until SIGTERM/SIGINT.

Stdlib plus ``jsonschema`` (for the vendored specs).
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Final

if not __package__:  # executed as a script: make the sibling ``_http`` importable (PEP 366)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "fakes"

from contracts import errors as schema_errors
from contracts import load, openapi_request_schema, strict

from ._http import UNKNOWN_ROUTE, FakeService, Reply, Request, add_common_args, common_kwargs, json_reply, run_cli

__all__ = ["CONTACTS_SPEC", "FakeHubSpot", "main"]

CONTACTS_SPEC: Final = "hubspot/crm-contacts-v3.json"
PROPERTIES_SPEC: Final = "hubspot/crm-properties-v3.json"
ACCOUNT_SPEC: Final = "hubspot/account-info-v3.json"
FACTS: Final = load("hubspot/hubspot-facts.json")
BATCH_MAX: Final = int(FACTS["batch_max_inputs"])
FREE_LIMITS: Final = FACTS["rate_limits_private_apps"]["Free/Starter"]

R_DETAILS: Final = "/account-info/v3/details"
R_USAGE: Final = "/account-info/v3/api-usage/daily/private-apps"
R_PROPERTIES: Final = "/crm/v3/properties/{objectType}"
R_UPSERT: Final = "/crm/v3/objects/contacts/batch/upsert"
R_READ: Final = "/crm/v3/objects/contacts/batch/read"
R_ARCHIVE: Final = "/crm/v3/objects/contacts/batch/archive"
ROUTES: Final = {
    ("GET", R_DETAILS): (ACCOUNT_SPEC, None),
    ("GET", R_USAGE): (ACCOUNT_SPEC, None),
    ("GET", R_PROPERTIES): (PROPERTIES_SPEC, "crm.schemas.contacts.read"),
    ("POST", R_UPSERT): (CONTACTS_SPEC, "crm.objects.contacts.write"),
    ("POST", R_READ): (CONTACTS_SPEC, "crm.objects.contacts.read"),
    ("POST", R_ARCHIVE): (CONTACTS_SPEC, "crm.objects.contacts.write"),
}
DEFAULT_SCOPES: Final = ("crm.objects.contacts.read", "crm.objects.contacts.write", "crm.schemas.contacts.read")
READ_ONLY: Final = ("hs_object_id", "createdate", "lastmodifieddate")
EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
NOT_FOUND_MESSAGE: Final = (
    "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid."
)


def _iso(ts: float) -> str:
    millis = int(ts * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{millis:03d}Z"


class HubSpotError(Exception):
    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.category, self.message = status, category, message
        self.errors, self.context = errors or [], context

    def body(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": str(uuid.uuid4()),
            "category": self.category,
        }
        if self.errors:
            doc["errors"] = self.errors
        if self.context:
            doc["context"] = self.context
        return doc


def _invalid(message: str, errors: list[dict[str, Any]] | None = None) -> HubSpotError:
    return HubSpotError(400, "VALIDATION_ERROR", message, errors)


class _Contact:
    __slots__ = ("archived", "created", "id", "properties", "updated")

    def __init__(self, contact_id: str, properties: dict[str, str], now: float) -> None:
        self.id = contact_id
        self.properties = properties
        self.created = self.updated = now
        self.archived = False


class FakeHubSpot(FakeService):
    """In-memory HubSpot portal served over real HTTP. See the module docstring."""

    service_name = "hubspot"
    server_header: ClassVar[str | None] = "cloudflare"
    knobs = (*FakeService.knobs, "burst_limit", "burst_window_s", "daily_limit", "strict_requests")

    def __init__(
        self,
        *,
        token: str = "pat-na1-fake-0000-token",
        portal_id: int = 4_200_042,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        burst_limit: int = int(FREE_LIMITS["per_10_seconds"]),
        daily_limit: int = int(FREE_LIMITS["per_day"]),
        strict_requests: bool = True,
        burst_window_s: float = 10.0,  # HubSpot's window; tests shorten it to keep the same ratio in less time
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.burst_window_s = burst_window_s
        self.token = token
        self.portal_id = portal_id
        self.scopes = set(scopes)
        self.burst_limit = burst_limit
        self.daily_limit = daily_limit
        self.strict_requests = strict_requests
        self._contacts: dict[str, _Contact] = {}
        self._by_email: dict[str, str] = {}
        self._gdpr_deleted: set[str] = set()
        self._ids = itertools.count(101)
        self._window: deque[float] = deque()
        self._daily_used = 0
        self._rate_lock = threading.Lock()
        self._properties: dict[str, dict[str, Any]] = {}
        for name, label in (("email", "Email"), ("firstname", "First Name"), ("lastname", "Last Name")):
            self.add_property(name, label)
        self.add_property("company", "Company Name")
        self.add_property("lifecyclestage", "Lifecycle Stage", options=["subscriber", "lead", "customer"])
        self.add_property("webinar_count", "Webinar count", type_="number")
        for name in READ_ONLY:
            self.add_property(name, name, read_only=True, type_="datetime" if name != "hs_object_id" else "number")

    # ---------------------------------------------------------------- handy URLs
    @property
    def base_url(self) -> str:
        return self.root_url

    # ---------------------------------------------------------------- test hooks
    def add_property(
        self,
        name: str,
        label: str | None = None,
        *,
        type_: str = "string",
        options: Iterable[str] = (),
        read_only: bool = False,
    ) -> None:
        """A contact property (``type_``: string, number, enumeration with ``options``, datetime)."""
        values = list(options)
        with self._lock:
            self._properties[name] = {
                "name": name,
                "label": label or name,
                "type": "enumeration" if values else type_,
                "fieldType": "select" if values else ("number" if type_ == "number" else "text"),
                "description": "",
                "groupName": "contactinformation",
                "options": [
                    {"label": v.title(), "value": v, "hidden": False, "displayOrder": i} for i, v in enumerate(values)
                ],
                "hidden": False,
                "hubspotDefined": name in ("email", "firstname", "lastname", "company", "lifecyclestage", *READ_ONLY),
                "calculated": False,
                "modificationMetadata": {
                    "archivable": not read_only,
                    "readOnlyDefinition": read_only,
                    "readOnlyValue": read_only,
                },
            }

    def add_contact(self, email: str, **properties: str) -> str:
        """Seed a contact (as if someone created it in HubSpot). Returns its id."""
        with self._lock:
            return self._create({"email": email, **properties}, time.time()).id

    def contacts(self, archived: bool = False) -> dict[str, dict[str, str]]:
        """E-mail -> properties of every contact (the archived ones instead with ``archived``)."""
        with self._lock:
            return {
                c.properties["email"]: dict(c.properties) for c in self._contacts.values() if c.archived == archived
            }

    def contact(self, email: str) -> dict[str, str] | None:
        with self._lock:
            contact_id = self._by_email.get(email.strip().lower())
            return dict(self._contacts[contact_id].properties) if contact_id else None

    def gdpr_delete(self, email: str) -> None:
        """Delete a contact for good; HubSpot then refuses to recreate the address (per input, 207)."""
        with self._lock:
            key = email.strip().lower()
            contact_id = self._by_email.pop(key, None)
            if contact_id:
                del self._contacts[contact_id]
            self._gdpr_deleted.add(key)

    def use_daily_calls(self, calls: int) -> None:
        """Count calls as made today (a portal whose daily limit is nearly used up)."""
        with self._rate_lock:
            self._daily_used += calls

    def _reset_state(self) -> None:
        self._contacts.clear()
        self._by_email.clear()
        self._gdpr_deleted.clear()
        with self._rate_lock:
            self._window.clear()
            self._daily_used = 0

    def _stats_extra(self) -> dict[str, Any]:
        live = sum(1 for c in self._contacts.values() if not c.archived)
        return {"contacts": live, "archived": len(self._contacts) - live, "daily_used": self._daily_used}

    # ---------------------------------------------------------------- routing and limits
    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        path = path.rstrip("/")
        if path.startswith("/crm/v3/properties/") and path.count("/") == 4:
            return R_PROPERTIES, {"objectType": path.rsplit("/", 1)[1]}
        for template in (R_DETAILS, R_USAGE, R_UPSERT, R_READ, R_ARCHIVE):
            if path == template:
                return template, {}
        return UNKNOWN_ROUTE, {}

    def _rate_headers(self) -> list[tuple[str, str]]:
        return [
            ("X-HubSpot-RateLimit-Interval-Milliseconds", str(int(self.burst_window_s * 1000))),
            ("X-HubSpot-RateLimit-Max", str(self.burst_limit)),
            ("X-HubSpot-RateLimit-Remaining", str(max(0, self.burst_limit - len(self._window)))),
            ("X-HubSpot-RateLimit-Daily", str(self.daily_limit)),
            ("X-HubSpot-RateLimit-Daily-Remaining", str(max(0, self.daily_limit - self._daily_used))),
        ]

    def _throttle(self) -> Reply | None:
        """Count the call against the 10-second and the daily limit, or answer 429."""
        now = time.monotonic()
        with self._rate_lock:
            while self._window and now - self._window[0] >= self.burst_window_s:
                self._window.popleft()
            if self._daily_used >= self.daily_limit:
                return self._too_many("DAILY", "You have reached your daily limit.", None)
            if len(self._window) >= self.burst_limit:
                wait = max(0.001, self._window[0] + self.burst_window_s - now)
                return self._too_many("TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.", wait)
            self._window.append(now)
            self._daily_used += 1
            return None

    def _too_many(self, policy: str, message: str, retry_after: float | None) -> Reply:
        body = {
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": policy,
            "requestId": str(uuid.uuid4()),
        }
        headers = self._rate_headers()
        if retry_after is not None:
            headers.append(("Retry-After", f"{retry_after:.3f}"))
        return json_reply(429, body, "application/json;charset=utf-8", headers)

    def _fault_reply(self, kind: str, req: Request) -> Reply:
        if kind == "429":
            after = self.retry_after if self.retry_after is not None else 1.0
            return self._too_many("TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.", after)
        if kind in ("401", "403"):
            category = "INVALID_AUTHENTICATION" if kind == "401" else "MISSING_SCOPES"
            return self._error(HubSpotError(int(kind), category, "The request was refused."))
        status = int(kind) if kind.isdigit() else 500
        return self._error(HubSpotError(status, "INTERNAL_ERROR", "internal error"))

    @staticmethod
    def _error(error: HubSpotError) -> Reply:
        return json_reply(error.status, error.body(), "application/json;charset=utf-8")

    # ---------------------------------------------------------------- requests
    def _handle(self, req: Request) -> Reply:
        if req.route == UNKNOWN_ROUTE or (req.method, req.route) not in ROUTES:
            return self._error(HubSpotError(404, "OBJECT_NOT_FOUND", f"Unable to route {req.method} {req.path}"))
        auth = req.header("Authorization") or ""
        if auth != f"Bearer {self.token}":
            return self._error(
                HubSpotError(
                    401,
                    "INVALID_AUTHENTICATION",
                    "Authentication credentials not found. This API supports OAuth 2.0 authentication.",
                )
            )
        spec, scope = ROUTES[(req.method, req.route)]
        if scope and scope not in self.scopes:
            return self._error(
                HubSpotError(
                    403,
                    "MISSING_SCOPES",
                    "This app hasn't been granted all required scopes to make this call.",
                    [{"message": f"One or more of the following scopes are required: [{scope}]"}],
                    {"requiredGranularScopes": [scope]},
                )
            )
        throttled = self._throttle()
        if throttled is not None:
            return throttled
        try:
            body = req.json()
        except ValueError:
            return self._error(_invalid("Invalid input JSON on line 1"))
        try:
            if req.method == "POST" and self.strict_requests:
                found = schema_errors(strict(openapi_request_schema(spec, "POST", req.route)), body)
                if found:
                    raise _invalid(
                        "Invalid input JSON: " + "; ".join(found[:5]),
                        [{"message": f, "code": "INVALID_INPUT"} for f in found[:20]],
                    )
            with self._lock:
                status, payload = self._dispatch(req, body)
        except HubSpotError as error:
            return self._error(error)
        if status == 204:
            return 204, self._rate_headers(), b""
        return json_reply(status, payload, "application/json;charset=utf-8", self._rate_headers())

    def _dispatch(self, req: Request, body: Any) -> tuple[int, Any]:
        now = time.time()
        if req.route == R_DETAILS:
            return 200, {
                "portalId": self.portal_id,
                "accountType": "STANDARD",
                "timeZone": "US/Eastern",
                "companyCurrency": "USD",
                "additionalCurrencies": [],
                "utcOffset": "-05:00",
                "utcOffsetMilliseconds": -18_000_000,
                "uiDomain": "app.hubspot.com",
                "dataHostingLocation": "na1",
            }
        if req.route == R_USAGE:
            return 200, {
                "results": [
                    {
                        "name": "private-apps-api-calls-daily",
                        "usageLimit": self.daily_limit,
                        "currentUsage": self._daily_used,
                        "collectedAt": _iso(now),
                        "fetchStatus": "SUCCESS",
                        "resetsAt": _iso(now + 86_400),
                    }
                ]
            }
        if req.route == R_PROPERTIES:
            if req.params["objectType"] != "contacts":
                raise HubSpotError(
                    400, "VALIDATION_ERROR", f"Unable to infer object type from: {req.params['objectType']}"
                )
            return 200, {"results": [dict(p) for p in self._properties.values()]}
        if req.route == R_UPSERT:
            return self._upsert(body["inputs"], now)
        if req.route == R_READ:
            return self._read(body, req.query.get("archived") == "true")
        return self._archive(body["inputs"], now)

    # ---------------------------------------------------------------- contacts
    def _create(self, properties: dict[str, str], now: float) -> _Contact:
        contact = _Contact(str(next(self._ids)), {}, now)
        contact.properties = {**properties, "hs_object_id": contact.id, "createdate": _iso(now)}
        contact.properties["email"] = contact.properties["email"].strip().lower()
        contact.properties["lastmodifieddate"] = _iso(now)
        self._contacts[contact.id] = contact
        self._by_email[contact.properties["email"]] = contact.id
        return contact

    def _render(self, contact: _Contact, new: bool | None = None, trace: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": contact.id,
            "properties": dict(contact.properties),
            "createdAt": _iso(contact.created),
            "updatedAt": _iso(contact.updated),
            "archived": contact.archived,
        }
        if contact.archived:
            out["archivedAt"] = _iso(contact.updated)
        if new is not None:
            out["new"] = new
        if trace is not None:
            out["objectWriteTraceId"] = trace
        return out

    def _check_value(self, name: str, value: str) -> dict[str, Any] | None:
        """The error detail HubSpot gives a property value it will not store, or None."""
        prop = self._properties.get(name)
        if prop is None:
            return {
                "message": f'Property "{name}" does not exist',
                "code": "PROPERTY_DOESNT_EXIST",
                "context": {"propertyName": [name]},
            }
        if prop["modificationMetadata"]["readOnlyValue"]:
            return {
                "message": f'"{name}" is a read only property; its value cannot be set.',
                "code": "READ_ONLY_VALUE",
                "context": {"propertyName": [name]},
            }
        if value == "":
            return None  # an empty string clears a value
        if prop["type"] == "enumeration" and value not in {o["value"] for o in prop["options"]}:
            allowed = ", ".join(o["value"] for o in prop["options"])
            return {
                "message": f"{value} was not one of the allowed options: [{allowed}]",
                "code": "INVALID_OPTION",
                "context": {"propertyName": [name]},
            }
        if prop["type"] == "number":
            try:
                float(value)
            except ValueError:
                return {
                    "message": f"{value} is not a valid number",
                    "code": "INVALID_INTEGER",
                    "context": {"propertyName": [name]},
                }
        return None

    def _upsert(self, inputs: list[dict[str, Any]], now: float) -> tuple[int, dict[str, Any]]:
        if len(inputs) > BATCH_MAX:
            raise _invalid(f"Batch input is limited to {BATCH_MAX} inputs; got {len(inputs)}")
        problems: list[dict[str, Any]] = []
        seen: set[str] = set()
        for position, item in enumerate(inputs):
            if item.get("idProperty") != "email":
                raise _invalid(
                    f"idProperty {item.get('idProperty')!r} is not a unique property of contacts (use email)"
                )
            email = str(item["id"]).strip().lower()
            if email in seen:
                raise _invalid(f"Duplicate IDs found in batch input: [{email}]. IDs must be unique")
            seen.add(email)
            if not EMAIL.match(email):
                problems.append(
                    {
                        "message": f"Email address {item['id']} is invalid",
                        "code": "INVALID_EMAIL",
                        "in": f"inputs[{position}].id",
                    }
                )
            for name, value in (item.get("properties") or {}).items():
                detail = self._check_value(name, value)
                if detail is not None:
                    problems.append({**detail, "in": f"inputs[{position}].properties.{name}"})
        if problems:  # one bad input fails the batch (the worst case; see hubspot-facts.json)
            raise _invalid(f"Property values were not valid: {problems[0]['message']}", problems)
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        started = _iso(now)
        for item in inputs:
            email = str(item["id"]).strip().lower()
            trace = item.get("objectWriteTraceId")
            if email in self._gdpr_deleted:
                errors.append(
                    {
                        "status": "error",
                        "category": "VALIDATION_ERROR",
                        "message": f"{email} was permanently deleted (GDPR) and cannot be recreated",
                        "context": {"ids": [str(item["id"])]},
                        "errors": [],
                        "links": {},
                    }
                )
                continue
            properties = {k: v for k, v in (item.get("properties") or {}).items() if k != "email"}
            contact_id = self._by_email.get(email)
            if contact_id is None:
                contact = self._create({"email": email, **properties}, now)
                new = True
            else:
                contact = self._contacts[contact_id]
                contact.properties.update(properties)
                contact.properties["lastmodifieddate"] = _iso(now)
                contact.updated = now
                new = False
            results.append(self._render(contact, new, trace))
        results.reverse()  # HubSpot does not promise the input order
        payload: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "requestedAt": started,
            "startedAt": started,
            "completedAt": _iso(time.time()),
        }
        if errors:
            payload.update(errors=errors, numErrors=len(errors))
            return 207, payload
        return 200, payload

    def _read(self, body: dict[str, Any], archived: bool) -> tuple[int, dict[str, Any]]:
        by_email = body.get("idProperty") == "email"
        wanted = [str(i["id"]) for i in body["inputs"]]
        properties = list(body.get("properties") or [])
        results, missing = [], []
        for ident in wanted:
            contact_id = self._by_email.get(ident.strip().lower()) if by_email else ident
            contact = self._contacts.get(contact_id or "")
            if contact is None or contact.archived != archived:
                missing.append(ident)
                continue
            rendered = self._render(contact)
            rendered["properties"] = {
                k: v
                for k, v in contact.properties.items()
                if k in {*properties, "hs_object_id", "createdate", "lastmodifieddate"}
            }
            results.append(rendered)
        now = _iso(time.time())
        payload: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
        if missing:
            payload["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": NOT_FOUND_MESSAGE,
                    "context": {"ids": missing},
                    "errors": [],
                    "links": {},
                }
            ]
            payload["numErrors"] = 1
            return 207, payload
        return 200, payload

    def _archive(self, inputs: list[dict[str, Any]], now: float) -> tuple[int, None]:
        if len(inputs) > BATCH_MAX:
            raise _invalid(f"Batch input is limited to {BATCH_MAX} inputs; got {len(inputs)}")
        for item in inputs:
            contact = self._contacts.get(str(item["id"]))
            if contact is not None and not contact.archived:  # unknown ids: nothing to do, still 204
                contact.archived = True
                contact.updated = now
                self._by_email.pop(contact.properties["email"], None)
        return 204, None


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Fake HubSpot (contacts API) for Tapestry's tests and benchmarks")
    add_common_args(parser)
    parser.add_argument("--token", default="pat-na1-fake-0000-token")
    parser.add_argument("--portal-id", type=int, default=4_200_042)
    parser.add_argument("--burst-limit", type=int, default=int(FREE_LIMITS["per_10_seconds"]))
    parser.add_argument("--daily-limit", type=int, default=int(FREE_LIMITS["per_day"]))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    fake = FakeHubSpot(
        token=args.token,
        portal_id=args.portal_id,
        burst_limit=args.burst_limit,
        daily_limit=args.daily_limit,
        **common_kwargs(args),
    )
    return run_cli(fake, lambda: {"base_url": fake.base_url, "token": fake.token, "portal_id": fake.portal_id})


if __name__ == "__main__":
    raise SystemExit(main())
