"""One sync run: check the model, recover unfinished jobs, diff, then let the destination send and commit
what it acknowledges.

Commit-after-acknowledgement: a snapshot row changes only in the transaction that records the
destination's acknowledgement of that key. A run killed at any moment leaves every key either committed
(never sent again) or not (planned again by the next run; destinations send idempotent upserts), and the
keys of jobs submitted but not acknowledged are recorded in flight, so the next run collects their results.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tapestry.core import interrupts
from tapestry.core.errors import SyncError
from tapestry.core.progress import NullReporter, Reporter
from tapestry.core.warehouse import Warehouse
from tapestry.engines.sync import diff, owners
from tapestry.engines.sync.protocol import Ack, Destination, Plan, PlannedRow, State
from tapestry.engines.sync.spec import SyncSpec
from tapestry.engines.sync.state import Commit, SyncState, dump_state, ensure_schema

PREVIEWS_KEPT = 20
# While acknowledgements pour in, commit at most once a second: a commit's fixed cost (its work tables)
# would otherwise cap a fast destination at a few thousand keys a second. Slower ones are unaffected.
COMMIT_SECONDS = 1.0
MAX_BUFFERED = 50_000  # ... and never hold more than this many acknowledged keys uncommitted
DONE = {"create": "created", "update": "updated", "archive": "archived"}


# A mirror run archiving more than its sync's max_archive_share of the members is refused, unless it
# archives fewer than this (a small list losing a few members is no accident worth stopping for).
MASS_ARCHIVE_MIN = 100


@dataclass(frozen=True)
class SyncOptions:
    preview: bool = False
    full_resync: bool = False
    allow_mass_archive: bool = False  # this run may archive more than the sync's max_archive_share
    offline: bool = False  # the destination was opened without its credentials: previews only, no preflight
    # acknowledged keys per commit at least, and a second since the last one (a job's keys are committed
    # together, at once)
    commit_every: int = 200
    sample_size: int = 10


@dataclass
class SyncReport:
    run_id: str
    planned: dict[str, int]
    preview: bool
    kept_label: str = "left as they are"
    path: str = "none"  # none, or what the destination says it used (direct, bulk, ...)
    created: int = 0
    updated: int = 0
    archived: int = 0
    kept: int = 0  # done without a change: e.g. archives the destination declines (not subscribed, gone)
    rejected: int = 0  # permanent: the destination will refuse them again; retried only when their row changes
    failed: int = 0  # transient (429, 5xx, network): the next run sends them again
    recovered: int = 0
    waiting: int = 0  # keys of jobs the destination is still running: left in flight for a later run
    requests: int = 0
    seconds: float = 0.0
    diff_seconds: float = 0.0
    preview_file: str | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)
    rejection_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def headline(self) -> str:
        planned = ", ".join(f"{self.planned.get(op, 0):,} to {op}" for op in ("create", "update", "archive"))
        if self.preview:
            return f"preview: {planned}; nothing sent"
        kept = f", {self.kept:,} kept ({self.kept_label})" if self.kept else ""
        done = (
            f"{self.created:,} created, {self.updated:,} updated, {self.archived:,} archived{kept}, "
            f"{self.rejected:,} rejected (permanent), {self.failed:,} failed (will retry)"
        )
        # what a run killed earlier left in flight: collected now, or still running at the destination
        left = [f"{self.recovered:,} recovered from an interrupted run"] if self.recovered else []
        left += [f"{self.waiting:,} still running at the destination"] if self.waiting else []
        tail = f"; {', '.join(left)}" if left else ""
        if self.path == "none":
            return f"nothing to send{tail}"
        return f"{done} ({self.path}, {self.requests:,} requests){tail}"

    def count(self, ack: Ack) -> None:
        if ack.verdict == "ok":
            attr = DONE[ack.done_as or ack.row.operation]
            setattr(self, attr, getattr(self, attr) + 1)
        elif ack.verdict == "kept":
            self.kept += 1
        elif ack.verdict == "rejected":
            self.rejected += 1
            reason = (ack.reason or "rejected").split(":", 1)[0]
            self.rejection_reasons[reason] = self.rejection_reasons.get(reason, 0) + 1
        else:
            self.failed += 1

    def counts(self) -> dict[str, int]:
        """The numbers of tapestry_sync.runs."""
        return {
            "planned_create": self.planned.get("create", 0),
            "planned_update": self.planned.get("update", 0),
            "planned_archive": self.planned.get("archive", 0),
            "created": self.created,
            "updated": self.updated,
            "archived": self.archived,
            "kept": self.kept,
            "rejected": self.rejected,
            "failed": self.failed,
            "requests": self.requests,
        }


def utcnow() -> datetime:
    return datetime.now(UTC)


def _commit(ack: Ack) -> Commit:
    row = ack.row
    return Commit(row.key, row.operation, row.row_hash, ack.verdict, ack.status_code, ack.reason, dump_state(ack.state))


class _Session:
    """What the destination acknowledges through while it sends: buffered, committed in groups."""

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.buffer: list[Ack] = []
        self.done = 0
        self.flushed_at = time.monotonic()

    def submitted(self, job: str, records: Sequence[tuple[PlannedRow, State]]) -> None:
        self.run.state.record_in_flight(job, records, utcnow())

    def acknowledge(self, acks: Sequence[Ack], job: str | None = None) -> None:
        self.buffer.extend(acks)
        due = len(self.buffer) >= self.run.options.commit_every and (
            time.monotonic() - self.flushed_at >= COMMIT_SECONDS or len(self.buffer) >= MAX_BUFFERED
        )
        if job is not None or due:
            self.flush(job)
        self.done += len(acks)
        self.run.reporter.progress("sync", self.done, self.run.report_total)

    def flush(self, job: str | None = None) -> None:
        acks, self.buffer = self.buffer, []
        self.flushed_at = time.monotonic()
        self.run.state.commit(self.run.report.run_id, utcnow(), [_commit(a) for a in acks], clear_job=job)
        for ack in acks:
            self.run.report.count(ack)


class SyncRun:
    def __init__(
        self,
        warehouse: Warehouse,
        spec: SyncSpec,
        destination: Destination,
        options: SyncOptions,
        reporter: Reporter | None = None,
        preview_dir: Path | None = None,
        kept_label: str = "left as they are",
    ) -> None:
        self.warehouse = warehouse
        self.spec = spec
        self.destination = destination
        self.options = options
        self.reporter = reporter or NullReporter()
        self.preview_dir = preview_dir
        self.state = SyncState(warehouse, spec.sync_id, spec.slug)
        self.report = SyncReport(
            run_id=uuid.uuid4().hex[:12], planned={}, preview=options.preview, kept_label=kept_label
        )

    @property
    def report_total(self) -> int:
        return sum(self.report.planned.values())

    # --- entry point -------------------------------------------------------------------------------------

    def run(self) -> SyncReport:
        started = time.monotonic()
        ensure_schema(self.warehouse)
        owners.ensure_owners(self.warehouse)
        owners.reconcile(self.warehouse, self.spec.sync_id, utcnow())  # runs a killed process left "running"
        diff.check_model(self.warehouse, self.spec)
        if not self.options.offline:
            self.destination.preflight()
        if not self.options.preview:
            self._recover_in_flight()
        diff_started = time.monotonic()
        self.report.planned = diff.build_plan(self.warehouse, self.spec, self.state, self.options.full_resync)
        self.report.diff_seconds = round(time.monotonic() - diff_started, 3)
        try:
            if self.options.preview:
                self._preview()
            else:
                self._check_mass_archive()
                self._send()
        finally:
            diff.drop_plan(self.warehouse, self.state)
            self.state.drop_work_tables()
            self.report.requests = self.destination.requests
            self.report.seconds = round(time.monotonic() - started, 3)
        return self.report

    def _check_mass_archive(self) -> None:
        """Refuse a mirror run that would archive most of the destination: an emptied export or a broken filter
        looks exactly like everyone leaving, and archiving is the one operation a rerun cannot quietly undo."""
        archive = self.report.planned.get("archive", 0)
        share = self.spec.max_archive_share
        if self.options.allow_mass_archive or archive < MASS_ARCHIVE_MIN or share >= 1:
            return
        members = diff.snapshot_size(self.warehouse, self.spec)
        if archive <= share * members:
            return
        raise SyncError(
            f"sync {self.spec.sync_id} would archive {archive:,} of the {members:,} members it keeps "
            f"({archive / members:.0%}, more than max_archive_share {share:.0%}); nothing was sent",
            "check the model (an empty export or a broken filter looks like everyone leaving); if they really "
            "left, rerun with `tapestry sync --allow-mass-archive`, or raise max_archive_share for this sync",
        )

    def _rows(self) -> Iterator[PlannedRow]:
        for chunk in diff.pending_rows(self.warehouse, self.spec, self.state):
            yield from chunk

    # --- preview -----------------------------------------------------------------------------------------

    def _preview(self) -> None:
        sample: list[dict[str, Any]] = []
        handle = None
        path = partial = None
        if self.preview_dir is not None:
            self.preview_dir.mkdir(parents=True, exist_ok=True)
            path = self.preview_dir / f"sync-{utcnow():%Y%m%dT%H%M%SZ}-{self.report.run_id}.jsonl"
            # written under a hidden name and renamed when complete: an interrupted preview leaves no
            # file that looks finished
            partial = path.with_name(f".{path.name}.partial")
            handle = partial.open("w", encoding="utf-8")
        try:
            for row in self._rows():
                planned = self.destination.describe(row)
                if len(sample) < self.options.sample_size:
                    sample.append(planned)
                if handle is not None:
                    handle.write(json.dumps(planned, ensure_ascii=False) + "\n")
            if handle is not None and path is not None and partial is not None:
                handle.close()
                partial.replace(path)
                self.report.preview_file = str(path)
        finally:
            if handle is not None and not handle.closed:
                handle.close()
            if partial is not None:
                partial.unlink(missing_ok=True)
        self.report.sample = sample
        if self.preview_dir is not None:
            for old in sorted(self.preview_dir.glob("sync-*.jsonl"))[:-PREVIEWS_KEPT]:
                old.unlink(missing_ok=True)

    # --- send --------------------------------------------------------------------------------------------

    def _send(self) -> None:
        run_id = self.report.run_id
        self.state.start_run(run_id, utcnow(), self.spec.mode, False, self.options.full_resync)
        owners.claim(self.warehouse, run_id, self.spec.sync_id, utcnow())
        session = _Session(self)
        error: str | None = None
        interrupted = False
        try:
            plan = Plan(counts=dict(self.report.planned), rows=self._rows())
            if plan.total:
                try:
                    self.report.path = self.destination.send(plan, session)
                finally:
                    session.flush()  # whatever was acknowledged before an error is kept
        except BaseException as exc:
            interrupted = interrupts.is_interrupt(exc)
            error = (
                f"interrupted ({interrupts.describe()})"
                if interrupted
                else getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            )
            raise
        finally:
            if interrupted:
                status = "interrupted"
            else:
                status = "failed" if error else ("partial" if self.report.failed else "succeeded")
            self.report.requests = self.destination.requests
            try:
                self.state.finish_run(run_id, utcnow(), status, self.report.counts(), error)
            except Exception:  # never hide the original error behind a bookkeeping one
                if error is None:
                    raise

    # --- crash recovery ----------------------------------------------------------------------------------

    def _recover_in_flight(self) -> None:
        """Collect the results of jobs a previous run submitted but did not commit (`recovered`), or leave those
        the destination is still running in flight (`waiting`)."""
        jobs = self.state.in_flight_jobs()
        if jobs:  # waiting for the destination to finish them can take a while: say why the run waits
            self.reporter.info(
                f"collecting {len(jobs)} job{'s' if len(jobs) != 1 else ''} an interrupted run left in flight "
                "(keys the destination did not take are sent again; a job it is still running waits)"
            )
        for done, job in enumerate(jobs):
            self.reporter.progress("recover", done, len(jobs))
            records = self.state.in_flight(job)
            verdicts = self.destination.recover(job, records)
            if verdicts is None:  # still running there: its keys wait in flight, outside this run's plan
                self.report.waiting += len(records)
                continue
            acks = [a for a in verdicts if a.verdict != "failed"]
            self.state.commit(self.report.run_id, utcnow(), [_commit(a) for a in acks], clear_job=job)
            self.report.recovered += len(acks)
        if jobs:
            self.reporter.progress("recover", len(jobs), len(jobs))


def run_sync(
    warehouse: Warehouse,
    spec: SyncSpec,
    destination: Destination,
    options: SyncOptions,
    reporter: Reporter | None = None,
    preview_dir: Path | None = None,
    kept_label: str = "left as they are",
) -> SyncReport:
    return SyncRun(warehouse, spec, destination, options, reporter, preview_dir, kept_label).run()


__all__ = ["SyncOptions", "SyncReport", "run_sync"]
