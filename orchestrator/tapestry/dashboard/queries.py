"""Read-only SQL the dashboard runs, returning plain JSON-safe values.

Only portable SQL (DuckDB and Snowflake), `?` placeholders, and a table_exists check before every table is
read, so a fresh project shows empty sections instead of errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tapestry.core.warehouse import Warehouse
from tapestry.engines.ingest.files import REGISTRY_SCHEMA
from tapestry.engines.ingest.streams import Stream
from tapestry.engines.sync import owners
from tapestry.engines.sync.state import SCHEMA as SYNC_SCHEMA

FILES_SHOWN = 200
RUNS_SHOWN = 50
REJECTIONS_SHOWN = 20
ERRORS_SHOWN = 50
REJECTED_SAMPLE = 20
SHA_PREFIX = 12

RUN_COLUMNS = (
    "run_id",
    "sync_id",
    "started_at",
    "finished_at",
    "status",
    "mode",
    "preview",
    "created",
    "updated",
    "archived",
    "kept",
    "rejected",
    "failed",
    "requests",
    "error",
)
# Columns added to the runs table after its first release: a warehouse not synced since reads them as 0.
ADDED_RUN_COLUMNS = ("kept",)


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def as_dicts(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [{c: plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def count_rows(warehouse: Warehouse, relation: str) -> int:
    return int(warehouse.query(f"select count(*) from {relation}")[0][0])


# --- ingestion -------------------------------------------------------------------------------------------


def loaded_files(warehouse: Warehouse) -> dict[str, Any] | None:
    """The file registry (latest first), or None before the first ingest."""
    if not warehouse.table_exists(REGISTRY_SCHEMA, "loaded_files"):
        return None
    rows = warehouse.query(
        f"select source, path, size_bytes, row_count, loaded_at, sha256 from {REGISTRY_SCHEMA}.loaded_files "
        f"order by loaded_at desc, source, path limit {FILES_SHOWN}"
    )
    total, total_rows, total_bytes = warehouse.query(
        "select count(*), coalesce(sum(row_count), 0), coalesce(sum(size_bytes), 0) "
        f"from {REGISTRY_SCHEMA}.loaded_files"
    )[0]
    files = [
        {
            "source": source,
            "path": path,
            "size_bytes": plain(size),
            "rows": plain(rows_),
            "loaded_at": plain(loaded_at),
            "sha256": str(sha)[:SHA_PREFIX],
        }
        for source, path, size, rows_, loaded_at, sha in rows
    ]
    return {"files": files, "total": int(total), "rows": int(total_rows), "bytes": int(total_bytes)}


def raw_tables(warehouse: Warehouse, streams: dict[str, Stream]) -> list[dict[str, Any]]:
    tables = []
    for stream in streams.values():
        exists = warehouse.table_exists(stream.source, stream.name)
        tables.append(
            {
                "source": stream.source,
                "table": stream.table,
                "label": stream.label,
                "exists": exists,
                "rows": count_rows(warehouse, stream.table) if exists else None,
            }
        )
    return tables


# --- warehouse & transform -------------------------------------------------------------------------------


def warehouse_tables(warehouse: Warehouse, layers: dict[str, str]) -> list[dict[str, Any]]:
    """Every table of the pipeline's schemas with its row count. `layers` maps a schema to its layer name."""
    schemas = list(layers)
    marks = ", ".join("?" for _ in schemas)
    rows = warehouse.query(
        "select table_schema, table_name, table_type from information_schema.tables "
        f"where lower(table_schema) in ({marks}) order by 1, 2",
        [s.lower() for s in schemas],
    )
    tables = []
    for schema, name, kind in rows:
        schema_s, name_s = str(schema), str(name)
        layer = layers.get(schema_s.lower(), "other")
        if layer == "transform":  # staging and intermediate models share the analytics schema
            lowered = name_s.lower()
            layer = (
                "staging" if lowered.startswith("stg_") else "intermediate" if lowered.startswith("int_") else "model"
            )
        tables.append(
            {
                "schema": schema_s.lower(),
                "name": name_s.lower(),
                "relation": f"{schema_s}.{name_s}".lower(),
                "layer": layer,
                "kind": "view" if "view" in str(kind).lower() else "table",
                # exact names from information_schema: quoted, so any case works (Snowflake upper-cases)
                "rows": count_rows(warehouse, f"{quote(schema_s)}.{quote(name_s)}"),
            }
        )
    order = {"raw": 0, "staging": 1, "intermediate": 2, "model": 3, "marts": 4, "sync": 5, "meta": 6}
    return sorted(tables, key=lambda t: (order.get(str(t["layer"]), 9), str(t["relation"])))


