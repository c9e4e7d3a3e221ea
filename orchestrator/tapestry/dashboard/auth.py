"""Who may read the dashboard.

On a loopback address only this machine can connect, so no token is needed; the Host header is checked
instead, so a web page cannot reach the dashboard through DNS rebinding. On any other address a token is
required: `Authorization: Bearer <token>`, or `?token=<token>` once, which sets an HttpOnly SameSite=Strict
cookie. Tokens are compared in constant time. A token the user chooses must be at least MIN_TOKEN_LENGTH
characters. The browser `tapestry dashboard` opens gets a one-time login code, never the token itself: a
browser's command line is visible to every user of the machine (`ps`).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Literal

from tapestry.core.errors import ConfigError

TOKEN_ENV = "TAPESTRY_DASHBOARD_TOKEN"
COOKIE = "tapestry_dashboard_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
MIN_TOKEN_LENGTH = 16
LOGIN_CODE_TTL_S = 300.0

Verdict = Literal["ok", "ok_set_cookie", "unauthorized", "bad_host"]


def is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def resolve_token(host: str, environ: dict[str, str] | None = None) -> tuple[str | None, bool]:
    """(token, generated): None on loopback; the environment's token; else a new random one to print once."""
    if is_loopback(host):
        return None, False
    env = os.environ if environ is None else environ
    configured = env.get(TOKEN_ENV, "").strip()
    if configured:
        if len(configured) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"{TOKEN_ENV} is {len(configured)} characters long; a dashboard token needs at least "
                f"{MIN_TOKEN_LENGTH}",
                f"choose a longer one (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`), "
                f"or unset {TOKEN_ENV} for a random one",
            )
        return configured, False
    return secrets.token_urlsafe(32), True


def _host_name(header: str) -> str:
    header = header.strip().lower()
    if header.startswith("["):  # [::1]:7777
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


@dataclass(frozen=True)
class Guard:
    token: str | None  # None: bound to loopback, no token
    # one-time login codes (code -> expiry on the monotonic clock), for the browser the CLI opens
    _codes: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    _codes_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def _matches(self, candidate: str | None) -> bool:
        if self.token is None or not candidate:
            return False
        return hmac.compare_digest(candidate.encode("utf-8"), self.token.encode("utf-8"))

    def issue_login_code(self, ttl_s: float = LOGIN_CODE_TTL_S) -> str:
        """A code that logs in once, within `ttl_s`, like the token (then the cookie holds the session)."""
        code = secrets.token_urlsafe(32)
        with self._codes_lock:
            self._codes[code] = time.monotonic() + ttl_s
        return code

    def _redeem(self, candidate: str) -> bool:
        now = time.monotonic()
        with self._codes_lock:
            for code, expires in list(self._codes.items()):
                if expires < now:
                    del self._codes[code]
            match = next((c for c in self._codes if hmac.compare_digest(c.encode(), candidate.encode())), None)
            if match is None:
                return False
            del self._codes[match]
            return True

    def check(
        self, host_header: str | None, authorization: str | None, cookie_header: str | None, query_token: str | None
    ) -> Verdict:
        if self.token is None:
            if host_header and not is_loopback(_host_name(host_header)):
                return "bad_host"
            return "ok"
        if authorization and authorization.lower().startswith("bearer ") and self._matches(authorization[7:].strip()):
            return "ok"
        if query_token is not None and (self._matches(query_token) or self._redeem(query_token)):
            return "ok_set_cookie"
        if cookie_header:
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(cookie_header)
            except Exception:  # a malformed Cookie header is simply not a credential
                return "unauthorized"
            morsel = cookie.get(COOKIE)
            if morsel is not None and hmac.compare_digest(morsel.value.encode(), self._cookie_value().encode()):
                return "ok"
        return "unauthorized"

    def _cookie_value(self) -> str:
        # Derived from the token, not the token itself: cookie-safe whatever characters the token has.
        assert self.token is not None
        return hmac.new(self.token.encode("utf-8"), b"tapestry-dashboard-cookie", hashlib.sha256).hexdigest()

    def cookie_header(self) -> str:
        return f"{COOKIE}={self._cookie_value()}; HttpOnly; SameSite=Strict; Path=/"
