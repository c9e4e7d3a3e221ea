"""Lay folders of dbt files (a plugin's models, a template's) over a project's dbt project."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tapestry.core.fs import atomic_write_text

_SKIPPED = frozenset({"target", "logs", "dbt_packages", "__pycache__"})


def _files(folder: Path) -> list[Path]:
    """Every file under `folder`, relative to it, sorted; build folders and hidden files left out."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED and not d.startswith("."))
        found += [Path(root, n).relative_to(folder) for n in sorted(names) if not n.startswith(".")]
    return found


def copy_missing(source: Path, project: Path) -> list[str]:
    """Copy the files of `source` that `project` does not have (same relative path); never replace one.
    Returns the relative paths copied."""
    added = []
    for relative in _files(source):
        target = project / relative
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, (source / relative).read_text(encoding="utf-8"))
        added.append(relative.as_posix())
    return added


def overlay(source: Path, project: Path) -> list[str]:
    """Copy every file of `source` into `project`, replacing files of the same path (a template's models
    over the bundled ones, in a dbt project being created). Returns the relative paths written."""
    written = []
    for relative in _files(source):
        target = project / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, target)
        written.append(relative.as_posix())
    return written
