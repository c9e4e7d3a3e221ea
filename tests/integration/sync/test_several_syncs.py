"""Several syncs in one `tapestry run`: one model to two Mailchimp lists, each with its own state, run log and
dashboard panel; one failing sync does not stop the other."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from fakes.mailchimp import FakeMailchimp
from integration.dashboard.scenario import fetch, running_dashboard
from support.projects import DemoProject, make_project

NEWSLETTER, VIP = "newslist1", "viplist1"
PUT = "PUT /lists/{id}/members/{hash}"


@pytest.fixture
def fake() -> Iterator[FakeMailchimp]:
    with FakeMailchimp(list_ids=[NEWSLETTER, VIP], seed=21, strict_requests=True) as server:
        yield server


def _project(tmp_path: Path, fake: FakeMailchimp, second_list: str, second_first: bool = False) -> DemoProject:
    """The demo project, plus a second sync `vip` of the same model to another list (mirror, its own tag)."""
    demo = make_project(tmp_path, rows=300, run=False, mailchimp_list_id=NEWSLETTER, mailchimp_api_url=fake.base_url)
    demo.cli.env["MAILCHIMP_API_KEY"] = fake.api_key
    config = demo.project / "tapestry.yml"
    data = yaml.safe_load(config.read_text())
    second = copy.deepcopy(data["syncs"][0])
    second.update(name="vip", mode="mirror")
    second["destination"]["list_id"] = second_list
    second["mapping"]["tags"] = [{"name": "vip"}]
    data["syncs"].insert(0 if second_first else 1, second)
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    return demo


def _sql(demo: DemoProject, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _audience(demo: DemoProject) -> set[str]:
    return {r[0] for r in _sql(demo, "select email_address from marts.audience")}


def _listed(fake: FakeMailchimp, list_id: str) -> dict[str, set[str]]:
    """E-mail -> tags of every member in the list (archived ones left out)."""
    members = fake.members(list_id).values()
    return {m["email_address"]: {t["name"] for t in m["tags"]} for m in members if m["status"] != "archived"}


def test_two_syncs_of_one_model_run_in_one_run_each_with_its_own_state(tmp_path: Path, fake: FakeMailchimp) -> None:
    demo = _project(tmp_path, fake, VIP)
    first = demo.cli.ok("run", "--project", "project")
    audience = _audience(demo)
    assert f"sync newsletter: {len(audience):,} created" in first.stdout
    assert f"sync vip: {len(audience):,} created" in first.stdout
    assert _listed(fake, NEWSLETTER) == {email: {"tapestry"} for email in audience}
    assert _listed(fake, VIP) == {email: {"vip"} for email in audience}

    snapshots = dict(_sql(demo, "select sync_id, count(*) from tapestry_sync.snapshot group by sync_id"))
    assert snapshots == {f"mailchimp:{NEWSLETTER}": len(audience), f"mailchimp:{VIP}": len(audience)}
    runs = _sql(demo, "select sync_id, status, created, mode from tapestry_sync.runs order by sync_id")
    assert runs == [
        (f"mailchimp:{NEWSLETTER}", "succeeded", len(audience), "upsert"),
        (f"mailchimp:{VIP}", "succeeded", len(audience), "mirror"),
    ]
    status = json.loads(demo.cli.ok("status", "--project", "project", "--json").stdout)
    syncs = status["phases"]["sync"]["summary"]["syncs"]
    assert list(syncs) == ["newsletter", "vip"]
    assert {name: (s["destination"], s["created"]) for name, s in syncs.items()} == {
        "newsletter": (f"mailchimp:{NEWSLETTER}", len(audience)),
        "vip": (f"mailchimp:{VIP}", len(audience)),
    }
    table = demo.cli.ok("status", "--project", "project").stdout
    assert f"mailchimp:{NEWSLETTER}: {len(audience):,} created" in " ".join(table.split())
    assert f"mailchimp:{VIP}: {len(audience):,} created" in " ".join(table.split())

    # one sync alone: only its list is written, the other keeps its last result
    someone = sorted(audience)[0]
    with duckdb.connect(str(demo.warehouse)) as con:
        con.execute("update marts.audience set first_name = 'Renamed' where email_address = ?", [someone])
    puts = fake.requests_by_route.get(PUT, 0)
    only = demo.cli.ok("sync", "--project", "project", "--only", "vip")
    assert "0 created, 1 updated" in only.stdout and "newsletter" not in only.stdout
    assert fake.requests_by_route.get(PUT, 0) == puts + 1
    assert fake.member(VIP, someone)["merge_fields"]["FNAME"] == "Renamed"
    assert fake.member(NEWSLETTER, someone)["merge_fields"]["FNAME"] != "Renamed"
    syncs = json.loads(demo.cli.ok("status", "--project", "project", "--json").stdout)["phases"]["sync"]["summary"]
    assert syncs["syncs"]["newsletter"]["created"] == len(audience) and syncs["syncs"]["vip"]["updated"] == 1

    with running_dashboard(demo.project) as server:
        page = fetch(f"{server.url}api/sync").json()
        html = fetch(f"{server.url}sync").text
        links = fetch(f"{server.url}api/overview").json()["links"]
    assert [link["name"] for link in links] == [f"Mailchimp list {NEWSLETTER}", f"Mailchimp list {VIP}"]
    panels = {panel["name"]: panel for panel in page["syncs"]}
    assert list(panels) == ["newsletter", "vip"]
    for name, list_id in (("newsletter", NEWSLETTER), ("vip", VIP)):
        sync_id = f"mailchimp:{list_id}"
        panel = panels[name]
        assert (panel["identity"], panel["object"], panel["label"]) == (sync_id, f"list {list_id}", "Mailchimp")
        runs = _sql(demo, f"select run_id, created, updated from tapestry_sync.runs where sync_id = '{sync_id}'")
        assert {(r["run_id"], r["created"], r["updated"]) for r in panel["runs"]} == set(runs)
        assert panel["totals"]["runs"] == len(runs)
        assert panel["totals"]["updated"] == sum(r[2] for r in runs)
        assert f'data-sync="{name}"' in html
        assert f'data-metric="{name}-created">{len(audience):,}<' in html
    assert panels["vip"]["totals"]["runs"] == 2 and panels["newsletter"]["totals"]["runs"] == 1
    assert page["totals"]["runs"] == 3 and page["totals"]["created"] == 2 * len(audience)  # every sync


def test_a_failing_sync_does_not_stop_the_next_and_the_run_fails_naming_it(tmp_path: Path, fake: FakeMailchimp) -> None:
    demo = _project(tmp_path, fake, "nolist9", second_first=True)  # vip runs first and fails: no such list
    result = demo.cli("run", "--project", "project")
    assert result.returncode == 1, result.stdout + result.stderr
    error = " ".join(result.stderr.split())
    assert "1 of 2 syncs failed (vip: Mailchimp list 'nolist9' does not exist for this API key" in error
    assert error.count("Fix:") == 1, error  # the failed sync's own fix in brackets, then the phase's
    audience = _audience(demo)
    # the sync that ran still says what it did, though the phase failed
    assert f"sync newsletter: {len(audience):,} created" in " ".join(result.stdout.split())
    assert set(_listed(fake, NEWSLETTER)) == audience  # the next sync ran all the same
    snapshots = dict(_sql(demo, "select sync_id, count(*) from tapestry_sync.snapshot group by sync_id"))
    assert snapshots == {f"mailchimp:{NEWSLETTER}": len(audience)}
    status = json.loads(demo.cli.ok("status", "--project", "project", "--json").stdout)
    sync = status["phases"]["sync"]
    assert sync["status"] == "failed"
    assert "does not exist" in sync["summary"]["syncs"]["vip"]["error"]
    assert sync["summary"]["syncs"]["newsletter"]["created"] == len(audience)

    # fixed: the failed sync runs, the other has nothing to send
    config = demo.project / "tapestry.yml"
    config.write_text(config.read_text().replace("nolist9", VIP))
    rerun = demo.cli.ok("sync", "--project", "project")
    assert f"sync vip: {len(audience):,} created" in rerun.stdout and "sync newsletter: nothing to send" in rerun.stdout


def test_an_unknown_only_name_is_refused_before_anything_is_recorded(tmp_path: Path, fake: FakeMailchimp) -> None:
    demo = _project(tmp_path, fake, VIP)
    demo.cli.ok("run", "--project", "project")
    before = json.loads(demo.cli.ok("status", "--project", "project", "--json").stdout)["phases"]["sync"]
    requests = fake.request_count
    result = demo.cli("sync", "--project", "project", "--only", "nosuch")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no sync named nosuch in tapestry.yml. Fix: use one of: newsletter, vip" in " ".join(result.stderr.split())
    after = json.loads(demo.cli.ok("status", "--project", "project", "--json").stdout)["phases"]["sync"]
    assert after == before  # every sync keeps its last result
    assert fake.request_count == requests


def test_a_mirror_sync_whose_model_empties_archives_nobody_until_allowed(tmp_path: Path, fake: FakeMailchimp) -> None:
    demo = _project(tmp_path, fake, VIP)  # vip is a mirror sync
    demo.cli.ok("run", "--project", "project")
    members = len(_listed(fake, VIP))
    # a broken filter: the model vip reads suddenly has nobody
    (demo.project / "dbt_project" / "models" / "marts" / "vip_audience.sql").write_text(
        "select * from {{ ref('audience') }} where false\n"
    )
    config = demo.project / "tapestry.yml"
    data = yaml.safe_load(config.read_text())
    data["syncs"][1]["model"] = "vip_audience"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    result = demo.cli("run", "--project", "project")
    assert result.returncode == 1, result.stdout + result.stderr
    error = " ".join(result.stderr.split())
    assert (
        f"would archive {members:,} of the {members:,} members it keeps (100%, more than max_archive_share 50%)"
        in error
    )
    assert "--allow-mass-archive" in error
    assert len(_listed(fake, VIP)) == members, "nobody was archived"
    assert "sync newsletter: nothing to send" in " ".join(result.stdout.split())

    allowed = demo.cli.ok("sync", "--project", "project", "--only", "vip", "--allow-mass-archive")
    assert f"{members:,} archived" in allowed.stdout
    assert _listed(fake, VIP) == {}
