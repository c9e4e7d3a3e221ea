"""Who runs a run: host, pid and the process's start time, so a later command can tell a live run from
one whose process died (killed, out of memory, the machine rebooted) even when the pid was reused."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROC = Path("/proc")


@cache
def _boot_id() -> str:
    try:
        return (PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def start_token(pid: int) -> str | None:
    """The process's start time since boot, with the boot's id (Linux); None when unknown or not running."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (comm) ": field 3 (state) onwards
    if len(fields) < 20 or fields[0] in {"Z", "X"}:  # a zombie has finished
        return None
    return f"{_boot_id()}/{fields[19]}"  # field 22: start time in clock ticks since boot


@dataclass(frozen=True)
class ProcessId:
    host: str
    pid: int
    started: str | None  # start_token(); None where /proc is missing (the pid alone is then checked)

    @classmethod
    def current(cls) -> ProcessId:
        return cls(socket.gethostname(), os.getpid(), start_token(os.getpid()))

    def alive(self) -> bool | None:
        """Whether this process still runs; None when it cannot be known from here (another host)."""
        if self.pid <= 0:  # no process has such a pid, and os.kill(0 or -1, 0) would signal a whole group
            return False
        if self.host != socket.gethostname():
            return None
        if self.started is not None and PROC.is_dir():
            return start_token(self.pid) == self.started
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # someone else's process: it exists
            return True
        return True
