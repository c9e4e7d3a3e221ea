"""Load a source's export files (CSV, JSON lines, Parquet) into its raw stream tables.

A file is identified by its content hash: the same bytes are never loaded twice, whatever the file is
called. All new files of one ingest are validated and inserted in a single transaction, so a bad file
leaves the warehouse exactly as it was.

Loading is deterministic: each file gets its own `_airbyte_extracted_at`, one microsecond after the file
loaded before it (files load in the order of the source's patterns, each glob's matches in name order), and
each record an `_airbyte_raw_id` made from the file's hash and the record's content. Staging models keep the
latest copy of a record by its own change time, then by those two, so when two files hold one record and
neither says when it changed, the file loaded last wins, in every project and on every rerun.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tapestry.core import interrupts
from tapestry.core.errors import IngestError, clip, explain
from tapestry.core.fs import sha256_file
from tapestry.core.warehouse import Warehouse
from tapestry.engines.ingest.encoding import as_utf8, csv_header, locate, unreadable
from tapestry.engines.ingest.streams import TYPE_LABELS, Column, Stream, normalise_name

REGISTRY_SCHEMA = "tapestry_meta"
REGISTRY_TABLE = f"{REGISTRY_SCHEMA}.loaded_files"

_FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".csv.gz": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".jsonl.gz": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass(frozen=True)
class InputFile:
    source: str
    path: Path
    sha256: str
    size: int
    encoding: str = "utf-8"  # the source's `encoding`: anything else is converted to UTF-8 before loading
    table: str = ""  # the raw table (`<source>.<stream>`) it loads into: a key of load_files' `streams`


@dataclass
class SourceLoad:
    files_loaded: int = 0
    files_skipped: int = 0
    rows_loaded: int = 0


@dataclass
class LoadResult:
    by_source: dict[str, SourceLoad] = field(default_factory=dict)

    @property
    def rows_loaded(self) -> int:
        return sum(s.rows_loaded for s in self.by_source.values())

    @property
    def files_loaded(self) -> int:
        return sum(s.files_loaded for s in self.by_source.values())


def file_format(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(_FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return _FORMATS[suffix]
    raise IngestError(
        f"{path}: unknown file type",
        "use .csv, .jsonl (JSON lines), .json or .parquet exports",
    )


def expand_patterns(patterns: Sequence[str], base_dir: Path) -> list[Path]:
    """Paths matching `patterns` (globs allowed; relative to `base_dir`), sorted, without duplicates."""
    found: dict[Path, None] = {}
    for pattern in patterns:
        matches = sorted(glob.glob(_absolute(pattern, base_dir), recursive=True))
        for match in matches:
            try:
                path = Path(match).resolve(strict=True)
            except (OSError, RuntimeError):  # a broken link or a symlink loop is no export file
                continue
            if path.is_file():
                found[path] = None
    return list(found)


def closed_folder(pattern: str, base_dir: Path) -> Path | None:
    """The folder that keeps a pattern from matching because it cannot be listed or entered, if any."""
    fixed = re.split(r"[*?\[]", _absolute(pattern, base_dir), maxsplit=1)[0]
    folder = Path(fixed if fixed.endswith(os.sep) else os.path.dirname(fixed) or ".")
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder.resolve() if folder.is_dir() and not os.access(folder, os.R_OK | os.X_OK) else None


def _absolute(pattern: str, base_dir: Path) -> str:
    """A configured path or glob as an absolute one: relative ones start at `base_dir`, `~` is the home folder."""
    return os.path.expanduser(pattern if os.path.isabs(pattern) else str(base_dir / pattern))


HashCache = dict[str, dict[str, Any]]


def fingerprint(source: str, path: Path, cache: HashCache, encoding: str = "utf-8", *, table: str) -> InputFile:
    """Content hash of `path`, reusing `cache` when size and mtime are unchanged (updates `cache`)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise IngestError(f"{path}: cannot be read ({exc.strerror})", "check the path and permissions") from exc
    key = str(path)
    hit = cache.get(key)
    if hit and hit.get("size") == stat.st_size and hit.get("mtime_ns") == stat.st_mtime_ns:
        digest = str(hit["sha256"])
    else:
        try:
            digest = sha256_file(path)
        except OSError as exc:
            raise IngestError(f"{path}: cannot be read ({exc.strerror})", "check permissions") from exc
        cache[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
    return InputFile(source=source, path=path, sha256=digest, size=stat.st_size, encoding=encoding, table=table)


def ensure_tables(warehouse: Warehouse, streams: Sequence[Stream]) -> None:
    warehouse.execute(f"create schema if not exists {REGISTRY_SCHEMA}")
    warehouse.execute(
        f"create table if not exists {REGISTRY_TABLE} ("
        "source varchar, sha256 varchar, path varchar, size_bytes bigint, row_count bigint, "
        "loaded_at timestamptz, primary key (source, sha256))"
    )
    for stream in streams:
        for statement in stream.ddl():
            warehouse.execute(statement)


def already_loaded(warehouse: Warehouse) -> set[tuple[str, str]]:
    return {(str(s), str(h)) for s, h in warehouse.query(f"select source, sha256 from {REGISTRY_TABLE}")}


def load_files(
    warehouse: Warehouse,
    streams: Mapping[str, Stream],
    files: Sequence[InputFile],
    on_file: Callable[[InputFile, int], None] | None = None,
) -> LoadResult:
    """Load the files not loaded before, all in one transaction. Raises IngestError on any bad file.

    `streams` maps each raw table to its stream; each file names the table it loads into."""
    ensure_tables(warehouse, list(streams.values()))
    done = already_loaded(warehouse)
    result = LoadResult(by_source={stream.source: SourceLoad() for stream in streams.values()})
    pending: list[InputFile] = []
    seen: set[tuple[str, str]] = set()
    for item in files:
        ident = (item.source, item.sha256)
        if ident in done or ident in seen:  # same content already loaded (or listed twice)
            result.by_source[item.source].files_skipped += 1
            continue
        seen.add(ident)
        pending.append(item)
    if not pending:
        return result
    started = datetime.now(UTC)
    with warehouse.transaction():
        for position, item in enumerate(pending):
            extracted_at = started + timedelta(microseconds=position)  # the later file's copy of a record wins
            rows = _load_one(warehouse, streams[item.table], item, extracted_at)
            warehouse.execute(
                f"insert into {REGISTRY_TABLE} values (?, ?, ?, ?, ?, ?)",
                [item.source, item.sha256, str(item.path), item.size, rows, extracted_at],
            )
            loaded = result.by_source[item.source]
            loaded.files_loaded += 1
            loaded.rows_loaded += rows
            if on_file:
                on_file(item, rows)
    return result


_STAGE = "_tapestry_stage"


def _reader_sql(fmt: str, readable: Path) -> str:
    if fmt == "csv":
        # The header names the columns and its delimiter is the file's: DuckDB's dialect sniffing, given a
        # row with a field too many, reads the whole file as one column ("column 'id' is missing").
        delimiter, names = csv_header(readable)
        columns = ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in names)
        return (
            f"read_csv(?, header = true, auto_detect = false, delim = {_literal(delimiter)}, quote = '\"', "
            f"escape = '\"', columns = {{{columns}}})"
        )
    if fmt == "jsonl":
        return "read_json(?, format = 'newline_delimited')"
    if fmt == "json":
        return "read_json(?, format = 'auto')"
    return "read_parquet(?)"


