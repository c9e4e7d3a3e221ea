"""Helpers for the source plugins' credential checks (`tapestry doctor`): the reason an OAuth server gave."""

from __future__ import annotations


def refusal_reason(response: object) -> str:
    """`HTTP 401: invalid_client`-style text from an OAuth error response (never the credentials sent)."""
    status = getattr(response, "status_code", "?")
    try:
        body = response.json()  # type: ignore[attr-defined]
    except ValueError:
        return f"HTTP {status}"
    if isinstance(body, dict):
        text = body.get("error_description") or body.get("reason") or body.get("message") or body.get("error")
        return f"HTTP {status}: {text}" if text else f"HTTP {status}"
    return f"HTTP {status}"
