"""`tapestry doctor`: check every credential and prerequisite before (and after) a deploy."""

from __future__ import annotations

import platform
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from tapestry import __version__
from tapestry.core.errors import TapestryError, first_line
from tapestry.core.humanize import count
from tapestry.phases.context import ProjectContext


@dataclass
class Check:
    name: str
    ok: bool | None  # None: not applicable / skipped
    detail: str
    fix: str = ""


def _run(name: str, func: Callable[[], str], fix: str) -> Check:
    try:
        return Check(name, True, func())
    except TapestryError as exc:
        return Check(name, False, exc.message, exc.fix or fix)
    except Exception as exc:  # a check reports; it never crashes the doctor
        return Check(name, False, first_line(exc, 300), fix)


def run_doctor(ctx: ProjectContext) -> list[Check]:
    checks = [Check("tapestry", True, f"{__version__} on Python {platform.python_version()}")]
    config = ctx.config
    if config.target == "local":
        checks += _local_checks(ctx)
    else:
        checks += _cloud_checks(ctx)
    return checks


def _local_checks(ctx: ProjectContext) -> list[Check]:
    from tapestry.engines.ingest.files import expand_patterns
    from tapestry.phases.secrets import SecretResolver

    config = ctx.config
    checks = []
    for source in ("zoom", "salesforce"):
        globs = getattr(config.sources, source).files
        found = expand_patterns(globs, ctx.layout.root)
        unmatched = [pattern for pattern in globs if not expand_patterns([pattern], ctx.layout.root)]
        detail = f"{count(len(found), 'file')} found ({', '.join(globs) or 'no paths configured'})"
        if unmatched:
            detail += f"; nothing matches {', '.join(unmatched)}"
        checks.append(
            Check(
                f"{source} files",
                bool(found) and not unmatched,
                detail,
                f"export the files, or point sources.{source}.files in tapestry.yml at them",
            )
        )
    key = SecretResolver(config).get(config.sync.mailchimp.api_key)
    if key and config.sync.mailchimp.list_id:
        checks.append(_run("mailchimp", lambda: _mailchimp(ctx, key), "check the key and list id"))
    else:
        checks.append(Check("mailchimp", None, "no API key or list id: syncs are previews"))
    return checks


def _mailchimp(ctx: ProjectContext, key: str) -> str:
    from tapestry.engines.sync.mailchimp import MailchimpDestination

    sync = ctx.config.sync
    assert sync.mailchimp.list_id is not None
    destination = MailchimpDestination(key, sync.mailchimp.list_id, api_url=sync.mailchimp.api_url)
    try:
        destination.preflight(sync.mapping.merge_fields)
    finally:
        destination.close()
    return f"list {sync.mailchimp.list_id} reachable, merge fields {', '.join(sync.mapping.merge_fields)} exist"


def _cloud_checks(ctx: ProjectContext) -> list[Check]:
    from tapestry.engines.ingest.credentials import check_salesforce, check_zoom
    from tapestry.engines.terraform.runner import terraform_version
    from tapestry.engines.warehouse.snowflake_checks import check_role, check_warehouse
    from tapestry.phases.cloud.env import ROLES, open_cloud
    from tapestry.phases.secrets import referenced_secrets

    config = ctx.config
    env = open_cloud(ctx)
    checks: list[Check] = []

    version = terraform_version()
    checks.append(
        Check("terraform", version is not None, version or "not found", "install Terraform >= 1.9 and put it on PATH")
    )
    if env.aws.runner.image:
        checks.append(Check("docker", None, f"not needed: runner image {env.aws.runner.image}"))
    else:
        checks.append(_run("docker", _docker_engine, "start Docker, or set aws.runner.image (answer runner_image)"))

    def identity() -> str:
        who = env.client("sts").get_caller_identity()
        return f"account {who['Account']} as {who['Arn']}"

    checks.append(_run("aws identity", identity, "configure AWS credentials (aws configure / SSO) for this region"))
    missing = [ref.secret or ref.env for _, ref in referenced_secrets(config) if not env.resolver.get(ref)]
    checks.append(
        Check(
            "secrets",
            not missing,
            "all present" if not missing else f"missing: {', '.join(map(str, missing))}",
            "rerun the kickstart with these answers, or `tapestry secrets set NAME`",
        )
    )
    for role in ROLES:

        def login(role: str = role) -> str:
            with env.open_snowflake(role) as warehouse:
                problems = check_role(warehouse, role, env.objects)
            if problems:
                raise TapestryError("; ".join(problems), "grant what the role needs (tapestry snowflake-sql)")
            return f"{env.snowflake_settings(role).user} can do what {role} needs"

        checks.append(_run(f"snowflake {role}", login, "check the account, the user's public key and grants"))

    objects = env.objects
    if objects.resource_monitor is not None:
        monitor = objects.resource_monitor

        def capped() -> str:
            with env.open_snowflake("syncer") as warehouse:
                problems = check_warehouse(warehouse, objects)
            if problems:
                raise TapestryError("; ".join(problems))
            return f"{objects.warehouse} capped by {objects.resource_monitor_name}: {monitor.describe()}"

        checks.append(
            _run("snowflake credit cap", capped, "rerun `tapestry deploy` with an admin user that may use ACCOUNTADMIN")
        )

    zoom, salesforce = config.sources.zoom, config.sources.salesforce
    if zoom.client_secret is not None and zoom.account_id and zoom.client_id:
        secret = env.resolver.get(zoom.client_secret) or ""
        checks.append(
            _run(
                "zoom",
                lambda: (
                    f"token granted ({check_zoom(zoom.oauth_url, str(zoom.account_id), str(zoom.client_id), secret)})"
                ),
                "check the Server-to-Server OAuth app's account id, client id and secret",
            )
        )
    if salesforce.client_secret is not None and salesforce.refresh_token is not None and salesforce.client_id:
        sf_secret = env.resolver.get(salesforce.client_secret) or ""
        sf_refresh = env.resolver.get(salesforce.refresh_token) or ""

        def salesforce_token() -> str:
            instance = check_salesforce(salesforce.token_url, str(salesforce.client_id), sf_secret, sf_refresh)
            return f"refresh token valid for {instance}"

        checks.append(
            _run("salesforce", salesforce_token, "check the connected app's consumer key/secret and the refresh token")
        )
    if config.sync.enabled:
        key = env.resolver.get(config.sync.mailchimp.api_key)
        if key:
            checks.append(_run("mailchimp", lambda: _mailchimp(ctx, key), "check the key and list id"))
        else:
            checks.append(Check("mailchimp", False, "no API key", "rerun the kickstart with mailchimp_api_key"))
    if "aws_ingestion" in ctx.state.phases:
        from tapestry.phases.cloud.pipeline import airbyte_client

        def airbyte() -> str:
            client = airbyte_client(env)
            try:
                client.wait_healthy(timeout=0, poll=0)
                return f"healthy, workspace {client.workspace_id()}"
            finally:
                client.close()

        checks.append(_run("airbyte", airbyte, "check the instance and that your IP is in allowed_cidrs"))
    return checks


def _docker_engine() -> str:
    if shutil.which("docker") is None:
        raise TapestryError("not installed", "install Docker")
    probe = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        raise TapestryError("the Docker engine is not running", "start Docker")
    return f"engine {probe.stdout.strip()}"
