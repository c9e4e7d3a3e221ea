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


def test_a_failing_unit_test_is_named_on_one_plain_line(tmp_path: Path) -> None:
    """dbt colours a unit test's diff even when no terminal reads it: the error carries the diff, not the codes."""
    demo = make_project(tmp_path, rows=300, run=False)
    cuts = demo.project / "dbt_project" / "models" / "marts" / "identity_limit_cuts.sql"
    cuts.write_text(cuts.read_text().replace("as resolved_with", "|| ' (changed)' as resolved_with"))
    result = demo.cli("run", "--project", "project")
    assert result.returncode == 1
    assert "dbt unit test a_cut_names_the_rules_it_kept_as_identity_map_names_them failed" in result.stderr
    assert "(changed)" in result.stderr, "the diff says what differs"
    assert "\x1b" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_failing_model_stops_the_run_with_its_name(tmp_path: Path) -> None:
    demo = make_project(tmp_path, rows=300, run=False)
    (demo.project / "dbt_project" / "models" / "staging" / "zoom" / "stg_zoom__webinar_registrants.sql").write_text(
        "select no_such_column from {{ source('zoom', 'webinar_registrants') }}"
    )
    result = demo.cli("run", "--project", "project")
    assert result.returncode == 1
    assert "dbt model stg_zoom__webinar_registrants errored" in result.stderr
