"""`tapestry upgrade`: rewrite an older tapestry.yml at the current schema version."""

from __future__ import annotations

import typer

from tapestry.cli.common import ProjectOption, default_project, friendly_errors

HELP = """Rewrite tapestry.yml at the current schema version (2), keeping the original as tapestry.yml.v1.bak.

Every command already reads a version 1 file by migrating it in memory; upgrading makes the file say what
Tapestry reads: sources become [bold]name: {type, ...}[/] and the one [bold]sync:[/] becomes a [bold]syncs:[/]
list (named mailchimp, same model, list, mapping and mode, same sync state). Nothing else changes: not the
state, not the warehouse, not the dbt project. Comments in the old file are not carried over (they stay in
the backup)."""


def register(app: typer.Typer) -> None:
    app.command("upgrade", help=HELP)(upgrade)


@friendly_errors
def upgrade(project: ProjectOption = default_project()) -> None:  # noqa: B008 - typer default
    from tapestry.cli.console import console
    from tapestry.core.errors import ConfigError
    from tapestry.project.config import CONFIG_FILE
    from tapestry.project.migrate import CURRENT, upgrade_file

    path = project / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(f"{project} is not a Tapestry project (no {CONFIG_FILE})", "pass --project DIR")
    backup = upgrade_file(path)
    if backup is None:
        console.print(f"{path} is already at schema version {CURRENT}; nothing changed")
    else:
        console.print(f"upgraded {path} to schema version {CURRENT}; the original is {backup}")
