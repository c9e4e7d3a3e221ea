"""A project folder, warehouse or output folder the user cannot write: one line naming the path, exit 1 or 2,
never "unexpected PermissionError ... report it"."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.cli import TapestryCLI, write_answers
from support.permissions import OTHER_UID, allow_writes, deny_writes, run_unprivileged
from support.projects import DemoProject, make_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DemoProject:
    return make_project(tmp_path_factory.mktemp("permissions"), rows=300)


@pytest.fixture
def copy(built: DemoProject, tmp_path: Path) -> Iterator[Path]:
    """A copy of the built project (exports included, so its relative paths still work)."""
    shutil.copytree(built.exports, tmp_path / "exports")
    shutil.copytree(built.project, tmp_path / "project")
    yield tmp_path / "project"
    allow_writes(tmp_path)


def _assert_one_line_naming(result: object, path: Path) -> None:
    code, err = result.returncode, result.stderr  # type: ignore[attr-defined]
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("warning:")]
    assert code in (1, 2), err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert str(path) in lines[0], err
    assert "Fix:" in lines[0]
    for wrong in ("unexpected", "report it", "Traceback", "PermissionError"):
        assert wrong not in err, err


@pytest.mark.parametrize(
    ("denied", "command", "named"),
    [
        (".", ["run"], "."),  # the whole project folder: the lock and state under .tapestry/
        ("warehouse.duckdb", ["run"], "warehouse.duckdb"),
        (".tapestry/previews", ["sync", "--preview"], ".tapestry/previews"),
        (".tapestry/dbt", ["run", "--full-refresh"], ".tapestry/dbt"),
    ],
)
def test_an_unwritable_part_of_the_project_is_named(copy: Path, denied: str, command: list[str], named: str) -> None:
    deny_writes(copy / denied)
    result = run_unprivileged([*command, "--project", str(copy)], copy.parent, TapestryCLI(copy.parent).env)
    _assert_one_line_naming(result, (copy / named).resolve())


def test_a_project_folder_whose_files_are_writable_but_not_the_folder_itself(copy: Path) -> None:
    """DuckDB then opens the warehouse, loads, and fails to create its write-ahead log at commit."""
    (copy.parent / "exports" / "zoom" / "new.csv").write_text(
        "id,webinar_id,email,create_time\nn1,w1,new@example.com,2026-01-01T00:00:00Z\n"
    )
    deny_writes(copy, recursive=False)
    result = run_unprivileged(["run", "--project", str(copy)], copy.parent, TapestryCLI(copy.parent).env)
    _assert_one_line_naming(result, copy.resolve())
    assert "new.csv" not in result.stderr, "the file is not blamed"


def test_init_into_a_folder_the_user_cannot_write_names_it(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "a.csv").write_text("id\n")
    write_answers(
        tmp_path / "answers.yml", target="local", zoom_files=["exports/a.csv"], salesforce_files=["exports/a.csv"]
    )
    deny_writes(locked)
    try:
        result = run_unprivileged(
            ["init", "locked/project", "--non-interactive", "--answers", "answers.yml"],
            tmp_path,
            TapestryCLI(tmp_path).env,
        )
        _assert_one_line_naming(result, locked)
        assert not (locked / "project").exists()
        out = run_unprivileged(
            ["demo-data", "--out", "locked/exports", "--rows", "10"], tmp_path, TapestryCLI(tmp_path).env
        )
        _assert_one_line_naming(out, locked)
    finally:
        allow_writes(locked)


def test_a_built_project_whose_folder_turned_read_only_names_the_folder_not_a_model(copy: Path) -> None:
    """Nothing new to load: dbt is the first to write, and its failure to create the write-ahead log is the
    folder's, not the model's."""
    deny_writes(copy, recursive=False)
    result = run_unprivileged(
        ["run", "--full-refresh", "--project", str(copy)], copy.parent, TapestryCLI(copy.parent).env
    )
    _assert_one_line_naming(result, copy.resolve())
    assert "dbt model" not in result.stderr


def test_an_export_folder_the_user_cannot_list_is_named(copy: Path) -> None:
    folder = copy.parent / "exports" / "zoom"
    if os.geteuid() == 0:
        os.chown(folder, OTHER_UID, OTHER_UID)
    folder.chmod(0o000)
    try:
        result = run_unprivileged(["run", "--project", str(copy)], copy.parent, TapestryCLI(copy.parent).env)
    finally:
        folder.chmod(0o755)
        if os.geteuid() == 0:
            os.chown(folder, os.getuid(), os.getgid())
    _assert_one_line_naming(result, folder.resolve())
    assert "cannot read folder" in result.stderr
