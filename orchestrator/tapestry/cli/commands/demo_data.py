"""`tapestry demo-data`: write deterministic, realistic export files for a kickstart template's sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tapestry.cli.common import DEFAULT_TEMPLATE, folder_path, friendly_errors

HELP = """Write demo export files for the sources of a kickstart template (--template):

[bold]zoom_salesforce_mailchimp[/] (default): [bold]OUT/zoom/*.csv[/] (one per webinar) and
[bold]OUT/salesforce/contacts.jsonl[/].

[bold]ecommerce_support[/]: [bold]OUT/stripe/unified_customers.csv[/] (the Stripe Dashboard's customer export),
[bold]OUT/stripe/charges.jsonl[/] (the API's charges), [bold]OUT/zendesk/users.json[/] and
[bold]OUT/zendesk/tickets.json[/] (Zendesk's JSON export) and [bold]OUT/salesforce/contacts.jsonl[/].

The same --seed and --rows always give byte-identical files, so loading them twice loads nothing new.
The data has what real exports have: one person in several tools with e-mails in different case and
with stray whitespace, conflicting names, missing and malformed e-mails, unicode names, deleted records
(and for the shop: repeat customers, refunds and failed payments, agents among the Zendesk users, tickets in
every status). It ends with the answers that point `tapestry init` at the files."""


def register(app: typer.Typer) -> None:
    app.command("demo-data", help=HELP)(demo_data)


@friendly_errors
def demo_data(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder to write into.", callback=folder_path("pass a folder to write into")),
    ] = Path("demo-exports"),
    rows: Annotated[int, typer.Option("--rows", "-n", min=1, max=20_000_000, help="Number of people.")] = 5_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 42,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="mixed (each tool's usual export format), csv, jsonl or parquet.",
            case_sensitive=False,
        ),
    ] = "mixed",
    template: Annotated[
        str,
        typer.Option(
            help="The kickstart template whose sources the files are for: zoom_salesforce_mailchimp or "
            "ecommerce_support."
        ),
    ] = DEFAULT_TEMPLATE,
) -> None:
    import shlex

    from rich.markup import escape

    from tapestry.cli.console import console
    from tapestry.core.errors import ConfigError
    from tapestry.core.humanize import count
    from tapestry.demo.templates import generate_for

    fmt = fmt.lower()
    if fmt not in {"mixed", "csv", "jsonl", "parquet"}:
        raise ConfigError(f"--format {fmt!r} is not supported", "use mixed, csv, jsonl or parquet")
    result = generate_for(template, out, rows, seed, fmt)  # type: ignore[arg-type]
    console.print(
        f"{result.description} in {out}/ ({count(result.files_written, 'file')} written, "
        f"{len(result.files) - result.files_written:,} unchanged)"
    )
    # quoted: the globs are for Tapestry to expand, not the shell (and --out may hold spaces or quotes)
    sets = [f"{question}={','.join(f'{out}/{p}' for p in paths)}" for question, paths in result.answers.items()]
    command = " ".join(["tapestry init my-project --template", template, *(f"--set {shlex.quote(s)}" for s in sets)])
    console.print(f"Next: [bold]{escape(command)}[/]", soft_wrap=True)
