"""The dashboard when things are not in order: a run holding the warehouse, a fresh project, failures."""

from __future__ import annotations

import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from integration.dashboard.scenario import Scenario, fetch, running_dashboard, scalar, write_zoom_file
from support.projects import make_project

BUSY = "warehouse busy (a run is in progress) — showing the last known state"
API = ("overview", "ingestion", "warehouse", "sync", "alarms", "docs", "health")
PAGES = ("/", "/ingestion", "/warehouse", "/sync", "/alarms", "/docs")

# Another process opens the warehouse for writing, as `tapestry run` does, until its stdin closes.
HOLD_WRITE_LOCK = "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('locked', flush=True); sys.stdin.read()"


@contextmanager
def write_lock_held(warehouse: Path, timeout: float = 30.0) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITE_LOCK, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        ready, _, _ = select.select([holder.stdout], [], [], timeout)
        assert ready, "the lock holder did not start in time"
        line = holder.stdout.readline()
        assert line.strip() == "locked", (
            f"the lock holder failed: {line}{holder.stderr.read() if holder.stderr else ''}"
        )
        yield
    finally:
        if holder.stdin is not None:
            holder.stdin.close()
        holder.wait(timeout)


def copy_project(scenario: Scenario, tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(scenario.project, target)
    return target


def test_while_a_run_holds_the_warehouse_the_state_still_shows(scenario: Scenario, tmp_path: Path) -> None:
    project = copy_project(scenario, tmp_path)
    warehouse = project / "warehouse.duckdb"
    zoom_rows = scalar(warehouse, "select count(*) from zoom.webinar_registrants")
    audience = scalar(warehouse, "select count(*) from marts.audience")
    people = scalar(warehouse, "select count(distinct person_id) from marts.identity_map")
    with write_lock_held(warehouse), running_dashboard(project) as server:  # nothing read before the lock
        base = server.url.rstrip("/")
        for name in API:
            assert fetch(f"{base}/api/{name}").status == 200, name
        for path in PAGES:
            reply = fetch(base + path)
            assert reply.status == 200, path
        ingestion = fetch(f"{base}/api/ingestion").json()
        assert ingestion["warehouse"] == {"state": "busy", "message": BUSY, "as_of": None}
        assert ingestion["raw_tables_source"] == "state"
        assert {t["source"]: t["rows"] for t in ingestion["raw_tables"]}["zoom"] == zoom_rows
        warehouse_data = fetch(f"{base}/api/warehouse").json()
        assert warehouse_data["audience_source"] == "state" and warehouse_data["audience"]["size"] == audience
        assert warehouse_data["dbt"]["available"], "dbt's artifact does not need the warehouse"
        assert warehouse_data["identity"]["from_state"] and warehouse_data["identity"]["people"] == people
        overview = fetch(f"{base}/api/overview").json()
        assert [p["status"] for p in overview["phases"]] == ["succeeded"] * 3
        assert fetch(f"{base}/api/health").json()["status"] == "degraded"
        page = fetch(f"{base}/ingestion").text
        assert BUSY in page and "from the last run's summary" in page


def test_a_busy_warehouse_shows_the_last_reading(scenario: Scenario, tmp_path: Path) -> None:
    project = copy_project(scenario, tmp_path)
    with running_dashboard(project) as server:
        base = server.url.rstrip("/")
        before = fetch(f"{base}/api/sync").json()
        assert before["warehouse"]["state"] == "ok"
        with write_lock_held(project / "warehouse.duckdb"):
            during = fetch(f"{base}/api/sync").json()
            page = fetch(f"{base}/sync").text
        after = fetch(f"{base}/api/sync").json()
    assert during["warehouse"]["state"] == "busy" and during["warehouse"]["as_of"]
    assert during["runs"] == before["runs"] and during["rejections"] == before["rejections"]
    assert BUSY in page and "last reading" in page
    assert after["warehouse"]["state"] == "ok", "the dashboard did not keep the warehouse open"


def test_a_readable_warehouse_without_identity_models_shows_no_identity_numbers(
    scenario: Scenario, tmp_path: Path
) -> None:
    """The last build's identity numbers stand in only while a run holds the warehouse; once the warehouse answers
    and has no identity_map (reset, or identity switched off) there are no people to count."""
    project = copy_project(scenario, tmp_path)
    with duckdb.connect(str(project / "warehouse.duckdb")) as con:
        con.execute("drop table marts.identity_map")
    with running_dashboard(project) as server:
        base = server.url.rstrip("/")
        warehouse_data = fetch(f"{base}/api/warehouse").json()
        page = fetch(f"{base}/warehouse")
    assert warehouse_data["warehouse"]["state"] == "ok"
    assert warehouse_data["identity"] is None
    assert page.status == 200


def test_a_fresh_project_shows_empty_sections_and_what_to_do(tmp_path: Path) -> None:
    demo = make_project(tmp_path, rows=50, run=False)
    with running_dashboard(demo.project) as server:
        base = server.url.rstrip("/")
        for name in API:
            assert fetch(f"{base}/api/{name}").status == 200, name
        for path in PAGES:
            reply = fetch(base + path)
            assert reply.status == 200, path
            assert "tapestry run" in reply.text or path in ("/alarms", "/docs"), path
        overview = fetch(f"{base}/api/overview").json()
        assert overview["warehouse"]["state"] == "missing"
        assert [p["status"] for p in overview["phases"]] == ["not run yet"] * 3
        assert overview["hint"] and "tapestry run" in overview["hint"]
        ingestion = fetch(f"{base}/api/ingestion").json()
        assert ingestion["files"] == [] and all(t["rows"] is None for t in ingestion["raw_tables"])
        assert fetch(f"{base}/api/sync").json()["runs"] == []
        assert fetch(f"{base}/api/health").json()["status"] == "empty"
    assert not (demo.project / "warehouse.duckdb").exists(), "the dashboard created the warehouse"


def test_a_warehouse_without_the_pipeline_tables_is_not_an_error(tmp_path: Path) -> None:
    demo = make_project(tmp_path, rows=50, run=False)
    duckdb.connect(str(demo.warehouse)).close()  # an empty database file
    with running_dashboard(demo.project) as server:
        base = server.url.rstrip("/")
        for path in PAGES:
            assert fetch(base + path).status == 200, path
        assert fetch(f"{base}/api/warehouse").json()["tables"] == []
        assert fetch(f"{base}/api/warehouse").json()["audience"] is None
        sync = fetch(f"{base}/api/sync").json()
        assert sync["warehouse"]["state"] == "ok" and sync["runs"] == [] and "tapestry run" in sync["hint"]


def test_a_failed_phase_shows_its_error(tmp_path: Path) -> None:
    demo = make_project(tmp_path, rows=50, run=False)
    write_zoom_file(demo.exports / "zoom" / "webinar_1_registrants.csv", [{"id": "", "webinar_id": "1"}])
    failed = demo.cli("run", "--project", "project")
    assert failed.returncode == 1
    with running_dashboard(demo.project) as server:
        base = server.url.rstrip("/")
        overview = fetch(f"{base}/api/overview").json()
        ingest = next(p for p in overview["phases"] if p["name"] == "ingest")
        assert ingest["status"] == "failed" and "webinar_1_registrants.csv" in ingest["error"]
        assert ingest["headline"] == ingest["error"]
        health = fetch(f"{base}/api/health").json()
        assert (health["status"], health["failed_phases"]) == ("failing", ["ingest"])
        page = fetch(f"{base}/").text
        assert "webinar_1_registrants.csv" in page and "status-failed" in page


def test_failed_sync_runs_and_operations_are_listed_latest_first(scenario: Scenario, tmp_path: Path) -> None:
    project = copy_project(scenario, tmp_path)
    now = datetime.now(UTC)
    with duckdb.connect(str(project / "warehouse.duckdb")) as con:  # the test writes; the dashboard only reads
        con.execute(
            "insert into tapestry_sync.runs (run_id, sync_id, started_at, finished_at, status, mode, preview, "
            "full_resync, created, updated, archived, rejected, failed, requests, error) values "
            "('failedrun1', 'mailchimp:dashlist1', ?, ?, 'failed', 'upsert', false, false, 0, 0, 0, 0, 3, 9, "
            "'3 members could not be sent after retries')",
            [now, now],
        )
        con.execute(
            "insert into tapestry_sync.changelog (run_id, sync_id, key, operation, result, status_code, error, "
            "logged_at) values ('failedrun1', 'mailchimp:dashlist1', 'x@example.com', 'update', 'failed', 503, "
            "'Service Unavailable: <script>alert(1)</script>', ?)",
            [now],
        )
    with running_dashboard(project) as server:
        base = server.url.rstrip("/")
        errors = fetch(f"{base}/api/sync").json()["errors"]
        page = fetch(f"{base}/sync").text
    assert errors["failed_runs"][0]["run_id"] == "failedrun1"
    assert errors["failed_runs"][0]["error"] == "3 members could not be sent after retries"
    assert errors["changelog"][0]["key"] == "x@example.com" and errors["changelog"][0]["status_code"] == 503
    assert len(errors["changelog"]) == 3
    assert "3 members could not be sent after retries" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_sync_runs_of_a_warehouse_not_synced_since_the_kept_column_came(tmp_path: Path) -> None:
    """The dashboard only reads: a runs table from an older Tapestry (no `kept`) shows 0 there, not an error."""
    from tapestry.dashboard import queries
    from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse

    warehouse = DuckDBWarehouse(tmp_path / "old.duckdb")
    try:
        warehouse.execute("create schema tapestry_sync")
        warehouse.execute(
            "create table tapestry_sync.runs (run_id varchar, sync_id varchar, started_at timestamp with time zone, "
            "finished_at timestamp with time zone, status varchar, mode varchar, preview boolean, "
            "full_resync boolean, created bigint, updated bigint, archived bigint, rejected bigint, failed bigint, "
            "requests bigint, error varchar)"
        )
        warehouse.execute(
            "insert into tapestry_sync.runs (run_id, status, created, rejected, failed) "
            "values ('r1', 'partial', 5, 2, 1)"
        )
        runs = queries.sync_runs(warehouse)
    finally:
        warehouse.close()
    assert runs["runs"][0]["kept"] == 0 and (runs["runs"][0]["rejected"], runs["runs"][0]["failed"]) == (2, 1)
    assert runs["totals"]["kept"] == 0 and runs["totals"]["rejected"] == 2
