"""Local fake of the Airbyte OSS public API subset Tapestry drives (``/api/public/v1`` + ``/api/v1/health``).

A real HTTP/1.1 server (see ``_http.py``) bound to 127.0.0.1 that behaves like an abctl install
behind its nginx ingress (reference §2 and §8.1; shapes follow airbyte-platform ``publicapi``):

* ``POST applications/token`` (JSON **or** form body, anonymous) -> ``{"access_token",
  "token_type":"Bearer","expires_in":900}``; wrong credentials -> 401 ``invalid-api-key``. Tokens
  expire after ``token_ttl_seconds``; every other endpoint needs ``Authorization: Bearer <token>``.
* ``GET /api/v1/health`` -> ``{"available": true}``; ``GET health`` -> ``Successful operation``.
  Until "booted" **every** path answers the ingress's 503 HTML page (``boot_after_requests``,
  ``set_booted``) — poll health before calling the API.
* ``GET workspaces[/{id}]``; ``POST|GET sources``, ``GET|PATCH|PUT|DELETE sources/{id}`` (zoom,
  salesforce); the same for ``destinations`` (snowflake, key-pair auth only); ``GET streams``;
  ``POST|GET connections``, ``GET|PATCH|DELETE connections/{id}``; ``POST|GET jobs``,
  ``GET|DELETE jobs/{id}``.
* Errors are RFC 9457 problem JSON (``application/problem+json``) ``{"type","title","status",
  "detail","data"}`` with Airbyte's titles: 400 ``bad-request``, 401 ``invalid-api-key``, 403
  ``forbidden`` (unknown workspace), 404 ``resource-not-found`` (``not_found_status`` knob: some
  Airbyte versions answer 400), 409 ``try-again-later`` (a job of that connection is running), 409
  ``state-conflict``, 422 ``unprocessable-entity`` (``data.message``).

Held to the published specs vendored in ``tests/contracts/airbyte/`` (see its README):

* A source/destination ``configuration`` is validated against the connector's
  ``connectionSpecification`` (draft-07, formats not asserted, **no defaults filled in**: source-zoom's
  ``authorization_endpoint`` must be sent although it has a default); failures are 422
  ``unprocessable-entity``. ``sourceType``/``destinationType`` only select the connector: they are
  removed before storing and never returned inside ``configuration``; every ``airbyte_secret`` of the
  spec comes back masked.
* Request bodies are checked against their schema in ``public-api-schemas.json`` (400
  ``bad-request``); with ``strict_requests`` a key the schema does not define is refused too (the
  real server silently ignores it, e.g. ``workspaceId`` on ``POST connections``).
* Jobs report every ``JobResponse.status``: ``pending -> queued -> running -> ...``.

Behaviours callers must handle (like the real server):

* ``POST connections`` with empty/missing ``configurations.streams`` selects **every** discovered
  stream as ``full_refresh_overwrite`` (``ConnectionsController.kt``); always pass streams.
* Cron schedules are Quartz (6–7 fields, seconds and — with 7 fields — minutes must be numbers,
  exactly one of day-of-month/day-of-week is ``?``); the response appends the time zone
  (``"0 0 12 * * ? UTC"``).
* Jobs advance only when observed: each ``GET jobs/{id}`` (or a ``GET jobs`` listing that includes
  the job) counts one observation, a job shows each state ``job_steps`` times
  (``pending -> queued -> running -> succeeded|failed``, or ``... running -> incomplete -> running
  -> succeeded``), so callers must poll. ``startTime`` / ``lastUpdatedAt`` are written like Java's
  ``OffsetDateTime.toString()`` (seconds are dropped when zero: ``2026-01-05T10:00Z``);
  ``duration`` is ISO-8601 (``PT1M2S``); ``lastUpdatedAt`` only on terminal states.
* List ``next`` is a full URL whenever a page is full — the page after it may be empty.
* Secrets in returned configurations are ``**********``; sending ``**********`` back in a
  PATCH/PUT keeps the stored secret.
* Faults (``rate_429``/``rate_500``/``drop_rate``/``fail_next``) apply to every route, health and
  token included. 5xx kinds 502/503/504 are the ingress's HTML pages, 500 is problem JSON.

In-process::

    with FakeAirbyte(on_job_succeeded=land_rows) as fake:
        tok = httpx.post(fake.token_url, json={"client_id": fake.client_id,
              "client_secret": fake.client_secret, "grant_type": "client_credentials"}).json()

As a process: ``python tests/fakes/airbyte.py --port 0`` prints one JSON line (``base_url``,
``health_url``, ``token_url``, ``client_id``, ``client_secret``, ``workspace_id``, ...) when ready.

Stdlib plus ``jsonschema`` (for the vendored specs).
"""

from __future__ import annotations

import argparse
import copy
import re
import secrets
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlencode

if not __package__:  # executed as a script: make the sibling ``_http`` importable (PEP 366)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "fakes"

from contracts import catalog_facts, connector_spec, errors, public_api_schema, secret_paths, strict

from ._http import (
    BASE_FAULTS,
    MASK,
    UNKNOWN_ROUTE,
    FakeService,
    Reply,
    Request,
    add_common_args,
    common_kwargs,
    empty_reply,
    html_reply,
    iso_duration,
    json_reply,
    run_cli,
    text_reply,
)

__all__ = [
    "DESTINATION_DEFINITIONS",
    "SOURCE_DEFINITIONS",
    "STREAM_CATALOGS",
    "FakeAirbyte",
    "Problem",
    "StreamDef",
    "main",
]

API_PREFIX: Final = "/api/public/v1"
HEALTH_V1: Final = "/api/v1/health"
DOCS: Final = "https://reference.airbyte.com/reference/errors"
PROBLEM_JSON: Final = "application/problem+json"

_CATALOG: Final = catalog_facts()
#: Definition ids (airbyte-platform ``NameToDefinitionMapper.kt``, via catalog-facts.json).
SOURCE_DEFINITIONS: Final[dict[str, str]] = dict(_CATALOG["definitions"]["source"])
DESTINATION_DEFINITIONS: Final[dict[str, str]] = dict(_CATALOG["definitions"]["destination"])

SYNC_MODES: Final = (
    "full_refresh_overwrite",
    "full_refresh_overwrite_deduped",
    "full_refresh_append",
    "full_refresh_update",
    "full_refresh_soft_delete",
    "incremental_append",
    "incremental_deduped_history",
    "incremental_update",
    "incremental_soft_delete",
)
JOB_TYPES: Final = ("sync", "reset", "clear", "refresh")
TERMINAL: Final = frozenset({"succeeded", "failed", "cancelled"})
JOB_OUTCOMES: Final = ("succeeded", "failed", "incomplete-then-succeeded")
NAMESPACE_DEFINITIONS: Final = ("source", "destination", "custom_format")
SF_CRITERIA: Final = (
    "starts with",
    "ends with",
    "contains",
    "exacts",
    "starts not with",
    "ends not with",
    "not contains",
    "not exacts",
)
MAX_LIMIT: Final = 100
DEFAULT_LIMIT: Final = 20

# Route templates (relative to /api/public/v1 unless absolute); keys of ``requests_by_route``.
R_TOKEN: Final = "/applications/token"
R_HEALTH: Final = "/health"
R_WORKSPACES: Final = "/workspaces"
R_WORKSPACE: Final = "/workspaces/{workspaceId}"
R_SOURCES: Final = "/sources"
R_SOURCE: Final = "/sources/{sourceId}"
R_DESTINATIONS: Final = "/destinations"
R_DESTINATION: Final = "/destinations/{destinationId}"
R_STREAMS: Final = "/streams"
R_CONNECTIONS: Final = "/connections"
R_CONNECTION: Final = "/connections/{connectionId}"
R_JOBS: Final = "/jobs"
R_JOB: Final = "/jobs/{jobId}"

