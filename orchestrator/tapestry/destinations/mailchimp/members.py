"""Planned rows as Mailchimp member operations, the rules that keep anyone from being resubscribed, and the
state remembered per member.

Remembered per key (the core stores it as JSON): `tags` (the tags the list holds for the member, as last
acknowledged), `status` (the member's subscription status as Mailchimp last reported it) and
`archived_by_tapestry` (Tapestry archived the member; `status` is then the one it had before).
Keys the sync state of earlier releases held in the same shape (`tapestry.engines.sync.legacy`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tapestry.destinations.base import Ack, PlannedRow, State, Verdict
from tapestry.destinations.mailchimp.client import subscriber_hash
from tapestry.destinations.mailchimp.config import MailchimpMapping

ARCHIVED_ELSEWHERE = (
    "Archived in Mailchimp: archived outside Tapestry, which re-adds only contacts it archived itself "
    "(to sync it, unarchive it in Mailchimp; it is sent again when its row changes or with --full-resync)"
)
NOT_IN_LIST = "not in the list any more: nothing to archive"


@dataclass
class MemberOp:
    """Everything needed to send one member and to acknowledge it."""

    row: PlannedRow
    operation: str  # create, update, archive
    email: str
    merge_fields: dict[str, str] = field(default_factory=dict)
    tags_active: list[str] = field(default_factory=list)
    tags_inactive: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # the tags the member has once acknowledged
    status_if_new: str = "subscribed"  # the member's last known status when Tapestry has seen it
    archived_by_tapestry: bool = False  # Tapestry archived this member (status_if_new is its status then)

    @property
    def key(self) -> str:
        return self.row.key

    @property
    def hash(self) -> str:
        return subscriber_hash(self.email if self.operation != "archive" else self.key)

    @property
    def needs_tags_call(self) -> bool:
        return self.operation != "archive" and bool(self.tags_active or self.tags_inactive)

    def member_call(self, list_id: str) -> tuple[str, str, dict[str, Any] | None]:
        path = f"/lists/{list_id}/members/{self.hash}"
        if self.operation == "archive":
            return "DELETE", path, None
        body: dict[str, Any] = {"email_address": self.email, "status_if_new": self.status_if_new}
        if self.merge_fields:
            body["merge_fields"] = self.merge_fields
        return "PUT", path, body

    def status_call(self, list_id: str) -> tuple[str, str, dict[str, str]]:
        """The read before an archive: method, path and query parameters."""
        return "GET", f"/lists/{list_id}/members/{self.hash}", {"fields": "status"}

    def tags_call(self, list_id: str) -> tuple[str, str, dict[str, Any]]:
        tags = [{"name": t, "status": "active"} for t in self.tags_active]
        tags += [{"name": t, "status": "inactive"} for t in self.tags_inactive]
        return "POST", f"/lists/{list_id}/members/{self.hash}/tags", {"tags": tags}

    def preview(self) -> dict[str, Any]:
        planned: dict[str, Any] = {
            "operation": self.operation,
            "email": self.email,
            "merge_fields": self.merge_fields,
            "tags_active": self.tags_active,
            "tags_inactive": self.tags_inactive,
        }
        if self.operation != "archive":
            planned["status_if_new"] = self.status_if_new
        return planned


def member_op(row: PlannedRow, mapping: MailchimpMapping, full_resync: bool) -> MemberOp:
    """The member operation for a planned row: merge fields as text, tags to add and remove, and the status a
    member Tapestry has seen before is (re-)added with — never blindly `subscribed`."""
    state = row.state or {}
    if row.operation == "archive":
        return MemberOp(row=row, operation="archive", email=row.key)
    values = row.values
    constants = [t.name for t in mapping.tags if t.name]
    from_columns = [str(v).strip() for t in mapping.tags if t.column and (v := values.get(t.column)) is not None]
    new_tags = sorted({*constants, *(tag for tag in from_columns if tag)})
    # tags the member was acknowledged with; a create starts afresh (its old tags, if any, are not ours)
    old_tags = set(state.get("tags") or []) if row.operation == "update" and not full_resync else set()
    if full_resync:  # resend every tag: the destination may have lost them
        active, inactive = new_tags, []
    else:
        active = [t for t in new_tags if t not in old_tags]
        inactive = sorted(old_tags - set(new_tags))
    email = str(values.get(mapping.email) or "").strip(" ")  # as SQL trim(), which made the key
    return MemberOp(
        row=row,
        operation=row.operation,
        email=email,
        merge_fields={
            tag: ("" if values.get(c) is None else str(values.get(c))) for tag, c in mapping.merge_fields.items()
        },
        tags_active=active,
        tags_inactive=inactive,
        tags=new_tags,
        status_if_new=str(state.get("status") or "subscribed"),
        archived_by_tapestry=bool(state.get("archived_by_tapestry")),
    )


@dataclass
class OpResult:
    op: MemberOp
    # ok; kept (an archive not done: the member is not subscribed, or is gone); rejected (permanent:
    # Mailchimp will refuse it again); failed (transient: 429, 5xx, network; the next run retries)
    result: Verdict
    status_code: int | None = None
    error: str | None = None
    member_status: str | None = None  # the member's status as Mailchimp reported it

    def ack(self) -> Ack:
        """The verdict for the core, with what to remember about the member from now on."""
        if self.result == "failed":
            return Ack(self.op.row, "failed", self.status_code, self.error)
        if self.result == "rejected" and self.op.operation != "archive":
            return Ack(self.op.row, "rejected", self.status_code, self.error)
        archived = self.op.operation == "archive" and self.result == "ok"
        state = remembered(self.op, self.member_status, archived)
        return Ack(self.op.row, self.result, self.status_code, self.error, state)


def remembered(op: MemberOp, member_status: str | None, archived: bool) -> State | None:
    """The member's state once this operation is acknowledged (None: unchanged)."""
    old = dict(op.row.state or {})
    new = dict(old)
    if op.operation == "archive":
        new.pop("tags", None)  # the member leaves the snapshot, and its tags with it
    else:
        new["tags"] = op.tags
    if member_status:  # what Mailchimp said; without an answer the last known status stands
        new["status"] = member_status
        new["archived_by_tapestry"] = archived
    return new if new != old else None


def member_status_of(body: Any) -> str | None:
    """`status` of a member document (a dict, or the JSON text a batch result carries)."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    status = body.get("status") if isinstance(body, dict) else None
    return str(status) if status else None


def archive_verdict(op: MemberOp, status: str | None) -> OpResult | None:
    """What the status read before an archive decides: None (archive it) when subscribed, else keep it."""
    if status is None:
        return OpResult(op, "kept", 404, NOT_IN_LIST)
    if status == "archived":  # by someone else; what it was before is hidden, so nothing is remembered
        return OpResult(op, "kept", 200, "already archived in Mailchimp")
    if status != "subscribed":
        return OpResult(op, "kept", 200, f"{status}: not archived (Tapestry archives only subscribed members)", status)
    return None
