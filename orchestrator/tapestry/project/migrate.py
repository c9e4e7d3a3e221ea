"""Migrate `tapestry.yml` data between schema versions (pure functions on the parsed YAML).

Version 1 (one pipeline): `sources: {zoom: {...}, salesforce: {...}}` without types and one `sync:` with a
`mailchimp:` block. Version 2: `sources:` name -> `{type, ...}` and `syncs:` a list, each with a
`destination: {type, ...}`. Nothing a version 1 project relied on changes meaning: the same sources, the
same model, list, mapping and mode, and the same sync state (kept under the Mailchimp list id).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tapestry.core.errors import ConfigError

CURRENT = 2
# In this order: on equal update times the source listed first wins, as Salesforce did in version 1.
V1_SOURCES = ("salesforce", "zoom")
V1_SENDING_KNOBS = ("concurrency", "bulk_threshold", "batch_size")
V1_SYNC_NAME = "mailchimp"


def version_of(data: dict[str, Any]) -> Any:
    """The schema version a file declares; an undeclared one is 2 when it is written in version 2's shape."""
    if "schema_version" in data:
        return data["schema_version"]
    sources = data.get("sources")
    typed = isinstance(sources, dict) and any(isinstance(s, dict) and "type" in s for s in sources.values())
    return CURRENT if "syncs" in data or typed else 1


def migrate(data: dict[str, Any], origin: str) -> dict[str, Any]:
    """Data at the current schema version (a copy; `data` is not changed)."""
    version = version_of(data)
    if version == CURRENT:
        return data
    if version == 1:
        return v1_to_v2(data)
    raise ConfigError(
        f"{origin}: schema_version {version!r} is not one this Tapestry reads (1 or {CURRENT})",
        "upgrade Tapestry, or correct schema_version",
    )


def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"schema_version": CURRENT}
    for key, value in data.items():
        if key == "schema_version":
            continue
        if key == "sources":
            out["sources"] = _sources(value)
        elif key == "sync":
            out["syncs"] = [_sync(value)]
        else:
            out[key] = value
    infrastructure_only = data.get("template") == "blank"
    if "sources" not in data and not infrastructure_only:
        out["sources"] = _sources({})  # version 1 always had both sources
    if "sync" not in data and not infrastructure_only:
        out["syncs"] = [_sync({})]  # and one sync, with its defaults
    return out


def _sources(value: Any) -> Any:
    if not isinstance(value, dict):
        return value  # let validation name the problem
    sources = {name: {"type": name} for name in V1_SOURCES}
    for name, settings in value.items():
        sources[name] = {"type": name, **settings} if isinstance(settings, dict) else settings
    return sources


def _sync(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    settings = dict(value)
    destination: dict[str, Any] = {"type": "mailchimp"}
    mailchimp = settings.pop("mailchimp", None)
    if isinstance(mailchimp, dict):
        destination.update(mailchimp)
    elif mailchimp is not None:
        destination["mailchimp"] = mailchimp  # refused by validation, with its name
    for knob in V1_SENDING_KNOBS:
        if knob in settings:
            destination[knob] = settings.pop(knob)
    mapping = settings.pop("mapping", None)
    sync: dict[str, Any] = {"name": V1_SYNC_NAME, "model": settings.pop("model", "mailchimp_audience")}
    sync.update(settings)  # enabled, mode (and anything unknown, which validation names)
    sync["destination"] = destination
    if mapping is not None:
        sync["mapping"] = mapping
    return sync


def upgrade_file(path: Path) -> Path | None:
    """Rewrite a version 1 `tapestry.yml` at the current version, keeping the original next to it.

    Returns the backup's path, or None when the file is already current (nothing is written then). The new
    file is validated before anything is written; only the file changes (no state, no warehouse).
    """
    import yaml

    from tapestry.core.fs import atomic_write_text
    from tapestry.core.yamlfile import read_yaml_file
    from tapestry.project.config import parse_config

    data = read_yaml_file(path)
    parse_config(data, str(path))  # nothing is written for a file that does not validate
    if version_of(data) == CURRENT:
        return None
    upgraded = migrate(data, str(path))
    backup = path.with_name(f"{path.name}.v{version_of(data)}.bak")
    atomic_write_text(backup, path.read_text(encoding="utf-8"), mode=path.stat().st_mode & 0o777)
    header = (
        f"# Upgraded from schema_version {version_of(data)} by `tapestry upgrade`; the original is {backup.name}.\n"
        '# Reference: README.md, section "Configuration reference".\n'
    )
    text = header + yaml.safe_dump(upgraded, sort_keys=False, allow_unicode=True, width=110)
    atomic_write_text(path, text, mode=path.stat().st_mode & 0o777)
    return backup


def v1_path(problem: str) -> str:
    """A problem found in migrated data, with the setting's path as a version 1 file spells it."""
    path, sep, rest = problem.partition(": ")
    prefix = "syncs[0]"
    if not path.startswith(prefix):
        return problem
    tail = path[len(prefix) :].lstrip(".")
    if tail.startswith("destination"):
        knob = tail[len("destination") :].lstrip(".")
        head = knob.split(".", 1)[0].split("[", 1)[0]
        tail = knob if head in V1_SENDING_KNOBS else "mailchimp" + (f".{knob}" if knob else "")
    return f"sync{'.' + tail if tail else ''}{sep}{rest}"
