"""Local fake of the Mailchimp Marketing API v3 subset used by Tapestry's sync engine.

A :class:`~fakes._http.FakeService` like the other fakes (the shared server, lifecycle, fault knobs,
counters, request log and ``/_fake/`` admin endpoints) that behaves like
``https://<dc>.api.mailchimp.com/3.0`` for audience syncs:

* Basic auth (any username, the API key as password); errors are ``application/problem+json``
  with Mailchimp's titles.
* ``GET /ping``, ``GET /``, ``GET /lists``, ``GET /lists/{id}``, ``GET /lists/{id}/merge-fields``,
  ``GET|POST /lists/{id}/members``, ``GET|PUT|PATCH|DELETE /lists/{id}/members/{hash}``,
  ``GET|POST /lists/{id}/members/{hash}/tags``,
  ``POST /lists/{id}/members/{hash}/actions/delete-permanent``, ``POST /lists/{id}`` (batch
  subscribe), ``GET|POST /lists/{id}/segments`` and ``POST /lists/{id}/segments/{segment_id}`` (static
  segments, which are tags: one name, one id), ``GET|POST /batches``, ``GET|DELETE /batches/{id}``.
* ``/batches`` run asynchronously in a worker thread; results are a tar.gz served (without auth,
  like Mailchimp's pre-signed S3 URL) at ``http://127.0.0.1:PORT/_batch-results/{id}.tar.gz``.
* The shared knobs (latency, 429s, 5xx, dropped connections, ``fail_next``) plus Mailchimp's own:
  5xx as load-balancer HTML (``html_5xx``), lost acknowledgements at a rate (``fail_after_apply_rate``)
  and the 10-simultaneous-connection limit (``max_connections``).
* A cost model (:data:`COST_MODELS`, ``use_cost_model``, ``--cost-model``): time per request
  (``latency_ms``), per ``/batches`` operation processed server-side one batch after another
  (``batch_ops_per_second``), per member of a batch subscribe (``batch_subscribe_ms_per_member``) and per
  e-mail of a static-segment call (``segment_ms_per_member``), the last two held on the connection; the
  500-pending-batch limit (``max_pending_batches``); ``charged_ms`` counts what was charged.
* Batch subscribe never touches an existing member without ``update_existing`` (``ERROR_CONTACT_EXISTS``)
  but re-adds an archived contact with the ``status`` sent (the docs are silent: the worst case), and
  ignores a member's ``tags`` (not in any typed source; ``strict_requests`` refuses them).
* Held to the shapes vendored in ``tests/contracts/mailchimp/`` (statuses, methods and limits come
  from there; ``strict_requests`` checks PUT member, POST tags and POST /batches bodies against their
  shape, undefined keys included). Archiving (``DELETE`` member) follows the recorded live rule: 405
  "Can not archive a contact that is bounced, pending or archived" for cleaned, pending and archived
  members; unsubscribed ones can be archived. Where the docs are silent the fake does the worst: an
  archived contact re-added by ``PUT`` (or ``PATCH``) takes the ``status``/``status_if_new`` sent, so
  an unsubscribed contact that was archived and is re-added with ``status_if_new: subscribed`` comes
  back **subscribed**; a client must never rely on Mailchimp to remember.
* Admin endpoints (no auth, not counted) under ``/_fake/`` for subprocess use: the shared ``stats``,
  ``config``, ``reset``, ``fail-next``, plus ``POST /_fake/lists``, ``POST /_fake/members``,
  ``POST /_fake/member-status``, ``POST /_fake/forget``.

In-process::

    with FakeMailchimp(list_ids=["aud1"]) as fake:
        client.set_config({"api_key": fake.api_key, "server": "us1"})
        client.api_client.host = fake.base_url

As a process: ``python tests/fakes/mailchimp.py --port 0 --list-id aud1`` prints one JSON line
(``base_url``, ``api_key``, ...) when ready and serves until SIGTERM/SIGINT.

Stdlib plus ``jsonschema`` (for the vendored shapes).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import email.utils
import hashlib
import io
import json
import os
import queue
import re
import secrets
import sys
import tarfile
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from email.message import Message
from typing import Any, ClassVar, Final, Self
from urllib.parse import parse_qsl, unquote

if not __package__:  # executed as a script: make the sibling ``_http`` importable (PEP 366)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "fakes"

from contracts import errors as schema_errors
from contracts import mailchimp_shape, strict

from ._http import UNKNOWN_ROUTE, FakeService, Request, run_cli

__all__ = ["ApiError", "FakeMailchimp", "is_valid_email", "main", "subscriber_hash"]

API_PREFIX: Final = "/3.0"
RESULTS_PREFIX: Final = "/_batch-results/"
ERROR_DOC_URL: Final = "https://mailchimp.com/developer/marketing/docs/errors/"
VALIDATION_DETAIL: Final = (
    "The resource submitted could not be validated. For field-specific details, see the 'errors' array."
)

SUBSCRIBED: Final = "subscribed"
UNSUBSCRIBED: Final = "unsubscribed"
CLEANED: Final = "cleaned"
PENDING: Final = "pending"
TRANSACTIONAL: Final = "transactional"
ARCHIVED: Final = "archived"
#: Statuses a client may send in ``status`` / ``status_if_new`` (the member_upsert shape's enum).
MEMBER_STATUSES: Final = frozenset(mailchimp_shape("member_upsert")["properties"]["status"]["enum"])
#: DELETE (archive) refuses these: "Can not archive a contact that is bounced, pending or archived".
NOT_ARCHIVABLE: Final = frozenset({CLEANED, PENDING, ARCHIVED})
#: Statuses a stored member may have (``GET ...members?status=`` accepts these).
ALL_STATUSES: Final = MEMBER_STATUSES | {ARCHIVED}

MAX_PAGE_COUNT: Final = int(mailchimp_shape("merge_fields_count_max"))
DEFAULT_PAGE_COUNT: Final = 10
MAX_BATCH_SUBSCRIBE: Final = int(mailchimp_shape("batch_subscribe_request")["properties"]["members"]["maxItems"])
MAX_SEGMENTS_PAGE: Final = int(mailchimp_shape("segments_count_max"))
MAX_SEGMENT_MEMBERS: Final = int(mailchimp_shape("segment_members_max"))
MAX_CONNECTIONS: Final = int(mailchimp_shape("max_concurrent_connections"))
BATCH_METHODS: Final = frozenset(
    mailchimp_shape("batch_request")["properties"]["operations"]["items"]["properties"]["method"]["enum"]
)

# Route templates (also the keys of ``requests_by_route``, prefixed with the method).
R_ROOT: Final = "/"
R_PING: Final = "/ping"
R_LISTS: Final = "/lists"
R_LIST: Final = "/lists/{id}"
R_MERGE_FIELDS: Final = "/lists/{id}/merge-fields"
R_MEMBERS: Final = "/lists/{id}/members"
R_MEMBER: Final = "/lists/{id}/members/{hash}"
R_TAGS: Final = "/lists/{id}/members/{hash}/tags"
R_DELETE_PERMANENT: Final = "/lists/{id}/members/{hash}/actions/delete-permanent"
R_SEGMENTS: Final = "/lists/{id}/segments"
R_SEGMENT: Final = "/lists/{id}/segments/{segment_id}"
R_BATCHES: Final = "/batches"
R_BATCH: Final = "/batches/{id}"

#: Kinds accepted by :meth:`FakeMailchimp.fail_next`.
PRE_APPLY_FAULTS: Final = frozenset({"401", "403", "429", "500", "502", "503", "drop"})
POST_APPLY_FAULTS: Final = frozenset({"after_apply_500", "after_apply_drop"})

#: What Mailchimp's own pace costs, as knob values: per request (``latency_ms``, held on the connection),
#: per operation of ``/batches`` (server-side, one batch after another), per member of a batch subscribe
#: and per e-mail of a static-segment (tag) call (both held on the connection, so they count against the
#: 10-connection cap). Mailchimp publishes none of these numbers: ``optimistic`` and ``pessimistic``
#: bracket what users report (benchmarks/sync_mailchimp.py prints both side by side); ``free`` is the
#: default of the tests.
COST_MODELS: Final[dict[str, dict[str, float | None]]] = {
    "free": {
        "latency_ms": 0.0,
        "batch_ops_per_second": None,
        "batch_subscribe_ms_per_member": 0.0,
        "segment_ms_per_member": 0.0,
    },
    "optimistic": {
        "latency_ms": 100.0,
        "batch_ops_per_second": 100.0,
        "batch_subscribe_ms_per_member": 1.0,
        "segment_ms_per_member": 0.5,
    },
    "pessimistic": {
        "latency_ms": 300.0,
        "batch_ops_per_second": 20.0,
        "batch_subscribe_ms_per_member": 4.0,
        "segment_ms_per_member": 2.0,
    },
}

KNOBS: Final = (
    "latency_ms",
    "rate_429",
    "retry_after",
    "rate_500",
    "html_5xx",
    "drop_rate",
    "fail_after_apply_rate",
    "max_connections",
    "batch_ops_per_second",
    "batch_results_per_file",
    "max_pending_batches",
    "batch_subscribe_ms_per_member",
    "segment_ms_per_member",
    "strict_requests",
    "log_requests",
)

_HTML_5XX: Final = {
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
}

_EMAIL_RE: Final = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)

# (status, headers, body); ``None`` instead of a reply means "close the socket, send nothing".
_Reply = tuple[int, list[tuple[str, str]], bytes]
_Handler = Callable[[dict[str, str], dict[str, str], Any], tuple[int, Any]]


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def subscriber_hash(email_address: str) -> str:
    """Mailchimp's member id: ``md5(lower(email))`` as lowercase hex."""
    return hashlib.md5(email_address.lower().encode("utf-8")).hexdigest()


