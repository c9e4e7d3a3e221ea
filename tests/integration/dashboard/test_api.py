"""Every endpoint of the dashboard on a synced demo project, checked against the warehouse itself."""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration.dashboard.scenario import (
    FORGOTTEN,
    XSS_EMAIL,
    XSS_NAME,
    Scenario,
    fetch,
    query,
    running_dashboard,
    scalar,
)

PAGES = ("/", "/ingestion", "/warehouse", "/sync", "/alarms", "/docs", "/docs/pipeline")
API = ("overview", "ingestion", "warehouse", "sync", "alarms", "docs", "health")


@pytest.fixture(scope="module")
def base_url(scenario: Scenario) -> Iterator[str]:
    with running_dashboard(scenario.project) as server:
        yield server.url.rstrip("/")


def api(base_url: str, name: str) -> dict[str, Any]:
    reply = fetch(f"{base_url}/api/{name}")
    assert reply.status == 200, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    data: dict[str, Any] = reply.json()
    return data


def metric(page: str, name: str) -> str:
    """The text of the element marked data-metric=NAME in an HTML page."""
    match = re.search(rf'data-metric="{re.escape(name)}"[^>]*>([^<]*)<', page)
    assert match, f"no metric {name}"
    return html.unescape(match.group(1)).strip()


# --- overview ---------------------------------------------------------------------------------------------


def test_overview_shows_every_pipeline_phase_with_its_last_result(base_url: str, scenario: Scenario) -> None:
    data = api(base_url, "overview")
    assert (data["project"], data["target"], data["warehouse"]["state"]) == ("demo", "local", "ok")
    phases = {p["name"]: p for p in data["phases"]}
    assert list(phases) == ["ingest", "transform", "sync"]
    state = json.loads((scenario.project / ".tapestry" / "state.json").read_text())
    for name, phase in phases.items():
        recorded = state["phases"][name]
        assert phase["status"] == recorded["status"]
        assert phase["finished_at"] is not None and phase["duration_s"] >= 0 and phase["age_s"] >= 0
        assert phase["headline"]
    assert phases["sync"]["headline"] == state["phases"]["sync"]["summary"]["headline"]
    assert len(data["runs"]) == 2 and all(run["status"] == "succeeded" for run in data["runs"])

    headlines = data["headlines"]
    assert headlines["raw_rows"] == {
        "zoom": scalar(scenario.warehouse, "select count(*) from zoom.webinar_registrants"),
        "salesforce": scalar(scenario.warehouse, "select count(*) from salesforce.contact"),
    }
    assert headlines["audience_size"] == scalar(scenario.warehouse, "select count(*) from marts.audience")
    assert [link["name"] for link in data["links"]] == ["Mailchimp list dashlist1"]
    assert data["cloud"] is None and data["hint"] is None


# --- ingestion --------------------------------------------------------------------------------------------


def test_ingestion_lists_loaded_files_and_raw_row_counts(base_url: str, scenario: Scenario) -> None:
    data = api(base_url, "ingestion")
    raw = {t["table"]: t["rows"] for t in data["raw_tables"]}
    assert raw == {
        "zoom.webinar_registrants": scalar(scenario.warehouse, "select count(*) from zoom.webinar_registrants"),
        "salesforce.contact": scalar(scenario.warehouse, "select count(*) from salesforce.contact"),
    }
    assert data["raw_tables_source"] == "warehouse"
    registry = query(
        scenario.warehouse,
        "select source, path, size_bytes, row_count, sha256 from tapestry_meta.loaded_files",
    )
    assert data["files_total"] == len(registry) == len(data["files"])
    assert data["files_rows"] == sum(r[3] for r in registry)
    by_path = {r[1]: r for r in registry}
    for shown in data["files"]:
        source, _, size, rows, sha = by_path[shown["path"]]
        assert (shown["source"], shown["size_bytes"], shown["rows"]) == (source, size, rows)
        assert shown["sha256"] == sha[:12]
    loaded = [f["loaded_at"] for f in data["files"]]
    assert loaded == sorted(loaded, reverse=True), "latest first"
    assert Path(data["files"][0]["path"]).name == "webinar_98_registrants.csv"
    assert data["cloud"] is None


