"""The bundled Terraform stacks, copied into the project (`.tapestry/terraform/`) so that `.terraform/`,
the plan and local state live with the project, never inside the installed package."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tapestry.core.fs import atomic_write_text, sha256_tree
from tapestry.engines.terraform.runner import PlanSummary, TerraformRunner
from tapestry.kickstart.render import render_json
from tapestry.phases.cloud.env import CloudEnv
from tapestry.resources import bundled

IGNORED = shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.*", ".terraform.lock.hcl", "tests", "*.tfplan")
S3_OVERRIDE = 'terraform {\n  backend "s3" {}\n}\n'


def terraform_root(env: CloudEnv) -> Path:
    """Refresh the project's copy of the bundled Terraform when Tapestry's own copy changed."""
    source = bundled("terraform")
    target = env.ctx.layout.state_dir / "terraform"
    marker = target / ".bundle-sha256"
    digest = sha256_tree(source, frozenset({".terraform", "tests"}))
    if not marker.exists() or marker.read_text().strip() != digest:
        shutil.copytree(source, target, ignore=IGNORED, dirs_exist_ok=True)  # keeps state and .terraform
        atomic_write_text(marker, digest + "\n")
    return target


def stack_runner(env: CloudEnv, stack: str, extra_env: Mapping[str, str] | None = None) -> TerraformRunner:
    working_dir = terraform_root(env) / "stacks" / stack
    backend = env.aws.state_backend
    override = working_dir / "backend_override.tf"
    config: dict[str, str] = {}
    if backend.type == "s3":
        atomic_write_text(override, S3_OVERRIDE)
        config = {
            "bucket": str(backend.bucket),
            "key": f"{backend.key_prefix}/{env.ctx.config.project}/{stack}.tfstate",
            "region": backend.region or env.aws.region,
            "encrypt": "true",
            "use_lockfile": "true",
        }
    else:
        override.unlink(missing_ok=True)
    return TerraformRunner(stack, working_dir, backend_config=config, extra_env=extra_env)


def stack_variables(env: CloudEnv, stack: str, context: Mapping[str, Any]) -> dict[str, Any]:
    base = {
        "project": env.ctx.config.project,
        "aws": env.aws.model_dump(),
        "snowflake": env.snowflake.model_dump(),
        "ssm_prefix": env.ctx.config.ssm_prefix,
        "tags": env.tags,
        "destroying": False,
    }
    variables = render_json(env.template, f"tfvars_{stack}", {**base, **context})
    if not isinstance(variables, dict):
        raise TypeError(f"tfvars_{stack} must render a JSON object")
    _refuse_secrets(env, stack, variables)
    return variables


def _refuse_secrets(env: CloudEnv, stack: str, variables: Mapping[str, Any]) -> None:
    """A template must never hand Terraform a secret: it would land in state."""
    text = json.dumps(variables)
    for value in env.resolver.provided.values():
        if value and len(value) >= 8 and value in text:
            raise ValueError(f"tfvars_{stack} of template {env.template.name} contains a secret value")


def state_addresses(env: CloudEnv, stack: str, extra_env: Mapping[str, str] | None = None) -> list[str]:
    """`terraform state list` of a stack (empty before its first apply)."""
    runner = stack_runner(env, stack, extra_env)
    runner.init()
    return runner.state_list()


def apply_stack(
    env: CloudEnv,
    stack: str,
    variables: Mapping[str, Any],
    plan_only: bool = False,
    extra_env: Mapping[str, str] | None = None,
) -> tuple[PlanSummary, dict[str, Any]]:
    """init -> plan -> apply (only when the plan has changes) -> outputs."""
    runner = stack_runner(env, stack, extra_env)
    runner.write_vars(variables)
    env.ctx.reporter.info(f"{stack}: terraform init")
    runner.init()
    env.ctx.reporter.info(f"{stack}: terraform plan")
    plan = runner.plan()
    if plan_only:
        return plan, {}
    if plan.has_changes:
        env.ctx.reporter.info(f"{stack}: terraform apply ({plan.headline()})")
        runner.apply_plan()
    return plan, runner.outputs()
