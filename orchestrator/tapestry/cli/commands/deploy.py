"""`tapestry deploy`: apply the project's cloud phases (resumable, idempotent)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tapestry.cli.common import ProjectOption, default_project, friendly_errors, open_project

if TYPE_CHECKING:
    from tapestry.project.state import RunRecord

HELP = """Deploy (or update) the project's cloud infrastructure and configuration, phase by phase.

The phases come from the project's template: [bold]zoom_salesforce_mailchimp[/] runs secrets →
snowflake ∥ aws_ingestion → airbyte → first_build → ecs_runner → first_sync → dashboard; [bold]blank[/]
(infrastructure only) runs secrets → snowflake ∥ aws_ingestion → ecs_runner → dashboard.
A phase that already succeeded with the same inputs is skipped, so after a failure the rerun resumes
where it stopped, and a run with nothing changed changes nothing. [bold]--plan[/] shows every Terraform
stack's plan and applies nothing. Secrets must already be in SSM (from the kickstart, or
[bold]tapestry secrets set[/])."""


def register(app: typer.Typer) -> None:
    app.command("deploy", help=HELP)(deploy_command)


@friendly_errors
def deploy_command(
    project: ProjectOption = default_project(),  # noqa: B008 - typer default
    plan: Annotated[bool, typer.Option("--plan", help="Show every stack's plan; apply nothing.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Re-check phases that are already done.")] = False,
    poll_interval: Annotated[
        float, typer.Option("--poll-interval", min=0.0, help="Seconds between Airbyte health and job polls.")
    ] = 10.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every step.")] = False,
) -> None:
    from tapestry.cli.console import RichReporter
    from tapestry.phases.cloud.deploy import DeployOptions, deploy
    from tapestry.targets.aws import cloud_env

    target = open_project(project, RichReporter(verbose=verbose))
    env = cloud_env(target)
    record = deploy(target, env, DeployOptions(plan_only=plan, refresh=refresh, poll_seconds=poll_interval))
    print_deploy_summary(record)


def print_deploy_summary(record: RunRecord) -> None:
    """Every phase of this deploy with what it did (its headline), and each change a --plan found."""
    from rich.table import Table

    from tapestry.cli.console import console
    from tapestry.project.summaries import StackSummary

    table = Table("phase", "status", "result", title="Deploy", title_justify="left")
    for phase in record.phases:
        table.add_row(phase.name, phase.status, phase.error or phase.headline())
        for action, address in phase.typed_as(StackSummary).resources[:40]:
            table.add_row("", "", f"  {action} {address}")
    console.print(table)
