"""Everything a pipeline phase needs about the project, built once per command."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
        store = StateStore(layout.state_file)
        return cls(layout=layout, config=config, store=store, state=store.load(), reporter=reporter or NullReporter())
