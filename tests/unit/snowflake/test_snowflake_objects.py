"""SnowflakeObjects: names, validation, grants, public keys, the SQL script and the verification of existing objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tapestry.engines.warehouse.snowflake_objects import (
    Grant,
    PublicKeyError,
    ResourceMonitor,
    SnowflakeNameError,
    SnowflakeObjects,
    missing_objects,
    normalize_public_key,
    quote_literal,
    render_sql,
    resource_monitor_problem,
    verification_sql,
)
from unit.snowflake.sfmodel import parse_sql_script, sql_statements

RAW = ("crm", "Events")  # two sources' raw schemas

# --------------------------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------------------------


def test_default_names() -> None:
    assert SnowflakeObjects().raw_schemas == ()
    o = SnowflakeObjects(raw_schemas=RAW)
    assert o.names() == {
        "warehouse_name": "TAPESTRY_WH",
        "raw_database_name": "TAPESTRY_RAW",
        "analytics_database_name": "TAPESTRY_ANALYTICS",
        "raw_schema_names": ["CRM", "EVENTS"],
        "analytics_schema_name": "ANALYTICS",
        "marts_schema_name": "MARTS",
        "sync_schema_name": "TAPESTRY_SYNC",
        "raw_schema_fully_qualified_names": ["TAPESTRY_RAW.CRM", "TAPESTRY_RAW.EVENTS"],
        "analytics_schema_fully_qualified_name": "TAPESTRY_ANALYTICS.ANALYTICS",
        "marts_schema_fully_qualified_name": "TAPESTRY_ANALYTICS.MARTS",
        "sync_schema_fully_qualified_name": "TAPESTRY_ANALYTICS.TAPESTRY_SYNC",
        "loader_role_name": "TAPESTRY_LOADER",
        "transformer_role_name": "TAPESTRY_TRANSFORMER",
        "syncer_role_name": "TAPESTRY_SYNCER",
        "airbyte_user_name": "TAPESTRY_AIRBYTE",
        "dbt_user_name": "TAPESTRY_DBT",
        "sync_user_name": "TAPESTRY_SYNC",
    }
    assert [(u.key, u.name, u.role) for u in o.users] == [
        ("airbyte", "TAPESTRY_AIRBYTE", "TAPESTRY_LOADER"),
        ("dbt", "TAPESTRY_DBT", "TAPESTRY_TRANSFORMER"),
        ("sync", "TAPESTRY_SYNC", "TAPESTRY_SYNCER"),
    ]
    assert (o.warehouse_size, o.warehouse_auto_suspend) == ("XSMALL", 60)


def test_prefix_and_overrides_are_upper_cased() -> None:
    o = SnowflakeObjects.from_overrides("acme", warehouse="shared_wh", marts_schema="pub", dbt_user=None)
    assert (o.prefix, o.warehouse, o.raw_database, o.marts_fqn, o.dbt_user) == (
        "ACME",
        "SHARED_WH",
        "ACME_RAW",
        "ACME_ANALYTICS.PUB",
        "ACME_DBT",
    )
    assert SnowflakeObjects(prefix="x$1").loader_role == "X$1_LOADER"


def test_objects_are_immutable_and_hashable() -> None:
    o = SnowflakeObjects()
    with pytest.raises(AttributeError):
        o.prefix = "OTHER"  # type: ignore[misc]
    assert SnowflakeObjects() == o and hash(SnowflakeObjects()) == hash(o)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"prefix": "1bad;drop"}, "prefix"),
        ({"prefix": "a b"}, "prefix"),
        ({"prefix": ""}, "prefix"),
        ({"prefix": "x" * 202}, "prefix"),
        ({"prefix": "select"}, "prefix"),
        ({"warehouse": "wh'; DROP DATABASE X; --"}, "warehouse"),
        ({"raw_database": "raw-db"}, "raw_database"),
        ({"analytics_database": "TABLE"}, "analytics_database"),
        ({"marts_schema": "PUBLIC"}, "marts_schema"),
        ({"raw_schemas": ("crm", "information_schema")}, "raw_schemas"),
        ({"raw_schemas": ("crm", "a-b")}, "raw_schemas"),
        ({"raw_schemas": ("Sync",)}, "raw_schemas"),  # a key of the module's own schemas
        ({"raw_schemas": "CRM"}, "raw_schemas"),
        ({"sync_user": 'a"b'}, "sync_user"),
        ({"warehouse_size": "HUGE"}, "warehouse_size"),
        ({"warehouse_auto_suspend": 0}, "warehouse_auto_suspend"),
        ({"warehouse_auto_suspend": 60.5}, "warehouse_auto_suspend"),
        ({"warehouse_auto_suspend": True}, "warehouse_auto_suspend"),
        ({"comment": "line\nbreak"}, "comment"),
        ({"comment": "x" * 257}, "comment"),
        ({"raw_database": "SAME", "analytics_database": "same"}, "analytics_database"),
        ({"loader_role": "R", "syncer_role": "R"}, "syncer_role"),
        ({"airbyte_user": "U", "dbt_user": "U"}, "dbt_user"),
        ({"raw_schemas": ("S", "s")}, "raw_schemas"),
        ({"raw_database": "ONE", "analytics_database": "ONE"}, "analytics_database"),
        ({"resource_monitor_name": "cap-1"}, "resource_monitor_name"),
        ({"resource_monitor": {"credit_quota": 5}}, "resource_monitor"),
    ],
)
def test_invalid_values_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(SnowflakeNameError) as info:
        SnowflakeObjects(**kwargs)
    assert info.value.field == field
    assert info.value.reason


def test_one_database_for_everything_is_allowed_when_schemas_differ() -> None:
    o = SnowflakeObjects(raw_database="DW", analytics_database="DW2")
    assert o.databases == ("DW", "DW2")


def test_unknown_override_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="warehose"):
        SnowflakeObjects.from_overrides(warehose="X")


def test_user_lookup_by_key_or_name() -> None:
    o = SnowflakeObjects(prefix="acme")
    assert o.user("dbt").name == "ACME_DBT"
    assert o.user("acme_sync").key == "sync"
    assert o.user("Transformer").name == "ACME_DBT"  # by the role's key, as tapestry.yml names private keys
    with pytest.raises(KeyError, match="ACME_DBT"):
        o.user("nobody")


# --------------------------------------------------------------------------------------------------------------------
# Grants
# --------------------------------------------------------------------------------------------------------------------


def test_grants_are_least_privilege() -> None:
    o = SnowflakeObjects(raw_schemas=RAW)
    atoms = set().union(*(g.atoms() for g in o.grants()))
    loader, transformer, syncer = o.roles
    by_role = {role: {a[1:] for a in atoms if a[0] == role} for role in o.roles}
    assert by_role[loader] == {
        ("USAGE", "WAREHOUSE", "TAPESTRY_WH", "object"),
        ("USAGE", "DATABASE", "TAPESTRY_RAW", "object"),
        ("CREATE SCHEMA", "DATABASE", "TAPESTRY_RAW", "object"),
        *{(p, "SCHEMA", s, "object") for p in ("USAGE", "CREATE TABLE", "CREATE STAGE") for s in o.raw_fqns},
    }
    assert by_role[transformer] == {
        ("USAGE", "WAREHOUSE", "TAPESTRY_WH", "object"),
        ("USAGE", "DATABASE", "TAPESTRY_RAW", "object"),
        *{("USAGE", "SCHEMA", s, "object") for s in o.raw_fqns},
        *{("SELECT", kind, s, scope) for kind in ("TABLE", "VIEW") for s in o.raw_fqns for scope in ("all", "future")},
        ("OWNERSHIP", "DATABASE", "TAPESTRY_ANALYTICS", "object"),
        ("OWNERSHIP", "SCHEMA", o.analytics_fqn, "object"),
        ("OWNERSHIP", "SCHEMA", o.marts_fqn, "object"),
    }
    assert by_role[syncer] == {
        ("USAGE", "WAREHOUSE", "TAPESTRY_WH", "object"),
        ("USAGE", "DATABASE", "TAPESTRY_ANALYTICS", "object"),
        ("USAGE", "SCHEMA", o.marts_fqn, "object"),
        *{("SELECT", kind, o.marts_fqn, scope) for kind in ("TABLE", "VIEW") for scope in ("all", "future")},
        ("OWNERSHIP", "SCHEMA", o.sync_fqn, "object"),
    }
    # Nobody but the loader writes RAW; the syncer cannot touch ANALYTICS or RAW.
    assert not any(a[0] == syncer and "RAW" in a[3] for a in atoms)
    assert all(g.reason for g in o.grants())


def test_role_grants() -> None:
    o = SnowflakeObjects(prefix="acme")
    assert {(g.role, g.grantee_type, g.grantee) for g in o.role_grants()} == {
        ("ACME_LOADER", "ROLE", "SYSADMIN"),
        ("ACME_TRANSFORMER", "ROLE", "SYSADMIN"),
        ("ACME_SYNCER", "ROLE", "SYSADMIN"),
        ("ACME_LOADER", "USER", "ACME_AIRBYTE"),
        ("ACME_TRANSFORMER", "USER", "ACME_DBT"),
        ("ACME_SYNCER", "USER", "ACME_SYNC"),
    }


def test_grant_model_rules() -> None:
    grant = Grant("R", ("usage", "CREATE TABLE", "USAGE"), "SCHEMA", "D.S")
    assert grant.privileges == ("CREATE TABLE", "USAGE") and not grant.ownership and grant.scope == "object"
    assert Grant("R", ("OWNERSHIP",), "DATABASE", "D").ownership
    assert (
        Grant("R", ("SELECT",), "VIEW", "D.S", on_future=True).sql()
        == "GRANT SELECT ON FUTURE VIEWS IN SCHEMA D.S TO ROLE R;"
    )
    with pytest.raises(ValueError):
        Grant("R", ("SELECT",), "TABLE", "D.S")  # tables only as all/future of a schema
    with pytest.raises(ValueError):
        Grant("R", ("SELECT",), "TABLE", "D.S", on_all=True, on_future=True)
    with pytest.raises(ValueError):
        Grant("R", ("OWNERSHIP", "USAGE"), "SCHEMA", "D.S")


# --------------------------------------------------------------------------------------------------------------------
# Public keys and quoting
# --------------------------------------------------------------------------------------------------------------------


def test_public_key_pem_and_body_give_the_same_line(public_key_pem: Callable[[], str]) -> None:
    pem = public_key_pem()
    body = "".join(pem.strip().splitlines()[1:-1])
    assert normalize_public_key("U", pem) == body
    assert normalize_public_key("U", body) == body
    assert normalize_public_key("U", "\n" + pem.replace("\n", "\r\n") + "\n\n") == body


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n", "PRIVATE"),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----", "PRIVATE"),
        ("-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEA\n-----END RSA PUBLIC KEY-----", "PKCS#1"),
        ("", "empty"),
        ("abc'; DROP USER X; --", "base64"),
        ("QUJD", "DER"),
    ],
)
def test_bad_public_keys_are_refused(text: str, reason: str) -> None:
    with pytest.raises(PublicKeyError, match=reason):
        normalize_public_key("ACME_DBT", text)


def test_quote_literal_escapes_quotes_and_backslashes() -> None:
    assert quote_literal("it's") == "'it''s'"
    assert quote_literal("a\\'b") == "'a\\\\''b'"
    with pytest.raises(ValueError):
        quote_literal("a\nb")


# --------------------------------------------------------------------------------------------------------------------
# SQL script
# --------------------------------------------------------------------------------------------------------------------


def test_script_with_keys(public_key_pem: Callable[[], str]) -> None:
    pem = public_key_pem()
    body = "".join(pem.strip().splitlines()[1:-1])
    sql = render_sql(SnowflakeObjects(prefix="acme"), {"ACME_DBT": pem, "sync": None})
    assert f"CREATE USER IF NOT EXISTS ACME_DBT TYPE = SERVICE RSA_PUBLIC_KEY = '{body}'" in sql
    assert f"ALTER USER ACME_DBT SET RSA_PUBLIC_KEY = '{body}';" in sql
    assert "-- TODO no key given: ALTER USER ACME_AIRBYTE SET RSA_PUBLIC_KEY" in sql
    assert "-- TODO no key given: ALTER USER ACME_SYNC SET RSA_PUBLIC_KEY" in sql
    assert "no public key was given for ACME_AIRBYTE, ACME_SYNC" in sql
    assert "BEGIN PUBLIC KEY" not in sql


def test_script_has_no_password_and_is_idempotent_by_construction() -> None:
    sql = render_sql(SnowflakeObjects())
    assert not any("PASSWORD" in stmt.upper() for stmt in sql_statements(sql))
    for stmt in sql_statements(sql):
        if stmt.startswith("CREATE"):
            assert " IF NOT EXISTS " in stmt, stmt
            assert not stmt.startswith("CREATE OR REPLACE"), stmt
        assert not stmt.startswith(("DROP", "REVOKE", "BEGIN", "COMMIT")), stmt


def test_script_switches_role_before_account_ddl() -> None:
    statements = sql_statements(render_sql(SnowflakeObjects()))
    first_security = statements.index("USE ROLE SECURITYADMIN")
    assert statements[0] == "USE ROLE SYSADMIN"
    assert all(
        s.startswith(("CREATE WAREHOUSE", "CREATE DATABASE", "CREATE SCHEMA")) for s in statements[1:first_security]
    )
    assert all(
        not s.startswith(("CREATE WAREHOUSE", "CREATE DATABASE", "CREATE SCHEMA")) for s in statements[first_security:]
    )
    ownership = [i for i, s in enumerate(statements) if "OWNERSHIP" in s]
    role_to_sysadmin = [i for i, s in enumerate(statements) if s.endswith("TO ROLE SYSADMIN")]
    assert min(ownership) > max(role_to_sysadmin), "ownership moves after SYSADMIN inherits the roles"


def test_comment_cannot_break_out_of_its_literal() -> None:
    evil = "x'; DROP DATABASE PROD; --"
    sql = render_sql(SnowflakeObjects(comment=evil))
    assert "COMMENT = 'x''; DROP DATABASE PROD; --'" in sql
    declared = parse_sql_script(sql)
    assert ("DATABASE", "TAPESTRY_RAW", evil) in declared.objects


def test_unknown_key_owner_is_refused(public_key_pem: Callable[[], str]) -> None:
    with pytest.raises(KeyError, match="no service user"):
        render_sql(SnowflakeObjects(), {"SOMEONE": public_key_pem()})


# --------------------------------------------------------------------------------------------------------------------
# Verification of existing objects
# --------------------------------------------------------------------------------------------------------------------


def complete_show_rows(o: SnowflakeObjects) -> dict[str, list[dict[str, Any]]]:
    """What SHOW would return for an account where the script (or the module) ran: Snowflake's column names."""
    rows: dict[str, list[dict[str, Any]]] = {"warehouse": [{"name": o.warehouse, "size": "X-Small"}]}
    for db in o.databases:
        rows[f"database:{db}"] = [{"name": db}]
        rows[f"schemas:{db}"] = [{"name": s, "database_name": d} for d, s in o.schemas if d == db] + [
            {"name": "PUBLIC", "database_name": db},
            {"name": "INFORMATION_SCHEMA", "database_name": db},
        ]
    for role in o.roles:
        rows[f"role:{role}"] = [{"name": role}]
        rows[f"grants_to:{role}"] = []
        rows[f"future_grants_to:{role}"] = []
        rows[f"grants_of:{role}"] = []
    for user in o.users:
        rows[f"user:{user.name}"] = [{"name": user.name}]
    for rg in o.role_grants():
        rows[f"grants_of:{rg.role}"].append(
            {"role": rg.role, "granted_to": rg.grantee_type, "grantee_name": rg.grantee}
        )
    for grant in o.grants():
        for privilege in grant.privileges:
            if grant.on_future:
                rows[f"future_grants_to:{grant.role}"].append(
                    {
                        "privilege": privilege,
                        "grant_on": grant.object_type,
                        "name": f"{grant.object_name}.<{grant.object_type}>",
                        "grant_to": "ROLE",
                        "grantee_name": grant.role,
                    }
                )
            elif not grant.on_all:
                # Snowflake quotes nothing for upper-case names; test the quoted spelling too
                name = (
                    grant.object_name
                    if grant.object_type != "SCHEMA"
                    else '"{}"."{}"'.format(*grant.object_name.split("."))
                )
                rows[f"grants_to:{grant.role}"].append(
                    {"PRIVILEGE": privilege, "GRANTED_ON": grant.object_type, "NAME": name, "GRANTEE_NAME": grant.role}
                )
    return rows


