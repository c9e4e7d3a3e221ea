"""What went wrong reaching a host, in a few words, for the one-line errors of every HTTP client."""

from __future__ import annotations

import re

_ERRNO_TEXT = re.compile(r"\[Errno -?\d+\] ([^'\"()\]]+)")


def network_reason(error: object, host: str) -> str:
    """`error` as its cause: requests, urllib3 and the SDKs nest the real one several exceptions deep."""
    text = f"{type(error).__name__}: {error}"
    lowered = text.lower()
    if "nameresolution" in lowered or "name or service not known" in lowered or "getaddrinfo" in lowered:
        return f"cannot resolve the host name of {host}"
    if "timed out" in lowered or "timeout" in lowered:
        return f"no answer from {host} in time"
    if "ssl" in lowered or "certificate" in lowered:
        return f"the TLS handshake with {host} failed"
    errno_text = _ERRNO_TEXT.search(text)
    if errno_text:
        return f"cannot connect to {host}: {errno_text.group(1).strip().rstrip('.').lower()}"
    if "refused" in lowered:
        return f"cannot connect to {host}: connection refused"
    return f"the connection to {host} was lost ({type(error).__name__})"
