"""The sync core's tables in the warehouse (schema `tapestry_sync`), in SQL that runs unchanged on DuckDB
and Snowflake. Every row carries the sync's `sync_id` (its destination's identity, `<type>:<object>`).

- snapshot:    per key, the row hash the destination acknowledged, and when.
- key_state:   per key, what the destination asked to remember (a JSON document it alone reads: ids,
               consent status, tags sent). It outlives the snapshot row: a key that left and comes back
               finds it again.
- runs:        one row per sync run: times, planned and done counts per operation (removals the
               destination left in place: `kept`), permanent refusals (`rejected`) and transient
               failures retried by the next run (`failed`), status, error.
- changelog:   one row per operation: result, status code, error.
- rejections:  keys the destination refused for a reason retrying will not fix, with its reason, first/last
               seen and attempts. They are not sent again until their row changes.
- in_flight:   keys of jobs submitted to the destination (batches, imports) and not yet acknowledged, with
               the destination's record of each, so a rerun after a crash collects the job's results
               instead of sending those keys again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tapestry.core.warehouse import Warehouse
from tapestry.engines.sync.protocol import InFlight, PlannedRow, State

SCHEMA = "tapestry_sync"
TS = "timestamp with time zone"

TABLES: dict[str, str] = {
    "snapshot": f"sync_id varchar, key varchar, row_hash varchar, acked_at {TS}",
    "key_state": f"sync_id varchar, key varchar, state varchar, updated_at {TS}",
    "runs": (
        f"run_id varchar, sync_id varchar, started_at {TS}, finished_at {TS}, status varchar, mode varchar, "
        "preview boolean, full_resync boolean, planned_create bigint, planned_update bigint, "
        "planned_archive bigint, created bigint, updated bigint, archived bigint, kept bigint, rejected bigint, "
        "failed bigint, requests bigint, error varchar"
    ),
    "changelog": (
        f"run_id varchar, sync_id varchar, key varchar, operation varchar, result varchar, "
        f"status_code bigint, error varchar, logged_at {TS}"
    ),
    "rejections": (
        f"sync_id varchar, key varchar, row_hash varchar, reason varchar, status_code bigint, "
        f"first_seen_at {TS}, last_seen_at {TS}, attempts bigint"
    ),
    "in_flight": (
        f"sync_id varchar, job_id varchar, key varchar, operation varchar, row_hash varchar, record varchar, "
        f"submitted_at {TS}"
    ),
}

# Columns added after a table was first released: (table, column, type). Warehouses created by an older
# Tapestry get them on the next run.
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (("runs", "kept", "bigint"),)

# Work tables are rebuilt by every commit: their rows only ever exist inside one run.
ACK_COLUMNS = ("key", "row_hash", "operation")
STATE_COLUMNS = ("key", "state")
CHANGE_COLUMNS = ("key", "operation", "result", "status_code", "error")
REJECT_COLUMNS = ("key", "row_hash", "reason", "status_code")
WORK_TABLES = ("acks", "states", "rejects", "changes", "in_flight")


def table(name: str) -> str:
    return f"{SCHEMA}.{name}"


def ensure_schema(warehouse: Warehouse) -> None:
    from tapestry.engines.sync import legacy

    warehouse.execute(f"create schema if not exists {SCHEMA}")
    for name, columns in TABLES.items():
        warehouse.execute(f"create table if not exists {table(name)} ({columns})")
    for name, column, type_ in ADDED_COLUMNS:
        # `add column if not exists` is not portable: look first (an existing table keeps its rows)
        if column not in warehouse.columns(f"select * from {table(name)} where 1 = 0"):
            warehouse.execute(f"alter table {table(name)} add column {column} {type_}")
    legacy.upgrade(warehouse)


def dump_state(state: State | None) -> str | None:
    return None if state is None else json.dumps(dict(state), ensure_ascii=False, sort_keys=True)


def load_state(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        loaded = json.loads(text)
    except ValueError:
        return None  # not ours to interpret: the destination starts afresh for this key
    return loaded if isinstance(loaded, dict) else None


@dataclass(frozen=True)
class Commit:
    """One acknowledged key, as the core records it."""

    key: str
    operation: str
    row_hash: str | None
    verdict: str  # ok, kept, rejected, failed
    status_code: int | None = None
    reason: str | None = None
    state: str | None = None  # JSON; None: unchanged

    @property
    def moves_snapshot(self) -> bool:
        # A refused archive leaves the snapshot all the same: the key left the model, and the archive would be
        # refused again on every run.
        return self.verdict in ("ok", "kept") or (self.verdict == "rejected" and self.operation == "archive")


class SyncState:
    """Reads and writes one sync's rows in the state tables."""

    def __init__(self, warehouse: Warehouse, sync_id: str, slug: str) -> None:
        self.warehouse = warehouse
        self.sync_id = sync_id
        self.slug = slug

    def work_table(self, purpose: str) -> str:
        return table(f"{purpose}_{self.slug}")

    def _stage(self, purpose: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
        name = self.work_table(purpose)
        self.warehouse.execute(f"create or replace table {name} ({', '.join(f'{c} varchar' for c in columns)})")
        self.warehouse.insert_rows(name, columns, [[None if v is None else str(v) for v in r] for r in rows])
        return name

    def commit(self, run_id: str, now: datetime, commits: Sequence[Commit], clear_job: str | None = None) -> None:
        """Record acknowledged keys, their state, the changelog and rejections in one transaction."""
        if not (commits or clear_job):
            return
        wh = self.warehouse
        moved = [c for c in commits if c.moves_snapshot]
        states = [(c.key, c.state) for c in commits if c.state is not None and c.verdict != "failed"]
        rejections = [c for c in commits if c.verdict == "rejected"]
        # Work tables first: DDL would end a transaction on Snowflake, so only DML runs inside it.
        staged_acks = (
            self._stage("acks", ACK_COLUMNS, [(c.key, c.row_hash, c.operation) for c in moved]) if moved else None
        )
        staged_states = self._stage("states", STATE_COLUMNS, states) if states else None
        staged_rejects = (
            self._stage(
                "rejects",
                REJECT_COLUMNS,
                [(c.key, c.row_hash, c.reason or "rejected", c.status_code) for c in rejections],
            )
            if rejections
            else None
        )
        staged_changes = (
            self._stage(
                "changes", CHANGE_COLUMNS, [(c.key, c.operation, c.verdict, c.status_code, c.reason) for c in commits]
            )
            if commits
            else None
        )
        snapshot, rejected, changelog, key_state = (
            table("snapshot"),
            table("rejections"),
            table("changelog"),
            table("key_state"),
        )
        with wh.transaction():
            if staged_acks:
                wh.execute(
                    f"delete from {snapshot} where sync_id = ? and key in (select key from {staged_acks})",
                    [self.sync_id],
                )
                wh.execute(
                    f"insert into {snapshot} (sync_id, key, row_hash, acked_at) "
                    f"select ?, key, row_hash, ? from {staged_acks} where operation <> 'archive'",
                    [self.sync_id, now],
                )
                # an acknowledged row is no longer rejected (a refused archive is recorded afresh below)
                wh.execute(
                    f"delete from {rejected} where sync_id = ? and key in (select key from {staged_acks})",
                    [self.sync_id],
                )
            if staged_states:
                wh.execute(
                    f"delete from {key_state} where sync_id = ? and key in (select key from {staged_states})",
                    [self.sync_id],
                )
                wh.execute(
                    f"insert into {key_state} (sync_id, key, state, updated_at) "
                    f"select ?, key, state, ? from {staged_states}",
                    [self.sync_id, now],
                )
            if staged_rejects:
                wh.execute(
                    f"update {rejected} set row_hash = s.row_hash, reason = s.reason, "
                    "status_code = cast(s.status_code as bigint), last_seen_at = ?, attempts = attempts + 1 "
                    f"from {staged_rejects} s where {rejected}.sync_id = ? and {rejected}.key = s.key",
                    [now, self.sync_id],
                )
                wh.execute(
                    f"insert into {rejected} "
                    "(sync_id, key, row_hash, reason, status_code, first_seen_at, last_seen_at, attempts) "
                    f"select ?, s.key, s.row_hash, s.reason, cast(s.status_code as bigint), ?, ?, 1 "
                    f"from {staged_rejects} s "
                    f"where not exists (select 1 from {rejected} r where r.sync_id = ? and r.key = s.key)",
                    [self.sync_id, now, now, self.sync_id],
                )
            if staged_changes:
                wh.execute(
                    f"insert into {changelog} (run_id, sync_id, key, operation, result, status_code, error, logged_at) "
                    f"select ?, ?, key, operation, result, cast(status_code as bigint), error, ? "
                    f"from {staged_changes}",
                    [run_id, self.sync_id, now],
                )
            if clear_job is not None:
                wh.execute(
                    f"delete from {table('in_flight')} where sync_id = ? and job_id = ?", [self.sync_id, clear_job]
                )

    # --- runs --------------------------------------------------------------------------------------

    def start_run(self, run_id: str, now: datetime, mode: str, preview: bool, full_resync: bool) -> None:
        self.warehouse.execute(
            f"insert into {table('runs')} (run_id, sync_id, started_at, status, mode, preview, full_resync, "
            "planned_create, planned_update, planned_archive, created, updated, archived, kept, rejected, failed, "
            "requests) values (?, ?, ?, 'running', ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
            [run_id, self.sync_id, now, mode, preview, full_resync],
        )

    def finish_run(self, run_id: str, now: datetime, status: str, counts: dict[str, int], error: str | None) -> None:
        columns = [
            "planned_create",
            "planned_update",
            "planned_archive",
            "created",
            "updated",
            "archived",
            "kept",
            "rejected",
            "failed",
            "requests",
        ]
        assignments = ", ".join(f"{c} = ?" for c in columns)
        self.warehouse.execute(
            f"update {table('runs')} set finished_at = ?, status = ?, error = ?, {assignments} "
            "where run_id = ? and sync_id = ?",
            [now, status, error, *(int(counts.get(c, 0)) for c in columns), run_id, self.sync_id],
        )

    # --- jobs in flight ----------------------------------------------------------------------------

    def record_in_flight(self, job_id: str, records: Sequence[tuple[PlannedRow, State]], now: datetime) -> None:
        """Remember what a submitted job carries, per key, with the destination's record of it."""
        columns = ("key", "operation", "row_hash", "record")
        staged = self._stage(
            "in_flight", columns, [(row.key, row.operation, row.row_hash, dump_state(rec)) for row, rec in records]
        )
        self.warehouse.execute(
            f"insert into {table('in_flight')} (sync_id, job_id, key, operation, row_hash, record, submitted_at) "
            f"select ?, ?, key, operation, row_hash, record, ? from {staged}",
            [self.sync_id, job_id, now],
        )

    def in_flight_jobs(self) -> list[str]:
        rows = self.warehouse.query(
            f"select job_id, min(submitted_at) from {table('in_flight')} where sync_id = ? group by job_id "
            "order by 2, 1",
            [self.sync_id],
        )
        return [str(job) for job, _ in rows]

    def in_flight(self, job_id: str) -> list[InFlight]:
        """A job's keys, each with the state remembered for it (still the one from before it was sent)."""
        rows = self.warehouse.query(
            f"select f.key, f.operation, f.row_hash, f.record, s.state from {table('in_flight')} f "
            f"left join {table('key_state')} s on s.sync_id = f.sync_id and s.key = f.key "
            "where f.sync_id = ? and f.job_id = ? order by f.key",
            [self.sync_id, job_id],
        )
        return [
            InFlight(
                PlannedRow(key=str(key), operation=operation, row_hash=row_hash, state=load_state(state)),
                load_state(record) or {},
            )
            for key, operation, row_hash, record, state in rows
        ]

    def drop_work_tables(self) -> None:
        for purpose in WORK_TABLES:
            self.warehouse.execute(f"drop table if exists {self.work_table(purpose)}")
