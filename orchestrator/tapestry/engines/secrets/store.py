"""The secret store contract: where a target keeps `{secret: NAME}` values (never the project folder)."""

from __future__ import annotations

from typing import Protocol


class SecretStore(Protocol):
    @property
    def location(self) -> str:
        """Where the values live, for messages ("SSM Parameter Store under /tapestry/acme")."""

    def get(self, name: str) -> str | None: ...

    def put(self, name: str, value: str, description: str = "") -> bool:
        """Store a value; True when it changed (a rerun with the same value changes nothing)."""

    def delete(self, name: str) -> bool:
        """Remove a value; True when there was one."""

    def names(self) -> list[str]:
        """Stored names (never values)."""
