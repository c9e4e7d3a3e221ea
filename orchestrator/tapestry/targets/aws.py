"""The aws target: Snowflake as a role's service user, Airbyte for ingest, dbt-snowflake, SSM for secrets."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from tapestry.engines.secrets.ssm import SsmSecretStore
from tapestry.engines.warehouse.snowflake_adapter import SnowflakeWarehouse
from tapestry.phases.cloud import pipeline as cloud_pipeline
from tapestry.phases.cloud.env import CloudEnv, open_cloud, snowflake_objects
from tapestry.phases.context import ProjectContext
from tapestry.phases.doctor import Check, cloud_checks
from tapestry.phases.pipeline import RunOptions
from tapestry.phases.runner import Phase
from tapestry.phases.secrets import SecretResolver
from tapestry.phases.target import Role

# Snowflake has no read-only variant of a login: the dashboard reads as the sync user, who sees the marts
# and the sync state and nothing else.
ROLE_USERS: dict[Role, str] = {"loader": "loader", "transformer": "transformer", "syncer": "syncer", "reader": "syncer"}


class AwsTarget:
    name = "aws"
    previews_without_credentials = False

    def __init__(self, ctx: ProjectContext, provided_secrets: Mapping[str, str] | None = None) -> None:
        self.ctx = ctx
        self._provided = dict(provided_secrets or {})

    @cached_property
    def env(self) -> CloudEnv:
        """AWS session, SSM store and Snowflake settings; built on first use (boto3 loads then)."""
        return open_cloud(self.ctx, self._provided)

    @property
    def secret_store(self) -> SsmSecretStore:
        return self.env.store

    @property
    def resolver(self) -> SecretResolver:
        return self.env.resolver

    @property
    def marts_schema(self) -> str:
        return snowflake_objects(self.ctx.config).marts_schema

    def open_warehouse(self, role: Role) -> SnowflakeWarehouse:
        return self.env.open_snowflake(ROLE_USERS[role])

    def pipeline_phases(self, options: RunOptions) -> list[Phase]:
        return [
            Phase(
                "ingest",
                lambda: cloud_pipeline.ingest_with_airbyte(self.env, poll_seconds=options.poll_seconds),
                "Airbyte syncs of every connection",
            ),
            Phase("transform", lambda: cloud_pipeline.transform_on_snowflake(self.env), "dbt build on Snowflake"),
        ]

    def doctor_checks(self) -> list[Check]:
        return cloud_checks(self.env)


def build(ctx: ProjectContext, provided_secrets: Mapping[str, str] | None = None) -> AwsTarget:
    return AwsTarget(ctx, provided_secrets)


def cloud_env(target: object) -> CloudEnv:
    """The cloud environment of an aws project; deploy, destroy and their kin need one."""
    if not isinstance(target, AwsTarget):
        from tapestry.core.errors import ConfigError

        name = getattr(target, "name", "?")
        raise ConfigError(f"this project targets {name}", "deploy and destroy are for projects with target aws")
    return target.env