_COLLECTIONS: Final = {
    "workspaces": (R_WORKSPACES, R_WORKSPACE, "workspaceId"),
    "sources": (R_SOURCES, R_SOURCE, "sourceId"),
    "destinations": (R_DESTINATIONS, R_DESTINATION, "destinationId"),
    "connections": (R_CONNECTIONS, R_CONNECTION, "connectionId"),
    "jobs": (R_JOBS, R_JOB, "jobId"),
}

FULL_ONLY: Final = ("full_refresh_overwrite", "full_refresh_append")
FULL_WITH_PK: Final = (*FULL_ONLY, "full_refresh_overwrite_deduped")
INCREMENTAL: Final = (*FULL_WITH_PK, "incremental_append", "incremental_deduped_history")


# --------------------------------------------------------------------------------------------
# Catalogs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamDef:
    """One discovered stream (``GET streams`` item)."""

    name: str
    sync_modes: tuple[str, ...]
    fields: tuple[str, ...]
    primary_key: tuple[tuple[str, ...], ...] = ()
    default_cursor: tuple[str, ...] = ()
    source_defined_cursor: bool = False

    def render(self) -> dict[str, Any]:
        return {
            "streamName": self.name,
            "syncModes": list(self.sync_modes),
            "defaultCursorField": list(self.default_cursor),
            "sourceDefinedCursorField": self.source_defined_cursor,
            "sourceDefinedPrimaryKey": [list(k) for k in self.primary_key],
            "propertyFields": [[f] for f in self.fields],
        }


def _sf_stream(name: str, *extra: str) -> StreamDef:
    return StreamDef(
        name,
        INCREMENTAL,
        ("Id", "IsDeleted", *extra, "CreatedDate", "LastModifiedDate", "SystemModstamp"),
        primary_key=(("Id",),),
        default_cursor=("SystemModstamp",),
        source_defined_cursor=True,
    )


def _vendored_stream(source_type: str, name: str) -> StreamDef:
    """A stream whose key, cursor and fields come from the vendored catalog facts (``catalog-facts.<type>.json``):
    incremental on the cursor the connector's manifest defines."""
    facts = _CATALOG["streams"][source_type][name]
    return StreamDef(
        name,
        INCREMENTAL,
        tuple(facts["fields"]),
        primary_key=tuple(tuple(k) for k in facts["primary_key"]),
        default_cursor=tuple(facts["cursor"]),
        source_defined_cursor=bool(facts["source_defined_cursor"]),
    )


def _entity_stream(name: str, *fields: str, cursor: str = "updated") -> StreamDef:
    """Another stream a connector offers (not synced by Tapestry): an id and a source-defined cursor."""
    return StreamDef(
        name,
        INCREMENTAL,
        ("id", *fields, cursor),
        primary_key=(("id",),),
        default_cursor=(cursor,),
        source_defined_cursor=True,
    )


#: What discovery returns per source type (``GET streams`` / ``POST connections``).
STREAM_CATALOGS: Final[dict[str, tuple[StreamDef, ...]]] = {
    "zoom": (
        StreamDef(
            "users",
            FULL_WITH_PK,
            (
                "id",
                "first_name",
                "last_name",
                "display_name",
                "email",
                "type",
                "pmi",
                "timezone",
                "verified",
                "dept",
                "created_at",
                "last_login_time",
                "status",
                "role_id",
            ),
            primary_key=(("id",),),
        ),
        StreamDef(
            "webinars",
            FULL_WITH_PK,
            (
                "uuid",
                "id",
                "host_id",
                "topic",
                "type",
                "start_time",
                "duration",
                "timezone",
                "agenda",
                "created_at",
                "join_url",
            ),
            primary_key=(("id",),),
        ),
        # source-zoom's manifest: no primary key, no cursor, full refresh only (catalog-facts.json).
        StreamDef(
            "webinar_registrants", FULL_ONLY, tuple(_CATALOG["streams"]["zoom"]["webinar_registrants"]["fields"])
        ),
        StreamDef("webinar_panelists", FULL_ONLY, ("id", "webinar_id", "name", "email", "join_url")),
        StreamDef(
            "meetings",
            FULL_WITH_PK,
            ("uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone", "created_at", "join_url"),
            primary_key=(("id",),),
        ),
    ),
    "salesforce": (
        _sf_stream(
            "Contact",
            "AccountId",
            "FirstName",
            "LastName",
            "Name",
            "Email",
            "Phone",
            "Title",
            "OwnerId",
            "HasOptedOutOfEmail",
        ),
        _sf_stream("Account", "Name", "Industry", "Website", "OwnerId"),
        _sf_stream("Lead", "FirstName", "LastName", "Email", "Company", "Status"),
        _sf_stream("Opportunity", "AccountId", "Name", "StageName", "Amount", "CloseDate"),
    ),
    # source-stripe 5.14.1 (catalog-facts.stripe.json): customers and charges as vendored, and others it offers.
    "stripe": (
        _vendored_stream("stripe", "customers"),
        _vendored_stream("stripe", "charges"),
        _entity_stream("invoices", "customer", "amount_paid", "currency", "status", "created"),
        _entity_stream("subscriptions", "customer", "status", "created"),
        _entity_stream("refunds", "charge", "amount", "currency", "created"),
    ),
    # source-zendesk-support 4.9.1 (catalog-facts.zendesk-support.json): users and tickets as vendored, and others.
    "zendesk-support": (
        _vendored_stream("zendesk-support", "users"),
        _vendored_stream("zendesk-support", "tickets"),
        _entity_stream("organizations", "name", "created_at", cursor="updated_at"),
        _entity_stream("groups", "name", "created_at", cursor="updated_at"),
    ),
}

#: The request schema each write operation is validated against (public-api-schemas.json).
REQUEST_SCHEMAS: Final = {
    ("POST", "/applications/token"): "ApplicationTokenRequestWithGrant",
    ("POST", "/sources"): "SourceCreateRequest",
    ("PATCH", "/sources/{sourceId}"): "SourcePatchRequest",
    ("POST", "/destinations"): "DestinationCreateRequest",
    ("PATCH", "/destinations/{destinationId}"): "DestinationPatchRequest",
    ("POST", "/connections"): "ConnectionCreateRequest",
    ("PATCH", "/connections/{connectionId}"): "ConnectionPatchRequest",
    ("POST", "/jobs"): "JobCreateRequest",
}
_SCHEMA_INVALID: Final = (
    "The provided configuration does not fulfill the specification. Errors: json schema validation failed when "
    "comparing the data to the json schema. \nErrors: "
)


# --------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------


class Problem(Exception):
    """An RFC 9457 problem the API answers with."""

    def __init__(self, status: int, title: str, detail: str, anchor: str | None = None, data: Any = None) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.type = f"{DOCS}#{anchor or title}" if anchor != "" else DOCS
        self.data = data

    def doc(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status, "detail": self.detail}
        if self.data is not None:
            out["data"] = self.data
        return out

    def reply(self) -> Reply:
        return json_reply(self.status, self.doc(), PROBLEM_JSON)


def _msg(message: str) -> dict[str, str]:
    return {"message": message}


def bad_request(message: str) -> Problem:
    return Problem(
        400,
        "bad-request",
        "The request could not be understood by the server due to malformed syntax.",
        data=_msg(message),
    )


