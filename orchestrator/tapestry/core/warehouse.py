"""The warehouse contract that ingest, sync and the dashboard code against.

Engines receive an object that satisfies `Warehouse`; they never construct one themselves, so the same
SQL runs on DuckDB (local target) and Snowflake (cloud target). SQL uses `?` placeholders; adapters
translate them to their driver's style.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

Dialect = Literal["duckdb", "snowflake"]
Row = tuple[Any, ...]


class Warehouse(Protocol):
    """A live connection to one warehouse database."""

    dialect: Dialect

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run one statement and discard any result."""

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """Run one query and return every row."""

    def query_batches(
        self, sql: str, params: Sequence[Any] | None = None, batch_size: int = 10_000
    ) -> Iterator[list[Row]]:
        """Stream a query's rows in lists of at most `batch_size`."""

    def columns(self, sql: str, params: Sequence[Any] | None = None) -> list[str]:
        """Column names (lower-case) of a query's result, without fetching its rows."""

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Append rows to `table` quickly (bulk path of the adapter)."""

    def transaction(self) -> AbstractContextManager[None]:
        """Commit on normal exit, roll back on any exception."""

    def table_exists(self, schema: str, table: str) -> bool: ...

    def close(self) -> None: ...
