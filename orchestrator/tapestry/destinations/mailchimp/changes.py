"""Updates, archives, and the new members batch subscribe did not create: direct calls and `/batches` at
the same time, drawing on one queue in the shares their measured pace gives them (`paths.batch_take`).

- Direct: one member's calls (`PUT` + tags, or the status read + `DELETE`) per worker thread, acknowledged
  as each answers. Nothing is recorded before: a member not acknowledged is simply planned again.
- Bulk: a batch of the same calls, recorded in flight before it is waited on, polled without blocking the
  direct lane, and acknowledged from its results archive in one commit with the clearing of its record.
  Archives go in two batches, the status reads first and the `DELETE`s of subscribed members after them.
  Operations that failed for now inside a batch go back to the direct lane, which retries with backoff.

The main thread submits, polls and downloads batches (one connection) and acknowledges everything (the
session is single-threaded); the direct lane has the other `concurrency - 1` connections.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from tapestry.destinations.base import PlannedRow, Session, State
from tapestry.destinations.mailchimp.client import CallFailed, MailchimpClient, classify_batch_result
from tapestry.destinations.mailchimp.members import (
    NOT_IN_LIST,
    MemberOp,
    OpResult,
    archive_verdict,
    member_status_of,
)
from tapestry.destinations.mailchimp.paths import Choice, Pace, batch_take

POLL_FIRST = 0.2  # seconds before the first poll of a batch
POLL_MAX = 10.0  # polls come at a quarter of a batch's age, at most this far apart
# ... and the first one not long before the measured pace says the batch is done: a bit before, so a lane
# faster than measured is seen (the pace is measured at the poll that finds a batch done)
POLL_EARLY = 0.9
SMOOTHING = 0.3  # weight of the newest measure in the moving averages


@dataclass
class _Job:
    """One chunk on the bulk lane: its status read (archives only), then its writes."""

    ops: list[MemberOp]
    decided: dict[str, OpResult]  # verdicts reached without a write (held upserts, archives not to do)
    started: float
    batch_id: str = ""
    reading: bool = False
    next_poll: float = 0.0
    expected_done: float | None = None  # when the measured pace says it finishes (None: not measured yet)


class ChangeLane:
    def __init__(
        self,
        client: MailchimpClient,
        list_id: str,
        session: Session,
        held: Callable[[MemberOp], OpResult | None],
        *,
        choice: Choice,
        concurrency: int,
        batch_size: int,
        threshold: int,
        batches_in_flight: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.list_id = list_id
        self.session = session
        self.held = held
        self.choice = choice
        self.concurrency = concurrency
        self.workers = concurrency
        self.batch_size = batch_size
        self.threshold = threshold
        self.batches_in_flight = batches_in_flight if choice == "bulk" else 2
        self.clock = clock
        self.used: set[str] = set()  # direct, bulk
        self._jobs: list[_Job] = []
        self._retry: deque[MemberOp] = deque()
        self._seconds_per_member: float | None = None  # one direct worker, one member
        self._batch_pace: float | None = None  # members per second of the bulk lane
        self._batch_free_at = 0.0  # when the last batch finished (the next one started no earlier)
        self._expected_free_at = 0.0  # when the batches submitted so far should all be done
        self._probing = False
        self._lock = threading.Lock()

    # --- pace --------------------------------------------------------------------------------------------

    @property
    def pace(self) -> Pace:
        per_member = self._seconds_per_member
        if per_member is None and self.client.seconds_per_request:  # before the first direct answer
            per_member = 1.5 * self.client.seconds_per_request
        direct = self.workers / per_member if per_member else None
        return Pace(direct if self.choice != "bulk" else None, self._batch_pace)

    def _timed(self, op: MemberOp) -> OpResult:
        started = self.clock()
        result = self.send_one(op)
        seconds = self.clock() - started
        with self._lock:
            known = self._seconds_per_member
            self._seconds_per_member = seconds if known is None else (1 - SMOOTHING) * known + SMOOTHING * seconds
        return result

    # --- the loop ----------------------------------------------------------------------------------------

    def run(self, ops: Iterator[MemberOp], total: int) -> None:
        """Send `ops` (about `total` of them) and acknowledge each; returns when every one is answered."""
        source = iter(ops)
        remaining = total
        exhausted = False
        bulk_possible = self.choice == "bulk" or (self.choice == "auto" and total >= self.threshold)
        # the main thread submits and polls batches: it needs one connection of the budget
        self.workers = max(1, self.concurrency - 1) if bulk_possible else self.concurrency

        def pull() -> MemberOp | None:
            nonlocal remaining, exhausted
            while not exhausted:
                op = next(source, None)
                if op is None:
                    exhausted = True
                    break
                remaining = max(0, remaining - 1)
                held = self.held(op)
                if held is None:
                    return op
                self.session.acknowledge([held.ack()])
            return None

        futures: dict[Future[OpResult], MemberOp] = {}
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="mailchimp") as pool:
            try:
                while True:
                    while len(futures) < 2 * self.workers:
                        op = self._retry.popleft() if self._retry else (pull() if self.choice != "bulk" else None)
                        if op is None:
                            break
                        futures[pool.submit(self._timed, op)] = op
                        self.used.add("direct")
                    if len(self._jobs) < self.batches_in_flight and not exhausted:
                        queued = sum(len(job.ops) for job in self._jobs)
                        take = batch_take(
                            remaining,
                            queued,
                            self.pace,
                            threshold=self.threshold,
                            max_size=self.batch_size,
                            probing=self._probing,
                            choice=self.choice,
                        )
                        chunk = [op for _ in range(take) if (op := pull()) is not None]
                        if chunk:
                            self._start(chunk)
                    if remaining == 0 and not exhausted and self.choice == "bulk":
                        extra = pull()  # more than the plan counted, or the end: either way, direct
                        if extra is not None:
                            self._retry.append(extra)
                    if exhausted and not futures and not self._jobs and not self._retry:
                        return
                    self._wait(futures)
            except BaseException:  # Ctrl-C or an error: members still queued are not sent
                pool.shutdown(wait=False, cancel_futures=True)
                raise

    def _wait(self, futures: dict[Future[OpResult], MemberOp]) -> None:
        """Wait for a direct answer or the next poll that is due, then handle what came."""
        now = self.clock()
        due = min((job.next_poll for job in self._jobs), default=None)
        timeout = None if due is None else max(0.0, due - now)
        if futures:
            done, _ = wait(list(futures), timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                futures.pop(future)
                self.session.acknowledge([future.result().ack()])
        elif timeout:
            time.sleep(timeout)
        now = self.clock()
        for job in [job for job in self._jobs if job.next_poll <= now]:
            self._poll(job)

    # --- direct ------------------------------------------------------------------------------------------

    def send_one(self, op: MemberOp) -> OpResult:
        method, _, body = op.member_call(self.list_id)
        try:
            if method == "DELETE":
                return self._archive_one(op)
            assert body is not None
            member = self.client.upsert_member(op.hash, body)
            if op.needs_tags_call:
                _, _, tags_body = op.tags_call(self.list_id)
                self.client.update_tags(op.hash, tags_body)
        except CallFailed as failure:
            return OpResult(op, "failed" if failure.transient else "rejected", failure.status, failure.detail)
        return OpResult(op, "ok", 200, member_status=member_status_of(member))

    def _archive_one(self, op: MemberOp) -> OpResult:
        """Read the member's status, and archive only a subscribed member."""
        try:
            status = member_status_of(self.client.member_status(op.hash))
        except CallFailed as failure:
            if failure.status != 404:
                raise
            status = None
        kept = archive_verdict(op, status)
        if kept is not None:
            return kept
        try:
            self.client.archive_member(op.hash)
        except CallFailed as failure:
            if failure.status == 404:  # deleted meanwhile
                return OpResult(op, "kept", 404, NOT_IN_LIST)
            raise  # 405 and the like: a permanent refusal, recorded with Mailchimp's reason
        return OpResult(op, "ok", 204, member_status="subscribed")

    # --- bulk --------------------------------------------------------------------------------------------

    def _start(self, chunk: list[MemberOp]) -> None:
        """Submit a chunk: its status reads when it archives, else its writes."""
        direct_only = [op for op in chunk if op.operation == "create" and not op.exists]
        self._retry.extend(direct_only)  # a member that may not exist: its tags call must follow its PUT
        ops = [op for op in chunk if not (op.operation == "create" and not op.exists)]
        if not ops:
            return
        job = _Job(ops=ops, decided={}, started=self.clock())
        if self._batch_pace is None:
            self._probing = True
        archives = [op for op in ops if op.operation == "archive"]
        if archives:
            reads = [
                self.client.batch_operation(method, path, None, f"s:{op.hash}", params)
                for op in archives
                for method, path, params in [op.status_call(self.list_id)]
            ]
            job.batch_id, job.reading = self.client.submit_batch(reads), True
            self._expect(job, len(ops))
            self._schedule(job)
            self._jobs.append(job)
            self.used.add("bulk")
        elif self._submit_writes(job):
            self._jobs.append(job)
            self.used.add("bulk")

    def _submit_writes(self, job: _Job) -> bool:
        """Submit the chunk's writes and record them in flight; False when none is left to do."""
        client = self.client
        operations: list[dict[str, Any]] = []
        in_flight: list[tuple[PlannedRow, State]] = []
        for op in job.ops:
            if op.key in job.decided:
                continue
            method, path, body = op.member_call(self.list_id)
            operations.append(client.batch_operation(method, path, body, f"m:{op.hash}"))
            if op.needs_tags_call:  # the member exists: its tags call can travel in the same batch
                t_method, t_path, t_body = op.tags_call(self.list_id)
                operations.append(client.batch_operation(t_method, t_path, t_body, f"t:{op.hash}"))
            in_flight.append((op.row, {"stage": "final", "tags": op.tags}))
        if not operations:
            self._finish(job, {})
            return False
        job.batch_id, job.reading = client.submit_batch(operations), False
        self.session.submitted(job.batch_id, in_flight)
        self._expect(job, len(in_flight))  # an archive's writes queue again, behind what was submitted since
        self._schedule(job)
        return True

    def _expect(self, job: _Job, members: int) -> None:
        """When the job should finish at the measured pace, behind the batches submitted before it."""
        if self._batch_pace is None:
            return
        start = max(self.clock(), self._expected_free_at)
        job.expected_done = self._expected_free_at = start + members / self._batch_pace

    def _schedule(self, job: _Job) -> None:
        """Poll at a quarter of the job's age (a few polls, however long it takes), and not long before
        the measured pace says it can be done (a batch queued behind others costs no polls meanwhile)."""
        now = self.clock()
        delay = min(POLL_MAX, max(POLL_FIRST, (now - job.started) / 4))
        if job.expected_done is not None:
            delay = max(delay, POLL_EARLY * (job.expected_done - now))
        job.next_poll = now + delay

    def _poll(self, job: _Job) -> None:
        status = self.client.batch_status(job.batch_id)
        if status.get("status") != "finished":
            self._schedule(job)
            return
        results = self.client.batch_results(status)
        if job.reading:
            job.decided.update(self._archive_verdicts(job, results))
            if self._submit_writes(job):
                return
        else:
            self._finish(job, results)
        self._jobs.remove(job)

    def _archive_verdicts(self, job: _Job, results: dict[str, tuple[int, str]]) -> dict[str, OpResult]:
        """What the status reads decide: archive subscribed members, keep the others (archive_verdict)."""
        decided: dict[str, OpResult] = {}
        for op in job.ops:
            if op.operation != "archive":
                continue
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

    def _finish(self, job: _Job, results: dict[str, tuple[int, str]]) -> None:
        """Acknowledge a finished chunk, measure the lane's pace, send its transient failures direct."""
        outcomes = [job.decided.get(op.key) or batch_outcome(op, results) for op in job.ops]
        self.session.acknowledge([o.ack() for o in outcomes if o.result != "failed"], job=job.batch_id or None)
        self._retry.extend(o.op for o in outcomes if o.result == "failed")
        now = self.clock()
        busy = now - max(job.started, self._batch_free_at)
        if busy > 0 and job.batch_id:
            pace = len(job.ops) / busy
            known = self._batch_pace
            self._batch_pace = pace if known is None else (1 - SMOOTHING) * known + SMOOTHING * pace
        self._batch_free_at = now
        self._probing = False
        self._replan(job)

    def _replan(self, finished: _Job) -> None:
        """With a new measure of the pace, the batches still out get their expected ends again, in the order
        they were submitted (Mailchimp works through them one after another): batches sent before the first
        measure are then polled near their end too, not every POLL_MAX seconds all along."""
        self._expected_free_at = self.clock()
        for job in self._jobs:
            if job is not finished:
                self._expect(job, sum(1 for op in job.ops if op.key not in job.decided))
                self._schedule(job)


def batch_outcome(op: MemberOp, results: dict[str, tuple[int, str]]) -> OpResult:
    """The verdict on one member from a batch's results: its member call, then its tags call if any."""
    ids = [f"m:{op.hash}", f"t:{op.hash}"]
    outcome = OpResult(op, "ok", 200)
    for position, operation_id in enumerate(ids):
        result = results.get(operation_id)
        if result is None:
            if position == 0:
                return OpResult(op, "failed", None, "no result for this operation in the batch")
            continue
        status, body = result
        if op.operation == "archive" and status == 404:
            return OpResult(op, "kept", 404, NOT_IN_LIST)
        verdict, error = classify_batch_result(status, body)
        if verdict != "ok":
            return OpResult(op, verdict, status, error)
        if position == 0:
            member = "subscribed" if op.operation == "archive" else member_status_of(body)
            outcome = OpResult(op, "ok", status, member_status=member)
    return outcome
