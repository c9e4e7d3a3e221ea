"""Salesforce's refresh-token grant, the way source-salesforce signs in (no data is read)."""

from __future__ import annotations

from tapestry.engines.ingest.credentials import check_failure
from tapestry.sources.base import CredentialCheck, SecretLookup
from tapestry.sources.salesforce.config import SalesforceSourceConfig


def instance_url(token_url: str, client_id: str, client_secret: str, refresh_token: str) -> str:
    """The org's instance URL; raises ValueError with Salesforce's reason."""
    import httpx

    response = httpx.post(
        token_url,
        data={
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
        },
        timeout=30.0,
    )
    if response.status_code != 200:
        raise check_failure("Salesforce", "the refresh token", response)
    return str(response.json().get("instance_url", ""))


def check(source: SalesforceSourceConfig, secret: SecretLookup) -> str | None:
    if source.client_secret is None or source.refresh_token is None or not source.client_id:
        return None
    instance = instance_url(
        source.token_url, source.client_id, secret(source.client_secret) or "", secret(source.refresh_token) or ""
    )
    return f"refresh token valid for {instance}"


CHECK = CredentialCheck(check, "check the connected app's consumer key/secret and the refresh token")
