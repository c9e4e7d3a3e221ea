"""Static and mock-provider checks of the Terraform modules, stacks and examples (no AWS, no network).

- `terraform fmt -check` over everything under terraform/ (including modules added later).
- per module: init + `validate -json` + `terraform test` (mock_provider suites in <module>/tests/).
- per stack/example: init + `validate -json` in a copy of the whole tree (they use ../../modules sources).
- conventions: file layout, version constraints, typed/described variables, README tables, CHANGELOG, no secrets.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

from support.terraform_env import TERRAFORM_DIR, Terraform, copy_tree

# Modules whose providers are in the offline mirror (a Snowflake module can only get `fmt` here).
MODULES = ["aws_ingestion", "ecs_runner"]
ROOT_CONFIGS = ["stacks/aws_ingestion", "stacks/ecs_runner", "examples/aws_ingestion", "examples/ecs_runner"]
MODULE_FILES = {"main.tf", "variables.tf", "outputs.tf", "versions.tf"}
# `terraform test` must really run its suites; an empty tests/ folder would also print "Success!".
MIN_TEST_RUNS = {"aws_ingestion": 16, "ecs_runner": 13}


def _load_hcl(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        parsed: dict[str, Any] = hcl2.load(handle)
    return parsed


def _blocks(parsed: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """{name: body} of `variable`/`output` blocks from python-hcl2's list-of-dicts shape."""
    return {_unquote(name): body for block in parsed.get(kind, []) for name, body in block.items()}


def _unquote(value: Any) -> Any:
    """python-hcl2 >= 5 keeps the quotes of string literals and block labels."""
    return value.strip('"') if isinstance(value, str) else value


def test_terraform_fmt(tf_env: dict[str, str]) -> None:
    result = Terraform(TERRAFORM_DIR, tf_env).run("fmt", "-recursive", "-check", "-diff", ok_codes=(0, 3))
    assert result.returncode == 0, (
        f"terraform fmt found unformatted files (run `terraform fmt -recursive terraform`):\n{result.output}"
    )


@pytest.mark.parametrize("module", MODULES)
def test_module_validate_and_terraform_test(module: str, tf_env: dict[str, str], tmp_path: Path) -> None:
    workdir = copy_tree(TERRAFORM_DIR / "modules" / module, tmp_path / module)
    tf = Terraform(workdir, tf_env)
    tf.init()

    validation = tf.validate()
    assert validation["valid"] and validation["error_count"] == 0, f"terraform validate failed:\n{validation}"
    assert validation["warning_count"] == 0, f"terraform validate warnings:\n{validation['diagnostics']}"

    result = tf.run("test", ok_codes=(0, 1))
    assert result.returncode == 0, f"terraform test failed:\n{result.output}"
    match = re.search(r"Success! (\d+) passed, 0 failed", result.stdout)
    assert match, f"unexpected terraform test summary:\n{result.output}"
    assert int(match.group(1)) >= MIN_TEST_RUNS[module], f"fewer test runs than expected:\n{result.output}"


@pytest.mark.parametrize("root", ROOT_CONFIGS)
def test_root_config_validates(root: str, tf_env: dict[str, str], terraform_tree: Path) -> None:
    tf = Terraform(terraform_tree / root, tf_env)
    tf.init()
    validation = tf.validate()
    assert validation["valid"] and validation["error_count"] == 0, f"{root}: terraform validate failed:\n{validation}"


@pytest.mark.parametrize("module", MODULES)
def test_module_conventions(module: str) -> None:
    module_dir = TERRAFORM_DIR / "modules" / module
    assert {p.name for p in module_dir.glob("*.tf")} == MODULE_FILES, (
        "a module has exactly main/variables/outputs/versions.tf"
    )
    assert list((module_dir / "tests").glob("*.tftest.hcl")), "mock-provider tests live in <module>/tests/"
    assert not (module_dir / ".terraform.lock.hcl").exists(), "lock files are not committed"

    versions = _load_hcl(module_dir / "versions.tf")["terraform"][0]
    assert _unquote(versions["required_version"]) == ">= 1.6"
    aws = versions["required_providers"][0]["aws"]
    assert _unquote(aws["source"]) == "hashicorp/aws"
    assert _unquote(aws["version"]) == ">= 5.0, < 6.0", "must admit the mirrored aws 5.100.0"

    variables = _blocks(_load_hcl(module_dir / "variables.tf"), "variable")
    outputs = _blocks(_load_hcl(module_dir / "outputs.tf"), "output")
    assert "name" in variables and "tags" in variables
    for name, body in variables.items():
        assert body.get("description"), f"variable {name} has no description"
        assert body.get("type"), f"variable {name} has no type"
    for name, body in outputs.items():
        assert body.get("description"), f"output {name} has no description"

    readme = (module_dir / "README.md").read_text(encoding="utf-8")
    for heading in ("## Inputs", "## Outputs", "## Usage"):
        assert heading in readme, f"README.md lacks {heading}"
    for name in [*variables, *outputs]:
        assert f"`{name}`" in readme, f"README.md does not document `{name}`"
    changelog = (module_dir / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## \[?1\.0\.0\]?", changelog, re.MULTILINE), "CHANGELOG.md starts at 1.0.0"


def test_secrets_never_pass_through_terraform() -> None:
    """No SSM parameter (or other secret value) is created by Terraform; the orchestrator writes them with boto3."""
    offenders = []
    for path in TERRAFORM_DIR.rglob("*.tf"):
        if ".terraform" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r'resource\s+"aws_ssm_parameter"', r'resource\s+"aws_secretsmanager_secret_version"'):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(TERRAFORM_DIR)}: {pattern}")
    assert not offenders, f"secret values must not be Terraform resources: {offenders}"


def test_no_world_open_default_cidrs() -> None:
    offenders = []
    for path in TERRAFORM_DIR.rglob("variables.tf"):
        if ".terraform" in path.parts:
            continue
        for name, body in _blocks(_load_hcl(path), "variable").items():
            if "0.0.0.0/0" in str(body.get("default", "")):
                offenders.append(f"{path.relative_to(TERRAFORM_DIR)}: {name}")
    assert not offenders, f"no variable may default to 0.0.0.0/0: {offenders}"
