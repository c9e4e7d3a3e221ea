"""A destination is one package: a plugin that lives only under tests/plugins, registered the way an installed
distribution registers one (entry-point group `tapestry.destinations`), syncs the demo audience end to end —
preview without its secret, doctor, a real run with refusals, updates addressed by the ids it remembered, a
mirror removal, and a run killed after a job landed that the next run recovers — with no change to
orchestrator/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from integration.dashboard.scenario import fetch, running_dashboard
from support.projects import DemoProject, make_project

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
TOKEN = "book-token-5up3r-s3cret"


@pytest.fixture
def plugin_on_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In this process too (the dashboard runs here): the folder on sys.path, plugins discovered afresh."""
    from tapestry import plugins

    monkeypatch.syspath_prepend(str(PLUGINS))
    plugins._discover.cache_clear()
    yield
    plugins._discover.cache_clear()


def _project(tmp_path: Path) -> tuple[DemoProject, Path]:
    demo = make_project(tmp_path, rows=300, run=False)
    demo.cli.env["PYTHONPATH"] = str(PLUGINS)
    demo.cli.env.pop("ADDRESSBOOK_TOKEN", None)
    book = tmp_path / "book.json"
    config = demo.project / "tapestry.yml"
    data = yaml.safe_load(config.read_text())
    data["syncs"] = [
        {
            "name": "book",
            "model": "audience",
            "mode": "mirror",
            "destination": {"type": "addressbook", "path": str(book), "job_size": 40},
            "mapping": {"key": "email_address", "fields": {"name": "first_name", "surname": "last_name"}},
        }
    ]
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    return demo, book


def _set_destination(demo: DemoProject, **settings: Any) -> None:
    config = demo.project / "tapestry.yml"
    data = yaml.safe_load(config.read_text())
    data["syncs"][0]["destination"].update(settings)
    config.write_text(yaml.safe_dump(data, sort_keys=False))


def _sql(demo: DemoProject, sql: str, params: list[Any] | None = None, write: bool = False) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(demo.warehouse), read_only=not write) as con:
        return con.execute(sql, params).fetchall()


def _records(book: Path) -> dict[str, dict[str, Any]]:
    """key -> record of the book."""
    return {record["key"]: {**record, "id": rid} for rid, record in json.loads(book.read_text())["records"].items()}


def test_a_destination_plugin_outside_tapestry_syncs_end_to_end(tmp_path: Path, plugin_on_path: None) -> None:
    demo, book = _project(tmp_path)

    # without its secret the local target previews, in the plugin's own words
    preview = demo.cli.ok("run", "--project", "project")
    assert "no Address book token (environment variable ADDRESSBOOK_TOKEN is empty)" in preview.stderr
    audience = {r[0].lower() for r in _sql(demo, "select email_address from marts.audience")}
    previews = list((demo.project / ".tapestry" / "previews" / "book").glob("sync-*.jsonl"))
    lines = [json.loads(line) for line in previews[0].open()]
    assert {line["key"] for line in lines} == audience and set(lines[0]["fields"]) == {"name", "surname"}

    blocked = sorted(audience)[0]
    book.write_text(
        json.dumps(
            {
                "token": TOKEN,
                "fields": ["name", "surname"],
                "blocked": [blocked],
                "next_id": 1,
                "records": {},
                "jobs": {},
            }
        )
    )
    demo.cli.env["ADDRESSBOOK_TOKEN"] = TOKEN
    doctor = demo.cli.ok("doctor", "--project", "project")
    assert "sync book (addressbook)" in doctor.stdout and "fields name, surname exist" in doctor.stdout

    first = demo.cli.ok("sync", "--project", "project")
    assert f"{len(audience) - 1:,} created, 0 updated, 0 archived, 1 rejected (permanent)" in first.stdout
    assert "rejected by Address book for good (1 Blocked)" in first.stderr
    records = _records(book)
    assert set(records) == audience - {blocked}
    sync_id = f"addressbook:{book}"
    assert _sql(demo, "select key, reason from tapestry_sync.rejections") == [
        (blocked, "Blocked: this address may not be stored")
    ]
    remembered = dict(_sql(demo, "select key, state from tapestry_sync.key_state where sync_id = ?", [sync_id]))
    assert {key: json.loads(state)["id"] for key, state in remembered.items()} == {
        key: record["id"] for key, record in records.items()
    }
    assert "nothing to send" in demo.cli.ok("sync", "--project", "project").stdout

    # a changed row updates the record the book assigned to it; a row gone is removed (mirror)
    changed, gone = sorted(audience)[1], sorted(audience)[2]
    _sql(demo, "update marts.audience set first_name = 'Renamed' where lower(email_address) = ?", [changed], True)
    _sql(demo, "delete from marts.audience where lower(email_address) = ?", [gone], True)
    second = demo.cli.ok("sync", "--project", "project")
    assert "0 created, 1 updated, 1 archived" in second.stdout
    after = _records(book)
    assert after[changed]["id"] == records[changed]["id"] and after[changed]["fields"]["name"] == "Renamed"
    assert gone not in after and len(after) == len(records) - 1

    # killed after a job landed and before it was acknowledged: the next run collects it, sends nothing twice
    _sql(demo, "update marts.audience set last_name = 'Again'", None, True)
    _set_destination(demo, crash_after_jobs=1)
    killed = demo.cli("sync", "--project", "project")
    assert killed.returncode == 130, killed.stderr
    assert _sql(demo, "select count(distinct job_id), count(*) from tapestry_sync.in_flight") == [(1, 40)]
    _set_destination(demo, crash_after_jobs=None)
    demo.cli.ok("sync", "--project", "project")
    status = json.loads(demo.cli.ok("status", "--project", "project", "--json").stdout)
    result = status["phases"]["sync"]["summary"]["syncs"]["book"]
    # the first job held the blocked key's create (refused again: its row changed) and 39 updates
    assert result["recovered"] == 40 and result["updated"] == len(after) - 39
    final = _records(book)
    assert all(record["writes"] == after[key]["writes"] + 1 for key, record in final.items())  # once each
    assert {record["fields"]["surname"] for record in final.values()} == {"Again"}
    assert _sql(demo, "select count(*) from tapestry_sync.in_flight") == [(0,)]
    runs = [r[0] for r in _sql(demo, "select status from tapestry_sync.runs order by started_at")]
    assert runs == ["succeeded", "succeeded", "succeeded", "interrupted", "succeeded"]

    with running_dashboard(demo.project) as server:
        page = fetch(f"{server.url}api/sync").json()
        html = fetch(f"{server.url}sync").text
    (panel,) = page["syncs"]
    assert (panel["label"], panel["identity"], panel["object"]) == ("Address book", sync_id, f"book {book}")
    assert panel["totals"]["runs"] == 5 and panel["rejections"]["total"] == 1
    assert "members refused by Address book for good" in html and "Mailchimp" not in html
    for output in (preview, first, second, killed):
        assert TOKEN not in output.stdout + output.stderr
