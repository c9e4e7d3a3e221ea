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
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tapestry.core.errors import IngestError, clip
from tapestry.engines.ingest.streams import normalise_name

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
            try:
                while chunk := raw.read(CHUNK):
                    try:
                        text = decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        line += chunk[: max(exc.start, 0)].count(b"\n")
                        raise
                    line += chunk.count(b"\n")
                    out.write(text)
                out.write(decoder.decode(b"", final=True))  # a file cut off inside a character fails here
            except UnicodeError as exc:  # also "UTF-16 stream does not start with BOM"
                reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
                raise IngestError(
                    f"{item.path} line {line}: not {item.encoding} text ({reason})",
                    f"set sources.{item.source}.encoding in tapestry.yml to the file's real encoding"
                    + (" (utf-16-le or utf-16-be when the file has no byte order mark)" if "BOM" in reason else ""),
                ) from None
            except (EOFError, OSError) as exc:  # gzip.BadGzipFile is an OSError
                raise IngestError(
                    f"{item.path}: cannot be read ({'the file ends too early' if isinstance(exc, EOFError) else exc})",
                    "download or export the file again (a .gz file must be gzip-compressed)",
                ) from None
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
        head = raw.read(4096)
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    # UTF-16 without a byte order mark: ASCII text has a zero byte after (LE) or before (BE) each letter
    if len(head) >= 64:
        odd, even = head[1::2].count(0), head[0::2].count(0)
        if odd > len(head) // 4 and even < odd // 8:
            return "utf-16-le"
        if even > len(head) // 4 and odd < even // 8:
            return "utf-16-be"
    return "cp1252"


def duckdb_reason(exc: BaseException) -> str:
    """The useful lines of a DuckDB reader error (it adds the reader's whole configuration)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    kept: list[str] = []
    for line in lines:
        if line.startswith(("Possible Solution", "file =", "Original Line", "LINE ")) or " = " in line:
            continue  # the reader's settings, and the SQL Tapestry ran: nothing the user can act on
        if not line.strip("^ "):
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
            guess = _guess(item.path)
        except (OSError, EOFError, gzip.BadGzipFile):
            bad, guess = None, ""
        if bad is None and guess.startswith("utf-16"):  # its zero bytes are valid UTF-8, but no text has them
            bad = (1, 0)
        if bad is not None:
            line, byte = bad
            name = item.path.name
            convert = (
                f"gunzip -c {name} | iconv -f {guess.upper()} -t UTF-8 | gzip > utf8-{name}"
                if name.lower().endswith(".gz")
                else f"iconv -f {guess.upper()} -t UTF-8 {name} > utf8-{name}"
            )
            return IngestError(
                f"{item.path} line {line}: not UTF-8 text (byte 0x{byte:02X}); the file is probably {guess}",
                f"convert it to UTF-8 ({convert}, then replace the file with it) or set "
                f"sources.{item.source}.encoding: {guess} in tapestry.yml",
            )
    if fmt == "jsonl":
        bad_json = _first_bad_json_line(item.path)
        if bad_json is not None:
            line_number, reason = bad_json
            return IngestError(
                f"{item.path} line {line_number}: not a JSON object ({reason})",
                f"correct that line, or re-export the {label} file (JSON lines: one object per line)",
            )
    fields = re.search(r"CSV Error on Line: (\d+).*?Expected Number of Columns: (\d+) Found: (\d+)", str(exc), re.S)
    if fmt == "csv" and fields:
        at, expected, found = fields.groups()
        # past the header's count, DuckDB stops counting: say "more", not a number
        count = (
            f"more fields than the header's {expected}"
            if int(found) > int(expected)
            else f"{found} fields where the header has {expected}"
        )
        return IngestError(
            f"{item.path} line {at}: {count}",
            "quote values that contain the delimiter (or a line break), or re-export the file",
        )
    return IngestError(
        f"{item.path}: cannot be read as {fmt.upper()} ({duckdb_reason(exc)})",
        f"re-export the {label} file, or give it the extension of its real format",
    )


def _first_bad_json_line(path: Path) -> tuple[int, str] | None:
    """The first line of a JSON lines file that is not a JSON object, and why (DuckDB's count is off by one)."""
    try:
        with _text(path) as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError as exc:
                    return number, clip(exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc), 80)
                if not isinstance(value, dict):
                    return number, f"a {type(value).__name__}, not an object"
    except (OSError, EOFError, UnicodeDecodeError):
        return None
    return None


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


def _delimiter(path: Path, header: str) -> str:
    return "\t" if ".tsv" in path.name.lower() else max(DELIMITERS, key=header.count)


def csv_header(path: Path) -> tuple[str, list[str]]:
    """The delimiter and the column names of a CSV file's header line (a name left empty gets its position)."""
    with _text(path) as handle:
        header = handle.readline()
    delimiter = _delimiter(path, header)
    names = next(csv.reader([header.rstrip("\r\n")], delimiter=delimiter), [])
    if not any(name.strip() for name in names):
        raise IngestError(f"{path}: has no header line (the file is empty)", "export the file again with its header")
    named = [name if name.strip() else f"column{i}" for i, name in enumerate(names, 1)]
    seen: dict[str, str] = {}
    for name in named:
        key = normalise_name(name)
        if key in seen:
            raise IngestError(
                f"{path}: column '{name}' appears twice in the header"
                + (f" (also as '{seen[key]}')" if seen[key] != name else ""),
                "remove or rename the duplicate column in the export",
            )
        seen[key] = name
    return delimiter, named


def _csv_line(path: Path, record: int) -> int:
    with _text(path) as handle:
        header = handle.readline()
        delimiter = _delimiter(path, header)
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
