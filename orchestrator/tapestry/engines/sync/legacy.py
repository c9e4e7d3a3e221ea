"""Sync state written before destinations were plugins, moved into the generic tables in place.

Before, the only destination's per-key facts had their own places: `snapshot.tags` (the tags a key was
acknowledged with, JSON), the `members` table (the status the destination last reported and whether Tapestry
archived the key) and `inflight` (bulk batches: batch_id, tags, stage). They become the `key_state` document
`{"tags", "status", "archived_by_tapestry"}` and the `in_flight` record `{"stage", "tags"}`: the same fields,
read by the same destination's plugin. Snapshot row hashes are untouched, so nothing is sent again.

Safe to stop at any point and to repeat: rows are added only for keys the new tables do not hold yet, in
one transaction, and the old tables and column are dropped only after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tapestry.core.warehouse import Row, Warehouse
from tapestry.engines.sync.state import SCHEMA, table

BATCH = 10_000


def upgrade(warehouse: Warehouse) -> None:
    members = warehouse.table_exists(SCHEMA, "members")
    tags = "tags" in warehouse.columns(f"select * from {table('snapshot')} where 1 = 0")
    if members or tags:
        _adopt_key_state(warehouse, members, tags)
    if warehouse.table_exists(SCHEMA, "inflight"):
        _adopt_in_flight(warehouse)


def _json_list(text: Any) -> list[Any] | None:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, list) else None


def _key_states(warehouse: Warehouse, members: bool, tags: bool) -> Iterator[list[tuple[str, str, str]]]:
    nothing = f"from {table('snapshot')} where 1 = 0"
    m = (
        f"select sync_id, key, status, archived_by_tapestry from {table('members')}"
        if members
        else f"select sync_id, key, cast(null as varchar) as status, cast(null as boolean) as archived_by_tapestry "
        f"{nothing}"
    )
    s = (
        f"select sync_id, key, tags from {table('snapshot')} where tags is not null"
        if tags
        else f"select sync_id, key, cast(null as varchar) as tags {nothing}"
    )
    sql = (
        "select coalesce(m.sync_id, s.sync_id), coalesce(m.key, s.key), m.key is not null, m.status, "
        f"m.archived_by_tapestry, s.tags from ({m}) m full outer join ({s}) s "
        "on m.sync_id = s.sync_id and m.key = s.key"
    )
    for rows in warehouse.query_batches(sql, batch_size=BATCH):
        yield [_key_state(row) for row in rows]


def _key_state(row: Row) -> tuple[str, str, str]:
    sync_id, key, seen, status, archived, tags = row
    state: dict[str, Any] = {}
    listed = _json_list(tags)
    if listed is not None:
        state["tags"] = listed
    if seen and status:
        state["status"] = str(status)
        state["archived_by_tapestry"] = bool(archived)
    return str(sync_id), str(key), json.dumps(state, ensure_ascii=False, sort_keys=True)


def _adopt_key_state(warehouse: Warehouse, members: bool, tags: bool) -> None:
    staged = _stage(warehouse, "upgrade_key_state", ("sync_id", "key", "state"), _key_states(warehouse, members, tags))
    key_state = table("key_state")
    with warehouse.transaction():
        warehouse.execute(
            f"insert into {key_state} (sync_id, key, state, updated_at) select u.sync_id, u.key, u.state, ? "
            f"from {staged} u where not exists "
            f"(select 1 from {key_state} k where k.sync_id = u.sync_id and k.key = u.key)",
            [datetime.now(UTC)],
        )
    warehouse.execute(f"drop table if exists {staged}")
    if members:
        warehouse.execute(f"drop table if exists {table('members')}")
    if tags:
        warehouse.execute(f"alter table {table('snapshot')} drop column tags")


def _in_flight(warehouse: Warehouse) -> Iterator[list[tuple[Any, ...]]]:
    sql = f"select sync_id, batch_id, key, operation, row_hash, tags, stage from {table('inflight')}"
    for rows in warehouse.query_batches(sql, batch_size=BATCH):
        yield [
            (sync_id, job, key, operation, row_hash, json.dumps({"stage": stage, "tags": _json_list(tags) or []}))
            for sync_id, job, key, operation, row_hash, tags, stage in rows
        ]


def _adopt_in_flight(warehouse: Warehouse) -> None:
    columns = ("sync_id", "job_id", "key", "operation", "row_hash", "record")
    staged = _stage(warehouse, "upgrade_in_flight", columns, _in_flight(warehouse))
    in_flight = table("in_flight")
    with warehouse.transaction():
        warehouse.execute(
            f"insert into {in_flight} (sync_id, job_id, key, operation, row_hash, record, submitted_at) "
            f"select u.sync_id, u.job_id, u.key, u.operation, u.row_hash, u.record, ? from {staged} u "
            f"where not exists (select 1 from {in_flight} f "
            "where f.sync_id = u.sync_id and f.job_id = u.job_id and f.key = u.key)",
            [datetime.now(UTC)],
        )
    warehouse.execute(f"drop table if exists {staged}")
    warehouse.execute(f"drop table if exists {table('inflight')}")


def _stage(warehouse: Warehouse, name: str, columns: tuple[str, ...], batches: Iterator[list[tuple[Any, ...]]]) -> str:
    staged = table(name)
    warehouse.execute(f"create or replace table {staged} ({', '.join(f'{c} varchar' for c in columns)})")
    for rows in batches:  # streamed, as the sync streams its plan
        warehouse.insert_rows(staged, columns, [[None if v is None else str(v) for v in r] for r in rows])
    return staged
