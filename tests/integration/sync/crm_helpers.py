"""Shared by the HubSpot and Klaviyo sync tests: an audience model in DuckDB, a sync run through a plugin as
the sync phase opens it, and the check that every request a fake received matches the vendored spec."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts import errors, openapi_request_schema, strict
from fakes._http import FakeService
from tapestry.core.warehouse import Warehouse
from tapestry.destinations.base import Destination, DestinationConfig, MappingConfig
from tapestry.engines.sync.engine import SyncOptions, SyncReport, run_sync
from tapestry.engines.sync.spec import SyncSpec
from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse

MODEL = "analytics.audience"
COLUMNS = ("email_address", "first_name", "last_name", "segment")


def audience_warehouse(tmp_path: Path, n: int) -> Warehouse:
    warehouse = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    warehouse.execute("create schema if not exists analytics")
    warehouse.execute(
        f"create table {MODEL} as select 'Person' || i || '@Example.com' as email_address, 'First' || i as first_name, "
        "case when i % 5 = 0 then null else 'Last' || i end as last_name, case when i % 2 = 0 then 'lead' else "
        f"'customer' end as segment from range({n}) t(i)"
    )
    return warehouse


@dataclass
class Syncer:
    """Runs syncs of the audience model through one destination plugin's settings."""

    warehouse: Warehouse
    config: DestinationConfig
    mapping: MappingConfig
    mode: str = "upsert"

    def spec(self) -> SyncSpec:
        return SyncSpec(
            sync_id=self.config.identity(),
            model=MODEL,
            key_column=self.mapping.key_column,
            columns=tuple(self.mapping.model_columns),
            mapping_hash=self.mapping.fingerprint(),
            mode=self.mode,
        )

    def run(self, destination: Destination, **options: Any) -> SyncReport:
        try:
            return run_sync(self.warehouse, self.spec(), destination, SyncOptions(**options))
        finally:
            destination.close()

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        return self.warehouse.query(query)

    def remembered(self) -> dict[str, dict[str, Any]]:
        rows = self.sql(f"select key, state from tapestry_sync.key_state where sync_id = '{self.config.identity()}'")
        return {str(key): json.loads(state) for key, state in rows}

    def acknowledged(self) -> set[str]:
        rows = self.sql(f"select key from tapestry_sync.snapshot where sync_id = '{self.config.identity()}'")
        return {str(r[0]) for r in rows}


def assert_requests_match_spec(fake: FakeService, spec: str, routes: dict[str, str]) -> int:
    """Every logged request body of `routes` ("METHOD /template" -> spec path) is valid against the vendored
    operation's request schema, undefined keys included. Returns how many bodies were checked."""
    checked = 0
    for entry in fake.request_log:
        path = routes.get(entry["route"])
        if path is None or entry["body"] is None:
            continue
        method = entry["method"]
        found = errors(strict(openapi_request_schema(spec, method, path)), entry["body"])
        assert found == [], (entry["route"], found[:5])
        checked += 1
    return checked
