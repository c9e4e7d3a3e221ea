"""Check source credentials the way Airbyte will use them, without moving any data: Zoom
Server-to-Server OAuth and Salesforce's refresh-token grant. Used by `tapestry doctor`."""

from __future__ import annotations

import base64


def check_zoom(oauth_url: str, account_id: str, client_id: str, client_secret: str) -> str:
    """Returns the granted scopes; raises ValueError with Zoom's reason (never the secret)."""
    import httpx

    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    response = httpx.post(
        f"{oauth_url.rstrip('/')}/oauth/token",
        params={"grant_type": "account_credentials", "account_id": account_id},
        headers={"Authorization": f"Basic {basic}"},
        timeout=30.0,
    )
    if response.status_code != 200:
        raise ValueError(f"Zoom refused the Server-to-Server OAuth credentials ({_reason(response)})")
    scopes = str(response.json().get("scope", ""))
    needed = [s for s in ("user:read", "webinar:read") if s not in scopes]
    if needed and "webinar:read:list_registrants" not in scopes:
        raise ValueError(f"the Zoom app lacks scopes {', '.join(needed)} (granted: {scopes or 'none'})")
    return scopes


def check_salesforce(token_url: str, client_id: str, client_secret: str, refresh_token: str) -> str:
    """Returns the instance URL; raises ValueError with Salesforce's reason."""
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
        raise ValueError(f"Salesforce refused the refresh token ({_reason(response)})")
    return str(response.json().get("instance_url", ""))


def _reason(response: object) -> str:
    status = getattr(response, "status_code", "?")
    try:
        body = response.json()  # type: ignore[attr-defined]
    except ValueError:
        return f"HTTP {status}"
    if isinstance(body, dict):
        text = body.get("error_description") or body.get("reason") or body.get("message") or body.get("error")
        return f"HTTP {status}: {text}" if text else f"HTTP {status}"
    return f"HTTP {status}"
