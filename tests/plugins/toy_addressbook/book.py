"""The address book: `{"token", "fields", "blocked", "next_id", "records": {id: {...}}, "jobs": {job: results}}`.

A job applies many rows at once and keeps its results in the file (as an import API keeps a job's report):
a run killed after the job landed finds them again with `recover`. Records are addressed by the id the book
assigned, which the sync core remembers per key; a key the book blocks is refused for good.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tapestry.core.errors import SyncError
from tapestry.destinations.base import Ack, InFlight, OpenRequest, Plan, PlannedRow, Session, State


class AddressBook:
    def __init__(self, request: OpenRequest) -> None:
        self.config = request.config
        self.mapping = request.mapping
        self.token = request.secrets.get("token")
        self.path = Path(str(getattr(self.config, "path", "") or "book.json"))
        self.requests = 0
        self.jobs_done = 0

    def _read(self) -> dict[str, Any]:
        self.requests += 1
        try:
            book: dict[str, Any] = json.loads(self.path.read_text())
        except FileNotFoundError:
            raise SyncError(f"no address book at {self.path}", "create it, or fix destination.path") from None
        if book.get("token") != self.token:
            raise SyncError("the address book refused the token", "check ADDRESSBOOK_TOKEN")
        return book

    def _write(self, book: dict[str, Any]) -> None:
        self.requests += 1
        self.path.write_text(json.dumps(book, indent=1, sort_keys=True))

    def preflight(self) -> str:
        book = self._read()
        fields = getattr(self.mapping, "fields", {})
        unknown = sorted(set(fields) - set(book.get("fields", [])))
        if unknown:
            raise SyncError(f"the address book has no field {', '.join(unknown)}", "add it to the book")
        return f"book {self.path.name} open, fields {', '.join(fields)} exist"

    def describe(self, row: PlannedRow) -> dict[str, Any]:
        return {"operation": row.operation, "key": row.key, "fields": self._fields(row)}

    def _fields(self, row: PlannedRow) -> dict[str, Any]:
        fields: dict[str, str] = getattr(self.mapping, "fields", {})
        return {name: row.values.get(column) for name, column in fields.items()}

    def send(self, plan: Plan, session: Session) -> str:
        job: list[PlannedRow] = []
        size = int(getattr(self.config, "job_size", 50))
        for row in plan.rows:
            job.append(row)
            if len(job) >= size:
                self._run_job(job, session)
                job = []
        if job:
            self._run_job(job, session)
        return "jobs"

    def _run_job(self, rows: list[PlannedRow], session: Session) -> None:
        job = uuid.uuid4().hex[:10]
        session.submitted(job, [(row, {"fields": self._fields(row)}) for row in rows])
        book = self._read()
        results = {}
        for row in rows:
            results[row.key] = self._apply(book, row)
        book["jobs"][job] = results
        self._write(book)
        self.jobs_done += 1
        crash_after = getattr(self.config, "crash_after_jobs", None)
        if crash_after is not None and self.jobs_done >= crash_after:
            raise KeyboardInterrupt  # killed after the job landed, before its acknowledgement
        session.acknowledge([self._ack(row, results[row.key]) for row in rows], job=job)

    def _apply(self, book: dict[str, Any], row: PlannedRow) -> dict[str, Any]:
        if row.key in book.get("blocked", []):
            return {"status": "rejected", "reason": "Blocked: this address may not be stored"}
        known = (row.state or {}).get("id")
        if row.operation == "archive":
            book["records"].pop(str(known), None)
            return {"status": "ok"}
        record_id = str(known) if known is not None and str(known) in book["records"] else None
        if record_id is None:
            record_id = str(book["next_id"])
            book["next_id"] += 1
            book["records"][record_id] = {"key": row.key, "writes": 0}
        record = book["records"][record_id]
        record["fields"] = self._fields(row)
        record["writes"] += 1
        return {"status": "ok", "id": record_id}

    @staticmethod
    def _ack(row: PlannedRow, result: dict[str, Any]) -> Ack:
        if result["status"] == "rejected":
            return Ack(row, "rejected", 403, result["reason"])
        state: State | None = {"id": result["id"]} if "id" in result else None
        return Ack(row, "ok", 200, state=state)

    def recover(self, job: str, records: Sequence[InFlight]) -> list[Ack]:
        results = self._read().get("jobs", {}).get(job)
        if results is None:
            return []
        return [self._ack(entry.row, results[entry.row.key]) for entry in records if entry.row.key in results]

    def close(self) -> None:
        pass
