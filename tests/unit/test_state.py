from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from tapestry.core.errors import ProjectError
from tapestry.project.state import PhaseRecord, ProjectState, StateStore, project_lock, utcnow


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
