"""`tapestry run`: one ordered pipeline run (ingest -> dbt build -> sync)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tapestry.cli.common import ProjectOption, default_project, friendly_errors, open_project

if TYPE_CHECKING:
    from tapestry.project.state import PhaseRecord

HELP = """Run the pipeline once, in order: ingest → transform (dbt build) → sync.


On the local target, ingest loads the export files named in tapestry.yml that were not loaded before
(a file is known by its content hash), transform runs the dbt project when data or models changed,
and each enabled sync pushes its model's changes to its destination (a preview when its key is not set).
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
    poll_interval: Annotated[
        float, typer.Option("--poll-interval", min=0.0, help="aws: seconds between polls of the Airbyte sync jobs.")
    ] = 15.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every step.")] = False,
) -> None:
    from tapestry.cli.console import RichReporter, console
    from tapestry.phases.pipeline import RunOptions, run_pipeline

    target = open_project(project, RichReporter(verbose=verbose))
    config = target.ctx.config
    console.print(f"[bold]Tapestry run[/] · project [cyan]{config.project}[/] · target {config.target}")
    from tapestry.cli.commands.sync import sync_lines_on_failure

    with sync_lines_on_failure():
        record = run_pipeline(target, RunOptions(full_refresh=full_refresh, poll_seconds=poll_interval))
    print_run_summary({p.name: p for p in record.phases})


def print_run_summary(phases: dict[str, PhaseRecord]) -> None:
    """What this run did, phase by phase."""
    from rich.table import Table

    from tapestry.cli.console import console
    from tapestry.core.humanize import count
    from tapestry.project.summaries import IngestSummary, TransformSummary

    table = Table(title="Summary", show_header=False, title_justify="left", box=None, padding=(0, 2))
    ingest = phases.get("ingest")
    if ingest is not None:
        for source, load in ingest.typed_as(IngestSummary).by_source.items():
            table.add_row(
                f"rows loaded · {source}",
                f"{load.rows_loaded:,} new ({load.rows_total or 0:,} in total, "
                f"{count(load.files_loaded, 'new file')}, {load.files_skipped:,} already loaded)",
            )
    transform = phases.get("transform")
    if transform is not None:
        built = transform.typed_as(TransformSummary)
        if built.models_passed is not None:
            table.add_row("dbt", f"{built.models_passed} models built, {built.tests_passed or 0} tests passed")
        elif transform.status == "skipped":
            table.add_row("dbt", built.reason or "skipped")
        for model, rows in built.marts.items():
            table.add_row(model, f"{rows:,} rows (marts.{model})")
        if built.identity is not None:
            table.add_row("people", built.identity.describe())
        if built.rejected_records is not None:
            detail = ", ".join(f"{n:,} {reason}" for reason, n in built.rejected_records.items()) or "none"
            table.add_row("rejected e-mails", f"{built.rejected_total or 0:,} records ({detail})")
    console.print(table)
    sync = phases.get("sync")
    if sync is not None:
        from tapestry.cli.commands.sync import print_sync_summary

        print_sync_summary(sync.summary)
