"""Run an ordered list of phases, persisting each result as soon as it is known."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tapestry.core.errors import TapestryError
from tapestry.core.progress import Reporter
from tapestry.project.state import PhaseRecord, ProjectState, RunRecord, StateStore, utcnow


class PhaseSkipped(Exception):
    """Raised by a phase that had nothing to do; carries the summary to record."""

    def __init__(self, summary: dict[str, Any], reason: str) -> None:
        super().__init__(reason)
        self.summary = summary
        self.reason = reason


@dataclass(frozen=True)
class Phase:
    name: str
    run: Callable[[], dict[str, Any]]
    describe: str = ""


def run_phases(
    command: str, phases: Sequence[Phase], store: StateStore, state: ProjectState, reporter: Reporter
) -> RunRecord:
    """Run phases in order; stop at the first failure (recorded, then re-raised)."""
    record = RunRecord(run_id=uuid.uuid4().hex[:12], command=command, started_at=utcnow())
    state.runs.append(record)
    store.save(state)
    for phase in phases:
        reporter.phase_started(phase.name, phase.describe)
        started = utcnow()
        try:
            summary = phase.run()
            result = PhaseRecord(
                name=phase.name, status="succeeded", started_at=started, finished_at=utcnow(), summary=summary
            )
        except PhaseSkipped as skipped:
            result = PhaseRecord(
                name=phase.name,
                status="skipped",
                started_at=started,
                finished_at=utcnow(),
                summary={**skipped.summary, "reason": skipped.reason},
            )
        except BaseException as exc:
            message = exc.one_line() if isinstance(exc, TapestryError) else f"{type(exc).__name__}: {exc}"
            result = PhaseRecord(
                name=phase.name, status="failed", started_at=started, finished_at=utcnow(), error=message
            )
            _finish(record, result, state, store, status="failed")
            reporter.phase_finished(phase.name, "failed", message)
            raise
        _finish(record, result, state, store, status=None)
        reporter.phase_finished(phase.name, result.status, str(result.summary.get("reason", "")))
    record.status = "succeeded"
    record.finished_at = utcnow()
    store.save(state)
    return record


def _finish(record: RunRecord, result: PhaseRecord, state: ProjectState, store: StateStore, status: str | None) -> None:
    record.phases.append(result)
    if result.status != "skipped" or result.name not in state.phases:
        state.phases[result.name] = result
    else:  # keep the last real result visible, note that this run found nothing to do
        state.phases[result.name] = state.phases[result.name].model_copy(
            update={"summary": {**state.phases[result.name].summary, "last_checked_at": _iso(result.finished_at)}}
        )
    if status == "failed":
        record.status = "failed"
        record.finished_at = utcnow()
    store.save(state)


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
