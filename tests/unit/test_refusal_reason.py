"""engines.ingest.credentials.refusal_reason: one reader for every source's refusal bodies, never the secret."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tapestry.engines.ingest.credentials import ServiceUnavailable, check_failure, refusal_reason
from tapestry.sources.stripe.checks import _mask_key


class Response:
    def __init__(self, status_code: int, body: Any) -> None:
        self.status_code = status_code
        self._text = body if isinstance(body, str) else json.dumps(body)

    def json(self) -> Any:
        return json.loads(self._text)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"error": "invalid_client", "error_description": "Invalid client"}, "HTTP 401: Invalid client"),  # OAuth
        ({"error": "invalid_grant"}, "HTTP 401: invalid_grant"),
        (
            {"reason": "Invalid client_id or client_secret", "code": 4700},
            "HTTP 401: Invalid client_id or client_secret",
        ),
        ({"error": "Forbidden", "description": "You do not have access"}, "HTTP 401: You do not have access"),
        ({"error": {"title": "Forbidden", "message": "You do not have access"}}, "HTTP 401: Forbidden"),  # Zendesk
        (
            {"error": {"code": "api_key_invalid", "message": "Invalid API Key"}},
            "HTTP 401: api_key_invalid: Invalid API Key",
        ),
        ({}, "HTTP 401"),
        (["not", "an", "object"], "HTTP 401"),
        ("<html>Bad gateway</html>", "HTTP 401"),
    ],
)
def test_the_reason_is_read_from_each_services_error_body(body: Any, reason: str) -> None:
    assert refusal_reason(Response(401, body)) == reason


def test_stripe_never_repeats_the_key_it_refused() -> None:
    body = {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_****WXYZ"}}
    error = check_failure("Stripe", "the secret key", Response(401, body), redact=_mask_key)
    assert isinstance(error, ValueError)
    assert str(error) == (
        "Stripe refused the secret key (HTTP 401: invalid_request_error: Invalid API Key provided: <key>)"
    )
    assert "WXYZ" not in str(error)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_busy_or_failing_service_is_not_a_refusal(status: int) -> None:
    error = check_failure("Zoom", "the credentials", Response(status, "<html>busy</html>"))
    assert isinstance(error, ServiceUnavailable) and not isinstance(error, ValueError)
    assert (
        error.message == f"Zoom did not answer the credential check (HTTP {status}); the credentials were not checked"
    )
    assert error.fix and "try again" in error.fix
