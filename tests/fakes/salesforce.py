"""Local fake of the part of Salesforce that Tapestry calls: the OAuth refresh-token grant.

Tapestry never reads Salesforce's data itself (Airbyte's source-salesforce does, and the fake Airbyte stands
in for it); `tapestry doctor` checks the connected app and the refresh token the way Airbyte will use them,
by asking for an access token. So this fake serves one route of the login host (``https://login.salesforce.com``
or ``https://test.salesforce.com``), with Salesforce's answers:

* ``POST /services/oauth2/token`` (form body ``grant_type=refresh_token&client_id&client_secret
  &refresh_token``; the client credentials may also come as HTTP Basic) -> 200 ``{"access_token",
  "signature","scope","instance_url","id","token_type":"Bearer","issued_at"}``, **no** ``expires_in``.
* Errors are 400 ``{"error","error_description"}``: ``invalid_grant`` "expired access/refresh token" (a
  wrong or revoked refresh token: ``revoke_refresh_token()``), ``invalid_client_id`` "client identifier
  invalid", ``invalid_client`` "invalid client credentials", ``unsupported_grant_type`` (also what a JSON
  body gets: the grant type is not found); a GET gets ``invalid_request`` "must use HTTP POST".
* Salesforce publishes no machine-readable spec of this endpoint:
  ``tests/contracts/salesforce/salesforce-refresh-token-facts.json`` quotes its docs, its Postman collection,
  jsforce's token type and recorded live answers, and the fake takes the four error bodies from there.
* Faults (``rate_429``, ``rate_500``, ``drop_rate``, ``latency_ms``, ``fail_next``): 401 -> ``invalid_grant``;
  403 and 429 -> ``[{"message","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`` (429 with ``Retry-After``); 503
  ``SERVER_UNAVAILABLE``; 502/504 as HTML; 500 ``UNKNOWN_EXCEPTION`` with an ErrorId; a dropped connection.

In-process::

    with FakeSalesforce() as fake:
        requests.post(fake.token_url, data={"grant_type": "refresh_token", "client_id": fake.client_id,
                      "client_secret": fake.client_secret, "refresh_token": fake.refresh_token})

As a process: ``python tests/fakes/salesforce.py --port 0`` prints one JSON line (``login_url``,
``token_url``, ``client_id``, ``client_secret``, ``refresh_token``) when ready.

Stdlib plus ``jsonschema`` (through ``contracts``, which loads the vendored facts).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import random
import secrets
import string
import sys
from pathlib import Path
from typing import Any, Final

if not __package__:  # executed as a script: make the sibling ``_http`` importable (PEP 366)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "fakes"

from contracts import load

from ._http import (
    UNKNOWN_ROUTE,
    FakeService,
    Reply,
    Request,
    add_common_args,
    common_kwargs,
    empty_reply,
    html_reply,
    json_reply,
    run_cli,
)

__all__ = ["FakeSalesforce", "main"]

JSON_CT: Final = "application/json;charset=UTF-8"
R_TOKEN: Final = "/services/oauth2/token"


FACTS: Final = "salesforce/salesforce-refresh-token-facts.json"
RECORDED_ERRORS: Final[dict[str, Any]] = load(FACTS)["errors"]


def _oauth_error(error: str, description: str) -> Reply:
    return json_reply(400, {"error": error, "error_description": description}, JSON_CT)


def _recorded(error: str) -> Reply:
    """An error as Salesforce's docs or a recorded live answer give it (tests/contracts/salesforce/)."""
    recorded = RECORDED_ERRORS[error]
    return json_reply(int(recorded["status"]), dict(recorded["body"]), JSON_CT)


def _api_error(status: int, code: str, message: str) -> Reply:
    """The REST API's error shape: a JSON array of one error."""
    return json_reply(status, [{"message": message, "errorCode": code}], JSON_CT)


def _alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


