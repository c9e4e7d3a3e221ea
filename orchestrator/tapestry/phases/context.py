"""Everything a pipeline phase needs about the project, built once per command."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tapestry.core.errors import ProjectError
from tapestry.core.progress import NullReporter, Reporter
from tapestry.project.config import ProjectConfig, load_config
from tapestry.project.layout import ProjectLayout
from tapestry.project.state import ProjectState, StateStore


@dataclass
class ProjectContext:
    layout: ProjectLayout
    config: ProjectConfig
    store: StateStore
    state: ProjectState
    reporter: Reporter = field(default_factory=NullReporter)

    @classmethod
    def open(cls, project_dir: Path, reporter: Reporter | None = None) -> ProjectContext:
        layout = ProjectLayout(project_dir.resolve())
        config = load_config(layout.root)
        state_dir = layout.state_dir
        if os.path.lexists(state_dir) and not state_dir.is_dir():  # lexists: a dangling symlink too
            moved = " (or point TAPESTRY_STATE_DIR at a folder)" if os.environ.get("TAPESTRY_STATE_DIR") else ""
            raise ProjectError(
                f"{state_dir} is not a folder: Tapestry keeps the project's run state in it",
                f"move or delete that file{moved}; Tapestry then creates the folder",
            )
        store = StateStore(layout.state_file)
        return cls(layout=layout, config=config, store=store, state=store.load(), reporter=reporter or NullReporter())
