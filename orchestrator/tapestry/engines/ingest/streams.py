"""Raw tables the way Airbyte lands them, so dbt staging is the same on both targets.

Column names are the stream's own field names, lower-cased (Airbyte upper-cases them on Snowflake;
unquoted identifiers in dbt match either), plus `_airbyte_raw_id` and `_airbyte_extracted_at`.
"""

from __future__ import annotations

from dataclasses import dataclass

AIRBYTE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_airbyte_raw_id", "VARCHAR"),
    ("_airbyte_extracted_at", "TIMESTAMPTZ"),
)

TYPE_LABELS = {"TIMESTAMPTZ": "timestamp", "BOOLEAN": "boolean (true/false)", "BIGINT": "whole number"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "VARCHAR"
    required: bool = False  # the file must have this column
    key: bool = False  # every record must have a value


@dataclass(frozen=True)
class Stream:
    source: str  # also the raw schema (Airbyte namespace)
    name: str
    label: str
    columns: tuple[Column, ...]

    @property
    def table(self) -> str:
        return f"{self.source}.{self.name}"

    def ddl(self) -> list[str]:
        cols = [f"{c.name} {c.type}" for c in self.columns]
        cols += [f"{name} {type_}" for name, type_ in AIRBYTE_COLUMNS]
        return [
            f"create schema if not exists {self.source}",
            f"create table if not exists {self.table} ({', '.join(cols)})",
            # a table created by an older version gets the columns added since (e.g. phones), empty
            *(f"alter table {self.table} add column if not exists {c.name} {c.type}" for c in self.columns),
        ]
