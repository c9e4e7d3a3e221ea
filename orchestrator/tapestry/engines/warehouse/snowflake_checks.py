"""Can each service user do what its role needs? Checked by doing it: create and drop a probe table
where the role must write, read where it must read. Run by `tapestry doctor` and by every deploy. The warehouse's
resource monitor, when one is configured, is checked by looking (SHOW WAREHOUSES): its quota cannot be tested."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from tapestry.core.errors import first_line
from tapestry.core.warehouse import Warehouse
from tapestry.engines.warehouse.snowflake_objects import SnowflakeObjects, quote_literal, resource_monitor_problem


class ShowsRows(Protocol):
    def show(self, sql: str) -> list[dict[str, Any]]: ...


def _probe(warehouse: Warehouse, database: str, schema: str) -> None:
    table = f"{database}.{schema}.TAPESTRY_PROBE_{uuid.uuid4().hex[:8].upper()}"
    warehouse.execute(f"create table {table} (probe integer)")
    warehouse.execute(f"drop table {table}")


def _read_schema(warehouse: Warehouse, database: str, schema: str) -> None:
    warehouse.query(
        f"select count(*) from {database}.information_schema.tables where table_schema = ?", [schema.upper()]
    )


def role_checks(role: str, objects: SnowflakeObjects) -> list[tuple[str, Callable[[Warehouse], None]]]:
    """(what, check) pairs for a role: loader, transformer or syncer."""
    raw, analytics = objects.raw_database, objects.analytics_database
    # One raw schema per source: the loader writes each, the transformer reads each.
    writes = [(f"write {raw}.{schema}", partial(_probe, database=raw, schema=schema)) for schema in objects.raw_schemas]
    reads = [
        (f"read {raw}.{schema}", partial(_read_schema, database=raw, schema=schema)) for schema in objects.raw_schemas
    ]
    if role == "loader":
        return list(writes)
    if role == "transformer":
        return [
            *reads,
            (f"write {analytics}.{objects.analytics_schema}", lambda w: _probe(w, analytics, objects.analytics_schema)),
            (f"write {analytics}.{objects.marts_schema}", lambda w: _probe(w, analytics, objects.marts_schema)),
        ]
    if role == "syncer":
        return [
            (f"read {analytics}.{objects.marts_schema}", lambda w: _read_schema(w, analytics, objects.marts_schema)),
            (f"write {analytics}.{objects.sync_schema}", lambda w: _probe(w, analytics, objects.sync_schema)),
        ]
    raise ValueError(f"unknown role {role!r}")


def check_role(warehouse: Warehouse, role: str, objects: SnowflakeObjects) -> list[str]:
    """Problems found, one line each (empty: the role can do its job)."""
    problems = []
    for what, check in role_checks(role, objects):
        try:
            check(warehouse)
        except Exception as exc:  # the driver's message says which privilege is missing
            problems.append(f"cannot {what}: {first_line(exc)}")
    return problems


def check_warehouse(warehouse: ShowsRows, objects: SnowflakeObjects) -> list[str]:
    """Problems with the warehouse itself: it is not capped by the resource monitor the config asks for.

    Nothing to check (and no query) without a configured monitor."""
    if objects.resource_monitor is None:
        return []
    try:
        rows = warehouse.show(f"SHOW WAREHOUSES LIKE {quote_literal(objects.warehouse)}")
    except Exception as exc:
        return [f"cannot look at warehouse {objects.warehouse}: {first_line(exc)}"]
    problem = resource_monitor_problem(objects, rows)
    if problem is None:
        return []
    return [
        f"{problem}; an ACCOUNTADMIN runs the resource monitor section of `tapestry snowflake-sql` "
        "(or remove warehouse.resource_monitor)"
    ]
