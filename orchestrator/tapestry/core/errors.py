"""Error taxonomy. Every error a user can cause carries a one-line message and the fix."""

from __future__ import annotations


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
        text = self.message.rstrip(".")
        return f"{text}. Fix: {self.fix}" if self.fix else text


class ConfigError(TapestryError):
    """tapestry.yml (or a file it points to) is missing or invalid."""

    exit_code = 2


class AnswersError(TapestryError):
    """One or more kickstart answers are missing or invalid; all of them are listed."""

    exit_code = 2

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        listing = "; ".join(f"{key}: {why}" for key, why in self.problems.items())
        noun = "answer is" if len(self.problems) == 1 else "answers are"
        super().__init__(
            f"{len(self.problems)} {noun} invalid: {listing}",
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
