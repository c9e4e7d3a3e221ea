"""Adding and removing the credit cap both apply: the snowflake stack's `account_admin` provider configuration
uses ACCOUNTADMIN while a resource monitor is wanted *or still exists*.

Terraform logs in with every provider configuration that a resource in the configuration names, even when that
resource has no instances (tests/integration/terraform/test_provider_configuration.py shows it with the aws
provider), and the UNSET/DROP of a removed monitor run through `account_admin`. Before this, the stack chose the
role from `resource_monitor` alone, so removing the cap ran the drop as SYSADMIN and failed.

The provider cannot be installed here: the stack's role expression is evaluated by Terraform itself (its locals and
variables, without the provider), and the orchestrator's part (tfvars from config + state) is checked against it.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tapestry.kickstart.render import render_json
from tapestry.kickstart.spec import load_template
from tapestry.phases.cloud.env import holds_resource_monitor, snowflake_objects, snowflake_stack_context
from tapestry.project.config import parse_config
from unit.snowflake.sfmodel import EXAMPLE_DIR, load_hcl, locals_block_text, run_terraform
from unit.snowflake.test_project_monitor import BASE

STACK_DIR = Path(__file__).resolve().parents[3] / "terraform" / "stacks" / "snowflake"
MONITOR = {"credit_quota": 20}


class StackRole:
    """The stack's variables and locals in a provider-less copy that outputs `local.account_admin_role`."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        shutil.copy(STACK_DIR / "variables.tf", workdir / "variables.tf")
        (workdir / "locals.tf").write_text(locals_block_text(STACK_DIR / "main.tf") + "\n", encoding="utf-8")
        (workdir / "outputs.tf").write_text('output "role" {\n  value = local.account_admin_role\n}\n')
        self.runs = 0

    def role(self, tfvars: dict[str, Any]) -> str:
        self.runs += 1
        var_file = self.workdir / f"run{self.runs}.tfvars.json"
        var_file.write_text(json.dumps({k: v for k, v in tfvars.items() if v is not None}), encoding="utf-8")
        state = self.workdir / f"run{self.runs}.tfstate"
        applied = run_terraform(
            "apply", "-auto-approve", "-no-color", f"-state={state}", f"-var-file={var_file}", cwd=self.workdir
        )
        assert applied.returncode == 0, applied.stderr + applied.stdout
        shown = run_terraform("output", "-json", f"-state={state}", cwd=self.workdir)
        return str(json.loads(shown.stdout)["role"]["value"])


@pytest.fixture(scope="module")
def stack_role(tmp_path_factory: pytest.TempPathFactory) -> StackRole:
    return StackRole(tmp_path_factory.mktemp("snowflake-stack-role"))


def _providers(path: Path) -> dict[str, dict[str, Any]]:
    return {
        str(body.get("alias", "default")).strip('"'): body
        for block in load_hcl(path)["provider"]
        for body in block.values()
    }


def test_the_account_admin_provider_takes_the_computed_role() -> None:
    assert _providers(STACK_DIR / "main.tf")["account_admin"]["role"] == "${local.account_admin_role}"


@pytest.mark.parametrize(
    ("monitor", "exists", "role"),
    [
        (None, False, "SYSADMIN"),  # never a cap: no ACCOUNTADMIN needed
        (MONITOR, False, "ACCOUNTADMIN"),  # adding the cap: CREATE + SET RESOURCE_MONITOR
        (MONITOR, True, "ACCOUNTADMIN"),  # changing it
        (None, True, "ACCOUNTADMIN"),  # removing it: UNSET + DROP (was SYSADMIN, and failed)
    ],
)
def test_every_transition_runs_with_a_role_that_may_do_it(
    stack_role: StackRole, monitor: dict[str, Any] | None, exists: bool, role: str
) -> None:
    assert stack_role.role({"resource_monitor": monitor, "resource_monitor_exists": exists}) == role


def test_the_example_chooses_the_role_the_same_way() -> None:
    role = _providers(EXAMPLE_DIR / "main.tf")["account_admin"]["role"]
    assert role == '${var.resource_monitor != null || var.resource_monitor_exists ? "ACCOUNTADMIN" : "SYSADMIN"}'


def test_the_monitor_is_found_in_the_state_list() -> None:
    with_monitor = [
        "module.snowflake.snowflake_warehouse.this[0]",
        'module.snowflake.snowflake_resource_monitor.this["warehouse"]',
        'module.snowflake.snowflake_execute.warehouse_resource_monitor["warehouse"]',
    ]
    assert holds_resource_monitor(with_monitor)
    assert not holds_resource_monitor(with_monitor[:1] + with_monitor[2:])
    assert not holds_resource_monitor([])


def _tfvars(monitor: dict[str, Any] | None, in_state: bool, public_key_pem: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["warehouse"]["resource_monitor"] = monitor
    config = parse_config(data, "tapestry.yml")
    objects = snowflake_objects(config)
    keys = {role: public_key_pem() for role in ("loader", "transformer", "syncer")}
    context = {"snowflake": config.snowflake.model_dump(), **snowflake_stack_context(objects, keys, in_state)}
    rendered = render_json(load_template("blank"), "tfvars_snowflake", context)
    assert isinstance(rendered, dict)
    return rendered


@pytest.mark.parametrize(
    ("monitor", "in_state", "role"),
    [
        (None, False, "SYSADMIN"),
        (MONITOR, False, "ACCOUNTADMIN"),
        (MONITOR, True, "ACCOUNTADMIN"),
        (None, True, "ACCOUNTADMIN"),
    ],
)
def test_the_deploy_passes_what_the_state_holds(
    stack_role: StackRole, public_key_pem: Any, monitor: dict[str, Any] | None, in_state: bool, role: str
) -> None:
    """config (cap set or removed) + state (monitor there or not) → tfvars_snowflake → the stack's role."""
    tfvars = _tfvars(monitor, in_state, public_key_pem)
    assert tfvars["resource_monitor_exists"] is in_state
    assert (tfvars["resource_monitor"] is None) == (monitor is None)
    assert stack_role.role(tfvars) == role
