"""`tapestry init`: create a project from a kickstart template."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tapestry.cli.common import DEFAULT_TEMPLATE, AnswersOption, friendly_errors, template_or_list

HELP = """Create a Tapestry project in DIR (default: a folder named after the project). The project is
named after DIR unless project_name is answered.

Asks its questions interactively when attached to a terminal. In pipelines, answer them from a YAML
file whose keys are the question ids:

[bold]tapestry init my-project --non-interactive --answers answers.yml[/]

Question ids of the default template: [bold]project_name[/], [bold]target[/] (local),
[bold]zoom_files[/] and [bold]salesforce_files[/] (lists of paths or globs, relative to the current
folder), [bold]mailchimp_list_id[/], [bold]mailchimp_api_url[/] (optional API root such as
https://us21.api.mailchimp.com/3.0), [bold]mailchimp_api_key_env[/] (default MAILCHIMP_API_KEY) and
[bold]sync_mode[/] (upsert or mirror). Invalid or missing answers are all reported at once, by id,
before anything is created. Rerunning with the same answers changes nothing.

Templates: [bold]zoom_salesforce_mailchimp[/] (the default), [bold]ecommerce_support[/] (Stripe, Zendesk
Support and Salesforce; asks stripe_files, zendesk_files and salesforce_files), [bold]blank[/] (aws
infrastructure only). [bold]tapestry init --template[/] alone lists them with what each does."""


def register(app: typer.Typer) -> None:
    app.command("init", help=HELP)(init)


@friendly_errors
def init(
    directory: Annotated[
        Path | None,
        typer.Argument(help="Folder to create the project in.", show_default=False),
    ] = None,
    answers_file: AnswersOption = None,
    non_interactive: Annotated[
        bool,
        typer.Option("--non-interactive", help="Never prompt; take answers from --answers and defaults."),
    ] = False,
    template: Annotated[
        str,
        typer.Option(
            help="Kickstart template to use. Without a value (--template alone): list the templates and what each does."
        ),
    ] = DEFAULT_TEMPLATE,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace an existing tapestry.yml that differs from these answers."),
    ] = False,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set", metavar="ID=VALUE", help="Answer one question: --set id=value (repeatable; wins over --answers)."
        ),
    ] = None,
) -> None:
    from rich.markup import escape

    from tapestry.cli.console import console
    from tapestry.phases.init_project import init_project

    spec, answers = collect_answers(
        template_or_list(template), answers_file, overrides or [], non_interactive, defaults=folder_defaults(directory)
    )
    project_dir = directory or Path.cwd() / str(answers.values["project_name"])
    result = init_project(project_dir, spec, answers, Path.cwd(), force=force)
    if result.created:
        console.print(f"[green]Project ready[/] in {escape(str(result.project_dir))}")
        for item in result.created:
            console.print(f"  created {item}")
    else:
        console.print(f"[green]Project unchanged[/] in {escape(str(result.project_dir))} (already as answered)")
    for item in result.kept:
        console.print(f"  kept existing {item}")
    where = "" if result.project_dir == Path.cwd() else f" --project {_shell_path(result.project_dir)}"
    next_step = "tapestry deploy" if answers.values.get("target") == "aws" else "tapestry run"
    console.print(f"Next: [bold]{escape(next_step + where)}[/]", soft_wrap=True)


def collect_answers(
    template: str,
    answers_file: Path | None,
    overrides: list[str],
    non_interactive: bool,
    fixed: dict[str, Any] | None = None,
    defaults: dict[str, Any] | None = None,
) -> tuple[Any, Any]:
    """The template and its validated answers, from a file, --set overrides and (on a terminal) prompts.
    `defaults` replace the template's defaults (the project name from the folder given)."""
    from tapestry.cli.console import console, print_warning
    from tapestry.core.errors import AnswersError
    from tapestry.kickstart.answers import validate_answers
    from tapestry.kickstart.spec import load_template

    spec = load_template(template).with_defaults(defaults or {})
    raw = _read_answers(answers_file) if answers_file else {}
    raw.update(_parse_overrides(overrides))
    raw.update(fixed or {})
    base_dir = Path.cwd()
    interactive = not non_interactive and sys.stdin.isatty() and sys.stdout.isatty()
    if interactive:
        from tapestry.cli.prompts import ask_all

        console.print(f"[bold]Tapestry[/] · template [cyan]{spec.name}[/]: {spec.description.strip()}")
        raw = {**raw, **ask_all(spec, raw, base_dir, fixed=fixed or {})}
    try:
        answers = validate_answers(spec, raw, base_dir)
    except AnswersError as exc:  # name the file the answers came from
        raise AnswersError(exc.problems, f"answers file {answers_file}" if answers_file else None) from None
    for warning in answers.warnings:
        print_warning(warning)
    return spec, answers


def folder_defaults(directory: Path | None) -> dict[str, Any]:
    """`tapestry init acme-audience` names the project `acme-audience` unless answered otherwise: two
    projects never share a name (the local secret store and cloud resources are keyed by it)."""
    import re

    if directory is None:
        return {}
    name = re.sub(r"[^a-z0-9]+", "-", directory.resolve().name.lower())
    name = re.sub(r"^[^a-z]+", "", name)[:40].strip("-")
    return {"project_name": name} if re.fullmatch(r"[a-z][a-z0-9-]{0,38}[a-z0-9]", name) else {}


def _read_answers(path: Path) -> dict[str, Any]:
    from tapestry.core.errors import ConfigError
    from tapestry.core.yamlfile import read_yaml_file

    data = read_yaml_file(path, f"answers file {path}")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"answers file {path} must map question ids to answers", "write `id: value` lines")
    return {str(k): v for k, v in data.items()}


def _parse_overrides(items: list[str]) -> dict[str, Any]:
    from tapestry.core.errors import ConfigError, clip
    from tapestry.core.yamlfile import parse_yaml

    parsed: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"--set {clip(item, 80)!r} is not id=value", "write it like --set mailchimp_list_id=1a2b3c"
            )
        parsed[key.strip()] = parse_yaml(value, f"--set {clip(key.strip(), 60)}") if value.strip() else None
    return parsed


def _shell_path(path: Path) -> str:
    """The path as a shell word: the printed command must work when pasted ("my project", "it's")."""
    import shlex

    try:
        return shlex.quote(str(path.relative_to(Path.cwd())))
    except ValueError:
        return shlex.quote(str(path))