def _records_sql(fmt: str, readable: Path, envelope: str | None) -> str:
    """The file's records: its rows, or the records inside each page of an API answer saved as is."""
    if envelope is None:
        return f"select * from {_reader_sql(fmt, readable)}"
    return f"select unnest({_quote(envelope)}, max_depth := 2) from {_reader_sql(fmt, readable)}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _envelope(warehouse: Warehouse, stream: Stream) -> str | None:
    """The list column holding the records when the file is an API page rather than the records themselves:
    `{"users": [...], "next_page": ...}` (Zendesk), `{"object": "list", "data": [...]}` (Stripe),
    `{"records": [...], "done": true}` (Salesforce). Only a file without the stream's required columns and
    with exactly one list of objects is read so."""
    types = _stage_types(warehouse)
    present = {normalise_name(name) for name in types}
    required = [c for c in stream.columns if c.required]
    if all(c.name in present or any(a in present for a in c.aliases) for c in required):
        return None
    lists = [name for name, type_ in types.items() if type_.startswith("STRUCT(") and type_.endswith(")[]")]
    return lists[0] if len(lists) == 1 else None


def _stage_types(warehouse: Warehouse) -> dict[str, str]:
    """The staged file's columns, in order, with their DuckDB types."""
    return {
        str(name): str(type_)
        for name, type_ in warehouse.query(f"select column_name, column_type from (describe {_STAGE})")
    }


