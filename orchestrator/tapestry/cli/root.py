"""The typer application: the root command, every command registered on it, and how help is shown.

Imported by `tapestry.cli.app.main` once the signal handlers are in place (typer alone takes ~60 ms to load).
Commands take their shared options from `tapestry.cli.common`, never from here (no import cycle).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tapestry import __version__

app = typer.Typer(
    name="tapestry",
    help=(
        "Gather people from Zoom and Salesforce into one warehouse, model one de-duplicated audience "
        "with dbt, and keep Mailchimp, HubSpot and Klaviyo equal to it.\n\n"
        "Quick start: [bold]tapestry demo-data --out exports[/] → [bold]tapestry init my-project[/] → "
        "[bold]tapestry run --project my-project[/] → [bold]tapestry status --project my-project[/]"
    ),
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tapestry {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Tapestry command line."""


def register() -> None:
    from tapestry.cli.commands import (
        dashboard,
        demo_data,
        deploy,
        destroy,
        doctor,
        init,
        kickstart,
        run,
        secrets,
        snowflake_sql,
        status,
        sync,
        upgrade,
    )

    for module in (
        kickstart,
        init,
        run,
        sync,
        deploy,
        destroy,
        doctor,
        status,
        dashboard,
        secrets,
        demo_data,
        snowflake_sql,
        upgrade,
    ):
        module.register(app)
    _reflow_help(app)


BULLETS = ("•", "- ", "* ", "$ ")


def reflow(text: str) -> str:
    """Join the hard-wrapped lines of each paragraph: typer keeps source newlines, which then wrap twice."""
    paragraphs = []
    for paragraph in text.strip().split("\n\n"):
        items: list[str] = []
        for raw in paragraph.splitlines():
            line = raw.strip()
            in_bullet = bool(items) and items[-1].startswith(BULLETS)
            if line.startswith(BULLETS):
                items.append(line)
            elif raw.startswith(" ") and not in_bullet:
                items.append(raw.rstrip())  # an indented example line stays on its own
            elif not items:
                items.append(line)
            else:
                items[-1] += " " + line  # a wrapped continuation of the previous line or item
        paragraphs.append("\n".join(items))
    return "\n\n".join(paragraphs)


def _reflow_help(typer_app: typer.Typer) -> None:
    import inspect

    for command in typer_app.registered_commands:
        text = command.help or (inspect.getdoc(command.callback) if command.callback else None)
        if text:
            command.help = reflow(text)
    for group in typer_app.registered_groups:
        if isinstance(group.help, str):
            group.help = reflow(group.help)
        if group.typer_instance is not None:
            info = group.typer_instance.info
            if isinstance(info.help, str):
                info.help = reflow(info.help)
            _reflow_help(group.typer_instance)


def bare_template_option(argv: list[str]) -> list[str]:
    """`--template` with no value (last, or before another option) asks init and kickstart for the list of
    templates: it gets an empty value, which they answer with the list (typer's parser has no optional values)."""
    out: list[str] = []
    for i, token in enumerate(argv):
        out.append(token)
        if token == "--template" and (i + 1 == len(argv) or argv[i + 1].startswith("-")):
            out.append("")
    return out


def plain_placeholders() -> None:
    """Help shows no `<bool>` after a flag, nor `<list[str]>` after a repeatable option (typer >= 0.24 does)."""
    from typer.core import TyperOption

    original = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        if self.metavar is None and self.multiple:
            return "VALUE ..."
        return original(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


__all__ = ["app", "bare_template_option", "plain_placeholders", "reflow", "register"]
