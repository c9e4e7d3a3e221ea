"""Open the project's warehouse, whatever the target."""

from __future__ import annotations

from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse
from tapestry.phases.context import ProjectContext


def open_warehouse(ctx: ProjectContext) -> DuckDBWarehouse:
    return DuckDBWarehouse(ctx.layout.warehouse_path(ctx.config))


def mart_relation(ctx: ProjectContext, model: str) -> str:
    """A mart's relation name; marts live in their own schema (see dbt_project.yml)."""
    return f"{ctx.config.transform.marts_schema}.{model}"
