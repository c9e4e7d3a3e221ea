"""Local fake of the Salesforce REST API subset Tapestry reads: OAuth refresh-token grant + SOQL.

A real HTTP/1.1 server (see ``_http.py``) bound to 127.0.0.1 that is both the login host and the
instance (reference §6 and §8.3):

* ``POST /services/oauth2/token`` (form body ``grant_type=refresh_token&client_id&client_secret
  &refresh_token``; client credentials may also come as HTTP Basic) -> ``{"access_token",
  "instance_url": <this fake's http URL>,"id","token_type":"Bearer","issued_at","signature","scope"}``
  — **no** ``expires_in``. Errors are 400 ``{"error","error_description"}``: ``invalid_grant``
  (``expired access/refresh token``), ``invalid_client_id``, ``invalid_client``,
  ``unsupported_grant_type`` (also what a JSON body gets: the grant type is not found).
* ``GET /services/data/vNN.N/query?q=`` **and** ``/query/`` (simple-salesforce adds the slash),
  ``queryAll`` (includes ``IsDeleted: true`` rows), ``GET …/query/{locator}-{offset}`` (the
  ``nextRecordsUrl``, a **relative** path), ``GET /services/data`` (versions),
  ``GET …/limits``, ``GET …/sobjects/{Contact|Account}/{id}``.
* Bulk API 2.0 query jobs: ``POST …/jobs/query {"operation":"query"|"queryAll","query"}``,
  ``GET …/jobs/query[/{id}]`` (``UploadComplete -> InProgress -> JobComplete``, one state per
  ``bulk_job_steps`` polls), ``GET …/jobs/query/{id}/results?maxRecords=&locator=`` (CSV,
  ``Sforce-Locator`` header is ``null`` on the last page), ``PATCH`` ``{"state":"Aborted"}``,
  ``DELETE``.

SOQL support (enough for an incremental Contact read): ``SELECT f1, f2, Account.Name FROM
Contact|Account [WHERE <cond>] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n]
[OFFSET n]`` where ``<cond>`` combines ``field op literal`` (``= != <> < <= > >=``), ``IN (…)``,
``NOT IN (…)``, ``LIKE '…%'``, ``AND``/``OR``/``NOT`` and parentheses; literals are unquoted
datetimes (``2026-01-01T00:00:00Z``), dates, numbers, ``'strings'``, ``true``/``false``/``null``.
``SELECT COUNT() FROM …`` returns ``totalSize`` and no records. Field and object names are
case-insensitive; records use the canonical names and carry ``attributes``; datetimes look like
``2026-01-05T10:00:00.000+0000``.

Errors are JSON **arrays** ``[{"message","errorCode"}]``: 401 ``INVALID_SESSION_ID`` (bad/expired
session: ``session_ttl_seconds``, ``expire_tokens()``), 400 ``MALFORMED_QUERY``, 400
``INVALID_FIELD`` (unknown field, quoted datetime literal, type mismatch), 400 ``INVALID_TYPE``
(unknown object), 400 ``INVALID_QUERY_LOCATOR``, 403 ``REQUEST_LIMIT_EXCEEDED``
(``api_request_limit`` — the daily API limit — or ``fail_next(403)``), 404 ``NOT_FOUND``
(unknown API version). The generic ``rate_429`` knob answers HTTP 429 with ``REQUEST_LIMIT_EXCEEDED``
(real orgs mostly signal limits with the 403).

In-process::

    with FakeSalesforce(page_size=10) as fake:
        tok = requests.post(fake.token_url, data={"grant_type": "refresh_token",
              "client_id": fake.client_id, "client_secret": fake.client_secret,
              "refresh_token": fake.refresh_token}).json()

As a process: ``python tests/fakes/salesforce.py --port 0`` prints one JSON line (``base_url``,
``token_url``, ``instance_url``, ``client_id``, ``client_secret``, ``refresh_token``, ...) when ready.

Stdlib only.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import copy
import csv
import hashlib
import io
import math
import random
import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
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
    empty_reply,
    html_reply,
    iso_utc,
    json_reply,
    run_cli,
    text_reply,
)

__all__ = ["SCHEMAS", "FakeSalesforce", "SalesforceError", "SoqlQuery", "main", "parse_soql", "sf_datetime"]

JSON_CT: Final = "application/json;charset=UTF-8"
MIN_VERSION: Final = 20.0
DEFAULT_PAGE_SIZE: Final = 2000

#: Field name -> type, per sObject (canonical casing). ``reference`` fields name their target.
SCHEMAS: Final[dict[str, dict[str, str]]] = {
    "Contact": {
        "Id": "id",
        "IsDeleted": "boolean",
        "AccountId": "reference:Account",
        "FirstName": "string",
        "LastName": "string",
        "Name": "string",
        "Email": "string",
        "Phone": "string",
        "Title": "string",
        "OwnerId": "reference:User",
        "HasOptedOutOfEmail": "boolean",
        "CreatedDate": "datetime",
        "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
    },
    "Account": {
        "Id": "id",
        "IsDeleted": "boolean",
        "Name": "string",
        "Industry": "string",
        "Website": "string",
        "OwnerId": "reference:User",
        "CreatedDate": "datetime",
        "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
    },
}
_PREFIX: Final = {"Contact": "003", "Account": "001"}
_RELATIONSHIPS: Final = {("Contact", "account"): ("Account", "AccountId")}

R_TOKEN: Final = "/services/oauth2/token"
R_VERSIONS: Final = "/services/data"
R_QUERY: Final = "/services/data/v{version}/query"
R_QUERY_MORE: Final = "/services/data/v{version}/query/{locator}"
R_QUERY_ALL: Final = "/services/data/v{version}/queryAll"
R_QUERY_ALL_MORE: Final = "/services/data/v{version}/queryAll/{locator}"
R_LIMITS: Final = "/services/data/v{version}/limits"
R_SOBJECT: Final = "/services/data/v{version}/sobjects/{sobject}/{id}"
R_BULK_JOBS: Final = "/services/data/v{version}/jobs/query"
R_BULK_JOB: Final = "/services/data/v{version}/jobs/query/{jobId}"
R_BULK_RESULTS: Final = "/services/data/v{version}/jobs/query/{jobId}/results"

_FIRST: Final = ("Ana", "Ben", "Chloé", "Dmitri", "Emma", "Farah", "Giulia", "Hiro", "Ines", "Jonas", "Kwame", "Lena")
_LAST: Final = ("Garcia", "Smith", "Müller", "Okafor", "Rossi", "Tanaka", "Nowak", "Dubois", "Silva", "O'Brien")
_INDUSTRIES: Final = ("Technology", "Retail", "Healthcare", "Education", None)
_TITLES: Final = ("CTO", "Data Engineer", "Marketing Manager", "Analyst", None)


# --------------------------------------------------------------------------------------------
# Errors and formatting
# --------------------------------------------------------------------------------------------


class SalesforceError(Exception):
    """An error the REST API answers with (a JSON array of one error)."""

    def __init__(self, status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or []

    def reply(self) -> Reply:
        return json_reply(self.status, [{"message": self.message, "errorCode": self.code}], JSON_CT, self.headers)


def _session_invalid() -> SalesforceError:
    return SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid", [("WWW-Authenticate", "Token")])


def _not_found() -> SalesforceError:
    return SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")


def sf_datetime(ts: float) -> str:
    """Salesforce's REST datetime format: ``2026-01-05T10:00:00.000+0000``."""
    return iso_utc(ts, millis=True, offset="+0000")


