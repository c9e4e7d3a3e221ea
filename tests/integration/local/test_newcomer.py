"""Smaller things a newcomer meets first: project names, plurals, the rerun's sync line, output to a pipe,
file modes, `make kickstart`, and help without type placeholders."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support.cli import TapestryCLI, write_answers
from support.projects import make_project

REPO = Path(__file__).resolve().parents[3]


def _piped(cli: TapestryCLI, *args: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    """As in a pipeline: no terminal, no COLUMNS."""
    env = {k: v for k, v in cli.env.items() if k != "COLUMNS"}
    return subprocess.run(
        [sys.executable, "-m", "tapestry", *args],
        cwd=cli.cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        umask=-1 if umask is None else umask,
    )


def test_init_names_the_project_after_its_folder_so_secret_stores_stay_apart(cli: TapestryCLI) -> None:
    (cli.cwd / "a.csv").write_text("id\n")
    write_answers(cli.cwd / "answers.yml", target="local", zoom_files=["a.csv"], salesforce_files=["a.csv"])
    for folder in ("acme-audience", "Beta_Audience"):
        cli.ok("init", folder, "--non-interactive", "--answers", "answers.yml")
        cli.ok("secrets", "set", "mailchimp", "--project", folder, input_text=f"key-of-{folder}")
    assert 'project: "acme-audience"' in (cli.cwd / "acme-audience" / "tapestry.yml").read_text()
    assert 'project: "beta-audience"' in (cli.cwd / "Beta_Audience" / "tapestry.yml").read_text()
    stores = Path(cli.env["XDG_CONFIG_HOME"]) / "tapestry" / "secrets"
    assert sorted(p.name for p in stores.iterdir()) == ["acme-audience.json", "beta-audience.json"]

    cli.ok("init", "named", "--non-interactive", "--answers", "answers.yml", "--set", "project_name=chosen")
    assert 'project: "chosen"' in (cli.cwd / "named" / "tapestry.yml").read_text(), "an answer still wins"


def test_the_run_summary_reads_well_and_is_not_wrapped_in_a_pipe(tmp_path: Path) -> None:
    demo = make_project(tmp_path, rows=200, run=False)
    first = _piped(demo.cli, "run", "--project", "project")
    assert first.returncode == 0, first.stderr
    assert "1 new file," in first.stdout and "1 new files" not in first.stdout
    assert "3 new files," in first.stdout
    summary = next(line for line in first.stdout.splitlines() if "rows loaded · zoom" in line)
    assert summary.rstrip().endswith("already loaded)"), "a summary row stays on one line"
    preview = next(line for line in first.stdout.splitlines() if line.startswith("All planned operations:"))
    assert preview.rstrip().endswith(".jsonl"), "a long path stays on its line"

    rerun = _piped(demo.cli, "run", "--project", "project")
    sync_lines = [line for line in rerun.stdout.splitlines() if line.startswith("sync:")]
    assert len(sync_lines) == 1 and sync_lines[0].startswith("sync: skipped: preview unchanged"), rerun.stdout


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_demo_files_are_written_with_the_users_umask(cli: TapestryCLI, umask: int, mode: int) -> None:
    result = _piped(cli, "demo-data", "--out", "exports", "--rows", "20", umask=umask)
    assert result.returncode == 0, result.stderr
    files = [p for p in (cli.cwd / "exports").rglob("*") if p.is_file()]
    assert files and {p.stat().st_mode & 0o777 for p in files} == {mode}


def test_make_kickstart_installs_no_dev_extras_and_creates_the_project_outside_the_checkout(tmp_path: Path) -> None:
    venv = tmp_path / "venv"  # a venv that does not exist: make lists every install step it would run
    plan = subprocess.run(
        ["make", "-n", "kickstart", f"VENV={venv}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "HOME": str(tmp_path / "home")},
    ).stdout
    installs = [line for line in plan.splitlines() if "pip install" in line]
    assert any("[cloud]" in line for line in installs), plan
    assert not any("[dev]" in line for line in installs), "the test tools are not a user's business"
    (run,) = [line for line in plan.splitlines() if line.rstrip().endswith("kickstart")]
    where = re.match(r'cd "([^"]+)" && ', run)
    assert where, run
    assert Path(where.group(1)) == tmp_path / "home" / "tapestry-projects"
    assert not Path(where.group(1)).is_relative_to(REPO)


def _commands(cli: TapestryCLI) -> list[list[str]]:
    listing = cli.ok("--help").stdout
    names = re.findall(r"^│ ([a-z][a-z-]+) ", listing, re.M)
    commands = [[name] for name in names]
    commands += [["secrets", sub] for sub in ("set", "list", "delete")]
    return commands


def test_help_shows_no_type_placeholders(cli: TapestryCLI) -> None:
    commands = _commands(cli)
    assert len(commands) > 10
    for command in commands:
        text = cli.ok(*command, "--help").stdout
        for placeholder in ("<bool>", "list[", "<list"):
            assert placeholder not in text, f"tapestry {' '.join(command)} --help shows {placeholder}"


def test_no_error_or_fix_text_has_an_unfilled_placeholder() -> None:
    """A message written as a plain string with `{name}` in it was meant to be an f-string (doctor's fix was)."""
    placeholder = re.compile(r"\{[a-z_][a-z0-9_.]*\}")
    found = []
    for path in (REPO / "orchestrator" / "tapestry").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if not re.search(r"(Error|Check|Failed|Exception)$", name):
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and placeholder.search(arg.value):
                    found.append(f"{path.relative_to(REPO)}:{arg.lineno}: {arg.value}")
    assert not found, "\n".join(found)
