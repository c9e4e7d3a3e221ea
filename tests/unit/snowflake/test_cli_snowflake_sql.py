"""`tapestry snowflake-sql`, run as a user would (subprocess), outside and inside a project."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from support.cli import TapestryCLI
from tapestry.engines.warehouse.snowflake_objects import ResourceMonitor, SnowflakeObjects, render_sql


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, f"expected a one-line error, got:\n{stderr}"
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def test_prints_the_script_with_the_prefix_and_the_key(
    cli: TapestryCLI, tmp_path: Path, public_key_pem: Callable[[], str]
) -> None:
    pem = public_key_pem()
    (tmp_path / "key.pub").write_text(pem)
    result = cli.ok("snowflake-sql", "--prefix", "ACME", "--public-key", "ACME_DBT=key.pub")
    body = "".join(pem.strip().splitlines()[1:-1])
    assert result.stdout == render_sql(SnowflakeObjects(prefix="ACME"), {"ACME_DBT": pem})
    assert "CREATE WAREHOUSE IF NOT EXISTS ACME_WH" in result.stdout
    assert "CREATE DATABASE IF NOT EXISTS ACME_RAW" in result.stdout
    assert f"CREATE USER IF NOT EXISTS ACME_DBT TYPE = SERVICE RSA_PUBLIC_KEY = '{body}'" in result.stdout
    assert not re.search(r"\bTAPESTRY_(?!SYNC\b)", result.stdout), "only the sync schema keeps its fixed name"
    assert result.stderr == ""


def test_defaults_and_name_flags(cli: TapestryCLI) -> None:
    assert "CREATE WAREHOUSE IF NOT EXISTS TAPESTRY_WH" in cli.ok("snowflake-sql").stdout
    out = cli.ok(
        "snowflake-sql",
        "--prefix",
        "acme",
        "--warehouse",
        "shared_wh",
        "--raw-database",
        "landing",
        "--analytics-database",
        "dw",
    ).stdout
    assert out == render_sql(
        SnowflakeObjects(prefix="acme", warehouse="shared_wh", raw_database="landing", analytics_database="dw")
    )
    assert "GRANT USAGE ON WAREHOUSE SHARED_WH TO ROLE ACME_LOADER;" in out


def test_output_file(cli: TapestryCLI, tmp_path: Path, public_key_pem: Callable[[], str]) -> None:
    (tmp_path / "airbyte.pub").write_text(public_key_pem())
    result = cli.ok("snowflake-sql", "--public-key", "airbyte=airbyte.pub", "--output", "out/tapestry.sql")
    written = (tmp_path / "out" / "tapestry.sql").read_text()
    assert result.stdout == ""
    assert "wrote out/tapestry.sql" in result.stderr and "TAPESTRY" in result.stderr
    assert "ALTER USER TAPESTRY_AIRBYTE SET RSA_PUBLIC_KEY" in written


def test_invalid_prefix_is_a_one_line_error_naming_the_flag(cli: TapestryCLI) -> None:
    result = cli("snowflake-sql", "--prefix", "1bad;drop")
    assert result.returncode == 2
    line = one_line_error(result.stderr)
    assert "--prefix '1bad;drop'" in line and "Fix:" in line and "--prefix ACME" in line
    assert result.stdout == ""


def test_invalid_database_name_names_its_flag(cli: TapestryCLI) -> None:
    result = cli("snowflake-sql", "--raw-database", "raw-db")
    assert result.returncode == 2
    line = one_line_error(result.stderr)
    assert "--raw-database 'raw-db'" in line and "Fix:" in line


def test_missing_key_file_is_a_one_line_error(cli: TapestryCLI) -> None:
    result = cli("snowflake-sql", "--prefix", "ACME", "--public-key", "ACME_DBT=missing.pub")
    assert result.returncode == 2
    line = one_line_error(result.stderr)
    assert "ACME_DBT=missing.pub" in line and "not found" in line and "Fix:" in line
    assert result.stdout == ""


def test_private_key_or_unknown_user_is_refused(
    cli: TapestryCLI, tmp_path: Path, public_key_pem: Callable[[], str]
) -> None:
    (tmp_path / "key.p8").write_text(
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
    )
    result = cli("snowflake-sql", "--public-key", "dbt=key.p8")
    assert result.returncode == 2
    assert "PRIVATE key" in one_line_error(result.stderr)
    assert "MIIEvQ" not in result.stdout + result.stderr, "a private key must never be echoed"

    (tmp_path / "key.pub").write_text(public_key_pem())
    result = cli("snowflake-sql", "--public-key", "BOB=key.pub")
    assert result.returncode == 2
    assert "no service user 'BOB'" in one_line_error(result.stderr)

    result = cli("snowflake-sql", "--public-key", "key.pub")
    assert result.returncode == 2
    assert "USER=FILE" in one_line_error(result.stderr)


def test_inside_a_project_the_configured_prefix_is_the_default(cli: TapestryCLI, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "tapestry.yml").write_text(
        "schema_version: 1\nproject: demo\ntarget: aws\nwarehouse:\n  type: snowflake\n  account: myorg-myacct\n"
        "  prefix: demo_co\n"
    )
    assert "CREATE WAREHOUSE IF NOT EXISTS DEMO_CO_WH" in cli.ok("snowflake-sql", "--project", "proj").stdout
    assert (
        "CREATE WAREHOUSE IF NOT EXISTS OVERRIDE_WH"
        in cli.ok("snowflake-sql", "-p", "proj", "--prefix", "override").stdout
    )

    (project / "tapestry.yml").write_text("warehouse:\n  type: snowflake\n  prefix: 9bad\n")
    result = cli("snowflake-sql", "--project", "proj")
    assert result.returncode == 2
    assert "tapestry.yml" in one_line_error(result.stderr)


def test_raw_schemas_are_the_projects_sources_or_the_flags(cli: TapestryCLI, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "tapestry.yml").write_text(
        "schema_version: 2\nproject: demo\ntarget: aws\nwarehouse: {type: snowflake, account: myorg-myacct}\n"
        "sources:\n  crm: {type: salesforce}\n  webinars: {type: zoom}\n"
    )
    out = cli.ok("snowflake-sql", "--project", "proj").stdout
    assert out == render_sql(SnowflakeObjects(raw_schemas=("CRM", "WEBINARS")))
    for schema in ("CRM", "WEBINARS"):
        assert f"CREATE SCHEMA IF NOT EXISTS TAPESTRY_RAW.{schema} " in out
        assert f"GRANT SELECT ON FUTURE TABLES IN SCHEMA TAPESTRY_RAW.{schema} TO ROLE TAPESTRY_TRANSFORMER;" in out
    assert "NOTE: no raw schema" not in out

    flagged = cli.ok("snowflake-sql", "--project", "proj", "--raw-schema", "events").stdout
    assert "TAPESTRY_RAW.EVENTS " in flagged and "TAPESTRY_RAW.CRM" not in flagged

    # A version 1 file always had both sources.
    (project / "tapestry.yml").write_text("schema_version: 1\nproject: demo\nwarehouse: {type: snowflake}\n")
    v1 = cli.ok("snowflake-sql", "--project", "proj").stdout
    assert "TAPESTRY_RAW.SALESFORCE " in v1 and "TAPESTRY_RAW.ZOOM " in v1


def test_without_sources_the_script_says_how_to_add_raw_schemas(cli: TapestryCLI) -> None:
    out = cli.ok("snowflake-sql").stdout
    assert "NOTE: no raw schema" in out and "--raw-schema NAME" in out
    assert "CREATE SCHEMA IF NOT EXISTS TAPESTRY_RAW." not in out


@pytest.mark.parametrize("name", ["web-forms", "marts", "public"])
def test_an_invalid_raw_schema_is_a_one_line_error_naming_the_flag(cli: TapestryCLI, name: str) -> None:
    result = cli("snowflake-sql", "--raw-schema", name)
    assert result.returncode == 2
    line = one_line_error(result.stderr)
    assert f"--raw-schema {name.upper()!r}" in line or f"--raw-schema {name!r}" in line
    assert "Fix:" in line


def test_a_local_project_keeps_the_defaults(cli: TapestryCLI, tmp_path: Path) -> None:
    (tmp_path / "tapestry.yml").write_text("schema_version: 1\nproject: demo\nwarehouse:\n  type: duckdb\n")
    assert "CREATE WAREHOUSE IF NOT EXISTS TAPESTRY_WH" in cli.ok("snowflake-sql").stdout


def test_help_teaches(cli: TapestryCLI) -> None:
    out = cli.ok("snowflake-sql", "--help").stdout
    for text in (
        "--prefix",
        "--public-key",
        "USER=FILE",
        "openssl rsa",
        "SECURITYADMIN",
        "idempotent",
        "terraform/modules/snowflake",
        "--credit-quota",
        "ACCOUNTADMIN",
    ):
        assert text in out, text
    assert "snowflake-sql" in cli.ok("--help").stdout


def test_credit_quota_adds_the_resource_monitor(cli: TapestryCLI) -> None:
    out = cli.ok(
        "snowflake-sql",
        "--prefix",
        "acme",
        "--credit-quota",
        "20",
        "--notify-at",
        "50",
        "--notify-at",
        "95",
        "--suspend-immediately-at",
        "150",
        "--notify-user",
        "data_lead",
        "--monitor-frequency",
        "weekly",
        "--monitor-start",
        "2027-01-04 00:00",
        "--monitor-name",
        "acme_cap",
    ).stdout
    monitor = ResourceMonitor(
        20,
        frequency="WEEKLY",
        start_timestamp="2027-01-04 00:00",
        notify_triggers=(50, 95),
        suspend_immediate_trigger=150,
        notify_users=("DATA_LEAD",),
    )
    assert out == render_sql(
        SnowflakeObjects(prefix="acme", resource_monitor=monitor, resource_monitor_name="acme_cap")
    )
    assert "ALTER WAREHOUSE ACME_WH SET RESOURCE_MONITOR = ACME_CAP;" in out
    assert "ACCOUNTADMIN" not in cli.ok("snowflake-sql", "--prefix", "acme").stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--suspend-at", "90"], "--suspend-at configures a resource monitor, but no credit quota was given"),
        (["--credit-quota", "0"], "--credit-quota"),
        (["--credit-quota", "5", "--suspend-at", "200"], "must not be above suspend_immediate_trigger"),
        (["--credit-quota", "5", "--monitor-frequency", "DAILY"], "give both --monitor-frequency and --monitor-start"),
        (["--credit-quota", "5", "--monitor-frequency", "hourly", "--monitor-start", "2027-01-01"], "MONTHLY"),
        (["--credit-quota", "5", "--notify-at", "0"], "--notify-at"),
        (["--credit-quota", "5", "--notify-user", "bob smith"], "--notify-user"),
        (["--credit-quota", "5", "--monitor-name", "cap-1"], "--monitor-name"),
    ],
)
def test_bad_monitor_flags_are_one_line_errors(cli: TapestryCLI, args: list[str], expected: str) -> None:
    result = cli("snowflake-sql", *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in one_line_error(result.stderr)
    assert result.stdout == ""


def test_inside_a_project_the_configured_monitor_is_the_default(cli: TapestryCLI, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "tapestry.yml").write_text(
        "warehouse:\n  type: snowflake\n  prefix: demo_co\n"
        "  resource_monitor: {credit_quota: 12, notify_users: [ops], name: demo_cap}\n"
    )
    out = cli.ok("snowflake-sql", "--project", "proj").stdout
    assert "CREATE RESOURCE MONITOR IF NOT EXISTS DEMO_CAP WITH CREDIT_QUOTA = 12 NOTIFY_USERS = (OPS)" in out
    assert "ALTER WAREHOUSE DEMO_CO_WH SET RESOURCE_MONITOR = DEMO_CAP;" in out
    assert (
        "CREDIT_QUOTA = 30 NOTIFY_USERS = (OPS)" in cli.ok("snowflake-sql", "-p", "proj", "--credit-quota", "30").stdout
    )

    (project / "tapestry.yml").write_text("warehouse:\n  type: snowflake\n  resource_monitor: {credit_quota: -1}\n")
    result = cli("snowflake-sql", "--project", "proj")
    assert result.returncode == 2
    assert "warehouse.resource_monitor in tapestry.yml" in one_line_error(result.stderr)
