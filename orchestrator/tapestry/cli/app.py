"""`tapestry`: deploy and run a user-data pipeline.

The entry point. It installs the Ctrl-C and SIGTERM handlers before anything slow is imported (typer, the
commands), so an interrupt at any moment ends in one line and its exit code; the typer application itself is
in `tapestry.cli.root`. Every command imports what it needs when it runs, so start-up stays fast.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from tapestry.core import interrupts

    interrupts.install()
    code: str | int | None = 0
    try:
        try:
            _drop_invalid_terminal_size()
            from tapestry.cli.root import app, bare_template_option, plain_placeholders, register

            register()
            plain_placeholders()
            app(args=bare_template_option(sys.argv[1:]))
        finally:
            interrupts.exiting()  # from here a signal raises nothing into the clean-up at exit
    except KeyboardInterrupt:  # outside any command (importing, parsing): still one line
        interrupts.note()
    except SystemExit as exc:
        code = exc.code
    # CPython remembers a KeyboardInterrupt that escaped an eval() of a string (typer evaluates annotations so)
    # even once it was caught, and `python -m tapestry` then ends by SIGINT, not with the code below.
    # Evaluating a string resets that flag.
    eval("None")
    # typer turns a Ctrl-C into a silent exit 130, click into "Aborted!"; a KeyboardInterrupt raised in a
    # __del__ is swallowed and the command goes on: whatever happened, a signal received is reported, once.
    if interrupts.received() and not interrupts.reported():
        _report_interrupt_and_exit()
    raise SystemExit(code)


def _report_interrupt_and_exit() -> None:
    from tapestry.core import interrupts

    interrupts.reporting()
    sys.stderr.write(f"error: interrupted ({interrupts.describe()})\n")
    raise SystemExit(interrupts.exit_code())


def _drop_invalid_terminal_size() -> None:
    """COLUMNS=0 made rich print nothing at all (errors too), COLUMNS=abc wrapped piped output at 80:
    a COLUMNS or LINES that is not a positive number is ignored, as if unset."""
    for name in ("COLUMNS", "LINES"):
        value = os.environ.get(name)
        if value is not None and not _positive(value):
            del os.environ[name]


def _positive(value: str) -> bool:
    return value.isascii() and value.isdigit() and int(value) > 0


__all__ = ["main"]
