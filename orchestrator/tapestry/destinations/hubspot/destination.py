"""HubSpot as a sync destination: the portal's contacts kept equal to a model, by e-mail.

- **Upserts** go out as `POST /crm/v3/objects/contacts/batch/upsert` with `idProperty: email`, 100 contacts
  per call, a few calls in flight, paced under the portal's 10-second limit. Each input carries the key as
  `objectWriteTraceId`, which is how results (in no promised order) and per-input errors of a 207 find their
  key. A batch HubSpot refuses as a whole (400: one invalid value) is split in halves until the refused
  contacts stand alone: they are rejected for good, the rest land.
- **Archives** (mirror mode) go out as `batch/archive` by contact id, only for contacts Tapestry created
  (`archive: created`, the default): a contact that existed before Tapestry first synced it — a sales lead,
  a customer — is left as it is ("kept") when it leaves the model. Archived contacts can be restored in
  HubSpot for 90 days.
- **Remembered per key**: `id` (the contact id HubSpot assigned), `created` (Tapestry's upsert created it),
  `archived` (Tapestry archived it).
- **Recovery**: every batch is recorded in flight with the properties it sends; a run killed before the answer
  came is collected by the next with one batch read: contacts whose properties equal what was sent are
  acknowledged (and known as created when HubSpot created them after the batch was sent), the others are
  planned again.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tapestry.core.errors import SyncError
from tapestry.core.iterables import chunked
from tapestry.destinations.base import (
    Ack,
    ApiDestination,
    InFlight,
    OpenRequest,
    Outcome,
    Plan,
    PlannedRow,
    Session,
    State,
    Verdict,
)
from tapestry.destinations.hubspot.client import HubSpotClient, HubSpotError
from tapestry.destinations.hubspot.config import HubSpotConfig, HubSpotMapping

NOT_CREATED = "existed in HubSpot before Tapestry synced it: not archived (archive: created)"
NOT_IN_HUBSPOT = "not in HubSpot: nothing to archive"
CLOCK_SKEW_MS = 2_000  # a contact created this long before its batch was recorded still counts as ours


@dataclass
class ContactOp:
    row: PlannedRow
    email: str
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.row.key

    @property
    def state(self) -> State:
        return self.row.state or {}

    def upsert_input(self) -> dict[str, Any]:
        return {"id": self.email, "idProperty": "email", "objectWriteTraceId": self.key, "properties": self.properties}


def contact_op(row: PlannedRow, mapping: HubSpotMapping) -> ContactOp:
    if row.operation == "archive":
        return ContactOp(row, row.key)
    values = row.values
    email = str(values.get(mapping.email) or "").strip(" ")  # as SQL trim(), which made the key
    # HubSpot clears a property given an empty string: a null in the model clears it there too
    properties = {
        name: "" if values.get(column) is None else str(values[column]) for name, column in mapping.properties.items()
    }
    return ContactOp(row, email, properties)


def upserted_state(op: ContactOp, contact_id: str, new: bool) -> State:
    created = new or (bool(op.state.get("created")) and str(op.state.get("id")) == contact_id)
    return {"id": contact_id, "created": created}


class HubSpotDestination(ApiDestination[HubSpotClient]):
    missing_client = ("this HubSpot sync has no access token or portal id", "set them, or run with --preview")

    def __init__(
        self, config: HubSpotConfig, mapping: HubSpotMapping, client: HubSpotClient | None, full_resync: bool = False
    ) -> None:
        self.config = config
        self.mapping = mapping
        super().__init__(client)  # None: a preview
        self.full_resync = full_resync

    # --- the protocol ------------------------------------------------------------------------------------

    def preflight(self) -> str:
        client = self.client
        try:
            account = client.account()
            properties = {str(p.get("name")): p for p in client.contact_properties()}
        except HubSpotError as failure:
            raise SyncError(
                f"HubSpot at {client.base_url} is not usable: {failure.reason}",
                "check destination.api_url and the network, then rerun",
            ) from None
        portal = str(account.get("portalId") or "")
        if portal != self.config.portal_id:
            raise SyncError(
                f"the HubSpot access token belongs to portal {portal or '?'}, not {self.config.portal_id}",
                f"set destination.portal_id: {portal}, or use a private app token of portal {self.config.portal_id}",
            )
        problems = []
        for name in self.mapping.properties:
            prop = properties.get(name)
            if prop is None:
                problems.append(f"no contact property {name}")
            elif (prop.get("modificationMetadata") or {}).get("readOnlyValue") or prop.get("calculated"):
                problems.append(f"{name} is read-only")
        if problems:
            writable = sorted(
                n for n, p in properties.items() if not (p.get("modificationMetadata") or {}).get("readOnlyValue")
            )
            raise SyncError(
                f"HubSpot portal {portal}: {'; '.join(problems)}",
                "create the property in HubSpot (Settings > Properties) or change mapping.properties "
                f"(writable contact properties: {', '.join(writable[:40])})",
            )
        usage = ""
        try:
            today = client.daily_usage()
        except (HubSpotError, SyncError):
            today = None  # the usage report is a courtesy, not a requirement
        if today:
            used, limit = int(today.get("currentUsage") or 0), int(today.get("usageLimit") or 0)
            usage = f"; {used:,} of {limit:,} API calls used today"
        mapped = ", ".join(["email", *self.mapping.properties])
        return f"portal {portal} reachable, contact properties {mapped} writable{usage}"

    def describe(self, row: PlannedRow) -> dict[str, Any]:
        op = contact_op(row, self.mapping)
        if row.operation != "archive":
            return {"operation": row.operation, "email": op.email, "properties": op.properties}
        planned: dict[str, Any] = {"operation": "archive", "email": row.key, "contact_id": op.state.get("id")}
        skipped = self._not_archived(op)
        if skipped:
            planned["kept"] = skipped
        return planned

    def send(self, plan: Plan, session: Session) -> str:
        ops = (contact_op(row, self.mapping) for row in plan.rows)
        with ThreadPoolExecutor(max_workers=self.config.concurrency, thread_name_prefix="hubspot") as pool:
            window: deque[tuple[str, Future[list[Outcome[ContactOp]]]]] = deque()
            try:
                for chunk in chunked(ops, self.config.batch_size):
                    window.append(self._submit(chunk, session, pool))
                    if len(window) >= self.config.concurrency:
                        self._finish(*window.popleft(), session)
                while window:
                    self._finish(*window.popleft(), session)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                self._drain(window, session)
                raise
        return "batch"

    def recover(self, job: str, records: Sequence[InFlight]) -> list[Ack] | None:
        """Verdicts of a batch a killed run sent: what HubSpot holds now, compared with what was sent."""
        upserts = [r for r in records if r.record.get("op") == "upsert"]
        archives = [r for r in records if r.record.get("op") == "archive"]
        acks: list[Ack] = []
        try:
            if upserts:
                names = sorted({"email", *(n for r in upserts for n in (r.record.get("properties") or {}))})
                found = self.client.read([str(r.record.get("email") or r.row.key) for r in upserts], "email", names)
                by_email = {
                    str((c.get("properties") or {}).get("email") or "").lower(): c for c in found.get("results") or []
                }
                for entry in upserts:
                    contact = by_email.get(entry.row.key)
                    if contact is None:
                        continue  # not there: planned again
                    sent = dict(entry.record.get("properties") or {})
                    held = contact.get("properties") or {}
                    if any(str(held.get(name) or "") != value for name, value in sent.items()):
                        continue  # not what was sent: planned again
                    new = _millis(contact.get("createdAt")) >= int(entry.record.get("at") or 0) - CLOCK_SKEW_MS
                    op = ContactOp(entry.row, entry.row.key)
                    state = upserted_state(op, str(contact.get("id")), new)
                    acks.append(Ack(entry.row, "ok", 200, None, state, "create" if new else "update"))
            if archives:
                ids = [str(r.record.get("id")) for r in archives]
                present = {str(c.get("id")) for c in self.client.read(ids, None, ["email"]).get("results") or []}
                acks += [
                    Ack(r.row, "ok", 204, None, {"archived": True})
                    for r in archives
                    if str(r.record.get("id")) not in present
                ]
        except HubSpotError:
            return []  # HubSpot cannot say now: every key is planned again
        return acks

    # --- sending -----------------------------------------------------------------------------------------

    def _not_archived(self, op: ContactOp) -> str | None:
        """Why an archive is not done (None: archive it)."""
        if self.config.archive == "created" and not op.state.get("created"):
            return NOT_CREATED
        return None

    def _submit(
        self, chunk: list[ContactOp], session: Session, pool: ThreadPoolExecutor
    ) -> tuple[str, Future[list[Outcome[ContactOp]]]]:
        job = f"hs-{uuid.uuid4().hex[:16]}"
        at = int(time.time() * 1000)
        records: list[tuple[PlannedRow, State]] = []
        for op in chunk:
            if op.row.operation == "archive":
                if op.state.get("id") and not self._not_archived(op):
                    records.append((op.row, {"op": "archive", "id": str(op.state["id"])}))
            else:
                records.append((op.row, {"op": "upsert", "email": op.email, "properties": op.properties, "at": at}))
        if records:
            session.submitted(job, records)
        return job, pool.submit(self._send_chunk, chunk)

    def _finish(self, job: str, future: Future[list[Outcome[ContactOp]]], session: Session) -> None:
        session.acknowledge([o.ack() for o in future.result()], job=job)

    def _drain(self, window: deque[tuple[str, Future[list[Outcome[ContactOp]]]]], session: Session) -> None:
        """After an error: acknowledge what the other batches in flight did (their errors are dropped)."""
        for job, future in window:
            if future.cancelled():
                continue
            try:
                self._finish(job, future, session)
            except BaseException:  # the first error is the one reported
                continue

    def _send_chunk(self, chunk: list[ContactOp]) -> list[Outcome[ContactOp]]:
        """Runs in a worker thread: every op of the chunk gets an outcome."""
        upserts = [op for op in chunk if op.row.operation != "archive"]
        archives = [op for op in chunk if op.row.operation == "archive"]
        outcomes = self._upsert(upserts) if upserts else []
        if archives:
            outcomes += self._archive(archives)
        return outcomes

    def _upsert(self, ops: list[ContactOp]) -> list[Outcome[ContactOp]]:
        try:
            status, body = self.client.upsert([op.upsert_input() for op in ops])
        except HubSpotError as failure:
            if failure.transient:
                return [Outcome(op, "failed", failure.status, failure.reason) for op in ops]
            if len(ops) > 1:  # refused as a whole: find the inputs it refuses
                middle = len(ops) // 2
                return self._upsert(ops[:middle]) + self._upsert(ops[middle:])
            return [Outcome(ops[0], "rejected", failure.status, failure.reason)]
        by_key = {op.key: op for op in ops}
        outcomes: dict[str, Outcome[ContactOp]] = {}
        for result in body.get("results") or []:
            op = by_key.get(str(result.get("objectWriteTraceId") or "").lower()) or by_key.get(
                str((result.get("properties") or {}).get("email") or "").strip().lower()
            )
            if op is not None and result.get("id"):
                new = bool(result.get("new"))
                state = upserted_state(op, str(result["id"]), new)
                outcomes[op.key] = Outcome(op, "ok", status, None, state, "create" if new else "update")
        reasons = [f"{e.get('category') or 'ERROR'}: {e.get('message') or ''}" for e in body.get("errors") or []]
        for error, reason in zip(body.get("errors") or [], reasons, strict=True):
            for value in _context_values(error):
                op = by_key.get(value.strip().lower())
                if op is not None and op.key not in outcomes:
                    outcomes[op.key] = Outcome(op, "rejected", 207, reason)
        done = list(outcomes.values())
        missing = [op for op in ops if op.key not in outcomes]
        if not missing:
            return done
        if len(ops) == 1:  # alone in its batch: an error HubSpot gave is about it
            verdict: Verdict = "rejected" if reasons else "failed"
            return [Outcome(ops[0], verdict, status, reasons[0] if reasons else "no result for this contact")]
        # answers HubSpot gave no key for: ask again, in smaller batches, until each stands alone
        if len(missing) < len(ops):
            return done + self._upsert(missing)
        middle = len(ops) // 2
        return self._upsert(ops[:middle]) + self._upsert(ops[middle:])

    def _archive(self, ops: list[ContactOp]) -> list[Outcome[ContactOp]]:
        outcomes: list[Outcome[ContactOp]] = []
        to_archive: list[ContactOp] = []
        unknown: list[ContactOp] = []
        for op in ops:
            skipped = self._not_archived(op)
            if skipped:
                outcomes.append(Outcome(op, "kept", None, skipped))
            elif op.state.get("id"):
                to_archive.append(op)
            else:
                unknown.append(op)
        if unknown:  # archive: all, a contact Tapestry never saw: find it by e-mail
            try:
                found = self.client.read([op.key for op in unknown], "email", ["email"])
            except HubSpotError as failure:
                return outcomes + [Outcome(op, "failed", failure.status, failure.reason) for op in unknown + to_archive]
            ids = {
                str((c.get("properties") or {}).get("email") or "").lower(): str(c["id"])
                for c in found.get("results") or []
            }
            for op in unknown:
                if op.key in ids:
                    op.row = PlannedRow(
                        op.key, op.row.operation, op.row.row_hash, op.row.values, {**op.state, "id": ids[op.key]}
                    )
                    to_archive.append(op)
                else:
                    outcomes.append(Outcome(op, "kept", 404, NOT_IN_HUBSPOT))
        if to_archive:
            try:
                self.client.archive([str(op.state["id"]) for op in to_archive])
            except HubSpotError as failure:
                verdict: Verdict = "failed" if failure.transient else "rejected"
                return outcomes + [Outcome(op, verdict, failure.status, failure.reason) for op in to_archive]
            outcomes += [Outcome(op, "ok", 204, None, {"archived": True}) for op in to_archive]
        return outcomes


def _context_values(error: dict[str, Any]) -> Iterator[str]:
    """Every string in a batch error's context (HubSpot names the inputs it refused there)."""
    for values in (error.get("context") or {}).values():
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str):
                yield value


def _millis(iso: Any) -> int:
    try:
        return int(datetime.fromisoformat(str(iso).replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 0


def open_hubspot(request: OpenRequest) -> HubSpotDestination:
    config, mapping = request.config, request.mapping
    assert isinstance(config, HubSpotConfig) and isinstance(mapping, HubSpotMapping)
    client = None
    if not request.offline:
        client = HubSpotClient(request.secrets["access_token"], config.base_url, config.requests_per_10s)
    return HubSpotDestination(config, mapping, client, request.full_resync)
