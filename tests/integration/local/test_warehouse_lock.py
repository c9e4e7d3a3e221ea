"""Another process holding the DuckDB file (the dashboard reading a page, a SQL shell): opening for a run
waits for it briefly, then fails with a one-line error naming the file."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tapestry.core.errors import WarehouseError
from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("held", flush=True)
sys.stdin.readline()  # hold the file until the test says so
con.close()
print("released", flush=True)
"""


@pytest.fixture
def warehouse_file(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select 1 as x")
    return path


@pytest.fixture
def holder(warehouse_file: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse_file)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.wait(10)


def test_a_run_waits_for_a_brief_reader_then_opens(
    warehouse_file: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert holder.stdin is not None and holder.stdout is not None
    waits: list[float] = []

    def release_during_the_first_wait(seconds: float) -> None:
        if not waits:  # the first open failed on the lock: the reader now finishes its page
            holder.stdin.write("\n")  # type: ignore[union-attr]
            holder.stdin.flush()  # type: ignore[union-attr]
            assert holder.stdout.readline().strip() == "released"  # type: ignore[union-attr]
        waits.append(seconds)

    monkeypatch.setattr("tapestry.engines.warehouse.duckdb_adapter.time.sleep", release_during_the_first_wait)
    warehouse = DuckDBWarehouse(warehouse_file, lock_wait_s=30)
    try:
        assert warehouse.query("select x from t") == [(1,)]
    finally:
        warehouse.close()
    assert len(waits) >= 1  # it did meet the lock and wait


def test_a_file_held_too_long_is_a_one_line_error(warehouse_file: Path, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(WarehouseError) as err:
        DuckDBWarehouse(warehouse_file, lock_wait_s=0.3)
    line = err.value.one_line()
    assert str(warehouse_file) in line and "close other programs using this file" in line
    assert "\n" not in line
