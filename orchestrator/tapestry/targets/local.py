"""The local target: a DuckDB file in the project, export files, dbt-duckdb, a 0600 secret file."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from tapestry.engines.secrets.local_store import LocalSecretStore
from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse
from tapestry.phases import local_pipeline
from tapestry.phases.context import ProjectContext
from tapestry.phases.doctor import Check, local_checks
from tapestry.phases.pipeline import RunOptions
from tapestry.phases.runner import Phase
from tapestry.phases.secrets import SecretResolver
from tapestry.phases.target import Role


class LocalTarget:
    name = "local"
    previews_without_credentials = True

    def __init__(self, ctx: ProjectContext, provided_secrets: Mapping[str, str] | None = None) -> None:
        self.ctx = ctx
        self._provided = dict(provided_secrets or {})

    @cached_property
    def secret_store(self) -> LocalSecretStore:
        return LocalSecretStore(self.ctx.config.project)

    @cached_property
    def resolver(self) -> SecretResolver:
        return SecretResolver(self.secret_store, self._provided)

    @property
    def marts_schema(self) -> str:
        return self.ctx.config.transform.marts_schema

    def open_warehouse(self, role: Role) -> DuckDBWarehouse:
        path = self.ctx.layout.warehouse_path(self.ctx.config)
        if role == "reader":  # never wait for, nor take, the write lock
            return DuckDBWarehouse(path, read_only=True, lock_wait_s=0)
        return DuckDBWarehouse(path)

    def pipeline_phases(self, options: RunOptions) -> list[Phase]:
        return [
            Phase("ingest", lambda: local_pipeline.ingest_phase(self), "load new export files into the raw tables"),
            Phase(
                "transform",
                lambda: local_pipeline.transform_phase(self, options.full_refresh),
                "dbt build: staging -> marts",
            ),
        ]

    def doctor_checks(self) -> list[Check]:
        return local_checks(self)


def build(ctx: ProjectContext, provided_secrets: Mapping[str, str] | None = None) -> LocalTarget:
    return LocalTarget(ctx, provided_secrets)