# --- warehouse & transform --------------------------------------------------------------------------------


def test_warehouse_counts_every_table_of_the_pipeline(base_url: str, scenario: Scenario) -> None:
    data = api(base_url, "warehouse")
    tables = {t["relation"]: t for t in data["tables"]}
    expected = {
        "zoom.webinar_registrants": "raw",
        "salesforce.contact": "raw",
        "analytics.stg_zoom__webinar_registrants": "staging",
        "analytics.stg_salesforce__contacts": "staging",
        "analytics.int_people__unioned": "intermediate",
        "analytics.int_identity__records": "intermediate",
        "analytics.int_identity__clusters": "intermediate",
        "marts.identity_map": "marts",
        "marts.people": "marts",
        "marts.audience": "marts",
        "marts.audience_rejected_records": "marts",
        "tapestry_sync.runs": "sync",
        "tapestry_sync.rejections": "sync",
        "tapestry_sync.changelog": "sync",
        "tapestry_sync.snapshot": "sync",
        "tapestry_meta.loaded_files": "meta",
    }
    for relation, layer in expected.items():
        assert tables[relation]["layer"] == layer, relation
    for relation, table in tables.items():
        assert table["rows"] == scalar(scenario.warehouse, f"select count(*) from {relation}"), relation


def test_warehouse_reports_the_audience_and_rejected_records_by_reason(base_url: str, scenario: Scenario) -> None:
    audience = api(base_url, "warehouse")["audience"]
    assert audience["size"] == scalar(scenario.warehouse, "select count(*) from marts.audience")
    by_reason = dict(
        query(scenario.warehouse, "select reason, count(*) from marts.audience_rejected_records group by 1")
    )
    assert audience["rejected_by_reason"] == by_reason
    assert {"malformed", "missing"} <= set(by_reason) <= {"malformed", "missing", "shared_email"}
    assert audience["rejected_total"] == sum(by_reason.values())
    newest = audience["rejected_sample"][0]  # registered "now": the latest rejected record
    assert (newest["email_raw"], newest["first_name"], newest["reason"]) == (XSS_EMAIL, XSS_NAME, "malformed")


def test_warehouse_shows_how_records_became_people(base_url: str, scenario: Scenario) -> None:
    identity = api(base_url, "warehouse")["identity"]
    records, people = query(scenario.warehouse, "select count(*), count(distinct person_id) from marts.identity_map")[0]
    assert (identity["records"], identity["people"]) == (records, people) and people < records
    assert identity["matched_by"] == dict(
        query(scenario.warehouse, "select matched_by, count(*) from marts.identity_map group by 1")
    )
    largest = query(
        scenario.warehouse, "select person_id, record_count from marts.people order by record_count desc, person_id"
    )
    assert [(p["person_id"], p["record_count"]) for p in identity["largest"]] == [r for r in largest if r[1] > 1][:10]
    assert identity["cuts_total"] == scalar(scenario.warehouse, "select count(*) from marts.identity_limit_cuts")
    assert identity["blocked_by_reason"] == dict(
        query(scenario.warehouse, "select blocked_reason, count(*) from marts.identity_blocked_identifiers group by 1")
    )
    page = fetch(f"{base_url}/warehouse").text
    assert metric(page, "identity-records") == f"{records:,}"
    assert metric(page, "identity-people") == f"{people:,}"
    assert 'data-testid="identity-largest"' in page


