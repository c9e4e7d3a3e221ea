"""`tapestry status`: the last result of every phase."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from tapestry.cli.common import ProjectOption, default_project, friendly_errors

HELP = """Show the last result of every phase (status, when, how long, what it did), and of every sync.

[bold]--json[/] prints the same as a JSON document for scripts and monitoring."""


def register(app: typer.Typer) -> None:
    app.command("status", help=HELP)(status)


@friendly_errors
def status(
    project: ProjectOption = default_project(),  # noqa: B008 - typer default
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    from tapestry.phases.context import ProjectContext

    ctx = ProjectContext.open(project)
    state = ctx.state
    if as_json:
        payload = {
            "project": ctx.config.project,
            "target": ctx.config.target,
            "schema_version": state.schema_version,
            "phases": {name: record.model_dump(mode="json") for name, record in state.phases.items()},
            "last_run": state.runs[-1].model_dump(mode="json") if state.runs else None,
        }
        typer.echo(json.dumps(payload, indent=2))
        return

    from rich.table import Table

    from tapestry.cli.console import console

    console.print(f"[bold]{ctx.config.project}[/] · target {ctx.config.target} · {ctx.layout.root}")
    if not state.phases:
        console.print("No run yet. Start one with [bold]tapestry run[/].")
        return
    table = Table("phase", "status", "finished", "took", "result")
    for name, record in state.phases.items():
        style = {"succeeded": "green", "failed": "red", "skipped": "cyan", "interrupted": "yellow"}.get(
            record.status, "white"
        )
        took = f"{record.duration_s:.1f}s" if record.duration_s is not None else "-"
        table.add_row(
            name,
            f"[{style}]{record.status}[/]",
            _age(record.finished_at),
            took,
            record.error or record.headline(),
        )
        if name == "sync":
            _add_syncs(table, record.summary)
    console.print(table)
    if state.runs:
        last = state.runs[-1]
        why = f" ({last.error})" if last.error and last.status != "succeeded" else ""
        console.print(
            f"Last run {last.run_id} ({last.command}): {last.status}, started {_age(last.started_at)}{why}",
            soft_wrap=True,
        )


def _add_syncs(table: Any, summary: dict[str, Any]) -> None:
    """One row per sync under the sync phase: what each did last (several syncs run in one phase)."""
    from tapestry.phases.sync_summary import read_summary

    syncs = read_summary(summary).syncs
    if len(syncs) < 2:
        return  # the phase's row says it all
    for name, result in syncs.items():
        if result.error:
            status = "[red]failed[/]"
        elif result.reason:
            status = "[cyan]skipped[/]"
        else:
            status = "[green]preview[/]" if result.preview else "[green]succeeded[/]"
        took = f"{result.seconds:.1f}s" if result.seconds is not None and not result.reason else "-"
        said = result.error or (f"skipped: {result.reason}" if result.reason else result.headline)
        table.add_row(f"  {name}", status, "", took, f"{result.destination or ''}: {said}")


def _age(moment: datetime | None) -> str:
    from tapestry.core.humanize import ago

    if moment is None:
        return "-"
    return ago((datetime.now(UTC) - moment).total_seconds())
