"""`tapestry doctor`: check every credential and prerequisite before (and after) a deploy."""

from __future__ import annotations

import platform
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tapestry import __version__
from tapestry.core.errors import TapestryError, first_line
from tapestry.core.humanize import count
from tapestry.project.config import SyncConfig

if TYPE_CHECKING:
    from tapestry.phases.cloud.env import CloudEnv
    from tapestry.phases.target import Target


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


def run_doctor(target: Target) -> list[Check]:
    checks = [Check("tapestry", True, f"{__version__} on Python {platform.python_version()}")]
    checks += target.doctor_checks()
    checks += destination_checks(target)
    return checks


def local_checks(target: Target) -> list[Check]:
    from tapestry.engines.ingest.files import expand_patterns

    ctx = target.ctx
    checks = []
    for name, source in ctx.config.sources.items():
        globs = source.files
        found = expand_patterns(globs, ctx.layout.root)
        unmatched = [pattern for pattern in globs if not expand_patterns([pattern], ctx.layout.root)]
        detail = f"{count(len(found), 'file')} found ({', '.join(globs) or 'no paths configured'})"
        if unmatched:
            detail += f"; nothing matches {', '.join(unmatched)}"
        checks.append(
            Check(
                f"{name} files",
                bool(found) and not unmatched,
                detail,
                f"export the files, or point sources.{name}.files in tapestry.yml at them",
            )
        )
    return checks


def destination_checks(target: Target) -> list[Check]:
    """Every enabled sync's destination, through its plugin's preflight: credentials, the object it writes to,
    the mapped fields."""
    from tapestry.phases.sync_phase import destination_credentials
    from tapestry.plugins import destination_plugin

    checks = []
    for sync in target.ctx.config.active_syncs:
        plugin = destination_plugin(sync.destination.type)
        name = f"sync {sync.name} ({sync.destination.type})"
        secrets, missing = destination_credentials(target, sync, plugin)
        if not missing:

            def preflight(sync: SyncConfig = sync, secrets: dict[str, str] = secrets) -> str:
                return _preflight(sync, secrets)

            checks.append(_run(name, preflight, f"check the {plugin.label} settings of sync {sync.name}"))
        elif target.previews_without_credentials:
            checks.append(Check(name, None, f"{'; '.join(missing)}: syncs are previews"))
        else:
            checks.append(
                Check(
                    name,
                    False,
                    "; ".join(missing),
                    "set them (`tapestry secrets set NAME`, or rerun the kickstart with those answers)",
                )
            )
    return checks


def _preflight(sync: SyncConfig, secrets: dict[str, str]) -> str:
    from tapestry.destinations.base import OpenRequest
    from tapestry.plugins import destination_plugin

    destination = destination_plugin(sync.destination.type).open(OpenRequest(sync.destination, sync.mapping, secrets))
    try:
        return destination.preflight()
    finally:
        destination.close()


def cloud_checks(env: CloudEnv) -> list[Check]:
    from tapestry.engines.ingest.credentials import check_salesforce, check_zoom
    from tapestry.engines.terraform.runner import terraform_version
    from tapestry.engines.warehouse.snowflake_checks import check_role, check_warehouse
    from tapestry.phases.cloud.env import ROLES
    from tapestry.phases.secrets import referenced_secrets
    from tapestry.sources.salesforce.config import SalesforceSourceConfig
    from tapestry.sources.zoom.config import ZoomSourceConfig

    ctx = env.ctx
    config = ctx.config
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

    for name, source in config.sources.items():
        if isinstance(source, ZoomSourceConfig) and source.client_secret and source.account_id and source.client_id:
            zoom_source, secret = source, env.resolver.get(source.client_secret) or ""

            def zoom_token(zoom: ZoomSourceConfig = zoom_source, secret: str = secret) -> str:
                scopes = check_zoom(zoom.oauth_url, str(zoom.account_id), str(zoom.client_id), secret)
                return f"token granted ({scopes})"

            checks.append(
                _run(name, zoom_token, "check the Server-to-Server OAuth app's account id, client id and secret")
            )
        if (
            isinstance(source, SalesforceSourceConfig)
            and source.client_secret is not None
            and source.refresh_token is not None
            and source.client_id
        ):
            sf_source = source
            secrets = (env.resolver.get(source.client_secret) or "", env.resolver.get(source.refresh_token) or "")

            def salesforce_token(sf: SalesforceSourceConfig = sf_source, secrets: tuple[str, str] = secrets) -> str:
                instance = check_salesforce(sf.token_url, str(sf.client_id), *secrets)
                return f"refresh token valid for {instance}"

            checks.append(
                _run(name, salesforce_token, "check the connected app's consumer key/secret and the refresh token")
            )
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
