"""One sync run: check the model, recover unfinished batches, diff, then send and commit.

Commit-after-acknowledgement: a snapshot row changes only in the transaction that records the
destination's acknowledgement of that member. A run killed at any moment leaves every member either
committed (never sent again) or not (sent again by the next run, and Mailchimp upserts are idempotent).

Nobody is resubscribed, by any path (direct, bulk, --full-resync):
- an upsert carries `status_if_new` = the member's last status Mailchimp reported (kept in the members
  table), `subscribed` only for people Tapestry never saw;
- an archive happens only to a member whose status, read right before, is `subscribed`; anyone else
  stays in the list with their status ("kept"), so a later return cannot resubscribe them;
- a contact archived in Mailchimp is re-added only when Tapestry archived it (with the status it had);
  one archived by someone else is left archived and recorded as a permanent rejection.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tapestry.core import interrupts
from tapestry.core.errors import SyncError
from tapestry.core.progress import NullReporter, Reporter
from tapestry.core.warehouse import Warehouse
from tapestry.engines.sync import diff, owners
from tapestry.engines.sync.mailchimp import (
    CallFailed,
    MailchimpDestination,
    MemberOp,
    OpResult,
    archive_verdict,
    classify_batch_result,
    member_status_of,
)
from tapestry.engines.sync.spec import SyncSpec
from tapestry.engines.sync.state import Ack, Change, Rejection, SyncState, ensure_schema

PREVIEWS_KEPT = 20
ARCHIVED_ELSEWHERE = (
    "Archived in Mailchimp: archived outside Tapestry, which re-adds only contacts it archived itself "
    "(to sync it, unarchive it in Mailchimp; it is sent again when its row changes or with --full-resync)"
)


@dataclass(frozen=True)
class SyncOptions:
    preview: bool = False
    full_resync: bool = False
    bulk_threshold: int = 500  # this many operations or more go through POST /batches
    batch_size: int = 2_500  # members per Mailchimp batch
    batches_in_flight: int = 4
    commit_every: int = 200  # direct path: acknowledged members per commit
    sample_size: int = 10


@dataclass
class SyncReport:
    run_id: str
    planned: dict[str, int]
    preview: bool
    path: str = "none"  # none, direct, bulk
    created: int = 0
    updated: int = 0
    archived: int = 0
    kept: int = 0  # archives not done: the member is not subscribed (or is gone); left as they are
    rejected: int = 0  # permanent: Mailchimp will refuse them again; retried only when their row changes
    failed: int = 0  # transient (429, 5xx, network): the next run sends them again
    recovered: int = 0
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
        kept = f", {self.kept:,} kept (not subscribed)" if self.kept else ""
        done = (
            f"{self.created:,} created, {self.updated:,} updated, {self.archived:,} archived{kept}, "
            f"{self.rejected:,} rejected (permanent), {self.failed:,} failed (will retry)"
        )
        return f"{done} ({self.path}, {self.requests:,} requests)" if self.path != "none" else "nothing to send"

    def as_summary(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "run_id": self.run_id,
            "preview": self.preview,
            "planned": self.planned,
            "path": self.path,
            "created": self.created,
            "updated": self.updated,
            "archived": self.archived,
            "kept": self.kept,
            "rejected": self.rejected,
            "failed": self.failed,
            "recovered": self.recovered,
            "requests": self.requests,
            "seconds": self.seconds,
            "diff_seconds": self.diff_seconds,
            "preview_file": self.preview_file,
            "rejection_reasons": self.rejection_reasons,
        }


def utcnow() -> datetime:
    return datetime.now(UTC)


class SyncRun:
    def __init__(
        self,
        warehouse: Warehouse,
        spec: SyncSpec,
        destination: MailchimpDestination | None,
        options: SyncOptions,
        reporter: Reporter | None = None,
        preview_dir: Path | None = None,
    ) -> None:
        if destination is None and not options.preview:
            raise SyncError("a sync that sends needs a destination", "pass --preview or configure Mailchimp")
        self.warehouse = warehouse
        self.spec = spec
        self.destination = destination
        self.options = options
        self.reporter = reporter or NullReporter()
        self.preview_dir = preview_dir
        self.state = SyncState(warehouse, spec.sync_id, spec.slug)
        self.report = SyncReport(run_id=uuid.uuid4().hex[:12], planned={}, preview=options.preview)
        self._done = 0
        self._total = 0
        self._archived_in_mailchimp: set[str] = set()  # subscriber hashes, read before upserting

    # --- entry point -------------------------------------------------------------------------------------

    def run(self) -> SyncReport:
        started = time.monotonic()
        ensure_schema(self.warehouse)
        owners.ensure_owners(self.warehouse)
        owners.reconcile(self.warehouse, self.spec.sync_id, utcnow())  # runs a killed process left "running"
        diff.check_model(self.warehouse, self.spec)
        if self.destination is not None:
            self.destination.preflight(self.spec.merge_fields)
        if not self.options.preview:
            self.report.recovered = self._recover_inflight()
        diff_started = time.monotonic()
        self.report.planned = diff.build_plan(self.warehouse, self.spec, self.state, self.options.full_resync)
        self.report.diff_seconds = round(time.monotonic() - diff_started, 3)
        try:
            if self.options.preview:
                self._preview()
            else:
                self._send()
        finally:
            diff.drop_plan(self.warehouse, self.state)
            self.state.drop_work_tables()
            if self.destination is not None:
                self.report.requests = self.destination.requests_made
            self.report.seconds = round(time.monotonic() - started, 3)
        return self.report

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
            for chunk in diff.pending_rows(self.warehouse, self.spec, self.state):
                for op in self._member_ops(chunk):
                    planned = {
                        "operation": op.operation,
                        "email": op.email,
                        "merge_fields": op.merge_fields,
                        "tags_active": op.tags_active,
                        "tags_inactive": op.tags_inactive,
                    }
                    if op.operation != "archive":
                        planned["status_if_new"] = op.status_if_new
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
        assert self.destination is not None
        self._total = sum(self.report.planned.values())
        run_id = self.report.run_id
        self.state.start_run(run_id, utcnow(), self.spec.mode, False, self.options.full_resync)
        owners.claim(self.warehouse, run_id, self.spec.sync_id, utcnow())
        error: str | None = None
        interrupted = False
        try:
            if self.report.planned.get("create", 0) + self.report.planned.get("update", 0):
                self._archived_in_mailchimp = self.destination.archived_members()
            if self._total == 0:
                self.report.path = "none"
            elif self._total < self.options.bulk_threshold:
                self.report.path = "direct"
                self._send_direct(self._all_ops())
            else:
                self.report.path = "bulk"
                self._send_bulk()
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
            counts = {
                "planned_create": self.report.planned.get("create", 0),
                "planned_update": self.report.planned.get("update", 0),
                "planned_archive": self.report.planned.get("archive", 0),
                "created": self.report.created,
                "updated": self.report.updated,
                "archived": self.report.archived,
                "kept": self.report.kept,
                "rejected": self.report.rejected,
                "failed": self.report.failed,
                "requests": self.destination.requests_made,
            }
            try:
                self.state.finish_run(run_id, utcnow(), status, counts, error)
            except Exception:  # never hide the original error behind a bookkeeping one
                if error is None:
                    raise

    def _all_ops(self) -> Iterator[MemberOp]:
        for chunk in diff.pending_rows(self.warehouse, self.spec, self.state):
            yield from self._member_ops(chunk)

    def _member_ops(self, rows: Iterable[diff.PlannedRow]) -> Iterator[MemberOp]:
        constants = [t.name for t in self.spec.tags if t.name]
        for row in rows:
            if row.operation == "archive":
                yield MemberOp(key=row.key, operation="archive", email=row.key)
                continue
            new_tags = sorted({*constants, *(str(v).strip() for v in row.tag_values if v and str(v).strip())})
            old_tags = set(json.loads(row.old_tags)) if row.old_tags and not self.options.full_resync else set()
            if self.options.full_resync:  # resend every tag: the destination may have lost them
                active, inactive = new_tags, []
            else:
                active = [t for t in new_tags if t not in old_tags]
                inactive = sorted(old_tags - set(new_tags))
            yield MemberOp(
                key=row.key,
                operation=row.operation,
                email=str(row.email),
                merge_fields={tag: ("" if value is None else str(value)) for tag, value in row.merge_values.items()},
                tags_active=active,
                tags_inactive=inactive,
                row_hash=row.row_hash,
                tags_state=json.dumps(new_tags, ensure_ascii=False),
                # never blindly subscribed: a person Tapestry has seen is (re-)added with their last status
                status_if_new=row.last_status or "subscribed",
                archived_by_tapestry=row.archived_by_tapestry,
            )

    def _held(self, op: MemberOp) -> OpResult | None:
        """A permanent refusal decided here, without a call: an upsert of a contact archived in Mailchimp
        by someone else (its status before the archive is unknown, so re-adding it could resubscribe it)."""
        if op.operation == "archive" or op.hash not in self._archived_in_mailchimp:
            return None
        if op.archived_by_tapestry:
            return None  # Tapestry archived it: re-added with the status it had then (status_if_new)
        return OpResult(op, "rejected", None, ARCHIVED_ELSEWHERE)

    def _tick(self, n: int = 1) -> None:
        self._done += n
        self.reporter.progress("sync", self._done, self._total)

    def _count(self, results: Iterable[OpResult]) -> None:
        for r in results:
            if r.result == "kept":
                self.report.kept += 1
            elif r.result == "ok":
                attr = {"create": "created", "update": "updated", "archive": "archived"}[r.op.operation]
                setattr(self.report, attr, getattr(self.report, attr) + 1)
            elif r.result == "rejected":
                self.report.rejected += 1
                reason = (r.error or "rejected").split(":", 1)[0]
                self.report.rejection_reasons[reason] = self.report.rejection_reasons.get(reason, 0) + 1
            else:
                self.report.failed += 1

    def _commit(self, results: list[OpResult], clear_batch: str | None = None) -> None:
        # An archive that is done, kept (not subscribed) or refused leaves the snapshot all the same: the member
        # left the audience, and a refused archive would be refused again on every run.
        acks = [
            Ack(
                r.op.key,
                r.op.row_hash,
                r.op.tags_state,
                r.op.operation,
                r.member_status,
                archived=r.op.operation == "archive" and r.result == "ok",
            )
            for r in results
            if r.result in ("ok", "kept") or (r.result == "rejected" and r.op.operation == "archive")
        ]
        changes = [Change(r.op.key, r.op.operation, r.result, r.status_code, r.error) for r in results]
        rejections = [
            Rejection(r.op.key, r.op.row_hash, r.error or "rejected", r.status_code)
            for r in results
            if r.result == "rejected"
        ]
        self.state.commit(self.report.run_id, utcnow(), acks, changes, rejections, clear_batch)
        self._count(results)

    # --- direct path -----------------------------------------------------------------------------------

    def _send_direct(self, ops: Iterable[MemberOp]) -> None:
        assert self.destination is not None
        buffer: list[OpResult] = []

        def on_result(result: OpResult) -> None:
            buffer.append(result)
            self._tick()
            if len(buffer) >= self.options.commit_every:
                self._commit(buffer)
                buffer.clear()

        to_send: list[MemberOp] = []
        try:
            for op in ops:
                held = self._held(op)
                if held is None:
                    to_send.append(op)
                else:
                    on_result(held)
            self.destination.apply_direct(to_send, on_result)
        finally:
            self._commit(buffer)  # whatever was acknowledged before an error is kept

    # --- bulk path -------------------------------------------------------------------------------------

    def _send_bulk(self) -> None:
        window: deque[tuple[str | None, list[MemberOp], dict[str, OpResult]]] = deque()
        retry_later: list[MemberOp] = []
        for chunk in self._chunks(self._all_ops(), self.options.batch_size):
            window.append(self._submit_members(chunk))
            if len(window) >= self.options.batches_in_flight:
                retry_later += self._finish_members(*window.popleft())
        while window:
            retry_later += self._finish_members(*window.popleft())
        if retry_later:  # transient failures inside batches get one more go, one by one, with retries
            self._total += len(retry_later)
            self._send_direct(retry_later)

    @staticmethod
    def _chunks(ops: Iterator[MemberOp], size: int) -> Iterator[list[MemberOp]]:
        chunk: list[MemberOp] = []
        for op in ops:
            chunk.append(op)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _decide_before_sending(self, chunk: list[MemberOp]) -> dict[str, OpResult]:
        """Verdicts reached without writing: held upserts, and archives the status read says not to do
        (one batch of GETs, read right before the archive batch is submitted)."""
        assert self.destination is not None
        decided = {op.key: held for op in chunk if (held := self._held(op)) is not None}
        archives = [op for op in chunk if op.operation == "archive"]
        if not archives:
            return decided
        reads = [
            self.destination.batch_operation(method, path, None, f"s:{op.hash}", params)
            for op in archives
            for method, path, params in [op.status_call(self.spec.list_id)]
        ]
        results = self.destination.wait_batch(self.destination.submit_batch(reads))
        for op in archives:
            status_code, body = results.get(f"s:{op.hash}", (0, ""))
            if 200 <= status_code < 300:
                verdict = archive_verdict(op, member_status_of(body))
            elif status_code == 404:
                verdict = archive_verdict(op, None)
            else:
                result, error = classify_batch_result(status_code, body)
                verdict = OpResult(op, result if result != "ok" else "failed", status_code or None, error)
            if verdict is not None:
                decided[op.key] = verdict
        return decided

    def _submit_members(self, chunk: list[MemberOp]) -> tuple[str | None, list[MemberOp], dict[str, OpResult]]:
        assert self.destination is not None
        decided = self._decide_before_sending(chunk)
        list_id = self.spec.list_id
        operations = []
        inflight: list[tuple[Ack, str]] = []
        for op in chunk:
            if op.key in decided:
                continue
            method, path, body = op.member_call(list_id)
            operations.append(self.destination.batch_operation(method, path, body, f"m:{op.hash}"))
            # an update's tag call can travel in the same batch: the member already exists
            same_batch_tags = op.operation == "update" and op.needs_tags_call
            if same_batch_tags:
                t_method, t_path, t_body = op.tags_call(list_id)
                operations.append(self.destination.batch_operation(t_method, t_path, t_body, f"t:{op.hash}"))
            stage = "first" if op.operation == "create" and op.needs_tags_call else "final"
            inflight.append((Ack(op.key, op.row_hash, op.tags_state, op.operation), stage))
        if not operations:
            return None, chunk, decided
        batch_id = self.destination.submit_batch(operations)
        self.state.record_inflight(batch_id, inflight, utcnow())
        return batch_id, chunk, decided

    def _finish_members(
        self, batch_id: str | None, chunk: list[MemberOp], decided: dict[str, OpResult]
    ) -> list[MemberOp]:
        """Read a members batch, send the tag calls new members need, commit. Returns ops to retry."""
        assert self.destination is not None
        results = self.destination.wait_batch(batch_id) if batch_id is not None else {}
        outcomes = [decided.get(op.key) or self._outcome(op, results) for op in chunk]
        follow_up = [
            i
            for i, (op, o) in enumerate(zip(chunk, outcomes, strict=True))
            if o.result == "ok" and op.operation == "create" and op.needs_tags_call
        ]
        if follow_up:
            operations = [
                self.destination.batch_operation(*chunk[i].tags_call(self.spec.list_id), f"t:{chunk[i].hash}")
                for i in follow_up
            ]
            tag_results = self.destination.wait_batch(self.destination.submit_batch(operations))
            for i in follow_up:
                outcomes[i] = self._outcome(chunk[i], tag_results, tags_only=True, member=outcomes[i].member_status)
        retry = [o for o in outcomes if o.result == "failed"]
        self._commit([o for o in outcomes if o.result != "failed"], clear_batch=batch_id)
        self._tick(len(outcomes) - len(retry))
        return [o.op for o in retry]

    @staticmethod
    def _outcome(
        op: MemberOp, results: dict[str, tuple[int, str]], tags_only: bool = False, member: str | None = None
    ) -> OpResult:
        """The verdict on one member from a batch's results: its member call, then its tags call if any."""
        ids = [f"t:{op.hash}"] if tags_only else [f"m:{op.hash}", f"t:{op.hash}"]
        outcome = OpResult(op, "ok", 200, member_status=member)
        for position, operation_id in enumerate(ids):
            result = results.get(operation_id)
            if result is None:
                if position == 0:
                    return OpResult(op, "failed", None, "no result for this operation in the batch")
                continue
            status, body = result
            if op.operation == "archive" and status == 404:
                return OpResult(op, "kept", 404, "not in the list any more: nothing to archive")
            verdict, error = classify_batch_result(status, body)
            if verdict != "ok":
                return OpResult(op, verdict, status, error)
            if position == 0 and not tags_only:
                member = "subscribed" if op.operation == "archive" else member_status_of(body)
                outcome = OpResult(op, "ok", status, member_status=member)
        return outcome

    # --- crash recovery ----------------------------------------------------------------------------------

    def _recover_inflight(self) -> int:
        """Collect the results of batches a previous run submitted but did not commit."""
        assert self.destination is not None
        recovered = 0
        for batch_id in self.state.inflight_batches():
            try:
                results = self.destination.wait_batch(batch_id)
            except (SyncError, CallFailed):
                results = {}  # unknown or expired batch: its members are simply sent again
            acks = []
            for ack, stage in self.state.inflight_rows(batch_id):
                if stage != "final":
                    continue  # a new member whose tags call may never have happened: send it again
                op = MemberOp(key=ack.key, operation=ack.operation, email=ack.key)
                outcome = self._outcome(op, results)
                if outcome.result == "ok":  # anything else is planned again by this run's diff
                    ack.member_status = outcome.member_status
                    ack.archived = ack.operation == "archive"
                    acks.append(ack)
            self.state.commit(self.report.run_id, utcnow(), acks, [], [], clear_inflight_batch=batch_id)
            recovered += len(acks)
        return recovered


def run_sync(
    warehouse: Warehouse,
    spec: SyncSpec,
    destination: MailchimpDestination | None,
    options: SyncOptions,
    reporter: Reporter | None = None,
    preview_dir: Path | None = None,
) -> SyncReport:
    return SyncRun(warehouse, spec, destination, options, reporter, preview_dir).run()


__all__ = ["SyncOptions", "SyncReport", "run_sync"]
