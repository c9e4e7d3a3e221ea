"""Where a `{secret: NAME}` / `{env: NAME}` reference is resolved, per target.

local: the environment, then the per-user store outside the project (`tapestry secrets set`).
aws:   values given to this command (kickstart answers), then `TAPESTRY_SECRET_<NAME>` variables (how ECS
       injects SSM parameters into the runner task), then SSM Parameter Store under the project's path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from tapestry.core.errors import ConfigError
from tapestry.engines.secrets.local_store import LocalSecretStore
from tapestry.project.config import ProjectConfig, SecretRef


def secret_env_name(name: str) -> str:
    """`snowflake/syncer_private_key` -> `TAPESTRY_SECRET_SNOWFLAKE__SYNCER_PRIVATE_KEY`."""
    return "TAPESTRY_SECRET_" + re.sub(r"[^A-Z0-9_]", "_", name.upper().replace("/", "__"))


def referenced_secrets(config: ProjectConfig) -> Iterator[tuple[str, SecretRef]]:
    """(setting path, reference) for every secret the configuration uses (a disabled sync uses none)."""

    def walk(value: Any, path: str) -> Iterator[tuple[str, SecretRef]]:
        if isinstance(value, SecretRef):
            yield path, value
        elif hasattr(value, "model_fields"):
            for name in type(value).model_fields:
                yield from walk(getattr(value, name), f"{path}.{name}" if path else name)

    for path, ref in walk(config, ""):
        if path.startswith("sync.") and not config.sync.enabled:
            continue
        yield path, ref


class SecretResolver:
    def __init__(self, config: ProjectConfig, store: Any = None, provided: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.store = store  # SsmSecretStore on the aws target
        self.provided = dict(provided or {})

    def get(self, ref: SecretRef) -> str | None:
        if ref.env:
            return os.environ.get(ref.env) or None
        assert ref.secret is not None
        name = ref.secret
        if name in self.provided:
            return self.provided[name]
        if self.config.target == "local":
            return LocalSecretStore(self.config.project).get(name)
        injected = os.environ.get(secret_env_name(name))
        if injected:
            return injected
        return self.store.get(name) if self.store is not None else None

    def require(self, ref: SecretRef, what: str) -> str:
        value = self.get(ref)
        if value:
            return value
        if ref.env:
            raise ConfigError(f"{what}: environment variable {ref.env} is not set", f"export {ref.env}=...")
        where = "SSM Parameter Store" if self.config.target == "aws" else "the local secret store"
        raise ConfigError(
            f"{what}: secret {ref.secret!r} is not in {where}",
            f"run `tapestry secrets set {ref.secret}` (or rerun the kickstart with that answer)",
        )
