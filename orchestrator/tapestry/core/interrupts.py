"""Ctrl-C and SIGTERM, remembered for the whole command.

Libraries turn an interrupt into their own errors (DuckDB's "Query interrupted", a rolled-back
transaction, dbt's failed run). The CLI installs these handlers once; the phase runner and the CLI's
error mapping then ask `received()` and report an interrupt as one, whatever exception carried it.
"""

from __future__ import annotations

# The CLI imports this module first of all, before its handlers are in place: nothing slow (typing, ~10 ms).
import os
import signal
import sys
import time
from types import FrameType


class _Seen:
    signum: int | None = None
    reported: bool = False
    reported_at: float | None = None  # time.monotonic() when the interrupt was reported


_seen = _Seen()

NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_S = 5.0  # after an interrupt was reported, how long a further one leaves the clean-up alone


def _handler(signum: int, frame: FrameType | None) -> None:
    if _seen.signum is None:
        _seen.signum = signum
    raise KeyboardInterrupt


def install() -> None:
    """Route SIGINT and SIGTERM to KeyboardInterrupt (SIGTERM too: ECS and `kill` stop a run with it).

    SIGINT is taken over even when inherited as ignored (a background job of a script), like the dashboard.
    """
    import atexit

    for signum in SIGNALS:
        signal.signal(signum, _handler)
    sys.unraisablehook = _unraisable
    atexit.register(_ignore_during_teardown)  # registered first, so it runs after every other atexit function


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """An exception in a __del__ or a callback cannot propagate: Python prints "Exception ignored in ..." and
    goes on. Once interrupted, such errors are what the interrupt did (a KeyboardInterrupt landing in a
    __del__, a second Ctrl-C cutting dbt's thread pool short, whose __del__ then writes to a closed pipe):
    the interrupt is remembered and reported as one line when the command ends, so they are noise."""
    interrupted = unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt)
    if interrupted or _seen.signum is not None:
        return
    sys.__unraisablehook__(unraisable)


def received() -> int | None:
    """The first interrupting signal this process received, or None."""
    return _seen.signum


def reported() -> bool:
    """Whether the interrupt was already reported (once is enough)."""
    return _seen.reported


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


def exiting() -> None:
    """The command is over: a signal from now on no longer raises KeyboardInterrupt, which would only land in
    the clean-up at exit (a __del__ of dbt's printed "Exception ignored ... KeyboardInterrupt")."""
    import contextlib

    with contextlib.suppress(ValueError):  # not the main thread, which alone takes signals
        for signum in SIGNALS:
            signal.signal(signum, _at_exit)


def reporting() -> None:
    """The interrupt is being reported (once): what is left is clean-up, so a further Ctrl-C is ignored for a
    while. Cutting it short leaves dbt's thread pool half-closed, and Python then prints its errors and
    multiprocessing's "leaked semaphore" warnings after the one line."""
    _seen.reported = True
    _seen.reported_at = time.monotonic()
    exiting()


def _at_exit(signum: int, frame: FrameType | None) -> None:
    import contextlib

    note(signum)
    if _seen.reported_at is not None and time.monotonic() - _seen.reported_at < GRACE_S:
        return
    # A command that already finished, or a clean-up that hangs: stop now, with the one line when not yet shown.
    if not _seen.reported:
        _seen.reported = True
        os.write(2, f"error: interrupted ({describe()})\n".encode())
    with contextlib.suppress(BaseException):  # a flush interrupted mid-write cannot finish: exit regardless
        sys.stdout.flush()  # what the command printed still reaches a pipe
    os._exit(exit_code())


def _ignore_during_teardown() -> None:
    """Python then resets handlers to the default, which kills the process (exit -2, not 130) when a further
    Ctrl-C comes while it frees its modules; an ignored signal stays ignored. Only once the interrupt was
    reported: the one line is out and nothing is left to stop."""
    if _seen.reported:
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
