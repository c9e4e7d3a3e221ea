"""Run dbt through its Python API and report per-node results."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tapestry.core.errors import AccessError, TransformError, clip, explain
from tapestry.core.fs import atomic_write_text

# dbt colours a unit test's diff whatever the terminal: the codes would reach logs and CI output as text
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

NodeCallback = Callable[["NodeResult"], None]


@dataclass(frozen=True)
class NodeResult:
    name: str
    resource_type: str  # model, test, unit_test, seed, snapshot
    status: str  # success, pass, fail, error, warn, skipped
    seconds: float
    message: str | None = None
    failures: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in {"success", "pass", "warn"}


@dataclass
class BuildResult:
    nodes: list[NodeResult] = field(default_factory=list)

    def count(self, resource_types: set[str], ok: bool | None = None) -> int:
        return sum(1 for n in self.nodes if n.resource_type in resource_types and (ok is None or n.ok == ok))

    @property
    def models_passed(self) -> int:
        return self.count({"model"}, ok=True)

    @property
    def tests_passed(self) -> int:
        return self.count({"test", "unit_test"}, ok=True)

    @property
    def failed(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in {"fail", "error"}]


@dataclass(frozen=True)
class DbtInvocation:
    project_dir: Path
    profile_yaml: str
    work_dir: Path  # rendered profile, target/ and logs/ go here
    target: str
    vars: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)  # secrets for env_var(), never written to disk


def run_dbt(
    command: str,
    invocation: DbtInvocation,
    extra_args: Sequence[str] = (),
    on_node: NodeCallback | None = None,
) -> BuildResult:
    """Run `dbt <command>` (build, seed, run, test...) in-process; raise TransformError on any failure."""
    if not (invocation.project_dir / "dbt_project.yml").is_file():
        raise TransformError(
            f"{invocation.project_dir} has no dbt_project.yml",
            "point transform.project_dir in tapestry.yml at the dbt project (tapestry init copies one)",
        )
    invocation.work_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(invocation.work_dir / "profiles.yml", invocation.profile_yaml, mode=0o600)

    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    from dbt.cli.main import dbtRunner  # heavy import: only when a transform really runs

    args = [
        command,
        "--project-dir",
        str(invocation.project_dir),
        "--profiles-dir",
        str(invocation.work_dir),
        "--target",
        invocation.target,
        "--target-path",
        str(invocation.work_dir / "target"),
        "--log-path",
        str(invocation.work_dir / "logs"),
        "--vars",
        json.dumps(dict(invocation.vars)),
        *extra_args,
    ]
    collected = BuildResult()

    def callback(event: Any) -> None:
        name = event.info.name
        if name not in {"LogModelResult", "LogTestResult", "LogSeedResult", "LogSnapshotResult"}:
            return
        node = getattr(event.data, "node_info", None)
        if node is None:
            return
        result = _node_result(node)
        if on_node:
            on_node(result)

    saved = {key: os.environ.get(key) for key in invocation.env}
    os.environ.update(invocation.env)
    try:
        outcome = dbtRunner(callbacks=[callback]).invoke([*args, "--log-level", "none", "--log-level-file", "info"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    if outcome.exception is not None:
        raise TransformError(
            f"dbt {command} could not run: {dbt_message(str(outcome.exception)) or type(outcome.exception).__name__}",
            f"correct the dbt project as the message says; full log in {invocation.work_dir / 'logs' / 'dbt.log'}",
        )
    for item in getattr(outcome.result, "results", None) or []:
        collected.nodes.append(
            NodeResult(
                name=item.node.name,
                resource_type=str(item.node.resource_type),
                status=str(item.status),
                seconds=float(item.execution_time or 0.0),
                message=item.message,
                failures=item.failures,
            )
        )
    if collected.failed:
        first = collected.failed[0]
        blocked = explain(RuntimeError(first.message or ""))  # the warehouse's folder or disk, not the model
        if isinstance(blocked, AccessError):
            raise blocked
        kind = {"unit_test": "unit test"}.get(first.resource_type, first.resource_type)
        detail = f": {dbt_message(first.message)}" if first.message else ""
        others = f" (and {len(collected.failed) - 1} more)" if len(collected.failed) > 1 else ""
        verb = {"fail": "failed", "error": "errored"}.get(first.status, first.status)
        raise TransformError(
            f"dbt {kind} {first.name} {verb}{detail}{others}",
            f"inspect {kind} {first.name} in the dbt project; full log in {invocation.work_dir / 'logs'}",
        )
    if not outcome.success:
        raise TransformError(f"dbt {command} failed", f"see {invocation.work_dir / 'logs' / 'dbt.log'}")
    return collected


def dbt_message(text: str, details: int = 3) -> str:
    """dbt's error on one line: its headline ("Compilation Error in model x (path)") and what follows it,
    which is the actual reason (the unexpected token and its line, the database's message)."""
    lines = [line.strip() for line in _ANSI_ESCAPE.sub("", text).strip().splitlines()]
    lines = [line for line in lines if line and not set(line) <= {"^", " "}]
    if not lines:
        return ""
    head, rest = lines[0], lines[1 : 1 + details]
    return clip(f"{head}: {'; '.join(rest)}" if rest else head, 600)


def _node_result(node: Any) -> NodeResult:
    unique_id = str(getattr(node, "unique_id", ""))
    resource_type = unique_id.split(".", 1)[0] if unique_id else "model"
    return NodeResult(
        name=str(getattr(node, "node_name", unique_id)),
        resource_type=resource_type,
        status=str(getattr(node, "node_status", "")),
        seconds=0.0,
    )
