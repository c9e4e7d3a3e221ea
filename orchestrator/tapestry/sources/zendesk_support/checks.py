"""Zendesk Support's credentials, checked the way source-zendesk-support signs in (Basic `email/token` with the
API token, or a Bearer OAuth token): who the token is (an agent or admin: an end-user cannot read users), then the
connector's own check, the account's settings with `organization_access_enabled`. No data is read."""

from __future__ import annotations

import base64
from typing import Any

from tapestry.engines.ingest.credentials import check_failure
from tapestry.sources.base import CredentialCheck, SecretLookup
from tapestry.sources.zendesk_support.config import ZendeskSupportSourceConfig


def authorization(source: ZendeskSupportSourceConfig, secret: SecretLookup) -> str | None:
    """The Authorization header source-zendesk-support sends; None when the settings are incomplete."""
    if source.access_token is not None:
        return f"Bearer {secret(source.access_token) or ''}"
    if source.email and source.api_token is not None:
        login = f"{source.email}/token:{secret(source.api_token) or ''}"
        return "Basic " + base64.b64encode(login.encode()).decode()
    return None


def signed_in_user(base_url: str, auth: str) -> dict[str, Any]:
    """The token's user (`GET /api/v2/users/me.json`); raises ValueError with Zendesk's reason."""
    import httpx

    with httpx.Client(base_url=base_url, headers={"Authorization": auth}, timeout=30.0) as client:
        me = client.get("/api/v2/users/me.json")
        if me.status_code != 200:
            raise check_failure("Zendesk", "the credentials", me)
        user = dict(me.json().get("user") or {})
        if user.get("id") is None:  # Zendesk answers an anonymous user when no credentials came through
            raise ValueError("Zendesk did not sign anyone in (anonymous user)")
        if user.get("role") not in ("agent", "admin"):
            raise ValueError(f"the token's user is an {user.get('role') or 'unknown role'}; use an agent or admin")
        settings = client.get("/api/v2/account/settings.json")
        if settings.status_code != 200:
            raise check_failure("Zendesk", "to show the account settings", settings)
        features = (settings.json().get("settings") or {}).get("active_features") or {}
        if not features.get("organization_access_enabled"):
            raise ValueError(
                "the account does not have organization_access_enabled, which source-zendesk-support's check requires"
            )
        return user


def check(source: ZendeskSupportSourceConfig, secret: SecretLookup) -> str | None:
    auth = authorization(source, secret)
    if auth is None or not source.subdomain:
        return None
    user = signed_in_user(source.base_url, auth)
    how = "OAuth token" if source.access_token is not None else "API token"
    return f"{how} of {user.get('role')} {user.get('id')} on {source.subdomain}.zendesk.com"


CHECK = CredentialCheck(
    check,
    "check the subdomain and the API token with its agent's e-mail (Admin Center > Apps and integrations > "
    "Zendesk API), or the OAuth access token",
)
