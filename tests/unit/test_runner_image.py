"""The ECS runner phase's Docker prerequisites and the build/push it runs, with a stand-in `docker`
executable on PATH (this machine has no Docker engine)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tapestry.phases.cloud.deploy import Deploy, DeployError, _require_docker

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


def _deploy(project_root: Path, ecr_password: str) -> Deploy:
    """Just what the build needs: an ECR client answering the login token, and the project folder."""
    token = base64.b64encode(f"AWS:{ecr_password}".encode()).decode()
    ecr = SimpleNamespace(get_authorization_token=lambda: {"authorizationData": [{"authorizationToken": token}]})
    deploy = Deploy.__new__(Deploy)
    deploy.env = SimpleNamespace(client=lambda name: ecr)  # type: ignore[assignment]
    deploy.ctx = SimpleNamespace(layout=SimpleNamespace(root=project_root))  # type: ignore[assignment]
    return deploy


def test_missing_docker_is_named_with_the_alternative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DeployError) as err:
        _require_docker()
    assert "Docker is not installed" in err.value.one_line()
    assert "runner_image" in err.value.one_line()


def test_a_stopped_docker_engine_is_named(docker_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_DOCKER_EXIT_INFO", "1")
    with pytest.raises(DeployError, match="Docker engine is not running"):
        _require_docker()
    assert [c["args"][0] for c in _calls(docker_log)] == ["info"]


def test_build_and_push_logs_in_to_ecr_builds_the_runner_then_the_project_layer(
    docker_log: Path, tmp_path: Path
) -> None:
    _require_docker()
    project = tmp_path / "project"
    project.mkdir()
    deploy = _deploy(project, "ecr-password-123")
    repository = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme-runner"

    deploy._build_and_push(repository, "1.0.0-abc")

    calls = _calls(docker_log)[1:]  # after `docker info`
    assert [c["args"][0] for c in calls] == ["login", "build", "build", "push"]
    login, base, layer, push = calls
    assert login["args"][-1] == "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert login["stdin"] == "ecr-password-123" and "ecr-password-123" not in " ".join(login["args"])
    assert base["args"][2].endswith("docker/runner/Dockerfile") and "tapestry-runner:base" in base["args"]
    assert layer["args"][:4] == ["build", "-t", f"{repository}:1.0.0-abc", "-f"]
    assert layer["stdin"].startswith("FROM tapestry-runner:base") and layer["args"][-1] == str(project)
    assert push["args"] == ["push", f"{repository}:1.0.0-abc"]


def test_a_failed_docker_step_stops_with_its_name(docker_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_DOCKER_EXIT_PUSH", "1")
    deploy = _deploy(Path.cwd(), "pw")
    with pytest.raises(DeployError, match="docker push failed"):
        deploy._build_and_push("123456789012.dkr.ecr.us-east-1.amazonaws.com/acme-runner", "t")


def test_an_installed_copy_without_sources_says_to_build_from_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = tmp_path / "site-packages" / "tapestry" / "_bundled"
    (installed / "terraform").mkdir(parents=True)
    monkeypatch.setattr("tapestry.phases.cloud.deploy.bundled", lambda name: installed / name)
    with pytest.raises(DeployError) as err:
        _require_docker()
    assert "installed copy" in err.value.one_line() and "runner_image" in err.value.one_line()
