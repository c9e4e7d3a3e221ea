"""The diff, computed inside the warehouse: only new, changed and removed rows leave it."""

from __future__ import annotations

from collections.abc import Iterator

from tapestry.core.errors import SyncError
from tapestry.core.warehouse import Warehouse
from tapestry.engines.sync.protocol import PlannedRow
from tapestry.engines.sync.spec import SyncSpec
from tapestry.engines.sync.state import SyncState, load_state, table

SEP = "chr(31)"
DUPLICATES_SHOWN = 3  # keys named in the error: enough to find the cause, short enough for one line


def check_model(warehouse: Warehouse, spec: SyncSpec) -> int:
    """Refuse a model whose key is null, empty or duplicated, or that lacks a mapped column."""
    available = set(warehouse.columns(f"select * from {spec.model}"))
    missing = [c for c in spec.columns if c.lower() not in available]
    if missing:
        raise SyncError(
            f"sync model {spec.model} has no column {', '.join(repr(m) for m in missing)}",
            f"map existing columns in sync.mapping (the model has: {', '.join(sorted(available))})",
        )
    key = _key_expr(spec)
    total, distinct, null_keys = warehouse.query(
        f"select count(*), count(distinct {key}), count(*) - count({key}) from {spec.model}"
    )[0]
    if null_keys:
        raise SyncError(
            f"sync model {spec.model} has {null_keys} rows with an empty {spec.key_column}; nothing was sent",
            "filter them out in the model (the sync key must be present on every row)",
        )
    if int(total) != int(distinct):
        duplicated = f"select {key} as key from {spec.model} group by 1 having count(*) > 1"
        keys = int(warehouse.query(f"select count(*) from ({duplicated})")[0][0])
        examples = [str(v) for (v,) in warehouse.query(f"{duplicated} order by 1 limit {DUPLICATES_SHOWN}")]
        more = f" and {keys - len(examples):,} more" if keys > len(examples) else ""
        raise SyncError(
            f"sync model {spec.model} has {int(total) - int(distinct)} duplicate values of "
            f"lower(trim({spec.key_column})) ({', '.join(examples)}{more}); nothing was sent",
            f"make the model one row per {spec.key_column} (the bundled audience keeps one person per e-mail)",
        )
    return int(total)


def snapshot_size(warehouse: Warehouse, spec: SyncSpec) -> int:
    """How many members the destination acknowledged for this sync."""
    return int(warehouse.query(f"select count(*) from {table('snapshot')} where sync_id = ?", [spec.sync_id])[0][0])


def _key_expr(spec: SyncSpec) -> str:
    return f"nullif(lower(trim({spec.key_column})), '')"


def _hash_expr(spec: SyncSpec) -> str:
    parts = [f"'{spec.mapping_hash}'"]
    for column in spec.columns:
        parts.append(f"coalesce('v' || cast({column} as varchar), 'n')")
    return "md5(" + f" || {SEP} || ".join(parts) + ")"


def build_plan(warehouse: Warehouse, spec: SyncSpec, state: SyncState, full_resync: bool = False) -> dict[str, int]:
    """Materialise this sync's pending operations in a work table; return counts per operation."""
    value_cols = [f"cast({column} as varchar) as v_{i}" for i, column in enumerate(spec.columns)]
    model_select = ", ".join([f"{_key_expr(spec)} as key", *value_cols, f"{_hash_expr(spec)} as row_hash"])
    changed = "1 = 1" if full_resync else "m.row_hash <> s.row_hash"
    skip_rejected = (
        ""
        if full_resync
        else f"and not exists (select 1 from {table('rejections')} r "
        "where r.sync_id = ? and r.key = m.key and r.row_hash = m.row_hash)"
    )
    archive = "" if spec.mode == "mirror" and not full_resync else "and m.key is not null"
    pending = state.work_table("pending")
    values = "".join(f", m.v_{i}" for i in range(len(value_cols)))
    params: list[object] = [spec.sync_id, spec.sync_id]
    if skip_rejected:
        params.append(spec.sync_id)
    params.append(spec.sync_id)
    warehouse.execute(
        f"create or replace table {pending} as "
        f"with m as (select {model_select} from {spec.model}), "
        f"s as (select key, row_hash from {table('snapshot')} where sync_id = ?), "
        f"ks as (select key, state from {table('key_state')} where sync_id = ?), "
        "d as (select coalesce(m.key, s.key) as key, "
        "case when s.key is null then 'create' when m.key is null then 'archive' else 'update' end as operation, "
        f"m.row_hash{values} "
        "from m full outer join s on m.key = s.key "
        f"where (s.key is null or m.key is null or {changed}) {archive} {skip_rejected}) "
        "select d.*, ks.state from d left join ks on ks.key = d.key "
        # a key of a job the destination is still running waits for the run that collects that job
        f"where not exists (select 1 from {table('in_flight')} f where f.sync_id = ? and f.key = d.key)",
        params,
    )
    counts = {"create": 0, "update": 0, "archive": 0}
    for operation, count in warehouse.query(f"select operation, count(*) from {pending} group by operation"):
        counts[str(operation)] = int(count)
    return counts


def pending_rows(
    warehouse: Warehouse, spec: SyncSpec, state: SyncState, batch_size: int = 5_000
) -> Iterator[list[PlannedRow]]:
    columns = spec.columns
    values = "".join(f", v_{i}" for i in range(len(columns)))
    sql = f"select key, operation, row_hash, state{values} from {state.work_table('pending')} order by operation, key"
    for rows in warehouse.query_batches(sql, batch_size=batch_size):
        yield [
            PlannedRow(
                key=str(r[0]),
                operation=r[1],
                row_hash=r[2],
                values=dict(zip(columns, r[4:], strict=True)),
                state=load_state(r[3]),
            )
            for r in rows
        ]


def drop_plan(warehouse: Warehouse, state: SyncState) -> None:
    warehouse.execute(f"drop table if exists {state.work_table('pending')}")
