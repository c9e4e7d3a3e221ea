"""What every command shares: the --project option and the one-line error handling."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from tapestry.core.progress import Reporter
    from tapestry.phases.target import Target

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_TEMPLATE = "zoom_salesforce_mailchimp"  # the --template of init, kickstart and demo-data


def _wrong_kind(ctx: typer.Context, param: typer.CallbackParam, value: Path, what: str, fix: str) -> NoReturn:
    from tapestry.cli.console import print_error
    from tapestry.core.errors import ConfigError

    flag = param.opts[0] if param.opts else str(param.name)
    given = f"{flag} {value}"
    envvar = param.envvar if isinstance(param.envvar, str) else None
    source = ctx.get_parameter_source(str(param.name))  # typer's own copy of click's enum: compared by name
    if envvar and getattr(source, "name", None) != "COMMANDLINE" and os.environ.get(envvar):
        given, fix = f"{envvar}={value}", f"set {envvar} to {fix.removeprefix('pass ')}, or unset it"
    error = ConfigError(f"{given} is {what}", fix)
    print_error(error.one_line())
    raise typer.Exit(error.exit_code)


def folder_path(fix: str) -> Callable[[typer.Context, typer.CallbackParam, Path | None], Path | None]:
    """Callback of an option that names a folder. typer's file_okay=False answers a file with click's boxed
    multi-line usage error; this is one `error: ... Fix:` line, exit 2."""

    def check(ctx: typer.Context, param: typer.CallbackParam, value: Path | None) -> Path | None:
        if value is not None and value.exists() and not value.is_dir():
            _wrong_kind(ctx, param, value, "a file, not a folder", fix)
        return value

    return check


def file_path(fix: str) -> Callable[[typer.Context, typer.CallbackParam, Path | None], Path | None]:
    """Callback of an option that names a file (instead of dir_okay=False, for the same reason)."""

    def check(ctx: typer.Context, param: typer.CallbackParam, value: Path | None) -> Path | None:
        if value is not None and value.is_dir():
            _wrong_kind(ctx, param, value, "a folder, not a file", fix)
        return value

    return check


AnswersOption = Annotated[
    Path | None,
    typer.Option(
        "--answers",
        "-a",
        help="YAML file of answers keyed by question id.",
        callback=file_path("pass the YAML file of answers"),
    ),
]

ProjectOption = Annotated[
    Path,
    typer.Option(
        "--project",
        "-p",
        help="Project folder (the one holding tapestry.yml). Default: the current folder, or $TAPESTRY_PROJECT.",
        envvar="TAPESTRY_PROJECT",
        callback=folder_path("pass the project folder, the one holding tapestry.yml"),
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

    if not interrupts.reported():
        interrupts.reporting()  # a second Ctrl-C no longer cuts the clean-up short with a traceback
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
    "AnswersOption",
    "ProjectOption",
    "default_project",
    "file_path",
    "folder_path",
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
