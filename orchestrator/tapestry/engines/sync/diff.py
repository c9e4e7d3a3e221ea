"""The diff, computed inside the warehouse: only new, changed and removed rows leave it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tapestry.core.errors import SyncError
from tapestry.core.warehouse import Warehouse
from tapestry.engines.sync.spec import SyncSpec
from tapestry.engines.sync.state import SyncState, table

SEP = "chr(31)"


@dataclass(frozen=True)
class PlannedRow:
    key: str
    operation: str  # create, update, archive
    email: str | None
    row_hash: str | None
    merge_values: dict[str, str | None]
    tag_values: tuple[str | None, ...]  # one per column tag, in spec order
    old_tags: str | None
    last_status: str | None = None  # the member's status as Mailchimp last reported it
    archived_by_tapestry: bool = False


def check_model(warehouse: Warehouse, spec: SyncSpec) -> int:
    """Refuse a model whose key is null, empty or duplicated, or that lacks a mapped column."""
    available = set(warehouse.columns(f"select * from {spec.model}"))
    missing = [c for c in spec.model_columns if c.lower() not in available]
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
            f"sync model {spec.model} has {null_keys} rows with an empty {spec.email_column}; nothing was sent",
            "filter them out in the model (the sync key must be present on every row)",
        )
    if int(total) != int(distinct):
        raise SyncError(
            f"sync model {spec.model} has {int(total) - int(distinct)} duplicate values of "
            f"lower(trim({spec.email_column})); nothing was sent",
            "make the model one row per e-mail (see int_people__deduplicated)",
        )
    return int(total)


def _key_expr(spec: SyncSpec) -> str:
    return f"nullif(lower(trim({spec.email_column})), '')"


def _hash_expr(spec: SyncSpec) -> str:
    parts = [f"'{spec.mapping_hash}'"]
    for column in spec.model_columns:
        parts.append(f"coalesce('v' || cast({column} as varchar), 'n')")
    return "md5(" + f" || {SEP} || ".join(parts) + ")"


def build_plan(warehouse: Warehouse, spec: SyncSpec, state: SyncState, full_resync: bool = False) -> dict[str, int]:
    """Materialise this sync's pending operations in a work table; return counts per operation."""
    merge_cols = [f"cast({column} as varchar) as mf_{i}" for i, column in enumerate(spec.merge_fields.values())]
    tag_cols = [f"cast({column} as varchar) as tag_{i}" for i, column in enumerate(spec.tag_columns)]
    model_select = ", ".join(
        [
            f"{_key_expr(spec)} as key",
            f"trim(cast({spec.email_column} as varchar)) as email",
            *merge_cols,
            *tag_cols,
            f"{_hash_expr(spec)} as row_hash",
        ]
    )
    changed = "1 = 1" if full_resync else "m.row_hash <> s.row_hash"
    skip_rejected = (
        ""
        if full_resync
        else f"and not exists (select 1 from {table('rejections')} r "
        "where r.sync_id = ? and r.key = m.key and r.row_hash = m.row_hash)"
    )
    archive = "" if spec.mode == "mirror" and not full_resync else "and m.key is not null"
    pending = state.work_table("pending")
    extra = [f"m.mf_{i}" for i in range(len(merge_cols))] + [f"m.tag_{i}" for i in range(len(tag_cols))]
    params: list[object] = [spec.sync_id, spec.sync_id]
    if skip_rejected:
        params.append(spec.sync_id)
    warehouse.execute(
        f"create or replace table {pending} as "
        f"with m as (select {model_select} from {spec.model}), "
        f"s as (select key, row_hash, tags from {table('snapshot')} where sync_id = ?), "
        f"st as (select key, status, archived_by_tapestry from {table('members')} where sync_id = ?), "
        "d as (select coalesce(m.key, s.key) as key, "
        "case when s.key is null then 'create' when m.key is null then 'archive' else 'update' end as operation, "
        f"m.email, m.row_hash, s.tags as old_tags{''.join(', ' + e for e in extra)} "
        "from m full outer join s on m.key = s.key "
        f"where (s.key is null or m.key is null or {changed}) {archive} {skip_rejected}) "
        "select d.*, st.status as last_status, st.archived_by_tapestry from d left join st on st.key = d.key",
        params,
    )
    counts = {"create": 0, "update": 0, "archive": 0}
    for operation, count in warehouse.query(f"select operation, count(*) from {pending} group by operation"):
        counts[str(operation)] = int(count)
    return counts


def pending_rows(
    warehouse: Warehouse, spec: SyncSpec, state: SyncState, batch_size: int = 5_000
) -> Iterator[list[PlannedRow]]:
    merge_tags = list(spec.merge_fields)
    n_merge = len(merge_tags)
    n_tags = len(spec.tag_columns)
    extra = [f"mf_{i}" for i in range(n_merge)] + [f"tag_{i}" for i in range(n_tags)]
    sql = (
        f"select key, operation, email, row_hash, old_tags, last_status, archived_by_tapestry"
        f"{''.join(', ' + e for e in extra)} from {state.work_table('pending')} order by operation, key"
    )
    for rows in warehouse.query_batches(sql, batch_size=batch_size):
        yield [
            PlannedRow(
                key=str(r[0]),
                operation=str(r[1]),
                email=r[2],
                row_hash=r[3],
                old_tags=r[4],
                last_status=r[5],
                archived_by_tapestry=bool(r[6]),
                merge_values={tag: r[7 + i] for i, tag in enumerate(merge_tags)},
                tag_values=tuple(r[7 + n_merge + i] for i in range(n_tags)),
            )
            for r in rows
        ]


def drop_plan(warehouse: Warehouse, state: SyncState) -> None:
    warehouse.execute(f"drop table if exists {state.work_table('pending')}")
