"""A per-user secret store for the local target: one JSON file per project, mode 0600, kept outside
the project folder (`$XDG_CONFIG_HOME/tapestry/secrets/<project>.json`)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tapestry.core.errors import ConfigError
from tapestry.core.fs import atomic_write_text

_NAME = re.compile(r"^[A-Za-z0-9_./-]{1,128}$")


def store_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tapestry" / "secrets"


class LocalSecretStore:
    def __init__(self, project: str, directory: Path | None = None) -> None:
        self.path = (directory or store_dir()) / f"{project}.json"

    def _read(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        mode = self.path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ConfigError(
                f"secret store {self.path} is readable by other users (mode {mode:o})",
                f"run: chmod 600 {self.path}",
            )
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad JSON, or not UTF-8 at all
            raise ConfigError(
                f"secret store {self.path} is unreadable ({type(exc).__name__})", "delete it and set the secrets again"
            ) from None
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    @property
    def location(self) -> str:
        return f"the local secret store ({self.path})"

    def get(self, name: str) -> str | None:
        return self._read().get(name)

    def names(self) -> list[str]:
        return sorted(self._read())

    def put(self, name: str, value: str, description: str = "") -> bool:
        """Store a value (mode 0600, atomically); True when it changed."""
        if not _NAME.match(name):
            raise ConfigError(f"secret name {name!r} is not allowed", "use letters, digits, . _ / -")
        if not value:
            raise ConfigError(f"secret {name} is empty", "give a value")
        data = self._read()
        if data.get(name) == value:
            return False
        data[name] = value
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write_text(self.path, json.dumps(data, indent=2) + "\n", mode=0o600)
        return True

    def delete(self, name: str) -> bool:
        data = self._read()
        if name not in data:
            return False
        del data[name]
        atomic_write_text(self.path, json.dumps(data, indent=2) + "\n", mode=0o600)
        return True
