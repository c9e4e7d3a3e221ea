"""Zoom's create_time as text on DuckDB: source-zoom declares it a plain string, so wherever it lands as text
the staging model's explicit cast must give the same audience, with timestamps (the Snowflake side of this is
tests/integration/snowflake/test_dbt_snowflake.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from support.projects import make_project
from tapestry.engines.transform.dbt_runner import run_dbt
from tapestry.engines.warehouse.duckdb_adapter import connect_config
from tapestry.phases.context import ProjectContext
from tapestry.phases.local_pipeline import dbt_invocation
from tapestry.targets import open_target

AUDIENCE = (
    "select email_address, first_name, last_name, in_zoom, webinar_count, first_seen_at, last_seen_at "
    "from marts.audience order by email_address"
)


def test_zoom_create_time_as_text_builds_the_same_audience(tmp_path: Path) -> None:
    demo = make_project(tmp_path, rows=400, seed=3)
    with duckdb.connect(str(demo.warehouse)) as con:
        before = con.execute(AUDIENCE).fetchall()
        con.execute(
            "alter table zoom.webinar_registrants alter create_time set data type varchar "
            "using strftime(create_time at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ')"
        )
        sample = con.execute("select create_time from zoom.webinar_registrants limit 1").fetchone()
    assert sample is not None and isinstance(sample[0], str) and sample[0].endswith("Z")

    run_dbt("build", dbt_invocation(open_target(ProjectContext.open(demo.project))))  # type: ignore[arg-type]

    with duckdb.connect(str(demo.warehouse), config=connect_config()) as con:  # dbt's in-process instance
        after = con.execute(AUDIENCE).fetchall()
    assert after == before
    assert any(row[3] for row in after) and all(isinstance(row[5], datetime) for row in after if row[3])
