"""New members through batch subscribe: `POST /lists/{id}` with up to 500 members, answered in the same
call, then their tags as static segments ("Static segments are now known as tags"): one call adds up to
500 members to a tag. A million new members are 2,000 + 2,000 calls per tag, on every connection at once.

Nobody is resubscribed by it: `update_existing` is never sent, so an existing member is answered
"already a list member" (ERROR_CONTACT_EXISTS) and left as it is; each member's `status` is the last
status Mailchimp reported for that person (`subscribed` only for someone Tapestry never saw); contacts
archived in Mailchimp never go through it (the archived list is read first: Tapestry's own go back with
their status through `PUT`, the others are refused before any call).

A member is acknowledged only from the answers: created, and every tag it has added. Everyone else —
already a member, refused for a reason the answer does not classify, a tag that did not land — goes to the
update path (`PUT` with `status_if_new` + tags), whose answer decides. Nothing is recorded in flight: a run
killed between the call and its commit leaves members Mailchimp created and Tapestry did not record, which
the rerun's batch subscribe answers "already a member", and the update path then sends once more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from tapestry.core.iterables import chunked
from tapestry.destinations.base import Session
from tapestry.destinations.mailchimp.client import (
    SEGMENT_MAX,
    SUBSCRIBE_MAX,
    CallFailed,
    MailchimpClient,
    subscriber_hash,
)
from tapestry.destinations.mailchimp.members import MemberOp, OpResult

CONTACT_EXISTS = "ERROR_CONTACT_EXISTS"


@dataclass
class _Chunk:
    created: list[OpResult] = field(default_factory=list)  # acknowledged: created, with every tag
    failed: list[OpResult] = field(default_factory=list)  # the call failed for now: planned again next run
    to_update: list[MemberOp] = field(default_factory=list)  # for the update path
    refused: str | None = None  # the call itself was refused for good (not served, not valid)


class Tags:
    """Tag name -> static segment id, read once per run; a tag the list lacks is created (empty)."""

    def __init__(self, client: MailchimpClient) -> None:
        self.client = client
        self._ids: dict[str, str] | None = None
        self._usable = True
        self._lock = threading.Lock()

    def segment_id(self, name: str) -> str | None:
        """None: the list's tags cannot be used as segments; the update path tags member by member."""
        with self._lock:
            if self._ids is None:
                try:
                    self._ids = self.client.static_segments()
                except CallFailed as failure:
                    if failure.transient:
                        raise
                    self._ids, self._usable = {}, False
            if not self._usable:
                return None
            if name not in self._ids:
                try:
                    self._ids[name] = self.client.create_static_segment(name)
                except CallFailed as failure:
                    if failure.transient:
                        raise
                    self._ids.update(self.client.static_segments())  # created meanwhile, by someone else?
            return self._ids.get(name)


class SubscribeLane:
    def __init__(
        self,
        client: MailchimpClient,
        session: Session,
        held: Callable[[MemberOp], OpResult | None],
        archived: set[str],
        workers: int,
    ) -> None:
        self.client = client
        self.session = session
        self.held = held
        self.archived = archived  # subscriber hashes of the list's archived contacts
        self.workers = workers
        self.tags = Tags(client)
        self.refused: str | None = None

    def run(self, creates: Iterable[MemberOp]) -> list[MemberOp]:
        """Create `creates`; returns the members the update path has to send."""
        to_update: list[MemberOp] = []
        pending: set[Future[_Chunk]] = set()
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="mailchimp-subscribe") as pool:
            try:
                for chunk in chunked(self._eligible(creates, to_update), SUBSCRIBE_MAX):
                    if self.refused:
                        to_update += chunk
                        continue
                    pending.add(pool.submit(self._subscribe, chunk))
                    if len(pending) >= 2 * self.workers:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        self._collect(done, to_update)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    self._collect(done, to_update)
            except BaseException:  # Ctrl-C or an error: chunks still queued are not sent
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        return to_update

    def _eligible(self, creates: Iterable[MemberOp], to_update: list[MemberOp]) -> Iterator[MemberOp]:
        for op in creates:
            held = self.held(op)
            if held is not None:  # archived in Mailchimp by someone else: refused without a call
                self.session.acknowledge([held.ack()])
            elif op.hash in self.archived:  # archived by Tapestry: PUT re-adds it with its status then
                to_update.append(op)
            else:
                yield op

    def _collect(self, done: Iterable[Future[_Chunk]], to_update: list[MemberOp]) -> None:
        for future in done:
            chunk = future.result()
            self.session.acknowledge([r.ack() for r in chunk.created + chunk.failed])
            to_update += chunk.to_update
            self.refused = self.refused or chunk.refused

    # --- in a worker -------------------------------------------------------------------------------------

    def _subscribe(self, ops: list[MemberOp]) -> _Chunk:
        if self.refused:  # an earlier call was refused for good: do not ask again
            return _Chunk(to_update=list(ops))
        try:
            answer = self.client.batch_subscribe([op.subscribe_entry() for op in ops])
        except CallFailed as failure:
            if failure.transient:
                return _Chunk(failed=[OpResult(op, "failed", failure.status, failure.detail) for op in ops])
            self.refused = failure.detail  # not served, or not valid: each member goes through PUT
            return _Chunk(to_update=list(ops), refused=failure.detail)
        created = {_member_hash(m): str(m.get("status") or "") or None for m in answer.get("new_members") or []}
        exists = {
            subscriber_hash(str(e.get("email_address") or ""))
            for e in answer.get("errors") or []
            if e.get("error_code") == CONTACT_EXISTS
        }
        chunk = _Chunk()
        for op in ops:
            if op.hash in created:
                chunk.created.append(OpResult(op, "ok", 200, member_status=created[op.hash]))
            else:  # already a member, or refused for a reason PUT will name (or it takes it)
                op.in_list = op.hash in exists
                chunk.to_update.append(op)
        untagged = self._tag(chunk.created)
        if untagged:
            for result in chunk.created:
                if result.op.key in untagged:
                    result.op.in_list = True
                    chunk.to_update.append(result.op)
            chunk.created = [r for r in chunk.created if r.op.key not in untagged]
        return chunk

    def _tag(self, created: list[OpResult]) -> set[str]:
        """Add the new members to their tags; returns the keys some tag did not reach."""
        by_tag: dict[str, list[MemberOp]] = {}
        for result in created:
            for tag in result.op.tags_active:
                by_tag.setdefault(tag, []).append(result.op)
        untagged: set[str] = set()
        for tag, ops in by_tag.items():
            try:
                segment_id = self.tags.segment_id(tag)
            except CallFailed:
                segment_id = None
            if segment_id is None:
                untagged.update(op.key for op in ops)
                continue
            for piece in chunked(ops, SEGMENT_MAX):
                try:
                    answer = self.client.add_to_segment(segment_id, [op.email for op in piece])
                except CallFailed:
                    untagged.update(op.key for op in piece)
                    continue
                added = {_member_hash(m) for m in answer.get("members_added") or []}
                untagged.update(op.key for op in piece if op.hash not in added)
        return untagged


def _member_hash(member: dict[str, Any]) -> str:
    """A member document's subscriber hash (its id; else from its address)."""
    return str(member.get("id") or subscriber_hash(str(member.get("email_address") or "")))
