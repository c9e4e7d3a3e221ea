"""The CLI's one error mapping, driven through the real entry point with a fault injected where a command
would meet it: every error is one line with its exit code, never a raw MemoryError or PermissionError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FAULTS = {
    "memory": ("raise MemoryError()", 1, "error: out of memory. Fix:"),
    "permission": (
        "raise PermissionError(13, 'Permission denied', '/srv/locked/tapestry.yml')",
        1,
        "error: cannot create files in /",
    ),
    "disk-full": (
        "raise OSError(28, 'No space left on device', '/tmp')",
        1,
        "error: cannot write /tmp: no space left on the device",
    ),
    "interrupt": ("raise KeyboardInterrupt", 130, "error: interrupted (Ctrl-C)"),
    "bug": ("raise ValueError('boom')", 70, "error: unexpected ValueError: boom. Fix: rerun with TAPESTRY_DEBUG=1"),
}


def _run_init_with_fault(tmp_path: Path, fault: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import sys\n"
        "import tapestry.kickstart.spec as spec\n"
        f"def broken(name):\n    {fault}\n"
        "spec.load_template = broken\n"
        "from tapestry.cli.app import main\n"
        "sys.argv = ['tapestry', 'init', 'proj', '--non-interactive']\n"
        "main()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_every_error_is_one_line_with_its_exit_code(tmp_path: Path, name: str) -> None:
    fault, code, expected = FAULTS[name]
    result = _run_init_with_fault(tmp_path, fault)
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert "Traceback" not in result.stderr