def _load_one(warehouse: Warehouse, stream: Stream, item: InputFile, extracted_at: datetime) -> int:
    fmt = file_format(item.path)
    with as_utf8(item, fmt) as readable:
        envelope: str | None = None
        try:
            warehouse.execute(
                f"create or replace temp table {_STAGE} as {_records_sql(fmt, readable, None)}", [str(readable)]
            )
            if fmt in ("json", "jsonl"):
                if not warehouse.query(f"select count(*) from {_STAGE}")[0][0]:
                    # no records (an empty file, `[]`): nothing to load, like a CSV with only its header
                    warehouse.execute(f"drop table if exists {_STAGE}")
                    return 0
                envelope = _envelope(warehouse, stream)
                if envelope is not None:
                    warehouse.execute(
                        f"create or replace temp table {_STAGE} as {_records_sql(fmt, readable, envelope)}",
                        [str(readable)],
                    )
        except Exception as exc:  # the driver's own error says why the bytes are unreadable
            if isinstance(exc, IngestError) or interrupts.is_interrupt(exc) or explain(exc) is not None:
                raise  # an interrupt, a full disk or a folder it cannot write is not the file's fault
            raise unreadable(item, fmt, stream.label, exc) from exc
        try:
            return _insert_stage(warehouse, stream, item, readable, extracted_at, envelope)
        finally:
            warehouse.execute(f"drop table if exists {_STAGE}")


def _insert_stage(
    warehouse: Warehouse,
    stream: Stream,
    item: InputFile,
    readable: Path,
    extracted_at: datetime,
    envelope: str | None,
) -> int:
    file_columns: dict[str, str] = {}
    types = _stage_types(warehouse)
    for original in types:
        normalised = normalise_name(original)
        if normalised in file_columns:
            raise IngestError(
                f"{item.path}: column '{original}' appears twice",
                "remove the duplicate column from the export",
            )
        file_columns[normalised] = original
    # The stream's own column name first, then the other names the tool's exports give it.
    for column in stream.columns:
        if column.name not in file_columns:
            alias = next((a for a in column.aliases if a in file_columns), None)
            if alias is not None:
                file_columns[column.name] = file_columns.pop(alias)
    missing = [c.name for c in stream.columns if c.required and c.name not in file_columns]
    if missing:
        raise IngestError(
            f"{item.path}: column '{missing[0]}' is missing"
            + (f" (also: {', '.join(missing[1:])})" if missing[1:] else ""),
            f"export the {stream.label} with the {', '.join(repr(m) for m in missing)} column"
            + ("s" if len(missing) > 1 else ""),
        )
    for group in stream.required_any:
        if not any(name in file_columns for name in group):
            either = " nor ".join(repr(name) for name in group)
            raise IngestError(
                f"{item.path}: has neither column {either}",
                f"export the {stream.label} with {' or '.join(repr(n) for n in group)}: without it no record says "
                "whether it succeeded",
            )

    # One scan counts every problem; only a file that has one pays for locating the first bad record.
    select_exprs: list[str] = []
    checks: list[tuple[Column, str, str]] = []  # (column, problem condition, value expression)
    for column in stream.columns:
        if column.name not in file_columns:
            select_exprs.append(f"cast(null as {column.type}) as {column.name}")
            continue
        raw = _as_text(file_columns[column.name], types[file_columns[column.name]])
        text = f"nullif(trim({raw}), '')"
        if column.key:
            checks.append((column, f"{text} is null", "null"))
        if column.type == "VARCHAR":  # kept exactly as exported: whitespace and case are dbt's job
            if column.pattern:
                pattern = column.pattern.replace("'", "''")
                checks.append((column, f"{text} is not null and not regexp_full_match({text}, '{pattern}')", text))
            select_exprs.append(f"{raw} as {column.name}")
            continue
        checks.append((column, f"{text} is not null and try_cast({text} as {column.type}) is null", text))
        select_exprs.append(f"try_cast({text} as {column.type}) as {column.name}")

    counts = warehouse.query(
        "select count(*)"
        + "".join(f", count(*) filter (where {condition})" for _, condition, _ in checks)
        + f" from {_STAGE}"
    )[0]
    row_count = int(counts[0])
    for (column, condition, value_expr), problems in zip(checks, counts[1:], strict=True):
        if problems:
            _raise_first_problem(warehouse, stream, item, readable, envelope, column, condition, value_expr)

    target_cols = [c.name for c in stream.columns] + ["_airbyte_raw_id", "_airbyte_extracted_at"]
    # the same record of the same file gets the same id in every project: no tie is ever broken at random
    select_exprs += ["md5(? || to_json(_tapestry_record)::varchar)", "cast(? as timestamptz)"]
    warehouse.execute(
        f"insert into {stream.table} ({', '.join(target_cols)}) "
        f"select {', '.join(select_exprs)} from {_STAGE} as _tapestry_record",
        [item.sha256, extracted_at],
    )
    return row_count


