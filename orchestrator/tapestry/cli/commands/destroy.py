"""`tapestry destroy`: remove the cloud deployment in reverse order."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tapestry.cli.common import ProjectOption, default_project, friendly_errors, open_project

HELP = """Remove the cloud deployment, in reverse order, and say what is kept and why.

Order: the ECS runner, then Airbyte's instance, load balancer and network, then (with
[bold]--include-snowflake[/]) the Snowflake objects, then the project's SSM parameters. What stays is
named with the reason: the snapshots of Airbyte's data volume (a last one is taken on destroy), or the
Snowflake databases (they hold your data: kept unless you ask). Asks for the project name as
confirmation; [bold]--yes[/] skips the question in pipelines."""


def register(app: typer.Typer) -> None:
    app.command("destroy", help=HELP)(destroy_command)


@friendly_errors
def destroy_command(
    project: ProjectOption = default_project(),  # noqa: B008 - typer default
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    include_snowflake: Annotated[
        bool, typer.Option("--include-snowflake", help="Also drop the Snowflake objects Tapestry manages.")
    ] = False,
    keep_secrets: Annotated[bool, typer.Option("--keep-secrets", help="Keep the SSM parameters.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every step.")] = False,
) -> None:
    from tapestry.cli.console import RichReporter, console
    from tapestry.core.errors import ProjectError
    from tapestry.phases.cloud.destroy import DestroyOptions, destroy
    from tapestry.targets.aws import cloud_env

    env = cloud_env(open_project(project, RichReporter(verbose=verbose)))
    ctx = env.ctx
    if not yes:
        if not sys.stdin.isatty():
            raise ProjectError("destroy needs confirmation", "rerun with --yes (non-interactive)")
        typed = typer.prompt(f"This removes project {ctx.config.project}'s cloud resources. Type its name")
        if typed.strip() != ctx.config.project:
            raise ProjectError("confirmation did not match the project name", "nothing was removed; rerun")
    report = destroy(env, DestroyOptions(include_snowflake=include_snowflake, keep_secrets=keep_secrets))
    for item in report.removed:
        console.print(f"[green]removed[/] {item}")
    for item in report.kept:
        console.print(f"[yellow]kept[/] {item}")