def is_valid_email(value: str) -> bool:
    """A realistic syntax check: one ``@``, non-empty local part, dotted domain, alpha TLD >= 2."""
    at = value.find("@")
    return 0 < at <= 64 and len(value) <= 254 and _EMAIL_RE.fullmatch(value) is not None


class _Clock:
    """ISO-8601 and HTTP-date strings, recomputed at most once per second (cheap + shared)."""

    __slots__ = ("_http", "_iso", "_sec")

    def __init__(self) -> None:
        self._sec = -1
        self._iso = ""
        self._http = ""

    def _refresh(self) -> None:
        now = int(time.time())
        if now != self._sec:
            self._iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now))
            self._http = email.utils.formatdate(now, usegmt=True)
            self._sec = now

    def iso(self) -> str:
        self._refresh()
        return self._iso

    def http(self) -> str:
        self._refresh()
        return self._http


_CLOCK: Final = _Clock()


class ApiError(Exception):
    """An API error rendered as ``application/problem+json``."""

    def __init__(self, status: int, title: str, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors

    def problem(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": ERROR_DOC_URL,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": str(uuid.uuid4()),
        }
        if self.errors is not None:
            doc["errors"] = self.errors
        return doc


def _invalid(detail: str, errors: list[dict[str, str]] | None = None) -> ApiError:
    return ApiError(400, "Invalid Resource", detail, errors)


def _blank(field: str) -> ApiError:
    return _invalid(VALIDATION_DETAIL, [{"field": field, "message": "This value should not be blank."}])


def _not_found() -> ApiError:
    return ApiError(404, "Resource Not Found", "The requested resource could not be found.")


def _api_key_invalid() -> ApiError:
    return ApiError(
        401,
        "API Key Invalid",
        "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
    )


def _internal_error() -> ApiError:
    return ApiError(
        500,
        "Internal Server Error",
        "An unexpected internal error has occurred. Please contact Support for more information.",
    )


def _forgotten(email_address: str) -> ApiError:
    return ApiError(
        400,
        "Forgotten Email Not Subscribed",
        f"{email_address} was permanently deleted and cannot be re-imported. "
        "The contact must re-subscribe to get back on the list.",
    )


def _compliance(email_address: str) -> ApiError:
    # Real title (seen in the wild) is "Member In Compliance State"; status 400.
    return ApiError(
        400,
        "Member In Compliance State",
        f"{email_address} is in a compliance state due to unsubscribe, bounce, or compliance review "
        "and cannot be subscribed.",
    )


def _cannot_archive() -> ApiError:
    # Recorded from the live API (mailchimp-shapes.json _source.archive_405).
    return ApiError(
        405,
        "Method Not Allowed",
        "This list member cannot be removed. Can not archive a contact that is bounced, pending or archived",
    )


def _member_exists(email_address: str) -> ApiError:
    return ApiError(
        400,
        "Member Exists",
        f"{email_address} is already a list member. Use PUT to insert or update list members.",
    )


def _json_kind(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _invalid(
            VALIDATION_DETAIL,
            [{"field": "", "message": f"Schema describes object, {_json_kind(body)} found instead"}],
        )
    return body


def _require_email(data: dict[str, Any]) -> str:
    value = data.get("email_address")
    if value is None or value == "":
        raise _blank("email_address")
    if not isinstance(value, str):
        raise _invalid(
            VALIDATION_DETAIL,
            [
                {
                    "field": "email_address",
                    "message": f"Schema describes string, {_json_kind(value)} found instead",
                }
            ],
        )
    if not is_valid_email(value):
        raise _invalid(f"{value} looks fake or invalid, please enter a real email address.")
    return value


def _opt_status(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in MEMBER_STATUSES:
        raise _invalid(
            VALIDATION_DETAIL,
            [
                {
                    "field": key,
                    "message": "Data presented is not one of the accepted values: "
                    + ", ".join(sorted(MEMBER_STATUSES))
                    + ".",
                }
            ],
        )
    return value


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return value is True or value == 1


def _param_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _int_param(query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(
            VALIDATION_DETAIL, [{"field": name, "message": "This value should be of type integer."}]
        ) from None
    if value < 0:
        raise _invalid(VALIDATION_DETAIL, [{"field": name, "message": "This value should be 0 or more."}])
    return value


def _page(query: dict[str, str]) -> tuple[int, int]:
    """``(count, offset)``; count defaults to 10 and is capped at 1000 like the real API."""
    count = min(_int_param(query, "count", DEFAULT_PAGE_COUNT), MAX_PAGE_COUNT)
    return count, _int_param(query, "offset", 0)


def _field_tree(spec: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for raw in spec.split(","):
        path = raw.strip()
        if not path:
            continue
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    return tree


def _include_fields(obj: Any, tree: dict[str, Any]) -> Any:
    if isinstance(obj, list):
        return [_include_fields(item, tree) for item in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    for key, sub in tree.items():
        if key in obj:
            out[key] = _include_fields(obj[key], sub) if sub else obj[key]
    return out


def _exclude_fields(obj: Any, tree: dict[str, Any]) -> Any:
    if isinstance(obj, list):
        return [_exclude_fields(item, tree) for item in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    for key, value in obj.items():
        sub = tree.get(key)
        if sub is None:
            out[key] = value
        elif sub:
            out[key] = _exclude_fields(value, sub)
    return out


#: The request shape (mailchimp-shapes.json) of each operation Tapestry sends a body to.
REQUEST_SHAPES: Final = {
    ("PUT", R_MEMBER): "member_upsert",
    ("POST", R_TAGS): "member_tags",
    ("POST", R_BATCHES): "batch_request",
    ("POST", R_LIST): "batch_subscribe_request",
    ("POST", R_SEGMENTS): "segment_create_request",
    ("POST", R_SEGMENT): "segment_members_request",
}


def _check_shape(method: str, template: str, body: Any) -> None:
    name = REQUEST_SHAPES.get((method, template))
    if name is None:
        return
    found = schema_errors(strict(mailchimp_shape(name)), body)
    if found:
        problems = [
            {"field": f.split(":", 1)[0].removeprefix("$").lstrip("."), "message": f.split(":", 1)[1].strip()}
            for f in found
        ]
        raise _invalid(VALIDATION_DETAIL, problems)


def _resolve_hash(segment: str) -> str:
    # The real API also accepts the email address itself in place of the hash.
    return subscriber_hash(segment) if "@" in segment else segment


def _match_route(segs: list[str]) -> tuple[str | None, dict[str, str]]:
    """Map path segments below ``/3.0`` to ``(template, params)``; template None = no route."""
    n = len(segs)
    if n == 0:
        return R_ROOT, {}
    head = segs[0]
    if head == "ping":
        return (R_PING, {}) if n == 1 else (None, {})
    if head == "lists":
        if n == 1:
            return R_LISTS, {}
        params = {"id": segs[1]}
        if n == 2:
            return R_LIST, params
        sub = segs[2]
        if n == 3:
            if sub == "merge-fields":
                return R_MERGE_FIELDS, params
            if sub == "members":
                return R_MEMBERS, params
            if sub == "segments":
                return R_SEGMENTS, params
            return None, params
        if sub == "segments":
            return (R_SEGMENT, {**params, "segment_id": segs[3]}) if n == 4 else (None, params)
        if sub != "members":
            return None, params
        params["hash"] = _resolve_hash(segs[3])
        if n == 4:
            return R_MEMBER, params
        if n == 5 and segs[4] == "tags":
            return R_TAGS, params
        if n == 6 and segs[4] == "actions" and segs[5] == "delete-permanent":
            return R_DELETE_PERMANENT, params
        return None, params
    if head == "batches":
        if n == 1:
            return R_BATCHES, {}
        if n == 2:
            return R_BATCH, {"id": segs[1]}
    return None, {}


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _json_reply(status: int, payload: Any, content_type: str = "application/json") -> _Reply:
    return status, [("Content-Type", f"{content_type}; charset=utf-8")], _dumps(payload).encode("utf-8")


def _html_reply(status: int, reason: str) -> _Reply:
    body = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>openresty</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return status, [("Content-Type", "text/html")], body.encode("ascii")


# --------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------


class _MergeField:
    __slots__ = ("default_value", "merge_id", "name", "required", "tag", "type")

    def __init__(self, merge_id: int, tag: str, name: str, *, type_: str, required: bool, default_value: str) -> None:
        self.merge_id = merge_id
        self.tag = tag
        self.name = name
        self.type = type_
        self.required = required
        self.default_value = default_value


class _Member:
    """One audience member. ``merge`` is aligned with the list's merge-field order."""

    __slots__ = ("email", "extra", "hash", "last_changed", "merge", "status", "tags", "timestamp_opt")

    def __init__(self, hash_: str, email_address: str, status: str, merge: tuple[str, ...], now: str) -> None:
        self.hash = hash_
        self.email = email_address
        self.status = status
        self.merge = merge
        self.tags: list[str] | None = None
        self.timestamp_opt = now if status == SUBSCRIBED else ""
        self.last_changed = now
        self.extra: dict[str, Any] | None = None


class _List:
    def __init__(self, list_id: str, name: str, web_id: int) -> None:
        self.id = list_id
        self.name = name
        self.web_id = web_id
        self.date_created = _CLOCK.iso()
        self.fields: list[_MergeField] = []
        self.field_index: dict[str, int] = {}
        self.members: dict[str, _Member] = {}
        self.forgotten: set[str] = set()
        self.status_counts: Counter[str] = Counter()
        self.tag_ids: dict[str, int] = {}
        self.version = 0
        self._snapshots: dict[str | None, tuple[int, list[str]]] = {}

    # -- merge fields
    def add_field(
        self, tag: str, name: str, type_: str = "text", required: bool = False, default_value: str = ""
    ) -> _MergeField:
        if tag in self.field_index:
            raise ValueError(f"merge field {tag!r} already exists on list {self.id!r}")
        field = _MergeField(
            len(self.fields) + 1, tag, name, type_=type_, required=required, default_value=default_value
        )
        self.field_index[tag] = len(self.fields)
        self.fields.append(field)
        return field

    def merged(self, current: tuple[str, ...], updates: dict[str, str]) -> tuple[str, ...]:
        if not updates and len(current) == len(self.fields):
            return current
        values = list(current) + [""] * (len(self.fields) - len(current))
        for tag, value in updates.items():
            values[self.field_index[tag]] = value
        return tuple(values)

    def value(self, member: _Member, tag: str) -> str:
        idx = self.field_index[tag]
        return member.merge[idx] if idx < len(member.merge) else ""

    # -- members
    def add(self, member: _Member) -> None:
        self.members[member.hash] = member
        self.status_counts[member.status] += 1
        self.version += 1

    def remove(self, member: _Member) -> None:
        del self.members[member.hash]
        self.status_counts[member.status] -= 1
        self.version += 1

    def set_status(self, member: _Member, status: str) -> None:
        if member.status != status:
            self.status_counts[member.status] -= 1
            self.status_counts[status] += 1
            member.status = status
            self.version += 1

    def tag_id(self, name: str) -> int:
        tid = self.tag_ids.get(name)
        if tid is None:
            tid = self.tag_ids[name] = 1000 + len(self.tag_ids)
        return tid

    def tag_name(self, segment_id: str) -> str | None:
        """The tag (static segment) with this id."""
        return next((name for name, tid in self.tag_ids.items() if str(tid) == segment_id), None)

    def render_segment(self, name: str) -> dict[str, Any]:
        return {
            "id": self.tag_ids[name],
            "name": name,
            "type": "static",
            "created_at": self.date_created,
            "updated_at": self.date_created,
            "options": {},
            "list_id": self.id,
            "_links": [],
        }

    def snapshot(self, status: str | None) -> list[str]:
        """Member hashes (insertion order), cached until the next structural change."""
        cached = self._snapshots.get(status)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        keys = list(self.members) if status is None else [h for h, m in self.members.items() if m.status == status]
        self._snapshots[status] = (self.version, keys)
        return keys

    def clear(self) -> None:
        self.members.clear()
        self.forgotten.clear()
        self.status_counts.clear()
        self.tag_ids.clear()
        self._snapshots.clear()
        self.version += 1

    # -- rendering
    def render(self, m: _Member) -> dict[str, Any]:
        values = m.merge
        n = len(values)
        merge_fields = {f.tag: (values[i] if i < n else "") for i, f in enumerate(self.fields)}
        extra = m.extra or {}
        tags = [{"id": self.tag_ids[t], "name": t} for t in m.tags] if m.tags else []
        full_name = f"{merge_fields.get('FNAME', '')} {merge_fields.get('LNAME', '')}".strip()
        return {
            "id": m.hash,
            "email_address": m.email,
            "unique_email_id": m.hash[7:17],
            "full_name": full_name,
            "web_id": int(m.hash[:7], 16) if len(m.hash) >= 7 else 0,
            "email_type": extra.get("email_type", "html"),
            "status": m.status,
            "merge_fields": merge_fields,
            "interests": {},
            "stats": {"avg_open_rate": 0, "avg_click_rate": 0},
            "ip_signup": "",
            "timestamp_signup": "",
            "ip_opt": "",
            "timestamp_opt": m.timestamp_opt,
            "member_rating": 2,
            "last_changed": m.last_changed,
            "language": extra.get("language", ""),
            "vip": bool(extra.get("vip", False)),
            "email_client": "",
            "source": "API - Generic",
            "tags_count": len(tags),
            "tags": tags,
            "list_id": self.id,
            "_links": [],
        }

    def render_field(self, f: _MergeField) -> dict[str, Any]:
        return {
            "merge_id": f.merge_id,
            "tag": f.tag,
            "name": f.name,
            "type": f.type,
            "required": f.required,
            "default_value": f.default_value,
            "public": True,
            "display_order": f.merge_id + 1,
            "options": {"size": 25} if f.type == "text" else {},
            "help_text": "",
            "list_id": self.id,
            "_links": [],
        }

    def render_list(self) -> dict[str, Any]:
        counts = self.status_counts
        return {
            "id": self.id,
            "web_id": self.web_id,
            "name": self.name,
            "contact": {
                "company": "Tapestry",
                "address1": "",
                "city": "",
                "state": "",
                "zip": "",
                "country": "US",
            },
            "permission_reminder": "You signed up for updates.",
            "use_archive_bar": False,
            "campaign_defaults": {
                "from_name": "Tapestry",
                "from_email": "noreply@example.com",
                "subject": "",
                "language": "en",
            },
            "date_created": self.date_created,
            "list_rating": 0,
            "email_type_option": False,
            "visibility": "prv",
            "double_optin": False,
            "has_welcome": False,
            "marketing_permissions": False,
            "stats": {
                "member_count": counts[SUBSCRIBED],
                "unsubscribe_count": counts[UNSUBSCRIBED],
                "cleaned_count": counts[CLEANED],
                "total_contacts": len(self.members) - counts[ARCHIVED],
            },
            "_links": [],
        }


class _Batch:
    __slots__ = (
        "archive",
        "completed_at",
        "deleted",
        "errored",
        "finished",
        "id",
        "operations",
        "status",
        "submitted_at",
        "total",
        "url",
    )

    def __init__(self, batch_id: str, operations: list[dict[str, Any]]) -> None:
        self.id = batch_id
        self.status = "pending"
        self.operations: list[dict[str, Any]] | None = operations
        self.total = len(operations)
        self.finished = 0
        self.errored = 0
        self.submitted_at = _CLOCK.iso()
        self.completed_at = ""
        self.url = ""
        self.archive: bytes | None = None
        self.deleted = False

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "total_operations": self.total,
            "finished_operations": self.finished,
            "errored_operations": self.errored,
            "submitted_at": self.submitted_at,
            "completed_at": self.completed_at,
            "response_body_url": self.url,
            "_links": [],
        }


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeMailchimp(FakeService):
    """In-memory Mailchimp Marketing API v3 fake served over real HTTP. See module docstring."""

    service_name = "mailchimp"
    server_header: ClassVar[str | None] = "openresty"  # what Mailchimp's edge answers with
    fault_kinds = PRE_APPLY_FAULTS | POST_APPLY_FAULTS
    knobs = KNOBS

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = "fakekey-us1",
        list_ids: Iterable[str] = (),
        latency_ms: float = 0.0,
        rate_429: float = 0.0,
        retry_after: float | None = None,
        rate_500: float = 0.0,
        html_5xx: bool = False,
        drop_rate: float = 0.0,
        fail_after_apply_rate: float = 0.0,
        max_connections: int = MAX_CONNECTIONS,
        seed: int | None = None,
        batch_ops_per_second: float | None = None,
        batch_results_per_file: int = 500,
        max_pending_batches: int = 500,
        batch_subscribe_ms_per_member: float = 0.0,
        segment_ms_per_member: float = 0.0,
        strict_requests: bool = False,
        log_requests: bool = True,
    ) -> None:
        super().__init__(
            host=host,
            port=port,
            latency_ms=latency_ms,
            rate_429=rate_429,
            retry_after=retry_after,
            rate_500=rate_500,
            drop_rate=drop_rate,
            seed=seed,
            log_requests=log_requests,
        )
        # Knobs: plain attributes, read on every request, safe to change at runtime.
        self.html_5xx = html_5xx
        self.fail_after_apply_rate = fail_after_apply_rate
        self.max_connections = max_connections
        self.batch_ops_per_second = batch_ops_per_second
        self.batch_results_per_file = batch_results_per_file
        self.max_pending_batches = max_pending_batches
        self.batch_subscribe_ms_per_member = batch_subscribe_ms_per_member
        self.segment_ms_per_member = segment_ms_per_member
        #: Check bodies against their shape in mailchimp-shapes.json, undefined keys included (400).
        self.strict_requests = strict_requests

        self._api_key = api_key
        self._good_auth: set[str] = set()
        self._lists: dict[str, _List] = {}
        self._batches: dict[str, _Batch] = {}
        self._pending_batches = 0
        self._batch_queue: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

        self._routes: dict[str, dict[str, _Handler]] = {
            R_ROOT: {"GET": self._h_root},
            R_PING: {"GET": self._h_ping},
            R_LISTS: {"GET": self._h_lists},
            R_LIST: {"GET": self._h_list, "POST": self._h_batch_subscribe},
            R_MERGE_FIELDS: {"GET": self._h_merge_fields},
            R_SEGMENTS: {"GET": self._h_segments_list, "POST": self._h_segment_create},
            R_SEGMENT: {"POST": self._h_segment_members},
            R_MEMBERS: {"GET": self._h_members_list, "POST": self._h_member_create},
            R_MEMBER: {
                "GET": self._h_member_get,
                "PUT": self._h_member_put,
                "PATCH": self._h_member_patch,
                "DELETE": self._h_member_delete,
            },
            R_TAGS: {"GET": self._h_tags_get, "POST": self._h_tags_post},
            R_DELETE_PERMANENT: {"POST": self._h_delete_permanent},
            R_BATCHES: {"GET": self._h_batches_list, "POST": self._h_batches_post},
            R_BATCH: {"GET": self._h_batch_get, "DELETE": self._h_batch_delete},
        }

        for list_id in list_ids:
            self.add_list(list_id)

    # ---------------------------------------------------------------- lifecycle: the batch worker too
    def start(self) -> Self:
        super().start()
        self._worker = threading.Thread(target=self._batch_worker, name="fake-mailchimp-batches", daemon=True)
        self._worker.start()
        return self

    def stop(self) -> None:
        running = self._server is not None and not self._stopping.is_set()
        super().stop()
        if running and self._worker is not None:
            self._batch_queue.put(None)
            self._worker.join(timeout=5)

    @property
    def base_url(self) -> str:
        """API base, e.g. ``http://127.0.0.1:PORT/3.0`` (use as ``client.api_client.host``)."""
        return self.root_url + API_PREFIX

    @property
    def api_key(self) -> str:
        return self._api_key

    # ---------------------------------------------------------------- test hooks: state
    def add_list(
        self,
        list_id: str,
        merge_fields: Iterable[str | dict[str, Any]] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        """Create an audience. ``merge_fields``: tags or dicts ``{tag, name?, type?, required?,
        default_value?}``; default ``FNAME`` and ``LNAME`` text fields."""
        with self._lock:
            if list_id in self._lists:
                raise ValueError(f"list {list_id!r} already exists")
            lst = _List(list_id, name or f"Fake audience {list_id}", 100_000 + len(self._lists))
            specs: Iterable[str | dict[str, Any]] = (
                merge_fields
                if merge_fields is not None
                else [{"tag": "FNAME", "name": "First Name"}, {"tag": "LNAME", "name": "Last Name"}]
            )
            for spec in specs:
                self._add_field(lst, spec)
            self._lists[list_id] = lst

    def add_merge_field(
        self,
        list_id: str,
        tag: str,
        *,
        name: str | None = None,
        type: str = "text",
        required: bool = False,
        default_value: str = "",
    ) -> None:
        with self._lock:
            self._add_field(
                self._list_or_raise(list_id),
                {
                    "tag": tag,
                    "name": name,
                    "type": type,
                    "required": required,
                    "default_value": default_value,
                },
            )

    @staticmethod
    def _add_field(lst: _List, spec: str | dict[str, Any]) -> None:
        if isinstance(spec, str):
            lst.add_field(spec, spec.title())
            return
        tag = str(spec["tag"])
        lst.add_field(
            tag,
            str(spec.get("name") or tag.title()),
            str(spec.get("type") or "text"),
            bool(spec.get("required", False)),
            str(spec.get("default_value") or ""),
        )

    def _list_or_raise(self, list_id: str) -> _List:
        lst = self._lists.get(list_id)
        if lst is None:
            raise KeyError(f"unknown list {list_id!r}")
        return lst

    def add_member(
        self,
        list_id: str,
        email_address: str,
        status: str = SUBSCRIBED,
        merge_fields: dict[str, str] | None = None,
        tags: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Seed/overwrite a member, bypassing API rules (un-forgets the email). Returns its JSON."""
        if status not in ALL_STATUSES:
            raise ValueError(f"bad status {status!r}")
        with self._lock:
            lst = self._list_or_raise(list_id)
            h = subscriber_hash(email_address)
            lst.forgotten.discard(h)
            now = _CLOCK.iso()
            m = lst.members.get(h)
            updates = dict(merge_fields or {})
            unknown = [t for t in updates if t not in lst.field_index]
            if unknown:
                raise ValueError(f"unknown merge fields {unknown}")
            if m is None:
                m = _Member(h, email_address, status, lst.merged((), updates), now)
                lst.add(m)
            else:
                m.email = email_address
                m.merge = lst.merged(m.merge, updates)
                lst.set_status(m, status)
                m.last_changed = now
            for tag in tags:
                self._tag(lst, m, tag, active=True)
            return lst.render(m)

    def add_members(self, list_id: str, emails: Iterable[str], status: str = SUBSCRIBED) -> int:
        """Fast bulk seeding (benchmarks): add members with no merge values. Returns count added."""
        if status not in ALL_STATUSES:
            raise ValueError(f"bad status {status!r}")
        added = 0
        now = _CLOCK.iso()
        with self._lock:
            lst = self._list_or_raise(list_id)
            empty = lst.merged((), {})
            members = lst.members
            forgotten = lst.forgotten
            for addr in emails:
                h = subscriber_hash(addr)
                if h in members:
                    continue
                if forgotten:
                    forgotten.discard(h)
                members[h] = _Member(h, addr, status, empty, now)
                added += 1
            lst.status_counts[status] += added
            lst.version += 1
        return added

    def set_member_status(self, list_id: str, email_address: str, status: str) -> None:
        """Force a status (e.g. ``unsubscribed``/``cleaned``/``archived``), creating the member
        if needed. Bypasses every API rule."""
        if status not in ALL_STATUSES:
            raise ValueError(f"bad status {status!r}")
        with self._lock:
            lst = self._list_or_raise(list_id)
            m = lst.members.get(subscriber_hash(email_address))
            if m is None:
                self.add_member(list_id, email_address, status)
                return
            lst.set_status(m, status)
            m.last_changed = _CLOCK.iso()

    def forget(self, list_id: str, email_address: str) -> None:
        """Permanently delete (GDPR "forget"): the email can never be re-added via the API."""
        with self._lock:
            lst = self._list_or_raise(list_id)
            h = subscriber_hash(email_address)
            m = lst.members.get(h)
            if m is not None:
                lst.remove(m)
            lst.forgotten.add(h)

    def is_forgotten(self, list_id: str, email_address: str) -> bool:
        with self._lock:
            return subscriber_hash(email_address) in self._list_or_raise(list_id).forgotten

    def members(self, list_id: str) -> dict[str, dict[str, Any]]:
        """Copy of every member (archived included) as API JSON, keyed by subscriber hash."""
        with self._lock:
            lst = self._list_or_raise(list_id)
            return {h: lst.render(m) for h, m in lst.members.items()}

    def member(self, list_id: str, email_address: str) -> dict[str, Any] | None:
        with self._lock:
            lst = self._list_or_raise(list_id)
            m = lst.members.get(subscriber_hash(email_address))
            return None if m is None else lst.render(m)

    def member_count(self, list_id: str, status: str | None = None) -> int:
        """O(1): all stored members (archived included) or those with ``status``."""
        with self._lock:
            lst = self._list_or_raise(list_id)
            return len(lst.members) if status is None else lst.status_counts[status]

    def status_counts(self, list_id: str) -> dict[str, int]:
        with self._lock:
            return {k: v for k, v in self._list_or_raise(list_id).status_counts.items() if v}

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        with self._lock:
            b = self._batches.get(batch_id)
            return None if b is None else b.render()

    def batch_archive(self, batch_id: str) -> bytes | None:
        """The tar.gz bytes of a finished batch (what ``response_body_url`` serves)."""
        with self._lock:
            b = self._batches.get(batch_id)
            return None if b is None else b.archive

    def wait_for_batches(self, timeout: float = 10.0) -> bool:
        """Block until no batch is pending/running (False on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._pending_batches == 0:
                    return True
            time.sleep(0.005)
        return False

    def _reset_state(self) -> None:
        """Drop all members, forgotten emails and batches; keep lists (and their merge fields)."""
        for lst in self._lists.values():
            lst.clear()
        for b in self._batches.values():
            b.deleted = True
        self._batches.clear()
        self._pending_batches = 0

    # ---------------------------------------------------------------- counters
    def _reset_stats(self) -> None:
        super()._reset_stats()
        with self._stats_lock:
            self._batch_op_count = 0
            self._batch_ops_by_route: Counter[str] = Counter()
            self._charged_ms: Counter[str] = Counter()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def batch_operation_count(self) -> int:
        return self._batch_op_count

    @property
    def batch_operations_by_route(self) -> Counter[str]:
        with self._stats_lock:
            return Counter(self._batch_ops_by_route)

    @property
    def charged_ms(self) -> Counter[str]:
        """Server time charged by the cost model beyond ``latency_ms``, per route (``POST /lists/{id}``
        for batch subscribes, ``POST /lists/{id}/segments/{segment_id}`` for tag calls)."""
        with self._stats_lock:
            return Counter(self._charged_ms)

    def use_cost_model(self, name: str) -> None:
        """Set the knobs of one of :data:`COST_MODELS`."""
        self.configure(**COST_MODELS[name])

    def _stats_extra(self) -> dict[str, Any]:
        lists = {
            lid: {
                "members": len(lst.members),
                "status_counts": {k: v for k, v in lst.status_counts.items() if v},
                "forgotten": len(lst.forgotten),
            }
            for lid, lst in self._lists.items()
        }
        with self._stats_lock:
            counters = {
                "in_flight": self._in_flight,
                "batch_operation_count": self._batch_op_count,
                "batch_operations_by_route": dict(self._batch_ops_by_route),
                "charged_ms": dict(self._charged_ms),
            }
        return {**counters, "lists": lists, "batches": {"total": len(self._batches), "pending": self._pending_batches}}

    # ---------------------------------------------------------------- HTTP: routes, auth, limits, faults
    def _handle_http(self, method: str, target: str, headers: Message, body: bytes) -> _Reply | None:
        path = target.partition("?")[0]
        if path.startswith(RESULTS_PREFIX):  # the pre-signed archive URL: no auth, not counted
            return self._serve_archive(method, path)
        return super()._handle_http(method, target, headers, body)

    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            return UNKNOWN_ROUTE, {}
        template, params = _match_route([unquote(s) for s in path[len(API_PREFIX) :].split("/") if s])
        return (template, params) if template is not None else (UNKNOWN_ROUTE, {})

    def _serve_api(self, req: Request) -> _Reply | None:
        """Mailchimp checks the key first, then its connection limit; then the shared latency and faults."""
        if not self._authorized(req.header("Authorization")):
            return self._problem(_api_key_invalid())
        if req.arrival > self.max_connections:
            self._count_fault("connections")
            return self._too_many()
        return super()._serve_api(req)

    def _handle(self, req: Request) -> _Reply:
        if req.route == UNKNOWN_ROUTE:
            return self._problem(_not_found())
        try:
            parsed = json.loads(req.body) if req.body.strip() else None
        except ValueError:
            return self._problem(
                ApiError(400, "JSON Parse Exception", "We encountered an unspecified JSON parsing error.")
            )
        status, payload = self._dispatch(req.method, req.route, req.params, dict(req.query), parsed)
        self._charge(req, parsed, status)
        return self._encode(status, payload)

    def _charge(self, req: Request, body: Any, status: int) -> None:
        """Hold the connection for the server time a bulk call costs (the cost model), after applying it:
        a client that dies meanwhile leaves the work done and unacknowledged, as with the real service."""
        per_item, items = 0.0, 0
        if status == 200 and req.method == "POST" and isinstance(body, dict):
            if req.route == R_LIST and isinstance(body.get("members"), list):
                per_item, items = self.batch_subscribe_ms_per_member, len(body["members"])
            elif req.route == R_SEGMENT:
                per_item = self.segment_ms_per_member
                items = sum(len(body.get(k) or []) for k in ("members_to_add", "members_to_remove"))
        charged = per_item * items
        if charged <= 0:
            return
        with self._stats_lock:
            self._charged_ms[f"{req.method} {req.route}"] += charged
        self._stopping.wait(charged / 1000.0)

    def _authorized(self, header: str | None) -> bool:
        if not header:
            return False
        if header in self._good_auth:
            return True
        scheme, _, cred = header.partition(" ")
        scheme = scheme.lower()
        ok = False
        if scheme == "basic":
            try:
                decoded = base64.b64decode(cred.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            _, sep, password = decoded.partition(":")
            ok = bool(sep) and password == self._api_key
        elif scheme in {"apikey", "bearer"}:
            ok = cred.strip() == self._api_key
        if ok:
            self._good_auth.add(header)
        return ok

    def _pick_fault(self) -> str | None:
        with self._rng_lock:
            if self._forced and self._forced[0] in PRE_APPLY_FAULTS:
                return self._forced.popleft()
            r429, r500, rdrop = self.rate_429, self.rate_500, self.drop_rate
            if r429 <= 0 and r500 <= 0 and rdrop <= 0:
                return None
            x = self._rng.random()
            if x < r429:
                return "429"
            x -= r429
            if x < r500:
                if self.html_5xx and self._rng.random() < 0.5:  # from the load balancer, as HTML
                    return "502" if self._rng.random() < 0.5 else "503"
                return "500"
            x -= r500
            if x < rdrop:
                return "drop"
            return None

    def _pick_after_apply(self) -> str | None:
        forced = super()._pick_after_apply()
        if forced is not None:
            return forced
        with self._rng_lock:
            rate = self.fail_after_apply_rate
            if rate > 0 and self._rng.random() < rate:
                return "after_apply_drop" if self._rng.random() < 0.5 else "after_apply_500"
            return None

    def _too_many(self) -> _Reply:
        status, headers, body = self._problem(
            ApiError(
                429,
                "Too Many Requests",
                f"You have exceeded the limit of {self.max_connections} simultaneous connections.",
            )
        )
        return status, headers + self._retry_after_headers(), body

    def _fault_reply(self, kind: str, req: Request) -> _Reply:
        if kind == "401":
            return self._problem(_api_key_invalid())
        if kind == "429":
            return self._too_many()
        if kind == "500":
            return self._problem(_internal_error())
        if kind == "403":  # heavy throttling: a bare 403 from the edge, not problem JSON
            return _html_reply(403, "Forbidden")
        code = int(kind)
        return _html_reply(code, _HTML_5XX.get(code, "Error"))

    # ---------------------------------------------------------------- encoding
    @staticmethod
    def _problem(err: ApiError) -> _Reply:
        doc = err.problem()
        status, headers, body = _json_reply(err.status, doc, "application/problem+json")
        headers.append(("X-Request-Id", doc["instance"]))
        return status, headers, body

    @staticmethod
    def _encode(status: int, payload: Any) -> _Reply:
        if payload is None:
            return status, [("Content-Type", "application/json; charset=utf-8")], b""
        if status >= 400:
            reply = _json_reply(status, payload, "application/problem+json")
            if isinstance(payload, dict) and "instance" in payload:
                reply[1].append(("X-Request-Id", str(payload["instance"])))
            return reply
        return _json_reply(status, payload)

    # ---------------------------------------------------------------- dispatch
    def _dispatch(
        self, method: str, template: str, params: dict[str, str], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        """Run one API operation (HTTP or batch). Returns ``(status, payload-or-None)``."""
        handlers = self._routes.get(template)
        if handlers is None:
            err = _not_found()
            return err.status, err.problem()
        handler = handlers.get(method)
        if handler is None:
            err = ApiError(
                405,
                "Method Not Allowed",
                "The requested method and resource are not compatible. See the Allow header for "
                "this resource's available methods.",
            )
            return err.status, err.problem()
        try:
            if self.strict_requests:
                _check_shape(method, template, body)
            with self._lock:
                status, payload = handler(params, query, body)
        except ApiError as e:
            return e.status, e.problem()
        if payload is not None and status < 300:
            if query.get("fields"):
                payload = _include_fields(payload, _field_tree(query["fields"]))
            if query.get("exclude_fields"):
                payload = _exclude_fields(payload, _field_tree(query["exclude_fields"]))
        return status, payload

    def _get_list(self, list_id: str) -> _List:
        lst = self._lists.get(list_id)
        if lst is None:
            raise _not_found()
        return lst

    # ---------------------------------------------------------------- member rules
    def _validate_merge(
        self, lst: _List, raw: Any, current: tuple[str, ...] | None, skip_required: bool
    ) -> dict[str, str]:
        """Validate ``merge_fields``; returns tag -> string updates. ``current`` None = new member."""
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise _invalid(
                VALIDATION_DETAIL,
                [
                    {
                        "field": "merge_fields",
                        "message": f"Schema describes object, {_json_kind(raw)} found instead",
                    }
                ],
            )
        errors: list[dict[str, str]] = []
        updates: dict[str, str] = {}
        for tag, value in raw.items():
            if tag not in lst.field_index:
                errors.append({"field": str(tag), "message": f"Merge field {tag} does not exist in this list"})
            elif value is None:
                updates[tag] = ""
            elif isinstance(value, str):
                updates[tag] = value
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                updates[tag] = str(value)
            else:
                errors.append(
                    {
                        "field": str(tag),
                        "message": "Data did not match any of the schemas described in anyOf.",
                    }
                )
        if current is None:
            for f in lst.fields:
                if f.default_value and f.tag not in updates:
                    updates[f.tag] = f.default_value
        if not skip_required:
            for f in lst.fields:
                if not f.required:
                    continue
                if f.tag in updates:
                    value = updates[f.tag]
                elif current is None:
                    value = ""
                else:
                    continue
                if value == "" and not any(e["field"] == f.tag for e in errors):
                    errors.append({"field": f.tag, "message": "Please enter a value"})
        if errors:
            raise _invalid("Your merge fields were invalid.", errors)
        return updates

    @staticmethod
    def _check_transition(m: _Member, new_status: str) -> None:
        if (m.status == CLEANED and new_status in {SUBSCRIBED, PENDING}) or (
            m.status == UNSUBSCRIBED and new_status == SUBSCRIBED
        ):
            raise _compliance(m.email)

    @staticmethod
    def _apply_extra(m: _Member, data: dict[str, Any]) -> None:
        for key in ("email_type", "language", "vip"):
            if key in data:
                if m.extra is None:
                    m.extra = {}
                m.extra[key] = data[key]

    @staticmethod
    def _create_or_restore(
        lst: _List, m: _Member | None, h: str, email_address: str, *, status: str, updates: dict[str, str]
    ) -> _Member:
        now = _CLOCK.iso()
        if m is None:
            m = _Member(h, email_address, status, lst.merged((), updates), now)
            lst.add(m)
            return m
        m.email = email_address
        m.merge = lst.merged(m.merge, updates)
        lst.set_status(m, status)
        if status == SUBSCRIBED:
            m.timestamp_opt = now
        m.last_changed = now
        return m

    @staticmethod
    def _update_member(lst: _List, m: _Member, email_address: str, status: str | None, updates: dict[str, str]) -> None:
        changed = False
        if email_address != m.email:
            m.email = email_address
            changed = True
        if updates:
            merged = lst.merged(m.merge, updates)
            if merged != m.merge:
                m.merge = merged
                changed = True
        if status is not None and status != m.status:
            lst.set_status(m, status)
            if status == SUBSCRIBED:
                m.timestamp_opt = _CLOCK.iso()
            changed = True
        if changed:
            m.last_changed = _CLOCK.iso()

    @staticmethod
    def _tag(lst: _List, m: _Member, name: str, *, active: bool) -> None:
        if active:
            if m.tags is None:
                m.tags = []
            if name not in m.tags:
                lst.tag_id(name)
                m.tags.append(name)
        elif m.tags and name in m.tags:
            m.tags.remove(name)

    # ---------------------------------------------------------------- handlers: misc
    def _h_root(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        total = sum(lst.status_counts[SUBSCRIBED] for lst in self._lists.values())
        return 200, {
            "account_id": "fake0account0id",
            "login_id": "1",
            "account_name": "Tapestry Fake Mailchimp",
            "email": "owner@example.com",
            "first_name": "Fake",
            "last_name": "Owner",
            "username": "fake-owner",
            "role": "owner",
            "member_since": "2020-01-01T00:00:00+00:00",
            "pricing_plan_type": "monthly",
            "account_timezone": "UTC",
            "total_subscribers": total,
            "_links": [],
        }

    def _h_ping(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        return 200, {"health_status": "Everything's Chimpy!"}

    def _h_lists(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        count, offset = _page(q)
        all_lists = list(self._lists.values())
        return 200, {
            "lists": [lst.render_list() for lst in all_lists[offset : offset + count]],
            "total_items": len(all_lists),
            "constraints": {
                "may_create": True,
                "max_instances": 100,
                "current_total_instances": len(all_lists),
            },
            "_links": [],
        }

    def _h_list(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        return 200, self._get_list(p["id"]).render_list()

    def _h_merge_fields(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        count, offset = _page(q)
        return 200, {
            "merge_fields": [lst.render_field(f) for f in lst.fields[offset : offset + count]],
            "list_id": lst.id,
            "total_items": len(lst.fields),
            "_links": [],
        }

    # ---------------------------------------------------------------- handlers: members
    def _h_members_list(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        status = q.get("status") or None
        if status is not None and status not in ALL_STATUSES:
            raise _invalid(
                VALIDATION_DETAIL,
                [{"field": "status", "message": "Data presented is not one of the accepted values."}],
            )
        count, offset = _page(q)
        keys = lst.snapshot(status)
        members = lst.members
        return 200, {
            "members": [lst.render(members[h]) for h in keys[offset : offset + count]],
            "list_id": lst.id,
            "total_items": len(keys),
            "_links": [],
        }

    def _h_member_get(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        m = lst.members.get(p["hash"])
        if m is None:
            raise _not_found()
        return 200, lst.render(m)

    def _h_member_create(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        data = _require_object(body)
        email_address = _require_email(data)
        h = subscriber_hash(email_address)
        if h in lst.forgotten:
            raise _forgotten(email_address)
        m = lst.members.get(h)
        if m is not None and m.status != ARCHIVED:
            raise _member_exists(email_address)
        status = _opt_status(data, "status")
        if status is None:
            raise _blank("status")
        tags = data.get("tags")
        if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
            raise _invalid(VALIDATION_DETAIL, [{"field": "tags", "message": "Schema describes array of strings"}])
        updates = self._validate_merge(
            lst,
            data.get("merge_fields"),
            None if m is None else m.merge,
            _truthy(q.get("skip_merge_validation")),
        )
        m = self._create_or_restore(lst, m, h, email_address, status=status, updates=updates)
        for tag in tags or ():
            self._tag(lst, m, tag, active=True)
        self._apply_extra(m, data)
        return 200, lst.render(m)

    def _h_member_put(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        data = _require_object(body)
        email_address = _require_email(data)
        h = p["hash"]
        if subscriber_hash(email_address) != h:
            raise _invalid(
                f"The subscriber hash in the URL ({h}) does not match the email address "
                f"{email_address} (expected md5 of its lowercase form).",
                [{"field": "email_address", "message": "Does not match the subscriber hash in the URL."}],
            )
        if h in lst.forgotten:
            raise _forgotten(email_address)
        status = _opt_status(data, "status")
        status_if_new = _opt_status(data, "status_if_new")
        skip = _truthy(q.get("skip_merge_validation"))
        m = lst.members.get(h)
        if m is None or m.status == ARCHIVED:
            # Re-adding an archived contact: the docs are silent on what it restores, so this fake models
            # the worst case — it takes status_if_new, whatever the contact was before it was archived.
            new_status = status or status_if_new
            if new_status is None:
                raise _blank("status_if_new")
            updates = self._validate_merge(lst, data.get("merge_fields"), None if m is None else m.merge, skip)
            m = self._create_or_restore(lst, m, h, email_address, status=new_status, updates=updates)
        else:
            updates = self._validate_merge(lst, data.get("merge_fields"), m.merge, skip)
            if status is not None and status != m.status:
                self._check_transition(m, status)
            # status_if_new never touches an existing member (unsubscribed/cleaned stay so).
            self._update_member(lst, m, email_address, status, updates)
        self._apply_extra(m, data)
        return 200, lst.render(m)

    def _h_member_patch(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        data = _require_object(body)
        m = lst.members.get(p["hash"])
        if m is None:
            raise _not_found()
        email_address = m.email
        if "email_address" in data:
            email_address = _require_email(data)
            new_hash = subscriber_hash(email_address)
            if new_hash != m.hash:
                if new_hash in lst.forgotten:
                    raise _forgotten(email_address)
                other = lst.members.get(new_hash)
                if other is not None and other.status != ARCHIVED:
                    raise _member_exists(email_address)
        status = _opt_status(data, "status")
        updates = self._validate_merge(lst, data.get("merge_fields"), m.merge, _truthy(q.get("skip_merge_validation")))
        # An archived member is restored by any explicit status (no compliance history kept).
        if m.status != ARCHIVED and status is not None and status != m.status:
            self._check_transition(m, status)
        new_hash = subscriber_hash(email_address)
        if new_hash != m.hash:  # email change: re-key the member
            other = lst.members.get(new_hash)
            if other is not None:
                lst.remove(other)
            lst.remove(m)
            m.hash = new_hash
            lst.add(m)
        self._update_member(lst, m, email_address, status, updates)
        self._apply_extra(m, data)
        return 200, lst.render(m)

    def _h_member_delete(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        m = lst.members.get(p["hash"])
        if m is None:
            raise _not_found()
        if m.status in NOT_ARCHIVABLE:
            raise _cannot_archive()
        # An unsubscribed contact can be archived: nothing in the docs says what a re-add then restores,
        # so this fake does the worst (see _h_member_put).
        lst.set_status(m, ARCHIVED)
        m.last_changed = _CLOCK.iso()
        return 204, None

    def _h_delete_permanent(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        m = lst.members.get(p["hash"])
        if m is None:
            raise _not_found()
        lst.remove(m)
        lst.forgotten.add(m.hash)
        return 204, None

    def _h_tags_get(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        m = lst.members.get(p["hash"])
        if m is None:
            raise _not_found()
        count, offset = _page(q)
        tags = m.tags or []
        return 200, {
            "tags": [{"id": lst.tag_ids[t], "name": t, "date_added": ""} for t in tags[offset : offset + count]],
            "total_items": len(tags),
            "_links": [],
        }

    def _h_tags_post(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        data = _require_object(body)
        tags = data.get("tags")
        if not isinstance(tags, list):
            raise _blank("tags")
        errors: list[dict[str, str]] = []
        for i, t in enumerate(tags):
            if not isinstance(t, dict) or not isinstance(t.get("name"), str) or not t["name"].strip():
                errors.append({"field": f"tags.item:{i}.name", "message": "This value should not be blank."})
            elif t.get("status") not in {"active", "inactive"}:
                errors.append(
                    {
                        "field": f"tags.item:{i}.status",
                        "message": "Data presented is not one of the accepted values: active, inactive.",
                    }
                )
        if errors:
            raise _invalid(VALIDATION_DETAIL, errors)
        m = lst.members.get(p["hash"])
        if m is None:
            raise _not_found()
        for t in tags:
            self._tag(lst, m, t["name"], active=t["status"] == "active")
        return 204, None

    # ---------------------------------------------------------------- handlers: batch subscribe
    def _h_batch_subscribe(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        data = _require_object(body)
        entries = data.get("members")
        if not isinstance(entries, list):
            raise _blank("members")
        if len(entries) > MAX_BATCH_SUBSCRIBE:
            raise _invalid(
                VALIDATION_DETAIL,
                [
                    {
                        "field": "members",
                        "message": f"Array must contain no more than {MAX_BATCH_SUBSCRIBE} items",
                    }
                ],
            )
        update_existing = _truthy(data.get("update_existing"))
        skip = _truthy(q.get("skip_merge_validation"))
        new_members: list[dict[str, Any]] = []
        updated_members: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for entry in entries:
            raw_email = entry.get("email_address") if isinstance(entry, dict) else None
            shown = raw_email if isinstance(raw_email, str) else ""
            try:
                item = _require_object(entry)
                email_address = _require_email(item)
                h = subscriber_hash(email_address)
                if h in lst.forgotten:
                    raise _forgotten(email_address)
                status = _opt_status(item, "status")
                if status is None:
                    raise _blank("status")
                m = lst.members.get(h)
                if m is not None and m.status != ARCHIVED:
                    if not update_existing:
                        errors.append(
                            {
                                "email_address": email_address,
                                "error": f"{email_address} is already a list member, do you want to "
                                "update? please provide update_existing:true in the request body",
                                "error_code": "ERROR_CONTACT_EXISTS",
                            }
                        )
                        continue
                    updates = self._validate_merge(lst, item.get("merge_fields"), m.merge, skip)
                    # THE TRAP: no compliance check, status is overwritten (unsubscribed -> subscribed).
                    self._update_member(lst, m, email_address, status, updates)
                    self._apply_extra(m, item)
                    updated_members.append(lst.render(m))
                else:
                    updates = self._validate_merge(lst, item.get("merge_fields"), None if m is None else m.merge, skip)
                    m = self._create_or_restore(lst, m, h, email_address, status=status, updates=updates)
                    self._apply_extra(m, item)
                    new_members.append(lst.render(m))
            except ApiError as e:
                message = e.detail
                if e.errors:
                    message = "; ".join(f"{x['field']}: {x['message']}" for x in e.errors)
                errors.append({"email_address": shown, "error": message, "error_code": "ERROR_GENERIC"})
        return 200, {
            "new_members": new_members,
            "updated_members": updated_members,
            "errors": errors,
            "total_created": len(new_members),
            "total_updated": len(updated_members),
            "error_count": len(errors),
            "_links": [],
        }

    # ---------------------------------------------------------------- handlers: static segments (tags)
    # "Static segments are now known as tags" (mailchimp-bulk-shapes.json): a tag and the static segment of
    # the same name are one thing, with one id, whichever endpoint adds a member to it.
    def _h_segments_list(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        kind = q.get("type") or None
        if kind is not None and kind not in {"saved", "static", "fuzzy"}:
            raise _invalid(
                VALIDATION_DETAIL,
                [
                    {
                        "field": "type",
                        "message": "Data presented is not one of the accepted values: " + "saved, static, fuzzy.",
                    }
                ],
            )
        count = min(_int_param(q, "count", DEFAULT_PAGE_COUNT), MAX_SEGMENTS_PAGE)
        offset = _int_param(q, "offset", 0)
        names = list(lst.tag_ids) if kind in (None, "static") else []
        return 200, {
            "segments": [lst.render_segment(name) for name in names[offset : offset + count]],
            "list_id": lst.id,
            "total_items": len(names),
            "_links": [],
        }

    def _h_segment_create(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        data = _require_object(body)
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _blank("name")
        if data.get("options") is not None:  # a saved segment: conditions Tapestry never sends
            if data.get("static_segment") is not None:
                raise _invalid(
                    VALIDATION_DETAIL,
                    [{"field": "static_segment", "message": "This field cannot be provided with the options field."}],
                )
            raise _invalid("This fake serves static segments (tags) only.")
        if name in lst.tag_ids:
            raise _invalid(VALIDATION_DETAIL, [{"field": "name", "message": "A tag with this name already exists."}])
        lst.tag_id(name)
        for address in data.get("static_segment") or ():
            m = lst.members.get(subscriber_hash(str(address)))
            if m is not None and m.status != ARCHIVED:
                self._tag(lst, m, name, active=True)
        return 200, lst.render_segment(name)

    def _h_segment_members(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        lst = self._get_list(p["id"])
        name = lst.tag_name(p["segment_id"])
        if name is None:
            raise _not_found()
        data = _require_object(body)
        limit = MAX_SEGMENT_MEMBERS
        changes = {key: data.get(key) or [] for key in ("members_to_add", "members_to_remove")}
        if any(len(addresses) > limit for addresses in changes.values()):
            # the live answer, word for word (mailchimp-bulk-shapes.json _source.segment_members_max_400)
            raise _invalid(
                "Maximum allowed member items exceeded, please provide at most 500 items in members_to_add "
                "field or members_to_remove field"
            )
        added: list[dict[str, Any]] = []
        removed: list[dict[str, Any]] = []
        for key, out, active in (("members_to_add", added, True), ("members_to_remove", removed, False)):
            for address in changes[key]:
                # "Any emails provided that are not present on the list will be ignored."
                m = lst.members.get(subscriber_hash(str(address)))
                if m is None or m.status == ARCHIVED or (name in (m.tags or ())) == active:
                    continue
                self._tag(lst, m, name, active=active)
                out.append(lst.render(m))
        return 200, {
            "members_added": added,
            "members_removed": removed,
            "errors": [],
            "total_added": len(added),
            "total_removed": len(removed),
            "error_count": 0,
            "_links": [],
        }

    # ---------------------------------------------------------------- handlers: /batches
    def _h_batches_list(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        count, offset = _page(q)
        batches = list(self._batches.values())
        return 200, {
            "batches": [b.render() for b in batches[offset : offset + count]],
            "total_items": len(batches),
            "_links": [],
        }

    def _h_batch_get(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        b = self._batches.get(p["id"])
        if b is None:
            raise _not_found()
        return 200, b.render()

    def _h_batch_delete(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        b = self._batches.pop(p["id"], None)
        if b is None:
            raise _not_found()
        b.deleted = True
        if b.status != "finished":
            self._pending_batches -= 1
        b.archive = None
        return 204, None

    def _h_batches_post(self, p: dict[str, str], q: dict[str, str], body: Any) -> tuple[int, Any]:
        data = _require_object(body)
        ops = data.get("operations")
        if not isinstance(ops, list):
            raise _blank("operations")
        errors: list[dict[str, str]] = []
        for i, op in enumerate(ops):
            where = f"operations.item:{i}"
            if not isinstance(op, dict):
                errors.append({"field": where, "message": f"Schema describes object, {_json_kind(op)} found instead"})
                continue
            method = op.get("method")
            if not isinstance(method, str) or method.upper() not in BATCH_METHODS:
                errors.append(
                    {
                        "field": f"{where}.method",
                        "message": "Data presented is not one of the accepted values: "
                        + ", ".join(sorted(BATCH_METHODS))
                        + ".",
                    }
                )
            if not isinstance(op.get("path"), str) or not op["path"]:
                errors.append({"field": f"{where}.path", "message": "This value should not be blank."})
            if "body" in op and op["body"] is not None and not isinstance(op["body"], str):
                errors.append(
                    {
                        "field": f"{where}.body",
                        "message": f"Schema describes string, {_json_kind(op['body'])} found instead",
                    }
                )
            if "params" in op and op["params"] is not None and not isinstance(op["params"], dict):
                errors.append(
                    {
                        "field": f"{where}.params",
                        "message": f"Schema describes object, {_json_kind(op['params'])} found instead",
                    }
                )
            opid = op.get("operation_id")
            if opid is not None and not isinstance(opid, str):
                errors.append(
                    {
                        "field": f"{where}.operation_id",
                        "message": f"Schema describes string, {_json_kind(opid)} found instead",
                    }
                )
        if errors:
            raise _invalid(VALIDATION_DETAIL, errors)
        if self._pending_batches >= self.max_pending_batches:
            raise ApiError(
                429,
                "Too Many Requests",
                f"You have more than {self.max_pending_batches} pending batches. "
                "Please wait for some to finish before submitting more.",
            )
        batch_id = secrets.token_hex(5)
        while batch_id in self._batches:
            batch_id = secrets.token_hex(5)
        batch = _Batch(batch_id, ops)
        self._batches[batch_id] = batch
        self._pending_batches += 1
        self._batch_queue.put(batch)
        return 200, batch.render()

    # ---------------------------------------------------------------- batch worker
    def _batch_worker(self) -> None:
        while True:
            batch = self._batch_queue.get()
            if batch is None or self._stopping.is_set():
                return
            try:
                self._process_batch(batch)
            except Exception:
                traceback.print_exc()
                with self._lock:
                    if not batch.deleted and batch.status != "finished":
                        batch.status = "finished"
                        batch.completed_at = _CLOCK.iso()
                        self._pending_batches -= 1

    def _pause_one_op(self) -> None:
        rate = self.batch_ops_per_second
        if rate:
            self._stopping.wait(1.0 / rate)

    def _process_batch(self, batch: _Batch) -> None:
        if batch.deleted:
            return
        batch.status = "preprocessing"
        self._pause_one_op()
        batch.status = "started"
        buf = io.BytesIO()
        per_file = max(1, int(self.batch_results_per_file))
        with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:
            info = tarfile.TarInfo(batch.id)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = int(time.time())
            tar.addfile(info)
            chunk: list[dict[str, Any]] = []
            next_due = time.monotonic()
            for op in batch.operations or ():
                if batch.deleted or self._stopping.is_set():
                    return
                status, response = self._run_batch_op(op)
                chunk.append({"status_code": status, "operation_id": op.get("operation_id"), "response": response})
                with self._lock:
                    batch.finished += 1
                    if status >= 400:
                        batch.errored += 1
                if len(chunk) >= per_file:
                    self._add_results_file(tar, batch.id, chunk)
                    chunk = []
                rate = self.batch_ops_per_second
                if rate:
                    next_due += 1.0 / rate
                    delay = next_due - time.monotonic()
                    if delay > 0:
                        self._stopping.wait(delay)
                    else:
                        next_due = time.monotonic()
            batch.operations = None
            batch.status = "finalizing"
            self._pause_one_op()
            if chunk:
                self._add_results_file(tar, batch.id, chunk)
        archive = buf.getvalue()
        with self._lock:
            if batch.deleted:
                return
            batch.archive = archive
            batch.url = f"{self.root_url}{RESULTS_PREFIX}{batch.id}.tar.gz"
            batch.completed_at = _CLOCK.iso()
            batch.status = "finished"
            self._pending_batches -= 1

    @staticmethod
    def _add_results_file(tar: tarfile.TarFile, batch_id: str, chunk: list[dict[str, Any]]) -> None:
        data = _dumps(chunk).encode("utf-8")
        info = tarfile.TarInfo(f"{batch_id}/{secrets.token_hex(5)}.json")
        info.size = len(data)
        info.mode = 0o644
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))

    def _run_batch_op(self, op: dict[str, Any]) -> tuple[int, str]:
        method = str(op.get("method", "")).upper()
        raw_path, _, qs = str(op.get("path", "")).partition("?")
        query = dict(parse_qsl(qs, keep_blank_values=True)) if qs else {}
        params = op.get("params")
        if isinstance(params, dict):
            query.update({str(k): _param_str(v) for k, v in params.items()})
        path = raw_path.strip()
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            path = path[len(API_PREFIX) :]
        segs = [unquote(s) for s in path.split("/") if s]
        template, route_params = _match_route(segs)
        with self._stats_lock:
            self._batch_op_count += 1
            self._batch_ops_by_route[f"{method} {template if template is not None else '<unknown>'}"] += 1
        if template in {R_BATCHES, R_BATCH}:
            err = _invalid("Batch operations cannot operate on /batches.")
            return err.status, _dumps(err.problem())
        if template is None:
            return 404, _dumps(_not_found().problem())
        raw_body = op.get("body")
        parsed: Any = None
        if isinstance(raw_body, str) and raw_body.strip():
            try:
                parsed = json.loads(raw_body)
            except ValueError:
                err = ApiError(400, "JSON Parse Exception", "We encountered an unspecified JSON parsing error.")
                return err.status, _dumps(err.problem())
        status, payload = self._dispatch(method, template, route_params, query, parsed)
        return status, "" if payload is None else _dumps(payload)

    # ---------------------------------------------------------------- non-API endpoints
    def _serve_archive(self, method: str, path: str) -> _Reply:
        name = path[len(RESULTS_PREFIX) :]
        archive = None
        if method in {"GET", "HEAD"} and name.endswith(".tar.gz"):
            archive = self.batch_archive(name[: -len(".tar.gz")])
        if archive is None:
            body = (
                b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                b"<Message>The specified key does not exist.</Message></Error>"
            )
            return 404, [("Content-Type", "application/xml")], body
        return 200, [("Content-Type", "application/x-gzip")], archive

    def _admin_extra(self, name: str, method: str, data: Any) -> _Reply | None:
        if method == "POST" and name == "lists":
            self.add_list(data["list_id"], data.get("merge_fields"), name=data.get("name"))
            return 204, [], b""
        if method == "POST" and name == "members":
            added = self.add_members(data["list_id"], data["emails"], data.get("status", SUBSCRIBED))
            return _json_reply(200, {"added": added})
        if method == "POST" and name == "member-status":
            self.set_member_status(data["list_id"], data["email_address"], data["status"])
            return 204, [], b""
        if method == "POST" and name == "forget":
            self.forget(data["list_id"], data["email_address"])
            return 204, [], b""
        return None


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the local Mailchimp Marketing API fake.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    parser.add_argument("--api-key", default="fakekey-us1")
    parser.add_argument("--list-id", action="append", default=[], help="audience to create (repeatable)")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate-429", type=float, default=0.0)
    parser.add_argument("--retry-after", type=float, default=None)
    parser.add_argument("--rate-500", type=float, default=0.0)
    parser.add_argument("--html-5xx", action="store_true")
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--fail-after-apply-rate", type=float, default=0.0)
    parser.add_argument("--max-connections", type=int, default=MAX_CONNECTIONS)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--batch-ops-per-second", type=float, default=None)
    parser.add_argument("--batch-results-per-file", type=int, default=500)
    parser.add_argument("--max-pending-batches", type=int, default=500)
    parser.add_argument("--batch-subscribe-ms-per-member", type=float, default=0.0)
    parser.add_argument("--segment-ms-per-member", type=float, default=0.0)
    parser.add_argument(
        "--cost-model",
        choices=sorted(COST_MODELS),
        default=None,
        help="set latency, /batches pace and per-member times from a model (overrides those flags)",
    )
    parser.add_argument("--log-requests", action="store_true", help="keep an in-memory request log")
    parser.add_argument("--strict-requests", action="store_true", help="refuse keys the request shapes lack")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    fake = FakeMailchimp(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        list_ids=args.list_id,
        latency_ms=args.latency_ms,
        rate_429=args.rate_429,
        retry_after=args.retry_after,
        rate_500=args.rate_500,
        html_5xx=args.html_5xx,
        drop_rate=args.drop_rate,
        fail_after_apply_rate=args.fail_after_apply_rate,
        max_connections=args.max_connections,
        seed=args.seed,
        batch_ops_per_second=args.batch_ops_per_second,
        batch_results_per_file=args.batch_results_per_file,
        max_pending_batches=args.max_pending_batches,
        batch_subscribe_ms_per_member=args.batch_subscribe_ms_per_member,
        segment_ms_per_member=args.segment_ms_per_member,
        strict_requests=args.strict_requests,
        log_requests=args.log_requests,
    )
    if args.cost_model:
        fake.use_cost_model(args.cost_model)
    return run_cli(fake, lambda: {"base_url": fake.base_url, "api_key": fake.api_key, "list_ids": list(args.list_id)})


if __name__ == "__main__":
    sys.exit(main())
