"""How phases and engines report progress without knowing about the terminal.

The CLI passes an implementation that draws with rich; tests and the ECS task pass a plain one.
"""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    def phase_started(self, name: str, detail: str = "") -> None: ...

    def phase_finished(self, name: str, status: str, detail: str = "") -> None: ...

    def info(self, message: str) -> None: ...

    def warn(self, message: str) -> None: ...

    def progress(self, task: str, completed: int, total: int | None) -> None:
        """Long steps call this repeatedly; `total` None means unknown."""


class NullReporter:
    """Reports nothing; the default for library use and tests."""

    def phase_started(self, name: str, detail: str = "") -> None:
        pass

    def phase_finished(self, name: str, status: str, detail: str = "") -> None:
        pass

    def info(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    def progress(self, task: str, completed: int, total: int | None) -> None:
        pass


class RecordingReporter(NullReporter):
    """Keeps every message; used by tests to assert on warnings."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def info(self, message: str) -> None:
        self.messages.append(("info", message))

    def warn(self, message: str) -> None:
        self.messages.append(("warn", message))

    def phase_finished(self, name: str, status: str, detail: str = "") -> None:
        self.messages.append((status, f"{name}: {detail}"))
