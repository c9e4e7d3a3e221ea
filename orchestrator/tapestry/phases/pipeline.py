"""`tapestry run`: one ordered pipeline run, ingest -> transform -> sync, on the project's target."""

from __future__ import annotations

from tapestry.phases.context import ProjectContext
from tapestry.phases.local_pipeline import RunOptions, run_local_pipeline
from tapestry.phases.runner import Phase, run_phases
from tapestry.phases.sync_phase import sync_phase
from tapestry.project.state import RunRecord, project_lock


def run_pipeline(ctx: ProjectContext, options: RunOptions) -> RunRecord:
    if ctx.config.target == "local":
        return run_local_pipeline(ctx, options)
    from tapestry.phases.cloud.env import open_cloud
    from tapestry.phases.cloud.pipeline import ingest_with_airbyte, transform_on_snowflake

    env = open_cloud(ctx)
    phases = [
        Phase("ingest", lambda: ingest_with_airbyte(env), "Airbyte syncs of every connection"),
        Phase("transform", lambda: transform_on_snowflake(env), "dbt build on Snowflake"),
        Phase("sync", lambda: sync_phase(ctx, options.sync, env), "audience -> Mailchimp"),
    ]
    with project_lock(ctx.layout.lock_file):
        return run_phases("run", phases, ctx.store, ctx.state, ctx.reporter)
