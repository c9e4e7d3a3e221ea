"""Ingestion through `tapestry run`: reruns load nothing new, bad files change nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from support.cli import TapestryCLI, write_answers
from support.projects import make_project


def _snapshot(warehouse: Path) -> dict[str, object]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
            for t in ("zoom.webinar_registrants", "salesforce.contact", "tapestry_meta.loaded_files")
        }
        audience = con.execute("select * from marts.audience order by email_address").fetchall()
    counts["audience_md5"] = hashlib.md5(repr(audience).encode()).hexdigest()
    return counts


def test_rerun_loads_nothing_and_keeps_the_audience_identical(tmp_path: Path) -> None:
    demo = make_project(tmp_path)
    before = _snapshot(demo.warehouse)
    # regenerate the same files (same seed) and copy one under another name: same content, not reloaded
    demo.cli.ok("demo-data", "--out", "exports", "--rows", "3000", "--seed", "7")
    first = sorted((demo.exports / "zoom").glob("*.csv"))[0]
    shutil.copy(first, demo.exports / "zoom" / "renamed_copy.csv")
    second = demo.cli.ok("run", "--project", "project")
    assert "no new files" in second.stdout
    assert "up to date" in second.stdout
    assert _snapshot(demo.warehouse) == before
    status = json.loads(demo.cli.ok("status", "--project", "project", "--json").stdout)
    assert status["last_run"]["status"] == "succeeded"
    assert [p["status"] for p in status["last_run"]["phases"]] == ["skipped", "skipped", "skipped"]
    assert "preview unchanged" in status["last_run"]["phases"][2]["summary"]["reason"]  # no API key: a preview
    assert status["phases"]["sync"]["summary"]["syncs"]["newsletter"]["preview"] is True
    assert status["phases"]["ingest"]["summary"]["rows_loaded"] > 0  # the last real load stays visible


def test_new_file_is_loaded_and_rebuilds_the_audience(tmp_path: Path) -> None:
    demo = make_project(tmp_path)
    before = _snapshot(demo.warehouse)
    (demo.exports / "zoom" / "late.csv").write_text(
        "id,webinar_id,email,first_name,last_name,create_time\nlate1,w9,Newcomer@Example.com,New,Comer,2026-10-01T00:00:00Z\n"
    )
    out = demo.cli.ok("run", "--project", "project").stdout
    after = _snapshot(demo.warehouse)
    assert after["zoom.webinar_registrants"] == before["zoom.webinar_registrants"] + 1  # type: ignore[operator]
    assert "1 new file," in out and "1 new files" not in out
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        assert con.execute(
            "select first_name from marts.audience where email_address = 'newcomer@example.com'"
        ).fetchall() == [("New",)]


BAD_FILES = {
    "missing_column.csv": (
        "id,webinar_id,first_name,create_time\nr1,w1,Ann,2026-01-01T00:00:00Z\n",
        "column 'email' is missing",
    ),
    "wrong_type.csv": (
        "id,webinar_id,email,create_time\nr1,w1,a@example.com,2026-01-01T00:00:00Z\nr2,w1,b@example.com,last tuesday\n",
        "column 'create_time' has 'last tuesday' on line 3, which is not a timestamp",
    ),
    "unreadable.jsonl": ('{"id": "r1", "webinar_id": "w1", "email": \n', "line 1: not a JSON object"),
    "empty_key.csv": (
        "id,webinar_id,email,create_time\n,w1,a@example.com,2026-01-01T00:00:00Z\n",
        "column 'id' is empty on line 2",
    ),
    "binary.parquet": ("this is not parquet at all", "cannot be read as PARQUET"),
}


@pytest.fixture(scope="module")
def loaded_project(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return make_project(tmp_path_factory.mktemp("bad-files"), rows=500, zoom_files=["exports/zoom/*"])


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_malformed_file_fails_in_one_line_and_leaves_the_warehouse_untouched(loaded_project, name: str) -> None:  # type: ignore[no-untyped-def]
    content, expected = BAD_FILES[name]
    before = _snapshot(loaded_project.warehouse)
    # a good new file sorts before the bad one, so a non-atomic load would keep it
    good = loaded_project.exports / "zoom" / "a_good_new_file.csv"
    good.write_text("id,webinar_id,email,create_time\ng1,w1,good@example.com,2026-01-01T00:00:00Z\n")
    bad = loaded_project.exports / "zoom" / f"z_{name}"
    bad.write_text(content)
    try:
        result = loaded_project.cli("run", "--project", "project")
    finally:
        good.unlink()
        bad.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(error_lines) == 1, result.stderr
    assert str(bad) in error_lines[0] and expected in error_lines[0], error_lines[0]
    assert "Fix:" in error_lines[0]
    assert _snapshot(loaded_project.warehouse) == before
    status = json.loads(loaded_project.cli.ok("status", "--project", "project", "--json").stdout)
    assert status["phases"]["ingest"]["status"] == "failed"
    assert expected in status["phases"]["ingest"]["error"]


def _raw_rows(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every raw table's rows, sorted, without the load's own columns (_airbyte_raw_id, _airbyte_extracted_at).

    Values are stored as exported, and a CSV cannot tell an empty value from a missing one (it loads as
    null) while the demo's Parquet files carry empty strings: an empty string counts as null here, as it
    does for the staging models."""
    rows = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in ("zoom.webinar_registrants", "salesforce.contact"):
            columns = [c for (c,) in con.execute(f"select column_name from (describe {table})").fetchall()]
            kept = ", ".join(c for c in columns if not c.startswith("_airbyte_"))
            loaded = con.execute(f"select {kept} from {table}").fetchall()
            rows[table] = sorted((tuple(None if v == "" else v for v in row) for row in loaded), key=repr)
    return rows


def test_each_supported_format_loads_the_same_rows(tmp_path: Path) -> None:
    """The same demo data as CSV, JSON lines and Parquet lands as the same typed raw rows (the ingest phase
    alone: dbt would only repeat the comparison one layer up)."""
    from tapestry.phases.context import ProjectContext
    from tapestry.phases.local_pipeline import ingest_phase
    from tapestry.targets.local import LocalTarget

    loaded = {}
    for fmt in ("csv", "jsonl", "parquet"):
        root = tmp_path / fmt
        root.mkdir()
        cli = TapestryCLI(cwd=root)
        cli.ok("demo-data", "--out", "exports", "--rows", "400", "--seed", "3", "--format", fmt)
        write_answers(
            root / "a.yml",
            project_name="fmt",
            target="local",
            zoom_files=[f"exports/zoom/*.{fmt}"],
            salesforce_files=[f"exports/salesforce/*.{fmt}"],
        )
        cli.ok("init", "p", "--non-interactive", "--answers", "a.yml")
        summary = ingest_phase(LocalTarget(ProjectContext.open(root / "p")))
        assert summary.files_loaded == len(list((root / "exports").rglob(f"*.{fmt}")))
        loaded[fmt] = _raw_rows(root / "p" / "warehouse.duckdb")
    assert loaded["csv"] == loaded["jsonl"] == loaded["parquet"]
    assert all(len(rows) > 100 for rows in loaded["csv"].values())