_FRACTIONAL = ("FLOAT", "DOUBLE", "REAL", "DECIMAL")


def _as_text(column: str, type_: str) -> str:
    """A column as the text it was exported as. A whole number a typed file (Parquet, JSON) holds as a float,
    as pandas writes an integer column with gaps, is written without its `.0`: an API's amount in cents
    (1250.0) stays 1250, a phone 3035550111.0 stays 3035550111. A JSON field that is a number in one record and
    a string in another is written as the number or the string, not as JSON."""
    quoted = _quote(column)
    if type_ == "JSON":  # a field whose values differ in type from record to record: a string without quotes
        return f"json_extract_string({quoted}, '$')"
    if not type_.startswith(_FRACTIONAL):
        return f"cast({quoted} as varchar)"
    return (
        f"case when {quoted} = trunc({quoted}) and abs({quoted}) < 1e15 "
        f"then cast(cast({quoted} as bigint) as varchar) else cast({quoted} as varchar) end"
    )


def _raise_first_problem(
    warehouse: Warehouse,
    stream: Stream,
    item: InputFile,
    readable: Path,
    envelope: str | None,
    column: Column,
    condition: str,
    value_expr: str,
) -> None:
    """Name the first bad record in file order, by its line (its record number in a JSON array or Parquet)."""
    fmt = file_format(item.path)
    # The stage's rows are in no particular order (preserve_insertion_order is off for speed); this rare
    # path reads the file again in order.
    warehouse.execute("set preserve_insertion_order = true")
    try:
        record, value = warehouse.query(
            f"select _tapestry_record, {value_expr} from (select row_number() over () as _tapestry_record, * "
            f"from ({_records_sql(fmt, readable, envelope)})) where {condition} order by _tapestry_record limit 1",
            [str(readable)],
        )[0]
    finally:
        warehouse.execute("set preserve_insertion_order = false")
    where = f"record {record} of its '{envelope}' list" if envelope else locate(readable, fmt, int(record))
    if value is None:
        raise IngestError(
            f"{item.path}: column '{column.name}' is empty on {where}",
            f"every {stream.label} record needs a value in '{column.name}'; correct the file or re-export it",
        )
    raise IngestError(
        f"{item.path}: column '{column.name}' has {clip(str(value), 40)!r} on {where}, "
        f"which is not a {column.pattern_label or TYPE_LABELS.get(column.type, column.type.lower())}",
        f"correct the value or re-export the {stream.label}",
    )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
