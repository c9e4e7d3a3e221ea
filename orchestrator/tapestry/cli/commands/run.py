"""`tapestry run`: one ordered pipeline run (ingest -> dbt build -> sync)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tapestry.cli.common import ProjectOption, default_project, friendly_errors, open_project

HELP = """Run the pipeline once, in order: ingest → transform (dbt build) → sync.


On the local target, ingest loads the export files named in tapestry.yml that were not loaded before
(a file is known by its content hash), transform runs the dbt project when data or models changed,
and sync pushes the audience's changes to Mailchimp (a preview when no API key is set).
A rerun with nothing new changes nothing. Exit code 0 on success, 1 when a phase fails
(the message names the file, model or test), 2 for configuration problems."""


def register(app: typer.Typer) -> None:
    app.command("run", help=HELP)(run)


@friendly_errors
def run(
    project: ProjectOption = default_project(),  # noqa: B008 - typer default
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild the dbt models even if nothing changed.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every step.")] = False,
) -> None:
    from tapestry.cli.console import RichReporter, console
    from tapestry.phases.pipeline import RunOptions, run_pipeline

    target = open_project(project, RichReporter(verbose=verbose))
    config = target.ctx.config
    console.print(f"[bold]Tapestry run[/] · project [cyan]{config.project}[/] · target {config.target}")
    record = run_pipeline(target, RunOptions(full_refresh=full_refresh))
    print_run_summary({p.name: p for p in record.phases})


def print_run_summary(phases: dict[str, Any]) -> None:
    """What this run did, phase by phase."""
    from rich.table import Table

    from tapestry.cli.console import console
    from tapestry.core.humanize import count

    table = Table(title="Summary", show_header=False, title_justify="left", box=None, padding=(0, 2))
    ingest = phases.get("ingest")
    if ingest is not None:
        for source, numbers in ingest.summary.get("by_source", {}).items():
            table.add_row(
                f"rows loaded · {source}",
                f"{numbers.get('rows_loaded', 0):,} new ({numbers.get('rows_total', 0):,} in total, "
                f"{count(numbers.get('files_loaded', 0), 'new file')}, "
                f"{numbers.get('files_skipped', 0):,} already loaded)",
            )
    transform = phases.get("transform")
    if transform is not None:
        summary = transform.summary
        if "models_passed" in summary:
            table.add_row("dbt", f"{summary['models_passed']} models built, {summary['tests_passed']} tests passed")
        elif transform.status == "skipped":
            table.add_row("dbt", str(summary.get("reason", "skipped")))
        for model, rows in (summary.get("marts") or {}).items():
            table.add_row(model, f"{rows:,} rows (marts.{model})")
        identity = summary.get("identity")
        if identity:
            cut = identity.get("cut_components")
            table.add_row(
                "people",
                f"{identity['records']:,} source records → {identity['people']:,} people"
                + (f" ({count(cut, 'component')} cut by the identity limits)" if cut else ""),
            )
        if "rejected_records" in summary:
            rejected = summary.get("rejected_records", {})
            detail = ", ".join(f"{count:,} {reason}" for reason, count in rejected.items()) or "none"
            table.add_row("rejected e-mails", f"{sum(rejected.values()):,} records ({detail})")
    console.print(table)
    sync = phases.get("sync")
    if sync is not None:
        from tapestry.cli.commands.sync import print_sync_summary

        print_sync_summary(sync.summary)
