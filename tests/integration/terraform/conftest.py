"""Fixtures for the Terraform module tests (offline Terraform, temp copies, moto as fake AWS).

Session scope: the CLI config with the provider mirror, and one moto_server process. Function scope: a moto reset
and a fresh copy of the terraform/ tree (root configs reference modules with `../../modules/...`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.moto_server import MotoServer, clean_env
from support.terraform_env import (
    TERRAFORM_DIR,
    TerraformNotAvailable,
    copy_terraform_tree,
    find_provider_mirror,
    terraform_binary,
    terraform_env,
    write_cli_config,
)


@pytest.fixture(scope="session")
def tf_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for offline Terraform. Fails (not skips) when terraform or the provider mirror is missing."""
    try:
        terraform_binary()
        mirror = find_provider_mirror()
    except TerraformNotAvailable as exc:
        pytest.fail(f"Terraform is not usable offline here: {exc}")
    cli_dir = tmp_path_factory.mktemp("terraform-cli")
    config = write_cli_config(cli_dir / "terraformrc", mirror)
    env = terraform_env(config, base=clean_env())
    # A private HOME: neither ~/.terraform.d nor the developer's ~/.aws may influence the runs.
    env["HOME"] = str(cli_dir)
    # Mock-provider runs must never find real credentials or an endpoint by accident.
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(name, None)
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(log_path=tmp_path_factory.mktemp("moto") / "moto_server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    """The session's moto server, wiped before the test."""
    moto_server.reset()
    return moto_server


@pytest.fixture
def moto_tf_env(tf_env: dict[str, str], moto: MotoServer) -> dict[str, str]:
    """Terraform environment pointed at moto (configuration by environment only, no provider endpoints block)."""
    return {**tf_env, **moto.aws_env()}


@pytest.fixture
def terraform_tree(tmp_path: Path) -> Path:
    """A throw-away copy of terraform/ (without .terraform, state and lock files)."""
    return copy_terraform_tree(tmp_path / "terraform", TERRAFORM_DIR)
