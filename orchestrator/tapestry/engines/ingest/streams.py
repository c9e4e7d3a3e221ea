"""Raw tables the way Airbyte lands them, so dbt staging is the same on both targets.

Column names are the stream's own field names, lower-cased (Airbyte upper-cases them on Snowflake;
unquoted identifiers in dbt match either), plus `_airbyte_raw_id` and `_airbyte_extracted_at`.
A stream also says how the tool's own export files look: which files belong to it (when a source has
several streams) and the other names its columns have in those exports.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

AIRBYTE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_airbyte_raw_id", "VARCHAR"),
    ("_airbyte_extracted_at", "TIMESTAMPTZ"),
)


def normalise_name(name: str) -> str:
    """`First Name` -> `first_name`, `FirstName` -> `firstname`: header spellings of the same field."""
    return re.sub(r"[^a-z0-9_]+", "_", name.strip().lower()).strip("_")


TYPE_LABELS = {"TIMESTAMPTZ": "timestamp", "BOOLEAN": "boolean (true/false)", "BIGINT": "whole number"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "VARCHAR"
    required: bool = False  # the file must have this column
    key: bool = False  # every record must have a value
    # Other spellings of the column in the tool's exports, normalised (`Contact ID` -> contact_id).
    aliases: tuple[str, ...] = ()
    # A text column's values must match this regular expression (whole value, after trimming), described to
    # the user as `pattern_label`: a value dbt could not read is refused at ingest, not turned into a null.
    pattern: str | None = None
    pattern_label: str = ""


@dataclass(frozen=True)
class Stream:
    source: str  # also the raw schema (Airbyte namespace)
    name: str
    label: str
    columns: tuple[Column, ...]
    # File names (globs, case-insensitive) of this stream's exports; they tell apart the files of a source
    # with several streams. Empty: any file (a source with one stream).
    file_names: tuple[str, ...] = field(default=())
    # Groups of columns of which a file must have at least one (Stripe charges: `status` or `paid`).
    required_any: tuple[tuple[str, ...], ...] = field(default=())

    @property
    def table(self) -> str:
        return f"{self.source}.{self.name}"

    def matches_file(self, file_name: str) -> bool:
        return not self.file_names or any(fnmatch.fnmatch(file_name.lower(), p.lower()) for p in self.file_names)

    def ddl(self) -> list[str]:
        cols = [f"{c.name} {c.type}" for c in self.columns]
        cols += [f"{name} {type_}" for name, type_ in AIRBYTE_COLUMNS]
        return [
            f"create schema if not exists {self.source}",
            f"create table if not exists {self.table} ({', '.join(cols)})",
            # a table created by an older version gets the columns added since (e.g. phones), empty
            *(f"alter table {self.table} add column if not exists {c.name} {c.type}" for c in self.columns),
        ]