def test_warehouse_shows_the_last_dbt_build(base_url: str, scenario: Scenario) -> None:
    data = api(base_url, "warehouse")
    artifact = json.loads((scenario.project / ".tapestry" / "dbt" / "target" / "run_results.json").read_text())
    dbt = data["dbt"]
    assert dbt["available"] and dbt["command"] == "build"
    assert len(dbt["nodes"]) == len(artifact["results"])
    assert {n["status"] for n in dbt["nodes"]} <= {"success", "pass"}
    models = {n["name"] for n in dbt["nodes"] if n["type"] == "model"}
    assert models == {
        "stg_zoom__webinar_registrants",
        "stg_salesforce__contacts",
        "int_zoom__people",
        "int_salesforce__people",
        "int_people__unioned",
        "int_identity__records",
        "int_identity__identifiers",
        "int_identity__clusters",
        "identity_map",
        "identity_changes",
        "identity_limit_cuts",
        "identity_blocked_identifiers",
        "people",
        "audience",
        "audience_rejected_records",
    }
    assert dbt["counts"]["model"] == {"success": 15}
    transform = data["transform"]
    state = json.loads((scenario.project / ".tapestry" / "state.json").read_text())["phases"]["transform"]
    assert (transform["models_passed"], transform["tests_passed"]) == (15, state["summary"]["tests_passed"])
    assert len(transform["nodes"]) == len(state["summary"]["nodes"])


# --- sync -------------------------------------------------------------------------------------------------


def test_sync_runs_rejections_and_errors_match_the_sync_tables(base_url: str, scenario: Scenario) -> None:
    data = api(base_url, "sync")
    runs = query(
        scenario.warehouse,
        "select run_id, status, created, updated, archived, rejected from tapestry_sync.runs order by started_at desc",
    )
    assert [
        (r["run_id"], r["status"], r["created"], r["updated"], r["archived"], r["rejected"]) for r in data["runs"]
    ] == [tuple(r) for r in runs]
    assert data["runs"][0]["created"] == 2 and data["runs"][1]["rejected"] == 2
    assert data["totals"]["created"] == scalar(scenario.warehouse, "select sum(created) from tapestry_sync.runs")
    assert data["totals"]["runs"] == 2

    rejections = data["rejections"]
    assert rejections["by_reason"] == [{"reason": "Forgotten Email Not Subscribed", "count": 2, "status_codes": [400]}]
    assert {r["key"] for r in rejections["latest"]} == set(FORGOTTEN)
    assert all(r["attempts"] == 1 and r["first_seen_at"] for r in rejections["latest"])

    errors = data["errors"]
    assert {(c["key"], c["result"], c["status_code"]) for c in errors["changelog"]} == {
        (email, "rejected", 400) for email in FORGOTTEN
    }
    assert errors["failed_runs"] == []
    assert data["totals"]["kept"] == 0 and all(r["kept"] == 0 for r in data["runs"])
    page = fetch(f"{base_url}/sync").text
    for key, label in (("rejected", "rejected (permanent)"), ("failed", "failed (will retry)")):
        shown = f'data-metric="total-{key}">{data["totals"][key]:,}</span><span class="label">{label}</span>'
        assert shown in page, key  # the page's tile: the API's total, under its label
    assert data["destinations"] == [
        {
            "name": "newsletter",
            "type": "mailchimp",
            "label": "Mailchimp",
            "identity": "mailchimp:dashlist1",
            "object": "list dashlist1",
            "mode": "upsert",
            "model": "audience",
            "enabled": True,
        }
    ]


# --- alarms, docs, health ---------------------------------------------------------------------------------


def test_alarms_on_the_local_target_say_there_are_none(base_url: str) -> None:
    data = api(base_url, "alarms")
    assert data["panel"] is None and "local target has no CloudWatch alarms" in data["message"]
    assert "local target has no CloudWatch alarms" in fetch(f"{base_url}/alarms").text


def test_docs_are_listed_and_rendered(base_url: str) -> None:
    docs = api(base_url, "docs")["docs"]
    assert [d["name"] for d in docs][:5] == ["index", "pipeline", "changing-the-model", "sync-mapping", "dashboard"]
    page = api(base_url, "docs/changing-the-model")
    assert page["title"] == "Changing the model" and "<h1>Changing the model</h1>" in page["html"]
    assert 'href="/docs/sync-mapping"' in page["html"], "links between docs point at the dashboard's pages"
    index = fetch(f"{base_url}/docs").text
    for doc in docs:
        assert f'href="/docs/{doc["name"]}"' in index
    assert fetch(f"{base_url}/docs/no-such-doc").status == 404
    assert fetch(f"{base_url}/api/docs/no-such-doc").status == 404
    assert fetch(f"{base_url}/docs/..%2Fpyproject").status == 404


