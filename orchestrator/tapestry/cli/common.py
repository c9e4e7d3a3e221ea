"""What every command shares: the --project option and the one-line error handling."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from tapestry.core.progress import Reporter
    from tapestry.phases.target import Target

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_TEMPLATE = "zoom_salesforce_mailchimp"  # the --template of init, kickstart and demo-data

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


def default_project() -> Path:
    return Path(os.environ.get("TAPESTRY_PROJECT", "."))


def open_project(project: Path, reporter: Reporter | None = None) -> Target:
    """The project's target, built once for this command (its context, state and secret store)."""
    from tapestry.phases.context import ProjectContext
    from tapestry.targets import open_target

    return open_target(ProjectContext.open(project, reporter))


__all__ = [
    "DEFAULT_TEMPLATE",
    "ProjectOption",
    "default_project",
    "friendly_errors",
    "open_project",
    "template_or_list",
]


def template_or_list(name: str) -> str:
    """The --template of init and kickstart. Given without a value it lists the templates with their descriptions
    and exits 0; an unknown name lists them on stderr, then fails with the one-line error of load_template."""
    from tapestry.cli.console import console, err_console
    from tapestry.kickstart.spec import available_templates, template_descriptions

    if name and name in available_templates():
        return name
    out = console if not name else err_console
    out.print("Kickstart templates (tapestry init --template NAME):")
    for template, description in template_descriptions().items():
        out.print(f"  [bold]{template}[/]  {description}", soft_wrap=True)
    if not name:
        raise typer.Exit(0)
    return name
