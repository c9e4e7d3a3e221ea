"""Local fake of the part of Stripe that Tapestry calls: one page of customers, what the doctor reads.

Tapestry never reads Stripe's data itself (Airbyte's source-stripe does, and the fake Airbyte stands in for it);
`tapestry doctor` checks the secret key the way source-stripe reads: ``GET /v1/customers?limit=1`` with the key as
a Bearer token (HTTP Basic with the key as user name works too) and the account in ``Stripe-Account``. So this
fake serves that one route of ``https://api.stripe.com``, with Stripe's answers:

* 200 ``{"object":"list","data":[customer],"has_more","url":"/v1/customers"}``; ``Request-Id`` on every answer.
* Held to Stripe's OpenAPI excerpt ``tests/contracts/stripe/stripe-customers-list.json``: the key as Bearer or
  Basic (``Basic <key>`` or ``Basic b64(<key>:)``, the spec's two security schemes), ``limit``'s range read from
  its definition, customers carrying the schema's required fields (``livemode`` as the key's mode) and every answer
  in the operation's response schemas (the test of the contracts checks them).
* Errors are ``{"error":{"type","message"[,"code","param"]}}``: no key -> 401 "You did not provide an API key";
  a wrong key -> 401 "Invalid API Key provided: sk_test_****1234" (Stripe quotes the key it refused, masked but
  for its last four characters); a restricted key without read access to customers (knob
  ``can_read_customers``) -> 403 naming the permission; a ``Stripe-Account`` the key may not act for -> 403
  ``account_invalid``; ``limit`` not a whole number of 1-100 -> 400 ``parameter_invalid_integer``. Messages
  are approximated from Stripe's docs and public reports; the shapes and codes are Stripe's.
* Faults (``rate_429``, ``rate_500``, ``drop_rate``, ``latency_ms``, ``fail_next``): 429 ``rate_limit``
  (Stripe sends no Retry-After); 5xx ``api_error``; a dropped connection.

In-process::

    with FakeStripe() as fake:
        requests.get(fake.root_url + "/v1/customers", params={"limit": 1},
                     headers={"Authorization": f"Bearer {fake.secret_key}", "Stripe-Account": fake.account_id})

As a process: ``python tests/fakes/stripe.py --port 0`` prints one JSON line (``api_url``, ``account_id``,
``secret_key``) when ready.

Stdlib plus ``jsonschema`` (for the vendored spec).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import re
import secrets
import sys
from pathlib import Path
from typing import Any, Final

if not __package__:  # executed as a script: make the sibling ``_http`` importable (PEP 366)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "fakes"

from contracts import openapi

from ._http import UNKNOWN_ROUTE, FakeService, Reply, Request, add_common_args, common_kwargs, json_reply, run_cli

__all__ = ["FakeStripe", "main"]

R_CUSTOMERS: Final = "/v1/customers"
SPEC: Final = "stripe/stripe-customers-list.json"


def _limit_range() -> tuple[int, int]:
    """``limit``'s bounds: the spec gives them only in words ("Limit can range between 1 and 100")."""
    operation = openapi(SPEC)["paths"][R_CUSTOMERS]["get"]
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    found = re.search(r"range between (\d+) and (\d+)", limit["description"])
    if found is None:
        raise ValueError(f"{SPEC}: the limit parameter no longer states its range: {limit['description']!r}")
    return int(found[1]), int(found[2])


LIMIT_MIN, LIMIT_MAX = _limit_range()


def _masked(key: str) -> str:
    """How Stripe quotes a key in an error: its prefix, stars, its last four characters."""
    prefix = key[:8] if key[:3] in ("sk_", "rk_") else ""
    return prefix + "*" * max(len(key) - len(prefix) - 4, 0) + key[-4:]


