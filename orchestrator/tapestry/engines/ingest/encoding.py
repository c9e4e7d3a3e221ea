"""Export files in other encodings than UTF-8, and errors that point at the line a user must fix.

DuckDB reads UTF-8. A source whose exports use another encoding (`sources.<name>.encoding`, e.g. latin-1,
cp1252 or utf-16) is converted to a temporary UTF-8 copy first, streamed, so memory stays flat. A file that
is not UTF-8 while the source says it is fails with the line of the first bad byte and how to fix it.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tapestry.core.errors import IngestError, clip

if TYPE_CHECKING:
    from tapestry.engines.ingest.files import InputFile

CHUNK = 1 << 20
DELIMITERS = (",", "\t", ";", "|")


def canonical(encoding: str) -> str:
    """Python's name for an encoding (`latin1` -> `iso8859-1`); ValueError when unknown."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r} (try utf-8, latin-1, cp1252 or utf-16)") from None


def _open_bytes(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile is a binary file
    return path.open("rb")


@contextmanager
def as_utf8(item: InputFile, fmt: str) -> Iterator[Path]:
    """The file itself when it is UTF-8 (or Parquet), else a temporary UTF-8 copy, removed afterwards."""
    if fmt == "parquet" or canonical(item.encoding) == "utf-8":
        yield item.path
        return
    fd, name = tempfile.mkstemp(prefix="tapestry-utf8-", suffix=f".{fmt}")
    copy = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out, _open_bytes(item.path) as raw:
            decoder = codecs.getincrementaldecoder(item.encoding)()
            line = 1
            while chunk := raw.read(CHUNK):
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    line += chunk[: max(exc.start, 0)].count(b"\n")
                    raise IngestError(
                        f"{item.path} line {line}: not {item.encoding} text",
                        f"set sources.{item.source}.encoding in tapestry.yml to the file's real encoding",
                    ) from None
                line += chunk.count(b"\n")
                out.write(text)
            out.write(decoder.decode(b"", final=True))
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def first_non_utf8(path: Path) -> tuple[int, int] | None:
    """(line, byte value) of the first byte that is not valid UTF-8, or None when the file is UTF-8."""
    line = 1
    pending = b""
    with _open_bytes(path) as raw:
        while chunk := raw.read(CHUNK):
            data = pending + chunk
            try:
                data.decode("utf-8")
                pending = b""
            except UnicodeDecodeError as exc:
                if exc.reason == "unexpected end of data" and exc.end == len(data):
                    good, pending = data[: exc.start], data[exc.start :]  # a character split by the chunk
                    line += good.count(b"\n")
                    continue
                return line + data[: exc.start].count(b"\n"), data[exc.start]
            line += data.count(b"\n")
    if pending:
        return line + pending.count(b"\n"), pending[0]
    return None


def _guess(path: Path) -> str:
    with _open_bytes(path) as raw:
        head = raw.read(4)
    return "utf-16" if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "cp1252"


def duckdb_reason(exc: BaseException) -> str:
    """The useful lines of a DuckDB reader error (it adds the reader's whole configuration)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    kept: list[str] = []
    for line in lines:
        if line.startswith(("Possible Solution", "file =", "Original Line")) or " = " in line:
            continue
        kept.append(line.split("Error: ", 1)[-1] if not kept else line)
        if len(kept) == 2:
            break
    return clip("; ".join(kept) or type(exc).__name__, 300)


def unreadable(item: InputFile, fmt: str, label: str, exc: BaseException) -> IngestError:
    """Why a file cannot be read: not UTF-8 (with the line and the fix), or the reader's own reason."""
    if fmt != "parquet" and canonical(item.encoding) == "utf-8":
        try:
            bad = first_non_utf8(item.path)
        except (OSError, EOFError, gzip.BadGzipFile):
            bad = None
        if bad is not None:
            line, byte = bad
            guess = _guess(item.path)
            return IngestError(
                f"{item.path} line {line}: not UTF-8 text (byte 0x{byte:02X}); the file is probably {guess}",
                f"convert it to UTF-8 (iconv -f {guess.upper()} -t UTF-8 {item.path.name} > utf8-{item.path.name}, "
                f"then replace the file with it) or set sources.{item.source}.encoding: {guess} in tapestry.yml",
            )
    return IngestError(
        f"{item.path}: cannot be read as {fmt.upper()} ({duckdb_reason(exc)})",
        f"re-export the {label} file, or give it the extension of its real format",
    )


def locate(path: Path, fmt: str, record: int) -> str:
    """Where record number `record` (1-based, in file order) is, as a user finds it in an editor."""
    try:
        if fmt == "csv":
            return f"line {_csv_line(path, record)}"
        if fmt == "jsonl":
            return f"line {_jsonl_line(path, record)}"
    except (OSError, csv.Error, UnicodeDecodeError, EOFError):
        pass
    return f"row {record}" if fmt == "parquet" else f"record {record}"


def _text(path: Path) -> IO[str]:
    return io.TextIOWrapper(_open_bytes(path), encoding="utf-8-sig", newline="")


def _csv_line(path: Path, record: int) -> int:
    with _text(path) as handle:
        header = handle.readline()
        delimiter = "\t" if ".tsv" in path.name.lower() else max(DELIMITERS, key=header.count)
        reader = csv.reader(handle, delimiter=delimiter)
        previous_end = 1  # the header's line
        seen = 0
        for row in reader:
            start = previous_end + 1
            previous_end = reader.line_num + 1
            if not row or (len(row) == 1 and not row[0]):
                continue  # a blank line is no record
            seen += 1
            if seen == record:
                return start
    raise csv.Error("record not found")


def _jsonl_line(path: Path, record: int) -> int:
    seen = 0
    with _text(path) as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                seen += 1
                if seen == record:
                    return number
    raise csv.Error("record not found")
