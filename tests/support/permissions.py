"""Meet file permissions the way a normal user does, also when the tests run as root.

Root ignores permissions through two capabilities (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH). As root, the CLI
is run through `setpriv` without them (and without CAP_FOWNER, CAP_CHOWN), and the files it must not write
are given to another uid; as any other user, a chmod is enough.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

OTHER_UID = 4242
DROPPED = "-dac_override,-dac_read_search,-fowner,-chown"


def unprivileged() -> list[str]:
    """A command prefix under which file permissions apply to the command."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "running as root: these tests need setpriv (util-linux) to drop the permission-bypass capabilities"
    return [setpriv, f"--bounding-set={DROPPED}", "--"]


def _tree(path: Path) -> list[Path]:
    return [path, *path.rglob("*")] if path.is_dir() else [path]


def deny_writes(path: Path, recursive: bool = True) -> None:
    """Nobody but another user may write `path` (and everything under it); reading stays allowed."""
    for item in _tree(path) if recursive else [path]:
        if os.geteuid() == 0:
            os.chown(item, OTHER_UID, OTHER_UID, follow_symlinks=False)
        if not item.is_symlink():
            os.chmod(item, stat.S_IMODE(item.stat().st_mode) & ~0o222 | 0o444 | (0o111 if item.is_dir() else 0))
    probe = (path if path.is_dir() else path.parent) / ".permission-probe"
    target = probe if path.is_dir() else path
    attempt = subprocess.run([*unprivileged(), "sh", "-c", f"echo x >> '{target}'"], capture_output=True, check=False)
    assert attempt.returncode != 0, f"could not make {path} unwritable for the test (is the file system special?)"


def allow_writes(path: Path) -> None:
    """Undo deny_writes (so pytest can clean up as a non-root user)."""
    for item in _tree(path):
        if os.geteuid() == 0:
            os.chown(item, os.getuid(), os.getgid(), follow_symlinks=False)
        if not item.is_symlink():
            os.chmod(item, stat.S_IMODE(item.stat().st_mode) | 0o200)


def run_unprivileged(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*unprivileged(), sys.executable, "-m", "tapestry", *args],
        cwd=cwd,
        env={**env, "COLUMNS": "200", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
