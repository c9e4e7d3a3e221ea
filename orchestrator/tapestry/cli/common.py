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
    """Turn Tapestry errors into one line on stderr and a non-zero exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from tapestry.core.errors import TapestryError

        try:
            return func(*args, **kwargs)
        except TapestryError as exc:
            from tapestry.cli.console import print_error

            print_error(exc.one_line())
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            from tapestry.cli.console import print_error

            print_error("interrupted; nothing half-done was kept (rerun to resume)")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("TAPESTRY_DEBUG"):
                raise
            from tapestry.cli.console import print_error

            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            print_error(
                f"unexpected {type(exc).__name__}: {first[:300]}. "
                "Fix: rerun with TAPESTRY_DEBUG=1 for the traceback and report it"
            )
            raise typer.Exit(70) from None

    return wrapper  # type: ignore[return-value]


def default_project() -> Path:
    return Path(os.environ.get("TAPESTRY_PROJECT", "."))


def open_project(project: Path, reporter: Reporter | None = None) -> Target:
    """The project's target, built once for this command (its context, state and secret store)."""
    from tapestry.phases.context import ProjectContext
    from tapestry.targets import open_target

    return open_target(ProjectContext.open(project, reporter))


__all__ = ["ProjectOption", "default_project", "friendly_errors", "open_project"]
