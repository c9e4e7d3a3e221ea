from __future__ import annotations

import json
import multiprocessing
import subprocess
from pathlib import Path

import pytest

from tapestry.core.errors import ProjectError
from tapestry.core.process import ProcessId
from tapestry.project.state import (
    PhaseRecord,
    ProjectState,
    RunRecord,
    StateStore,
    project_lock,
    reconcile_dead_runs,
    utcnow,
)


def test_state_round_trips_with_its_schema_version(tmp_path: Path) -> None:
    store = StateStore(tmp_path / ".tapestry" / "state.json")
    state = ProjectState()
    state.phases["ingest"] = PhaseRecord(name="ingest", status="succeeded", started_at=utcnow(), finished_at=utcnow())
    store.save(state)
    raw = json.loads(store.path.read_text())
    assert raw["schema_version"] == 1
    assert store.load().phases["ingest"].status == "succeeded"
    assert not list(store.path.parent.glob("*.tmp")), "no temporary file is left behind"


def test_unknown_schema_version_is_refused_with_a_fix(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"schema_version": 99}))
    with pytest.raises(ProjectError, match="schema version 99"):
        StateStore(path).load()


def _hold_lock(path: str, ready: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    with project_lock(Path(path)):
        ready.set()
        release.wait(30)


def test_a_second_command_fails_fast_while_the_project_is_locked(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    ready, release = multiprocessing.Event(), multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(str(lock), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(ProjectError, match=f"pid {holder.pid}"), project_lock(lock):
            pass
    finally:
        release.set()
        holder.join(30)
    with project_lock(lock):  # free again once the holder is gone
        pass


# --- runs whose process died ----------------------------------------------------------------------------


def _running(state: ProjectState, process: ProcessId | None) -> RunRecord:
    run = RunRecord(
        run_id=f"r{len(state.runs)}",
        command="run",
        started_at=utcnow(),
        host=process.host if process else None,
        pid=process.pid if process else None,
        process_started=process.started if process else None,
        phases=[PhaseRecord(name="transform", status="running", started_at=utcnow())],
    )
    state.runs.append(run)
    return run


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_run_of_a_dead_or_reused_pid_is_interrupted_a_live_one_is_not(tmp_path: Path) -> None:
    me = ProcessId.current()
    assert me.started is not None and me.alive() is True
    state = ProjectState()
    live = _running(state, me)
    reused = _running(state, ProcessId(me.host, me.pid, "another-boot/123"))  # same pid, other process
    dead = _running(state, ProcessId(me.host, _dead_pid(), "boot/1"))
    elsewhere = _running(state, ProcessId("another-host", 1, None))
    legacy = _running(state, None)

    store = StateStore(tmp_path / "state.json")
    store.save(state)
    loaded = {run.run_id: run for run in store.load().runs}  # what `status` and the dashboard see
    assert loaded[live.run_id].status == "running"
    assert loaded[reused.run_id].status == "interrupted"
    assert loaded[dead.run_id].status == "interrupted"
    assert loaded[dead.run_id].phases[0].status == "interrupted"
    assert f"pid {dead.pid}" in str(loaded[dead.run_id].phases[0].error)
    assert loaded[elsewhere.run_id].status == "running", "another host's process cannot be checked from here"
    assert loaded[legacy.run_id].status == "running"

    assert reconcile_dead_runs(state, unknown_is_dead=True)  # under the project lock: no pid, no live run
    assert {run.run_id: run.status for run in state.runs}[legacy.run_id] == "interrupted"
    assert state.phases["transform"].status == "interrupted"


def test_a_sync_run_is_dead_when_its_process_is_gone_or_another_hosts_run_is_stale() -> None:
    from datetime import timedelta

    from tapestry.engines.sync.owners import STALE_AFTER, is_dead

    now = utcnow()
    assert not is_dead(ProcessId.current(), now, now)
    assert is_dead(ProcessId(ProcessId.current().host, _dead_pid(), "boot/1"), now, now)
    other = ProcessId("ecs-task-elsewhere", 7, None)
    assert not is_dead(other, now - timedelta(minutes=5), now)
    assert is_dead(other, now - STALE_AFTER - timedelta(minutes=1), now)
    assert is_dead(None, now - STALE_AFTER - timedelta(minutes=1), now)
