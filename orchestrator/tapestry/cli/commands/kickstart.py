"""`tapestry kickstart`: questions -> project -> running pipeline, in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tapestry.cli.common import DEFAULT_TEMPLATE, AnswersOption, friendly_errors, template_or_list

HELP = """Create a project and bring its pipeline up, with no manual step after the questions.

• [bold]--target local[/]: init, then one [bold]tapestry run[/] (DuckDB, export files).
• [bold]--target aws[/]: init, then the deploy: secrets to SSM Parameter Store → Snowflake and the
  AWS ingestion stack (concurrently) → Airbyte configured through its API → first Airbyte syncs and
  dbt build → ECS Fargate runner (image built and pushed with Docker, or [bold]runner_image[/]) →
  first run of every sync (Mailchimp, and HubSpot or Klaviyo when answered) → dashboard links.

Every phase is recorded; rerun the same command to resume after a
failure; a second full run changes nothing.

In pipelines: [bold]tapestry kickstart my-project --target aws --non-interactive --answers answers.yml[/].
Question ids: those of [bold]tapestry init[/] plus aws_region, aws_profile, allowed_cidrs, alert_email,
state_bucket, airbyte_instance_type, airbyte_ami_id, airbyte_detailed_monitoring, airbyte_data_snapshots,
certificate_arn, airbyte_public_hostname | allow_plain_http, abctl_sha256, airbyte_url, schedule, runner_image,
snowflake_account, snowflake_prefix, snowflake_manage_objects, snowflake_admin_user,
snowflake_admin_private_key | snowflake_loader/transformer/syncer_private_key, snowflake_endpoint,
zoom_account_id, zoom_client_id, zoom_client_secret, salesforce_client_id, salesforce_client_secret,
salesforce_refresh_token, salesforce_start_date, salesforce_is_sandbox, mailchimp_list_id,
mailchimp_api_key, mailchimp_api_url, sync_mode. A secret answer may be written [bold]env:NAME[/] or
[bold]file:PATH[/]; secrets go to SSM and never to disk. Every answer is validated before anything is
created, and all invalid ids are reported at once."""


def register(app: typer.Typer) -> None:
    app.command("kickstart", help=HELP)(kickstart)


@friendly_errors
def kickstart(
    directory: Annotated[
        Path | None, typer.Argument(help="Folder to create the project in.", show_default=False)
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target", metavar="local|aws", help="local or aws (otherwise asked, or taken from the answers)."
        ),
    ] = None,
    template: Annotated[
        str,
        typer.Option(
            help="Kickstart template to use. Without a value (--template alone): list the templates and what each does."
        ),
    ] = DEFAULT_TEMPLATE,
    answers_file: AnswersOption = None,
    non_interactive: Annotated[bool, typer.Option("--non-interactive", help="Never prompt.")] = False,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="ID=VALUE", help="Answer one question: --set id=value (repeatable)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a tapestry.yml that differs from the answers.")
    ] = False,
    plan: Annotated[bool, typer.Option("--plan", help="aws: show every stack's plan and apply nothing.")] = False,
    poll_interval: Annotated[
        float, typer.Option("--poll-interval", min=0.0, help="Seconds between Airbyte health and job polls.")
    ] = 10.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every step.")] = False,
) -> None:
    from tapestry.cli.commands.init import collect_answers, folder_defaults
    from tapestry.cli.commands.run import print_run_summary
    from tapestry.cli.console import RichReporter, console
    from tapestry.phases.context import ProjectContext
    from tapestry.phases.init_project import init_project
    from tapestry.targets import open_target

    template = template_or_list(template)
    fixed = {"target": target} if target else {}
    spec, answers = collect_answers(
        template, answers_file, overrides or [], non_interactive, fixed=fixed, defaults=folder_defaults(directory)
    )
    project_dir = directory or Path.cwd() / str(answers.values["project_name"])
    result = init_project(project_dir, spec, answers, Path.cwd(), force=force)
    console.print(f"[green]Project {'ready' if result.created else 'unchanged'}[/] in {result.project_dir}")
    provided = {
        str(q.store_as): str(answers.values[q.id])
        for q in spec.questions
        if q.is_secret and q.store_as and answers.values.get(q.id)
    }
    project_target = open_target(ProjectContext.open(result.project_dir, RichReporter(verbose=verbose)), provided)
    if project_target.name == "local":
        from tapestry.phases.pipeline import RunOptions, run_pipeline

        record = run_pipeline(project_target, RunOptions())
        print_run_summary({p.name: p for p in record.phases})
        return
    from tapestry.cli.commands.deploy import print_deploy_summary
    from tapestry.phases.cloud.deploy import DeployOptions, deploy
    from tapestry.targets.aws import cloud_env

    env = cloud_env(project_target)
    record = deploy(project_target, env, DeployOptions(plan_only=plan, poll_seconds=poll_interval))
    print_deploy_summary(record)
