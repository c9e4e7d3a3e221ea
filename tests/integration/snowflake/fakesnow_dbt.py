"""Run in a subprocess by test_dbt_snowflake.py (with a hard timeout, because a connector talking to
fakesnow can retry forever on an unhandled error).

Loads the raw tables given as JSON into fakesnow the way Airbyte lands them on Snowflake (upper-case
RAW.<NAMESPACE>.<STREAM>), runs the real dbt project on dbt-snowflake through Tapestry's dbt runner,
and prints the audience rows and the identity map (after a first and a second build) as JSON.

    python fakesnow_dbt.py <raw.json> <dbt_project_dir> <work_dir> <vars.json> [<audience columns>]

vars.json holds the dbt vars Tapestry passes for the project (`tapestry_sources`, `identity`); the audience
columns (comma-separated) are the ones printed, by default those of the zoom_salesforce_mailchimp template.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

DEFAULT_COLUMNS = (
    "email_address, first_name, last_name, in_zoom, in_salesforce, webinar_count, first_seen_at, last_seen_at"
)


def main() -> None:
    raw_file, project_dir, work_dir, vars_file = (Path(a) for a in sys.argv[1:5])
    audience_columns = sys.argv[5] if len(sys.argv) > 5 else DEFAULT_COLUMNS
    raw = json.loads(raw_file.read_text())
    source_vars = json.loads(vars_file.read_text())
    warnings.filterwarnings("ignore")  # fakesnow's arrow-copy warning, once per query
    import fakesnow
    import snowflake.connector
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tapestry.engines.transform.dbt_runner import DbtInvocation, run_dbt
    from tapestry.engines.transform.profiles import SnowflakeTarget, render_profile
    from tapestry.engines.warehouse.snowflake_adapter import SnowflakeSettings, SnowflakeWarehouse

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()

    with fakesnow.patch(nop_regexes=[r"^\s*(GRANT|REVOKE)\b"]):
        setup = snowflake.connector.connect()
        for statement in (
            "create database if not exists TAPESTRY_RAW",
            "create database if not exists TAPESTRY_ANALYTICS",
            *(f"create schema if not exists {table.rsplit('.', 1)[0]}" for table in raw),
        ):
            setup.cursor().execute(statement)
        setup.close()
        loader = SnowflakeWarehouse(
            SnowflakeSettings(
                "fakesnow", "TAPESTRY_AIRBYTE", "TAPESTRY_LOADER", "TAPESTRY_WH", "TAPESTRY_RAW", private_key_pem=pem
            )
        )
        for table, spec in raw.items():
            columns = ", ".join(f"{name.upper()} {type_}" for name, type_ in spec["columns"])
            loader.execute(f"create or replace table {table} ({columns})")
            loader.insert_rows(table, [c.upper() for c, _ in spec["columns"]], spec["rows"])
        loader.close()

        target = SnowflakeTarget(
            account="fakesnow",
            user="TAPESTRY_DBT",
            role="TAPESTRY_TRANSFORMER",
            warehouse="TAPESTRY_WH",
            database="TAPESTRY_ANALYTICS",
            schema="ANALYTICS",
            threads=1,
        )
        os.environ[target.private_key_env] = pem
        invocation = DbtInvocation(
            project_dir=project_dir,
            profile_yaml=render_profile(target),
            work_dir=work_dir,
            target=target.name,
            vars={"raw_database": "TAPESTRY_RAW", "marts_schema": "MARTS", **source_vars},
            env={target.private_key_env: pem},
        )
        # dbt unit tests create fully-qualified TEMPORARY tables, which fakesnow cannot; they run on
        # DuckDB, and they test SQL logic, not the adapter.
        result = run_dbt("build", invocation, extra_args=["--exclude-resource-type", "unit_test"])
        reader = SnowflakeWarehouse(
            SnowflakeSettings("fakesnow", "TAPESTRY_SYNC", "TAPESTRY_SYNCER", "TAPESTRY_WH", "TAPESTRY_ANALYTICS")
        )
        rows = reader.query(f"select {audience_columns} from MARTS.AUDIENCE")
        rejected = reader.query("select reason, count(*) from MARTS.AUDIENCE_REJECTED_RECORDS group by 1")
        identity = reader.query("select record_id, person_id, matched_by from MARTS.IDENTITY_MAP")
        # A second build reads the identity map it replaces (and appends to the incremental change log).
        run_dbt("build", invocation, extra_args=["--exclude-resource-type", "unit_test"])
        rebuilt = reader.query("select record_id, person_id, matched_by from MARTS.IDENTITY_MAP")
        changes = reader.query("select count(*) from MARTS.IDENTITY_CHANGES")[0][0]
    print(
        json.dumps(
            {
                "models": result.models_passed,
                "tests": result.tests_passed,
                "audience": [[_as_json(v) for v in r] for r in rows],
                "rejected": {str(k): int(v) for k, v in rejected},
                "identity": sorted([str(v) for v in r] for r in identity),
                "identity_rebuilt": sorted([str(v) for v in r] for r in rebuilt),
                "changes_after_rebuild": int(changes),
            }
        )
    )


def _as_json(value: object) -> object:
    """Timestamps and dates as ISO text, decimals (a number column) as text of the same digits."""
    from decimal import Decimal

    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


if __name__ == "__main__":
    main()
