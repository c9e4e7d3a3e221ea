"""`tapestry secrets`: the local secret store (outside the project, mode 0600)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tapestry.cli.common import ProjectOption, default_project, friendly_errors, open_project

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
    name: Annotated[str, typer.Argument(help="Secret name, e.g. mailchimp/api_key.")],
    project: ProjectOption = default_project(),  # noqa: B008
) -> None:
    """Set a secret. The value is read from a hidden prompt, or from stdin when piped (never an argument)."""
    from tapestry.cli.console import console

    store = open_project(project).secret_store
    interactive = sys.stdin.isatty()
    value = typer.prompt(f"Value for {name}", hide_input=True) if interactive else sys.stdin.read().strip()
    changed = store.put(name, value, description=f"Tapestry secret {name}")
    console.print(f"{'stored' if changed else 'unchanged'} {name} in {store.location}")


@secrets_app.command("list")
@friendly_errors
def list_secrets(project: ProjectOption = default_project()) -> None:  # noqa: B008
    """List secret names (never values)."""
    from tapestry.cli.console import console

    store = open_project(project).secret_store
    names = store.names()
    console.print("\n".join(names) if names else f"no secrets stored in {store.location}")


@secrets_app.command("delete")
@friendly_errors
def delete_secret(
    name: Annotated[str, typer.Argument(help="Secret name.")],
    project: ProjectOption = default_project(),  # noqa: B008
) -> None:
    """Delete a secret."""
    from tapestry.cli.console import console

    store = open_project(project).secret_store
    found = store.delete(name)
    console.print(f"deleted {name} from {store.location}" if found else f"{name} was not stored in {store.location}")
