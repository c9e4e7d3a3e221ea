"""The deploy phase table: each phase is declared once (what it runs, its inputs, its upstream, whether it
hands secrets on) and the orchestration, the fingerprints and the summaries follow from that declaration."""

from __future__ import annotations

import threading
import typing
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from tapestry.core.errors import TapestryError, WarehouseError
from tapestry.kickstart.answers import validate_answers
from tapestry.kickstart.render import render_files
from tapestry.kickstart.spec import TemplateSpec, available_templates, load_template
from tapestry.phases.cloud.deploy import ALL_PHASES, DEPLOY_PHASES, PHASES, Deploy, DeployOptions
from tapestry.phases.cloud.env import ROLES
from tapestry.phases.doctor import _run_side_by_side
from tapestry.phases.runner import Concurrently, Phase
from tapestry.project.config import ProjectConfig, parse_config
from tapestry.project.state import PhaseRecord, ProjectState, utcnow
from tapestry.project.summaries import SUMMARY_MODELS, PhaseSummary

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "aws-answers.yml"
SECRETS = {
    "ZOOM_CLIENT_SECRET": "zoom-secret-1",
    "SALESFORCE_CLIENT_SECRET": "sf-secret-1",
    "SALESFORCE_REFRESH_TOKEN": "sf-refresh-1",
    "MAILCHIMP_API_KEY": "mc-value-123-us1",
}


def aws_config(tmp_path: Path, **answers: Any) -> tuple[TemplateSpec, ProjectConfig]:
    """The tapestry.yml the default template writes for the example aws answers."""
    key = tmp_path / "admin.p8"
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n")
    raw = yaml.safe_load(EXAMPLE.read_text())
    raw.update(snowflake_admin_private_key=f"file:{key}", abctl_sha256="ab" * 32, **answers)
    spec = load_template("zoom_salesforce_mailchimp")
    values = validate_answers(spec, raw, tmp_path, env=SECRETS).values
    return spec, parse_config(yaml.safe_load(render_files(spec, values)["tapestry.yml"]), "tapestry.yml")


def deploy_for(spec: TemplateSpec, config: ProjectConfig, state: ProjectState) -> Deploy:
    """A Deploy with just what planning and fingerprints read: the template, the config and the state."""
    ctx = SimpleNamespace(config=config, state=state)
    env = SimpleNamespace(template=spec, ctx=ctx)
    return Deploy(SimpleNamespace(), env, DeployOptions())  # type: ignore[arg-type]


def succeeded(name: str, summary: dict[str, Any]) -> PhaseRecord:
    return PhaseRecord(name=name, status="succeeded", started_at=utcnow(), finished_at=utcnow(), summary=summary)


def test_every_phase_declares_its_summary_model_and_earlier_upstream_phases() -> None:
    assert tuple(spec.name for spec in DEPLOY_PHASES) == ALL_PHASES and len(PHASES) == len(DEPLOY_PHASES)
    for index, spec in enumerate(DEPLOY_PHASES):
        returns = typing.get_type_hints(spec.run)["return"]
        assert returns is SUMMARY_MODELS.get(spec.name, PhaseSummary), spec.name
        earlier = ALL_PHASES[:index]
        assert set(spec.upstream) <= set(earlier), spec.name
        assert spec.alongside is None or spec.alongside in earlier, spec.name


def test_every_declared_input_is_a_part_of_tapestry_yml(tmp_path: Path) -> None:
    _, config = aws_config(tmp_path)
    document = config.model_dump(mode="json")
    for spec in DEPLOY_PHASES:
        for path in spec.inputs:
            node: Any = document
            for part in filter(None, path.split(".")):
                assert isinstance(node, dict) and part in node, f"{spec.name}: {path}"
                node = node[part]


@pytest.mark.parametrize("template", available_templates())
def test_templates_list_declared_phases_and_snowflake_runs_alongside_aws_ingestion(template: str) -> None:
    spec = load_template(template)
    assert set(spec.phases) <= set(ALL_PHASES)
    steps = deploy_for(spec, ProjectConfig(project="acme"), ProjectState()).phases()
    names = [[p.name for p in step.phases] if isinstance(step, Concurrently) else step.name for step in steps]
    expected: list[Any] = [name for name in spec.phases if name != "aws_ingestion"]
    expected[expected.index("snowflake")] = ["snowflake", "aws_ingestion"]
    assert names == expected
    described = [p for step in steps for p in (step.phases if isinstance(step, Concurrently) else (step,))]
    assert all(isinstance(p, Phase) and p.describe == PHASES[p.name].describe for p in described)


def test_a_fingerprint_follows_the_declared_inputs_and_upstream_outputs(tmp_path: Path) -> None:
    spec, config = aws_config(tmp_path)
    state = ProjectState()
    deploy = deploy_for(spec, config, state)

    def fingerprints() -> dict[str, str]:
        return {phase.name: deploy._fingerprint(phase) for phase in DEPLOY_PHASES if phase.resumable}

    before = fingerprints()
    assert fingerprints() == before, "a fingerprint depends on nothing but the inputs"

    # The mode of the syncs: only the phases that declare `syncs` (or all of the config) see it.
    deploy.ctx.config = config.model_copy(update={"syncs": [config.syncs[0].model_copy(update={"mode": "mirror"})]})
    changed = {name for name, value in fingerprints().items() if value != before[name]}
    assert changed == {p.name for p in DEPLOY_PHASES if p.resumable and {"", "syncs"} & set(p.inputs)}
    assert changed == {"ecs_runner", "first_sync"}
    deploy.ctx.config = config

    # New outputs of aws_ingestion: the phases that consume them.
    state.phases["aws_ingestion"] = succeeded("aws_ingestion", {"outputs": {"airbyte_url": "https://a.example"}})
    changed = {name for name, value in fingerprints().items() if value != before[name]}
    assert changed == {"airbyte", "ecs_runner", "dashboard"}
    assert changed == {p.name for p in DEPLOY_PHASES if "aws_ingestion" in p.upstream}


def test_the_service_users_log_in_side_by_side_and_every_failure_is_named() -> None:
    """An unreachable Snowflake costs one login timeout, not one per service user: the three logins wait for
    each other here, so run one after the other they would break the barrier instead."""
    arrived = threading.Barrier(len(ROLES), timeout=10)

    def open_snowflake(role: str) -> Any:
        arrived.wait()
        raise WarehouseError(f"cannot log in as {role}: connection refused", "check the network")

    deploy = Deploy.__new__(Deploy)
    deploy.env = SimpleNamespace(open_snowflake=open_snowflake)  # type: ignore[assignment]
    assert deploy._verify_roles() == [f"{role}: cannot log in as {role}: connection refused" for role in ROLES]


def test_doctor_runs_independent_checks_side_by_side_in_order() -> None:
    arrived = threading.Barrier(3, timeout=10)

    def check(name: str) -> Callable[[], str]:
        def run() -> str:
            arrived.wait()
            if name == "b":
                raise TapestryError("b is down", "start b")
            return f"{name} ok"

        return run

    checks = _run_side_by_side([(name, check(name), "fix it") for name in "abc"])
    assert [(c.name, c.ok, c.detail, c.fix) for c in checks] == [
        ("a", True, "a ok", ""),
        ("b", False, "b is down", "start b"),
        ("c", True, "c ok", ""),
    ]
