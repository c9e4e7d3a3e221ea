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


def build_crafted_project(root: Path, project_name: str, config_tail: str = "") -> Path:
    """init + run of the default template over hand-written exports in root/zoom/*.csv and
    root/salesforce/*.jsonl (`config_tail` is appended to tapestry.yml first); returns the project folder."""
    cli = TapestryCLI(cwd=root, env=dict(os.environ))
    write_answers(
        root / "a.yml",
        project_name=project_name,
        target="local",
        zoom_files=["zoom/*.csv"],
        salesforce_files=["salesforce/*.jsonl"],
    )
    cli.ok("init", "p", "--non-interactive", "--answers", "a.yml")
    if config_tail:
        with (root / "p" / "tapestry.yml").open("a", encoding="utf-8") as handle:
            handle.write(config_tail)
    cli.ok("run", "--project", "p")
    return root / "p"


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


def make_shop_project(root: Path, rows: int = 1500, seed: int = 9, run: bool = True) -> DemoProject:
    """A project of the ecommerce_support template on its demo data (Stripe, Zendesk Support, Salesforce)."""
    cli = TapestryCLI(cwd=root, env={k: v for k, v in os.environ.items() if k != "MAILCHIMP_API_KEY"})
    cli.ok("demo-data", "--template", "ecommerce_support", "--out", "exports", "--rows", str(rows), "--seed", str(seed))
    write_answers(
        root / "answers.yml",
        project_name="shop",
        target="local",
        stripe_files=["exports/stripe/*"],
        zendesk_files=["exports/zendesk/*"],
        salesforce_files=["exports/salesforce/*"],
    )
    cli.ok("init", "project", "--template", "ecommerce_support", "--non-interactive", "--answers", "answers.yml")
    stdout = cli.ok("run", "--project", "project").stdout if run else ""
    return DemoProject(root, root / "project", root / "exports", cli, stdout)
