"""Static checks of docker/runner/Dockerfile (there is no Docker engine on the test machines)."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.terraform_env import REPO_ROOT

DOCKERFILE = REPO_ROOT / "docker" / "runner" / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / "docker" / "runner" / "Dockerfile.dockerignore"
SECRET_NAME = re.compile(r"(?i)(secret|password|passwd|token|api_?key|private_?key|credential|access_?key)")
PINNED_IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    line: int


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with line continuations joined and comments dropped (enough for static checks)."""
    instructions: list[Instruction] = []
    buffer, start = "", 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue
        if not buffer:
            start = lineno
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        keyword, _, args = buffer.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        buffer = ""
    return instructions


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            result.append([])
        if result:
            result[-1].append(ins)
    return result


def exec_form(args: str) -> list[str]:
    """JSON (exec) form of CMD/ENTRYPOINT, or the shell form split like a shell would."""
    try:
        value = json.loads(args)
    except json.JSONDecodeError:
        return shlex.split(args)
    assert isinstance(value, list)
    return [str(v) for v in value]


def env_keys(args: str) -> list[str]:
    """Keys of `ENV a=1 b=2`, `ENV a 1` and `ARG name[=default]`."""
    if "=" not in args.split(" ", 1)[0]:
        return [args.split(" ", 1)[0]]
    return [token.split("=", 1)[0] for token in shlex.split(args) if "=" in token]


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def test_base_images_are_pinned_by_tag_and_digest(instructions: list[Instruction]) -> None:
    stage_names: set[str] = set()
    froms = [i for i in instructions if i.keyword == "FROM"]
    assert froms
    for ins in froms:
        parts = ins.args.split()
        image = next(p for p in parts if not p.startswith("--"))
        if image in stage_names:
            continue
        assert PINNED_IMAGE.match(image), f"line {ins.line}: {image} is not pinned as <image>:<tag>@sha256:<digest>"
        assert image.startswith("python:3.11-slim@"), f"line {ins.line}: base image must be python:3.11-slim"
        if len(parts) >= 3 and parts[-2].upper() == "AS":
            stage_names.add(parts[-1])


def test_final_stage_runs_as_non_root(instructions: list[Instruction]) -> None:
    final = stages(instructions)[-1]
    users = [i.args for i in final if i.keyword == "USER"]
    assert users, "the final stage must set USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, f"final USER is {users[-1]}"


def test_installs_the_package_with_the_cloud_extra(instructions: list[Instruction]) -> None:
    runs = " ".join(i.args for i in instructions if i.keyword == "RUN")
    assert re.search(r"pip install [^&;]*['\"]?\.\[cloud\]['\"]?", runs), "the image must `pip install .[cloud]`"
    assert "--trusted-host" not in runs and "--index-url http:" not in runs


def test_default_command_is_tapestry_run(instructions: list[Instruction]) -> None:
    final = stages(instructions)[-1]
    entrypoint = next((exec_form(i.args) for i in reversed(final) if i.keyword == "ENTRYPOINT"), [])
    cmd = next((exec_form(i.args) for i in reversed(final) if i.keyword == "CMD"), [])
    assert [*entrypoint, *cmd] == ["tapestry", "run"], f"ENTRYPOINT {entrypoint} + CMD {cmd}"


def test_no_secret_looking_env_or_arg(instructions: list[Instruction]) -> None:
    keys = [(i.line, key) for i in instructions if i.keyword in {"ENV", "ARG"} for key in env_keys(i.args)]
    offenders = [f"line {line}: {key}" for line, key in keys if SECRET_NAME.search(key)]
    assert not offenders, f"secrets must come from SSM at run time, not ENV/ARG: {offenders}"


def test_copy_sources_exist_and_are_in_the_build_context(instructions: list[Instruction]) -> None:
    ignore = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    allowed = {p[1:].rstrip("/") for p in ignore if p.startswith("!")}
    deny_all = "**" in ignore or "*" in ignore

    for ins in instructions:
        if ins.keyword not in {"COPY", "ADD"}:
            continue
        parts = [p for p in shlex.split(ins.args) if not p.startswith("--")]
        if any(p.startswith("--from=") for p in shlex.split(ins.args)):
            continue
        assert ins.keyword == "COPY", f"line {ins.line}: use COPY, not ADD"
        for source in parts[:-1]:
            path = REPO_ROOT / source
            assert path.exists(), f"line {ins.line}: COPY source {source} does not exist in the repository"
            top = Path(source).parts[0].rstrip("/")
            if deny_all:
                assert any(fnmatch.fnmatch(top, pattern) for pattern in allowed), (
                    f"line {ins.line}: {source} is excluded by {DOCKERIGNORE.name}"
                )


def test_dockerignore_keeps_local_state_out() -> None:
    text = DOCKERIGNORE.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("#") and "\n**\n" in text, "the ignore file must deny everything first"
    assert "!.venv" not in text and "!.git" not in text and "!.tapestry" not in text
