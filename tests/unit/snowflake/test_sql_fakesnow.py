"""The rendered SQL script runs against fakesnow (patch mode), twice, and creates the databases and schemas.

fakesnow cannot run account DDL (warehouses, roles, users) or GRANT: those are no-ops here (nop_regexes from
testing-offline.md §5), so this proves the script's syntax for databases/schemas, its idempotence and that it
carries no statement fakesnow would reject; RBAC itself is only verifiable against real Snowflake.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from tapestry.engines.warehouse.snowflake_objects import (
    ResourceMonitor,
    SnowflakeObjects,
    missing_objects,
    render_sql,
    verification_sql,
)
from unit.snowflake.sfmodel import sql_statements

NOP_REGEXES = [
    r"^\s*(CREATE|ALTER|DROP)\s+(OR\s+REPLACE\s+)?(WAREHOUSE|ROLE|USER|STORAGE\s+INTEGRATION|RESOURCE\s+MONITOR)\b",
    r"^\s*(GRANT|REVOKE)\b",
    r"^\s*SHOW\s+(ROLES|GRANTS|FUTURE\s+GRANTS|USERS)\b",
]


@pytest.fixture
def fake_snowflake() -> Iterator[Any]:
    fakesnow = pytest.importorskip("fakesnow")
    import snowflake.connector

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fakesnow.patch(nop_regexes=NOP_REGEXES):
            conn = snowflake.connector.connect()
            try:
                yield conn
            finally:
                conn.close()


def run_script(conn: Any, sql: str) -> int:
    """Run every statement one by one, as snowsql / a worksheet does; the count of statements executed.

    The connector's own splitter drops the comments. (fakesnow's execute_string re-renders each statement with
    its leading comment attached, which would defeat the nop regexes.)
    """
    from io import StringIO

    from snowflake.connector.util_text import split_statements

    count = 0
    cur = conn.cursor()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for statement, _is_put_get in split_statements(StringIO(sql), remove_comments=True):
            cur.execute(statement)
            count += 1
    return count


def schemata(conn: Any, databases: Iterable[str]) -> set[tuple[str, str]]:
    """(database, schema) pairs that really exist, from each database's information_schema."""
    cur = conn.cursor()
    found: set[tuple[str, str]] = set()
    for database in databases:
        cur.execute(f"select catalog_name, schema_name from {database}.information_schema.schemata")
        found |= {(c.upper(), s.upper()) for c, s in cur.fetchall() if s.upper() != "INFORMATION_SCHEMA"}
    return found


def show_rows(conn: Any, sql: str) -> list[dict[str, Any]]:
    import snowflake.connector

    cur = conn.cursor(snowflake.connector.DictCursor)
    try:
        cur.execute(sql)
    except snowflake.connector.errors.ProgrammingError:
        return []  # e.g. SHOW SCHEMAS IN a database that does not exist: pass on as no rows
    return list(cur.fetchall())


def test_script_creates_databases_and_schemas_and_reruns(
    fake_snowflake: Any, public_key_pem: Callable[[], str]
) -> None:
    objects = SnowflakeObjects(prefix="acme", comment="it's a test \\ with quotes")
    sql = render_sql(objects, {"dbt": public_key_pem()})

    public = {(db, "PUBLIC") for db in objects.databases}  # Snowflake creates PUBLIC; fakesnow does not
    executed = run_script(fake_snowflake, sql)
    assert executed == len(sql_statements(sql))
    assert schemata(fake_snowflake, objects.databases) - public == set(objects.schemas)

    assert run_script(fake_snowflake, sql) == executed  # idempotent: the second run succeeds, changes nothing
    assert schemata(fake_snowflake, objects.databases) - public == set(objects.schemas)

    for database in objects.databases:
        names = {row["name"].upper() for row in show_rows(fake_snowflake, f"SHOW SCHEMAS IN DATABASE {database}")}
        assert {s for d, s in objects.schemas if d == database} <= names


def test_verification_finds_databases_and_schemas(fake_snowflake: Any) -> None:
    objects = SnowflakeObjects(prefix="acme")
    run_script(fake_snowflake, render_sql(objects))
    fake_snowflake.cursor().execute("DROP SCHEMA ACME_ANALYTICS.MARTS")

    results = {q.key: show_rows(fake_snowflake, q.sql) for q in verification_sql(objects)}
    missing = missing_objects(objects, results)
    # fakesnow knows databases and schemas; the dropped schema is the only one reported missing
    assert [m for m in missing if m.startswith(("database", "schema"))] == ["schema ACME_ANALYTICS.MARTS"]
    # it has no warehouses, roles, users or grants, so those are reported (never silently passed)
    assert "warehouse ACME_WH" in missing and "role ACME_LOADER" in missing and "user ACME_DBT" in missing


def test_other_prefixes_do_not_collide(fake_snowflake: Any) -> None:
    first, second = SnowflakeObjects(prefix="one"), SnowflakeObjects(prefix="two")
    run_script(fake_snowflake, render_sql(first))
    run_script(fake_snowflake, render_sql(second))
    databases = first.databases + second.databases
    assert schemata(fake_snowflake, databases) >= set(first.schemas) | set(second.schemas)


def test_script_with_a_resource_monitor_runs_and_reruns(fake_snowflake: Any) -> None:
    """fakesnow cannot emulate resource monitors (its parser rejects CREATE RESOURCE MONITOR; they are no-ops
    here), so this proves the rest of the script is unchanged by the monitor section and still reruns."""
    monitor = ResourceMonitor(10, frequency="MONTHLY", start_timestamp="2027-01-01 00:00", notify_users=("OPS",))
    objects = SnowflakeObjects(prefix="capped", resource_monitor=monitor)
    sql = render_sql(objects)
    executed = run_script(fake_snowflake, sql)
    assert executed == len(sql_statements(sql))
    assert run_script(fake_snowflake, sql) == executed
    public = {(db, "PUBLIC") for db in objects.databases}
    assert schemata(fake_snowflake, objects.databases) - public == set(objects.schemas)
