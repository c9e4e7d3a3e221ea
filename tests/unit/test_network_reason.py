"""The few words every destination's one-line error gives for a network failure."""

from __future__ import annotations

import pytest

from tapestry.core.network import network_reason


class ConnectTimeout(Exception):
    pass


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            OSError("NameResolutionError: Failed to resolve 'x' ([Errno -2] Name or service not known)"),
            "cannot resolve the host name of api.example",
        ),
        (ConnectTimeout("pool"), "no answer from api.example in time"),
        (OSError("SSLError: certificate verify failed"), "the TLS handshake with api.example failed"),
        (
            OSError("NewConnectionError: [Errno 111] Connection refused"),
            "cannot connect to api.example: connection refused",
        ),
        (OSError("Connection refused by peer"), "cannot connect to api.example: connection refused"),
        (ConnectionResetError(), "the connection to api.example was lost (ConnectionResetError)"),
    ],
)
def test_a_network_failure_is_named_by_its_cause(error: BaseException, reason: str) -> None:
    assert network_reason(error, "api.example") == reason
