"""The project's sources, resolved to their plugins."""

from __future__ import annotations

from dataclasses import replace

from tapestry.engines.ingest.streams import Stream
from tapestry.plugins import source_plugin
from tapestry.project.config import ProjectConfig


def source_streams(config: ProjectConfig) -> dict[str, Stream]:
    """Source name -> the raw stream its export files load into, in the schema named after the source."""
    streams: dict[str, Stream] = {}
    for name, source in config.sources.items():
        plugin = source_plugin(source.type)
        streams[name] = replace(plugin.streams[0], source=name)
    return streams
