"""Start the real `tapestry` command in the background, watch its output, and signal it at a known point."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from integration.dashboard.scenario import LineReader


def start_tapestry(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], LineReader]:
    """`tapestry ARGS` in the background, stdout read line by line (unbuffered, so a line is seen when printed)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tapestry", *args],
        cwd=cwd,
        env={**env, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, LineReader(process)


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str], what: str, timeout: float = 120) -> None:
    """Poll `condition` (a file appeared, a count grew) while the process still runs."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"the command ended before {what}: {process.communicate()}"
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout}s"
        time.sleep(0.002)


def finish(process: subprocess.Popen[str], reader: LineReader, timeout: float = 120) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) once the process ended."""
    process.wait(timeout)
    out = reader.rest()
    err = process.stderr.read() if process.stderr else ""
    return process.returncode, out, err
