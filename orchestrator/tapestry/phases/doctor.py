"""`tapestry doctor`: check every credential and prerequisite before (and after) a deploy."""

from __future__ import annotations

import platform
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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


def _run_side_by_side(checks: list[tuple[str, Callable[[], str], str]]) -> list[Check]:
    """Independent checks at the same time, reported in the given order."""
    with ThreadPoolExecutor(max_workers=max(1, len(checks)), thread_name_prefix="doctor") as pool:
        return list(pool.map(lambda check: _run(*check), checks))


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
        globs = source.file_patterns()
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
    from tapestry.engines.terraform.runner import terraform_version
    from tapestry.engines.warehouse.snowflake_checks import check_role, check_warehouse
    from tapestry.phases.cloud.env import ROLES
    from tapestry.phases.secrets import referenced_secrets
    from tapestry.phases.sources import source_plugins
    from tapestry.sources.base import CredentialCheck, SourceConfig

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
    # Snowflake logins run side by side: each waits up to its login timeout when Snowflake is unreachable.
    logins: list[tuple[str, Callable[[], str], str]] = []
    for role in ROLES:

        def login(role: str = role) -> str:
            with env.open_snowflake(role) as warehouse:
                problems = check_role(warehouse, role, env.objects)
            if problems:
                raise TapestryError("; ".join(problems), "grant what the role needs (tapestry snowflake-sql)")
            return f"{env.snowflake_settings(role).user} can do what {role} needs"

        logins.append((f"snowflake {role}", login, "check the account, the user's public key and grants"))

    objects = env.objects
    if objects.resource_monitor is not None:
        monitor = objects.resource_monitor

        def capped() -> str:
            with env.open_snowflake("syncer") as warehouse:
                problems = check_warehouse(warehouse, objects)
            if problems:
                raise TapestryError("; ".join(problems))
            return f"{objects.warehouse} capped by {objects.resource_monitor_name}: {monitor.describe()}"

        logins.append(
            ("snowflake credit cap", capped, "rerun `tapestry deploy` with an admin user that may use ACCOUNTADMIN")
        )
    checks += _run_side_by_side(logins)

    # Each source's credentials, checked by its plugin the way Airbyte will use them.
    credential_checks = {name: p.credentials for name, p in source_plugins(config).items() if p.credentials}
    for name, credentials in credential_checks.items():

        def sign_in(
            source: SourceConfig = config.sources[name], check: CredentialCheck = credentials, name: str = name
        ) -> str:
            detail = check.run(source, env.resolver.get)
            if detail is None:
                raise TapestryError("credentials not configured", f"set the credentials of sources.{name}")
            return detail

        checks.append(_run(name, sign_in, credentials.fix))
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