def audience(warehouse: Warehouse, marts_schema: str, model: str, rejected_model: str) -> dict[str, Any] | None:
    if not warehouse.table_exists(marts_schema, model):
        return None
    # Names from tapestry.yml are plain lower-case identifiers: unquoted, they match on both warehouses.
    relation = f"{marts_schema}.{model}"
    size = count_rows(warehouse, relation)
    by_reason: dict[str, int] = {}
    sample: list[dict[str, Any]] = []
    if warehouse.table_exists(marts_schema, rejected_model):
        rejected = f"{marts_schema}.{rejected_model}"
        by_reason = {
            str(reason): int(n)
            for reason, n in warehouse.query(f"select reason, count(*) from {rejected} group by reason order by reason")
        }
        columns = ("source", "source_record_id", "email_raw", "reason", "first_name", "last_name", "updated_at")
        sample = as_dicts(
            columns,
            warehouse.query(
                f"select {', '.join(columns)} from {rejected} "
                f"order by updated_at desc nulls last, record_id limit {REJECTED_SAMPLE}"
            ),
        )
    return {
        "size": size,
        "rejected_by_reason": by_reason,
        "rejected_total": sum(by_reason.values()),
        "rejected_sample": sample,
    }


IDENTITY_SHOWN = 10


def identity(warehouse: Warehouse, marts_schema: str) -> dict[str, Any] | None:
    """Identity resolution in numbers: records -> people, how records were matched, the largest people, what
    the limits cut and which values were blocked, and the merges and splits logged. None before it ran."""
    if not warehouse.table_exists(marts_schema, "identity_map"):
        return None
    m = marts_schema
    records, people = warehouse.query(f"select count(*), count(distinct person_id) from {m}.identity_map")[0]
    matched = {
        str(rule): int(n)
        for rule, n in warehouse.query(
            f"select matched_by, count(*) from {m}.identity_map group by matched_by order by 2 desc, 1"
        )
    }
    result: dict[str, Any] = {
        "records": int(records),
        "people": int(people),
        "matched_by": matched,
        "largest": [],
        "cuts": [],
        "cuts_total": 0,
        "blocked": [],
        "blocked_by_reason": {},
        "changes": {},
    }
    if warehouse.table_exists(m, "people"):
        columns = (
            "person_id",
            "email_address",
            "first_name",
            "last_name",
            "record_count",
            "email_count",
            "phone_count",
        )
        result["largest"] = as_dicts(
            columns,
            warehouse.query(
                f"select {', '.join(columns)} from {m}.people where record_count > 1 "
                f"order by record_count desc, person_id limit {IDENTITY_SHOWN}"
            ),
        )
    if warehouse.table_exists(m, "identity_limit_cuts"):
        cut_columns = (
            "component_id", "records", "emails", "phones", "people_after", "resolved_with", "still_over_limits",
        )  # fmt: skip
        result["cuts"] = as_dicts(
            cut_columns,
            warehouse.query(
                f"select {', '.join(cut_columns)} from {m}.identity_limit_cuts "
                f"order by records desc, component_id limit {IDENTITY_SHOWN}"
            ),
        )
        result["cuts_total"] = count_rows(warehouse, f"{m}.identity_limit_cuts")
    if warehouse.table_exists(m, "identity_blocked_identifiers"):
        relation = f"{m}.identity_blocked_identifiers"
        result["blocked_by_reason"] = {
            str(reason): int(n)
            for reason, n in warehouse.query(
                f"select blocked_reason, count(*) from {relation} group by blocked_reason order by 1"
            )
        }
        blocked_columns = ("identifier_type", "identifier_value", "blocked_reason", "records")
        result["blocked"] = as_dicts(
            blocked_columns,
            warehouse.query(
                f"select {', '.join(blocked_columns)} from {relation} "
                f"order by records desc, identifier_value limit {IDENTITY_SHOWN}"
            ),
        )
    if warehouse.table_exists(m, "identity_changes"):
        result["changes"] = {
            str(change): int(n)
            for change, n in warehouse.query(f"select change, count(*) from {m}.identity_changes group by 1 order by 1")
        }
    return result


# --- sync ------------------------------------------------------------------------------------------------


def sync_tables_exist(warehouse: Warehouse) -> bool:
    return warehouse.table_exists(SYNC_SCHEMA, "runs")


def _for_sync(sync_id: str | None, alias: str = "") -> tuple[str, list[Any]]:
    """A `where` condition limiting rows to one sync (None: every sync) and its parameters."""
    if sync_id is None:
        return "1 = 1", []
    return f"{alias}sync_id = ?", [sync_id]


