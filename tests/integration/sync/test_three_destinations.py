"""One model kept in Mailchimp, HubSpot and Klaviyo by one `tapestry run`, as a user sets it up: the kickstart
answers for all three, `tapestry doctor`, the run, each sync's own state and dashboard panel. Then the run is
killed with SIGKILL while HubSpot's batches and Klaviyo's import job are in flight; reruns converge without
sending again what was acknowledged."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from fakes.hubspot import FakeHubSpot
from fakes.klaviyo import FakeKlaviyo
from fakes.mailchimp import FakeMailchimp
from integration.dashboard.scenario import fetch, running_dashboard
from support.processes import start_tapestry, wait_until
from support.projects import DemoProject, make_project

MAILCHIMP_LIST, KLAVIYO_LIST = "newslist1", "Kl4v1y0"
UPSERT = "POST /crm/v3/objects/contacts/batch/upsert"
JOBS = "POST /api/profile-bulk-import-jobs"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeMailchimp, FakeHubSpot, FakeKlaviyo]]:
    with (
        FakeMailchimp(list_ids=[MAILCHIMP_LIST], seed=3, strict_requests=True) as mailchimp,
        FakeHubSpot(seed=3) as hubspot,
        FakeKlaviyo(list_ids=[KLAVIYO_LIST], seed=3) as klaviyo,
    ):
        yield mailchimp, hubspot, klaviyo


def _project(tmp_path: Path, mailchimp: FakeMailchimp, hubspot: FakeHubSpot, klaviyo: FakeKlaviyo) -> DemoProject:
    demo = make_project(
        tmp_path,
        rows=300,
        run=False,
        mailchimp_list_id=MAILCHIMP_LIST,
        mailchimp_api_url=mailchimp.base_url,
        hubspot_portal_id=str(hubspot.portal_id),
        hubspot_api_url=hubspot.base_url,
        klaviyo_list_id=KLAVIYO_LIST,
        klaviyo_api_url=klaviyo.base_url,
        sync_mode="mirror",
    )
    demo.cli.env.update(
        MAILCHIMP_API_KEY=mailchimp.api_key, HUBSPOT_ACCESS_TOKEN=hubspot.token, KLAVIYO_API_KEY=klaviyo.api_key
    )
    return demo


def _sql(demo: DemoProject, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _acknowledged(demo: DemoProject, sync_id: str) -> set[str]:
    return {r[0] for r in _sql(demo, f"select key from tapestry_sync.snapshot where sync_id = '{sync_id}'")}


def test_one_model_in_mailchimp_hubspot_and_klaviyo_in_one_run(
    tmp_path: Path, fakes: tuple[FakeMailchimp, FakeHubSpot, FakeKlaviyo]
) -> None:
    mailchimp, hubspot, klaviyo = fakes
    demo = _project(tmp_path, mailchimp, hubspot, klaviyo)
    doctor = demo.cli.ok("doctor", "--project", "project").stdout
    flat = " ".join(doctor.split())
    assert f"portal {hubspot.portal_id} reachable, contact properties email, firstname, lastname writable" in flat
    assert f"list {KLAVIYO_LIST} (Fake list {KLAVIYO_LIST}) reachable" in flat and "consent is never changed" in flat
    assert f"list {MAILCHIMP_LIST} reachable" in flat

    run = demo.cli.ok("run", "--project", "project")
    audience = {r[0].strip().lower() for r in _sql(demo, "select email_address from marts.audience")}
    for name in ("newsletter", "crm", "lifecycle"):
        assert f"sync {name}: {len(audience):,} created" in run.stdout, run.stdout
    assert set(hubspot.contacts()) == audience
    assert klaviyo.members(KLAVIYO_LIST) == audience
    listed = {m["email_address"].lower() for m in mailchimp.members(MAILCHIMP_LIST).values()}
    assert listed == audience
    snapshots = dict(_sql(demo, "select sync_id, count(*) from tapestry_sync.snapshot group by sync_id"))
    assert snapshots == {
        f"mailchimp:{MAILCHIMP_LIST}": len(audience),
        f"hubspot:{hubspot.portal_id}": len(audience),
        f"klaviyo:{KLAVIYO_LIST}": len(audience),
    }
    for secret in (mailchimp.api_key, hubspot.token, klaviyo.api_key):
        assert secret not in run.stdout + run.stderr
        assert secret not in (demo.project / "tapestry.yml").read_text()

    with running_dashboard(demo.project) as server:
        page = fetch(f"{server.url}api/sync").json()
        html = fetch(f"{server.url}sync").text
    panels = {panel["name"]: panel for panel in page["syncs"]}
    assert [(p["label"], p["object"]) for p in panels.values()] == [
        ("Mailchimp", f"list {MAILCHIMP_LIST}"),
        ("HubSpot", f"contacts of portal {hubspot.portal_id}"),
        ("Klaviyo", f"list {KLAVIYO_LIST}"),
    ]
    for name in panels:
        assert f'data-metric="{name}-created">{len(audience):,}<' in html
    for secret in (mailchimp.api_key, hubspot.token, klaviyo.api_key):
        assert secret not in html

    rerun = demo.cli.ok("run", "--project", "project")
    for name in ("newsletter", "crm", "lifecycle"):
        assert f"sync {name}: nothing to send" in rerun.stdout


def test_a_run_killed_mid_send_converges_without_sending_acknowledged_records_again(
    tmp_path: Path, fakes: tuple[FakeMailchimp, FakeHubSpot, FakeKlaviyo]
) -> None:
    mailchimp, hubspot, klaviyo = fakes
    demo = _project(tmp_path, mailchimp, hubspot, klaviyo)
    config = demo.project / "tapestry.yml"
    config.write_text(
        config.read_text().replace(
            "      type: hubspot\n", "      type: hubspot\n      concurrency: 1\n      batch_size: 50\n"
        )
    )
    hub_id, klaviyo_id = f"hubspot:{hubspot.portal_id}", f"klaviyo:{KLAVIYO_LIST}"

    # 1. killed while HubSpot's batches go out (each answer takes 0.3 s)
    hubspot.configure(latency_ms=300)
    process, _ = start_tapestry(["run", "--project", "project"], demo.root, demo.cli.env)
    wait_until(lambda: hubspot.requests_by_route.get(UPSERT, 0) >= 3, process, "HubSpot's third batch went out")
    process.send_signal(signal.SIGKILL)
    process.wait(60)
    acknowledged = _acknowledged(demo, hub_id)
    in_flight = _sql(demo, f"select count(*) from tapestry_sync.in_flight where sync_id = '{hub_id}'")[0][0]
    assert acknowledged and in_flight, "killed with batches acknowledged and one in flight"
    hubspot.configure(latency_ms=0)

    # 2. killed while Klaviyo's import job is processed (100 profiles a second)
    klaviyo.configure(profiles_per_second=100)
    hubspot.clear_request_log()
    process, _ = start_tapestry(["run", "--project", "project"], demo.root, demo.cli.env)
    polled = "GET /api/profile-bulk-import-jobs/{job_id}"  # polled once recorded in flight
    wait_until(lambda: klaviyo.requests_by_route.get(polled, 0) >= 1, process, "Klaviyo's import job is waited on")
    process.send_signal(signal.SIGKILL)
    process.wait(60)
    resent = [i["objectWriteTraceId"] for e in hubspot.request_log if e["route"] == UPSERT for i in e["body"]["inputs"]]
    assert resent and not acknowledged & set(resent), "HubSpot contacts acknowledged before the kill are not sent again"
    audience = {r[0].strip().lower() for r in _sql(demo, "select email_address from marts.audience")}
    assert set(hubspot.contacts()) == audience and _acknowledged(demo, hub_id) == audience
    assert _sql(demo, f"select count(*) from tapestry_sync.in_flight where sync_id = '{klaviyo_id}'")[0][0] > 0

    # 3. the next run collects the job: nothing is imported twice
    klaviyo.clear_request_log()
    final = demo.cli.ok("run", "--project", "project")
    imported = [e for e in klaviyo.request_log if e["route"] in (JOBS, "POST /api/profile-import")]
    assert imported == [], f"the job landed while Tapestry was dead: nothing to import again ({final.stdout})"
    assert klaviyo.members(KLAVIYO_LIST) == audience and _acknowledged(demo, klaviyo_id) == audience
    status = json.loads(demo.cli.ok("status", "--project", "project", "--json").stdout)
    lifecycle = status["phases"]["sync"]["summary"]["syncs"]["lifecycle"]
    assert lifecycle["recovered"] == len(audience)
    runs = _sql(demo, f"select status from tapestry_sync.runs where sync_id = '{hub_id}' order by started_at")
    assert [r[0] for r in runs] == ["interrupted", "succeeded", "succeeded"]  # killed, resumed, nothing left
