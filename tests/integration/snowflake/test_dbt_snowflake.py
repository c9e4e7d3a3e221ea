"""A project's dbt project (the bundled one with identity resolution, the template's mart and the source
plugins' models) builds with dbt-snowflake (against fakesnow), with the vars Tapestry passes on Snowflake, and
yields exactly the audience and the identity map it builds on DuckDB."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from support.projects import make_project
from tapestry.phases.sources import dbt_project_vars, source_streams
from tapestry.project.config import load_config
from tapestry.sources.base import raw_schema

SNOWFLAKE_TYPES = {"VARCHAR": "VARCHAR", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP_TZ", "BOOLEAN": "BOOLEAN"}


# What destination-snowflake makes of source-zoom's webinar_registrants: create_time is a plain string in the
# connector's schema (no format: date-time), so it lands as VARCHAR holding Zoom's ISO text.
TEXT_COLUMNS = {("TAPESTRY_RAW.ZOOM.WEBINAR_REGISTRANTS", "create_time")}


def landed_type(table: str, column: str, duckdb_type: str) -> str:
    return "VARCHAR" if (table, column) in TEXT_COLUMNS else SNOWFLAKE_TYPES[duckdb_type]


def as_landed(value: object) -> object:
    """Timestamps as Zoom writes them (`2026-01-05T10:00:00Z`)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value


def _normalise(row: list[object]) -> tuple[object, ...]:
    """Timestamps as UTC ISO strings, whichever driver returned them."""

    def one(value: object) -> object:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        if isinstance(value, str) and value[:4].isdigit() and "T" in value and value[-6] in "+-":
            return datetime.fromisoformat(value).astimezone(UTC).isoformat()
        return value

    return tuple(one(v) for v in row)


def test_dbt_snowflake_on_fakesnow_builds_the_same_audience_as_duckdb(tmp_path: Path) -> None:
    (tmp_path / "local").mkdir()
    demo = make_project(tmp_path / "local", rows=1_500, seed=11)
    config = load_config(demo.project)
    # Where Airbyte lands each stream on Snowflake: RAW.<SOURCE NAME>.<STREAM>, upper-cased.
    raw_tables = {
        table: f"TAPESTRY_RAW.{raw_schema(stream.source)}.{stream.name.upper()}"
        for table, stream in source_streams(config).items()
    }
    assert set(raw_tables.values()) == {"TAPESTRY_RAW.ZOOM.WEBINAR_REGISTRANTS", "TAPESTRY_RAW.SALESFORCE.CONTACT"}
    (tmp_path / "vars.json").write_text(json.dumps(dbt_project_vars(config, raw_schema)))
    raw: dict[str, dict[str, object]] = {}
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        for local, remote in raw_tables.items():
            columns = con.execute(f"describe {local}").fetchall()
            rows = con.execute(f"select * from {local}").fetchall()
            raw[remote] = {
                "columns": [(name, landed_type(remote, name, type_)) for name, type_, *_ in columns],
                "rows": [[as_landed(v) for v in r] for r in rows],
            }
        expected = con.execute(
            "select email_address, first_name, last_name, in_zoom, in_salesforce, webinar_count, "
            "first_seen_at, last_seen_at from marts.audience"
        ).fetchall()
        expected_rejected = dict(
            con.execute("select reason, count(*) from marts.audience_rejected_records group by 1").fetchall()
        )
        expected_identity = sorted(
            [str(v) for v in r]
            for r in con.execute("select record_id, person_id, matched_by from marts.identity_map").fetchall()
        )
    (tmp_path / "raw.json").write_text(json.dumps(raw))

    result = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("fakesnow_dbt.py")),
            str(tmp_path / "raw.json"),
            str(demo.project / "dbt_project"),
            str(tmp_path / "dbt-work"),
            str(tmp_path / "vars.json"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    built = json.loads(result.stdout.strip().splitlines()[-1])
    # 2 staging, 2 people, union, 3 identity steps, identity_map, people, audience, rejected and 3 identity reports
    assert built["models"] == 15
    assert sorted(_normalise(r) for r in built["audience"]) == sorted(_normalise(list(r)) for r in expected)
    assert built["rejected"] == expected_rejected
    # identity resolution (label propagation in SQL) finds the same people, with the same ids, on Snowflake
    assert built["identity"] == expected_identity
    assert built["identity_rebuilt"] == expected_identity, "a rebuild keeps every person id"
    assert built["changes_after_rebuild"] == 0
    assert len({person for _, person, _ in expected_identity}) < len(expected_identity)