def _oauth_error(error: str, description: str) -> Reply:
    return json_reply(400, {"error": error, "error_description": description}, JSON_CT)


# --------------------------------------------------------------------------------------------
# SOQL
# --------------------------------------------------------------------------------------------

_TOKEN_RE: Final = re.compile(
    r"""
    (?P<ws>\s+)
   |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
   |(?P<date>\d{4}-\d{2}-\d{2}(?![\d:T]))
   |(?P<number>-?\d+(?:\.\d+)?(?![\w-]))
   |(?P<string>'(?:[^'\\]|\\.)*')
   |(?P<op><=|>=|!=|<>|=|<|>)
   |(?P<punct>[(),])
   |(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    """,
    re.VERBOSE,
)
_KEYWORDS: Final = frozenset(
    {"select", "from", "where", "and", "or", "not", "in", "like", "order", "by", "asc", "desc", "nulls", "first",
     "last", "limit", "offset", "true", "false", "null", "count"}
)  # fmt: skip


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int

    @property
    def kw(self) -> str:
        return self.text.lower() if self.kind == "ident" else ""


@dataclass
class SoqlQuery:
    """A parsed SOQL query."""

    sobject: str
    fields: list[str]  # canonical paths, e.g. "Email", "Account.Name"
    count: str | None = None  # "COUNT()" or the aggregated field
    where: Any = None
    order: list[tuple[str, bool, bool]] = field(default_factory=list)  # (path, descending, nulls_last)
    limit: int | None = None
    offset: int = 0


def _soql_error(q: str, pos: int, code: str, text: str) -> SalesforceError:
    col = max(pos, 0)
    return SalesforceError(400, code, f"\n{q}\n{' ' * col}^\nERROR at Row:1:Column:{col + 1}\n{text}")