def test_verification_queries_are_read_only_and_cover_every_check() -> None:
    o = SnowflakeObjects(prefix="acme")
    queries = verification_sql(o)
    keys = [q.key for q in queries]
    assert len(keys) == len(set(keys))
    assert all(q.sql.startswith("SHOW ") for q in queries)
    assert "SHOW WAREHOUSES LIKE 'ACME_WH'" in [q.sql for q in queries]
    assert "SHOW SCHEMAS IN DATABASE ACME_ANALYTICS" in [q.sql for q in queries]
    assert "SHOW GRANTS TO ROLE ACME_SYNCER" in [q.sql for q in queries]
    assert "SHOW FUTURE GRANTS TO ROLE ACME_TRANSFORMER" in [q.sql for q in queries]
    assert set(complete_show_rows(o)) == set(keys)


def test_nothing_missing_when_everything_is_there() -> None:
    o = SnowflakeObjects(prefix="acme")
    assert missing_objects(o, complete_show_rows(o)) == []


def test_missing_things_are_reported_one_per_line() -> None:
    o = SnowflakeObjects(prefix="acme")
    rows = complete_show_rows(o)
    rows["warehouse"] = []
    rows["schemas:ACME_ANALYTICS"] = [r for r in rows["schemas:ACME_ANALYTICS"] if r["name"] != "MARTS"]
    del rows["user:ACME_DBT"]
    rows["future_grants_to:ACME_SYNCER"] = [r for r in rows["future_grants_to:ACME_SYNCER"] if r["grant_on"] != "VIEW"]
    rows["grants_to:ACME_TRANSFORMER"] = [
        r for r in rows["grants_to:ACME_TRANSFORMER"] if r["PRIVILEGE"] != "OWNERSHIP"
    ]
    rows["grants_of:ACME_LOADER"] = [r for r in rows["grants_of:ACME_LOADER"] if r["granted_to"] != "USER"]
    assert missing_objects(o, rows) == [
        "warehouse ACME_WH",
        "schema ACME_ANALYTICS.MARTS",
        "user ACME_DBT",
        "role ACME_LOADER granted to user ACME_AIRBYTE",
        "OWNERSHIP on database ACME_ANALYTICS to role ACME_TRANSFORMER",
        "OWNERSHIP on schema ACME_ANALYTICS.ANALYTICS to role ACME_TRANSFORMER",
        "OWNERSHIP on schema ACME_ANALYTICS.MARTS to role ACME_TRANSFORMER",
        "SELECT on future views in ACME_ANALYTICS.MARTS to role ACME_SYNCER",
    ]


