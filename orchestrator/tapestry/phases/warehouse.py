"""Open the project's warehouse, whatever the target."""

from __future__ import annotations

from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse
from tapestry.phases.context import ProjectContext


def open_warehouse(ctx: ProjectContext) -> DuckDBWarehouse:
    return DuckDBWarehouse(ctx.layout.warehouse_path(ctx.config))
