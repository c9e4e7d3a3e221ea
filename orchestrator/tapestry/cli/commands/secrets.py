"""`tapestry secrets`: the local secret store (outside the project, mode 0600)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tapestry.cli.app import ProjectOption, default_project, friendly_errors

secrets_app = typer.Typer(
    short_help="Set, list and delete the project's secrets (never stored in the project folder).",
    help=(
        "Store secrets outside the project folder: on the local target in "
        "$XDG_CONFIG_HOME/tapestry/secrets/<project>.json (mode 0600), on the aws target in SSM Parameter "
        "Store (SecureString under the project's path). Reference them in tapestry.yml as "
        "[bold]{secret: NAME}[/], e.g. [bold]api_key: {secret: mailchimp/api_key}[/]."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)


def register(app: typer.Typer) -> None:
    app.add_typer(secrets_app, name="secrets")


@secrets_app.command("set")
@friendly_errors
def set_secret(
    name: Annotated[str, typer.Argument(help="Secret name, e.g. mailchimp_api_key.")],
    project: ProjectOption = default_project(),  # noqa: B008
) -> None:
    """Set a secret. The value is read from a hidden prompt, or from stdin when piped (never an argument)."""
    from tapestry.cli.console import console
    from tapestry.engines.secrets.local_store import LocalSecretStore
    from tapestry.project.config import load_config

    config = load_config(project)
    interactive = sys.stdin.isatty()
    value = typer.prompt(f"Value for {name}", hide_input=True) if interactive else sys.stdin.read().strip()
    if config.target == "aws":
        from tapestry.phases.cloud.env import open_cloud
        from tapestry.phases.context import ProjectContext

        store = open_cloud(ProjectContext.open(project)).store
        changed = store.put(name, value, description=f"Tapestry {config.project}: {name}")
        console.print(f"{'stored' if changed else 'unchanged'} {store.name(name)} (SSM SecureString)")
        return
    LocalSecretStore(config.project).set(name, value)
    console.print(f"stored {name} for project {config.project}")


@secrets_app.command("list")
@friendly_errors
def list_secrets(project: ProjectOption = default_project()) -> None:  # noqa: B008
    """List secret names (never values)."""
    from tapestry.cli.console import console
    from tapestry.engines.secrets.local_store import LocalSecretStore
    from tapestry.project.config import load_config

    config = load_config(project)
    names = LocalSecretStore(config.project).names()
    console.print("\n".join(names) if names else "no secrets stored")


@secrets_app.command("delete")
@friendly_errors
def delete_secret(
    name: Annotated[str, typer.Argument(help="Secret name.")],
    project: ProjectOption = default_project(),  # noqa: B008
) -> None:
    """Delete a secret."""
    from tapestry.cli.console import console
    from tapestry.engines.secrets.local_store import LocalSecretStore
    from tapestry.project.config import load_config

    config = load_config(project)
    found = LocalSecretStore(config.project).delete(name)
    console.print(f"deleted {name}" if found else f"{name} was not stored")
