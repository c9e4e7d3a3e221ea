"""Helpers for the source plugins' credential checks (`tapestry doctor`): the reason a server gave for a refusal."""

from __future__ import annotations

from collections.abc import Callable

from tapestry.core.errors import TapestryError


def refusal_reason(response: object, redact: Callable[[str], str] | None = None) -> str:
    """`HTTP 401: invalid_client`-style text from an error response, never the credentials sent. Reads an OAuth
    error (`error`, `error_description`), `{"error", "description"}`, `reason`/`message` bodies and nested error
    objects (Stripe's `{"error": {"code", "message"}}`, Zendesk's `{"error": {"title", "message"}}`). `redact`
    masks what a service quotes back (Stripe repeats the end of the key it refused)."""
    status = getattr(response, "status_code", "?")
    try:
        body = response.json()  # type: ignore[attr-defined]
    except (ValueError, AttributeError):
        return f"HTTP {status}"
    if not isinstance(body, dict):
        return f"HTTP {status}"
    error = body.get("error")
    if isinstance(error, dict):
        parts = [error.get("code") or error.get("type"), error.get("title") or error.get("message")]
    else:
        parts = [
            body.get("error_description")
            or body.get("description")
            or body.get("reason")
            or body.get("message")
            or error
        ]
    text = ": ".join(str(part).strip() for part in parts if part)
    if text and redact is not None:
        text = redact(text)
    return f"HTTP {status}: {text}" if text else f"HTTP {status}"


class ServiceUnavailable(TapestryError):
    """The service did not answer a credential check (429, 5xx): nothing was learned about the credentials."""


def check_failure(
    service: str, refused: str, response: object, redact: Callable[[str], str] | None = None
) -> Exception:
    """What a failed check raises: "<service> refused <refused> (<the service's reason>)" (a ValueError), or, for
    a 429 or 5xx, that the service is busy or down and the credentials were not checked."""
    reason = refusal_reason(response, redact)
    status = getattr(response, "status_code", None)
    if isinstance(status, int) and (status == 429 or status >= 500):
        return ServiceUnavailable(
            f"{service} did not answer the credential check ({reason}); the credentials were not checked",
            f"try again in a few minutes (a 429 or 5xx is {service}'s side, not a wrong secret)",
        )
    return ValueError(f"{service} refused {refused} ({reason})")
