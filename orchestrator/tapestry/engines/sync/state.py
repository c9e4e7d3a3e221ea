"""The sync engine's tables in the warehouse (schema `tapestry_sync`), in SQL that runs unchanged on
DuckDB and Snowflake.

- snapshot:    per sync and key, the row hash (and tags) the destination acknowledged, and when.
- runs:        one row per sync run: times, planned and done counts per operation (archives kept back
               because the member is not subscribed: `kept`), permanent refusals (`rejected`) and
               transient failures retried by the next run (`failed`), status, error.
- changelog:   one row per operation sent: result, HTTP status, error.
- rejections:  keys the destination refused for a reason retrying will not fix (invalid e-mail,
               compliance state, forgotten member, merge field rules, an archive Mailchimp refuses),
               with Mailchimp's reason, first/last seen and attempts. They are not sent again until
               their row changes.
- members:     per key, the last subscription status Mailchimp reported and whether Tapestry archived
               the member: a returning member is re-added with that status, never blindly subscribed.
- inflight:    bulk operations submitted but not yet committed, so a rerun after a crash collects the
               batch's results instead of sending those members again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tapestry.core.warehouse import Warehouse

SCHEMA = "tapestry_sync"
TS = "timestamp with time zone"

TABLES: dict[str, str] = {
    "snapshot": f"sync_id varchar, key varchar, row_hash varchar, tags varchar, acked_at {TS}",
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
    "members": f"sync_id varchar, key varchar, status varchar, archived_by_tapestry boolean, seen_at {TS}",
    "inflight": (
        f"sync_id varchar, batch_id varchar, key varchar, operation varchar, row_hash varchar, "
        f"tags varchar, stage varchar, submitted_at {TS}"
    ),
}

# Columns added after a table was first released: (table, column, type). Warehouses created by an older
# Tapestry get them on the next run.
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (("runs", "kept", "bigint"),)

# Work tables are rebuilt by every run: their rows only ever exist inside one run.
ACK_COLUMNS = ("key", "row_hash", "tags", "operation")
STATUS_COLUMNS = ("key", "status", "archived")
CHANGE_COLUMNS = ("key", "operation", "result", "status_code", "error")
REJECT_COLUMNS = ("key", "row_hash", "reason", "status_code")


def table(name: str) -> str:
    return f"{SCHEMA}.{name}"


def ensure_schema(warehouse: Warehouse) -> None:
    warehouse.execute(f"create schema if not exists {SCHEMA}")
    for name, columns in TABLES.items():
        warehouse.execute(f"create table if not exists {table(name)} ({columns})")
    for name, column, type_ in ADDED_COLUMNS:
        # `add column if not exists` is not portable: look first (an existing table keeps its rows)
        if column not in warehouse.columns(f"select * from {table(name)} where 1 = 0"):
            warehouse.execute(f"alter table {table(name)} add column {column} {type_}")


@dataclass
class Ack:
    key: str
    row_hash: str | None  # None for an archive: the key leaves the snapshot
    tags: str | None
    operation: str  # an "archive" ack removes the key from the snapshot (archived or kept in Mailchimp)
    member_status: str | None = None  # what Mailchimp reported for the member, when it said
    archived: bool = False  # Tapestry archived the member (its member_status is the one before)


@dataclass
class Change:
    key: str
    operation: str
    result: str  # ok, kept, rejected, failed
    status_code: int | None
    error: str | None


@dataclass
class Rejection:
    key: str
    row_hash: str | None
    reason: str
    status_code: int | None


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

    def commit(
        self,
        run_id: str,
        now: datetime,
        acks: Sequence[Ack],
        changes: Sequence[Change],
        rejections: Sequence[Rejection],
        clear_inflight_batch: str | None = None,
    ) -> None:
        """Record acknowledged members, the changelog and rejections in one transaction."""
        if not (acks or changes or rejections or clear_inflight_batch):
            return
        wh = self.warehouse
        # Work tables first: DDL would end a transaction on Snowflake, so only DML runs inside it.
        staged_acks = (
            self._stage("acks", ACK_COLUMNS, [(a.key, a.row_hash, a.tags, a.operation) for a in acks]) if acks else None
        )
        statuses = [(a.key, a.member_status, "true" if a.archived else "false") for a in acks if a.member_status]
        staged_statuses = self._stage("statuses", STATUS_COLUMNS, statuses) if statuses else None
        staged_rejects = (
            self._stage("rejects", REJECT_COLUMNS, [(r.key, r.row_hash, r.reason, r.status_code) for r in rejections])
            if rejections
            else None
        )
        staged_changes = (
            self._stage(
                "changes", CHANGE_COLUMNS, [(c.key, c.operation, c.result, c.status_code, c.error) for c in changes]
            )
            if changes
            else None
        )
        snapshot, rejected, changelog = table("snapshot"), table("rejections"), table("changelog")
        members = table("members")
        with wh.transaction():
            if staged_acks:
                wh.execute(
                    f"delete from {snapshot} where sync_id = ? and key in (select key from {staged_acks})",
                    [self.sync_id],
                )
                wh.execute(
                    f"insert into {snapshot} (sync_id, key, row_hash, tags, acked_at) "
                    f"select ?, key, row_hash, tags, ? from {staged_acks} where operation <> 'archive'",
                    [self.sync_id, now],
                )
                # an acknowledged row is no longer rejected
                wh.execute(
                    f"delete from {rejected} where sync_id = ? and key in (select key from {staged_acks})",
                    [self.sync_id],
                )
            if staged_statuses:
                wh.execute(
                    f"delete from {members} where sync_id = ? and key in (select key from {staged_statuses})",
                    [self.sync_id],
                )
                wh.execute(
                    f"insert into {members} (sync_id, key, status, archived_by_tapestry, seen_at) "
                    f"select ?, key, status, archived = 'true', ? from {staged_statuses}",
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
            if clear_inflight_batch is not None:
                wh.execute(
                    f"delete from {table('inflight')} where sync_id = ? and batch_id = ?",
                    [self.sync_id, clear_inflight_batch],
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

    # --- inflight bulk batches ---------------------------------------------------------------------

    def record_inflight(self, batch_id: str, rows: Sequence[tuple[Ack, str]], now: datetime) -> None:
        """Remember what a submitted batch carries. `stage` per row: `final` when an ok result
        acknowledges the member, `first` when a second call (tags) must follow."""
        columns = (*ACK_COLUMNS, "stage")
        staged = self._stage(
            "inflight", columns, [(a.key, a.row_hash, a.tags, a.operation, stage) for a, stage in rows]
        )
        self.warehouse.execute(
            f"insert into {table('inflight')} (sync_id, batch_id, key, operation, row_hash, tags, stage, "
            f"submitted_at) select ?, ?, key, operation, row_hash, tags, stage, ? from {staged}",
            [self.sync_id, batch_id, now],
        )

    def inflight_batches(self) -> list[str]:
        rows = self.warehouse.query(
            f"select distinct batch_id from {table('inflight')} where sync_id = ? order by 1", [self.sync_id]
        )
        return [str(b) for (b,) in rows]

    def inflight_rows(self, batch_id: str) -> list[tuple[Ack, str]]:
        rows = self.warehouse.query(
            f"select key, row_hash, tags, operation, stage from {table('inflight')} where sync_id = ? and batch_id = ?",
            [self.sync_id, batch_id],
        )
        return [(Ack(str(k), h, t, str(o)), str(st)) for k, h, t, o, st in rows]

    def drop_work_tables(self) -> None:
        for purpose in ("acks", "statuses", "rejects", "changes", "inflight"):
            self.warehouse.execute(f"drop table if exists {self.work_table(purpose)}")