def sync_runs(warehouse: Warehouse, sync_id: str | None = None) -> dict[str, Any]:
    """The latest runs (newest first) and the totals over every run, of one sync or of all. `rejected` counts
    permanent refusals (never retried while the row is unchanged), `failed` transient ones (retried)."""
    where, params = _for_sync(sync_id)
    present = set(warehouse.columns(f"select * from {SYNC_SCHEMA}.runs where 1 = 0"))
    selected = [f"0 as {c}" if c in ADDED_RUN_COLUMNS and c not in present else c for c in RUN_COLUMNS]
    runs = as_dicts(
        RUN_COLUMNS,
        warehouse.query(
            f"select {', '.join(selected)} from {SYNC_SCHEMA}.runs where {where} "
            f"order by started_at desc, run_id limit {RUNS_SHOWN}",
            params,
        ),
    )
    total_columns = ("runs", "created", "updated", "archived", "kept", "rejected", "failed", "requests")
    sums = ", ".join(
        "0" if c in ADDED_RUN_COLUMNS and c not in present else f"coalesce(sum({c}), 0)" for c in total_columns[1:]
    )
    totals_row = warehouse.query(f"select count(*), {sums} from {SYNC_SCHEMA}.runs where {where}", params)[0]
    totals = {c: int(v) for c, v in zip(total_columns, totals_row, strict=True)}
    if any(run["status"] == "running" for run in runs):  # a killed sync's run shows as interrupted
        owners.as_displayed(runs, owners.dead_runs(warehouse, datetime.now(UTC), sync_id))
    for run in runs:
        started, finished = run["started_at"], run["finished_at"]
        run["duration_s"] = (
            round((datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds(), 3)
            if started and finished
            else None
        )
    return {"runs": runs, "totals": totals}


def rejections(warehouse: Warehouse, sync_id: str | None = None) -> dict[str, Any]:
    """Destination rejections grouped by reason, and the latest ones, of one sync or of all.

    A reason is `Title: detail` and the detail often names the member, so they are grouped by the title.
    """
    if not warehouse.table_exists(SYNC_SCHEMA, "rejections"):
        return {"total": 0, "by_reason": [], "latest": []}
    where, params = _for_sync(sync_id)
    grouped: dict[str, dict[str, Any]] = {}
    for reason, status_code, n in warehouse.query(
        f"select reason, status_code, count(*) from {SYNC_SCHEMA}.rejections where {where} "
        "group by reason, status_code",
        params,
    ):
        title = str(reason or "unknown").split(":", 1)[0].strip() or "unknown"
        group = grouped.setdefault(title, {"reason": title, "count": 0, "status_codes": set()})
        group["count"] += int(n)
        if status_code is not None:
            group["status_codes"].add(int(status_code))
    by_reason = sorted(
        ({**g, "status_codes": sorted(g["status_codes"])} for g in grouped.values()),
        key=lambda g: (-int(g["count"]), str(g["reason"])),
    )
    columns = ("key", "reason", "status_code", "first_seen_at", "last_seen_at", "attempts")
    latest = as_dicts(
        columns,
        warehouse.query(
            f"select {', '.join(columns)} from {SYNC_SCHEMA}.rejections where {where} "
            f"order by last_seen_at desc, key limit {REJECTIONS_SHOWN}",
            params,
        ),
    )
    return {"total": sum(int(g["count"]) for g in by_reason), "by_reason": by_reason, "latest": latest}


def last_errors(warehouse: Warehouse, sync_id: str | None = None) -> dict[str, Any]:
    """Operations the destination did not accept (latest first) and the errors of failed runs."""
    where, params = _for_sync(sync_id)
    changelog: list[dict[str, Any]] = []
    if warehouse.table_exists(SYNC_SCHEMA, "changelog"):
        columns = ("logged_at", "run_id", "key", "operation", "result", "status_code", "error")
        changelog = as_dicts(
            columns,
            warehouse.query(
                f"select {', '.join(columns)} from {SYNC_SCHEMA}.changelog "
                f"where result not in ('ok', 'kept') and {where} "
                f"order by logged_at desc, key limit {ERRORS_SHOWN}",
                params,
            ),
        )
    failed_runs = as_dicts(
        ("run_id", "started_at", "status", "error"),
        warehouse.query(
            f"select run_id, started_at, status, error from {SYNC_SCHEMA}.runs "
            f"where (error is not null or status not in ('succeeded', 'running')) and {where} "
            f"order by started_at desc limit {ERRORS_SHOWN}",
            params,
        ),
    )
    return {"changelog": changelog, "failed_runs": failed_runs}
