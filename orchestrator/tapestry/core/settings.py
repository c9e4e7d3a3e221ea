"""Building blocks of every settings model: strict models and secret references.

Plugins (sources, destinations) define their settings with these, so `tapestry.yml` is validated the same
way everywhere: unknown keys are refused, and secrets are only ever referenced, never written.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

SECRET_WORDS = re.compile(r"(api_?key|password|secret|token|private_key)$", re.IGNORECASE)
SLUG = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(Strict):
    """Where a secret comes from: an environment variable or the secret store. Never the value."""

    env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    secret: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_./-]+$")

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.secret is None):
            raise ValueError("give exactly one of `env: VARIABLE_NAME` or `secret: NAME`")
        return self

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"secret store entry '{self.secret}'"


def find_secret_values(data: Any, path: str = "") -> list[str]:
    """Keys that look like secrets but hold a plain value: settings may only reference secrets."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            is_reference_field = key in {"env", "secret"}  # the `{env: ...}` / `{secret: ...}` reference itself
            if SECRET_WORDS.search(str(key)) and not is_reference_field and isinstance(value, str | int):
                found.append(where)
            found += find_secret_values(value, where)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += find_secret_values(value, f"{path}[{i}]")
    return found


def secret_refs(value: Any, path: str = "") -> list[tuple[str, SecretRef]]:
    """(setting path, reference) for every secret reference inside a settings model."""
    if isinstance(value, SecretRef):
        return [(path, value)]
    found: list[tuple[str, SecretRef]] = []
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            found += secret_refs(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, dict):
        for key, item in value.items():
            found += secret_refs(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found += secret_refs(item, f"{path}[{i}]")
    return found
