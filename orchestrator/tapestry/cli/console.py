"""Terminal output: one rich console, one-line errors, and a Reporter that draws progress."""

from __future__ import annotations

import os
import sys
import time
from typing import IO, Any

from rich.console import Console

# Output to a pipe or a file is not wrapped at rich's default 80 columns: lines stay whole for grep and
# logs (CI, ECS). A valid COLUMNS still wins; a terminal uses its own width.
UNWRAPPED_WIDTH = 4096


def _width(stream: IO[str]) -> int | None:
    columns = os.environ.get("COLUMNS", "")
    if stream.isatty() or (columns.isascii() and columns.isdigit() and int(columns) > 0):
        return None
    return UNWRAPPED_WIDTH


console = Console(highlight=False, width=_width(sys.stdout))
err_console = Console(stderr=True, highlight=False, width=_width(sys.stderr))


def print_error(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True)


def print_warning(message: str) -> None:
    err_console.print(f"[yellow]warning:[/] {message}", soft_wrap=True)


class RichReporter:
    """Phase lines on stdout; a live progress line for long steps when attached to a terminal."""

    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose
        self._status: Any = None
        self._progress: Any = None
        self._task: Any = None
        self._last_step = -1
        self._started: dict[str, float] = {}
        self._interactive = sys.stdout.isatty()

    def phase_started(self, name: str, detail: str = "") -> None:
        self._started[name] = time.monotonic()
        suffix = f" [dim]({detail})[/]" if detail else ""
        console.print(f"[bold]▶ {name}[/]{suffix}")
        if self._interactive:
            self._status = console.status(f"{name}…")
            self._status.start()

    def phase_finished(self, name: str, status: str, detail: str = "") -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        self._last_step = -1
        if self._status is not None:
            self._status.stop()
            self._status = None
        seconds = time.monotonic() - self._started.pop(name, time.monotonic())
        style = {"succeeded": "green", "skipped": "cyan", "failed": "red", "interrupted": "yellow"}.get(status, "white")
        extra = f": {detail}" if detail and status not in {"failed", "interrupted"} else ""
        console.print(f"  [{style}]{status}[/] in {seconds:.1f}s{extra}")

    def info(self, message: str) -> None:
        if self.verbose or not self._interactive:
            console.print(f"  {message}", soft_wrap=True)
        elif self._status is not None:
            self._status.update(message)

    def warn(self, message: str) -> None:
        print_warning(message)

    def progress(self, task: str, completed: int, total: int | None) -> None:
        if total and self._interactive:
            self._bar(task, completed, total)
            return
        if total:  # not a terminal (CI, ECS logs): one line per 10 %
            step = completed * 10 // total
            if step != self._last_step:
                self._last_step = step
                console.print(f"  {task}: {completed:,}/{total:,} ({completed / total:.0%})")
            return
        text = f"{task}: {completed:,}"
        if self._status is not None:
            self._status.update(text)
        elif self.verbose:
            console.print(f"  {text}")

    def _bar(self, task: str, completed: int, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        if self._progress is None:
            if self._status is not None:
                self._status.stop()
                self._status = None
            self._progress = Progress(
                TextColumn("  {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(task, total=total)
        self._progress.update(self._task, completed=completed, total=total, description=task)  # one bar, any step
