"""Local fake of the part of Zendesk Support that Tapestry calls: who the token is, and the account's settings.

Tapestry never reads Zendesk's data itself (Airbyte's source-zendesk-support does, and the fake Airbyte stands in
for it); `tapestry doctor` checks the credentials the way the connector signs in (Basic ``<email>/token:<api
token>``, or a Bearer OAuth token) and runs the connector's own check. So this fake serves two routes of
``https://<subdomain>.zendesk.com``, with Zendesk's answers:

* ``GET /api/v2/users/me.json`` -> 200 ``{"user":{"id","name","email","role",...}}``; without credentials Zendesk
  answers the anonymous user (``id`` null, role ``end-user``) rather than an error.
* ``GET /api/v2/account/settings.json`` -> 200 ``{"settings":{"active_features":{"organization_access_enabled",
  ...}}}`` (knob ``organization_access_enabled``: source-zendesk-support's check requires it); an end-user gets
  403 ``{"error":"Forbidden","description":...}``.
* Errors: wrong e-mail/token -> 401 ``{"error":"Couldn't authenticate you"}``; a wrong, expired or revoked OAuth
  token -> 401 ``{"error":"invalid_token","error_description":...}``; an unknown path -> 404 ``{"error":
  "InvalidEndpoint","description":"Not found"}``.
* Faults (``rate_429``, ``rate_500``, ``drop_rate``, ``latency_ms``, ``fail_next``): 429
  ``{"error":"APIRateLimitExceeded",...}`` with ``Retry-After``; 5xx; a dropped connection.

Held to Zendesk's OpenAPI excerpt ``tests/contracts/zendesk/zendesk-support-users-me-settings.json``: both paths
answer with or without ``.json`` (the spec writes them without, Zendesk's examples with), the signed-in user and
the settings in the schemas ``CurrentUserResponse`` and ``AccountSettingsResponse`` (``api_token_access`` is a
string there). The spec documents no error answers and says `users/me` is allowed for anonymous users without
giving their shape; the anonymous user (``id`` null, which the schema's integer ``id`` does not admit) is as
public reports show it.

Knob ``role`` is the role of the token's user (``admin``, ``agent`` or ``end-user``). Messages are Zendesk's as
public reports quote them; the anonymous answer and the 404 body are approximated.

As a process: ``python tests/fakes/zendesk.py --port 0`` prints one JSON line (``api_url``, ``email``,
``api_token``, ``access_token``) when ready.

Stdlib only.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import secrets
import sys
from pathlib import Path
from typing import Any, Final

if not __package__:  # executed as a script: make the sibling ``_http`` importable (PEP 366)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "fakes"

from ._http import UNKNOWN_ROUTE, FakeService, Reply, Request, add_common_args, common_kwargs, json_reply, run_cli

__all__ = ["FakeZendesk", "main"]

R_ME: Final = "/api/v2/users/me.json"
R_SETTINGS: Final = "/api/v2/account/settings.json"
SPEC: Final = "zendesk/zendesk-support-users-me-settings.json"
ANONYMOUS: Final = {
    "id": None,
    "url": None,
    "name": "Anonymous user",
    "email": "invalid@example.com",
    "role": "end-user",
}


class FakeZendesk(FakeService):
    """Zendesk Support's `users/me` and `account/settings` over real HTTP. See the module docstring."""

    service_name = "zendesk"
    server_header = "cloudflare"
    fault_kinds = frozenset({"429", "500", "502", "503", "504", "drop"})
    knobs = (*FakeService.knobs, "role", "organization_access_enabled")

    def __init__(
        self,
        *,
        email: str = "admin@example.com",
        api_token: str | None = None,
        access_token: str | None = None,
        role: str = "admin",
        organization_access_enabled: bool = True,
        retry_after: float | None = 1.0,
        **common: Any,
    ) -> None:
        super().__init__(retry_after=retry_after, **common)
        self._email = email
        self._api_token = api_token or secrets.token_urlsafe(30)
        self._access_token = access_token or secrets.token_hex(32)
        self.role = role
        self.organization_access_enabled = organization_access_enabled
        self.user_id = 372_026_340_811

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT`` (stands in for ``https://<subdomain>.zendesk.com``; a source's ``api_url``)."""
        return self.root_url

    @property
    def email(self) -> str:
        return self._email

    @property
    def api_token(self) -> str:
        return self._api_token

    @property
    def access_token(self) -> str:
        return self._access_token

    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        route = path if path.endswith(".json") else path + ".json"
        return (route, {}) if route in (R_ME, R_SETTINGS) else (UNKNOWN_ROUTE, {})

    def _fault_reply(self, kind: str, req: Request) -> Reply:
        if kind == "429":
            status, headers, body = json_reply(
                429,
                {"error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"},
            )
            return status, [*headers, *self._retry_after_headers()], body
        return json_reply(int(kind), {"error": "ServiceUnavailable", "description": "Server error"})

    def _signed_in(self, req: Request) -> bool | Reply:
        """True: the configured user; False: no credentials (anonymous); a reply: refused."""
        scheme, _, cred = (req.header("Authorization") or "").partition(" ")
        if not scheme:
            return False
        if scheme.lower() == "bearer":
            if cred.strip() == self._access_token:
                return True
            return json_reply(
                401,
                {
                    "error": "invalid_token",
                    "error_description": "The access token provided is expired, revoked, malformed, or invalid "
                    "for other reasons.",
                },
            )
        if scheme.lower() == "basic":
            try:
                login, _, token = base64.b64decode(cred.strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                login, token = "", ""
            if login == f"{self._email}/token" and token == self._api_token:
                return True
        return json_reply(401, {"error": "Couldn't authenticate you"})

    def _handle(self, req: Request) -> Reply:
        if req.route == UNKNOWN_ROUTE or req.method != "GET":
            return json_reply(404, {"error": "InvalidEndpoint", "description": "Not found"})
        who = self._signed_in(req)
        if not isinstance(who, bool):
            return who
        if req.route == R_ME:
            if not who:
                return json_reply(200, {"user": ANONYMOUS})
            user = {
                "id": self.user_id,
                "name": "Support Admin",
                "email": self._email,
                "role": self.role,
                "active": True,
            }
            return json_reply(200, {"user": user})
        if not who:
            return json_reply(401, {"error": "Couldn't authenticate you"})
        if self.role == "end-user":
            return json_reply(
                403,
                {
                    "error": "Forbidden",
                    "description": "You do not have access to this page. Please contact the account owner of this "
                    "help desk for further help.",
                },
            )
        features = {"organization_access_enabled": self.organization_access_enabled, "customer_satisfaction": False}
        return json_reply(200, {"settings": {"active_features": features, "api": {"api_token_access": "true"}}})


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the local Zendesk Support fake (users/me, account/settings).")
    add_common_args(parser)
    parser.add_argument("--email", default="admin@example.com")
    parser.add_argument("--api-token", default=None)
    parser.add_argument("--access-token", default=None)
    parser.add_argument("--role", default="admin", choices=("admin", "agent", "end-user"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    fake = FakeZendesk(
        email=args.email,
        api_token=args.api_token,
        access_token=args.access_token,
        role=args.role,
        **common_kwargs(args),
    )

    def ready() -> dict[str, Any]:
        return {
            "api_url": fake.api_url,
            "email": fake.email,
            "api_token": fake.api_token,
            "access_token": fake.access_token,
        }

    return run_cli(fake, ready)


if __name__ == "__main__":
    raise SystemExit(main())
