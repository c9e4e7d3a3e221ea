"""The pipeline on the aws target (what the ECS task runs, and what a deploy runs first):
Airbyte syncs -> dbt build on Snowflake -> sync. Same phases and same order as the local target."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from tapestry.core.errors import ConfigError
from tapestry.engines.ingest.airbyte import AirbyteClient
from tapestry.engines.transform.dbt_runner import DbtInvocation, run_dbt
from tapestry.kickstart.render import render_runtime
from tapestry.phases.cloud.env import CloudEnv
from tapestry.phases.marts import build_summary, marts_summary
from tapestry.phases.sources import add_source_models, airbyte_connections, announce_added_models, dbt_project_vars
from tapestry.project.summaries import AirbyteJob, IngestSummary, TransformSummary
from tapestry.sources.base import raw_schema

DBT_KEY_ENV = "TAPESTRY_DBT_PRIVATE_KEY"


def airbyte_client(env: CloudEnv) -> AirbyteClient:
    """Inside the ECS task Airbyte's address and credentials are injected; elsewhere they come from the
    aws_ingestion stack's outputs and the SSM parameters the instance wrote."""
    url = os.environ.get("TAPESTRY_AIRBYTE_URL")
    client_id = os.environ.get("TAPESTRY_AIRBYTE_CLIENT_ID")
    client_secret = os.environ.get("TAPESTRY_AIRBYTE_CLIENT_SECRET")
    if not (url and client_id and client_secret):
        outputs = ingestion_outputs(env)
        url = env.aws.airbyte.url or str(outputs["airbyte_url"])
        ssm = env.client("ssm")
        try:
            client_id = ssm.get_parameter(Name=outputs["airbyte_client_id_parameter_name"], WithDecryption=True)[
                "Parameter"
            ]["Value"]
            client_secret = ssm.get_parameter(
                Name=outputs["airbyte_client_secret_parameter_name"], WithDecryption=True
            )["Parameter"]["Value"]
        except Exception as exc:  # ParameterNotFound while the instance still installs Airbyte, or access
            raise ConfigError(
                f"Airbyte's API credentials are not in SSM yet ({type(exc).__name__})",
                "Airbyte's first install takes up to ~30 min; rerun the deploy when it is done",
            ) from None
    return AirbyteClient(base_url=str(url), client_id=str(client_id), client_secret=str(client_secret))


def ingestion_outputs(env: CloudEnv) -> dict[str, Any]:
    outputs = env.ctx.state.stack_outputs("aws_ingestion")
    if not outputs:
        raise ConfigError(
            "the AWS ingestion stack is not deployed in this project", "run `tapestry deploy` (or kickstart) first"
        )
    return outputs


def connection_names(env: CloudEnv) -> list[str]:
    return [str(c["name"]) for c in airbyte_connections(env.ctx.config)]


def ingest_with_airbyte(env: CloudEnv, poll_seconds: float = 15.0) -> IngestSummary:
    """Start a sync of every connection of the project at once and wait for all of them."""
    client = airbyte_client(env)
    try:
        workspace = client.workspace_id()
        wanted = set(connection_names(env))
        connections = {c["name"]: str(c["connectionId"]) for c in client.connections(workspace) if c["name"] in wanted}
        missing = sorted(wanted - set(connections))
        if missing:
            raise ConfigError(
                f"Airbyte has no connection {', '.join(missing)}", "run `tapestry deploy` to configure Airbyte"
            )

        def sync(name: str) -> tuple[str, dict[str, Any]]:
            job_id = client.start_sync(connections[name])
            env.ctx.reporter.info(f"airbyte: {name} sync job {job_id} started")
            job = client.wait_job(job_id, poll=poll_seconds)
            return name, job

        with ThreadPoolExecutor(max_workers=max(1, len(connections))) as pool:
            jobs = dict(pool.map(sync, sorted(connections)))
    finally:
        client.close()
    return IngestSummary(
        connections={
            name: AirbyteJob(job_id=job.get("jobId"), rows_synced=job.get("rowsSynced"), duration=job.get("duration"))
            for name, job in jobs.items()
        },
        rows_synced=sum(int(job.get("rowsSynced") or 0) for job in jobs.values()),
    )


def dbt_invocation(env: CloudEnv) -> tuple[DbtInvocation, dict[str, str]]:
    objects = env.objects
    endpoint = env.endpoint
    profile = render_runtime(
        env.template,
        "dbt_profile",
        {
            "account": env.snowflake.account,
            "objects": asdict(objects),
            "analytics_schema": objects.analytics_schema,
            "private_key_env": DBT_KEY_ENV,
            "threads": env.ctx.config.transform.threads,
            "endpoint": asdict(endpoint) if endpoint else None,
        },
    )
    key = env.resolver.require(env.private_key_ref("transformer"), "Snowflake dbt key")
    invocation = DbtInvocation(
        project_dir=env.ctx.layout.dbt_project_dir(env.ctx.config),
        profile_yaml=profile,
        work_dir=env.ctx.layout.dbt_dir,
        target="snowflake",
        vars={
            "raw_database": objects.raw_database,
            "marts_schema": objects.marts_schema,
            **dbt_project_vars(env.ctx.config, raw_schema),
        },
        env={DBT_KEY_ENV: key},
    )
    return invocation, {DBT_KEY_ENV: key}


def transform_on_snowflake(env: CloudEnv) -> TransformSummary:
    ctx = env.ctx
    announce_added_models(ctx.reporter, add_source_models(ctx.layout.dbt_project_dir(ctx.config), ctx.config))
    invocation, _ = dbt_invocation(env)
    done = 0

    def on_node(_: object) -> None:
        nonlocal done
        done += 1
        env.ctx.reporter.progress("dbt build", done, None)

    # dbt's own advice: unit tests check the SQL logic in development and CI (they run on every local
    # build and in `make test`); production builds skip them.
    result = run_dbt("build", invocation, extra_args=["--exclude-resource-type", "unit_test"], on_node=on_node)
    with env.open_snowflake("transformer") as warehouse:
        marts = marts_summary(warehouse, env.objects.marts_schema, env.ctx.config)
    return build_summary(result, marts)