def test_no_rows_at_all_reports_everything() -> None:
    o = SnowflakeObjects(raw_schemas=RAW)
    missing = missing_objects(o, {})
    assert "warehouse TAPESTRY_WH" in missing and "role TAPESTRY_SYNCER" in missing
    non_all = sum(len(g.privileges) for g in o.grants() if not g.on_all)
    assert len(missing) == 1 + 2 + 5 + 3 + 3 + len(o.role_grants()) + non_all


# --------------------------------------------------------------------------------------------------------------------
# Resource monitor
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"credit_quota": 0}, "resource_monitor.credit_quota"),
        ({"credit_quota": 1_000_001}, "resource_monitor.credit_quota"),
        ({"credit_quota": 2.5}, "resource_monitor.credit_quota"),
        ({"credit_quota": True}, "resource_monitor.credit_quota"),
        ({"credit_quota": "20"}, "resource_monitor.credit_quota"),
        ({}, "resource_monitor.credit_quota"),
        ({"credit_quota": 5, "frequency": "DAILY"}, "resource_monitor.frequency"),
        ({"credit_quota": 5, "start_timestamp": "2027-01-01"}, "resource_monitor.frequency"),
        ({"credit_quota": 5, "frequency": "hourly", "start_timestamp": "2027-01-01"}, "resource_monitor.frequency"),
        ({"credit_quota": 5, "frequency": "DAILY", "start_timestamp": "soon"}, "resource_monitor.start_timestamp"),
        (
            {"credit_quota": 5, "frequency": "DAILY", "start_timestamp": "IMMEDIATELY"},
            "resource_monitor.start_timestamp",
        ),
        ({"credit_quota": 5, "notify_triggers": [0]}, "resource_monitor.notify_triggers"),
        ({"credit_quota": 5, "notify_triggers": "75"}, "resource_monitor.notify_triggers"),
        ({"credit_quota": 5, "suspend_trigger": 1001}, "resource_monitor.suspend_trigger"),
        ({"credit_quota": 5, "suspend_immediate_trigger": 99.5}, "resource_monitor.suspend_immediate_trigger"),
        ({"credit_quota": 5, "suspend_trigger": 120}, "resource_monitor.suspend_trigger"),
        ({"credit_quota": 5, "notify_users": ["bob smith"]}, "resource_monitor.notify_users"),
        ({"credit_quota": 5, "quota": 5}, "resource_monitor"),
    ],
)
def test_bad_resource_monitor_settings_name_the_setting(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(SnowflakeNameError) as info:
        SnowflakeObjects.from_overrides(resource_monitor=settings)
    assert info.value.field == field
    assert info.value.reason


def test_resource_monitor_defaults_and_normalisation() -> None:
    monitor = ResourceMonitor.from_mapping(
        {"credit_quota": 8, "frequency": "weekly", "start_timestamp": "2027-01-04", "notify_triggers": [90, 50, 90]}
    )
    assert monitor.frequency == "WEEKLY"
    assert monitor.notify_triggers == (50, 90)
    assert (monitor.suspend_trigger, monitor.suspend_immediate_trigger) == (100, 110)
    o = SnowflakeObjects(prefix="acme", resource_monitor=ResourceMonitor(20, notify_users=("bob", "Ann")))
    assert o.resource_monitor_name == "ACME_MONITOR"
    assert o.tfvars()["resource_monitor"] == {
        "credit_quota": 20,
        "frequency": None,
        "start_timestamp": None,
        "notify_triggers": [75, 90],
        "suspend_trigger": 100,
        "suspend_immediate_trigger": 110,
        "notify_users": ["ANN", "BOB"],
    }
    assert SnowflakeObjects().tfvars()["resource_monitor"] is None


def test_script_without_a_monitor_needs_no_accountadmin() -> None:
    sql = render_sql(SnowflakeObjects())
    assert "ACCOUNTADMIN" not in sql and "RESOURCE MONITOR" not in sql


def test_script_caps_the_warehouse_as_accountadmin_last() -> None:
    monitor = ResourceMonitor(
        20, frequency="DAILY", start_timestamp="2027-01-01 06:00", notify_triggers=(80,), notify_users=("ops",)
    )
    sql = render_sql(SnowflakeObjects(prefix="acme", resource_monitor=monitor, resource_monitor_name="acme_cap"))
    statements = sql_statements(sql)
    start = statements.index("USE ROLE ACCOUNTADMIN")
    assert statements[start + 1 :] == [
        "CREATE RESOURCE MONITOR IF NOT EXISTS ACME_CAP WITH CREDIT_QUOTA = 20 FREQUENCY = DAILY "
        "START_TIMESTAMP = '2027-01-01 06:00' NOTIFY_USERS = (OPS) TRIGGERS ON 80 PERCENT DO NOTIFY "
        "ON 100 PERCENT DO SUSPEND ON 110 PERCENT DO SUSPEND_IMMEDIATE",
        "ALTER RESOURCE MONITOR ACME_CAP SET CREDIT_QUOTA = 20 NOTIFY_USERS = (OPS) TRIGGERS ON 80 PERCENT DO NOTIFY "
        "ON 100 PERCENT DO SUSPEND ON 110 PERCENT DO SUSPEND_IMMEDIATE",
        "ALTER WAREHOUSE ACME_WH SET RESOURCE_MONITOR = ACME_CAP",
    ]
    assert "and ACCOUNTADMIN, for the resource monitor" in sql
    assert "20 credits per daily interval from 2027-01-01 06:00 UTC" in sql


def warehouse_row(name: str, monitor: str) -> dict[str, Any]:
    """A SHOW WAREHOUSES row as Snowflake returns it (no monitor: the string 'null')."""
    return {"name": name, "size": "X-Small", "resource_monitor": monitor}


def test_resource_monitor_problem() -> None:
    capped = SnowflakeObjects(prefix="acme", resource_monitor=ResourceMonitor(20))
    assert resource_monitor_problem(SnowflakeObjects(prefix="acme"), []) is None  # none wanted: nothing to check
    assert resource_monitor_problem(capped, [warehouse_row("ACME_WH", "ACME_MONITOR")]) is None
    assert resource_monitor_problem(capped, [warehouse_row("acme_wh", '"ACME_MONITOR"')]) is None
    assert resource_monitor_problem(capped, [warehouse_row("ACME_WH", "null")]) == (
        "warehouse ACME_WH is not capped by resource monitor ACME_MONITOR (assigned: none)"
    )
    assert "(assigned: FINANCE_CAP)" in str(resource_monitor_problem(capped, [warehouse_row("ACME_WH", "FINANCE_CAP")]))
    assert "ACME_WH is not visible" in str(resource_monitor_problem(capped, [warehouse_row("OTHER_WH", "X")]))


def test_verification_reports_an_unassigned_monitor() -> None:
    o = SnowflakeObjects(prefix="acme", resource_monitor=ResourceMonitor(20))
    rows = complete_show_rows(o)
    rows["warehouse"] = [warehouse_row("ACME_WH", "null")]
    assert missing_objects(o, rows) == ["resource monitor ACME_MONITOR on warehouse ACME_WH"]
    rows["warehouse"] = [warehouse_row("ACME_WH", "ACME_MONITOR")]
    assert missing_objects(o, rows) == []
