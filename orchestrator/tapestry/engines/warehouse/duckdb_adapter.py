"""DuckDB adapter: the embedded warehouse of the local target."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tapestry.core.errors import WarehouseError
from tapestry.core.warehouse import Dialect, Row

if TYPE_CHECKING:
    import duckdb

# DuckDB takes 80% of RAM by default; a laptop pipeline should leave room for everything else.
# Above the limit DuckDB spills to disk instead of failing.
DEFAULT_MEMORY_LIMIT = "1GB"
# How long opening the file waits for another process's lock (the dashboard reads for a moment).
LOCK_WAIT_S = 10.0


def connect_config(memory_limit: str = DEFAULT_MEMORY_LIMIT) -> dict[str, str | bool | int | float | list[str]]:
    """The DuckDB configuration every connection to a project warehouse uses, dbt's included.

    DuckDB shares one database instance per file inside a process only between connections opened
    with the same configuration, so dbt's profile must carry exactly this dict.
    """
    return {"memory_limit": memory_limit, "preserve_insertion_order": False}


_ACCESS_REASONS = ("permission denied", "read-only file system", "operation not permitted")


def _open_error(path: str, exc: Exception, read_only: bool) -> WarehouseError:
    first = str(exc).splitlines()[0]
    lowered = first.lower()
    folder = str(Path(path).parent)
    what = next((reason for reason in _ACCESS_REASONS if reason in lowered), None)
    if what is not None:
        need = "read" if read_only else "write"
        return WarehouseError(
            f"cannot open the DuckDB warehouse {path}: {what}",
            f"your user must be able to {need} {path} and its folder {folder} (ls -ld shows the owner; "
            "lsattr shows an immutable file), or set warehouse.path in tapestry.yml to a place you can write",
        )
    if "not a valid duckdb database" in lowered:
        return WarehouseError(
            f"the warehouse {path} is not a DuckDB database (damaged, or another kind of file)",
            f"move it aside (mv {path} {path}.broken) and rerun `tapestry run`: the raw tables load again from "
            "the export files (each sync then compares with its destination afresh), or restore it from a backup",
        )
    if "no such file or directory" in lowered:
        return WarehouseError(
            f"cannot create the DuckDB warehouse {path}: its folder {folder} does not exist",
            f"create it (mkdir -p {folder}) or correct warehouse.path in tapestry.yml",
        )
    if "lock" in lowered:
        return WarehouseError(
            f"cannot open the DuckDB warehouse {path}: {first}",
            "close other programs using this file (another `tapestry run`, a dashboard, a SQL shell)",
        )
    return WarehouseError(
        f"cannot open the DuckDB warehouse {path}: {first}",
        "set warehouse.path in tapestry.yml to a regular file in a folder you can write",
    )


class DuckDBWarehouse:
    """One connection to a DuckDB database file (or `:memory:`)."""

    dialect: Dialect = "duckdb"

    def __init__(
        self,
        path: Path | str,
        read_only: bool = False,
        memory_limit: str = DEFAULT_MEMORY_LIMIT,
        lock_wait_s: float = LOCK_WAIT_S,
    ) -> None:
        import duckdb  # heavy import kept off the CLI start-up path

        self.path = str(path)
        deadline = time.monotonic() + lock_wait_s
        delay = 0.05
        while True:
            try:
                self._con: duckdb.DuckDBPyConnection = duckdb.connect(
                    self.path,
                    read_only=read_only,
                    config=connect_config(memory_limit),
                )
                break
            except duckdb.IOException as exc:
                # Another process holds the file; the dashboard holds it only while it reads a page.
                if "lock" in str(exc).lower() and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                raise _open_error(self.path, exc, read_only) from None
        self._con.execute("set TimeZone = 'UTC'")  # ICU loads on first use, not in connect()
        self._in_transaction = False

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        return self._con

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._con.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        return self._con.execute(sql, params).fetchall()

    def query_batches(
        self, sql: str, params: Sequence[Any] | None = None, batch_size: int = 10_000
    ) -> Iterator[list[Row]]:
        cursor = self._con.cursor()
        try:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(batch_size):
                yield rows
        finally:
            cursor.close()

    def columns(self, sql: str, params: Sequence[Any] | None = None) -> list[str]:
        relation = self._con.execute(f"select * from ({sql}) limit 0", params)
        return [str(col[0]).lower() for col in relation.description or []]

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        import pyarrow as pa

        by_column = list(zip(*rows, strict=True))
        arrow = pa.table({name: pa.array(values) for name, values in zip(columns, by_column, strict=True)})
        view = "_tapestry_insert_rows"
        self._con.register(view, arrow)
        try:
            cols = ", ".join(columns)
            self._con.execute(f"insert into {table} ({cols}) select {cols} from {view}")
        finally:
            self._con.unregister(view)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_transaction:  # nested use joins the outer transaction
            yield
            return
        self._con.execute("begin transaction")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            import duckdb

            # an interrupted statement may already have aborted it: nothing is left to undo then
            with contextlib.suppress(duckdb.Error):
                self._con.execute("rollback")
            raise
        else:
            self._con.execute("commit")
        finally:
            self._in_transaction = False

    def table_exists(self, schema: str, table: str) -> bool:
        rows = self.query(
            "select count(*) from information_schema.tables where lower(table_schema) = lower(?) "
            "and lower(table_name) = lower(?)",
            [schema, table],
        )
        return bool(rows[0][0])

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> DuckDBWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
