"""The project's sources, resolved to their plugins: raw streams, export files, dbt models and vars, and
Airbyte payloads. Nothing here names a source: everything comes from `sources:` and the plugins."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tapestry.core.errors import ConfigError, IngestError, ProjectError
from tapestry.core.progress import Reporter
from tapestry.engines.ingest.streams import Stream
from tapestry.plugins import source_plugin
from tapestry.project.config import ProjectConfig
from tapestry.sources.base import SecretLookup, SourceConfig, SourcePlugin, raw_schema


def source_plugins(config: ProjectConfig) -> dict[str, SourcePlugin]:
    """Source name -> its plugin, in the order of tapestry.yml."""
    return {name: source_plugin(source.type) for name, source in config.sources.items()}


def source_streams(config: ProjectConfig) -> dict[str, Stream]:
    """Raw table (`<source name>.<stream>`) -> its stream, for every stream of every source."""
    return {
        stream.table: stream for name, plugin in source_plugins(config).items() for stream in plugin.streams_of(name)
    }


# -- local export files -------------------------------------------------------------------------------------


def file_patterns_by_stream(source: SourceConfig) -> list[tuple[str | None, str]]:
    """(stream or None, path or glob) for each configured pattern; None: the file's name decides."""
    if isinstance(source.files, dict):
        return [(stream, pattern) for stream, patterns in source.files.items() for pattern in patterns]
    return [(None, pattern) for pattern in source.files]


def stream_of_file(name: str, plugin: SourcePlugin, path: Path, stream_name: str | None) -> Stream:
    """The stream an export file of source `name` loads into: the one named in `files:`, the source's only
    stream, or the one whose file names it matches."""
    streams = plugin.streams_of(name)
    if stream_name is not None:
        return next(s for s in streams if s.name == stream_name)  # validated with the config
    if len(streams) == 1:
        return streams[0]
    matching = [s for s in streams if s.matches_file(path.name)]
    if len(matching) == 1:
        return matching[0]
    shapes = "; ".join(f"{s.name}: {', '.join(s.file_names) or 'any name'}" for s in streams)
    found = "several of its streams" if matching else "none of its streams"
    raise IngestError(
        f"{path}: the name matches {found} of {plugin.label} ({shapes})",
        f"rename the file, or list the files per stream: sources.{name}.files: "
        f"{{{streams[0].name}: [...], {streams[-1].name}: [...]}}",
    )


# -- dbt ----------------------------------------------------------------------------------------------------


def dbt_sources_var(config: ProjectConfig, schema: Callable[[str], str] = lambda name: name) -> dict[str, Any]:
    """The dbt var `tapestry_sources`: {type: {name, schema, people_model}}, in the order of tapestry.yml.
    `schema(name)` is the raw schema of a source on the target (upper-cased on Snowflake)."""
    return {
        plugin.type: {"name": name, "schema": schema(name), "people_model": plugin.people_model}
        for name, plugin in source_plugins(config).items()
    }


def dbt_project_vars(config: ProjectConfig, schema: Callable[[str], str] = lambda name: name) -> dict[str, Any]:
    """The dbt vars every target passes: the project's sources (`tapestry_sources`) and its `identity` rules."""
    return {"tapestry_sources": dbt_sources_var(config, schema), "identity": config.identity_vars()}


def add_source_models(dbt_project: Path, config: ProjectConfig) -> dict[str, list[str]]:
    """Copy into the project's dbt project the models of its sources' plugins that it does not have yet.

    A file that exists is never touched (the user may have edited it), so this only ever adds: the models of
    a source added to tapestry.yml since `tapestry init`, or of a plugin that gained a model. Returns the
    paths added (relative to the dbt project) per source type that added any."""
    from tapestry.engines.transform.dbt_files import copy_missing

    added: dict[str, list[str]] = {}
    for plugin in {plugin.type: plugin for plugin in source_plugins(config).values()}.values():
        if plugin.dbt_dir is None:
            continue
        if not plugin.dbt_dir.is_dir():
            raise ConfigError(
                f"source plugin {plugin.type}: its dbt folder {plugin.dbt_dir} is missing", "reinstall it"
            )
        try:
            copied = copy_missing(plugin.dbt_dir, dbt_project)
        except OSError as exc:
            raise ProjectError(
                f"cannot add the dbt models of source type {plugin.type} to {dbt_project} ({exc.strerror})",
                f"make {dbt_project} writable, or copy {plugin.dbt_dir} into it yourself",
            ) from None
        if copied:
            added[plugin.type] = copied
    return added


def announce_added_models(reporter: Reporter, added: dict[str, list[str]]) -> None:
    for type_, paths in added.items():
        reporter.info(
            f"dbt_project: added the models of source type {type_} ({', '.join(paths)}); "
            "they are yours to edit from now on"
        )


# -- Airbyte ------------------------------------------------------------------------------------------------


def airbyte_name(project: str, source_name: str) -> str:
    """The name of a source's Airbyte source and connection."""
    return f"{project}-{source_name}"


def airbyte_sources(config: ProjectConfig, secret: SecretLookup) -> list[dict[str, Any]]:
    """Each source's Airbyte source, `{name, configuration}` with `sourceType`, secrets resolved (in memory)."""
    payloads = []
    for name, plugin in source_plugins(config).items():
        connector = _connector(name, plugin)
        configuration = connector.configuration(config.sources[name], secret)
        payloads.append(
            {
                "name": airbyte_name(config.project, name),
                "configuration": {"sourceType": connector.source_type, **configuration},
            }
        )
    return payloads


def airbyte_connections(config: ProjectConfig) -> list[dict[str, Any]]:
    """Each source's connection: its streams, landing in the namespace named after the source. Schedules are
    manual: the ECS runner triggers them, then runs dbt and the syncs, in one ordered run."""
    return [
        {
            "name": airbyte_name(config.project, name),
            "source": airbyte_name(config.project, name),
            "namespace_format": raw_schema(name),
            "streams": [stream.payload() for stream in _connector(name, plugin).streams],
        }
        for name, plugin in source_plugins(config).items()
    ]


def _connector(name: str, plugin: SourcePlugin) -> Any:
    if plugin.airbyte is None:
        raise ConfigError(
            f"source {name} (type {plugin.type}) has no Airbyte connector: it loads export files on target local only",
            f"remove sources.{name} from this aws project, or use a source type Airbyte can sync",
        )
    return plugin.airbyte
