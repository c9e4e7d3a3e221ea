"""Klaviyo as a sync destination: one list kept equal to a model, profiles upserted by e-mail, consent never
touched.

- **Consent is never changed by a sync.** Profiles are written through profile import (one profile) or bulk
  profile import jobs, whose documents have no `subscriptions`: they cannot subscribe or unsubscribe anyone.
  List membership is set through the list's relationships, which Klaviyo documents as not giving consent
  when adding and not changing consent or subscription status when removing. The subscribe, unsubscribe and
  suppression endpoints are never called.
- **Upserts**: fewer than `bulk_threshold` go out one by one (`POST /api/profile-import`, `concurrency` at a
  time under its 75/s and 750/min limits), then join the list in calls of up to 1,000 ids; more go out as bulk
  import jobs of up to 10,000 profiles (and 5 MB) that add them to the list themselves, a few in flight,
  polled under the jobs' 10/s and 150/min limits. A job's import errors are permanent rejections.
- **Archives** (mirror mode) remove the profile from the list; the profile stays in Klaviyo as it is.
- **Remembered per key**: `id` (the profile id, when Klaviyo told it), `listed` (in the list, as far as
  Tapestry knows). Profiles without a known id are found by e-mail when they must leave the list.
- **Recovery**: a job is recorded in flight before it is waited on; a run killed meanwhile is collected by
  the next, which reads the job's status and import errors.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
from tapestry.destinations.klaviyo.client import KlaviyoClient, KlaviyoError
from tapestry.destinations.klaviyo.config import KlaviyoConfig, KlaviyoMapping

LIST_MAX = 1_000  # profiles per list relationships call
JOB_BYTES_MAX = 4_500_000  # under the 5 MB a job takes, with room for the envelope
NOT_IN_KLAVIYO = "not in Klaviyo: nothing to remove from the list"
JOB_WAIT_S = 3 * 3600.0  # a job not done in three hours is left for the next run to collect


@dataclass
class ProfileOp:
    row: PlannedRow
    email: str
    attributes: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)  # custom properties whose column is null: removed

    @property
    def key(self) -> str:
        return self.row.key

    @property
    def state(self) -> State:
        return self.row.state or {}

    def profile(self) -> dict[str, Any]:
        """The JSON:API profile document (no subscriptions: it cannot carry consent)."""
        attributes: dict[str, Any] = {"email": self.email, **self.attributes}
        if self.properties:
            attributes["properties"] = self.properties
        document: dict[str, Any] = {"type": "profile", "attributes": attributes}
        if self.unset:
            document["meta"] = {"patch_properties": {"unset": self.unset}}
        return document


def profile_op(row: PlannedRow, mapping: KlaviyoMapping) -> ProfileOp:
    if row.operation == "archive":
        return ProfileOp(row, row.key)
    values = row.values
    attributes: dict[str, Any] = {}
    for name, column in mapping.attributes.items():
        value = values.get(column)  # null clears the attribute in Klaviyo, as in the model
        if name.startswith("location."):
            attributes.setdefault("location", {})[name.split(".", 1)[1]] = value
        else:
            attributes[name] = value
    properties = {name: str(values[c]) for name, c in mapping.properties.items() if values.get(c) is not None}
    unset = sorted(name for name, c in mapping.properties.items() if values.get(c) is None)
    email = str(values.get(mapping.email) or "").strip(" ")  # as SQL trim(), which made the key
    return ProfileOp(row, email, attributes, properties, unset)


class KlaviyoDestination(ApiDestination[KlaviyoClient]):
    missing_client = ("this Klaviyo sync has no API key or list id", "set them, or run with --preview")

    def __init__(
        self,
        config: KlaviyoConfig,
        mapping: KlaviyoMapping,
        client: KlaviyoClient | None,
        full_resync: bool = False,
        poll_interval: tuple[float, float] = (0.5, 5.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.mapping = mapping
        super().__init__(client)  # None: a preview
        self.full_resync = full_resync
        self.poll_interval = poll_interval
        self.sleep = sleep

    @property
    def list_id(self) -> str:
        return self.config.list_id or "preview"

    # --- the protocol ------------------------------------------------------------------------------------

    def preflight(self) -> str:
        client = self.client
        try:
            found = client.get_list(self.list_id)
        except KlaviyoError as failure:
            if failure.status == 404:
                raise SyncError(
                    f"Klaviyo list {self.list_id!r} does not exist in this account",
                    "check destination.list_id (Klaviyo > Audience > Lists & segments > the list > Settings)",
                ) from None
            raise SyncError(
                f"Klaviyo at {client.base_url} is not usable: {failure.reason}",
                "check destination.api_url and the network, then rerun",
            ) from None
        name = str((found.get("attributes") or {}).get("name") or "")
        mapped = ", ".join([*self.mapping.attributes, *(f"properties.{p}" for p in self.mapping.properties)])
        return f"list {self.list_id} ({name}) reachable; writes email, {mapped}; consent is never changed"

    def describe(self, row: PlannedRow) -> dict[str, Any]:
        op = profile_op(row, self.mapping)
        if row.operation == "archive":
            return {"operation": "archive", "email": row.key, "remove_from_list": self.list_id}
        return {"operation": row.operation, "list": self.list_id, **op.profile()["attributes"], "unset": op.unset}

    def send(self, plan: Plan, session: Session) -> str:
        upserts = plan.counts.get("create", 0) + plan.counts.get("update", 0)
        bulk = upserts >= self.config.bulk_threshold
        ops = (profile_op(row, self.mapping) for row in plan.rows)
        archives: list[ProfileOp] = []

        def upserts_only() -> Iterator[ProfileOp]:
            for op in ops:
                if op.row.operation == "archive":
                    archives.append(op)  # archives come last in the plan: kept aside, removed in batches
                else:
                    yield op

        if bulk:
            self._send_jobs(upserts_only(), session)
        else:
            self._send_direct(upserts_only(), session)
        for chunk in chunked(archives, LIST_MAX):
            session.acknowledge([o.ack() for o in self._remove(chunk)])
        if not upserts:
            return "list"
        return "bulk" if bulk else "direct"

    def recover(self, job: str, records: Sequence[InFlight]) -> list[Ack] | None:
        """Collect a bulk import job a killed run submitted: its import errors are rejections, the rest landed
        (None: Klaviyo is still running it after the recovery wait)."""
        try:
            status = self._wait(job, self.recover_wait_s)
            if status == "cancelled":
                return []  # nothing landed: its profiles are simply sent again
            if status != "complete":
                return None
            placed = sorted(records, key=lambda r: int(r.record.get("n", -1)))
            emails = [str(r.record.get("email") or r.row.key) for r in placed]
            errors = self._errors_by_email(job, emails if all("n" in r.record for r in records) else [])
        except KlaviyoError:
            return []  # unknown or expired job: its profiles are simply sent again
        acks = []
        for entry in records:
            error = errors.get(entry.row.key)
            if error is not None:
                acks.append(Ack(entry.row, "rejected", 400, error))
            else:
                acks.append(Ack(entry.row, "ok", 202, None, {**(entry.row.state or {}), "listed": True}))
        return acks

    # --- direct path -------------------------------------------------------------------------------------

    def _send_direct(self, ops: Iterable[ProfileOp], session: Session) -> None:
        with ThreadPoolExecutor(max_workers=self.config.concurrency, thread_name_prefix="klaviyo") as pool:
            try:
                for chunk in chunked(ops, LIST_MAX):
                    outcomes = list(pool.map(self._import_one, chunk))
                    session.acknowledge([o.ack() for o in self._join_list(outcomes)])
            except BaseException:  # Ctrl-C or an error: profiles still queued are not sent
                pool.shutdown(wait=False, cancel_futures=True)
                raise

    def _import_one(self, op: ProfileOp) -> Outcome[ProfileOp]:
        try:
            status, profile = self.client.import_profile(op.profile())
        except KlaviyoError as failure:
            return Outcome(op, "failed" if failure.transient else "rejected", failure.status, failure.reason)
        profile_id = str(profile.get("id") or op.state.get("id") or "")
        state: dict[str, Any] = {**op.state, "listed": False}
        if profile_id:
            state["id"] = profile_id
        return Outcome(op, "ok", status, None, state)

    def _join_list(self, outcomes: list[Outcome[ProfileOp]]) -> list[Outcome[ProfileOp]]:
        """Imported profiles join the list (a profile is done when it is in the list)."""
        joining = [o for o in outcomes if o.verdict == "ok"]
        known = [o for o in joining if (o.state or {}).get("id")]
        unknown = [o for o in joining if not (o.state or {}).get("id")]
        if unknown:  # Klaviyo's answer had no id: look it up by e-mail
            try:
                ids = self.client.find_profiles([o.op.key for o in unknown])
            except KlaviyoError as failure:
                ids = {}
                for o in unknown:
                    o.verdict, o.status, o.reason = "failed", failure.status, failure.reason
            for o in unknown:
                if o.op.key in ids:
                    o.state = {**(o.state or {}), "id": ids[o.op.key]}
                    known.append(o)
                elif o.verdict == "ok":
                    o.verdict, o.reason = "failed", "Klaviyo did not say which profile it wrote"
        if known:
            try:
                self.client.add_to_list(self.list_id, [str((o.state or {})["id"]) for o in known])
            except KlaviyoError as failure:
                verdict: Verdict = "failed" if failure.transient else "rejected"
                for o in known:
                    o.verdict, o.status, o.reason = verdict, failure.status, failure.reason
            else:
                for o in known:
                    o.state = {**(o.state or {}), "listed": True}
        return outcomes

    # --- bulk path ---------------------------------------------------------------------------------------

    def _send_jobs(self, ops: Iterable[ProfileOp], session: Session) -> None:
        window: deque[tuple[str, list[ProfileOp]]] = deque()
        for chunk in _job_chunks(ops, self.config.job_size):
            job = self.client.submit_job([op.profile() for op in chunk], self.list_id)
            session.submitted(job, [(op.row, {"email": op.email, "n": n}) for n, op in enumerate(chunk)])
            window.append((job, chunk))
            if len(window) >= self.config.jobs_in_flight:
                self._finish_job(*window.popleft(), session)
        while window:
            self._finish_job(*window.popleft(), session)

    def _wait(self, job: str, within: float = JOB_WAIT_S) -> str:
        """Poll a job until it is complete or cancelled (its status; `processing` when it outlasts the wait)."""
        delay, ceiling = self.poll_interval
        waited = 0.0
        while True:
            status = str(self.client.job(job).get("status") or "")
            if status in ("complete", "cancelled") or waited >= within:
                return status
            self.sleep(delay)
            waited += delay
            delay = min(ceiling, delay * 1.5)

    def _errors_by_email(self, job: str, emails: list[str]) -> dict[str, str]:
        """Key -> `Title: detail` of every profile the job refused."""
        refused: dict[str, str] = {}
        for error in self.client.job_errors(job):
            reason = f"{str(error.get('title') or 'Import error').rstrip('.')}: {error.get('detail') or ''}"
            payload = error.get("original_payload") or {}
            email = str((payload.get("attributes") or {}).get("email") or "")
            if not email:  # no payload: the pointer names the profile's place in the job
                pointer = str((error.get("source") or {}).get("pointer") or "").split("/")
                position = next((int(p) for p in pointer if p.isdigit()), -1)
                email = emails[position] if 0 <= position < len(emails) else ""
            if email:
                refused[email.strip().lower()] = reason
        return refused

    def _finish_job(self, job: str, chunk: list[ProfileOp], session: Session) -> None:
        status = self._wait(job)
        if status != "complete":
            reason = "import job cancelled by Klaviyo" if status == "cancelled" else "import job not done in time"
            session.acknowledge([Outcome(op, "failed", None, reason).ack() for op in chunk], job=job)
            return
        refused = self._errors_by_email(job, [op.email for op in chunk])
        outcomes = [
            Outcome(op, "rejected", 400, refused[op.key])
            if op.key in refused
            else Outcome(op, "ok", 202, None, {**op.state, "listed": True})
            for op in chunk
        ]
        session.acknowledge([o.ack() for o in outcomes], job=job)

    # --- archives: out of the list -----------------------------------------------------------------------

    def _remove(self, ops: list[ProfileOp]) -> list[Outcome[ProfileOp]]:
        outcomes: list[Outcome[ProfileOp]] = []
        ids = {op.key: str(op.state["id"]) for op in ops if op.state.get("id")}
        unknown = [op.key for op in ops if op.key not in ids]
        try:
            if unknown:
                ids.update(self.client.find_profiles(unknown))
            leaving = [op for op in ops if op.key in ids]
            if leaving:
                self.client.remove_from_list(self.list_id, [ids[op.key] for op in leaving])
        except KlaviyoError as failure:
            verdict: Verdict = "failed" if failure.transient else "rejected"
            return [Outcome(op, verdict, failure.status, failure.reason) for op in ops]
        for op in ops:
            if op.key in ids:
                outcomes.append(Outcome(op, "ok", 204, None, {**op.state, "id": ids[op.key], "listed": False}))
            else:
                outcomes.append(Outcome(op, "kept", 404, NOT_IN_KLAVIYO))
        return outcomes


def _job_chunks(ops: Iterable[ProfileOp], size: int) -> Iterator[list[ProfileOp]]:
    """Jobs of at most `size` profiles and under Klaviyo's 5 MB per job."""
    chunk: list[ProfileOp] = []
    weight = 0
    for op in ops:
        cost = len(json.dumps(op.profile())) + 2
        if chunk and (len(chunk) >= size or weight + cost > JOB_BYTES_MAX):
            yield chunk
            chunk, weight = [], 0
        chunk.append(op)
        weight += cost
    if chunk:
        yield chunk


def open_klaviyo(request: OpenRequest) -> KlaviyoDestination:
    config, mapping = request.config, request.mapping
    assert isinstance(config, KlaviyoConfig) and isinstance(mapping, KlaviyoMapping)
    client = None
    if not request.offline:
        client = KlaviyoClient(request.secrets["api_key"], config.base_url)
    return KlaviyoDestination(config, mapping, client, request.full_resync)
