"""A sync stopped half-way: Ctrl-C records its run as interrupted; a run killed with SIGKILL is found
dead by the dashboard at once and marked interrupted in `tapestry_sync.runs` by the next sync."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from fakes.mailchimp import FakeMailchimp
from integration.dashboard.scenario import fetch, running_dashboard
from support.processes import finish, start_tapestry, wait_until
from support.projects import DemoProject, make_project

LIST_ID = "interrupts1"


@pytest.fixture
def fake() -> Iterator[FakeMailchimp]:
    with FakeMailchimp(list_ids=[LIST_ID], seed=11) as server:
        yield server


def _slow_sync_project(tmp_path: Path, fake: FakeMailchimp) -> tuple[DemoProject, int]:
    demo = make_project(tmp_path, rows=700, run=False, mailchimp_list_id=LIST_ID, mailchimp_api_url=fake.base_url)
    demo.cli.env["MAILCHIMP_API_KEY"] = fake.api_key
    config = demo.project / "tapestry.yml"
    text = config.read_text()
    assert "      type: mailchimp\n" in text
    knobs = "      type: mailchimp\n      concurrency: 1\n"  # one batch subscribe at a time: the next one waits
    config.write_text(text.replace("      type: mailchimp\n", knobs, 1))
    demo.cli.ok("run", "--project", "project", env={"MAILCHIMP_API_KEY": ""})  # build the audience only
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        size = con.execute("select count(*) from marts.audience").fetchone()[0]  # type: ignore[index]
    fake.configure(latency_ms=20, batch_subscribe_ms_per_member=10)  # 500 members: 5 s
    return demo, int(size)


def _runs(demo: DemoProject) -> list[tuple[str, str, str | None]]:
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        return con.execute("select run_id, status, error from tapestry_sync.runs order by started_at").fetchall()


def test_ctrl_c_mid_sync_exits_130_and_records_the_run_interrupted(tmp_path: Path, fake: FakeMailchimp) -> None:
    demo, size = _slow_sync_project(tmp_path, fake)
    process, out = start_tapestry(["sync", "--project", "project"], demo.root, demo.cli.env)
    wait_until(lambda: fake.member_count(LIST_ID) >= 20, process, "the sync sent its first members")
    process.send_signal(signal.SIGINT)
    code, _, err = finish(process, out)

    assert code == 130, err
    assert [line for line in err.splitlines() if line.strip()] == [
        "error: interrupted (Ctrl-C); nothing half-done was kept (rerun to resume)"
    ]
    assert fake.member_count(LIST_ID) < size, "queued members are not sent after Ctrl-C"
    ((_, status, error),) = _runs(demo)
    assert status == "interrupted" and error == "interrupted (Ctrl-C)"


def test_a_sync_killed_with_sigkill_is_not_running_forever(tmp_path: Path, fake: FakeMailchimp) -> None:
    demo, size = _slow_sync_project(tmp_path, fake)
    process, _ = start_tapestry(["sync", "--project", "project"], demo.root, demo.cli.env)
    wait_until(lambda: fake.member_count(LIST_ID) >= size // 3, process, "the sync was well under way")
    process.send_signal(signal.SIGKILL)
    process.wait(60)
    ((killed_run, status, _),) = _runs(demo)
    assert status == "running", "the killed process could not record its end"

    with running_dashboard(demo.project) as server:  # reads only: shows the verdict, changes nothing
        shown = {run["run_id"]: run for run in fetch(f"{server.url}api/sync").json()["runs"]}
    assert shown[killed_run]["status"] == "interrupted"
    assert "ended without finishing" in shown[killed_run]["error"]
    assert _runs(demo)[0][1] == "running"

    fake.configure(latency_ms=0, batch_subscribe_ms_per_member=0)
    demo.cli.ok("sync", "--project", "project")
    runs = {run_id: (status, error) for run_id, status, error in _runs(demo)}
    assert runs[killed_run][0] == "interrupted" and "ended without finishing" in str(runs[killed_run][1])
    assert sorted(status for status, _ in runs.values()) == ["interrupted", "succeeded"]
