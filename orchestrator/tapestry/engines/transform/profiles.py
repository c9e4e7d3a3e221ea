"""dbt profiles rendered by Tapestry, never read from the user's ~/.dbt.

Secrets stay out of the rendered file: a Snowflake profile refers to them with `env_var()`, and the
runner passes them through the environment of the dbt invocation only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROFILE_NAME = "tapestry"


@dataclass(frozen=True)
class DuckDBTarget:
    path: Path
    schema: str = "analytics"
    threads: int = 2
    config_options: Mapping[str, object] = field(default_factory=dict)  # must equal the orchestrator's

    name = "local"

    def output(self) -> dict[str, Any]:
        return {
            "type": "duckdb",
            "path": str(self.path),
            "schema": self.schema,
            "threads": self.threads,
            "config_options": dict(self.config_options),
            "settings": {"TimeZone": "UTC"},
        }


@dataclass(frozen=True)
class SnowflakeTarget:
    """dbt-snowflake with key-pair auth. The private key is referenced with env_var(): the runner puts
    it in the environment of the dbt invocation only, so the rendered file holds no secret."""

    account: str
    user: str
    role: str
    warehouse: str
    database: str
    schema: str = "ANALYTICS"
    threads: int = 4
    private_key_env: str = "TAPESTRY_DBT_PRIVATE_KEY"
    host: str | None = None  # private link / tests
    port: int | None = None
    protocol: str | None = None

    name = "snowflake"

    def output(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "snowflake",
            "account": self.account,
            "user": self.user,
            "role": self.role,
            "warehouse": self.warehouse,
            "database": self.database,
            "schema": self.schema,
            "threads": self.threads,
            "private_key": f"{{{{ env_var('{self.private_key_env}') }}}}",
            "connect_retries": 0,
            "connect_timeout": 60,
            "client_session_keep_alive": False,
            "query_tag": "tapestry-dbt",
        }
        for key in ("host", "port", "protocol"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


def render_profile(target: DuckDBTarget | SnowflakeTarget) -> str:
    profile = {PROFILE_NAME: {"target": target.name, "outputs": {target.name: target.output()}}}
    return "# Rendered by Tapestry for each run; edit tapestry.yml instead.\n" + yaml.safe_dump(
        profile, sort_keys=False
    )
