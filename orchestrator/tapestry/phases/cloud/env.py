"""Everything the cloud phases share: AWS session and clients, the SSM secret store, the secret
resolver, the kickstart template, Snowflake object names and connections."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from tapestry.core.errors import ConfigError
from tapestry.engines.secrets.ssm import SsmSecretStore
from tapestry.engines.warehouse.snowflake_adapter import SnowflakeSettings, SnowflakeWarehouse
from tapestry.engines.warehouse.snowflake_objects import SnowflakeObjects
from tapestry.kickstart.spec import TemplateSpec, load_template
from tapestry.phases.context import ProjectContext
from tapestry.phases.secrets import SecretResolver
from tapestry.project.config import AwsConfig, ProjectConfig, SecretRef, SnowflakeWarehouseConfig
from tapestry.sources.base import raw_schema

ROLES = ("loader", "transformer", "syncer")


@dataclass
class Endpoint:
    host: str
    port: int
    protocol: str


@dataclass
class CloudEnv:
    ctx: ProjectContext
    session: Any  # boto3.Session
    store: SsmSecretStore
    resolver: SecretResolver
    template: TemplateSpec
    _clients: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def config(self) -> Any:
        return self.ctx.config

    @property
    def aws(self) -> AwsConfig:
        assert self.ctx.config.aws is not None
        return self.ctx.config.aws

    @property
    def snowflake(self) -> SnowflakeWarehouseConfig:
        return self.ctx.config.snowflake

    @property
    def objects(self) -> SnowflakeObjects:
        return snowflake_objects(self.ctx.config)

    @property
    def tags(self) -> dict[str, str]:
        return {"Project": self.ctx.config.project, "ManagedBy": "tapestry"}

    def client(self, name: str) -> Any:
        with self._lock:  # boto3 sessions are not thread-safe; clients are
            if name not in self._clients:
                self._clients[name] = self.session.client(name)
            return self._clients[name]

    # -- Snowflake ----------------------------------------------------------------------------------------

    @property
    def endpoint(self) -> Endpoint | None:
        if not self.snowflake.endpoint:
            return None
        url = urlparse(self.snowflake.endpoint)
        protocol = url.scheme or "https"
        return Endpoint(url.hostname or "", url.port or (443 if protocol == "https" else 80), protocol)

    @property
    def snowflake_host(self) -> str:
        endpoint = self.endpoint
        return endpoint.host if endpoint else f"{self.snowflake.account}.snowflakecomputing.com"

    def private_key_ref(self, role: str) -> SecretRef:
        return {
            "loader": self.snowflake.loader_private_key,
            "transformer": self.snowflake.transformer_private_key,
            "syncer": self.snowflake.syncer_private_key,
        }[role]

    def snowflake_settings(self, role: str, database: str | None = None) -> SnowflakeSettings:
        objects = self.objects
        user, role_name, default_db = {
            "loader": (objects.airbyte_user, objects.loader_role, objects.raw_database),
            "transformer": (objects.dbt_user, objects.transformer_role, objects.analytics_database),
            "syncer": (objects.sync_user, objects.syncer_role, objects.analytics_database),
        }[role]
        endpoint = self.endpoint
        return SnowflakeSettings(
            account=self.snowflake.account,
            user=user,
            role=role_name,
            warehouse=objects.warehouse,
            database=database or default_db,
            private_key_pem=self.resolver.require(self.private_key_ref(role), f"Snowflake {role} key"),
            host=endpoint.host if endpoint else None,
            port=endpoint.port if endpoint else None,
            protocol=endpoint.protocol if endpoint else None,
        )

    def open_snowflake(self, role: str, database: str | None = None) -> SnowflakeWarehouse:
        return SnowflakeWarehouse(self.snowflake_settings(role, database))


def airbyte_snowflake_host(config: SnowflakeWarehouseConfig) -> str:
    """The host Airbyte's destination-snowflake connects to. Its spec admits only Snowflake hosts
    (`host.pattern`: ...snowflakecomputing.com), so an endpoint override counts only when it is one
    (private link); any other endpoint (a local test double) is for Tapestry's own connections."""
    host = (urlparse(config.endpoint).hostname or "") if config.endpoint else ""
    return host if host.lower().endswith(".snowflakecomputing.com") else f"{config.account}.snowflakecomputing.com"


def snowflake_objects(config: ProjectConfig) -> SnowflakeObjects:
    """Tapestry's Snowflake objects for a project: its prefix, a raw schema per source (the source's name,
    upper-cased) and, when configured, its resource monitor."""
    snowflake = config.snowflake
    monitor = snowflake.resource_monitor
    return SnowflakeObjects.from_overrides(
        snowflake.prefix,
        raw_schemas=tuple(raw_schema(name) for name in config.sources),
        resource_monitor=monitor.settings() if monitor else None,
        resource_monitor_name=monitor.name if monitor else None,
    )


def snowflake_stack_context(
    objects: SnowflakeObjects, public_keys: dict[str, str], monitor_in_state: bool = False
) -> dict[str, Any]:
    """What the `tfvars_snowflake` render gets besides the project: public keys (never private ones), the raw
    schemas (one per source), the resource monitor in the module's shape, and whether the stack's state still
    holds a monitor (removing one must run as ACCOUNTADMIN, like creating it)."""
    monitor = objects.resource_monitor
    return {
        "public_keys": public_keys,
        "raw_schemas": list(objects.raw_schemas),
        "resource_monitor": monitor.tfvar() if monitor else None,
        "resource_monitor_name": objects.resource_monitor_name if monitor else None,
        "resource_monitor_exists": monitor_in_state,
    }


def holds_resource_monitor(state_addresses: list[str]) -> bool:
    """Whether `terraform state list` of the snowflake stack shows the module's resource monitor."""
    return any(".snowflake_resource_monitor." in f".{address}" for address in state_addresses)


def snowflake_admin_env(env: CloudEnv) -> dict[str, str]:
    """The Snowflake provider's credentials, for the environment of that one Terraform process."""
    account = env.snowflake.account
    if "-" not in account:
        raise ConfigError(
            f"warehouse.account {account!r} is a legacy locator; Terraform's Snowflake provider needs "
            "orgname-accountname",
            "use the organization-account identifier (Snowsight > Account details)",
        )
    organization, _, account_name = account.partition("-")
    admin_user, admin_key = env.snowflake.admin_user, env.snowflake.admin_private_key
    if admin_user is None or admin_key is None:
        raise ConfigError("managing Snowflake objects needs warehouse.admin_user and admin_private_key", "set them")
    return {
        "SNOWFLAKE_ORGANIZATION_NAME": organization,
        "SNOWFLAKE_ACCOUNT_NAME": account_name,
        "SNOWFLAKE_USER": admin_user,
        "SNOWFLAKE_PRIVATE_KEY": env.resolver.require(admin_key, "Snowflake admin key"),
    }


def open_cloud(ctx: ProjectContext, provided_secrets: dict[str, str] | None = None) -> CloudEnv:
    config = ctx.config
    if config.target != "aws" or config.aws is None:
        raise ConfigError(
            f"project {config.project} targets {config.target}", "deploy, destroy and doctor need target aws"
        )
    import boto3

    session = boto3.Session(profile_name=config.aws.profile, region_name=config.aws.region)
    store = SsmSecretStore(config.ssm_prefix, session.client("ssm"), tags={"Project": config.project})
    resolver = SecretResolver(store, provided_secrets)
    return CloudEnv(ctx=ctx, session=session, store=store, resolver=resolver, template=load_template(config.template))
