"""Run state under `.tapestry/`: one JSON document, versioned, always replaced atomically.

It records the last result of every phase (what `tapestry status` shows), a short history of runs,
and caches that make reruns cheap (file content hashes by size and mtime).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from tapestry.core.errors import ProjectError, first_line
from tapestry.core.fs import atomic_write_text
from tapestry.core.process import ProcessId
from tapestry.project.summaries import PhaseSummary, Summary, parse_summary, summary_model

STATE_SCHEMA_VERSION = 1
HISTORY_LIMIT = 50

PhaseStatus = Literal["succeeded", "failed", "skipped", "running", "interrupted"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class PhaseRecord(BaseModel):
    name: str
    status: PhaseStatus
    started_at: datetime
    finished_at: datetime | None = None
    summary: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)

    def typed(self) -> PhaseSummary:
        """The summary as its phase's model (`tapestry.project.summaries`)."""
        return parse_summary(summary_model(self.name), self.summary)

    def typed_as(self, model: type[Summary]) -> Summary:
        """The summary as `model`, for a reader that knows which phase it asked for."""
        return parse_summary(model, self.summary)

    def headline(self) -> str:
        """One line saying what the phase did (for `tapestry status`, the deploy summary and the dashboard)."""
        summary = self.typed()
        if self.status == "skipped" and summary.reason:
            return summary.reason
        text = summary.describe()
        if summary.last_checked_at:
            text += " (nothing new since)"
        return text


class RunRecord(BaseModel):
    run_id: str
    command: str
    started_at: datetime
    finished_at: datetime | None = None
    status: PhaseStatus = "running"
    phases: list[PhaseRecord] = Field(default_factory=list)
    # The process running it, so a later command can tell a live run from one whose process was killed.
    host: str | None = None
    pid: int | None = None
    process_started: str | None = None
    error: str | None = None

    @property
    def process(self) -> ProcessId | None:
        if self.pid is None or self.host is None:
            return None
        return ProcessId(self.host, self.pid, self.process_started)


class ProjectState(BaseModel):
    schema_version: int = STATE_SCHEMA_VERSION
    phases: dict[str, PhaseRecord] = Field(default_factory=dict)
    runs: list[RunRecord] = Field(default_factory=list)
    file_hashes: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def stack_outputs(self, phase: str) -> dict[str, Any]:
        """The outputs a deploy phase recorded (its Terraform stack's, or Airbyte's ids); {} before it ran."""
        record = self.phases.get(phase)
        outputs = record.summary.get("outputs") if record else None
        return dict(outputs) if isinstance(outputs, dict) else {}


KILLED = "interrupted: the process (pid {pid}) ended without finishing (killed, or the machine stopped)"


def reconcile_dead_runs(state: ProjectState, unknown_is_dead: bool = False) -> bool:
    """Mark runs left `running` by a process that no longer exists as `interrupted`, with the phase they were
    in. `unknown_is_dead`: also runs that recorded no process (older Tapestry), for a caller holding the
    project lock, which no live run could be without. Returns whether anything changed."""
    changed = False
    for run in state.runs:
        if run.status != "running":
            continue
        process = run.process
        if process is None:
            if not unknown_is_dead:
                continue
        elif process.alive() is not False:
            continue
        message = KILLED.format(pid=run.pid if run.pid is not None else "?")
        run.status = "interrupted"
        run.error = message
        for index, phase in enumerate(run.phases):
            if phase.status != "running":
                continue
            stopped = phase.model_copy(update={"status": "interrupted", "error": message})
            run.phases[index] = stopped
            current = state.phases.get(phase.name)
            if current is None or current.started_at <= phase.started_at:
                state.phases[phase.name] = stopped
        changed = True
    return changed


class StateStore:
    """Reads and atomically writes `.tapestry/state.json`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> ProjectState:
        if not self.path.exists():
            return ProjectState()
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad JSON, or not UTF-8 at all
            reason = first_line(exc)
            if isinstance(exc, RecursionError):
                reason = "nested too deeply"
            elif isinstance(exc, UnicodeDecodeError):
                reason = f"not UTF-8 text: byte {exc.object[exc.start]:#04x} at offset {exc.start}"
            raise ProjectError(
                f"{self.path} is unreadable ({reason})",
                "delete it to start from an empty state (the warehouse keeps what was loaded)",
            ) from None
        version = raw.get("schema_version") if isinstance(raw, dict) else None
        if version != STATE_SCHEMA_VERSION:
            raise ProjectError(
                f"{self.path} has state schema version {version!r}, this Tapestry reads {STATE_SCHEMA_VERSION}",
                "upgrade Tapestry, or delete the state file to start over",
            )
        try:
            state = ProjectState.model_validate(raw)
        except ValidationError as exc:
            raise ProjectError(f"{self.path} is corrupt: {exc.errors()[0]['msg']}", "delete it") from exc
        reconcile_dead_runs(state)  # readers see a killed run as interrupted; the next run saves it so
        return state

    def save(self, state: ProjectState) -> None:
        state.runs = state.runs[-HISTORY_LIMIT:]
        atomic_write_text(self.path, state.model_dump_json(indent=2) + "\n")


@contextmanager
def project_lock(lock_file: Path) -> Iterator[None]:
    """One pipeline command at a time per project; a second one fails fast instead of racing."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = Path(lock_file).read_text().strip() or "another process"
            raise ProjectError(
                f"another Tapestry command is running in this project (pid {holder})",
                "wait for it to finish, or stop it",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)
