"""Mailchimp as a sync destination: one list kept equal to a model, and nobody ever resubscribed.

Writes never resubscribe anyone: members are upserted with `PUT /lists/{id}/members/{hash}` carrying
`status_if_new` only (batch-subscribe with `update_existing` overwrites status and is never used), and
`status_if_new` is the member's last known status, not blindly `subscribed`. Nobody is resubscribed, by any
path (direct, bulk, --full-resync):
- an archive happens only to a member whose status, read right before (a GET, or a batch of GETs), is
  `subscribed`; anyone else stays in the list with their status ("kept"), so a later return cannot
  resubscribe them;
- a contact archived in Mailchimp is re-added only when Tapestry archived it (with the status it had);
  one archived by someone else is left archived and recorded as a permanent rejection.

Small diffs go out as concurrent direct calls (at most 10 connections, Mailchimp's limit); large ones as
`POST /batches` of the same calls, a few batches in flight, whose results archive is read back per operation.
A batch is recorded in flight before it is waited on, so a run killed meanwhile is collected by the next.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tapestry.core.errors import SyncError
from tapestry.destinations.base import Ack, ApiDestination, InFlight, OpenRequest, Plan, PlannedRow, Session, State
from tapestry.destinations.mailchimp.client import CallFailed, MailchimpClient, classify_batch_result
from tapestry.destinations.mailchimp.config import MailchimpConfig, MailchimpMapping
from tapestry.destinations.mailchimp.members import (
    ARCHIVED_ELSEWHERE,
    NOT_IN_LIST,
    MemberOp,
    OpResult,
    archive_verdict,
    member_op,
    member_status_of,
    remembered,
)

BATCHES_IN_FLIGHT = 4
Window = deque[tuple[str | None, list[MemberOp], dict[str, OpResult]]]


class MailchimpDestination(ApiDestination[MailchimpClient]):
    missing_client = ("this Mailchimp sync has no API key or list id", "set them, or run with --preview")

    def __init__(
        self,
        config: MailchimpConfig,
        mapping: MailchimpMapping,
        client: MailchimpClient | None,
        full_resync: bool = False,
        batches_in_flight: int = BATCHES_IN_FLIGHT,
    ) -> None:
        self.config = config
        self.mapping = mapping
        super().__init__(client)  # None: a preview
        self.full_resync = full_resync
        self.batches_in_flight = batches_in_flight
        self._archived_in_mailchimp: set[str] = set()  # subscriber hashes, read before upserting

    @property
    def list_id(self) -> str:
        return self.config.list_id or "preview"

    # --- the protocol ------------------------------------------------------------------------------------

    def preflight(self) -> str:
        self.client.preflight(self.mapping.merge_fields)
        return f"list {self.list_id} reachable, merge fields {', '.join(self.mapping.merge_fields)} exist"

    def describe(self, row: PlannedRow) -> dict[str, Any]:
        return self._op(row).preview()

    def send(self, plan: Plan, session: Session) -> str:
        if plan.counts.get("create", 0) + plan.counts.get("update", 0):
            self._archived_in_mailchimp = self.client.archived_members()
        ops = (self._op(row) for row in plan.rows)
        if plan.total < self.config.bulk_threshold:
            self._send_direct(ops, session)
            return "direct"
        self._send_bulk(ops, session)
        return "bulk"

    def recover(self, job: str, records: Sequence[InFlight]) -> list[Ack]:
        """Collect the results of a batch a previous run submitted but did not commit."""
        try:
            results = self.client.wait_batch(job)
        except (SyncError, CallFailed):
            return []  # unknown or expired batch: its members are simply sent again
        acks = []
        for entry in records:
            if entry.record.get("stage") != "final":
                continue  # a new member whose tags call may never have happened: send it again
            op = MemberOp(row=entry.row, operation=entry.row.operation, email=entry.row.key)
            op.tags = list(entry.record.get("tags") or [])
            outcome = self._outcome(op, results)
            if outcome.result == "ok":  # anything else is planned again by this run's diff
                archived = op.operation == "archive"
                acks.append(
                    Ack(entry.row, "ok", outcome.status_code, None, remembered(op, outcome.member_status, archived))
                )
        return acks

    def _op(self, row: PlannedRow) -> MemberOp:
        return member_op(row, self.mapping, self.full_resync)

    def _held(self, op: MemberOp) -> OpResult | None:
        """A permanent refusal decided here, without a call: an upsert of a contact archived in Mailchimp
        by someone else (its status before the archive is unknown, so re-adding it could resubscribe it)."""
        if op.operation == "archive" or op.hash not in self._archived_in_mailchimp:
            return None
        if op.archived_by_tapestry:
            return None  # Tapestry archived it: re-added with the status it had then (status_if_new)
        return OpResult(op, "rejected", None, ARCHIVED_ELSEWHERE)

    # --- direct path -------------------------------------------------------------------------------------

    def _send_direct(self, ops: Iterable[MemberOp], session: Session) -> None:
        """Send each member with its own calls, `concurrency` at a time."""
        to_send: list[MemberOp] = []
        for op in ops:
            held = self._held(op)
            if held is None:
                to_send.append(op)
            else:
                session.acknowledge([held.ack()])
        self._each(to_send, lambda result: session.acknowledge([result.ack()]))

    def _each(self, ops: Sequence[MemberOp], on_result: Callable[[OpResult], None]) -> None:
        with ThreadPoolExecutor(max_workers=self.config.concurrency, thread_name_prefix="mailchimp") as pool:
            try:
                for result in pool.map(self._send_one, ops):
                    on_result(result)
            except BaseException:  # Ctrl-C or an error: members still queued are not sent
                pool.shutdown(wait=False, cancel_futures=True)
                raise

    def _send_one(self, op: MemberOp) -> OpResult:
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

    # --- bulk path ---------------------------------------------------------------------------------------

    def _send_bulk(self, ops: Iterator[MemberOp], session: Session) -> None:
        window: Window = deque()
        retry_later: list[MemberOp] = []
        for chunk in _chunks(ops, self.config.batch_size):
            window.append(self._submit_members(chunk, session))
            if len(window) >= self.batches_in_flight:
                retry_later += self._finish_members(*window.popleft(), session)
        while window:
            retry_later += self._finish_members(*window.popleft(), session)
        if retry_later:  # transient failures inside batches get one more go, one by one, with retries
            self._send_direct(retry_later, session)

    def _decide_before_sending(self, chunk: list[MemberOp]) -> dict[str, OpResult]:
        """Verdicts reached without writing: held upserts, and archives the status read says not to do
        (one batch of GETs, read right before the archive batch is submitted)."""
        decided = {op.key: held for op in chunk if (held := self._held(op)) is not None}
        archives = [op for op in chunk if op.operation == "archive"]
        if not archives:
            return decided
        client = self.client
        reads = [
            client.batch_operation(method, path, None, f"s:{op.hash}", params)
            for op in archives
            for method, path, params in [op.status_call(self.list_id)]
        ]
        results = client.wait_batch(client.submit_batch(reads))
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

    def _submit_members(
        self, chunk: list[MemberOp], session: Session
    ) -> tuple[str | None, list[MemberOp], dict[str, OpResult]]:
        decided = self._decide_before_sending(chunk)
        client = self.client
        operations = []
        in_flight: list[tuple[PlannedRow, State]] = []
        for op in chunk:
            if op.key in decided:
                continue
            method, path, body = op.member_call(self.list_id)
            operations.append(client.batch_operation(method, path, body, f"m:{op.hash}"))
            # an update's tag call can travel in the same batch: the member already exists
            if op.operation == "update" and op.needs_tags_call:
                t_method, t_path, t_body = op.tags_call(self.list_id)
                operations.append(client.batch_operation(t_method, t_path, t_body, f"t:{op.hash}"))
            # `final`: an ok result acknowledges the member; `first`: a tags call must follow
            stage = "first" if op.operation == "create" and op.needs_tags_call else "final"
            in_flight.append((op.row, {"stage": stage, "tags": op.tags}))
        if not operations:
            return None, chunk, decided
        batch_id = client.submit_batch(operations)
        session.submitted(batch_id, in_flight)
        return batch_id, chunk, decided

    def _finish_members(
        self, batch_id: str | None, chunk: list[MemberOp], decided: dict[str, OpResult], session: Session
    ) -> list[MemberOp]:
        """Read a members batch, send the tag calls new members need, acknowledge. Returns ops to retry."""
        client = self.client
        results = client.wait_batch(batch_id) if batch_id is not None else {}
        outcomes = [decided.get(op.key) or self._outcome(op, results) for op in chunk]
        follow_up = [
            i
            for i, (op, o) in enumerate(zip(chunk, outcomes, strict=True))
            if o.result == "ok" and op.operation == "create" and op.needs_tags_call
        ]
        if follow_up:
            operations = [
                client.batch_operation(*chunk[i].tags_call(self.list_id), f"t:{chunk[i].hash}") for i in follow_up
            ]
            tag_results = client.wait_batch(client.submit_batch(operations))
            for i in follow_up:
                outcomes[i] = self._outcome(chunk[i], tag_results, tags_only=True, member=outcomes[i].member_status)
        session.acknowledge([o.ack() for o in outcomes if o.result != "failed"], job=batch_id)
        return [o.op for o in outcomes if o.result == "failed"]

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
                return OpResult(op, "kept", 404, NOT_IN_LIST)
            verdict, error = classify_batch_result(status, body)
            if verdict != "ok":
                return OpResult(op, verdict, status, error)
            if position == 0 and not tags_only:
                member = "subscribed" if op.operation == "archive" else member_status_of(body)
                outcome = OpResult(op, "ok", status, member_status=member)
        return outcome


def _chunks(ops: Iterator[MemberOp], size: int) -> Iterator[list[MemberOp]]:
    chunk: list[MemberOp] = []
    for op in ops:
        chunk.append(op)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def open_mailchimp(request: OpenRequest) -> MailchimpDestination:
    config, mapping = request.config, request.mapping
    assert isinstance(config, MailchimpConfig) and isinstance(mapping, MailchimpMapping)
    client = None
    if not request.offline:
        assert config.list_id is not None
        client = MailchimpClient(request.secrets["api_key"], config.list_id, api_url=config.api_url)
    return MailchimpDestination(config, mapping, client, request.full_resync)
