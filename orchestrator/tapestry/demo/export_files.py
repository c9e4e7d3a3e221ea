"""Demo export files: written atomically in CSV, JSON lines or Parquet, left alone when their bytes would not
change (so a rerun rewrites nothing)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from tapestry.core.fs import umask_mode

Format = Literal["mixed", "csv", "jsonl", "parquet"]


def write_export(
    path: Path,
    columns: tuple[str, ...],
    rows: list[tuple[str, ...]],
    fmt: str,
    json_record: Callable[[dict[str, str]], dict[str, object]] | None = None,
) -> int:
    """Write atomically; keep the existing file (and its mtime) when the bytes would be the same. `json_record`
    gives JSON exports their types (numbers, booleans, nulls; default: Salesforce's)."""
    typed = json_record or salesforce_json
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt == "csv":
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                writer.writerows(rows)
        elif fmt == "jsonl":
            with tmp.open("w", encoding="utf-8") as handle:
                handle.writelines(
                    json.dumps(typed(dict(zip(columns, row, strict=True))), ensure_ascii=False) + "\n" for row in rows
                )
        else:
            _write_parquet(tmp, columns, rows)
        if path.exists() and _same_bytes(path, tmp):
            tmp.unlink()
            return 0
        os.chmod(tmp, umask_mode())  # mkstemp creates 0600; exports are ordinary files
        os.replace(tmp, path)
        return 1
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def salesforce_json(record: dict[str, str]) -> dict[str, object]:
    """JSON exports carry real booleans and nulls, as Salesforce's API does."""
    typed: dict[str, object] = {k: (v if v != "" else None) for k, v in record.items()}
    if "IsDeleted" in typed:
        typed["IsDeleted"] = record["IsDeleted"] == "true"
    return typed


def _write_parquet(path: Path, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    table = pa.table(
        {name: pa.array(values, type=pa.string()) for name, values in zip(columns, by_column, strict=True)}
    )
    pq.write_table(table, path, compression="zstd")


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    return _digest(a) == _digest(b)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
