"""`tapestry`: deploy and run a user-data pipeline.

Start-up stays fast: this module imports only typer; every command imports what it needs when it runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from tapestry import __version__

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="tapestry",
    help=(
        "Gather people from Zoom and Salesforce into one warehouse, model one de-duplicated audience "
        "with dbt, and keep a Mailchimp list equal to it.\n\n"
        "Quick start: [bold]tapestry demo-data --out exports[/] → [bold]tapestry init my-project[/] → "
        "[bold]tapestry run --project my-project[/] → [bold]tapestry status --project my-project[/]"
    ),
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ProjectOption = Annotated[
    Path,
    typer.Option(
        "--project",
        "-p",
        help="Project folder (the one holding tapestry.yml). Default: the current folder, or $TAPESTRY_PROJECT.",
        envvar="TAPESTRY_PROJECT",
        file_okay=False,
        show_default=False,
    ),
]


def friendly_errors(func: F) -> F:
    """Turn every error into one line on stderr and the README's exit code: 1 a phase failed, 2 invalid
    configuration, 130 interrupted (whatever exception a library made of the Ctrl-C), 70 a bug."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit) as exc:
            code = getattr(exc, "exit_code", getattr(exc, "code", 1))
            if code and _interrupted(exc):
                _report_interrupt()
            raise
        except BaseException as exc:
            if _interrupted(exc):
                _report_interrupt()
            from tapestry.cli.console import print_error
            from tapestry.core.errors import explain

            known = explain(exc)
            if known is not None:
                print_error(known.one_line())
                raise typer.Exit(known.exit_code) from None
            if os.environ.get("TAPESTRY_DEBUG") or not isinstance(exc, Exception):
                raise
            from tapestry.core.errors import first_line

            print_error(
                f"unexpected {type(exc).__name__}: {first_line(exc, 300)}. "
                "Fix: rerun with TAPESTRY_DEBUG=1 for the traceback and report it"
            )
            raise typer.Exit(70) from None

    return wrapper  # type: ignore[return-value]


def _interrupted(exc: BaseException) -> bool:
    from tapestry.core import interrupts

    return interrupts.is_interrupt(exc)


def _report_interrupt() -> None:
    from tapestry.cli.console import print_error
    from tapestry.core import interrupts

    print_error(f"interrupted ({interrupts.describe()}); nothing half-done was kept (rerun to resume)")
    raise typer.Exit(interrupts.exit_code()) from None


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


def default_project() -> Path:
    return Path(os.environ.get("TAPESTRY_PROJECT", "."))


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


def main() -> None:
    from tapestry.core import interrupts

    interrupts.install()
    register()
    _plain_placeholders()
    try:
        app()
    except KeyboardInterrupt:  # outside any command (while parsing or importing): still one line, 130
        _report_interrupt_and_exit()
    except SystemExit as exc:
        if exc.code not in (0, None) and interrupts.received() and exc.code != interrupts.exit_code():
            _report_interrupt_and_exit()  # click turned the Ctrl-C into "Aborted!" and exit 1
        raise


def _report_interrupt_and_exit() -> None:
    import sys

    from tapestry.core import interrupts

    interrupts.note()
    sys.stderr.write(f"error: interrupted ({interrupts.describe()})\n")
    raise SystemExit(interrupts.exit_code())


def _plain_placeholders() -> None:
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


__all__ = ["ProjectOption", "app", "default_project", "friendly_errors", "main"]
