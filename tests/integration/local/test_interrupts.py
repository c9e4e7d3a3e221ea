"""Ctrl-C and `kill -9` during `tapestry run`, sent to the real CLI once it has reached the phase.

Ctrl-C exits 130 with one line saying "interrupted" (not an error blaming a good file or dbt), keeps
nothing half-done, and records the phase and the run as interrupted. A run killed with SIGKILL cannot say
anything: the next command finds its process gone and shows it as interrupted (status, history, dashboard).
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import duckdb
import pytest

from integration.dashboard.scenario import fetch, running_dashboard
from support.cli import TapestryCLI, write_answers
from support.processes import finish, start_tapestry, wait_until

ROWS = 40_000  # enough that ingest, dbt and a preview each take a moment after their first output


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> TapestryCLI:
    root = tmp_path_factory.mktemp("interrupts")
    cli = TapestryCLI(cwd=root)
    cli.ok("demo-data", "--out", "exports", "--rows", str(ROWS), "--seed", "3")
    write_answers(
        root / "answers.yml",
        target="local",
        zoom_files=["exports/zoom/*.csv"],
        salesforce_files=["exports/salesforce/*.jsonl"],
    )
    return cli


def _init(cli: TapestryCLI, name: str) -> Path:
    cli.ok("init", name, "--non-interactive", "--answers", "answers.yml")
    return cli.cwd / name


@pytest.fixture(scope="module")
def built(workspace: TapestryCLI) -> Path:
    project = _init(workspace, "built")
    workspace.ok("run", "--project", str(project))
    return project


def _where(cli: TapestryCLI) -> tuple[Path, dict[str, str]]:
    return cli.cwd, cli.env


def _status(cli: TapestryCLI, project: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(cli.ok("status", "--json", "--project", str(project)).stdout)


def _assert_interrupted_in_one_line(code: int, err: str) -> None:
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("warning:")]
    assert code == 130, err
    assert len(lines) == 1 and "interrupted" in lines[0], err
    for wrong in ("cannot be read", "unexpected", "Traceback", "dbt build", "report it"):
        assert wrong not in err, err


def test_ctrl_c_during_ingest_exits_130_and_loads_nothing(workspace: TapestryCLI) -> None:
    project = _init(workspace, "ingest")
    process, out = start_tapestry(["run", "-v", "--project", str(project)], workspace.cwd, workspace.env)
    out.wait_for(r"loaded [\d,]+ rows? from webinar_")  # the first file is in; the load goes on
    process.send_signal(signal.SIGINT)
    code, _, err = finish(process, out)

    _assert_interrupted_in_one_line(code, err)
    with duckdb.connect(str(project / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from tapestry_meta.loaded_files").fetchone() == (0,)
        assert con.execute("select count(*) from zoom.webinar_registrants").fetchone() == (0,)
    status = _status(workspace, project)
    assert status["phases"]["ingest"]["status"] == "interrupted"
    assert status["phases"]["ingest"]["error"].startswith("interrupted")
    assert status["last_run"]["status"] == "interrupted"


def test_ctrl_c_during_dbt_exits_130_and_records_the_transform_interrupted(workspace: TapestryCLI, built: Path) -> None:
    process, out = start_tapestry(["run", "--full-refresh", "-v", "--project", str(built)], *_where(workspace))
    out.wait_for(r"dbt build: \d")  # dbt is building models
    process.send_signal(signal.SIGINT)
    code, _, err = finish(process, out)

    _assert_interrupted_in_one_line(code, err)
    status = _status(workspace, built)
    assert status["phases"]["transform"]["status"] == "interrupted"
    assert status["last_run"]["status"] == "interrupted"
    assert [p["status"] for p in status["last_run"]["phases"]] == ["skipped", "interrupted"]


def test_a_second_ctrl_c_while_dbt_stops_adds_no_noise(workspace: TapestryCLI, built: Path) -> None:
    # while dbt stops its threads (its Pool.__del__ then wrote to a closed pipe), after the line (a
    # KeyboardInterrupt in a __del__, leaked semaphores), and while Python frees its modules (killed by SIGINT)
    for gap in (0.005, 0.1, 0.4):
        process, out = start_tapestry(["run", "--full-refresh", "-v", "--project", str(built)], *_where(workspace))
        out.wait_for(r"dbt build: \d")
        process.send_signal(signal.SIGINT)
        time.sleep(gap)
        process.send_signal(signal.SIGINT)
        code, _, err = finish(process, out)
        _assert_interrupted_in_one_line(code, err)
        assert "Exception ignored" not in err and "leaked" not in err, err


def test_ctrl_c_during_a_preview_leaves_no_preview_file(workspace: TapestryCLI, built: Path) -> None:
    previews = built / ".tapestry" / "previews"
    before = sorted(p.name for p in previews.rglob("*"))
    process, out = start_tapestry(["sync", "--preview", "--project", str(built)], workspace.cwd, workspace.env)
    wait_until(lambda: any(previews.rglob(".sync-*.partial")), process, "the preview started writing")
    process.send_signal(signal.SIGINT)
    code, _, err = finish(process, out)

    _assert_interrupted_in_one_line(code, err)
    assert sorted(p.name for p in previews.rglob("*")) == before, "no complete-looking or partial preview is left"
    assert _status(workspace, built)["phases"]["sync"]["status"] == "interrupted"


def test_a_run_killed_with_sigkill_shows_as_interrupted_everywhere(workspace: TapestryCLI, built: Path) -> None:
    process, out = start_tapestry(["run", "--full-refresh", "-v", "--project", str(built)], *_where(workspace))
    out.wait_for(r"dbt build: \d")
    process.send_signal(signal.SIGKILL)
    process.wait(60)
    killed = process.pid
    on_disk = json.loads((built / ".tapestry" / "state.json").read_text())
    assert on_disk["runs"][-1]["status"] == "running", "the killed process could not record anything itself"

    status = _status(workspace, built)
    assert status["last_run"]["status"] == "interrupted"
    assert status["phases"]["transform"]["status"] == "interrupted"
    assert f"pid {killed}" in status["phases"]["transform"]["error"]
    table = workspace.ok("status", "--project", str(built)).stdout
    assert "interrupted" in table and "running" not in table

    with running_dashboard(built) as server:
        overview = fetch(f"{server.url}api/overview").json()
    assert overview["runs"][0]["status"] == "interrupted"
    assert {p["name"]: p["status"] for p in overview["phases"]}["transform"] == "interrupted"

    # The next run records the dead run as interrupted for good, and runs normally.
    workspace.ok("run", "--project", str(built))
    runs = json.loads((built / ".tapestry" / "state.json").read_text())["runs"]
    dead = next(run for run in runs if run["pid"] == killed)
    assert dead["status"] == "interrupted"
    assert runs[-1]["status"] == "succeeded"
    assert all(run["status"] != "running" for run in runs)
