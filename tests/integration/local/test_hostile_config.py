"""tapestry.yml and answers files a user (or an attacker) wrote: aliases, huge files, deep nesting, duplicate
keys and syntax errors end in one short line naming the file and the line, at once, never a hang."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.cli import TapestryCLI
from support.projects import DemoProject, make_project

STDERR_LIMIT = 4096  # one line, whatever the file held


def alias_bomb(levels: int = 9) -> str:
    """~1 KB of YAML that expands to 9**levels list items ("billion laughs")."""
    text = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for i in range(1, levels):
        text += f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n"
    return text


def deep(levels: int = 100_000) -> str:
    return "project_name: " + "[" * levels + "]" * levels + "\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DemoProject:
    return make_project(tmp_path_factory.mktemp("hostile"), rows=100, run=False)


def _one_line(result: object) -> str:
    err: str = result.stderr  # type: ignore[attr-defined]
    assert result.returncode == 2, err  # type: ignore[attr-defined]
    assert len(err) < STDERR_LIMIT and len(err.strip().splitlines()) == 1, err[:2000]
    assert "Traceback" not in err and "unexpected" not in err and "MemoryError" not in err
    return err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (alias_bomb(), "line 2: not valid YAML: aliases (*a0) are not accepted"),
        (deep(), "nested too deeply"),
        (
            "project_name: demo\ntarget: local\nproject_name: other\n",
            "line 3: not valid YAML: key 'project_name' appears twice",
        ),
        ("x" * (2 * 1024 * 1024), "Tapestry reads at most 1,048,576"),
        ("\n".join(f"unknown_{i}: {'v' * 200}" for i in range(3000)) + "\n", "(and 2,999 more unknown ids)"),
        ("project_name: d\xe9mo\n".encode("latin-1"), "line 1: not UTF-8 text"),
        ("target: local\n<<: {project_name: demo}\n", "line 2: not valid YAML: merge keys (<<) are not accepted"),
        ("project_name: !!binary ZGVtbw==\n", "line 1: not valid YAML: the tag !!binary is not accepted"),
        ("? !!timestamp 2024-01-01\n: demo\n", "line 1: not valid YAML: the tag !!timestamp is not accepted"),
    ],
    ids=[
        "alias-bomb",
        "deep-nesting",
        "duplicate-key",
        "huge-file",
        "many-unknown-ids",
        "latin-1",
        "merge-key",
        "binary-tag",
        "timestamp-key",
    ],
)
def test_a_hostile_answers_file_is_refused_at_once(cli: TapestryCLI, content: str | bytes, expected: str) -> None:
    path = cli.cwd / "answers.yml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = cli("init", "proj", "--non-interactive", "--answers", "answers.yml", timeout=60)
    err = _one_line(result)
    assert "answers.yml" in err and expected in err, err
    assert not (cli.cwd / "proj").exists()


def test_an_alias_in_a_set_value_is_refused(cli: TapestryCLI) -> None:
    err = _one_line(cli("init", "proj", "--non-interactive", "--set", "zoom_files=[&a [x, x], *a, *a]", timeout=60))
    assert "--set zoom_files" in err and "aliases (*a) are not accepted" in err


@pytest.mark.parametrize("command", [["status"], ["run"], ["doctor"], ["sync", "--preview"]])
def test_an_alias_bomb_in_tapestry_yml_stops_every_command_at_once(project: DemoProject, command: list[str]) -> None:
    config = project.project / "tapestry.yml"
    original = config.read_text()
    config.write_text(original + alias_bomb())
    try:
        result = project.cli(*command, "--project", "project", timeout=60)
    finally:
        config.write_text(original)
    err = _one_line(result)
    line = len(original.splitlines()) + 2  # the first alias is on the bomb's second line
    assert f"tapestry.yml line {line}: not valid YAML: aliases" in err, err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda text: text + "<<: {project: other}\n", "not valid YAML: merge keys (<<) are not accepted"),
        (
            lambda text: text.replace('project: "demo"', "project: !!binary ZGVtbw=="),
            "not valid YAML: the tag !!binary is not accepted",
        ),
    ],
    ids=["merge-key", "binary-tag"],
)
def test_merge_keys_and_special_tags_in_tapestry_yml_are_refused(
    project: DemoProject, change: Callable[[str], str], expected: str
) -> None:
    config = project.project / "tapestry.yml"
    original = config.read_text()
    changed = change(original)
    assert changed != original
    config.write_text(changed)
    try:
        err = _one_line(project.cli("status", "--project", "project", timeout=60))
    finally:
        config.write_text(original)
    line = len(changed.splitlines()) if "<<" in expected else original.splitlines().index('project: "demo"') + 1
    assert f"tapestry.yml line {line}: {expected}" in err and "Fix:" in err, err


@pytest.mark.parametrize(
    ("mistake", "where"),
    [
        ('    model: "audience\n', "model"),  # an unclosed quote: the parser notices at the end
        ("    mode: [upsert\n", "mode"),  # an unclosed bracket, noticed on a later line
        ("\tmodel: audience\n", "model"),  # a tab
        ("      model: audience\n", "model"),  # bad indentation
    ],
    ids=["unclosed-quote", "unclosed-bracket", "tab", "indentation"],
)
def test_a_yaml_error_in_tapestry_yml_points_at_the_line_of_the_mistake(
    project: DemoProject, mistake: str, where: str
) -> None:
    config = project.project / "tapestry.yml"
    original = config.read_text()
    lines = original.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{where}:"))
    config.write_text("".join([*lines[:index], mistake, *lines[index + 1 :]]))
    try:
        err = _one_line(project.cli("status", "--project", "project", timeout=60))
    finally:
        config.write_text(original)
    assert f"tapestry.yml line {index + 1}: not valid YAML" in err, err
