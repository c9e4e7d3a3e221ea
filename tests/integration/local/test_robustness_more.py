"""What a QA probe broke: a state file that is not UTF-8 or nested too deeply, `.tapestry` as a file, a
COLUMNS of 0 or "abc", Ctrl-C and SIGTERM at any moment of start-up, a file where a folder option wants a
folder (and back), paths with spaces in the printed next command, and a run recorded with pid -1 or 0.
Each ends in one `error: ... Fix:` line with its exit code, never a traceback or "unexpected"."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.cli import TapestryCLI
from support.projects import DemoProject, make_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DemoProject:
    return make_project(tmp_path_factory.mktemp("built"), rows=200)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> DemoProject:
    return make_project(tmp_path_factory.mktemp("fresh"), rows=100, run=False)


def _tapestry(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The CLI as in a pipeline, with exactly the COLUMNS given (TapestryCLI always sets 200)."""
    base = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return subprocess.run(
        [sys.executable, "-m", "tapestry", *args],
        cwd=cwd,
        env={**base, "NO_COLOR": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    err = result.stderr
    assert result.returncode == code, f"{result.returncode}: {err}"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Fix: " in lines[0], err
    for wrong in ("Traceback", "unexpected", "Usage:", "╭"):
        assert wrong not in err, err
    return lines[0]


# 1. state.json that cannot be decoded at all


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"\xff\xfe{}", "not UTF-8 text: byte 0xff at offset 0"), (b"[" * 200_000, "nested too deeply")],
    ids=["not-utf8", "deep-nesting"],
)
@pytest.mark.parametrize(
    "command", [["status"], ["run"], ["dashboard", "--no-open", "--port", "0"]], ids=["status", "run", "dashboard"]
)
def test_a_state_file_that_cannot_be_decoded_says_delete_it(
    built: DemoProject, content: bytes, reason: str, command: list[str]
) -> None:
    state = built.project / ".tapestry" / "state.json"
    original = state.read_bytes()
    state.write_bytes(content)
    try:
        line = _one_line(built.cli(*command, "--project", "project", timeout=60))
    finally:
        state.write_bytes(original)
    assert f"state.json is unreadable ({reason})" in line and "Fix: delete it" in line, line


# 2. .tapestry is a file


@pytest.mark.parametrize("command", [["run"], ["status"], ["sync", "--preview"]])
def test_a_file_named_dot_tapestry_is_named_in_one_line(fresh: DemoProject, command: list[str]) -> None:
    folder = fresh.project / ".tapestry"
    aside = fresh.project / ".tapestry.aside"
    if folder.exists():
        folder.rename(aside)
    folder.write_text("not a folder\n")
    try:
        line = _one_line(fresh.cli(*command, "--project", "project", timeout=60))
    finally:
        folder.unlink()
        if aside.exists():
            aside.rename(folder)
    assert f"error: {folder} is not a folder" in line, line


# 3. COLUMNS that is not a positive number


@pytest.mark.parametrize("columns", ["0", "abc", "-3"])
def test_a_columns_that_is_not_a_positive_number_is_ignored(built: DemoProject, columns: str) -> None:
    plain = _tapestry(built.root, "status", "--project", "project")
    odd = _tapestry(built.root, "status", "--project", "project", COLUMNS=columns)
    assert plain.returncode == odd.returncode == 0, odd.stderr
    assert len(odd.stdout.splitlines()) == len(plain.stdout.splitlines()), odd.stdout
    # piped output is never wrapped: the sync's result stays on its row (at 80 columns it wrapped)
    assert any("preview:" in line and "nothing sent" in line for line in odd.stdout.splitlines()), odd.stdout

    failing = _tapestry(built.root, "status", "--project", "missing", COLUMNS=columns)
    assert "is not a Tapestry project" in _one_line(failing), "an error is shown too"
    assert "Usage" in _tapestry(built.root, "--help", COLUMNS=columns).stdout


# 4. Ctrl-C and SIGTERM: at a known point of start-up, then at delays as a user would send them

PAUSE = """
import sys, time

where = sys.argv[1]


def pause():
    print("PAUSED", flush=True)
    time.sleep(60)


class PauseOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == where:
            sys.meta_path.remove(self)
            pause()
        return None


if where == "parsing":  # typer turns a KeyboardInterrupt here into a silent exit 130
    import typer.core

    parse_args = typer.core.TyperCommand.parse_args

    def paused(self, ctx, args):
        pause()
        return parse_args(self, ctx, args)

    typer.core.TyperCommand.parse_args = paused
else:
    sys.meta_path.insert(0, PauseOnImport())

from tapestry.cli.app import main

sys.argv = ["tapestry", *sys.argv[2:]]
main()
"""

SIGNALS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


def _assert_one_interrupted_line(code: int, err: str, signum: int) -> None:
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("warning:")]
    assert code == 128 + signum, f"{code}: {err}"
    assert len(lines) == 1 and lines[0].startswith(f"error: interrupted ({SIGNALS[signum]})"), err
    assert "Traceback" not in err and "Exception ignored" not in err, err