def _tokenize(q: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(q):
        m = _TOKEN_RE.match(q, pos)
        if m is None:
            raise _soql_error(q, pos, "MALFORMED_QUERY", f"unexpected token: '{q[pos]}'")
        kind = m.lastgroup or ""
        if kind != "ws":
            toks.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    toks.append(_Tok("eof", "<EOF>", len(q)))
    return toks


class _Parser:
    def __init__(self, q: str) -> None:
        self.q = q
        self.toks = _tokenize(q)
        self.i = 0
        self.sobject = ""

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def unexpected(self, t: _Tok | None = None) -> SalesforceError:
        t = t or self.tok
        return _soql_error(self.q, t.pos, "MALFORMED_QUERY", f"unexpected token: '{t.text}'")

    def expect_kw(self, *words: str) -> _Tok:
        if self.tok.kw not in words:
            raise self.unexpected()
        return self.take()

    def expect(self, text: str) -> _Tok:
        if self.tok.text != text:
            raise self.unexpected()
        return self.take()

    def field_path(self) -> tuple[str, _Tok]:
        t = self.tok
        if t.kind != "ident" or t.kw in _KEYWORDS:
            raise self.unexpected()
        self.take()
        return t.text, t

    def resolve(self, path: str, t: _Tok) -> tuple[str, str]:
        """Canonical path and type of ``path`` on the query's sObject (or INVALID_FIELD)."""
        parts = path.split(".")
        obj = self.sobject
        if len(parts) > 1 and parts[0].lower() == obj.lower():
            parts = parts[1:]  # "Contact.Email"
        canonical: list[str] = []
        for i, part in enumerate(parts):
            schema = SCHEMAS[obj]
            if i < len(parts) - 1:
                rel = _RELATIONSHIPS.get((obj, part.lower()))
                if rel is None:
                    raise self.no_column(path, t, obj)
                canonical.append(rel[0])
                obj = rel[0]
                continue
            name = next((f for f in schema if f.lower() == part.lower()), None)
            if name is None:
                raise self.no_column(path, t, obj)
            canonical.append(name)
            return ".".join(canonical), schema[name]
        raise self.no_column(path, t, obj)

    def no_column(self, path: str, t: _Tok, obj: str) -> SalesforceError:
        return _soql_error(
            self.q,
            t.pos,
            "INVALID_FIELD",
            f"No such column '{path.rsplit('.', maxsplit=1)[-1]}' on entity '{obj}'. If you are attempting to use a "
            "custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or "
            "the describe call for the appropriate names.",
        )

    def parse(self) -> SoqlQuery:
        self.expect_kw("select")
        select: list[tuple[str, _Tok]] = []
        count: str | None = None
        if self.tok.kw == "count" and self.toks[self.i + 1].text == "(":
            self.take()
            self.expect("(")
            if self.tok.text == ")":
                count = "COUNT()"
            else:
                path, t = self.field_path()
                select.append((path, t))
                count = path
            self.expect(")")
        else:
            while True:
                select.append(self.field_path())
                if self.tok.text != ",":
                    break
                self.take()
        self.expect_kw("from")
        obj_tok = self.tok
        if obj_tok.kind != "ident" or obj_tok.kw in _KEYWORDS:
            raise self.unexpected()
        self.take()
        sobject = next((s for s in SCHEMAS if s.lower() == obj_tok.text.lower()), None)
        if sobject is None:
            raise _soql_error(
                self.q,
                obj_tok.pos,
                "INVALID_TYPE",
                f"sObject type '{obj_tok.text}' is not supported. If you are attempting to use a custom object, be "
                "sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for "
                "the appropriate names.",
            )
        self.sobject = sobject
        query = SoqlQuery(sobject, [self.resolve(p, t)[0] for p, t in select])
        if count is not None:
            query.count = "COUNT()" if count == "COUNT()" else query.fields[0]
        if self.tok.kw == "where":
            self.take()
            query.where = self.condition()
        if self.tok.kw == "order":
            self.take()
            self.expect_kw("by")
            while True:
                path, t = self.field_path()
                canonical = self.resolve(path, t)[0]
                desc = False
                if self.tok.kw in ("asc", "desc"):
                    desc = self.take().kw == "desc"
                nulls_last = desc
                if self.tok.kw == "nulls":
                    self.take()
                    nulls_last = self.expect_kw("first", "last").kw == "last"
                query.order.append((canonical, desc, nulls_last))
                if self.tok.text != ",":
                    break
                self.take()
        if self.tok.kw == "limit":
            self.take()
            query.limit = self.integer()
        if self.tok.kw == "offset":
            self.take()
            query.offset = self.integer()
        if self.tok.kind != "eof":
            raise self.unexpected()
        return query

    def integer(self) -> int:
        t = self.tok
        if t.kind != "number" or not t.text.isdigit():
            raise self.unexpected()
        self.take()
        return int(t.text)

    def condition(self) -> Any:
        node = self.conjunction()
        while self.tok.kw == "or":
            self.take()
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> Any:
        node = self.atom()
        while self.tok.kw == "and":
            self.take()
            node = ("and", node, self.atom())
        return node

    def atom(self) -> Any:
        if self.tok.text == "(":
            self.take()
            node = self.condition()
            self.expect(")")
            return node
        if self.tok.kw == "not":
            self.take()
            return ("not", self.atom())
        path, t = self.field_path()
        canonical, type_ = self.resolve(path, t)
        negate = False
        if self.tok.kw == "not":
            self.take()
            negate = True
            if self.tok.kw != "in":
                raise self.unexpected()
        if self.tok.kw == "in":
            self.take()
            self.expect("(")
            values = [self.literal(canonical, type_)]
            while self.tok.text == ",":
                self.take()
                values.append(self.literal(canonical, type_))
            self.expect(")")
            in_node = ("in", canonical, values)
            return ("not", in_node) if negate else in_node
        if self.tok.kw == "like":
            self.take()
            lit = self.tok
            if lit.kind != "string":
                raise self.unexpected()
            self.take()
            pattern = _unquote_soql(lit.text)
            rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
            return ("like", canonical, re.compile(rx, re.IGNORECASE | re.DOTALL))
        if self.tok.kind != "op":
            raise self.unexpected()
        op = self.take().text
        return ("cmp", canonical, "!=" if op == "<>" else op, self.literal(canonical, type_))

    def literal(self, path: str, type_: str) -> Any:
        t = self.take()
        name = path.rsplit(".", maxsplit=1)[-1]
        if t.kw == "null":
            return None
        if type_ == "datetime":
            if t.kind != "datetime":
                if t.kind in ("string", "date", "number") or t.kw in ("true", "false"):
                    raise _soql_error(
                        self.q, t.pos, "INVALID_FIELD",
                        f"value of filter criterion for field '{name}' must be of type dateTime and should not be "
                        "enclosed in quotes",
                    )  # fmt: skip
                raise self.unexpected(t)
            return _parse_datetime(t.text)
        if type_ == "boolean":
            if t.kw not in ("true", "false"):
                if t.kind in ("string", "number", "date", "datetime"):
                    raise _soql_error(
                        self.q, t.pos, "INVALID_FIELD",
                        f"value of filter criterion for field '{name}' must be of type boolean and should not be "
                        "enclosed in quotes",
                    )  # fmt: skip
                raise self.unexpected(t)
            return t.kw == "true"
        if t.kind != "string":
            if t.kind in ("number", "date", "datetime") or t.kw in ("true", "false"):
                raise _soql_error(
                    self.q, t.pos, "INVALID_FIELD",
                    f"value of filter criterion for field '{name}' must be of type string and should be enclosed in "
                    "quotes",
                )  # fmt: skip
            raise self.unexpected(t)
        return _unquote_soql(t.text)


def _unquote_soql(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text[1:-1])


def _parse_datetime(text: str) -> float:
    norm = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", norm):
        norm = norm[:-2] + ":" + norm[-2:]
    return datetime.fromisoformat(norm).timestamp()


def parse_soql(q: str) -> SoqlQuery:
    """Parse ``q`` or raise :class:`SalesforceError` (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE)."""
    if not q or not q.strip():
        raise SalesforceError(400, "MALFORMED_QUERY", "A query string has to be specified")
    return _Parser(q.strip()).parse()


# --------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------


@dataclass
class _Locator:
    rows: list[dict[str, Any]]
    endpoint: str
    total: int
    issued_at: float


@dataclass
class _BulkJob:
    id: str
    operation: str
    sobject: str
    query: SoqlQuery
    created_at: float
    state: str = "UploadComplete"
    polls: int = 1  # the creation response shows UploadComplete once
    rows: list[dict[str, Any]] = field(default_factory=list)


class FakeSalesforce(FakeService):
    """In-memory Salesforce org served over real HTTP. See the module docstring."""

    service_name = "salesforce"
    server_header = None
    fault_kinds = BASE_FAULTS
    knobs = (
        *FakeService.knobs,
        "page_size",
        "session_ttl_seconds",
        "api_request_limit",
        "query_locator_ttl_seconds",
        "bulk_job_steps",
    )

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        refresh_token: str | None = None,
        api_version: str = "66.0",
        page_size: int = DEFAULT_PAGE_SIZE,
        contacts: int = 25,
        deleted_contacts: int = 1,
        accounts: int = 3,
        data_seed: int = 0,
        session_ttl_seconds: float | None = 7200,
        api_request_limit: int | None = None,
        query_locator_ttl_seconds: float = 900,
        bulk_job_steps: int = 1,
        **common: Any,
    ) -> None:
        super().__init__(**common)
        self._client_id = client_id or "3MVG9" + secrets.token_urlsafe(60).replace("-", "A").replace("_", "b")
        self._client_secret = client_secret or secrets.token_hex(32).upper()
        self._refresh_token = refresh_token or "5Aep861" + secrets.token_urlsafe(64).replace("-", ".").replace("_", "K")
        self._api_version = api_version
        #: Records per query page (Salesforce: 2000; ``Sforce-Query-Options: batchSize`` may lower it).
        self.page_size = page_size
        #: Access tokens stop working this long after issue (None: never); 401 INVALID_SESSION_ID.
        self.session_ttl_seconds = session_ttl_seconds
        #: Daily API requests allowed (None: unlimited); beyond -> 403 REQUEST_LIMIT_EXCEEDED.
        self.api_request_limit = api_request_limit
        self.query_locator_ttl_seconds = query_locator_ttl_seconds
        #: Polls a Bulk 2.0 job spends in each state before JobComplete.
        self.bulk_job_steps = bulk_job_steps
        self._org_id = "00D" + _alnum(random.Random(data_seed), 15)
        self._user_id = "005" + _alnum(random.Random(data_seed + 1), 15)
        self._gen = {
            "contacts": contacts,
            "deleted_contacts": deleted_contacts,
            "accounts": accounts,
            "seed": data_seed,
        }
        self._sessions: dict[str, float] = {}
        self._tokens_issued = 0
        self._refresh_revoked = False
        self._init_state()

    # ---------------------------------------------------------------- data
    def _init_state(self) -> None:
        self._records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SCHEMAS}
        self._locators: dict[str, _Locator] = {}
        self._bulk: dict[str, _BulkJob] = {}
        self._api_requests = 0
        self._generate()

    def _reset_state(self) -> None:
        self._init_state()

    def _generate(self) -> None:
        rng = random.Random(int(self._gen["seed"]))
        self._data_rng = rng
        start = (math.floor(self.clock() / 86400) - 60) * 86400 + 36000
        t = float(start)
        account_ids = []
        for i in range(int(self._gen["accounts"])):
            t += rng.randint(60, 3600)
            acc = self._insert(
                "Account",
                {"Name": f"{rng.choice(_LAST)} Holdings {i + 1}", "Industry": rng.choice(_INDUSTRIES),
                 "Website": f"https://www.example{i + 1}.com", "OwnerId": self._user_id},
                t,
            )  # fmt: skip
            account_ids.append(acc["Id"])
        total = int(self._gen["contacts"]) + int(self._gen["deleted_contacts"])
        deleted = set(rng.sample(range(total), int(self._gen["deleted_contacts"]))) if total else set()
        for i in range(total):
            t += rng.randint(60, 86400)
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            local = f"{_ascii(first)}.{_ascii(last).replace(chr(39), '')}{i}"
            roll = rng.random()
            email: str | None = f"{local}@example.com"
            if roll < 0.3:
                email = f"{local}@example.com".lower()
            elif roll < 0.4:
                email = f"{local.upper()}@EXAMPLE.COM"
            elif roll < 0.45:
                email = None
            self._insert(
                "Contact",
                {"FirstName": first, "LastName": last, "Email": email, "Title": rng.choice(_TITLES),
                 "AccountId": rng.choice(account_ids) if account_ids and rng.random() < 0.8 else None,
                 "Phone": None, "OwnerId": self._user_id, "HasOptedOutOfEmail": rng.random() < 0.1,
                 "IsDeleted": i in deleted},
                t,
            )  # fmt: skip

    def _insert(self, sobject: str, values: dict[str, Any], ts: float) -> dict[str, Any]:
        schema = SCHEMAS[sobject]
        rec: dict[str, Any] = dict.fromkeys(schema)
        rec.update({"IsDeleted": False, "HasOptedOutOfEmail": False} if sobject == "Contact" else {"IsDeleted": False})
        rec["Id"] = values.get("Id") or _PREFIX[sobject] + _alnum(self._data_rng, 15)
        for k, v in values.items():
            name = _canonical(sobject, k)
            rec[name] = v
        rec["CreatedDate"] = values.get("CreatedDate", ts)
        rec["LastModifiedDate"] = values.get("LastModifiedDate", ts)
        rec["SystemModstamp"] = values.get("SystemModstamp", ts)
        if sobject == "Contact":
            rec["Name"] = " ".join(p for p in (rec.get("FirstName"), rec.get("LastName")) if p)
        self._records[sobject][rec["Id"]] = rec
        return rec

    # ---------------------------------------------------------------- URLs and credentials
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` — login host and ``instance_url`` at once."""
        return self.root_url

    @property
    def instance_url(self) -> str:
        return self.root_url

    @property
    def token_url(self) -> str:
        return self.root_url + R_TOKEN

    @property
    def data_url(self) -> str:
        """``http://127.0.0.1:PORT/services/data/vNN.N`` for the default ``api_version``."""
        return f"{self.root_url}/services/data/v{self._api_version}"

    @property
    def api_version(self) -> str:
        return self._api_version

    @property
    def client_id(self) -> str:
        return self._client_id

    @property
    def client_secret(self) -> str:
        return self._client_secret

    @property
    def refresh_token(self) -> str:
        return self._refresh_token

    @property
    def tokens_issued(self) -> int:
        return self._tokens_issued

    @property
    def api_requests_used(self) -> int:
        return self._api_requests

    def expire_tokens(self) -> None:
        """Expire every session (the next API call gets 401 INVALID_SESSION_ID)."""
        with self._lock:
            self._sessions = dict.fromkeys(self._sessions, 0.0)

    def revoke_refresh_token(self, revoked: bool = True) -> None:
        """Make the refresh-token grant fail with ``invalid_grant`` (or work again)."""
        self._refresh_revoked = revoked

    # ---------------------------------------------------------------- hooks (copies)
    def records(self, sobject: str = "Contact", *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Stored records (datetimes in Salesforce's format), creation order."""
        with self._lock:
            return [
                _serialise(r, SCHEMAS[sobject])
                for r in self._records[sobject].values()
                if include_deleted or not r["IsDeleted"]
            ]

    def contacts(self, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        return self.records("Contact", include_deleted=include_deleted)

    def add_contact(self, **values: Any) -> dict[str, Any]:
        """Insert a Contact (field names case-insensitive); timestamps default to now."""
        with self._lock:
            rec = self._insert("Contact", {"OwnerId": self._user_id, **values}, self.clock())
            return _serialise(rec, SCHEMAS["Contact"])

    def update_contact(self, contact_id: str, **values: Any) -> dict[str, Any]:
        """Update fields and bump ``LastModifiedDate`` / ``SystemModstamp`` to now."""
        with self._lock:
            rec = self._records["Contact"][contact_id]
            for k, v in values.items():
                rec[_canonical("Contact", k)] = v
            now = self.clock()
            rec["LastModifiedDate"] = rec["SystemModstamp"] = now
            rec["Name"] = " ".join(p for p in (rec.get("FirstName"), rec.get("LastName")) if p)
            return _serialise(rec, SCHEMAS["Contact"])

    def delete_contact(self, contact_id: str) -> None:
        """Soft-delete (``IsDeleted = true``, visible through ``queryAll`` only)."""
        with self._lock:
            rec = self._records["Contact"][contact_id]
            rec["IsDeleted"] = True
            rec["SystemModstamp"] = self.clock()

    def _stats_extra(self) -> dict[str, Any]:
        return {
            "tokens_issued": self._tokens_issued,
            "api_requests_used": self._api_requests,
            "records": {k: len(v) for k, v in self._records.items()},
            "bulk_jobs": {j.id: j.state for j in self._bulk.values()},
        }

    def _admin_extra(self, name: str, method: str, data: Any) -> Reply | None:
        if method == "POST" and name == "contacts":
            return json_reply(200, self.add_contact(**data))
        if method == "GET" and name == "contacts":
            return json_reply(200, self.contacts(include_deleted=True))
        if method == "POST" and name == "revoke-refresh-token":
            self.revoke_refresh_token(bool(data.get("revoked", True)))
            return empty_reply()
        return None

    # ---------------------------------------------------------------- routing
    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        stripped = path.rstrip("/")
        if stripped == R_TOKEN:
            return R_TOKEN, {}
        if stripped == R_VERSIONS:
            return R_VERSIONS, {}
        segs = [unquote(s) for s in path.split("/") if s]
        if len(segs) < 4 or segs[:2] != ["services", "data"] or not segs[2].startswith("v"):
            return UNKNOWN_ROUTE, {}
        version, rest = segs[2][1:], segs[3:]
        p = {"version": version}
        if rest[0] in ("query", "queryAll") and len(rest) <= 2:
            many = R_QUERY if rest[0] == "query" else R_QUERY_ALL
            more = R_QUERY_MORE if rest[0] == "query" else R_QUERY_ALL_MORE
            return (many, p) if len(rest) == 1 else (more, {**p, "locator": rest[1]})
        if rest == ["limits"]:
            return R_LIMITS, p
        if len(rest) == 3 and rest[0] == "sobjects":
            return R_SOBJECT, {**p, "sobject": rest[1], "id": rest[2]}
        if rest[:2] == ["jobs", "query"]:
            if len(rest) == 2:
                return R_BULK_JOBS, p
            if len(rest) == 3:
                return R_BULK_JOB, {**p, "jobId": rest[2]}
            if len(rest) == 4 and rest[3] == "results":
                return R_BULK_RESULTS, {**p, "jobId": rest[2]}
        return UNKNOWN_ROUTE, {}

    def _fault_reply(self, kind: str, req: Request) -> Reply:
        if req.route == R_TOKEN and kind == "401":
            return _oauth_error("invalid_grant", "expired access/refresh token")
        if kind == "401":
            return _session_invalid().reply()
        if kind == "403":
            return SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.").reply()
        if kind == "429":
            status, headers, body = SalesforceError(
                429, "REQUEST_LIMIT_EXCEEDED", "Too many requests. Please retry later."
            ).reply()
            return status, headers + self._retry_after_headers(), body
        if kind == "503":
            return SalesforceError(
                503, "SERVER_UNAVAILABLE", "The instance is temporarily unavailable. Please retry."
            ).reply()
        if kind in {"502", "504"}:
            return html_reply(int(kind), "Salesforce")
        return SalesforceError(
            500,
            "UNKNOWN_EXCEPTION",
            f"An unexpected error occurred. Please include this ErrorId if you contact support: "
            f"{secrets.randbelow(10**9)}-{secrets.randbelow(10**5)} ({-secrets.randbelow(10**9)})",
        ).reply()

    def _handle(self, req: Request) -> Reply:
        if req.route == R_TOKEN:
            return self._h_token(req) if req.method == "POST" else _oauth_error("invalid_request", "must use HTTP POST")
        if req.route == R_VERSIONS:
            return json_reply(200, self._versions(), JSON_CT)
        try:
            if req.route == UNKNOWN_ROUTE:
                raise _not_found()
            version = req.params["version"]
            if not re.fullmatch(r"\d{2}\.0", version) or not MIN_VERSION <= float(version) <= float(self._api_version):
                raise _not_found()
            self._authenticate(req)
            with self._lock:
                self._api_requests += 1
                used = self._api_requests
            limit = self.api_request_limit
            if limit is not None and used > limit:
                raise SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            handler = self._handlers().get((req.route, req.method))
            if handler is None:
                raise SalesforceError(
                    405, "METHOD_NOT_ALLOWED", f"HTTP Method '{req.method}' not allowed. Allowed are GET,HEAD"
                )
            with self._lock:
                status, headers, body = handler(req)
        except SalesforceError as e:
            status, headers, body = e.reply()
        max_calls = self.api_request_limit if self.api_request_limit is not None else 15000
        headers = [*headers, ("Sforce-Limit-Info", f"api-usage={self._api_requests}/{max_calls}")]
        return status, headers, body

    def _handlers(self) -> dict[tuple[str, str], Callable[[Request], Reply]]:
        return {
            (R_QUERY, "GET"): self._h_query,
            (R_QUERY_ALL, "GET"): self._h_query,
            (R_QUERY_MORE, "GET"): self._h_query_more,
            (R_QUERY_ALL_MORE, "GET"): self._h_query_more,
            (R_LIMITS, "GET"): self._h_limits,
            (R_SOBJECT, "GET"): self._h_sobject,
            (R_BULK_JOBS, "POST"): self._h_bulk_create,
            (R_BULK_JOBS, "GET"): self._h_bulk_list,
            (R_BULK_JOB, "GET"): self._h_bulk_get,
            (R_BULK_JOB, "PATCH"): self._h_bulk_patch,
            (R_BULK_JOB, "DELETE"): self._h_bulk_delete,
            (R_BULK_RESULTS, "GET"): self._h_bulk_results,
        }

    def _versions(self) -> list[dict[str, str]]:
        top = int(float(self._api_version))
        return [
            {"label": f"v{v}.0", "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
            for v in range(max(int(MIN_VERSION), top - 5), top + 1)
        ]

    # ---------------------------------------------------------------- OAuth
    def _h_token(self, req: Request) -> Reply:
        form = req.form() if req.content_type == "application/x-www-form-urlencoded" else {}
        params = {**dict(req.query), **form}
        scheme, _, cred = (req.header("Authorization") or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                cid, _, csecret = base64.b64decode(cred.strip(), validate=True).decode("utf-8").partition(":")
                params.setdefault("client_id", cid)
                params.setdefault("client_secret", csecret)
            except (binascii.Error, UnicodeDecodeError):
                pass
        if params.get("grant_type") != "refresh_token":
            return _oauth_error("unsupported_grant_type", "grant type not supported")
        if params.get("client_id") != self._client_id:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if params.get("client_secret") != self._client_secret:
            return _oauth_error("invalid_client", "invalid client credentials")
        if self._refresh_revoked or params.get("refresh_token") != self._refresh_token:
            return _oauth_error("invalid_grant", "expired access/refresh token")
        token = f"{self._org_id}!AQ" + secrets.token_urlsafe(72).replace("-", ".").replace("_", "x")
        now = self.clock()
        ttl = self.session_ttl_seconds
        with self._lock:
            self._sessions[token] = math.inf if ttl is None else now + float(ttl)
            self._tokens_issued += 1
        issued = str(int(now * 1000))
        signature = base64.b64encode(
            hashlib.sha256(f"{self.root_url}/id/{self._org_id}/{self._user_id}{issued}".encode()).digest()
        ).decode("ascii")
        return json_reply(
            200,
            {
                "access_token": token,
                "signature": signature,
                "scope": "refresh_token api",
                "instance_url": self.root_url,
                "id": f"{self.root_url}/id/{self._org_id}/{self._user_id}",
                "token_type": "Bearer",
                "issued_at": issued,
            },
            JSON_CT,
        )

    def _authenticate(self, req: Request) -> None:
        scheme, _, token = (req.header("Authorization") or "").partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            raise _session_invalid()
        with self._lock:
            expiry = self._sessions.get(token.strip())
        if expiry is None or self.clock() >= expiry:
            raise _session_invalid()

    # ---------------------------------------------------------------- query
    def _run(self, query: SoqlQuery, *, include_deleted: bool) -> list[dict[str, Any]]:
        rows = [r for r in self._records[query.sobject].values() if include_deleted or not r["IsDeleted"]]
        if query.where is not None:
            rows = [r for r in rows if self._eval(query.sobject, r, query.where)]
        for path, desc, nulls_last in reversed(query.order):
            present = [r for r in rows if self._value(query.sobject, r, path) is not None]
            absent = [r for r in rows if self._value(query.sobject, r, path) is None]
            present.sort(key=self._sort_key_for(query.sobject, path), reverse=desc)
            rows = present + absent if nulls_last else absent + present
        rows = rows[query.offset :]
        if query.limit is not None:
            rows = rows[: query.limit]
        return rows

    def _sort_key_for(self, sobject: str, path: str) -> Callable[[dict[str, Any]], Any]:
        return lambda rec: _sort_key(self._value(sobject, rec, path))

    def _value(self, sobject: str, rec: dict[str, Any], path: str) -> Any:
        parts = path.split(".")
        for rel in parts[:-1]:
            target, fk = _RELATIONSHIPS[(sobject, rel.lower())]
            rec = self._records[target].get(rec.get(fk) or "") or {}
            sobject = target
        return rec.get(parts[-1])

    def _eval(self, sobject: str, rec: dict[str, Any], node: Any) -> bool:
        kind = node[0]
        if kind == "and":
            return self._eval(sobject, rec, node[1]) and self._eval(sobject, rec, node[2])
        if kind == "or":
            return self._eval(sobject, rec, node[1]) or self._eval(sobject, rec, node[2])
        if kind == "not":
            return not self._eval(sobject, rec, node[1])
        value = self._value(sobject, rec, node[1])
        if kind == "like":
            return value is not None and node[2].fullmatch(str(value)) is not None
        if kind == "in":
            return any(_equal(value, v) for v in node[2])
        op, lit = node[2], node[3]
        if op == "=":
            return _equal(value, lit)
        if op == "!=":
            return not _equal(value, lit)
        if value is None or lit is None:
            return False
        a, b = _sort_key(value), _sort_key(lit)
        return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])

    def _render(self, query: SoqlQuery, rec: dict[str, Any], version: str) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": _attributes(query.sobject, rec["Id"], version)}
        schema = SCHEMAS[query.sobject]
        for path in query.fields:
            parts = path.split(".")
            if len(parts) == 1:
                out[path] = _json_value(rec.get(path), schema[path])
                continue
            target, fk = _RELATIONSHIPS[(query.sobject, parts[0].lower())]
            related = self._records[target].get(rec.get(fk) or "")
            if related is None:
                out[parts[0]] = None
                continue
            nested = out.get(parts[0]) or {"attributes": _attributes(target, related["Id"], version)}
            nested[parts[1]] = _json_value(related.get(parts[1]), SCHEMAS[target][parts[1]])
            out[parts[0]] = nested
        return out

    def _batch_size(self, req: Request) -> int:
        size = max(1, int(self.page_size))
        m = re.search(r"batchSize\s*=\s*(\d+)", req.header("Sforce-Query-Options") or "")
        if m:
            size = min(size, max(int(m.group(1)), 200), 2000)
        return size

    def _h_query(self, req: Request) -> Reply:
        query = parse_soql(req.query.get("q", ""))
        include_deleted = req.route == R_QUERY_ALL
        rows = self._run(query, include_deleted=include_deleted)
        version = req.params["version"]
        if query.count == "COUNT()":
            return json_reply(200, {"totalSize": len(rows), "done": True, "records": []}, JSON_CT)
        if query.count is not None:
            agg = {
                "attributes": {"type": "AggregateResult"},
                "expr0": sum(1 for r in rows if r.get(query.count) is not None),
            }
            return json_reply(200, {"totalSize": 1, "done": True, "records": [agg]}, JSON_CT)
        rendered = [self._render(query, r, version) for r in rows]
        endpoint = "queryAll" if include_deleted else "query"
        return self._query_page(rendered, 0, self._batch_size(req), version, endpoint, None)

    def _query_page(
        self, rows: list[dict[str, Any]], offset: int, size: int, version: str, endpoint: str, locator: str | None
    ) -> Reply:
        page = rows[offset : offset + size]
        done = offset + size >= len(rows)
        doc: dict[str, Any] = {"totalSize": len(rows), "done": done}
        if not done:
            if locator is None:
                locator = "01g" + _alnum(random.Random(secrets.randbits(64)), 15)
                self._locators[locator] = _Locator(rows, endpoint, len(rows), self.clock())
            doc["nextRecordsUrl"] = f"/services/data/v{version}/{endpoint}/{locator}-{offset + size}"
        doc["records"] = page
        return json_reply(200, doc, JSON_CT)

    def _h_query_more(self, req: Request) -> Reply:
        raw = req.params["locator"]
        locator, _, off = raw.rpartition("-")
        entry = self._locators.get(locator)
        endpoint = "queryAll" if req.route == R_QUERY_ALL_MORE else "query"
        now = self.clock()
        if (
            entry is None
            or not off.isdigit()
            or entry.endpoint != endpoint
            or now - entry.issued_at > float(self.query_locator_ttl_seconds)
        ):
            raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        entry.issued_at = now  # locators expire after inactivity
        size = self._batch_size(req)
        return self._query_page(entry.rows, int(off), size, req.params["version"], endpoint, locator)

    def _h_limits(self, req: Request) -> Reply:
        limit = self.api_request_limit if self.api_request_limit is not None else 15000
        return json_reply(
            200,
            {
                "DailyApiRequests": {"Max": limit, "Remaining": max(0, limit - self._api_requests)},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000 - len(self._bulk)},
            },
            JSON_CT,
        )

    def _h_sobject(self, req: Request) -> Reply:
        sobject = next((s for s in SCHEMAS if s.lower() == req.params["sobject"].lower()), None)
        if sobject is None:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        rec = self._records[sobject].get(req.params["id"])
        if rec is None or rec["IsDeleted"]:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        query = SoqlQuery(sobject, list(SCHEMAS[sobject]))
        return json_reply(200, self._render(query, rec, req.params["version"]), JSON_CT)

    # ---------------------------------------------------------------- Bulk API 2.0
    def _bulk_doc(self, job: _BulkJob, version: str) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": job.id,
            "operation": job.operation,
            "object": job.sobject,
            "createdById": self._user_id,
            "createdDate": sf_datetime(job.created_at),
            "systemModstamp": sf_datetime(job.created_at),
            "state": job.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(version),
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        if job.state in ("InProgress", "JobComplete"):
            doc.update(
                {
                    "jobType": "V2Query",
                    "numberRecordsProcessed": len(job.rows) if job.state == "JobComplete" else 0,
                    "retries": 0,
                    "totalProcessingTime": 0,
                }
            )
        return doc

    def _bulk_job(self, req: Request) -> _BulkJob:
        job = self._bulk.get(req.params["jobId"])
        if job is None:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def _h_bulk_create(self, req: Request) -> Reply:
        try:
            body = req.json()
        except ValueError:
            raise SalesforceError(400, "JSON_PARSER_ERROR", "Invalid JSON in the request body") from None
        if not isinstance(body, dict) or body.get("operation") not in ("query", "queryAll"):
            raise SalesforceError(400, "INVALIDJOB", "Invalid operation: expected query or queryAll")
        if body.get("contentType", "CSV") != "CSV":
            raise SalesforceError(400, "INVALIDJOB", "Unsupported contentType: only CSV is supported")
        query = parse_soql(str(body.get("query", "")))
        if query.count is not None:
            raise SalesforceError(400, "INVALIDJOB", "Aggregate queries are not supported by Bulk API 2.0")
        job_id = "750" + _alnum(random.Random(secrets.randbits(64)), 15)
        job = _BulkJob(job_id, body["operation"], query.sobject, query, self.clock())
        self._bulk[job_id] = job
        return json_reply(200, self._bulk_doc(job, req.params["version"]), JSON_CT)

    def _h_bulk_list(self, req: Request) -> Reply:
        docs = [self._bulk_doc(j, req.params["version"]) for j in self._bulk.values()]
        return json_reply(200, {"done": True, "records": docs, "nextRecordsUrl": None}, JSON_CT)

    def _h_bulk_get(self, req: Request) -> Reply:
        job = self._bulk_job(req)
        if job.state in ("UploadComplete", "InProgress"):
            job.polls += 1
            if job.polls > max(1, int(self.bulk_job_steps)):
                job.polls = 1
                if job.state == "UploadComplete":
                    job.state = "InProgress"
                else:
                    job.rows = self._run(job.query, include_deleted=job.operation == "queryAll")
                    job.state = "JobComplete"
        return json_reply(200, self._bulk_doc(job, req.params["version"]), JSON_CT)

    def _h_bulk_patch(self, req: Request) -> Reply:
        job = self._bulk_job(req)
        try:
            body = req.json()
        except ValueError:
            raise SalesforceError(400, "JSON_PARSER_ERROR", "Invalid JSON in the request body") from None
        if not isinstance(body, dict) or body.get("state") != "Aborted":
            raise SalesforceError(400, "INVALIDJOBSTATE", "Only state Aborted can be set on a query job")
        if job.state in ("JobComplete", "Failed", "Aborted"):
            raise SalesforceError(400, "INVALIDJOBSTATE", f"Job is already {job.state}")
        job.state = "Aborted"
        return json_reply(200, self._bulk_doc(job, req.params["version"]), JSON_CT)

    def _h_bulk_delete(self, req: Request) -> Reply:
        job = self._bulk_job(req)
        del self._bulk[job.id]
        return empty_reply(204)

    def _h_bulk_results(self, req: Request) -> Reply:
        job = self._bulk_job(req)
        if job.state != "JobComplete":
            raise SalesforceError(400, "INVALIDJOBSTATE", f"The job is not in the JobComplete state: {job.state}")
        offset = 0
        locator = req.query.get("locator")
        if locator:
            try:
                offset = int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode("ascii"))
            except (binascii.Error, ValueError, UnicodeDecodeError):
                raise SalesforceError(400, "INVALID_LOCATOR", f"Invalid locator: {locator}") from None
        try:
            max_records = int(req.query.get("maxRecords", 0)) or len(job.rows) or 1
        except ValueError:
            raise SalesforceError(400, "INVALIDPARAMETER", "maxRecords must be a positive integer") from None
        page = job.rows[offset : offset + max_records]
        nxt = offset + max_records
        next_locator = (
            base64.b64encode(str(nxt).encode()).decode("ascii").rstrip("=") if nxt < len(job.rows) else "null"
        )
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(job.query.fields)
        for rec in page:
            writer.writerow([_csv_value(self._value(job.sobject, rec, p)) for p in job.query.fields])
        status, headers, body = text_reply(200, buf.getvalue(), "text/csv")
        headers += [("Sforce-Locator", next_locator), ("Sforce-NumberOfRecords", str(len(page)))]
        return status, headers, body


# --------------------------------------------------------------------------------------------
# Value helpers
# --------------------------------------------------------------------------------------------


def _alnum(rng: random.Random, n: int) -> str:
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(chars) for _ in range(n))


def _ascii(name: str) -> str:
    table: dict[str, str | int | None] = {"é": "e", "ü": "u", "ë": "e", "ö": "o"}
    return name.translate(str.maketrans(table))


def _canonical(sobject: str, name: str) -> str:
    found = next((f for f in SCHEMAS[sobject] if f.lower() == name.lower()), None)
    if found is None:
        raise KeyError(f"No field {name!r} on {sobject}")
    return found


def _attributes(sobject: str, rec_id: str, version: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{rec_id}"}


def _json_value(value: Any, type_: str) -> Any:
    if value is None:
        return None
    if type_ == "datetime":
        return sf_datetime(float(value))
    return value


def _serialise(rec: dict[str, Any], schema: dict[str, str]) -> dict[str, Any]:
    return {k: _json_value(copy.deepcopy(v), schema[k]) for k, v in rec.items()}


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return iso_utc(value, millis=True)
    return str(value)


def _sort_key(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, bool):
        return int(value)
    return value


def _equal(value: Any, lit: Any) -> bool:
    if value is None or lit is None:
        return value is None and lit is None
    if isinstance(value, str) and isinstance(lit, str):
        return value.lower() == lit.lower()  # SOQL string comparison is case-insensitive
    return bool(value == lit)


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the local Salesforce REST API fake.")
    add_common_args(parser)
    parser.add_argument("--client-id", default=None)
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--refresh-token", default=None)
    parser.add_argument("--api-version", default="66.0")
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    parser.add_argument("--contacts", type=int, default=25)
    parser.add_argument("--deleted-contacts", type=int, default=1)
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--api-request-limit", type=int, default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    fake = FakeSalesforce(
        client_id=args.client_id,
        client_secret=args.client_secret,
        refresh_token=args.refresh_token,
        api_version=args.api_version,
        page_size=args.page_size,
        contacts=args.contacts,
        deleted_contacts=args.deleted_contacts,
        data_seed=args.data_seed,
        api_request_limit=args.api_request_limit,
        **common_kwargs(args),
    )

    def ready() -> dict[str, Any]:
        return {
            "base_url": fake.base_url,
            "token_url": fake.token_url,
            "instance_url": fake.instance_url,
            "data_url": fake.data_url,
            "api_version": fake.api_version,
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "refresh_token": fake.refresh_token,
        }

    return run_cli(fake, ready)


if __name__ == "__main__":
    sys.exit(main())
