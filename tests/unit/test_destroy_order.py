"""phases.cloud.destroy: the runner stack goes while the ingestion stack's deletion protection is turned off,
the ingestion stack only after both, and a failure of either leaves the ingestion stack in place."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tapestry.phases.cloud import destroy as destroy_phase


class FakeStack:
    def __init__(self, name: str, log: list[str], fail: str | None, both_started: threading.Barrier) -> None:
        self.name, self.log, self.fail, self.both_started = name, log, fail, both_started

    def write_vars(self, variables: Any) -> None:
        pass

    def init(self) -> None:
        self.both_started.wait(timeout=5)  # both stacks are at work at the same time, or this times out

    def state_list(self) -> list[str]:
        return ["resource"]

    def plan(self) -> None:
        pass

    def apply_plan(self) -> None:
        self.log.append(f"{self.name} applied")
        if self.fail == f"{self.name} apply":
            raise RuntimeError(self.fail)

    def destroy(self, refresh: bool = True) -> None:
        self.log.append(f"{self.name} destroyed (refresh={refresh})")
        if self.fail == f"{self.name} destroy":
            raise RuntimeError(self.fail)


def run_destroy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log: list[str], fail: str | None = None) -> None:
    both_started = threading.Barrier(2)
    monkeypatch.setattr(destroy_phase, "stack_runner", lambda env, stack, *a: FakeStack(stack, log, fail, both_started))
    monkeypatch.setattr(destroy_phase, "stack_variables", lambda env, stack, context: {})
    state = SimpleNamespace(
        phases={"aws_ingestion": {}, "ecs_runner": {}},
        stack_outputs=lambda stack: {"vpc_id": "vpc-1"},
    )
    env = SimpleNamespace(
        ctx=SimpleNamespace(
            state=state, layout=SimpleNamespace(lock_file=tmp_path / "lock"), store=SimpleNamespace(save=lambda s: None)
        ),
        aws=SimpleNamespace(runner=SimpleNamespace(image="img")),
        snowflake=SimpleNamespace(manage_objects=False),
        store=SimpleNamespace(prefix="/tapestry/acme", delete_all=lambda: ["a"]),
    )
    destroy_phase.destroy(env, destroy_phase.DestroyOptions())  # type: ignore[arg-type]


def test_the_ingestion_stack_goes_last_without_a_second_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log: list[str] = []
    run_destroy(tmp_path, monkeypatch, log)
    assert set(log[:3]) == {"ecs_runner applied", "ecs_runner destroyed (refresh=False)", "aws_ingestion applied"}
    assert log[3:] == ["aws_ingestion destroyed (refresh=False)"]


@pytest.mark.parametrize("fail", ["ecs_runner destroy", "aws_ingestion apply"])
def test_a_failure_of_either_keeps_the_ingestion_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str
) -> None:
    log: list[str] = []
    with pytest.raises(RuntimeError, match=fail):
        run_destroy(tmp_path, monkeypatch, log, fail)
    assert fail.replace("destroy", "destroyed (refresh=False)").replace("apply", "applied") in log
    assert "aws_ingestion applied" in log  # the other stack's work ran to its end, nothing left half-done
    assert not any(entry.startswith("aws_ingestion destroyed") for entry in log)