@pytest.mark.parametrize("signum", list(SIGNALS), ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize(
    "where",
    ["typer", "tapestry.cli.commands.status", "parsing"],
    ids=["importing-typer", "registering-commands", "parsing-arguments"],
)
def test_an_interrupt_during_start_up_is_one_line_with_its_exit_code(
    fresh: DemoProject, where: str, signum: int
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSE, where, "status", "--project", "project"],
        cwd=fresh.root,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "PAUSED\n", process.communicate(timeout=60)
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    _assert_one_interrupted_line(process.returncode, err, signum)
    assert out == "", "the command did not go on after the interrupt"


@pytest.mark.parametrize("signum", list(SIGNALS), ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_at_any_moment_of_a_run_is_one_line(fresh: DemoProject, signum: int) -> None:
    for delay in (0.09, 0.1, 0.12, 0.15, 0.2, 0.3):  # start-up (imports, registering, parsing), then the run
        process = subprocess.Popen(
            [sys.executable, "-m", "tapestry", "run", "--project", "project"],
            cwd=fresh.root,
            env={**os.environ, "NO_COLOR": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        process.send_signal(signum)
        _, err = process.communicate(timeout=120)
        _assert_one_interrupted_line(process.returncode, err, signum)


# 5. A file where a folder is wanted, and back


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["status", "--project", "a-file"], {}, "error: --project a-file is a file, not a folder. Fix:"),
        (["status"], {"TAPESTRY_PROJECT": "a-file"}, "error: TAPESTRY_PROJECT=a-file is a file, not a folder. Fix:"),
        (["init", "p", "--answers", "a-folder"], {}, "error: --answers a-folder is a folder, not a file. Fix:"),
        (["kickstart", "--answers", "a-folder"], {}, "error: --answers a-folder is a folder, not a file. Fix:"),
        (["demo-data", "--out", "a-file"], {}, "error: --out a-file is a file, not a folder. Fix:"),
        (["snowflake-sql", "--output", "a-folder"], {}, "error: --output a-folder is a folder, not a file. Fix:"),
    ],
    ids=["project", "TAPESTRY_PROJECT", "init-answers", "kickstart-answers", "demo-data-out", "snowflake-output"],
)
def test_a_path_of_the_wrong_kind_is_one_line(
    cli: TapestryCLI, args: list[str], env: dict[str, str], expected: str
) -> None:
    (cli.cwd / "a-file").write_text("x\n")
    (cli.cwd / "a-folder").mkdir()
    line = _one_line(cli(*args, env=env, timeout=60))
    assert line.startswith(expected), line
    assert not (cli.cwd / "p").exists()


# 6. Printed commands work when pasted


def test_the_next_commands_quote_paths_with_spaces(cli: TapestryCLI) -> None:
    demo = cli.ok("demo-data", "--out", "my exports", "--rows", "50")
    pasted = shlex.split(next(line for line in demo.stdout.splitlines() if line.startswith("Next: "))[6:])
    assert pasted[:3] == ["tapestry", "init", "my-project"]
    assert "zoom_files=my exports/zoom/*.csv" in pasted, pasted
    cli.ok(*pasted[1:], "--non-interactive")
    assert (cli.cwd / "my-project" / "tapestry.yml").is_file()

    files = ("--set", "zoom_files=my exports/zoom/*.csv", "--set", "salesforce_files=my exports/salesforce/*")
    init = cli.ok("init", "my pröj 🎉", "--non-interactive", *files)
    pasted = shlex.split(next(line for line in init.stdout.splitlines() if line.startswith("Next: "))[6:])
    assert pasted == ["tapestry", "run", "--project", "my pröj 🎉"], init.stdout


# 8. A recorded pid that no process can have


@pytest.mark.parametrize("pid", [-1, 0])
def test_a_run_recorded_with_pid_below_one_is_not_alive(fresh: DemoProject, pid: int) -> None:
    started = "2024-05-01T10:00:00Z"
    phase = {"name": "transform", "status": "running", "started_at": started}
    state = {
        "schema_version": 1,
        "phases": {"transform": phase},
        "runs": [
            {
                "run_id": "r1",
                "command": "run",
                "started_at": started,
                "status": "running",
                "phases": [phase],
                "host": socket.gethostname(),
                "pid": pid,
                "process_started": None,  # as where /proc is missing: only the pid is checked
            }
        ],
    }
    path = fresh.project / ".tapestry" / "state.json"
    path.parent.mkdir(exist_ok=True)
    original = path.read_bytes() if path.exists() else None
    path.write_text(json.dumps(state))
    try:
        status = json.loads(fresh.cli.ok("status", "--json", "--project", "project").stdout)
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)
    assert status["last_run"]["status"] == "interrupted", status["last_run"]
    assert status["phases"]["transform"]["status"] == "interrupted"
    assert f"pid {pid}" in status["phases"]["transform"]["error"]
