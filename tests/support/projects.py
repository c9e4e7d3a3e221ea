"""Build demo projects through the real CLI (demo-data -> init -> run)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from support.cli import TapestryCLI, write_answers


@dataclass
class DemoProject:
    root: Path  # folder holding exports/ and project/
    project: Path
    exports: Path
    cli: TapestryCLI
    first_run_stdout: str

    @property
    def warehouse(self) -> Path:
        return self.project / "warehouse.duckdb"


def make_project(root: Path, rows: int = 3000, seed: int = 7, run: bool = True, **answers: object) -> DemoProject:
    cli = TapestryCLI(cwd=root, env=dict(os.environ))
    cli.ok("demo-data", "--out", "exports", "--rows", str(rows), "--seed", str(seed))
    defaults: dict[str, object] = {
        "project_name": "demo",
        "target": "local",
        "zoom_files": ["exports/zoom/*.csv"],
        "salesforce_files": ["exports/salesforce/*.jsonl"],
    }
    write_answers(root / "answers.yml", **{**defaults, **answers})
    cli.ok("init", "project", "--non-interactive", "--answers", "answers.yml")
    stdout = cli.ok("run", "--project", "project").stdout if run else ""
    return DemoProject(root, root / "project", root / "exports", cli, stdout)
