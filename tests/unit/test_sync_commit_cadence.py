"""The sync session commits acknowledgements in groups: at least `commit_every` keys and a second apart
(a commit has a fixed cost), a job's keys at once, and never more than MAX_BUFFERED keys held."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tapestry.core.progress import NullReporter
from tapestry.engines.sync import engine
from tapestry.engines.sync.engine import MAX_BUFFERED, SyncOptions, SyncReport, _Session
from tapestry.engines.sync.protocol import Ack, PlannedRow


class _State:
    def __init__(self) -> None:
        self.commits: list[tuple[int, str | None]] = []

    def commit(self, run_id: str, at: Any, commits: list[Any], clear_job: str | None = None) -> None:
        self.commits.append((len(commits), clear_job))


def _session(monkeypatch: pytest.MonkeyPatch, commit_every: int = 200) -> tuple[_Session, _State, list[float]]:
    now = [0.0]
    monkeypatch.setattr(engine.time, "monotonic", lambda: now[0])
    state = _State()
    run = SimpleNamespace(
        options=SyncOptions(commit_every=commit_every),
        state=state,
        report=SyncReport(run_id="r", planned={"create": 10**6}, preview=False),
        reporter=NullReporter(),
        report_total=10**6,
    )
    return _Session(run), state, now  # type: ignore[arg-type]


def _acks(n: int) -> list[Ack]:
    return [Ack(PlannedRow(f"p{i}@example.com", "create", "h"), "ok", 200) for i in range(n)]


def test_fast_acknowledgements_are_committed_once_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    session, state, now = _session(monkeypatch)
    for _ in range(10):  # 5,000 keys within the first second: one commit would do
        session.acknowledge(_acks(500))
        now[0] += 0.09
    assert state.commits == []
    now[0] = 1.0
    session.acknowledge(_acks(500))
    assert state.commits == [(5_500, None)]
    assert session.run.report.created == 5_500


def test_slow_acknowledgements_are_committed_every_commit_every_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    session, state, now = _session(monkeypatch, commit_every=200)
    for _ in range(3):
        now[0] += 5.0  # a slow destination: 100 keys in 5 s
        session.acknowledge(_acks(100))
    assert state.commits == [(200, None)]


def test_a_job_is_committed_at_once_and_a_flood_is_never_held_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    session, state, _ = _session(monkeypatch)
    session.acknowledge(_acks(3), job="batch1")
    assert state.commits == [(3, "batch1")]
    session.acknowledge(_acks(MAX_BUFFERED))  # no time passed: the cap commits them anyway
    assert state.commits[-1] == (MAX_BUFFERED, None)
