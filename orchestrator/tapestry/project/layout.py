"""Where things live inside a project folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tapestry.core.errors import ConfigError
from tapestry.project.config import CONFIG_FILE, LocalWarehouse, ProjectConfig

STATE_DIR = ".tapestry"


@dataclass(frozen=True)
class ProjectLayout:
    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def state_dir(self) -> Path:
        """`.tapestry/` in the project; TAPESTRY_STATE_DIR moves it (the ECS runner's project is read-only)."""
        override = os.environ.get("TAPESTRY_STATE_DIR")
        return Path(override) if override else self.root / STATE_DIR

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "lock"

    @property
    def dbt_dir(self) -> Path:
        """dbt's rendered profile, target/ and logs/ (kept out of the user's dbt project)."""
        return self.state_dir / "dbt"

    @property
    def previews_dir(self) -> Path:
        return self.state_dir / "previews"

    def warehouse_path(self, config: ProjectConfig) -> Path:
        """The DuckDB file of the local target."""
        warehouse = config.warehouse
        if not isinstance(warehouse, LocalWarehouse):
            raise ConfigError(f"project {config.project} has no local DuckDB warehouse", "this needs target local")
        return self.resolve(warehouse.path)

    def dbt_project_dir(self, config: ProjectConfig) -> Path:
        return self.resolve(config.transform.project_dir)

    def resolve(self, relative: str) -> Path:
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.root / path