def unprocessable(message: str) -> Problem:
    return Problem(422, "unprocessable-entity", "The body of the request was not understood", data=_msg(message))


def invalid_api_key() -> Problem:
    return Problem(401, "invalid-api-key", "The API key in the Authorization header is invalid.")


def forbidden(message: str) -> Problem:
    return Problem(403, "forbidden", "The request is forbidden.", data=_msg(message))


def try_again_later(message: str) -> Problem:
    return Problem(409, "try-again-later", "Please try again later.", data=_msg(message))


def state_conflict(message: str) -> Problem:
    return Problem(409, "state-conflict", "State conflict", anchor="409-state-conflict", data=_msg(message))


def unexpected() -> Problem:
    return Problem(
        500,
        "unexpected-problem",
        "An unexpected problem has occurred. If this is an error that needs to be addressed, please submit a pull "
        "request or github issue.",
        anchor="",
    )


def _micronaut(status: int, message: str, path: str) -> Reply:
    """What the framework (not the public API) answers for unknown routes / wrong methods."""
    return json_reply(
        status,
        {
            "message": message,
            "_links": {"self": {"href": path, "templated": False}},
            "_embedded": {"errors": [{"message": "Page Not Found" if status == 404 else message}]},
        },
    )


# --------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------


def _java_time(ts: float) -> str:
    """``OffsetDateTime.toString()`` in UTC: ``2026-01-05T10:00:05Z``, seconds dropped when zero."""
    tm = time.gmtime(int(ts))
    out = time.strftime("%Y-%m-%dT%H:%M", tm)
    if tm.tm_sec:
        out += f":{tm.tm_sec:02d}"
    return out + "Z"


@dataclass
class _Actor:
    kind: str  # "source" | "destination"
    id: str
    name: str
    type: str
    workspace_id: str
    configuration: dict[str, Any]
    created_at: int

    def render(self, *, masked: bool = True) -> dict[str, Any]:
        conf = _mask_config(self.kind, self.type, self.configuration) if masked else copy.deepcopy(self.configuration)
        defs = SOURCE_DEFINITIONS if self.kind == "source" else DESTINATION_DEFINITIONS
        return {
            f"{self.kind}Id": self.id,
            "name": self.name,
            f"{self.kind}Type": self.type,
            "definitionId": defs[self.type],
            "workspaceId": self.workspace_id,
            "configuration": conf,
            "createdAt": self.created_at,
        }


@dataclass
class _Connection:
    id: str
    name: str
    source_id: str
    destination_id: str
    workspace_id: str
    status: str
    schedule: dict[str, Any]
    streams: list[dict[str, Any]]
    namespace_definition: str
    namespace_format: str | None
    prefix: str
    non_breaking: str
    created_at: int

    def render(self) -> dict[str, Any]:
        doc = {
            "connectionId": self.id,
            "name": self.name,
            "sourceId": self.source_id,
            "destinationId": self.destination_id,
            "workspaceId": self.workspace_id,
            "status": self.status,
            "schedule": dict(self.schedule),
            "dataResidency": "auto",
            "configurations": {"streams": copy.deepcopy(self.streams)},
            "nonBreakingSchemaUpdatesBehavior": self.non_breaking,
            "namespaceDefinition": self.namespace_definition,
            "namespaceFormat": self.namespace_format,
            "prefix": self.prefix,
            "createdAt": self.created_at,
            "tags": [],
        }
        if self.namespace_format is None:  # ConnectionResponse: a string when present, never null
            del doc["namespaceFormat"]
        return doc


@dataclass
class _Job:
    id: int
    connection_id: str
    job_type: str
    plan: list[str]
    created_at: float
    updated_at: float
    idx: int = 0
    shown: int = 0
    finalizing: bool = False
    rows: int | None = None
    bytes: int | None = None
    failure: str | None = None
    history: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.plan[self.idx]

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def advance(self, now: float, to: str | None = None) -> None:
        if to is not None:
            self.plan = [*self.plan[: self.idx + 1], to]
        self.idx += 1
        self.shown = 0
        self.updated_at = now
        self.history.append(self.status)
        if self.status not in ("pending", "queued") and self.rows is None:
            self.rows, self.bytes = 0, 0

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "jobId": self.id,
            "status": self.status,
            "jobType": self.job_type,
            "startTime": _java_time(self.created_at),
            "connectionId": self.connection_id,
        }
        if self.terminal:
            out["lastUpdatedAt"] = _java_time(self.updated_at)
        if self.status not in ("pending", "queued"):
            out["duration"] = iso_duration(self.updated_at - self.created_at)
        if self.rows is not None:
            out["rowsSynced"] = self.rows
            out["bytesSynced"] = self.bytes
        return out


def _mask_config(kind: str, type_: str, conf: dict[str, Any]) -> dict[str, Any]:
    """What the server returns: the stored configuration with every ``airbyte_secret`` of the
    connector's spec replaced by the mask (``JsonSecretsProcessor`` on the real server)."""
    out = copy.deepcopy(conf)
    for path in secret_paths(connector_spec(kind, type_)):
        node: Any = out
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get(path[-1]) not in (None, ""):
            node[path[-1]] = MASK
    return out


def _without_required(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_required(v) for k, v in node.items() if k != "required"}
    if isinstance(node, list):
        return [_without_required(v) for v in node]
    return node


def _merge(existing: Any, incoming: Any) -> Any:
    """Deep-merge ``incoming`` into ``existing``; a masked value keeps the stored secret."""
    if isinstance(existing, dict) and isinstance(incoming, dict):
        out = copy.deepcopy(existing)
        for k, v in incoming.items():
            out[k] = _merge(existing.get(k), v) if k in existing else _unmask(v, None)
        return out
    return _unmask(incoming, existing)


def _unmask(incoming: Any, existing: Any) -> Any:
    """Replace masked values in ``incoming`` by the stored ones (for PUT: keys present in both)."""
    if incoming == MASK and existing is not None:
        return copy.deepcopy(existing)
    if isinstance(incoming, dict):
        old = existing if isinstance(existing, dict) else {}
        return {k: _unmask(v, old.get(k)) for k, v in incoming.items()}
    return copy.deepcopy(incoming)


def _quartz_error(expr: str) -> str | None:
    """A plausible subset of cron-utils' Quartz validation plus Airbyte's own rules."""
    parts = expr.split()
    if len(parts) not in (6, 7):
        return f"Cron expression contains {len(parts)} parts but we expect one of [6, 7]"
    allowed = re.compile(r"^[0-9A-Za-z*?/,\-#]+$")
    for part in parts:
        if not allowed.match(part):
            return f"Invalid chars in expression! Expression: {part} Invalid chars: {part}"
    ranges = ((0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2099))
    for i, part in enumerate(parts):
        if i in (4, 5) and re.search(r"[A-Za-z]{3}", part):
            continue  # JAN-DEC / MON-SUN names
        for num in re.findall(r"\d+", part.split("/")[0]):
            lo, hi = ranges[i]
            if not lo <= int(num) <= hi:
                return f"Value {num} not in range [{lo}, {hi}]"
        if "?" in part and i not in (3, 5):
            return f"Invalid char '?' in field {i + 1}"
    dom, dow = parts[3], parts[5]
    if (dom == "?") == (dow == "?"):
        return "Both, a day-of-week AND a day-of-month parameter, are not supported."
    try:
        int(parts[0])
        if len(parts) == 7:
            int(parts[1])
    except ValueError:
        return "NUMBER"
    return None


