"""The images engine: the ECS runner phase's Docker prerequisites and the build/push it runs, with a
stand-in `docker` executable on PATH (this machine has no Docker engine)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from tapestry.engines.images.docker import (
    DockerError,
    RegistryLogin,
    build_and_push,
    project_image_tag,
    require_docker,
)

FAKE_DOCKER = """#!/usr/bin/env python3
import json, os, sys
stdin = "" if sys.stdin.isatty() else sys.stdin.read()
with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
    log.write(json.dumps({"args": sys.argv[1:], "stdin": stdin}) + "\\n")
sys.exit(int(os.environ.get("FAKE_DOCKER_EXIT_" + sys.argv[1].upper(), "0")))
"""


@pytest.fixture
def docker_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(docker.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "docker.log"
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_DOCKER_LOG", str(log))
    return log


def _calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme-runner"


def _login(ecr_password: str) -> RegistryLogin:
    """What ECR's GetAuthorizationToken answers: base64 of `AWS:<password>`."""
    token = base64.b64encode(f"AWS:{ecr_password}".encode()).decode()
    return RegistryLogin.from_ecr_token(REPOSITORY, token)


def test_missing_docker_is_named_with_the_alternative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DockerError) as err:
        require_docker()
    assert "Docker is not installed" in err.value.one_line()
    assert "runner_image" in err.value.one_line()


def test_a_stopped_docker_engine_is_named(docker_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_DOCKER_EXIT_INFO", "1")
    with pytest.raises(DockerError, match="Docker engine is not running"):
        require_docker()
    assert [c["args"][0] for c in _calls(docker_log)] == ["info"]


def test_build_and_push_logs_in_to_ecr_builds_the_runner_then_the_project_layer(
    docker_log: Path, tmp_path: Path
) -> None:
    require_docker()
    project = tmp_path / "project"
    project.mkdir()
    login = _login("ecr-password-123")
    assert "ecr-password-123" not in repr(login)
    repository = REPOSITORY

    image = build_and_push(repository, "1.0.0-abc", login, project, "/opt/tapestry-project")

    calls = _calls(docker_log)[1:]  # after `docker info`
    assert [c["args"][0] for c in calls] == ["login", "build", "build", "push"]
    login, base, layer, push = calls
    assert login["args"][-1] == "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert login["stdin"] == "ecr-password-123" and "ecr-password-123" not in " ".join(login["args"])
    assert base["args"][2].endswith("docker/runner/Dockerfile") and "tapestry-runner:base" in base["args"]
    assert layer["args"][:4] == ["build", "-t", f"{repository}:1.0.0-abc", "-f"]
    assert layer["stdin"].startswith("FROM tapestry-runner:base") and layer["args"][-1] == str(project)
    assert push["args"] == ["push", f"{repository}:1.0.0-abc"] and image == f"{repository}:1.0.0-abc"
    assert "COPY --chown=10001:10001 tapestry.yml /opt/tapestry-project/tapestry.yml" in layer["stdin"]


def test_a_failed_docker_step_stops_with_its_name(docker_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_DOCKER_EXIT_PUSH", "1")
    with pytest.raises(DockerError, match="docker push failed"):
        build_and_push(REPOSITORY, "t", _login("pw"), Path.cwd(), "/opt/tapestry-project")


def test_an_installed_copy_without_sources_says_to_build_from_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = tmp_path / "site-packages" / "tapestry" / "_bundled"
    (installed / "terraform").mkdir(parents=True)
    monkeypatch.setattr("tapestry.engines.images.docker.bundled", lambda name: installed / name)
    with pytest.raises(DockerError) as err:
        require_docker()
    assert "installed copy" in err.value.one_line() and "runner_image" in err.value.one_line()


def test_the_image_tag_changes_with_the_project_files_only(tmp_path: Path) -> None:
    config = tmp_path / "tapestry.yml"
    config.write_text("project: acme\n")
    dbt = tmp_path / "dbt_project"
    (dbt / "models").mkdir(parents=True)
    (dbt / "models" / "audience.sql").write_text("select 1")
    first = project_image_tag("1.0.0", config, dbt)
    (dbt / "target").mkdir()
    (dbt / "target" / "manifest.json").write_text("{}")  # dbt's build output is not part of the image's inputs
    assert project_image_tag("1.0.0", config, dbt) == first and first.startswith("1.0.0-")
    (dbt / "models" / "audience.sql").write_text("select 2")
    assert project_image_tag("1.0.0", config, dbt) != first
    assert project_image_tag("1.0.1", config, dbt) != project_image_tag("1.0.0", config, dbt)
