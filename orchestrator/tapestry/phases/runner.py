"""Run an ordered list of phases, persisting each result as soon as it is known."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from tapestry.core import interrupts
from tapestry.core.errors import explain, first_line
from tapestry.core.process import ProcessId
from tapestry.core.progress import Reporter
from tapestry.project.state import (
    PhaseRecord,
    PhaseStatus,
    ProjectState,
    RunRecord,
    StateStore,
    reconcile_dead_runs,
    utcnow,
)
from tapestry.project.summaries import as_stored


class PhaseSkipped(Exception):
    """Raised by a phase that had nothing to do; carries the summary to record."""

    def __init__(self, summary: BaseModel | Mapping[str, Any], reason: str) -> None:
        super().__init__(reason)
        self.summary = as_stored(summary)
        self.reason = reason


@dataclass(frozen=True)
class Phase:
    name: str
    run: Callable[[], BaseModel | Mapping[str, Any]]  # its typed summary (tapestry.project.summaries)
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
    """Run phases in order; stop at the first failure (recorded, then re-raised).

    The caller holds the project lock, so a run still marked `running` belongs to a dead process: it is
    recorded as interrupted first. A run stopped by Ctrl-C or SIGTERM is recorded as interrupted too.
    """
    reconcile_dead_runs(state, unknown_is_dead=True)
    me = ProcessId.current()
    record = RunRecord(
        run_id=uuid.uuid4().hex[:12],
        command=command,
        started_at=utcnow(),
        host=me.host,
        pid=me.pid,
        process_started=me.started,
    )
    state.runs.append(record)
    store.save(state)
    lock = threading.Lock()
    try:
        for step in phases:
            group = step.phases if isinstance(step, Concurrently) else (step,)
            if len(group) == 1:
                failure = _run_one(group[0], record, state, store, reporter, lock)
            else:
                with ThreadPoolExecutor(max_workers=len(group), thread_name_prefix="phase") as pool:
                    failures = list(pool.map(lambda p: _run_one(p, record, state, store, reporter, lock), group))
                failure = next((f for f in failures if f is not None), None)
            if failure is not None:
                raise failure
    except BaseException as exc:
        with lock:
            record.status = outcome_status(exc)
            record.error = record.error or describe_failure(exc)
            record.finished_at = utcnow()
            store.save(state)
        raise
    record.status = "succeeded"
    record.finished_at = utcnow()
    store.save(state)
    return record


def outcome_status(exc: BaseException) -> PhaseStatus:
    return "interrupted" if interrupts.is_interrupt(exc) else "failed"


def describe_failure(exc: BaseException) -> str:
    """The one line recorded for a failed or interrupted phase (what `status` and the dashboard show)."""
    if interrupts.is_interrupt(exc):
        return f"interrupted ({interrupts.describe()})"
    known = explain(exc)
    if known is not None:
        return known.one_line()
    return f"{type(exc).__name__}: {first_line(exc, 300)}"


def _run_one(
    phase: Phase, record: RunRecord, state: ProjectState, store: StateStore, reporter: Reporter, lock: threading.Lock
) -> BaseException | None:
    """Run one phase and record its result; return its exception instead of raising it."""
    reporter.phase_started(phase.name, phase.describe)
    started = utcnow()
    with lock:  # visible while it runs; reconciled to `interrupted` if the process dies
        record.phases.append(PhaseRecord(name=phase.name, status="running", started_at=started))
        store.save(state)
    failure: BaseException | None = None
    try:
        summary = as_stored(phase.run())
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
        partial = getattr(exc, "partial_summary", None)  # what a phase of several parts did before failing
        result = PhaseRecord(
            name=phase.name,
            status=outcome_status(exc),
            started_at=started,
            finished_at=utcnow(),
            error=describe_failure(exc),
            summary=as_stored(partial) if isinstance(partial, BaseModel | Mapping) else {},
        )
    with lock:
        _finish(record, result, state, store)
    detail = result.error if result.error else str(result.summary.get("reason", ""))
    reporter.phase_finished(phase.name, result.status, detail)
    return failure


def _finish(record: RunRecord, result: PhaseRecord, state: ProjectState, store: StateStore) -> None:
    same = (result.name, result.started_at)
    record.phases = [p for p in record.phases if not (p.status == "running" and (p.name, p.started_at) == same)]
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
