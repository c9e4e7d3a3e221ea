"""A warehouse file DuckDB cannot open says why, and a fix that fits the cause (not always "close other
programs")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapestry.core.errors import WarehouseError
from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse


@pytest.mark.parametrize(
    ("content", "message", "fix"),
    [
        (b"\x00garbage" * 5000, "is not a DuckDB database (damaged, or another kind of file)", "move it aside"),
        (b"", "is not a DuckDB database", "restore it from a backup"),
    ],
)
def test_a_file_that_is_no_duckdb_database_says_so(tmp_path: Path, content: bytes, message: str, fix: str) -> None:
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(content)
    with pytest.raises(WarehouseError) as caught:
        DuckDBWarehouse(path, lock_wait_s=0)
    assert message in caught.value.message and fix in caught.value.fix
    assert "close other programs" not in caught.value.fix


def test_a_warehouse_in_a_folder_that_does_not_exist_names_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "nodir" / "sub" / "w.duckdb"
    with pytest.raises(WarehouseError) as caught:
        DuckDBWarehouse(path, lock_wait_s=0)
    assert f"its folder {path.parent} does not exist" in caught.value.message
    assert f"mkdir -p {path.parent}" in caught.value.fix
