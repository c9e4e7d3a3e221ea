"""`tapestry destroy`: remove what the deploy created, in reverse order, and say what is kept and why."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from tapestry.engines.terraform.runner import TerraformRunner
from tapestry.phases.cloud.deploy import ALL_PHASES
from tapestry.phases.cloud.env import CloudEnv, snowflake_admin_env
from tapestry.phases.cloud.stacks import stack_runner, stack_variables
from tapestry.project.state import project_lock


@dataclass
class DestroyReport:
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DestroyOptions:
    include_snowflake: bool = False  # drop the Snowflake objects too (their data goes with them)
    keep_secrets: bool = False


def destroy(env: CloudEnv, options: DestroyOptions) -> DestroyReport:
    ctx = env.ctx
    report = DestroyReport()
    state = ctx.state
    with project_lock(ctx.layout.lock_file):
        runner_out = state.stack_outputs("ecs_runner")
        ingestion = state.stack_outputs("aws_ingestion")
        ingestion_runner = None
        # The runner stack goes while the ingestion stack turns its load balancer's deletion protection off
        # (an update the provider then waits on for half a minute); the ingestion stack goes after both.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="destroy") as pool:
            runner_gone = (
                pool.submit(_destroy_runner_stack, env, ingestion, report)
                if runner_out or "ecs_runner" in state.phases
                else None
            )
            unprotected = (
                pool.submit(_ready_to_destroy, env, "aws_ingestion", {"destroying": True})
                if ingestion or "aws_ingestion" in state.phases
                else None
            )
            if runner_gone is not None:
                runner_gone.result()
            if unprotected is not None:
                ingestion_runner = unprotected.result()
        if ingestion_runner is not None:
            ingestion_runner.destroy(refresh=False)
            report.removed.append("aws_ingestion: Airbyte instance, data volume, load balancer, network, alarms")
            report.kept.append(
                "the Airbyte data volume's final snapshot and its daily snapshots: delete them in the EC2 console "
                "(Snapshots, tag tapestry:snapshot) once you no longer need Airbyte's history"
            )
            legacy_bucket = ingestion.get("bucket_name")
            if legacy_bucket:  # outputs recorded by a deploy with aws_ingestion 1.x
                report.kept.append(
                    f"S3 bucket {legacy_bucket}: the unused staging bucket of aws_ingestion 1.x, which Terraform "
                    "no longer manages; empty and delete it yourself"
                )
        if env.snowflake.manage_objects and options.include_snowflake and "snowflake" in state.phases:
            runner = stack_runner(env, "snowflake", snowflake_admin_env(env))
            runner.init()
            runner.destroy()
            report.removed.append("snowflake: warehouse, databases, roles, service users")
        elif "snowflake" in state.phases:
            why = (
                "they hold your raw data and audience; rerun with --include-snowflake to drop them"
                if env.snowflake.manage_objects
                else "your DBA created them (tapestry snowflake-sql); drop them the same way"
            )
            report.kept.append(f"Snowflake objects (prefix {env.snowflake.prefix}): {why}")
        if options.keep_secrets:
            report.kept.append(f"SSM parameters under {env.store.prefix}: --keep-secrets")
        else:
            deleted = env.store.delete_all()
            report.removed.append(f"{len(deleted)} SSM parameters under {env.store.prefix}")
        for name in ALL_PHASES:
            state.phases.pop(name, None)
        ctx.store.save(state)
    return report


def _ready_to_destroy(env: CloudEnv, stack: str, context: dict[str, Any]) -> TerraformRunner | None:
    """The stack applied with its destroy-time settings (the ALB's deletion protection off, ECR force-delete on),
    so that `destroy` can remove everything; None when the stack holds nothing."""
    runner = stack_runner(env, stack)
    runner.write_vars(stack_variables(env, stack, context))
    runner.init()
    if not runner.state_list():
        return None
    runner.plan()
    runner.apply_plan()
    return runner


def _destroy_runner_stack(env: CloudEnv, ingestion: dict[str, Any], report: DestroyReport) -> None:
    context = {
        "ingestion": {k: ingestion.get(k) for k in ("vpc_id", "subnet_ids", "instance_security_group_id")},
        "image_tag": "destroy",
        "image_uri": env.aws.runner.image,
        "environment": {},
        "secret_arns": {},
        "destroying": True,
    }
    runner = _ready_to_destroy(env, "ecs_runner", context)
    if runner is not None:
        runner.destroy(refresh=False)  # the apply just before has read every resource
        report.removed.append("ecs_runner: scheduled task, cluster, image repository, logs, alarms")
