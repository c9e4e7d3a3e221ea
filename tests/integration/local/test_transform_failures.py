"""A failing dbt model or test stops the run and names it."""

from __future__ import annotations

from pathlib import Path

from support.projects import make_project


def test_failing_test_stops_the_run_with_its_name(tmp_path: Path) -> None:
    demo = make_project(tmp_path, rows=300, run=False)
    models = demo.project / "dbt_project" / "models" / "marts"
    # Break the one-row-per-email contract on real rows: the unique test on email_address must catch it. (The
    # template's unit test of the audience gives no first_seen_at, so its fixture rows are not doubled.)
    audience = models / "audience.sql"
    original = audience.read_text()
    audience.write_text(
        f"with a as (\n{original}\n)\nselect * from a\nunion all\n"
        "(select * from a where first_seen_at is not null limit 1)\n"
    )
    result = demo.cli("run", "--project", "project")
    assert result.returncode == 1
    assert "unique_audience_email_address" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_failing_model_stops_the_run_with_its_name(tmp_path: Path) -> None:
    demo = make_project(tmp_path, rows=300, run=False)
    (demo.project / "dbt_project" / "models" / "staging" / "zoom" / "stg_zoom__webinar_registrants.sql").write_text(
        "select no_such_column from {{ source('zoom', 'webinar_registrants') }}"
    )
    result = demo.cli("run", "--project", "project")
    assert result.returncode == 1
    assert "dbt model stg_zoom__webinar_registrants errored" in result.stderr
