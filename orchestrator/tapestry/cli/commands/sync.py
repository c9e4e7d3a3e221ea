"""`tapestry sync`: push each sync's model changes to its destination."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from tapestry.cli.common import ProjectOption, default_project, friendly_errors, open_project

HELP = """Run the project's syncs (the last phase of [bold]tapestry run[/]): keep each destination equal to its model.

Each sync in tapestry.yml (syncs:) runs in order; [bold]--only NAME[/] runs only that one (repeat it for
several; the others keep their last result). Tapestry diffs the model against what the destination last
acknowledged (kept in the warehouse schema tapestry_sync, per sync) and sends only new, changed and — in
[bold]mirror[/] mode — removed members. A sync that fails does not stop the next; the command then exits 1
naming it. A [bold]mirror[/] run that would archive more than the sync's max_archive_share (50%) of its
members is refused (an emptied export looks like everyone leaving); [bold]--allow-mass-archive[/] lets
one run through. With Mailchimp nobody is ever resubscribed: members who unsubscribed or were cleaned keep their
status. Members a destination refuses (invalid e-mail, compliance state, forgotten) land in
tapestry_sync.rejections with the reason and are retried only when their row changes.

[bold]--preview[/] sends and commits nothing: it prints the counts per operation and a sample, and
writes every planned operation to .tapestry/previews/<sync>/. Without its credentials (an API key) the
local target previews a sync automatically. Keys come from the variable named in tapestry.yml (default
MAILCHIMP_API_KEY) or the secret store ([bold]tapestry secrets set[/]), never from a file in the project."""


def register(app: typer.Typer) -> None:
    app.command("sync", help=HELP)(sync)


@friendly_errors
def sync(
    project: ProjectOption = default_project(),  # noqa: B008 - typer default
    preview: Annotated[bool, typer.Option("--preview", help="Plan only: send nothing, commit nothing.")] = False,
    full_resync: Annotated[
        bool, typer.Option("--full-resync", help="Send every member again, whatever was acknowledged before.")
    ] = False,
    allow_mass_archive: Annotated[
        bool,
        typer.Option(
            "--allow-mass-archive",
            help="Mirror mode: archive however many members left the model, this run only (default: a run "
            "that would archive more than the sync's max_archive_share, 50%, is refused).",
        ),
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", metavar="NAME", help="Run only this sync (repeat for several). Default: every enabled sync."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every step.")] = False,
) -> None:
    from tapestry.cli.console import RichReporter
    from tapestry.phases.runner import Phase, run_phases
    from tapestry.phases.sync_phase import SyncRequest, check_sync_names, sync_phase
    from tapestry.project.state import project_lock

    target = open_project(project, RichReporter(verbose=verbose))
    ctx = target.ctx
    request = SyncRequest(
        preview=preview,
        full_resync=full_resync,
        only=tuple(only or ()),
        allow_mass_archive=allow_mass_archive,
    )
    check_sync_names(ctx.config.syncs, request.only)  # a typo is refused before anything is recorded
    with project_lock(ctx.layout.lock_file), sync_lines_on_failure(request.only):
        record = run_phases(
            "sync",
            [Phase("sync", lambda: sync_phase(target, request), "every sync, in order")],
            ctx.store,
            ctx.state,
            ctx.reporter,
        )
    print_sync_summary(record.phases[-1].summary, request.only)


@contextmanager
def sync_lines_on_failure(only: tuple[str, ...] = ()) -> Iterator[None]:
    """When some syncs fail, still print the lines of those that did not: the error names only the failed."""
    from tapestry.core.errors import TapestryError

    try:
        yield
    except TapestryError as exc:
        partial = getattr(exc, "partial_summary", None)
        if isinstance(partial, dict):
            syncs = {name: r for name, r in (partial.get("syncs") or {}).items() if not r.get("error")}
            if syncs:
                print_sync_summary({"syncs": syncs}, only, named=len(partial.get("syncs") or {}) > 1)
        raise


def print_sync_summary(summary: dict[str, Any], only: tuple[str, ...] = (), named: bool = False) -> None:
    """One line per sync (what it did), then each preview's sample and file. With `only`, just those syncs
    (the summary also keeps what the others last did). `named`: name the sync even when it is the only
    line (the others failed)."""
    from tapestry.cli.console import console

    syncs = {name: r for name, r in (summary.get("syncs") or {}).items() if not only or name in only}
    if not syncs and summary.get("reason"):  # no sync ran at all (none configured, every one disabled)
        console.print(f"sync: skipped: {summary['reason']}", soft_wrap=True)
    for name, result in syncs.items():
        label = "sync" if len(syncs) == 1 and not named else f"sync {name}"
        # a skipped sync (an unchanged preview) says why instead of printing a bare "sync:"
        said = f"skipped: {result['reason']}" if result.get("reason") else result.get("headline", "")
        console.print(f"{label}: {said}", soft_wrap=True)
    for name, result in syncs.items():
        if not result.get("reason"):  # a skipped sync's sample was shown when it ran
            _print_preview(name if len(syncs) > 1 else None, result)


def _print_preview(name: str | None, summary: dict[str, Any]) -> None:
    from rich.table import Table

    from tapestry.cli.console import console

    sample = summary.get("sample") or []
    if sample:
        # the destination describes its operations: one column per field, in order of first appearance
        columns = list(dict.fromkeys(field for item in sample for field in item))
        table = Table(
            *(c.replace("_", " ") for c in columns),
            title=f"Sample of planned operations{f' ({name})' if name else ''}",
            title_justify="left",
        )
        for item in sample:
            table.add_row(*(_cell(item.get(c)) for c in columns))
        console.print(table)
    if summary.get("preview_file"):
        console.print(f"All planned operations: {summary['preview_file']}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v!r}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
