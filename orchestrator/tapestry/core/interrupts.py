"""Ctrl-C and SIGTERM, remembered for the whole command.

Libraries turn an interrupt into their own errors (DuckDB's "Query interrupted", a rolled-back
transaction, dbt's failed run). The CLI installs these handlers once; the phase runner and the CLI's
error mapping then ask `received()` and report an interrupt as one, whatever exception carried it.
"""

from __future__ import annotations

import signal
from types import FrameType


class _Seen:
    signum: int | None = None


_seen = _Seen()

NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


def _handler(signum: int, frame: FrameType | None) -> None:
    if _seen.signum is None:
        _seen.signum = signum
    raise KeyboardInterrupt


def install() -> None:
    """Route SIGINT and SIGTERM to KeyboardInterrupt (SIGTERM too: ECS and `kill` stop a run with it).

    SIGINT is taken over even when inherited as ignored (a background job of a script), like the dashboard.
    """
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _handler)


def received() -> int | None:
    """The first interrupting signal this process received, or None."""
    return _seen.signum


def note(signum: int = signal.SIGINT) -> None:
    """Record an interrupt that arrived as a KeyboardInterrupt without our handler (tests, embedding)."""
    if _seen.signum is None:
        _seen.signum = signum


def is_interrupt(exc: BaseException) -> bool:
    """True when `exc` is, or was caused by, an interrupt of this process."""
    if isinstance(exc, KeyboardInterrupt):
        note()
        return True
    if type(exc).__name__ == "InterruptException":  # duckdb.InterruptException, without importing duckdb
        note()
        return True
    return _seen.signum is not None


def describe() -> str:
    received = _seen.signum
    return NAMES.get(signal.Signals(received), f"signal {received}") if received else "Ctrl-C"


def exit_code() -> int:
    """The shell's convention: 128 + the signal number (130 for Ctrl-C)."""
    return 128 + (_seen.signum or signal.SIGINT)
