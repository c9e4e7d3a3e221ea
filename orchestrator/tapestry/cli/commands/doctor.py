"""`tapestry doctor`: check credentials and prerequisites."""

from __future__ import annotations

import typer

from tapestry.cli.common import ProjectOption, default_project, friendly_errors, open_project

HELP = """Check every credential and prerequisite the project needs, and say how to fix what fails.

aws target: terraform, Docker (unless a runner image is given), the AWS identity, the secrets in SSM,
a login as each Snowflake service user doing what its role needs, each source's credentials
(e.g. the Zoom and Salesforce OAuth apps), each sync's destination (its key, and the list, fields or
properties its mapping writes: Mailchimp, HubSpot, Klaviyo), and Airbyte once deployed.
local target: the export files and, for each sync whose key is set, its destination.
Exit code 1 when any check fails."""


def register(app: typer.Typer) -> None:
    app.command("doctor", help=HELP)(doctor)


@friendly_errors
def doctor(project: ProjectOption = default_project()) -> None:  # noqa: B008 - typer default
    from rich.table import Table

    from tapestry.cli.console import console
    from tapestry.phases.doctor import run_doctor

    target = open_project(project)
    ctx = target.ctx
    checks = run_doctor(target)
    table = Table("check", "", "detail", "fix", title=f"tapestry doctor · {ctx.config.project}", title_justify="left")
    for check in checks:
        mark = {True: "[green]ok[/]", False: "[red]FAIL[/]", None: "[dim]skip[/]"}[check.ok]
        table.add_row(check.name, mark, check.detail, check.fix if check.ok is False else "")
    console.print(table)
    if any(check.ok is False for check in checks):
        raise typer.Exit(1)
