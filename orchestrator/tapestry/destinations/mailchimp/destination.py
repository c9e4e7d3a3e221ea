"""Mailchimp as a sync destination: one list kept equal to a model, and nobody ever resubscribed.

Each kind of change goes the fastest safe way:
- new members through batch subscribe (`POST /lists/{id}`, 500 a call, answered at once; `update_existing`
  is never sent) with their tags as static segments (`subscribe.py`); whoever turns out to be in the list
  already goes to the update path;
- updates and archives through direct calls and `POST /batches` at once, each taking the share of the work
  its measured pace earns it (`changes.py`, `paths.py`), at most `concurrency` (≤ 10) connections in all.

Nobody is resubscribed, by any path (batch subscribe, direct, bulk, --full-resync): upserts carry
`status_if_new` (batch subscribe: `status`, for new members only) = the member's last known status, not
blindly `subscribed`; an archive happens only to a member whose status, read right before, is
`subscribed`; a contact archived in Mailchimp is re-added only when Tapestry archived it (with the status
it had), one archived by someone else is left archived and recorded as a permanent rejection.
A batch is recorded in flight before it is waited on, so a run killed meanwhile is collected by the next.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from tapestry.core.errors import SyncError
from tapestry.destinations.base import Ack, ApiDestination, InFlight, OpenRequest, Plan, PlannedRow, Session
from tapestry.destinations.mailchimp.changes import ChangeLane, batch_outcome
from tapestry.destinations.mailchimp.client import CallFailed, MailchimpClient
from tapestry.destinations.mailchimp.config import MailchimpConfig, MailchimpMapping
from tapestry.destinations.mailchimp.members import (
    ARCHIVED_ELSEWHERE,
    MemberOp,
    OpResult,
    member_op,
    remembered,
)
from tapestry.destinations.mailchimp.subscribe import SubscribeLane

BATCHES_IN_FLIGHT = 4  # update_path: bulk keeps this many batches submitted


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
        counts = plan.counts
        if counts.get("create", 0) + counts.get("update", 0):
            self._archived_in_mailchimp = self.client.archived_members()
        config = self.config
        changes = ChangeLane(
            self.client,
            self.list_id,
            session,
            self._held,
            choice=config.update_path,
            concurrency=config.concurrency,
            batch_size=config.batch_size,
            threshold=config.bulk_threshold,
            batches_in_flight=self.batches_in_flight,
        )
        used: list[str] = []
        to_update: list[MemberOp] = []  # new members batch subscribe left to the update path
        ops = (self._op(row) for row in plan.rows)
        # the plan comes ordered by operation (archives, creates, updates): each run of one kind in turn
        for is_create, group in itertools.groupby(ops, key=lambda op: op.operation == "create"):
            if is_create:
                lane = SubscribeLane(self.client, session, self._held, self._archived_in_mailchimp, config.concurrency)
                to_update = lane.run(group)
                used.append("subscribe")
                continue
            first = next(group)
            total = counts.get(first.operation, 0) + len(to_update)
            changes.run(itertools.chain(to_update, [first], group), total)  # noqa: B031 (the rest of it)
            to_update = []
        if to_update:
            changes.run(iter(to_update), len(to_update))
        used += [lane for lane in ("direct", "bulk") if lane in changes.used]
        return " + ".join(used) or "direct"

    def recover(self, job: str, records: Sequence[InFlight]) -> list[Ack] | None:
        """Collect the results of a batch a previous run submitted but did not commit (None: Mailchimp is
        still processing it after the recovery wait)."""
        try:
            results = self.client.wait_batch(job, within=self.recover_wait_s)
        except (SyncError, CallFailed):
            return []  # unknown or expired batch: its members are simply sent again
        if results is None:
            return None
        acks = []
        for entry in records:
            if entry.record.get("stage") != "final":
                continue  # a new member whose tags call may never have happened: send it again
            op = MemberOp(row=entry.row, operation=entry.row.operation, email=entry.row.key)
            op.tags = list(entry.record.get("tags") or [])
            outcome = batch_outcome(op, results)
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


def open_mailchimp(request: OpenRequest) -> MailchimpDestination:
    config, mapping = request.config, request.mapping
    assert isinstance(config, MailchimpConfig) and isinstance(mapping, MailchimpMapping)
    client = None
    if not request.offline:
        assert config.list_id is not None
        client = MailchimpClient(request.secrets["api_key"], config.list_id, api_url=config.api_url)
    return MailchimpDestination(config, mapping, client, request.full_resync)