def _validate_cron(expr: str) -> str:
    """Returns the normalised expression (``UTC`` suffix removed) or raises 400."""
    normalised = expr[:-3].strip() if expr.endswith("UTC") else expr.strip()
    err = _quartz_error(normalised)
    if err == "NUMBER":
        raise bad_request(
            f"The cron expression {expr} is not valid or is less than the one hour minimum. The seconds and minutes "
            "values cannot be `*`."
        )
    if err is not None:
        raise bad_request(
            f"The cron expression {expr} is not valid. Error: {err}. Please check the cron expression format at "
            "https://www.quartz-scheduler.org/documentation/quartz-2.3.0/tutorials/crontrigger.html"
        )
    return normalised


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------

JobHook = Callable[[dict[str, Any], dict[str, Any]], int | None]


class FakeAirbyte(FakeService):
    """In-memory Airbyte public API served over real HTTP. See the module docstring."""

    service_name = "airbyte"
    server_header = "nginx"
    fault_kinds = BASE_FAULTS
    knobs = (
        *FakeService.knobs,
        "token_ttl_seconds",
        "job_steps",
        "job_outcome",
        "rows_per_sync",
        "not_found_status",
        "empty_page_link",
        "strict_requests",
    )

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        workspace_id: str | None = None,
        token_ttl_seconds: float = 900,
        boot_after_requests: int = 0,
        booted: bool = True,
        job_steps: int = 1,
        job_outcome: str = "succeeded",
        rows_per_sync: int = 100,
        not_found_status: int = 404,
        empty_page_link: str | None = None,
        strict_requests: bool = False,
        on_job_succeeded: JobHook | None = None,
        **common: Any,
    ) -> None:
        super().__init__(**common)
        if job_outcome not in JOB_OUTCOMES:
            raise ValueError(f"job_outcome must be one of {JOB_OUTCOMES}")
        self._client_id = client_id or str(uuid.uuid4())
        self._client_secret = client_secret or secrets.token_urlsafe(24)
        self._workspace_id = workspace_id or str(uuid.uuid4())
        #: Lifetime of issued tokens (``expires_in`` is its integer part).
        self.token_ttl_seconds = token_ttl_seconds
        #: Observations (``GET jobs/{id}``) a job spends in each non-terminal state (min 1).
        self.job_steps = job_steps
        #: Outcome of jobs created from now on.
        self.job_outcome = job_outcome
        #: ``rowsSynced`` of a succeeded sync when ``on_job_succeeded`` returns no count.
        self.rows_per_sync = rows_per_sync
        #: Status of ``resource-not-found`` problems (404; older Airbyte versions answer 400).
        self.not_found_status = not_found_status
        #: ``next`` / ``previous`` when there is no such page (``None``; the real mapper sends ``""``).
        self.empty_page_link = empty_page_link
        #: Refuse (400) request bodies with keys their schema in public-api-schemas.json does not define.
        self.strict_requests = strict_requests
        #: Called (outside the lock, before the caller can observe ``succeeded``) with copies of the
        #: connection and the job when a **sync** job succeeds. Return a row count to set
        #: ``rowsSynced``; raising makes the job ``failed``.
        self.on_job_succeeded = on_job_succeeded

        self._boot_lock = threading.Lock()
        self._booted = booted and boot_after_requests <= 0
        self._boot_countdown: int | None = boot_after_requests if booted and boot_after_requests > 0 else None
        self._health_checks = 0
        self._tokens: dict[str, float] = {}
        self._tokens_issued = 0
        self._init_state()
        self._handlers: dict[str, dict[str, Callable[[Request], Reply]]] = {
            R_TOKEN: {"POST": self._h_token},
            R_HEALTH: {"GET": self._h_health, "HEAD": self._h_health},
            HEALTH_V1: {"GET": self._h_health_v1, "HEAD": self._h_health_v1},
            R_WORKSPACES: {"GET": self._h_workspaces},
            R_WORKSPACE: {"GET": self._h_workspace},
            R_SOURCES: {"GET": self._h_actors_list, "POST": self._h_actor_create},
            R_SOURCE: {
                "GET": self._h_actor_get,
                "PATCH": self._h_actor_update,
                "PUT": self._h_actor_update,
                "DELETE": self._h_actor_delete,
            },
            R_DESTINATIONS: {"GET": self._h_actors_list, "POST": self._h_actor_create},
            R_DESTINATION: {
                "GET": self._h_actor_get,
                "PATCH": self._h_actor_update,
                "PUT": self._h_actor_update,
                "DELETE": self._h_actor_delete,
            },
            R_STREAMS: {"GET": self._h_streams},
            R_CONNECTIONS: {"GET": self._h_connections_list, "POST": self._h_connection_create},
            R_CONNECTION: {
                "GET": self._h_connection_get,
                "PATCH": self._h_connection_patch,
                "DELETE": self._h_connection_delete,
            },
            R_JOBS: {"GET": self._h_jobs_list, "POST": self._h_job_create},
            R_JOB: {"GET": self._h_job_get, "DELETE": self._h_job_cancel},
        }

    def _init_state(self) -> None:
        self._sources: dict[str, _Actor] = {}
        self._destinations: dict[str, _Actor] = {}
        self._connections: dict[str, _Connection] = {}
        self._jobs: dict[int, _Job] = {}
        self._next_job_id = 1

    def _reset_state(self) -> None:
        self._init_state()

    # ---------------------------------------------------------------- URLs and credentials
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/public/v1`` (the SDK's ``server_url``)."""
        return self.root_url + API_PREFIX

    @property
    def health_url(self) -> str:
        """``http://127.0.0.1:PORT/api/v1/health`` (the ALB health check path)."""
        return self.root_url + HEALTH_V1

    @property
    def token_url(self) -> str:
        return self.base_url + R_TOKEN

    @property
    def client_id(self) -> str:
        return self._client_id

    @property
    def client_secret(self) -> str:
        return self._client_secret

    @property
    def workspace_id(self) -> str:
        return self._workspace_id

    # ---------------------------------------------------------------- boot / health hooks
    @property
    def booted(self) -> bool:
        return self._booted

    @property
    def health_checks(self) -> int:
        """Health requests seen (both health paths, booted or not)."""
        return self._health_checks

    def set_booted(self, booted: bool = True, *, after_requests: int | None = None) -> None:
        """``set_booted(True)``: up now. ``set_booted(False)``: every path answers 503 until
        ``set_booted(True)``, or — with ``after_requests=N`` — until N more health checks were refused."""
        with self._boot_lock:
            if booted:
                self._booted, self._boot_countdown = True, None
            else:
                self._booted = False
                self._boot_countdown = after_requests if after_requests is not None else None
                if after_requests is not None and after_requests <= 0:
                    self._booted, self._boot_countdown = True, None

    def _health_gate(self) -> bool:
        """Count a health check; True if the server is up (the check that boots it answers 200)."""
        with self._boot_lock:
            self._health_checks += 1
            if self._booted:
                return True
            if self._boot_countdown is None:
                return False
            if self._boot_countdown > 0:
                self._boot_countdown -= 1
                return False
            self._booted, self._boot_countdown = True, None
            return True

    # ---------------------------------------------------------------- token hooks
    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    @property
    def tokens_issued(self) -> int:
        return self._tokens_issued

    # ---------------------------------------------------------------- state hooks (copies)
    def sources(self) -> dict[str, dict[str, Any]]:
        """``{sourceId: source}`` with the **unmasked** configuration."""
        with self._lock:
            return {k: a.render(masked=False) for k, a in self._sources.items()}

    def destinations(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {k: a.render(masked=False) for k, a in self._destinations.items()}

    def connections(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {k: c.render() for k, c in self._connections.items()}

    def jobs(self) -> dict[int, dict[str, Any]]:
        """``{jobId: job}`` plus ``"history"`` (statuses it went through)."""
        with self._lock:
            return {k: {**j.render(), "history": list(j.history)} for k, j in self._jobs.items()}

    def _stats_extra(self) -> dict[str, Any]:
        return {
            "booted": self._booted,
            "health_checks": self._health_checks,
            "tokens_issued": self._tokens_issued,
            "sources": len(self._sources),
            "destinations": len(self._destinations),
            "connections": len(self._connections),
            "jobs": {str(j.id): j.status for j in self._jobs.values()},
        }

    def _admin_extra(self, name: str, method: str, data: Any) -> Reply | None:
        if method == "POST" and name == "booted":
            self.set_booted(bool(data.get("booted", True)), after_requests=data.get("after_requests"))
            return empty_reply()
        if method == "GET" and name in {"sources", "destinations", "connections", "jobs"}:
            return json_reply(200, getattr(self, name)())
        return None

    # ---------------------------------------------------------------- routing
    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        if path.rstrip("/") == HEALTH_V1:
            return HEALTH_V1, {}
        if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            return UNKNOWN_ROUTE, {}
        segs = [unquote(s) for s in path[len(API_PREFIX) :].split("/") if s]
        if segs == ["applications", "token"]:
            return R_TOKEN, {}
        if segs == ["health"]:
            return R_HEALTH, {}
        if segs == ["streams"]:
            return R_STREAMS, {}
        if segs and segs[0] in _COLLECTIONS:
            many, one, key = _COLLECTIONS[segs[0]]
            if len(segs) == 1:
                return many, {}
            if len(segs) == 2:
                return one, {key: segs[1]}
        return UNKNOWN_ROUTE, {}

    def _fault_reply(self, kind: str, req: Request) -> Reply:
        if kind == "401":
            return invalid_api_key().reply()
        if kind == "403":
            return forbidden("User does not have the required permissions to access the resource(s).").reply()
        if kind == "429":
            status, headers, body = Problem(
                429, "rate-limited", "Too many requests.", data=_msg("Rate limit exceeded")
            ).reply()
            return status, headers + self._retry_after_headers(), body
        if kind in {"502", "503", "504"}:
            return html_reply(int(kind))
        return unexpected().reply()

    def _handle(self, req: Request) -> Reply:
        template = req.route
        if template in (R_HEALTH, HEALTH_V1):
            if not self._health_gate():
                return html_reply(503)
        elif not self._booted:
            return html_reply(503)
        if template == UNKNOWN_ROUTE:
            return _micronaut(404, "Not Found", req.path)
        handler = self._handlers[template].get(req.method)
        if handler is None:
            return _micronaut(405, "Method Not Allowed", req.path)
        try:
            if template not in (R_TOKEN, R_HEALTH, HEALTH_V1):
                self._authenticate(req)
            if req.method in {"POST", "PUT", "PATCH"} and template != R_TOKEN:
                try:
                    req.json()
                except ValueError:
                    raise bad_request("Invalid JSON in the request body.") from None
                self._check_request(req)
            if template == R_JOB and req.method == "GET":
                return self._h_job_get(req)  # may call the hook outside the lock
            if template == R_JOBS and req.method == "GET":
                return self._h_jobs_list(req)
            with self._lock:
                return handler(req)
        except Problem as p:
            return p.reply()

    def _authenticate(self, req: Request) -> None:
        scheme, _, token = (req.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise invalid_api_key()
        with self._lock:
            expiry = self._tokens.get(token.strip())
        if expiry is None or self.clock() >= expiry:
            raise invalid_api_key()

    # ---------------------------------------------------------------- helpers
    def _not_found(self, resource_id: str, resource_type: str) -> Problem:
        return Problem(
            self.not_found_status,
            "resource-not-found",
            f"Could not find a resource for: {resource_id}",
            data={"resourceId": resource_id, "resourceType": resource_type},
        )

    def _object_body(self, req: Request) -> dict[str, Any]:
        body = req.json()
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        return body

    def _check_workspace(self, workspace_id: Any) -> str:
        if not isinstance(workspace_id, str) or not workspace_id:
            raise bad_request("workspaceId: must not be null")
        if workspace_id != self._workspace_id:
            raise forbidden("User does not have the required permissions to access the resource(s).")
        return workspace_id

    def _paging(self, req: Request) -> tuple[int, int]:
        try:
            limit = int(req.query.get("limit", DEFAULT_LIMIT))
            offset = int(req.query.get("offset", 0))
        except ValueError:
            raise bad_request("limit and offset must be integers") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise bad_request(f"limit: must be between 1 and {MAX_LIMIT}")
        if offset < 0:
            raise bad_request("offset: must be greater than or equal to 0")
        return limit, offset

    def _page(self, req: Request, items: list[dict[str, Any]], path: str, extra: dict[str, str]) -> Reply:
        limit, offset = self._paging(req)
        page = items[offset : offset + limit]
        base = f"{self.base_url}{path}"

        def link(off: int) -> str:
            return f"{base}?{urlencode({**extra, 'limit': limit, 'offset': off})}"

        nxt = link(offset + limit) if page and len(page) >= limit else self.empty_page_link
        prev = link(max(offset - limit, 0)) if offset != 0 else self.empty_page_link
        return json_reply(200, {"data": page, "next": nxt, "previous": prev})

    def _workspace_filter(self, req: Request) -> None:
        for wid in req.values("workspaceIds"):
            if wid != self._workspace_id:
                raise forbidden("User does not have the required permissions to access the resource(s).")

    # ---------------------------------------------------------------- token + health
    def _h_token(self, req: Request) -> Reply:
        data: dict[str, Any]
        if req.content_type == "application/x-www-form-urlencoded":
            data = dict(req.form())
        else:
            try:
                parsed = req.json()
            except ValueError:
                raise bad_request("Invalid JSON in the request body.") from None
            data = parsed if isinstance(parsed, dict) else {}
            self._check_request(req)
        grant = data.get("grant_type", "client_credentials")
        if grant != "client_credentials":
            raise bad_request(f"Unsupported grant_type: {grant}")
        if data.get("client_id") != self._client_id or data.get("client_secret") != self._client_secret:
            raise invalid_api_key()
        token = "eyJ" + secrets.token_urlsafe(48)
        with self._lock:
            self._tokens[token] = self.clock() + float(self.token_ttl_seconds)
            self._tokens_issued += 1
        return json_reply(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": int(self.token_ttl_seconds)}
        )

    def _h_health(self, req: Request) -> Reply:
        return text_reply(200, "Successful operation")

    def _h_health_v1(self, req: Request) -> Reply:
        return json_reply(200, {"available": True})

    # ---------------------------------------------------------------- workspaces
    def _workspace_doc(self) -> dict[str, Any]:
        return {
            "workspaceId": self._workspace_id,
            "name": "Default Workspace",
            "dataResidency": "auto",
            "notifications": {},
        }

    def _h_workspaces(self, req: Request) -> Reply:
        self._workspace_filter(req)
        extra = {"includeDeleted": req.query.get("includeDeleted", "false")}
        if req.values("workspaceIds"):
            extra["workspaceIds"] = ",".join(req.values("workspaceIds"))
        return self._page(req, [self._workspace_doc()], R_WORKSPACES, extra)

    def _h_workspace(self, req: Request) -> Reply:
        if req.params["workspaceId"] != self._workspace_id:
            raise self._not_found(req.params["workspaceId"], "workspace")
        return json_reply(200, self._workspace_doc())

    # ---------------------------------------------------------------- sources / destinations
    def _kind(self, req: Request) -> str:
        return "source" if req.route in (R_SOURCES, R_SOURCE) else "destination"

    def _store(self, kind: str) -> dict[str, _Actor]:
        return self._sources if kind == "source" else self._destinations

    def _actor(self, kind: str, actor_id: str) -> _Actor:
        actor = self._store(kind).get(actor_id)
        if actor is None:
            raise self._not_found(actor_id, kind)
        return actor

    def _resolve_type(self, kind: str, body: dict[str, Any], conf: dict[str, Any]) -> str:
        defs = SOURCE_DEFINITIONS if kind == "source" else DESTINATION_DEFINITIONS
        by_id = {v: k for k, v in defs.items()}
        declared = conf.get(f"{kind}Type")
        definition_id = body.get("definitionId")
        if declared is None and definition_id is None:
            raise unprocessable(f"configuration.{kind}Type or definitionId must be provided")
        if declared is not None and declared not in defs:
            raise unprocessable(f"Unknown {kind}Type: {declared}. Supported by this fake: {sorted(defs)}")
        if definition_id is not None and definition_id not in by_id:
            raise unprocessable(f"Unknown definitionId: {definition_id}")
        if declared is not None and definition_id is not None and by_id[str(definition_id)] != declared:
            raise unprocessable(f"definitionId {definition_id} does not match {kind}Type {declared}")
        return str(declared if declared is not None else by_id[str(definition_id)])

    @staticmethod
    def _validate_config(kind: str, type_: str, conf: dict[str, Any]) -> None:
        """The connector's ``connectionSpecification`` (draft-07), as the server checks it: nothing
        is filled in, so a required property that has a default must still be sent."""
        found = errors(connector_spec(kind, type_), conf)
        if found:
            raise unprocessable(_SCHEMA_INVALID + ", ".join(found))

    def _check_request(self, req: Request) -> None:
        """The body against the operation's request schema; with ``strict_requests`` no key the
        schema does not define is accepted (the real server ignores them, which hides typos)."""
        name = REQUEST_SCHEMAS.get((req.method, req.route))
        if name is None or (req.route == R_TOKEN and req.content_type == "application/x-www-form-urlencoded"):
            return
        schema = public_api_schema(name)
        # Missing required keys are answered by each handler in the server's words; strict mode adds
        # the schema's own verdict on them and on undefined keys.
        found = errors(strict(schema) if self.strict_requests else _without_required(schema), req.json())
        if found:
            raise bad_request("; ".join(found))

    def _h_actors_list(self, req: Request) -> Reply:
        kind = self._kind(req)
        self._workspace_filter(req)
        items = [a.render() for a in self._store(kind).values()]
        extra = {"includeDeleted": req.query.get("includeDeleted", "false")}
        if req.values("workspaceIds"):
            extra["workspaceIds"] = ",".join(req.values("workspaceIds"))
        return self._page(req, items, R_SOURCES if kind == "source" else R_DESTINATIONS, extra)

    def _h_actor_create(self, req: Request) -> Reply:
        kind = self._kind(req)
        body = self._object_body(req)
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise bad_request("name: must not be null")
        workspace_id = self._check_workspace(body.get("workspaceId"))
        conf = body.get("configuration")
        if not isinstance(conf, dict):
            raise unprocessable("configuration: must not be null")
        type_ = self._resolve_type(kind, body, conf)
        # The type selects the connector; it is not part of the connector's configuration.
        conf = {k: copy.deepcopy(v) for k, v in conf.items() if k != f"{kind}Type"}
        self._validate_config(kind, type_, conf)
        actor = _Actor(kind, str(uuid.uuid4()), name, type_, workspace_id, conf, int(self.clock()))
        self._store(kind)[actor.id] = actor
        return json_reply(200, actor.render())

    def _h_actor_get(self, req: Request) -> Reply:
        kind = self._kind(req)
        return json_reply(200, self._actor(kind, req.params[f"{kind}Id"]).render())

    def _h_actor_update(self, req: Request) -> Reply:
        kind = self._kind(req)
        actor = self._actor(kind, req.params[f"{kind}Id"])
        body = self._object_body(req)
        name = body.get("name", actor.name if req.method == "PATCH" else None)
        if not isinstance(name, str) or not name:
            raise bad_request("name: must not be null")
        incoming = body.get("configuration")
        if req.method == "PUT":
            if not isinstance(incoming, dict):
                raise unprocessable("configuration: must not be null")
            conf = _unmask(incoming, actor.configuration)
        elif incoming is None:
            conf = copy.deepcopy(actor.configuration)
        elif isinstance(incoming, dict):
            conf = _merge(actor.configuration, incoming)
        else:
            raise unprocessable("configuration: must be an object")
        declared = conf.pop(f"{kind}Type", actor.type)
        if declared != actor.type:
            raise unprocessable(f"{kind}Type cannot be changed ({actor.type} -> {declared})")
        self._validate_config(kind, actor.type, conf)
        actor.name, actor.configuration = name, conf
        return json_reply(200, actor.render())

    def _h_actor_delete(self, req: Request) -> Reply:
        kind = self._kind(req)
        actor = self._actor(kind, req.params[f"{kind}Id"])
        del self._store(kind)[actor.id]
        for conn in self._connections.values():
            if actor.id in (conn.source_id, conn.destination_id):
                conn.status = "deprecated"
        return empty_reply(204)

    # ---------------------------------------------------------------- streams
    def _discover(self, source: _Actor) -> tuple[StreamDef, ...]:
        streams = STREAM_CATALOGS[source.type]
        criteria = source.configuration.get("streams_criteria") if source.type == "salesforce" else None
        if not criteria:
            return streams
        return tuple(s for s in streams if any(_criterion_matches(c, s.name) for c in criteria))

    def _h_streams(self, req: Request) -> Reply:
        source_id = req.query.get("sourceId")
        if not source_id:
            raise bad_request("sourceId: must not be null")
        source = self._actor("source", source_id)
        dest_id = req.query.get("destinationId")
        if dest_id:
            self._actor("destination", dest_id)
        return json_reply(200, [s.render() for s in self._discover(source)])

    # ---------------------------------------------------------------- connections
    def _configure_streams(self, catalog: tuple[StreamDef, ...], requested: Any) -> list[dict[str, Any]]:
        if requested is None:
            requested = []
        if not isinstance(requested, list):
            raise bad_request("configurations.streams: must be an array")
        if not requested:  # the real API's trap: everything, full refresh | overwrite
            return [
                {
                    "name": s.name,
                    "syncMode": "full_refresh_overwrite",
                    "cursorField": list(s.default_cursor),
                    "primaryKey": [list(k) for k in s.primary_key],
                }
                for s in catalog
            ]
        valid = {s.name: s for s in catalog}
        seen: set[str] = set()
        out: list[dict[str, Any]] = []
        for item in requested:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise bad_request("configurations.streams[].name: must not be null")
            name = item["name"]
            if name not in valid:
                raise bad_request(f"Invalid stream found. The list of valid streams include: {sorted(valid)}.")
            if name in seen:
                raise bad_request(f"Duplicate stream found in configuration for: {name}.")
            seen.add(name)
            out.append(self._configure_stream(valid[name], item))
        return out

    @staticmethod
    def _configure_stream(s: StreamDef, item: dict[str, Any]) -> dict[str, Any]:
        mode = item.get("syncMode") or "full_refresh_overwrite"
        if mode not in SYNC_MODES:
            raise bad_request(f"Invalid syncMode {mode!r}; expected one of {list(SYNC_MODES)}")
        if mode not in s.sync_modes:
            raise bad_request(
                f"Cannot set sync mode to {mode} for stream {s.name}. Valid sync modes are: {list(s.sync_modes)}"
            )
        cursor = item.get("cursorField") or []
        pk = item.get("primaryKey") or []
        if not isinstance(cursor, list) or not all(isinstance(c, str) for c in cursor):
            raise bad_request(f"cursorField for stream {s.name} must be an array of strings")
        if not isinstance(pk, list) or not all(isinstance(k, list) for k in pk):
            raise bad_request(f"primaryKey for stream {s.name} must be an array of arrays of strings")
        fields = {(f,) for f in s.fields}
        source_pk = [list(k) for k in s.primary_key]
        if mode.startswith("incremental"):
            if s.source_defined_cursor:
                if cursor and set(cursor) != set(s.default_cursor):
                    raise bad_request(
                        f"Cursor Field {cursor} is already defined by source for stream: {s.name}. Do not include a "
                        "cursor field configuration for this stream."
                    )
                cursor = list(s.default_cursor)
            elif cursor:
                if tuple(cursor) not in fields:
                    raise bad_request(
                        f"Invalid cursor field for stream: {s.name}. The list of valid cursor fields include: "
                        f"{[list(f) for f in sorted(fields)]}."
                    )
            elif s.default_cursor:
                cursor = list(s.default_cursor)
            else:
                raise bad_request(
                    f"No default cursor field for stream: {s.name}. Please include a cursor field configuration for "
                    "this stream."
                )
        else:
            cursor = list(s.default_cursor)
        if mode in {"incremental_deduped_history", "full_refresh_overwrite_deduped"}:
            if source_pk and pk and pk != source_pk:
                raise bad_request(
                    f"Primary key for stream: {s.name} is already pre-defined. Please remove the primaryKey or provide "
                    f"the value as {source_pk}."
                )
            if not source_pk and not pk:
                raise bad_request(
                    f"No default primary key for stream: {s.name}. Please include a primary key configuration for "
                    "this stream."
                )
            for key in pk:
                if tuple(key) not in fields:
                    raise bad_request(
                        f"Invalid cursor field for stream: {s.name}. The list of valid primary keys fields: "
                        f"{[list(f) for f in sorted(fields)]}."
                    )
        resolved_pk = source_pk or [list(k) for k in pk]
        return {"name": s.name, "syncMode": mode, "cursorField": cursor, "primaryKey": resolved_pk}

    @staticmethod
    def _schedule(raw: Any) -> dict[str, Any]:
        if raw is None:
            return {"scheduleType": "manual"}
        if not isinstance(raw, dict):
            raise bad_request("schedule: must be an object")
        kind = raw.get("scheduleType")
        if kind == "manual":
            return {"scheduleType": "manual"}
        if kind == "cron":
            expr = raw.get("cronExpression")
            if not isinstance(expr, str) or not expr.strip():
                raise bad_request("Missing cron expression in the schedule.")
            return {"scheduleType": "cron", "cronExpression": f"{_validate_cron(expr)} UTC"}
        raise bad_request(f"Invalid scheduleType {kind!r}; expected one of ['manual', 'cron']")

    def _connection(self, connection_id: str) -> _Connection:
        conn = self._connections.get(connection_id)
        if conn is None:
            raise self._not_found(connection_id, "connection")
        return conn

    def _h_connection_create(self, req: Request) -> Reply:
        body = self._object_body(req)
        source_id, dest_id = body.get("sourceId"), body.get("destinationId")
        if not isinstance(source_id, str) or not source_id:
            raise bad_request("sourceId: must not be null")
        if not isinstance(dest_id, str) or not dest_id:
            raise bad_request("destinationId: must not be null")
        source = self._actor("source", source_id)
        dest = self._actor("destination", dest_id)
        schedule = self._schedule(body.get("schedule"))
        ns_def = body.get("namespaceDefinition", "destination")
        if ns_def not in NAMESPACE_DEFINITIONS:
            raise bad_request(f"Invalid namespaceDefinition {ns_def!r}; expected one of {list(NAMESPACE_DEFINITIONS)}")
        ns_format = body.get("namespaceFormat")
        if ns_def == "custom_format" and not ns_format:
            ns_format = "${SOURCE_NAMESPACE}"
        status = body.get("status", "active")
        if status not in ("active", "inactive"):
            raise bad_request(f"Invalid status {status!r}; expected one of ['active', 'inactive']")
        configurations = body.get("configurations") or {}
        if not isinstance(configurations, dict):
            raise bad_request("configurations: must be an object")
        streams = self._configure_streams(self._discover(source), configurations.get("streams"))
        conn = _Connection(
            id=str(uuid.uuid4()),
            name=str(body.get("name") or f"{source.name} → {dest.name}"),
            source_id=source.id,
            destination_id=dest.id,
            workspace_id=source.workspace_id,
            status=status,
            schedule=schedule,
            streams=streams,
            namespace_definition=ns_def,
            namespace_format=ns_format,
            prefix=str(body.get("prefix") or ""),
            non_breaking=str(body.get("nonBreakingSchemaUpdatesBehavior") or "ignore"),
            created_at=int(self.clock()),
        )
        self._connections[conn.id] = conn
        return json_reply(200, conn.render())

    def _h_connections_list(self, req: Request) -> Reply:
        self._workspace_filter(req)
        include_deleted = req.query.get("includeDeleted", "false").lower() == "true"
        items = [c.render() for c in self._connections.values() if include_deleted or c.status != "deprecated"]
        extra = {"includeDeleted": str(include_deleted).lower()}
        if req.values("workspaceIds"):
            extra["workspaceIds"] = ",".join(req.values("workspaceIds"))
        return self._page(req, items, R_CONNECTIONS, extra)

    def _h_connection_get(self, req: Request) -> Reply:
        return json_reply(200, self._connection(req.params["connectionId"]).render())

    def _h_connection_patch(self, req: Request) -> Reply:
        conn = self._connection(req.params["connectionId"])
        if conn.status == "deprecated":
            raise unprocessable(f"Connection {conn.id} is deprecated and cannot be updated.")
        body = self._object_body(req)
        updates: dict[str, Any] = {}
        if "schedule" in body:
            updates["schedule"] = self._schedule(body["schedule"])
        if "status" in body:
            if body["status"] not in ("active", "inactive"):
                raise bad_request(f"Invalid status {body['status']!r}; expected one of ['active', 'inactive']")
            updates["status"] = body["status"]
        if "namespaceDefinition" in body:
            if body["namespaceDefinition"] not in NAMESPACE_DEFINITIONS:
                raise bad_request(f"Invalid namespaceDefinition {body['namespaceDefinition']!r}")
            updates["namespace_definition"] = body["namespaceDefinition"]
        configurations = body.get("configurations")
        if isinstance(configurations, dict) and configurations.get("streams"):
            source = self._actor("source", conn.source_id)
            updates["streams"] = self._configure_streams(self._discover(source), configurations["streams"])
        for key, attr in (
            ("name", "name"),
            ("namespaceFormat", "namespace_format"),
            ("prefix", "prefix"),
            ("nonBreakingSchemaUpdatesBehavior", "non_breaking"),
        ):
            if key in body:
                updates[attr] = body[key]
        for attr, value in updates.items():
            setattr(conn, attr, value)
        return json_reply(200, conn.render())

    def _h_connection_delete(self, req: Request) -> Reply:
        conn = self._connection(req.params["connectionId"])
        conn.status = "deprecated"
        return empty_reply(204)

    # ---------------------------------------------------------------- jobs
    def _plan(self) -> list[str]:
        """A created job waits in ``queued`` for a worker before it runs (JobResponse.status)."""
        if self.job_outcome == "failed":
            return ["pending", "queued", "running", "failed"]
        if self.job_outcome == "incomplete-then-succeeded":
            return ["pending", "queued", "running", "incomplete", "running", "succeeded"]
        return ["pending", "queued", "running", "succeeded"]

    def _h_job_create(self, req: Request) -> Reply:
        body = self._object_body(req)
        connection_id = body.get("connectionId")
        if not isinstance(connection_id, str) or not connection_id:
            raise bad_request("connectionId: must not be null")
        job_type = body.get("jobType")
        if job_type not in JOB_TYPES:
            raise bad_request(f"Invalid jobType {job_type!r}; expected one of {list(JOB_TYPES)}")
        conn = self._connection(connection_id)
        if job_type == "refresh":
            raise unprocessable("Refreshes are not supported in the public API")
        if conn.status == "deprecated":
            raise unprocessable(f"Connection {conn.id} is deprecated.")
        for job in self._jobs.values():
            if job.connection_id == conn.id and not job.terminal:
                raise try_again_later(f"A sync is already running for: {conn.id}")
        now = self.clock()
        job = _Job(self._next_job_id, conn.id, str(job_type), self._plan(), now, now, shown=1, history=["pending"])
        self._next_job_id += 1
        self._jobs[job.id] = job
        return json_reply(200, job.render())

    def _observe(self, job: _Job) -> dict[str, Any]:
        """One observation of ``job`` (advances it; may run the success hook outside the lock)."""
        hook = None
        conn_doc: dict[str, Any] = {}
        job_doc: dict[str, Any] = {}
        with self._lock:
            if job.terminal or job.finalizing:
                return job.render()
            if job.shown >= max(1, int(self.job_steps)):
                nxt = job.plan[job.idx + 1]
                hook = self.on_job_succeeded if nxt == "succeeded" and job.job_type == "sync" else None
                if hook is None:
                    job.advance(self.clock())
                    if job.status == "succeeded":
                        job.rows = self.rows_per_sync if job.job_type == "sync" else 0
                        job.bytes = job.rows * 512
                else:
                    job.finalizing = True
                    conn_doc = self._connections[job.connection_id].render()
                    job_doc = {**job.render(), "status": "succeeded"}
            if hook is None:
                job.shown += 1
                return job.render()
        rows: int | None = None
        failure: str | None = None
        try:
            result = hook(conn_doc, job_doc)
            rows = result if isinstance(result, int) and not isinstance(result, bool) else None
        except Exception as e:
            traceback.print_exc()
            failure = f"{type(e).__name__}: {e}"
        with self._lock:
            job.finalizing = False
            if failure is not None:
                job.advance(self.clock(), to="failed")
                job.failure = failure
            else:
                job.advance(self.clock())
                job.rows = self.rows_per_sync if rows is None else rows
                job.bytes = job.rows * 512
            job.shown = 1
            return job.render()

    def _job_id(self, req: Request) -> _Job:
        raw = req.params["jobId"]
        try:
            job_id = int(raw)
        except ValueError:
            raise bad_request(f"jobId must be an integer: {raw}") from None
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise self._not_found(raw, "job")
        return job

    def _h_job_get(self, req: Request) -> Reply:
        return json_reply(200, self._observe(self._job_id(req)))

    def _h_job_cancel(self, req: Request) -> Reply:
        job = self._job_id(req)
        with self._lock:
            if job.terminal:
                raise state_conflict(f"Job {job.id} is already {job.status} and cannot be cancelled.")
            job.finalizing = False
            job.advance(self.clock(), to="cancelled")
            return json_reply(200, job.render())

    def _h_jobs_list(self, req: Request) -> Reply:
        self._workspace_filter(req)
        connection_id = req.query.get("connectionId")
        job_type = req.query.get("jobType")
        status = req.query.get("status")
        order_by = req.query.get("orderBy", "createdAt|ASC")
        m = re.fullmatch(r"(createdAt|updatedAt)\|(ASC|DESC)", order_by)
        if m is None:
            raise bad_request(f"Invalid order by clause provided: {order_by}")
        if job_type is not None and job_type not in JOB_TYPES:
            raise bad_request(f"Invalid jobType {job_type!r}")
        limit, offset = self._paging(req)
        with self._lock:
            if connection_id is not None:
                self._connection(connection_id)
            jobs = [
                j
                for j in self._jobs.values()
                if (connection_id is None or j.connection_id == connection_id)
                and (job_type is None or j.job_type == job_type)
                and (status is None or j.status == status)
            ]
        key = (lambda j: (j.created_at, j.id)) if m.group(1) == "createdAt" else (lambda j: (j.updated_at, j.id))
        jobs.sort(key=key, reverse=m.group(2) == "DESC")
        page = [self._observe(j) for j in jobs[offset : offset + limit]]
        extra = {k: v for k, v in (("connectionId", connection_id), ("jobType", job_type)) if v is not None}
        extra["orderBy"] = order_by
        base = f"{self.base_url}{R_JOBS}"

        def link(off: int) -> str:
            return f"{base}?{urlencode({**extra, 'limit': limit, 'offset': off})}"

        nxt = link(offset + limit) if page and len(page) >= limit else self.empty_page_link
        prev = link(max(offset - limit, 0)) if offset != 0 else self.empty_page_link
        return json_reply(200, {"data": page, "next": nxt, "previous": prev})


def _criterion_matches(criterion: dict[str, Any], stream: str) -> bool:
    """source-salesforce ``streams_criteria`` semantics (case-insensitive, any criterion matches)."""
    value = str(criterion.get("value", "")).lower()
    name = stream.lower()
    kind = criterion.get("criteria", "contains")
    checks = {
        "starts with": name.startswith(value),
        "ends with": name.endswith(value),
        "contains": value in name,
        "exacts": name == value,
        "starts not with": not name.startswith(value),
        "ends not with": not name.endswith(value),
        "not contains": value not in name,
        "not exacts": name != value,
    }
    return checks.get(kind, False)


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the local Airbyte public API fake.")
    add_common_args(parser)
    parser.add_argument("--client-id", default=None)
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--workspace-id", default=None)
    parser.add_argument("--token-ttl-seconds", type=float, default=900)
    parser.add_argument("--boot-after-requests", type=int, default=0)
    parser.add_argument("--job-steps", type=int, default=1)
    parser.add_argument("--job-outcome", choices=JOB_OUTCOMES, default="succeeded")
    parser.add_argument("--strict-requests", action="store_true", help="refuse keys the request schemas lack")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    fake = FakeAirbyte(
        client_id=args.client_id,
        client_secret=args.client_secret,
        workspace_id=args.workspace_id,
        token_ttl_seconds=args.token_ttl_seconds,
        boot_after_requests=args.boot_after_requests,
        job_steps=args.job_steps,
        job_outcome=args.job_outcome,
        strict_requests=args.strict_requests,
        **common_kwargs(args),
    )
    return run_cli(
        fake,
        lambda: {
            "base_url": fake.base_url,
            "health_url": fake.health_url,
            "token_url": fake.token_url,
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "workspace_id": fake.workspace_id,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
