"""The runner image, built and pushed with the `docker` CLI.

The image is the generic runner (`docker/runner/Dockerfile`, built from a Tapestry checkout) plus one layer
with the project's `tapestry.yml` and dbt project. Its tag changes only when Tapestry or those files change,
so an unchanged redeploy builds nothing. Registry passwords go to `docker login` on stdin, never on a
command line.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tapestry.core.errors import TapestryError
from tapestry.core.fs import sha256_tree
from tapestry.resources import bundled

BASE_IMAGE = "tapestry-runner:base"
RUNNER_DOCKERFILE = Path("docker") / "runner" / "Dockerfile"


class DockerError(TapestryError):
    """Docker cannot build or push the runner image; the message names the step."""


@dataclass(frozen=True)
class RegistryLogin:
    registry: str  # host[:port], e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com
    user: str
    password: str = field(repr=False)

    @classmethod
    def from_ecr_token(cls, repository: str, token: str) -> RegistryLogin:
        """ECR's authorization token is base64 of `user:password`."""
        user, _, password = base64.b64decode(token).decode().partition(":")
        return cls(registry=repository.split("/", 1)[0], user=user, password=password)


def runner_build_context() -> Path:
    """The source tree the runner image builds from: a checkout (the wheel does not carry the sources)."""
    root = bundled("terraform").parent
    if not (root / RUNNER_DOCKERFILE).is_file() or not (root / "pyproject.toml").is_file():
        raise DockerError(
            f"the runner image builds from a Tapestry checkout, and {root} is an installed copy",
            "run the deploy from a clone of the Tapestry repository, or answer runner_image (aws.runner.image) "
            "with an image built there (docker build -f docker/runner/Dockerfile .)",
        )
    return root


def require_docker() -> None:
    """Before anything is applied: the image build must be able to run."""
    runner_build_context()
    if shutil.which("docker") is None:
        raise DockerError(
            "Docker is not installed, so the runner image cannot be built",
            "install Docker, or answer runner_image (aws.runner.image) with an image you built elsewhere",
        )
    probe = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        raise DockerError(
            "the Docker engine is not running, so the runner image cannot be built",
            "start Docker, or answer runner_image (aws.runner.image) with an image you built elsewhere",
        )


def project_image_tag(version: str, config_file: Path, dbt_project_dir: Path) -> str:
    """Changes only when Tapestry or the project's files change: an unchanged rerun builds nothing."""
    digest = hashlib.sha256(version.encode())
    digest.update(config_file.read_bytes())
    digest.update(sha256_tree(dbt_project_dir, frozenset({"target", "logs"})).encode())
    return f"{version}-{digest.hexdigest()[:12]}"


def build_and_push(repository: str, tag: str, login: RegistryLogin, project_root: Path, project_dir: str) -> str:
    """The generic runner image plus the project's tapestry.yml and dbt project (copied to `project_dir` in
    the image), pushed as `repository:tag`; returns that name."""
    image = f"{repository}:{tag}"
    _docker(["login", "--username", login.user, "--password-stdin", login.registry], stdin=login.password)
    root = runner_build_context()
    _docker(["build", "-f", str(root / RUNNER_DOCKERFILE), "-t", BASE_IMAGE, str(root)])
    dockerfile = (
        f"FROM {BASE_IMAGE}\n"
        f"COPY --chown=10001:10001 tapestry.yml {project_dir}/tapestry.yml\n"
        f"COPY --chown=10001:10001 dbt_project {project_dir}/dbt_project\n"
    )
    _docker(["build", "-t", image, "-f", "-", str(project_root)], stdin=dockerfile)
    _docker(["push", image])
    return image


def _docker(args: list[str], stdin: str | None = None) -> None:
    result = subprocess.run(["docker", *args], input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()
        raise DockerError(f"docker {args[0]} failed: {last[-1] if last else result.returncode}", "fix Docker and rerun")
