"""Local fake of the part of Zoom that Tapestry calls: Server-to-Server OAuth's token endpoint.

Tapestry never reads Zoom's data itself (Airbyte's source-zoom does, and the fake Airbyte stands in for it);
`tapestry doctor` checks the credentials the way Airbyte will use them, by asking for a token and reading its
scopes. So this fake serves one route, ``POST /oauth/token`` (what ``https://zoom.us/oauth/token`` serves),
with Zoom's answers:

* ``POST /oauth/token?grant_type=account_credentials&account_id=ACC`` with
  ``Authorization: Basic b64(client_id:client_secret)`` (the parameters may also come in a form body)
  -> 200 ``{"access_token","token_type":"bearer","expires_in":3600,"scope","api_url"}``, no refresh token.
* Errors ``{"reason","error"}``: bad client credentials -> **400** ``invalid_client`` "Invalid client_id or
  client_secret" (what Zoom answered in public reports, e.g. 2023 ``zoom-laravel#3``; some clients have seen
  401: knob ``invalid_client_status``); another grant -> 400 ``unsupported_grant_type``; no grant, no Basic
  credentials, no or another ``account_id`` -> 400 ``invalid_request`` (messages approximated).
* Faults (``rate_429``, ``rate_500``, ``drop_rate``, ``latency_ms``, ``fail_next``): 429 ``{"code":429,...}``
  with ``X-RateLimit-Category``, ``X-RateLimit-Type: QPS`` and ``Retry-After``; 5xx from Zoom's edge as
  HTML; a dropped connection.
* Zoom publishes no machine-readable spec of this endpoint: ``tests/contracts/zoom/zoom-s2s-oauth-facts.json``
  quotes its docs, its SDK (Rivet) and recorded live answers, and the fake takes the recorded error bodies and
  the token's lifetime from there.
* ``scopes`` (knob) are what the app was granted, e.g. ``user:read:admin webinar:read:admin`` or the granular
  ``webinar:read:list_registrants:admin``.

In-process::

    with FakeZoom() as fake:
        requests.post(fake.token_url, params={"grant_type": "account_credentials",
                      "account_id": fake.account_id}, auth=(fake.client_id, fake.client_secret))

As a process: ``python tests/fakes/zoom.py --port 0`` prints one JSON line (``token_url``, ``oauth_url``,
``account_id``, ``client_id``, ``client_secret``) when ready.

Stdlib plus ``jsonschema`` (through ``contracts``, which loads the vendored facts).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import secrets
import sys
from collections.abc import Iterable
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
    html_reply,
    json_reply,
    run_cli,
)

__all__ = ["DEFAULT_SCOPES", "FakeZoom", "main"]

DEFAULT_SCOPES: Final = ("user:read:admin", "webinar:read:admin")
R_TOKEN: Final = "/oauth/token"
ZOOM_JSON: Final = "application/json;charset=UTF-8"


FACTS: Final = "zoom/zoom-s2s-oauth-facts.json"
_FACTS: Final[dict[str, Any]] = load(FACTS)
RECORDED_ERRORS: Final[dict[str, Any]] = _FACTS["errors"]
TOKEN_TTL_SECONDS: Final = int(_FACTS["token_ttl_seconds"])


def _oauth_error(status: int, error: str, reason: str) -> Reply:
    return json_reply(status, {"reason": reason, "error": error})


def _recorded(error: str, status: int | None = None) -> Reply:
    """An error as a recorded live answer gives it (tests/contracts/zoom/)."""
    recorded = RECORDED_ERRORS[error]
    return json_reply(status or int(recorded["status"]), dict(recorded["body"]))


class FakeZoom(FakeService):
    """Zoom's Server-to-Server OAuth token endpoint over real HTTP. See the module docstring."""

    service_name = "zoom"
    server_header = "ZOOM"
    fault_kinds = frozenset({"429", "500", "502", "503", "504", "drop"})
    knobs = (*FakeService.knobs, "token_ttl_seconds", "scopes", "invalid_client_status")

    def __init__(
        self,
        *,
        account_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_ttl_seconds: float = TOKEN_TTL_SECONDS,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        invalid_client_status: int = 400,
        retry_after: float | None = 1.0,
        **common: Any,
    ) -> None:
        super().__init__(retry_after=retry_after, **common)
        self._account_id = account_id or secrets.token_urlsafe(16)
        self._client_id = client_id or secrets.token_urlsafe(16)
        self._client_secret = client_secret or secrets.token_urlsafe(24)
        #: ``expires_in`` of new tokens (Zoom's docs: one hour).
        self.token_ttl_seconds = token_ttl_seconds
        #: Scopes granted to tokens issued from now on.
        self.scopes: tuple[str, ...] = tuple(scopes)
        #: Status of the ``invalid_client`` error (400 observed; 401 reported by some).
        self.invalid_client_status = invalid_client_status
        self._tokens_issued = 0

    # ---------------------------------------------------------------- URLs and credentials
    @property
    def oauth_url(self) -> str:
        """``http://127.0.0.1:PORT`` (stands in for ``https://zoom.us``; a source's ``oauth_url``)."""
        return self.root_url

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

    def _reset_state(self) -> None:
        self._tokens_issued = 0

    def _stats_extra(self) -> dict[str, Any]:
        return {"tokens_issued": self._tokens_issued}

    # ---------------------------------------------------------------- routing and faults
    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        return (R_TOKEN, {}) if path.rstrip("/") == R_TOKEN else (UNKNOWN_ROUTE, {})

    def _fault_reply(self, kind: str, req: Request) -> Reply:
        if kind == "429":
            status, headers, body = json_reply(
                429,
                {
                    "code": 429,
                    "message": "You have reached the maximum per-second rate limit for this API. Try again later.",
                },
                ZOOM_JSON,
            )
            return (
                status,
                [
                    *headers,
                    ("X-RateLimit-Category", "Light"),
                    ("X-RateLimit-Type", "QPS"),
                    *self._retry_after_headers(),
                ],
                body,
            )
        if kind in {"502", "503", "504"}:
            return html_reply(int(kind), "ZOOM")
        return json_reply(500, {"code": 500, "message": "Internal error."}, ZOOM_JSON)

    def _handle(self, req: Request) -> Reply:
        if req.route == UNKNOWN_ROUTE:
            return json_reply(404, {"code": 404, "message": "Not Found"}, ZOOM_JSON)
        if req.method != "POST":
            return json_reply(405, {"code": 405, "message": "Method Not Allowed"}, ZOOM_JSON)
        params = dict(req.query)
        if req.content_type == "application/x-www-form-urlencoded":
            params.update(req.form())
        grant = params.get("grant_type")
        if not grant:
            return _oauth_error(400, "invalid_request", "Missing grant type.")
        if grant != "account_credentials":
            return _recorded("unsupported_grant_type")
        scheme, _, cred = (req.header("Authorization") or "").partition(" ")
        if scheme.lower() != "basic" or not cred.strip():
            return _oauth_error(400, "invalid_request", "Client ID or client secret is missing.")
        try:
            client_id, sep, client_secret = base64.b64decode(cred.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            client_id, sep, client_secret = "", "", ""
        if not sep or client_id != self._client_id or client_secret != self._client_secret:
            return _recorded("invalid_client", self.invalid_client_status)
        account = params.get("account_id")
        if not account:
            return _oauth_error(400, "invalid_request", "Missing account_id")
        if account != self._account_id:
            return _oauth_error(400, "invalid_request", "Invalid account_id")
        with self._lock:
            self._tokens_issued += 1
        return json_reply(
            200,
            {
                "access_token": "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0." + secrets.token_urlsafe(96),
                "token_type": "bearer",
                "expires_in": int(self.token_ttl_seconds),
                "scope": " ".join(self.scopes),
                "api_url": self.root_url,
            },
        )


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the local Zoom OAuth fake.")
    add_common_args(parser)
    parser.add_argument("--account-id", default=None)
    parser.add_argument("--client-id", default=None)
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--scope", action="append", default=None, help="a granted scope (repeat)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    fake = FakeZoom(
        account_id=args.account_id,
        client_id=args.client_id,
        client_secret=args.client_secret,
        scopes=args.scope or DEFAULT_SCOPES,
        **common_kwargs(args),
    )

    def ready() -> dict[str, Any]:
        return {
            "oauth_url": fake.oauth_url,
            "token_url": fake.token_url,
            "account_id": fake.account_id,
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
        }

    return run_cli(fake, ready)


if __name__ == "__main__":
    raise SystemExit(main())
