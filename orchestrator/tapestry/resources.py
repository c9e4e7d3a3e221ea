"""Locate the folders shipped with Tapestry (dbt project, kickstart templates, Terraform, docs).

In a wheel they live in `tapestry/_bundled/`; in a checkout they are at the repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_NAMES = ("dbt_project", "kickstart_templates", "terraform", "docs")


def bundled(name: str) -> Path:
    if name not in _NAMES:
        raise ValueError(f"unknown bundled resource {name!r}")
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Tapestry's {name}/ folder is missing from this installation; reinstall tapestry")
