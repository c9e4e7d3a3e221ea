"""What a source plugin is: everything Tapestry knows about one kind of source, in one package.

- its settings model (`SourceConfig` subclass), validated under `sources.<name>` in tapestry.yml;
- the raw streams it lands (columns, keys) and how the tool's own export files look (which files belong to
  which stream, other spellings of the columns): the local target loads those files into the same tables;
- its Airbyte connector: the connector's type and definition id, the configuration built from the
  settings and secrets, and the streams a connection syncs (sync mode, cursor, primary key);
- its credential check, run by `tapestry doctor` on the aws target;
- its dbt models (a `dbt/` folder laid over the project's dbt project): the staging models of its streams
  and one people-shaped model, `int_<type>__people`, that the union of people reads.

The name a source has under `sources:` is its raw schema everywhere: the DuckDB schema, Airbyte's
namespace and the Snowflake schema (upper-cased). This module stays light: no client, no SDK.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from tapestry.core.settings import SecretRef, Strict
from tapestry.engines.ingest.streams import Stream

#: Reads a secret the settings reference (SSM or the environment); None when it is not set.
SecretLookup = Callable[[SecretRef], str | None]

#: The people contract: the columns every source's people model has, in this order (the union of people
#: selects them; dbt_project/macros/people.sql has the same list with types, docs/architecture.md the meaning).
PEOPLE_COLUMNS = (
    "source_record_id",  # unique within the source, as the tool writes it
    "source_record_key",  # the id in one spelling for every way the tool writes it (identity's source_id rule)
    "email_raw",  # the e-mail exactly as the tool holds it (null when none)
    "phone_raw",  # the main phone as the tool holds it, any format (null when the source has none)
    "mobile_phone_raw",  # a second phone (null when the source has none)
    "first_name",  # trimmed, empty as null
    "last_name",
    "first_seen_at",  # when the person first appeared in this record
    "updated_at",  # when the record last changed (survivorship: the most recent value wins)
)


def _known_encoding(value: str) -> str:
    import codecs

    try:
        info = codecs.lookup(value)
    except LookupError:
        raise ValueError(f"unknown encoding {value!r} (e.g. utf-8, latin-1, cp1252, utf-16)") from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib: codecs, but not of text files
        raise ValueError(f"{value!r} is not a text encoding (e.g. utf-8, latin-1, cp1252, utf-16)")
    return value


Encoding = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_known_encoding)]
FilePatterns = list[Annotated[str, Field(min_length=1)]]


class SourceConfig(Strict):
    """Settings every source has; a plugin subclasses it with its own (credentials, options).

    The key a source has under `sources:` is the raw schema its streams land in (Airbyte's namespace).
    """

    type: str
    # Local target: paths or globs, relative to the project. A list: each file goes to the stream whose
    # file names it matches (any file, for a source with one stream). A mapping: stream -> paths.
    files: FilePatterns | dict[str, FilePatterns] = Field(default_factory=list)
    encoding: Encoding = "utf-8"  # of the export files (CSV, JSON): others are converted to UTF-8 when loaded

    def cloud_missing(self) -> list[str]:
        """Settings the aws target needs (Airbyte connects with them) that are not set."""
        return []

    def file_patterns(self) -> list[str]:
        """Every configured path or glob, whichever form `files` has."""
        if isinstance(self.files, dict):
            return [pattern for patterns in self.files.values() for pattern in patterns]
        return list(self.files)


@dataclass(frozen=True)
class AirbyteStream:
    """One stream of a connection: its name in the connector's catalog and how it syncs."""

    name: str
    sync_mode: str  # ConnectionSyncModeEnum: full_refresh_overwrite, incremental_deduped_history, ...
    cursor: tuple[str, ...] = ()  # cursorField, for an incremental mode the source does not define
    primary_key: tuple[tuple[str, ...], ...] = ()  # for a deduped mode

    def payload(self) -> dict[str, Any]:
        """The StreamConfiguration of Airbyte's public API."""
        body: dict[str, Any] = {"name": self.name, "syncMode": self.sync_mode}
        if self.cursor:
            body["cursorField"] = list(self.cursor)
        if self.primary_key:
            body["primaryKey"] = [list(key) for key in self.primary_key]
        return body


@dataclass(frozen=True)
class AirbyteConnector:
    """The Airbyte source connector a plugin configures on the aws target."""

    source_type: str  # `configuration.sourceType` in the public API: selects the connector
    definition_id: str  # the connector's definition id (its metadata.yaml)
    # settings + secret lookup -> the connector's configuration (its connectionSpecification; no sourceType)
    configuration: Callable[[Any, SecretLookup], dict[str, Any]]
    streams: tuple[AirbyteStream, ...]  # always named: an empty list would select every stream


@dataclass(frozen=True)
class CredentialCheck:
    """Checks a source's credentials the way Airbyte will use them, without moving any data.

    `run(settings, secrets)` returns what it found (e.g. the scopes granted), None when the settings are not
    complete enough to check, or raises with the tool's reason (never a secret)."""

    run: Callable[[Any, SecretLookup], str | None]
    fix: str  # what to check when it fails


@dataclass(frozen=True)
class SourcePlugin:
    type: str  # the `type:` that selects this plugin
    label: str  # what the source holds, for messages ("Zoom webinar registrants")
    config_model: builtins.type[SourceConfig]
    streams: tuple[Stream, ...]  # raw tables as Airbyte lands them; local export files load into the same shape
    airbyte: AirbyteConnector | None = None  # None: local target only
    credentials: CredentialCheck | None = None
    # Laid over the project's dbt project (missing files only): models/staging/<type>/ and the people model.
    dbt_dir: Path | None = field(default=None)

    @property
    def people_model(self) -> str:
        """The dbt model with this source's people in the union's shape (PEOPLE_COLUMNS)."""
        return f"int_{self.type}__people"

    def streams_of(self, name: str) -> tuple[Stream, ...]:
        """The streams as the source named `name` lands them: in the schema of that name."""
        return tuple(replace(stream, source=name) for stream in self.streams)


def raw_schema(name: str) -> str:
    """The Snowflake schema (and Airbyte namespace) of the source named `name`."""
    return name.upper()
