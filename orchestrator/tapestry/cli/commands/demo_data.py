"""`tapestry demo-data`: write deterministic, realistic Zoom and Salesforce export files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tapestry.cli.common import friendly_errors

HELP = """Write demo export files: [bold]OUT/zoom/*.csv[/] (one per webinar) and
[bold]OUT/salesforce/contacts.jsonl[/].

The same --seed and --rows always give byte-identical files, so loading them twice loads nothing new.
The data has what real exports have: one person in both sources with e-mails in different case and
with stray whitespace, conflicting names, several webinars per person, missing and malformed e-mails,
unicode names, deleted contacts."""


def register(app: typer.Typer) -> None:
    app.command("demo-data", help=HELP)(demo_data)


@friendly_errors
def demo_data(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.", file_okay=False)] = Path(
        "demo-exports"
    ),
    rows: Annotated[int, typer.Option("--rows", "-n", min=1, max=20_000_000, help="Number of people.")] = 5_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 42,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="mixed (Zoom CSV + Salesforce JSON lines), csv, jsonl or parquet.",
            case_sensitive=False,
        ),
    ] = "mixed",
) -> None:
    from tapestry.cli.console import console
    from tapestry.core.errors import ConfigError
    from tapestry.core.humanize import count
    from tapestry.demo.generator import describe, generate

    fmt = fmt.lower()
    if fmt not in {"mixed", "csv", "jsonl", "parquet"}:
        raise ConfigError(f"--format {fmt!r} is not supported", "use mixed, csv, jsonl or parquet")
    summary = generate(out, rows, seed, fmt)  # type: ignore[arg-type]
    console.print(
        f"{describe(summary)} in {out}/ ({count(summary.files_written, 'file')} written, "
        f"{len(summary.files) - summary.files_written:,} unchanged)"
    )
