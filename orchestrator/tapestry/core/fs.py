"""Small filesystem helpers: atomic writes and content hashes."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def current_umask() -> int:
    """The process's umask, read without changing it (os.umask sets it, which would race other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o077)  # elsewhere: briefly the strictest mask, never a permissive one
    os.umask(current)
    return current


def umask_mode(mode: int = 0o666) -> int:
    """`mode` as the user's umask allows it: what `open()` would have created (mkstemp makes files 0600)."""
    return mode & ~current_umask()


def atomic_write_text(path: Path, text: str, mode: int | None = None) -> None:
    """Write `text` to `path` so that readers see either the old or the new file, never half of one.
    `mode` None: as the user's umask allows (secrets pass 0o600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, umask_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_tree(root: Path, ignore_dirs: frozenset[str] = frozenset()) -> str:
    """Hash of every file's relative path and content under `root` (stable order)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        if ignore_dirs.intersection(rel.parts):
            continue
        digest.update(str(rel).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
