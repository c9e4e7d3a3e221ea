"""`tapestry run` / `tapestry sync` against the fake Mailchimp, as a user runs them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from fakes.mailchimp import FakeMailchimp
from support.projects import DemoProject, make_project

LIST_ID = "demolist1"


@pytest.fixture
def fake() -> Iterator[FakeMailchimp]:
    with FakeMailchimp(list_ids=[LIST_ID], seed=99, strict_requests=True) as server:
        yield server


def _project(tmp_path: Path, fake: FakeMailchimp, rows: int = 400, **answers: object) -> DemoProject:
    demo = make_project(
        tmp_path, rows=rows, run=False, mailchimp_list_id=LIST_ID, mailchimp_api_url=fake.base_url, **answers
    )
    demo.cli.env["MAILCHIMP_API_KEY"] = fake.api_key
    return demo


def _audience(demo: DemoProject) -> set[str]:
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        return {r[0] for r in con.execute("select email_address from marts.audience").fetchall()}


def _listed(fake: FakeMailchimp) -> set[str]:
    return {m["email_address"] for m in fake.members(LIST_ID).values() if m["status"] != "archived"}


def test_run_syncs_the_audience_and_a_rerun_writes_nothing(tmp_path: Path, fake: FakeMailchimp) -> None:
    demo = _project(tmp_path, fake)
    first = demo.cli.ok("run", "--project", "project")
    audience = _audience(demo)
    assert f"{len(audience):,} created, 0 updated" in " ".join(first.stdout.split())
    assert _listed(fake) == audience
    shown = " ".join(demo.cli.ok("status", "--project", "project").stdout.split())
    assert "0 rejected (permanent), 0 failed (will retry)" in shown
    writes = fake.requests_by_route.get("PUT /lists/{id}/members/{hash}", 0)
    second = demo.cli.ok("run", "--project", "project")
    assert "nothing to send" in second.stdout
    assert fake.requests_by_route.get("PUT /lists/{id}/members/{hash}", 0) == writes
    status = json.loads(demo.cli.ok("status", "--project", "project", "--json").stdout)
    assert status["phases"]["sync"]["status"] == "succeeded"
    assert status["phases"]["sync"]["summary"]["syncs"]["newsletter"]["planned"] == {
        "create": 0,
        "update": 0,
        "archive": 0,
    }
    assert f"{len(_audience(demo)):,} created" in first.stdout


def test_without_an_api_key_the_local_sync_is_a_preview(tmp_path: Path, fake: FakeMailchimp) -> None:
    demo = _project(tmp_path, fake)
    del demo.cli.env["MAILCHIMP_API_KEY"]
    result = demo.cli.ok("run", "--project", "project")
    assert "previewing the sync instead" in result.stderr
    assert "nothing sent" in result.stdout
    assert fake.request_count == 0
    previews_dir = demo.project / ".tapestry" / "previews" / "newsletter"  # one folder per sync
    previews = list(previews_dir.glob("sync-*.jsonl"))
    assert len(previews) == 1
    assert sum(1 for _ in previews[0].open()) == len(_audience(demo))

    # Nothing changed: the same preview is not computed and written again.
    rerun = demo.cli.ok("run", "--project", "project")
    assert "preview unchanged" in rerun.stdout
    assert list(previews_dir.glob("sync-*.jsonl")) == previews

    # A changed sync setting is a different preview.
    config = demo.project / "tapestry.yml"
    config.write_text(config.read_text().replace('mode: "upsert"', 'mode: "mirror"'))
    changed = demo.cli.ok("run", "--project", "project")
    assert "nothing sent" in changed.stdout and "preview unchanged" not in changed.stdout
    assert len(list(previews_dir.glob("sync-*.jsonl"))) == 2
    assert fake.request_count == 0


def test_explicit_preview_sends_nothing(tmp_path: Path, fake: FakeMailchimp) -> None:
    demo = _project(tmp_path, fake)
    demo.cli.ok("run", "--project", "project")
    demo.cli.ok("demo-data", "--out", "exports", "--rows", "450", "--seed", "7")  # more people
    demo.cli.ok("run", "--project", "project", env={"MAILCHIMP_API_KEY": ""})  # build without syncing
    writes = fake.requests_by_route.get("PUT /lists/{id}/members/{hash}", 0)
    preview = demo.cli.ok("sync", "--project", "project", "--preview")
    assert "to create" in preview.stdout and "nothing sent" in preview.stdout
    assert fake.requests_by_route.get("PUT /lists/{id}/members/{hash}", 0) == writes


def test_sync_before_any_build_explains_what_to_do(tmp_path: Path, fake: FakeMailchimp) -> None:
    demo = _project(tmp_path, fake)
    result = demo.cli("sync", "--project", "project")
    assert result.returncode == 1
    assert "does not exist yet" in result.stderr and "tapestry run" in result.stderr


def test_the_api_key_never_lands_on_disk_or_in_output(tmp_path: Path) -> None:
    secret_key = "f00dfacecafe1234deadbeef-us1"
    with FakeMailchimp(list_ids=[LIST_ID], api_key=secret_key) as fake:
        demo = _project(tmp_path, fake)
        ok = demo.cli.ok("run", "--project", "project")
        bad = demo.cli(
            "sync", "--project", "project", "--full-resync", env={"MAILCHIMP_API_KEY": secret_key[:-3] + "-us9"}
        )
    assert bad.returncode == 1 and "refused the API key" in bad.stderr
    for output in (ok.stdout, ok.stderr, bad.stdout, bad.stderr):
        assert secret_key not in output and secret_key[:-3] not in output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret_key.encode() not in path.read_bytes(), path
            assert secret_key[:-3].encode() not in path.read_bytes(), path


def test_secret_store_reference(tmp_path: Path, fake: FakeMailchimp) -> None:
    demo = _project(tmp_path, fake)
    config = demo.project / "tapestry.yml"
    config.write_text(config.read_text().replace("api_key: {env: MAILCHIMP_API_KEY}", "api_key: {secret: mailchimp}"))
    del demo.cli.env["MAILCHIMP_API_KEY"]
    stored = subprocess.run(
        [sys.executable, "-m", "tapestry", "secrets", "set", "mailchimp", "--project", "project"],
        input=fake.api_key,
        cwd=demo.root,
        env=demo.cli.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert stored.returncode == 0, stored.stderr
    assert fake.api_key not in stored.stdout
    store = Path(demo.cli.env["XDG_CONFIG_HOME"]) / "tapestry" / "secrets" / "demo.json"
    assert store.stat().st_mode & 0o777 == 0o600
    assert not str(store).startswith(str(demo.project))
    demo.cli.ok("run", "--project", "project")
    assert _listed(fake) == _audience(demo)
    assert demo.cli.ok("secrets", "list", "--project", "project").stdout.strip() == "mailchimp"


@pytest.mark.parametrize("path", ["direct", "bulk"])
def test_sigkill_mid_sync_then_rerun_converges_without_resending_acknowledged_members(
    tmp_path: Path, fake: FakeMailchimp, path: str
) -> None:
    demo = _project(tmp_path, fake, rows=700)
    config = demo.project / "tapestry.yml"
    text = config.read_text()
    assert "      tags:\n        - name: tapestry\n" in text
    text = text.replace("      tags:\n        - name: tapestry\n", "      tags: []\n")
    threshold = 100_000 if path == "direct" else 50
    knobs = f"      type: mailchimp\n      bulk_threshold: {threshold}\n      batch_size: 100\n"
    assert "      type: mailchimp\n" in text
    config.write_text(text.replace("      type: mailchimp\n", knobs, 1))
    demo.cli.ok("run", "--project", "project", env={"MAILCHIMP_API_KEY": ""})  # build the audience only
    audience = _audience(demo)
    fake.configure(latency_ms=15, batch_ops_per_second=400)

    process = subprocess.Popen(
        [sys.executable, "-m", "tapestry", "sync", "--project", "project"],
        cwd=demo.root,
        env={**demo.cli.env, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while fake.member_count(LIST_ID) < len(audience) // 3:  # wait until the sync is well under way
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the sync did not progress"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert fake.member_count(LIST_ID) < len(audience), "killed too late to prove anything"

    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        committed = {r[0] for r in con.execute("select key from tapestry_sync.snapshot").fetchall()}
    fake.wait_for_batches(60)
    fake.configure(latency_ms=0, batch_ops_per_second=None)
    fake.clear_request_log()
    puts_before = fake.batch_operations_by_route.get("PUT /lists/{id}/members/{hash}", 0)

    rerun = demo.cli.ok("sync", "--project", "project")
    assert _listed(fake) == audience, rerun.stdout
    resent_direct = {
        entry["body"]["email_address"] for entry in fake.request_log if entry["method"] == "PUT" and entry.get("body")
    }
    assert not (resent_direct & committed), "an acknowledged member was sent again"
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        assert {r[0] for r in con.execute("select key from tapestry_sync.snapshot").fetchall()} == audience
        assert con.execute("select count(*) from tapestry_sync.in_flight").fetchone() == (0,)
    if path == "bulk":
        status = json.loads(demo.cli.ok("status", "--project", "project", "--json").stdout)
        summary = status["phases"]["sync"]["summary"]["syncs"]["newsletter"]
        resent_bulk = fake.batch_operations_by_route.get("PUT /lists/{id}/members/{hash}", 0) - puts_before
        # everything Mailchimp processed before the kill is either committed or recovered, never resent
        assert resent_bulk == len(audience) - len(committed) - summary["recovered"]
