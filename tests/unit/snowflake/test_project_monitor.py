"""A project's credit cap, from the kickstart answer to tapestry.yml, the snowflake stack's tfvars, the module and the
checks a deploy and `tapestry doctor` run."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tapestry.core.errors import ConfigError
from tapestry.engines.warehouse.snowflake_checks import check_warehouse
from tapestry.engines.warehouse.snowflake_objects import ResourceMonitor, render_sql
from tapestry.kickstart.answers import validate_answers
from tapestry.kickstart.render import render_files, render_json
from tapestry.kickstart.spec import load_template
from tapestry.phases.cloud.env import snowflake_objects, snowflake_stack_context
from tapestry.project.config import parse_config
from unit.snowflake.sfmodel import MODULE_DIR, REPO, ModuleModel, expected, variables

STACK_DIR = REPO / "terraform" / "stacks" / "snowflake"

BASE: dict[str, Any] = {
    "project": "acme",
    "target": "aws",
    "template": "blank",
    "aws": {
        "region": "us-east-1",
        "allowed_cidrs": ["203.0.113.0/24"],
        "airbyte": {"allow_plain_http": True, "abctl_sha256": "ab" * 32},
    },
    "warehouse": {"type": "snowflake", "account": "acme-analytics", "prefix": "ACME", "manage_objects": False},
}


def config_with(monitor: Any) -> Any:
    data = copy.deepcopy(BASE)
    data["warehouse"]["resource_monitor"] = monitor
    return parse_config(data, "tapestry.yml")


def test_no_monitor_by_default() -> None:
    config = parse_config(copy.deepcopy(BASE), "tapestry.yml")
    assert config.snowflake.resource_monitor is None
    assert snowflake_objects(config).resource_monitor is None


def test_a_configured_monitor_reaches_the_objects() -> None:
    config = config_with(
        {"credit_quota": 20, "frequency": "daily", "start_timestamp": "2027-01-01 06:00", "name": "acme_cap"}
    )
    objects = snowflake_objects(config)
    assert objects.resource_monitor == ResourceMonitor(20, frequency="DAILY", start_timestamp="2027-01-01 06:00")
    assert objects.resource_monitor_name == "ACME_CAP"


@pytest.mark.parametrize(
    ("monitor", "where"),
    [
        ({"credit_quota": 0}, "resource_monitor.credit_quota"),
        ({"credit_quota": "lots"}, "resource_monitor.credit_quota"),
        ({}, "resource_monitor.credit_quota"),
        ({"credit_quota": 5, "frequency": "DAILY"}, "go together"),
        ({"credit_quota": 5, "frequency": "HOURLY", "start_timestamp": "2027-01-01"}, "resource_monitor.frequency"),
        ({"credit_quota": 5, "notify_triggers": [0, 90]}, "resource_monitor.notify_triggers[0]"),
        ({"credit_quota": 5, "suspend_trigger": 150}, "suspend_trigger must not be above"),
        ({"credit_quota": 5, "notify_users": ["bob smith"]}, "resource_monitor.notify_users[0]"),
        ({"credit_quota": 5, "quota": 5}, "resource_monitor.quota"),
    ],
)
def test_a_bad_monitor_is_one_line_naming_the_setting(monitor: dict[str, Any], where: str) -> None:
    with pytest.raises(ConfigError) as err:
        config_with(monitor)
    line = err.value.one_line()
    assert where in line and "\n" not in line


@pytest.mark.parametrize("quota", [20, 0])
def test_the_kickstart_answer_writes_the_cap_into_tapestry_yml(tmp_path: Path, quota: int) -> None:
    key = tmp_path / "admin.p8"
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n")
    raw = yaml.safe_load((REPO / "examples" / "aws-answers.yml").read_text())
    # abctl_sha256: the example ships a placeholder the user replaces (tests/unit/test_example_answers.py).
    raw.update(snowflake_credit_quota=quota, snowflake_admin_private_key=f"file:{key}", abctl_sha256="ab" * 32)
    env = {n: f"{n.lower()}-value-123" for n in ("ZOOM_CLIENT_SECRET", "SALESFORCE_CLIENT_SECRET")}
    env |= {"SALESFORCE_REFRESH_TOKEN": "refresh-value-123", "MAILCHIMP_API_KEY": "mc-value-123-us1"}
    spec = load_template("zoom_salesforce_mailchimp")
    answers = validate_answers(spec, raw, tmp_path, env=env)
    config = parse_config(yaml.safe_load(render_files(spec, answers.values)["tapestry.yml"]), "tapestry.yml")
    monitor = config.snowflake.resource_monitor
    if quota:
        assert monitor is not None and monitor.credit_quota == quota
    else:
        assert monitor is None


def test_a_negative_cap_answer_is_refused(tmp_path: Path) -> None:
    from tapestry.kickstart.answers import AnswersError

    raw = yaml.safe_load((REPO / "examples" / "aws-answers.yml").read_text())
    raw.update(snowflake_credit_quota=-5)
    with pytest.raises(AnswersError, match="snowflake_credit_quota"):
        validate_answers(load_template("zoom_salesforce_mailchimp"), raw, tmp_path, env={})


def stack_tfvars(config: Any, public_keys: dict[str, str]) -> dict[str, Any]:
    """What the deploy hands the snowflake stack for this project (tfvars_snowflake, as stack_variables renders)."""
    objects = snowflake_objects(config)
    context = {"snowflake": config.snowflake.model_dump(), **snowflake_stack_context(objects, public_keys)}
    rendered = render_json(load_template("blank"), "tfvars_snowflake", context)
    assert isinstance(rendered, dict)
    return rendered


@pytest.mark.parametrize("monitor", [None, {"credit_quota": 20, "notify_users": ["ops"], "name": "acme_cap"}])
def test_stack_tfvars_make_the_module_declare_what_the_script_creates(
    monitor: dict[str, Any] | None,
    public_key_pem: Callable[[], str],
    module_model: Callable[[Mapping[str, Any]], ModuleModel],
) -> None:
    """config → tfvars_snowflake → stack variables → module: the same objects as `tapestry snowflake-sql` for the
    same project (the stack passes each of these variables to the module under the same name)."""
    config = config_with(monitor)
    keys = {role: public_key_pem() for role in ("loader", "transformer", "syncer")}
    tfvars = stack_tfvars(config, keys)
    assert set(tfvars) <= set(variables(STACK_DIR / "variables.tf"))
    # resource_monitor_exists is the stack's own input (it picks the account_admin role, test_monitor_removal.py).
    module_inputs = set(tfvars) - {"resource_monitor_exists"}
    assert module_inputs <= set(variables(MODULE_DIR / "variables.tf"))
    stack_main = (STACK_DIR / "main.tf").read_text()
    for name in module_inputs:
        assert f"{name} = var.{name}" in " ".join(stack_main.split()), f"the stack does not pass {name}"
    assert "PRIVATE KEY" not in json.dumps(tfvars)

    objects = snowflake_objects(config)
    declared = module_model({k: v for k, v in tfvars.items() if k in module_inputs}).declared()
    by_role = {"airbyte": keys["loader"], "dbt": keys["transformer"], "sync": keys["syncer"]}
    want = expected(objects, by_role)
    assert declared.objects == want.objects
    assert (monitor is None) == ("RESOURCE MONITOR" not in render_sql(objects))


class ShowWarehouses:
    """Answers SHOW WAREHOUSES as Snowflake does (columns as the connector names them); fakesnow cannot:
    it returns one canned FAKESNOW_WAREHOUSE row whatever the LIKE pattern."""

    def __init__(self, rows: list[dict[str, Any]] | Exception) -> None:
        self.rows = rows
        self.statements: list[str] = []

    def show(self, sql: str) -> list[dict[str, Any]]:
        self.statements.append(sql)
        if isinstance(self.rows, Exception):
            raise self.rows
        return self.rows


def test_the_warehouse_check_looks_only_when_a_cap_is_configured() -> None:
    uncapped = snowflake_objects(config_with(None))
    capped = snowflake_objects(config_with({"credit_quota": 20}))
    nothing = ShowWarehouses([])
    assert check_warehouse(nothing, uncapped) == []
    assert nothing.statements == []

    assigned = ShowWarehouses([{"name": "ACME_WH", "resource_monitor": "ACME_MONITOR"}])
    assert check_warehouse(assigned, capped) == []
    assert assigned.statements == ["SHOW WAREHOUSES LIKE 'ACME_WH'"]

    (problem,) = check_warehouse(ShowWarehouses([{"name": "ACME_WH", "resource_monitor": "null"}]), capped)
    assert problem.startswith("warehouse ACME_WH is not capped by resource monitor ACME_MONITOR (assigned: none)")
    assert "tapestry snowflake-sql" in problem
    (problem,) = check_warehouse(ShowWarehouses(RuntimeError("002003: does not exist or not authorized")), capped)
    assert problem == "cannot look at warehouse ACME_WH: 002003: does not exist or not authorized"


def test_the_adapter_shows_rows_by_column_name() -> None:
    """The real connector (on fakesnow): SHOW output comes back keyed by lower-case column names."""
    import fakesnow

    from tapestry.engines.warehouse.snowflake_adapter import SnowflakeSettings, SnowflakeWarehouse

    with fakesnow.patch():
        settings = SnowflakeSettings(account="fakesnow", user="u", role="r", warehouse="w", database="D")
        with SnowflakeWarehouse(settings) as warehouse:
            rows = warehouse.show("SHOW WAREHOUSES")
    assert rows and {"name", "resource_monitor", "size"} <= set(rows[0])