def test_health_summarises_the_project(base_url: str) -> None:
    data = api(base_url, "health")
    assert data["status"] == "ok" and data["failed_phases"] == []
    assert data["last_run"]["status"] == "succeeded" and data["warehouse"]["state"] == "ok"


# --- HTML pages -------------------------------------------------------------------------------------------


def test_every_page_renders_the_same_numbers_as_the_api(base_url: str, scenario: Scenario) -> None:
    for path in PAGES:
        reply = fetch(base_url + path)
        assert reply.status == 200, path
        assert reply.headers["content-type"] == "text/html; charset=utf-8"
    ingestion = fetch(f"{base_url}/ingestion").text
    for table in api(base_url, "ingestion")["raw_tables"]:
        assert metric(ingestion, f"raw-rows-{table['source']}") == f"{table['rows']:,}"
    warehouse_page = fetch(f"{base_url}/warehouse").text
    audience = api(base_url, "warehouse")["audience"]
    assert metric(warehouse_page, "audience-size") == f"{audience['size']:,}"
    for reason, count in audience["rejected_by_reason"].items():
        assert metric(warehouse_page, f"rejected-{reason}") == f"{count:,}"
    sync_page = fetch(f"{base_url}/sync").text
    totals = api(base_url, "sync")["totals"]
    assert metric(sync_page, "total-created") == f"{totals['created']:,}"
    assert metric(sync_page, "rejections-total") == "2"
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in sync_page
    overview = fetch(f"{base_url}/").text
    assert metric(overview, "state-audience-size") == f"{audience['size']:,}"


def test_values_from_the_data_are_escaped_in_pages_and_plain_in_json(base_url: str) -> None:
    page = fetch(f"{base_url}/warehouse").text
    assert html.escape(XSS_EMAIL) in page.replace("&#34;", "&quot;")
    assert html.escape(XSS_NAME) in page
    assert "<img src=x" not in page and "<b>bold" not in page
    sample = api(base_url, "warehouse")["audience"]["rejected_sample"]
    assert sample[0]["email_raw"] == XSS_EMAIL


def test_unknown_paths_and_methods(base_url: str) -> None:
    missing = fetch(f"{base_url}/api/nope")
    assert missing.status == 404 and missing.json() == {"error": "not found", "path": "/api/nope"}
    assert missing.headers["content-type"].startswith("application/json")
    assert fetch(f"{base_url}/api").status == 404
    page = fetch(f"{base_url}/nope")
    assert page.status == 404 and "text/html" in page.headers["content-type"]
    post = fetch(f"{base_url}/api/overview", method="POST")
    assert post.status == 405 and post.headers["allow"] == "GET, HEAD"
    assert fetch(f"{base_url}/static/style.css").headers["content-type"] == "text/css; charset=utf-8"
    assert fetch(f"{base_url}/static/refresh.js").status == 200
    assert fetch(f"{base_url}/static/../server.py").status == 404
    assert fetch(f"{base_url}/static/%2e%2e/server.py").status == 404
    head = fetch(f"{base_url}/api/health", method="HEAD")
    assert head.status == 200 and head.body == b""


def test_responses_forbid_anything_from_elsewhere(base_url: str) -> None:
    reply = fetch(f"{base_url}/")
    csp = reply.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["cache-control"] == "no-store"
    assert not re.search(r"""(src|href)=["']https?://""", reply.text), "no external asset"


def test_serving_every_endpoint_writes_nothing(scenario: Scenario, base_url: str) -> None:
    watched = [scenario.warehouse, scenario.project / ".tapestry" / "state.json"]

    def fingerprint() -> list[tuple[str, int]]:
        return [(hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in watched]

    before = fingerprint()
    files_before = sorted(p.name for p in scenario.project.rglob("*"))
    for path in PAGES:
        fetch(base_url + path)
    for name in API:
        fetch(f"{base_url}/api/{name}")
    assert fingerprint() == before
    assert sorted(p.name for p in scenario.project.rglob("*")) == files_before