class FakeStripe(FakeService):
    """Stripe's ``GET /v1/customers`` over real HTTP. See the module docstring."""

    service_name = "stripe"
    server_header = "nginx"
    fault_kinds = frozenset({"429", "500", "502", "503", "504", "drop"})
    knobs = (*FakeService.knobs, "can_read_customers", "connected_accounts")

    def __init__(
        self,
        *,
        account_id: str | None = None,
        secret_key: str | None = None,
        can_read_customers: bool = True,
        connected_accounts: tuple[str, ...] = (),
        **common: Any,
    ) -> None:
        super().__init__(**common)
        self._account_id = account_id or "acct_" + secrets.token_hex(8)
        self._secret_key = secret_key or "sk_test_" + secrets.token_urlsafe(24)
        #: False: the key is a restricted key without `rak_customer_read`.
        self.can_read_customers = can_read_customers
        #: Accounts the key may act for through Stripe-Account besides its own (Connect).
        self.connected_accounts = tuple(connected_accounts)
        self.customers: list[dict[str, Any]] = [
            {
                "id": "cus_" + secrets.token_hex(7),
                "object": "customer",
                "email": "ana@example.com",
                "created": 1706692500,
                "livemode": self._secret_key.startswith(("sk_live_", "rk_live_")),
            }
        ]

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT`` (stands in for ``https://api.stripe.com``; a source's ``api_url``)."""
        return self.root_url

    @property
    def account_id(self) -> str:
        return self._account_id

    @property
    def secret_key(self) -> str:
        return self._secret_key

    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        return (R_CUSTOMERS, {}) if path.rstrip("/") == R_CUSTOMERS else (UNKNOWN_ROUTE, {})

    def _reply(self, status: int, body: dict[str, Any]) -> Reply:
        code, headers, payload = json_reply(status, body)
        return (
            code,
            [*headers, ("Request-Id", "req_" + secrets.token_hex(7)), ("Stripe-Version", "2022-11-15")],
            payload,
        )

    def _error(self, status: int, message: str, **extra: str) -> Reply:
        return self._reply(status, {"error": {"message": message, "type": "invalid_request_error", **extra}})

    def _fault_reply(self, kind: str, req: Request) -> Reply:
        if kind == "429":
            return self._error(
                429,
                "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
                code="rate_limit",
            )
        return self._reply(int(kind), {"error": {"message": "An unknown error occurred", "type": "api_error"}})

    def _key(self, req: Request) -> str | None:
        scheme, _, cred = (req.header("Authorization") or "").partition(" ")
        if scheme.lower() == "bearer":
            return cred.strip() or None
        if scheme.lower() == "basic":
            cred = cred.strip()
            if cred.startswith(("sk_", "rk_")):  # "Basic <api_key>": the key itself, not encoded
                return cred
            try:
                return base64.b64decode(cred, validate=True).decode("utf-8").partition(":")[0] or None
            except (binascii.Error, UnicodeDecodeError):
                return None
        return None

    def _handle(self, req: Request) -> Reply:
        if req.route == UNKNOWN_ROUTE:
            return self._error(404, f"Unrecognized request URL (GET: {req.path}).")
        key = self._key(req)
        if key is None:
            return self._error(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization header, "
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if key != self._secret_key:
            return self._error(401, f"Invalid API Key provided: {_masked(key)}")
        if req.method != "GET":
            return self._error(404, f"Unrecognized request URL ({req.method}: {req.path}).")
        account = req.header("Stripe-Account")
        if account and account not in (self._account_id, *self.connected_accounts):
            return self._error(
                403,
                f"The provided key '{_masked(key)}' does not have access to account '{account}' (or that account "
                "does not exist). Application access may have been revoked.",
                code="account_invalid",
            )
        if not self.can_read_customers:
            return self._error(
                403,
                f"The provided key '{_masked(key)}' does not have the required permissions for this endpoint on "
                f"account '{account or self._account_id}'. Having the 'rak_customer_read' permission would allow "
                "this request to continue.",
            )
        raw_limit = req.query.get("limit", "10")
        if not raw_limit.isdigit() or not LIMIT_MIN <= int(raw_limit) <= LIMIT_MAX:
            return self._error(400, f"Invalid integer: {raw_limit}", code="parameter_invalid_integer", param="limit")
        limit = int(raw_limit)
        return self._reply(
            200,
            {
                "object": "list",
                "data": self.customers[:limit],
                "has_more": len(self.customers) > limit,
                "url": R_CUSTOMERS,
            },
        )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the local Stripe fake (GET /v1/customers).")
    add_common_args(parser)
    parser.add_argument("--account-id", default=None)
    parser.add_argument("--secret-key", default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    fake = FakeStripe(account_id=args.account_id, secret_key=args.secret_key, **common_kwargs(args))
    return run_cli(
        fake, lambda: {"api_url": fake.api_url, "account_id": fake.account_id, "secret_key": fake.secret_key}
    )


if __name__ == "__main__":
    raise SystemExit(main())
