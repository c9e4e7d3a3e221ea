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


def render_profile(target: DuckDBTarget) -> str:
    profile = {PROFILE_NAME: {"target": target.name, "outputs": {target.name: target.output()}}}
    return "# Rendered by Tapestry for each run; edit tapestry.yml instead.\n" + yaml.safe_dump(
        profile, sort_keys=False
    )
