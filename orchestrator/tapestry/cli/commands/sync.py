"""`tapestry sync`: push the audience's changes to Mailchimp."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tapestry.cli.app import ProjectOption, default_project, friendly_errors

HELP = """Keep the Mailchimp list equal to the audience model (the last phase of [bold]tapestry run[/]).

Tapestry diffs the model against what Mailchimp last acknowledged (kept in the warehouse schema
tapestry_sync) and sends only new, changed and — in [bold]mirror[/] mode — removed members. Nobody is
ever resubscribed: members who unsubscribed or were cleaned keep their status. Members Mailchimp
refuses (invalid e-mail, compliance state, forgotten) land in tapestry_sync.rejections with the reason
and are retried only when their row changes.

[bold]--preview[/] sends and commits nothing: it prints the counts per operation and a sample, and
writes every planned operation to .tapestry/previews/. Without an API key the local target previews
automatically. The key comes from the variable named in tapestry.yml (default MAILCHIMP_API_KEY) or
the secret store ([bold]tapestry secrets set[/]), never from a file in the project."""


def register(app: typer.Typer) -> None:
    app.command("sync", help=HELP)(sync)


@friendly_errors
def sync(
    project: ProjectOption = default_project(),  # noqa: B008 - typer default
    preview: Annotated[bool, typer.Option("--preview", help="Plan only: send nothing, commit nothing.")] = False,
    full_resync: Annotated[
        bool, typer.Option("--full-resync", help="Send every member again, whatever was acknowledged before.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every step.")] = False,
) -> None:
    from tapestry.cli.console import RichReporter
    from tapestry.phases.context import ProjectContext
    from tapestry.phases.runner import Phase, run_phases
    from tapestry.phases.sync_phase import SyncRequest, sync_phase
    from tapestry.project.state import project_lock

    ctx = ProjectContext.open(project, RichReporter(verbose=verbose))
    request = SyncRequest(preview=preview, full_resync=full_resync)
    with project_lock(ctx.layout.lock_file):
        record = run_phases(
            "sync",
            [Phase("sync", lambda: sync_phase(ctx, request), "audience -> Mailchimp")],
            ctx.store,
            ctx.state,
            ctx.reporter,
        )
    print_sync_summary(record.phases[-1].summary)


def print_sync_summary(summary: dict[str, Any]) -> None:
    from rich.table import Table

    from tapestry.cli.console import console

    # a skipped sync (an unchanged preview, sync disabled) says why instead of printing a bare "sync:"
    headline = summary.get("headline") or (f"skipped: {summary['reason']}" if summary.get("reason") else "")
    if headline:
        console.print(f"sync: {headline}", soft_wrap=True)
    sample = summary.get("sample") or []
    if sample:
        table = Table(
            "operation", "email", "merge fields", "tags", title="Sample of planned operations", title_justify="left"
        )
        for item in sample:
            merge = ", ".join(f"{k}={v!r}" for k, v in (item.get("merge_fields") or {}).items())
            tags = ", ".join(
                [f"+{t}" for t in item.get("tags_active", [])] + [f"-{t}" for t in item.get("tags_inactive", [])]
            )
            table.add_row(item["operation"], str(item["email"]), merge, tags)
        console.print(table)
    if summary.get("preview_file"):
        console.print(f"All planned operations: {summary['preview_file']}")