class FakeSalesforce(FakeService):
    """Salesforce's OAuth token endpoint over real HTTP. See the module docstring."""

    service_name = "salesforce"
    server_header = None
    fault_kinds = frozenset({"401", "403", "429", "500", "502", "503", "504", "drop"})

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        refresh_token: str | None = None,
        data_seed: int = 0,
        **common: Any,
    ) -> None:
        super().__init__(**common)
        self._client_id = client_id or "3MVG9" + secrets.token_urlsafe(60).replace("-", "A").replace("_", "b")
        self._client_secret = client_secret or secrets.token_hex(32).upper()
        self._refresh_token = refresh_token or "5Aep861" + secrets.token_urlsafe(64).replace("-", ".").replace("_", "K")
        self._org_id = "00D" + _alnum(random.Random(data_seed), 15)
        self._user_id = "005" + _alnum(random.Random(data_seed + 1), 15)
        self._tokens_issued = 0
        self._refresh_revoked = False

    # ---------------------------------------------------------------- URLs and credentials
    @property
    def login_url(self) -> str:
        """``http://127.0.0.1:PORT`` (stands in for the login host; a source's ``login_url``)."""
        return self.root_url

    @property
    def token_url(self) -> str:
        return self.root_url + R_TOKEN

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

    def revoke_refresh_token(self, revoked: bool = True) -> None:
        """Make the refresh-token grant fail with ``invalid_grant`` (or work again)."""
        self._refresh_revoked = revoked

    def _reset_state(self) -> None:
        self._tokens_issued = 0
        self._refresh_revoked = False

    def _stats_extra(self) -> dict[str, Any]:
        return {"tokens_issued": self._tokens_issued, "refresh_revoked": self._refresh_revoked}

    def _admin_extra(self, name: str, method: str, data: Any) -> Reply | None:
        if method == "POST" and name == "revoke-refresh-token":
            self.revoke_refresh_token(bool(data.get("revoked", True)))
            return empty_reply()
        return None

    # ---------------------------------------------------------------- routing and faults
    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        return (R_TOKEN, {}) if path.rstrip("/") == R_TOKEN else (UNKNOWN_ROUTE, {})

    def _fault_reply(self, kind: str, req: Request) -> Reply:
        if kind == "401":
            return _recorded("invalid_grant")
        if kind == "403":
            return _api_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        if kind == "429":
            status, headers, body = _api_error(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests. Please retry later.")
            return status, headers + self._retry_after_headers(), body
        if kind == "503":
            return _api_error(503, "SERVER_UNAVAILABLE", "The instance is temporarily unavailable. Please retry.")
        if kind in {"502", "504"}:
            return html_reply(int(kind), "Salesforce")
        return _api_error(
            500,
            "UNKNOWN_EXCEPTION",
            f"An unexpected error occurred. Please include this ErrorId if you contact support: "
            f"{secrets.randbelow(10**9)}-{secrets.randbelow(10**5)} ({-secrets.randbelow(10**9)})",
        )

    def _handle(self, req: Request) -> Reply:
        if req.route == UNKNOWN_ROUTE:
            return _api_error(404, "NOT_FOUND", "The requested resource does not exist")
        if req.method != "POST":
            return _oauth_error("invalid_request", "must use HTTP POST")
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
            return _recorded("unsupported_grant_type")
        if params.get("client_id") != self._client_id:
            return _recorded("invalid_client_id")
        if params.get("client_secret") != self._client_secret:
            return _recorded("invalid_client")
        if self._refresh_revoked or params.get("refresh_token") != self._refresh_token:
            return _recorded("invalid_grant")
        with self._lock:
            self._tokens_issued += 1
        issued = str(int(self.clock() * 1000))
        identity = f"{self.root_url}/id/{self._org_id}/{self._user_id}"
        signature = base64.b64encode(hashlib.sha256(f"{identity}{issued}".encode()).digest()).decode("ascii")
        return json_reply(
            200,
            {
                "access_token": f"{self._org_id}!AQ" + secrets.token_urlsafe(72).replace("-", ".").replace("_", "x"),
                "signature": signature,
                "scope": "refresh_token api",
                "instance_url": self.root_url,
                "id": identity,
                "token_type": "Bearer",
                "issued_at": issued,
            },
            JSON_CT,
        )


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the local Salesforce OAuth fake.")
    add_common_args(parser)
    parser.add_argument("--client-id", default=None)
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--refresh-token", default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    fake = FakeSalesforce(
        client_id=args.client_id,
        client_secret=args.client_secret,
        refresh_token=args.refresh_token,
        **common_kwargs(args),
    )

    def ready() -> dict[str, Any]:
        return {
            "login_url": fake.login_url,
            "token_url": fake.token_url,
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "refresh_token": fake.refresh_token,
        }

    return run_cli(fake, ready)


if __name__ == "__main__":
    sys.exit(main())
