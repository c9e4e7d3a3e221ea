"""Run an ordered list of phases, persisting each result as soon as it is known."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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


@dataclass(frozen=True)
class Concurrently:
    """Independent phases that run at the same time; each result is recorded on its own."""

    phases: tuple[Phase, ...]


def run_phases(
    command: str,
    phases: Sequence[Phase | Concurrently],
    store: StateStore,
    state: ProjectState,
    reporter: Reporter,
) -> RunRecord:
    """Run phases in order; stop at the first failure (recorded, then re-raised)."""
    record = RunRecord(run_id=uuid.uuid4().hex[:12], command=command, started_at=utcnow())
    state.runs.append(record)
    store.save(state)
    lock = threading.Lock()
    for step in phases:
        group = step.phases if isinstance(step, Concurrently) else (step,)
        if len(group) == 1:
            failure = _run_one(group[0], record, state, store, reporter, lock)
        else:
            with ThreadPoolExecutor(max_workers=len(group), thread_name_prefix="phase") as pool:
                failures = list(pool.map(lambda p: _run_one(p, record, state, store, reporter, lock), group))
            failure = next((f for f in failures if f is not None), None)
        if failure is not None:
            with lock:
                record.status = "failed"
                record.finished_at = utcnow()
                store.save(state)
            raise failure
    record.status = "succeeded"
    record.finished_at = utcnow()
    store.save(state)
    return record


def _run_one(
    phase: Phase, record: RunRecord, state: ProjectState, store: StateStore, reporter: Reporter, lock: threading.Lock
) -> BaseException | None:
    """Run one phase and record its result; return its exception instead of raising it."""
    reporter.phase_started(phase.name, phase.describe)
    started = utcnow()
    failure: BaseException | None = None
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
        failure = exc
        message = exc.one_line() if isinstance(exc, TapestryError) else f"{type(exc).__name__}: {exc}"
        partial = getattr(exc, "partial_summary", None)  # what a phase of several parts did before failing
        result = PhaseRecord(
            name=phase.name,
            status="failed",
            started_at=started,
            finished_at=utcnow(),
            error=message,
            summary=dict(partial) if isinstance(partial, dict) else {},
        )
    with lock:
        _finish(record, result, state, store)
    detail = result.error if result.error else str(result.summary.get("reason", ""))
    reporter.phase_finished(phase.name, result.status, detail)
    return failure


def _finish(record: RunRecord, result: PhaseRecord, state: ProjectState, store: StateStore) -> None:
    record.phases.append(result)
    if result.status != "skipped" or result.name not in state.phases:
        state.phases[result.name] = result
    else:  # keep the last real result visible, note that this run found nothing to do
        state.phases[result.name] = state.phases[result.name].model_copy(
            update={"summary": {**state.phases[result.name].summary, "last_checked_at": _iso(result.finished_at)}}
        )
    store.save(state)


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
