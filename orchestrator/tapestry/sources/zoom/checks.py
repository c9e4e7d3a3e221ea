"""Zoom's Server-to-Server OAuth token, requested the way source-zoom does (no data is read)."""

from __future__ import annotations

import base64

from tapestry.engines.ingest.credentials import check_failure
from tapestry.sources.base import CredentialCheck, SecretLookup
from tapestry.sources.zoom.config import ZoomSourceConfig

SCOPES = ("user:read", "webinar:read")


def token_scopes(oauth_url: str, account_id: str, client_id: str, client_secret: str) -> str:
    """The granted scopes; raises ValueError with Zoom's reason (never the secret)."""
    import httpx

    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    response = httpx.post(
        f"{oauth_url.rstrip('/')}/oauth/token",
        params={"grant_type": "account_credentials", "account_id": account_id},
        headers={"Authorization": f"Basic {basic}"},
        timeout=30.0,
    )
    if response.status_code != 200:
        raise check_failure("Zoom", "the Server-to-Server OAuth credentials", response)
    scopes = str(response.json().get("scope", ""))
    needed = [s for s in SCOPES if s not in scopes]
    if needed and "webinar:read:list_registrants" not in scopes:
        raise ValueError(f"the Zoom app lacks scopes {', '.join(needed)} (granted: {scopes or 'none'})")
    return scopes


def check(source: ZoomSourceConfig, secret: SecretLookup) -> str | None:
    if not (source.client_secret and source.account_id and source.client_id):
        return None
    scopes = token_scopes(source.oauth_url, source.account_id, source.client_id, secret(source.client_secret) or "")
    return f"token granted ({scopes})"


CHECK = CredentialCheck(check, "check the Server-to-Server OAuth app's account id, client id and secret")
