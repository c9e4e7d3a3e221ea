"""What a source plugin is: its settings model and the raw streams it lands in the warehouse."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field

from tapestry.core.settings import Strict
from tapestry.engines.ingest.streams import Stream


def _known_encoding(value: str) -> str:
    import codecs

    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(f"unknown encoding {value!r} (e.g. utf-8, latin-1, cp1252, utf-16)") from None
    return value


Encoding = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_known_encoding)]


class SourceConfig(Strict):
    """Settings every source has; a plugin subclasses it with its own (credentials, options).

    The key a source has under `sources:` is the raw schema its streams land in (Airbyte's namespace).
    """

    type: str
    files: list[str] = Field(default_factory=list, description="Local target: paths or globs, relative to the project")
    encoding: Encoding = "utf-8"  # of the export files (CSV, JSON): others are converted to UTF-8 when loaded

    def cloud_missing(self) -> list[str]:
        """Settings the aws target needs (Airbyte connects with them) that are not set."""
        return []


@dataclass(frozen=True)
class SourcePlugin:
    type: str  # the `type:` that selects this plugin
    label: str  # what the source holds, for messages ("Zoom webinar registrants")
    config_model: builtins.type[SourceConfig]
    streams: tuple[Stream, ...]  # raw tables as Airbyte lands them; local export files load into the same shape
