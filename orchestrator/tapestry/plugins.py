"""Find source and destination plugins by their `type:`.

A plugin is a package: `tapestry.sources.<type>` or `tapestry.destinations.<type>` exposing `PLUGIN`, or any
installed distribution that registers one under the entry-point groups `tapestry.sources` /
`tapestry.destinations`. Nothing else names a plugin, so adding one touches no other file.
Plugin packages keep their top level light (settings models and specs); heavy clients load when used.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from tapestry.core.errors import ConfigError

if TYPE_CHECKING:
    from tapestry.destinations.base import DestinationPlugin
    from tapestry.sources.base import SourcePlugin

_KINDS = {"sources": "tapestry.sources", "destinations": "tapestry.destinations"}


@cache
def _discover(kind: str) -> dict[str, str]:
    """type -> module path, for every plugin of a kind (built-in packages, then entry points)."""
    package = importlib.import_module(_KINDS[kind])
    found = {
        info.name: f"{package.__name__}.{info.name}"
        for info in pkgutil.iter_modules(package.__path__)
        if info.ispkg and not info.name.startswith("_")
    }
    for entry in entry_points(group=_KINDS[kind]):
        found.setdefault(entry.name, entry.value.split(":", 1)[0])
    return dict(sorted(found.items()))


def _load(kind: str, type_: str) -> Any:
    modules = _discover(kind)
    if type_ not in modules:
        noun = kind[:-1]
        raise ConfigError(
            f"unknown {noun} type {type_!r}",
            f"use one of: {', '.join(modules) or '(none installed)'}",
        )
    plugin = getattr(importlib.import_module(modules[type_]), "PLUGIN", None)
    if plugin is None or getattr(plugin, "type", None) != type_:
        raise ConfigError(f"{modules[type_]} is not a Tapestry {kind[:-1]} plugin (no PLUGIN)", "reinstall it")
    return plugin


def source_types() -> list[str]:
    return list(_discover("sources"))


def destination_types() -> list[str]:
    return list(_discover("destinations"))


def source_plugin(type_: str) -> SourcePlugin:
    plugin: SourcePlugin = _load("sources", type_)
    return plugin


def destination_plugin(type_: str) -> DestinationPlugin:
    plugin: DestinationPlugin = _load("destinations", type_)
    return plugin
