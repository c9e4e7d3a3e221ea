"""Sync engine fixtures: a warehouse holding an audience model, the fake Mailchimp, and a runner.

The `warehouse` fixture is parametrised by adapter, so every engine test runs on each warehouse
Tapestry supports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fakes.mailchimp import FakeMailchimp
from tapestry.core.retry import RetryPolicy
from tapestry.core.warehouse import Warehouse
from tapestry.destinations.mailchimp import PLUGIN
from tapestry.destinations.mailchimp.client import MailchimpClient
from tapestry.destinations.mailchimp.config import MailchimpConfig, MailchimpMapping, TagMapping
from tapestry.destinations.mailchimp.destination import MailchimpDestination
from tapestry.engines.sync.engine import SyncOptions, SyncReport, run_sync
from tapestry.engines.sync.spec import SyncSpec
from tapestry.phases.sync_phase import build_spec
from tapestry.project.config import SyncConfig

LIST_ID = "list0001"
MODEL = "analytics.audience"
# settings of `destination:` (tapestry.yml)
SENDING_KNOBS = ("bulk_threshold", "batch_size", "concurrency", "update_path")
FAST_RETRIES = RetryPolicy(attempts=10, base_seconds=0.005, max_seconds=0.05)


def _duckdb(tmp_path: Path) -> Warehouse:
    from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse

    return DuckDBWarehouse(tmp_path / "warehouse.duckdb")


@contextmanager
def _duckdb_cm(tmp_path: Path) -> Iterator[Warehouse]:
    wh = _duckdb(tmp_path)
    try:
        yield wh
    finally:
        wh.close()


@contextmanager
def _snowflake(tmp_path: Path) -> Iterator[Warehouse]:
    """Snowflake SQL through fakesnow (DuckDB behind the real connector API), patched in-process."""
    import fakesnow
    import snowflake.connector

    from tapestry.engines.warehouse.snowflake_adapter import SnowflakeSettings, SnowflakeWarehouse

    with fakesnow.patch():
        setup = snowflake.connector.connect()
        setup.cursor().execute("create database if not exists tapestry_analytics")
        setup.close()
        settings = SnowflakeSettings(
            account="fakesnow",
            user="tapestry_sync",
            role="tapestry_syncer",
            warehouse="tapestry_wh",
            database="TAPESTRY_ANALYTICS",
        )
        wh = SnowflakeWarehouse(settings)
        try:
            yield wh
        finally:
            wh.close()


WAREHOUSES: dict[str, Callable[[Path], AbstractContextManager[Warehouse]]] = {
    "duckdb": _duckdb_cm,
    "snowflake": _snowflake,
}


@pytest.fixture(params=sorted(WAREHOUSES))
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    with WAREHOUSES[request.param](tmp_path) as wh:
        wh.execute("create schema if not exists analytics")
        wh.execute(
            f"create table {MODEL} (email_address varchar, first_name varchar, last_name varchar, segment varchar)"
        )
        yield wh


@pytest.fixture
def fake() -> Iterator[FakeMailchimp]:
    with FakeMailchimp(list_ids=[LIST_ID], seed=1234, strict_requests=True) as server:
        yield server


@dataclass
class Audience:
    """Helpers to shape the audience model and run syncs against the fake, as the sync phase does."""

    warehouse: Warehouse
    fake: FakeMailchimp
    mode: str = "upsert"
    max_archive_share: float = 0.5
    tags: tuple[TagMapping, ...] = (TagMapping(name="tapestry"),)
    merge_fields: dict[str, str] = field(default_factory=lambda: {"FNAME": "first_name", "LNAME": "last_name"})

    def add(self, n: int, start: int = 0, domain: str = "example.com") -> list[str]:
        emails = [f"person{i}@{domain}" for i in range(start, start + n)]
        self.warehouse.insert_rows(
            MODEL,
            ["email_address", "first_name", "last_name", "segment"],
            [(e, f"First{i}", f"Last{i}", "a" if i % 2 else "b") for i, e in enumerate(emails, start)],
        )
        return emails

    def emails(self) -> set[str]:
        return {str(r[0]) for r in self.warehouse.query(f"select email_address from {MODEL}")}

    def config(self, list_id: str = LIST_ID, **knobs: Any) -> MailchimpConfig:
        return MailchimpConfig(list_id=list_id, api_url=self.fake.base_url, **knobs)

    def mapping(self) -> MailchimpMapping:
        return MailchimpMapping(merge_fields=dict(self.merge_fields), tags=list(self.tags))

    def spec(self) -> SyncSpec:
        sync = SyncConfig(
            name="test",
            model="audience",
            mode=self.mode,
            max_archive_share=self.max_archive_share,
            destination=self.config(),
            mapping=self.mapping(),
        )  # type: ignore[arg-type]
        return build_spec(sync, "analytics")

    def client(self, list_id: str = LIST_ID, api_key: str | None = None) -> MailchimpClient:
        return MailchimpClient(api_key or self.fake.api_key, list_id, api_url=self.fake.base_url, retry=FAST_RETRIES)

    def destination(
        self, full_resync: bool = False, batches_in_flight: int = 4, client: MailchimpClient | None = None, **knobs: Any
    ) -> MailchimpDestination:
        return MailchimpDestination(
            self.config(**knobs), self.mapping(), client or self.client(), full_resync, batches_in_flight
        )

    def sync(self, **options: Any) -> SyncReport:
        """A sync run; sending knobs (bulk_threshold, batch_size, batches_in_flight) go to the destination."""
        knobs = {name: options.pop(name) for name in SENDING_KNOBS if name in options}
        destination = self.destination(options.get("full_resync", False), options.pop("batches_in_flight", 4), **knobs)
        try:
            return run_sync(
                self.warehouse, self.spec(), destination, SyncOptions(**options), kept_label=PLUGIN.kept_label
            )
        finally:
            destination.close()

    def remembered(self) -> dict[str, dict[str, Any]]:
        """What the Mailchimp plugin asked the core to remember, per key (tapestry_sync.key_state)."""
        import json

        rows = self.warehouse.query("select key, state from tapestry_sync.key_state")
        return {str(key): json.loads(state) for key, state in rows}

    def subscribed_or_unsubscribed(self) -> set[str]:
        """E-mails present in the list (any status but archived)."""
        return {m["email_address"] for m in self.fake.members(LIST_ID).values() if m["status"] != "archived"}

    def puts(self) -> int:
        return self.fake.requests_by_route.get(
            "PUT /lists/{id}/members/{hash}", 0
        ) + self.fake.batch_operations_by_route.get("PUT /lists/{id}/members/{hash}", 0)


@pytest.fixture
def audience(warehouse: Warehouse, fake: FakeMailchimp) -> Audience:
    return Audience(warehouse, fake)
