"""Where a `{secret: NAME}` / `{env: NAME}` reference is resolved.

In order: the environment (`{env: NAME}`), values given to this command (kickstart answers),
`TAPESTRY_SECRET_<NAME>` variables (how ECS injects SSM parameters into the runner task), then the target's
secret store (a 0600 file outside the project on local, SSM Parameter Store on aws).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping

from tapestry.core.errors import ConfigError
from tapestry.core.settings import SecretRef, secret_refs
from tapestry.engines.secrets.store import SecretStore
from tapestry.project.config import ProjectConfig


def secret_env_name(name: str) -> str:
    """`snowflake/syncer_private_key` -> `TAPESTRY_SECRET_SNOWFLAKE__SYNCER_PRIVATE_KEY`."""
    return "TAPESTRY_SECRET_" + re.sub(r"[^A-Z0-9_]", "_", name.upper().replace("/", "__"))


def referenced_secrets(config: ProjectConfig) -> Iterator[tuple[str, SecretRef]]:
    """(setting path, reference) for every secret the configuration uses (a disabled sync uses none)."""
    disabled = {f"syncs[{i}]" for i, sync in enumerate(config.syncs) if not sync.enabled}
    for path, ref in secret_refs(config):
        if path.split(".", 1)[0] not in disabled:
            yield path, ref


class SecretResolver:
    def __init__(self, store: SecretStore, provided: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.provided = dict(provided or {})

    def get(self, ref: SecretRef) -> str | None:
        if ref.env:
            return os.environ.get(ref.env) or None
        assert ref.secret is not None
        name = ref.secret
        if name in self.provided:
            return self.provided[name]
        injected = os.environ.get(secret_env_name(name))
        if injected:
            return injected
        return self.store.get(name)

    def require(self, ref: SecretRef, what: str) -> str:
        value = self.get(ref)
        if value:
            return value
        if ref.env:
            raise ConfigError(f"{what}: environment variable {ref.env} is not set", f"export {ref.env}=...")
        raise ConfigError(
            f"{what}: secret {ref.secret!r} is not in {self.store.location}",
            f"run `tapestry secrets set {ref.secret}` (or rerun the kickstart with that answer)",
        )
