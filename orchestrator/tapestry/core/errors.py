"""Error taxonomy. Every error a user can cause carries a one-line message and the fix."""

from __future__ import annotations

import errno
import re

MESSAGE_LIMIT = 4000
PROBLEMS_SHOWN = 20  # a one-line error stays readable whatever value a user's file put into it


def clip(text: str, limit: int = 200) -> str:
    """`text` cut to `limit` characters (with an ellipsis): for echoing values from user files."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_line(exc: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message (at most `limit` characters), or its type when it has none:
    what a one-line report shows of a driver's or library's error."""
    text = str(exc).strip()
    return text.splitlines()[0][:limit] if text else type(exc).__name__


class TapestryError(Exception):
    """Base for errors shown to the user as one line: what is wrong, then how to fix it."""

    exit_code = 1

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def one_line(self) -> str:
        text = clip(" ".join(self.message.split("\n")).rstrip("."), MESSAGE_LIMIT)
        return f"{text}. Fix: {clip(self.fix, 1000)}" if self.fix else text


class ConfigError(TapestryError):
    """tapestry.yml (or a file it points to) is missing or invalid."""

    exit_code = 2


class AnswersError(TapestryError):
    """One or more kickstart answers are missing or invalid; all of them are listed."""

    exit_code = 2

    def __init__(self, problems: dict[str, str], origin: str | None = None) -> None:
        self.problems = {clip(str(key), 80): clip(why, 800) for key, why in problems.items()}
        self.origin = origin
        shown = list(self.problems.items())[:PROBLEMS_SHOWN]
        listing = "; ".join(f"{key}: {why}" for key, why in shown)
        if len(self.problems) > PROBLEMS_SHOWN:
            listing += f"; and {len(self.problems) - PROBLEMS_SHOWN} more"
        noun = "answer is" if len(self.problems) == 1 else "answers are"
        where = f"{origin}: " if origin else ""
        super().__init__(
            f"{where}{len(self.problems)} {noun} invalid: {listing}",
            "correct these ids in the answers file (see `tapestry init --help`) and run again",
        )


class ProjectError(TapestryError):
    """The project folder is missing, locked or in an unexpected state."""

    exit_code = 2


class IngestError(TapestryError):
    """An input file cannot be loaded; nothing was written to the warehouse."""


class TransformError(TapestryError):
    """dbt failed; the message names the model or test."""


class SyncError(TapestryError):
    """The sync to the destination could not run or complete."""


class WarehouseError(TapestryError):
    """The warehouse could not be reached or refused a statement."""


class AccessError(TapestryError):
    """A file or folder Tapestry needs cannot be read or written (permissions, read-only disk, full disk)."""


_GRANT = "give your user access to it (ls -ld shows the owner), or use a folder you own"
_ACCESS_FIXES = {
    errno.EACCES: ("permission denied", _GRANT),
    errno.EPERM: ("operation not permitted", _GRANT),
    errno.EROFS: ("read-only file system", "use a project folder on a writable disk (or set TAPESTRY_STATE_DIR)"),
    errno.ENOSPC: ("no space left on the device", "free some disk space, then rerun"),
    errno.EDQUOT: ("disk quota exceeded", "free some space within your quota, then rerun"),
}


_QUOTED_OS_ERROR = re.compile(
    r'"([^"]+)": (permission denied|operation not permitted|read-only file system|no space left on (?:the )?device)',
    re.IGNORECASE,
)


def _blocked(filename: str) -> str:
    """`cannot use PATH`, or for a file that could not be created, the folder that refused it."""
    import os

    if os.path.lexists(filename):
        return f"cannot use {filename}"
    folder = os.path.dirname(os.path.abspath(filename))
    while folder and not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    return f"cannot create files in {folder}"


def explain(exc: BaseException) -> TapestryError | None:
    """A library or OS error that the user's environment caused, as a one-line TapestryError; None for a bug."""
    if isinstance(exc, TapestryError):
        return exc
    if isinstance(exc, MemoryError):
        return TapestryError(
            "out of memory",
            "close other programs, or split very large input files, then rerun (nothing half-done was kept)",
        )
    if type(exc).__name__ == "OutOfMemoryException":  # DuckDB's, past its memory_limit and spill space
        return TapestryError(
            f"the warehouse ran out of memory ({first_line(exc, 200)})",
            "free disk space for DuckDB to spill to, or close other programs, then rerun",
        )
    quoted = _QUOTED_OS_ERROR.search(str(exc)) if not isinstance(exc, OSError) else None
    if quoted:  # a driver's own I/O error (DuckDB's WAL or spill file, say), with the path in quotes
        path, reason = quoted.groups()
        kinds = {"permission": errno.EACCES, "permitted": errno.EPERM, "read-only": errno.EROFS, "space": errno.ENOSPC}
        number = next(code for word, code in kinds.items() if word in reason.lower())
        return explain(OSError(number, reason, path))
    if isinstance(exc, OSError) and exc.errno in _ACCESS_FIXES:
        what, fix = _ACCESS_FIXES[exc.errno]
        if exc.filename is None:
            return AccessError(f"a file operation failed: {what}", fix)
        if exc.errno in (errno.EACCES, errno.EPERM):
            return AccessError(f"{_blocked(str(exc.filename))}: {what}", fix)
        return AccessError(f"cannot write {exc.filename}: {what}", fix)
    return None
