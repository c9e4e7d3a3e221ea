"""The Terraform module, the SQL script and `SnowflakeObjects` declare exactly the same objects and grants.

The module side is the parsed HCL with its locals and validation evaluated by Terraform (no provider needed) and
each resource instance resolved; the script side is the rendered SQL, parsed statement by statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from tapestry.engines.warehouse.snowflake_objects import (
    RESERVED_KEYWORDS,
    TFVAR_NAMES,
    ResourceMonitor,
    SnowflakeObjects,
    render_sql,
)
from unit.snowflake.sfmodel import (
    Declared,
    ModuleModel,
    TerraformEvaluator,
    example_module_inputs,
    expected,
    parse_sql_script,
)

OVERRIDES: dict[str, Any] = {
    "prefix": "acme_prod",
    "warehouse_name": "shared_wh",
    "raw_database_name": "LANDING",
    "analytics_database_name": "acme_dw",
    "raw_schema_names": ["zoom_webinars", "Crm"],
    "marts_schema_name": "PUBLISHED",
    "sync_schema_name": "SYNC_STATE",
    "transformer_role_name": "DBT_ROLE",
    "sync_user_name": "svc_sync",
    "warehouse_size": "small",
    "warehouse_auto_suspend_seconds": 120,
    "comment": "Owned by the data team; it's 'quoted' \\ and escaped",
}


def objects_from_inputs(inputs: Mapping[str, Any]) -> tuple[SnowflakeObjects, dict[str, str | None]]:
    """The `SnowflakeObjects` + public keys equivalent to a set of module inputs."""
    fields = {name: inputs.get(var) for name, var in TFVAR_NAMES.items()}
    objects = SnowflakeObjects.from_overrides(**fields)
    keys = {key: inputs.get(f"{key}_user_rsa_public_key") for key in ("airbyte", "dbt", "sync")}
    return objects, keys


def assert_same(left: Declared, right: Declared, what: str) -> None:
    assert left.objects == right.objects, f"{what}: objects differ: {sorted(left.objects ^ right.objects, key=str)}"
    assert left.role_grants == right.role_grants, f"{what}: role grants differ: {left.role_grants ^ right.role_grants}"
    left_atoms = set().union(*(g.atoms() for g in left.grants))
    right_atoms = set().union(*(g.atoms() for g in right.grants))
    assert left_atoms == right_atoms, f"{what}: grants differ: {sorted(left_atoms ^ right_atoms)}"
    assert left.grants == right.grants, f"{what}: grants are grouped differently"


@pytest.fixture(scope="module")
def key_pems(public_key_pem: Callable[[], str]) -> dict[str, str]:
    return {"airbyte": public_key_pem(), "dbt": public_key_pem()}


MONITOR: dict[str, Any] = {
    "credit_quota": 20,
    "frequency": "weekly",
    "start_timestamp": "2027-01-04 00:00",
    "notify_triggers": [90, 50, 90],
    "suspend_immediate_trigger": 120,
    "notify_users": ["ops_lead", "Data_Eng"],
}


def cases(key_pems: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {
        "example defaults": example_module_inputs(),
        "resource monitor, defaults": example_module_inputs({"resource_monitor": {"credit_quota": 5}}),
        "resource monitor, every setting": example_module_inputs(
            {**OVERRIDES, "resource_monitor": MONITOR, "resource_monitor_name": "acme_cap"}
        ),
        "overrides and keys": example_module_inputs(
            {
                **OVERRIDES,
                "airbyte_user_rsa_public_key": key_pems["airbyte"],
                # the body alone, on one line, is accepted too
                "dbt_user_rsa_public_key": "".join(key_pems["dbt"].splitlines()[1:-1]),
            }
        ),
    }


CASES = [
    "example defaults",
    "overrides and keys",
    "resource monitor, defaults",
    "resource monitor, every setting",
]


@pytest.mark.parametrize("case", CASES)
def test_module_script_and_model_declare_the_same(
    case: str, key_pems: dict[str, str], module_model: Callable[[Mapping[str, Any]], ModuleModel]
) -> None:
    inputs = cases(key_pems)[case]
    objects, keys = objects_from_inputs(inputs)
    model = expected(objects, keys)

    from_module = module_model(inputs).declared()
    from_script = parse_sql_script(render_sql(objects, keys))

    assert_same(from_module, model, "module vs SnowflakeObjects")
    assert_same(from_script, model, "SQL script vs SnowflakeObjects")
    assert len(model.grants) == len(objects.grants()), "grants() has duplicates"

    # The same administrative role creates each kind of object on both sides.
    roles = {
        "snowflake": "SYSADMIN",
        "snowflake.security_admin": "SECURITYADMIN",
        "snowflake.account_admin": "ACCOUNTADMIN",
    }
    assert {k: {roles[p] for p in v} for k, v in from_module.created_by.items()} == from_script.created_by
    assert from_script.created_by["DATABASE"] == {"SYSADMIN"}
    assert from_script.created_by["GRANT"] == {"SECURITYADMIN"}
    # SYSADMIN hands over what it created, so that destroying the module gives it back to SYSADMIN.
    assert from_script.created_by["OWNERSHIP"] == {"SYSADMIN"}
    if objects.resource_monitor is None:
        assert not {"RESOURCE_MONITOR", "WAREHOUSE_MONITOR"} & set(from_script.created_by)
    else:
        assert from_script.created_by["RESOURCE_MONITOR"] == {"ACCOUNTADMIN"}
        assert from_script.created_by["WAREHOUSE_MONITOR"] == {"ACCOUNTADMIN"}


def test_example_defaults_flow_through_the_prefix(module_model: Callable[[Mapping[str, Any]], ModuleModel]) -> None:
    inputs = example_module_inputs()
    names = {obj[1] for obj in module_model(inputs).declared().objects}
    prefix = inputs["prefix"].upper()
    assert {f"{prefix}_WH", f"{prefix}_RAW", f"{prefix}_ANALYTICS", f"{prefix}_DBT", f"{prefix}_SYNCER"} <= names
    assert f"{prefix}_ANALYTICS.MARTS" in names


def test_overrides_reach_every_side(
    key_pems: dict[str, str], module_model: Callable[[Mapping[str, Any]], ModuleModel]
) -> None:
    inputs = cases(key_pems)["overrides and keys"]
    declared = module_model(inputs).declared()
    names = {obj[1] for obj in declared.objects}
    assert {
        "SHARED_WH",
        "LANDING",
        "ACME_DW",
        "LANDING.ZOOM_WEBINARS",
        "LANDING.CRM",
        "ACME_DW.PUBLISHED",
        "DBT_ROLE",
        "SVC_SYNC",
    } <= names
    assert "ACME_PROD_LOADER" in names and "ACME_PROD_AIRBYTE" in names
    users = {obj[1]: obj for obj in declared.objects if obj[0] == "USER"}
    assert users["ACME_PROD_AIRBYTE"][5] == "".join(key_pems["airbyte"].splitlines()[1:-1])
    assert users["ACME_PROD_DBT"][5] == "".join(key_pems["dbt"].splitlines()[1:-1])
    assert users["SVC_SYNC"][5] is None


def test_monitor_settings_reach_every_side(
    key_pems: dict[str, str], module_model: Callable[[Mapping[str, Any]], ModuleModel]
) -> None:
    declared = module_model(cases(key_pems)["resource monitor, every setting"]).declared()
    (monitor,) = [obj for obj in declared.objects if obj[0] == "RESOURCE_MONITOR"]
    assert monitor == (
        "RESOURCE_MONITOR",
        "ACME_CAP",
        20,
        "WEEKLY",
        "2027-01-04 00:00",
        (50, 90),
        100,
        120,
        ("DATA_ENG", "OPS_LEAD"),
    )
    assert ("WAREHOUSE_MONITOR", "SHARED_WH", "ACME_CAP") in declared.objects
    defaults = module_model(cases(key_pems)["resource monitor, defaults"]).declared()
    (monitor,) = [obj for obj in defaults.objects if obj[0] == "RESOURCE_MONITOR"]
    prefix = example_module_inputs()["prefix"].upper()
    assert monitor == ("RESOURCE_MONITOR", f"{prefix}_MONITOR", 5, None, None, (75, 90), 100, 110, ())


def test_the_comparison_detects_a_changed_monitor() -> None:
    objects = SnowflakeObjects(resource_monitor=ResourceMonitor(20))
    script = render_sql(objects)
    assert "ON 110 PERCENT DO SUSPEND_IMMEDIATE" in script
    dropped = "\n".join(line for line in script.splitlines() if not line.startswith("ALTER WAREHOUSE"))
    with pytest.raises(AssertionError, match="objects differ"):
        assert_same(parse_sql_script(dropped), expected(objects), "unassigned monitor")
    raised = script.replace("CREDIT_QUOTA = 20 TRIGGERS", "CREDIT_QUOTA = 25 TRIGGERS", 1)
    with pytest.raises(AssertionError, match="must set the same quota"):
        parse_sql_script(raised)


def test_the_comparison_detects_a_missing_grant() -> None:
    objects = SnowflakeObjects()
    script = render_sql(objects)
    dropped = "\n".join(
        line for line in script.splitlines() if "ON FUTURE VIEWS IN SCHEMA TAPESTRY_ANALYTICS.MARTS" not in line
    )
    with pytest.raises(AssertionError, match="grants differ"):
        assert_same(parse_sql_script(dropped), expected(objects), "mutated script")


def test_the_comparison_detects_a_renamed_object() -> None:
    objects = SnowflakeObjects(raw_schemas=("ZOOM",))
    script = render_sql(objects).replace(
        "CREATE SCHEMA IF NOT EXISTS TAPESTRY_RAW.ZOOM", "CREATE SCHEMA IF NOT EXISTS TAPESTRY_RAW.Z00M"
    )
    with pytest.raises(AssertionError, match="objects differ"):
        assert_same(parse_sql_script(script), expected(objects), "mutated script")


# --------------------------------------------------------------------------------------------------------------------
# Terraform validation rules (evaluated by Terraform itself)
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"prefix": "1bad;drop"}, "prefix must be a Snowflake identifier"),
        ({"prefix": "acme prod"}, "prefix must be a Snowflake identifier"),
        ({"prefix": "SELECT"}, "prefix must be a Snowflake identifier"),
        ({"warehouse_name": "wh-1"}, "warehouse_name must be a Snowflake identifier"),
        ({"dbt_user_name": "TABLE"}, "dbt_user_name must be a Snowflake identifier"),
        ({"marts_schema_name": "public"}, "marts_schema_name must be a Snowflake identifier"),
        ({"raw_schema_names": ["ZOOM", "information_schema"]}, "raw_schema_names must be Snowflake identifiers"),
        ({"raw_schema_names": ["crm", "web-forms"]}, "raw_schema_names must be Snowflake identifiers"),
        ({"raw_schema_names": ["crm", "CRM"]}, "must not name a schema twice"),
        ({"raw_schema_names": ["marts"]}, "cannot be ANALYTICS, MARTS or SYNC"),
        ({"warehouse_size": "HUGE"}, "warehouse_size must be one of"),
        ({"warehouse_auto_suspend_seconds": 0}, "warehouse_auto_suspend_seconds must be a whole number"),
        ({"comment": "two\nlines"}, "comment must be one line"),
        (
            {"dbt_user_rsa_public_key": "-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----"},
            "never a private key",
        ),
        ({"sync_user_rsa_public_key": "not a key!"}, "sync_user_rsa_public_key must be an RSA public key"),
        ({"resource_monitor": {"credit_quota": 0}}, "resource_monitor.credit_quota must be a whole number"),
        ({"resource_monitor": {"credit_quota": 2.5}}, "resource_monitor.credit_quota must be a whole number"),
        ({"resource_monitor": {"credit_quota": 5, "frequency": "DAILY"}}, "go together"),
        (
            {"resource_monitor": {"credit_quota": 5, "frequency": "hourly", "start_timestamp": "2027-01-01"}},
            "resource_monitor.frequency must be one of",
        ),
        (
            {"resource_monitor": {"credit_quota": 5, "frequency": "DAILY", "start_timestamp": "tomorrow"}},
            "resource_monitor.start_timestamp must be a date",
        ),
        ({"resource_monitor": {"credit_quota": 5, "notify_triggers": [0]}}, "whole percentages of the quota"),
        ({"resource_monitor": {"credit_quota": 5, "suspend_trigger": 1001}}, "whole percentages of the quota"),
        (
            {"resource_monitor": {"credit_quota": 5, "suspend_trigger": 120, "suspend_immediate_trigger": 110}},
            "must not be above suspend_immediate_trigger",
        ),
        ({"resource_monitor": {"credit_quota": 5, "notify_users": ["bob smith"]}}, "must be Snowflake user names"),
        ({"resource_monitor_name": "MONITOR-1"}, "resource_monitor_name must be a Snowflake identifier"),
    ],
)
def test_terraform_rejects_bad_inputs(inputs: dict[str, Any], message: str, terraform_eval: TerraformEvaluator) -> None:
    errors = terraform_eval.validation_errors(inputs)
    assert message in " ".join(errors.split()), errors


def test_terraform_accepts_good_inputs(terraform_eval: TerraformEvaluator, key_pems: dict[str, str]) -> None:
    good = {**OVERRIDES, "airbyte_user_rsa_public_key": key_pems["airbyte"], "resource_monitor": MONITOR}
    assert terraform_eval.validation_errors(good) == ""


@pytest.mark.parametrize(
    "inputs",
    [
        {"prefix": "1bad;drop"},
        {"prefix": "SELECT"},
        {"warehouse_name": "wh-1"},
        {"marts_schema_name": "public"},
        {"resource_monitor": {"credit_quota": 0}},
        {"resource_monitor": {"credit_quota": 2.5}},
        {"resource_monitor": {"credit_quota": 5, "frequency": "DAILY"}},
        {"resource_monitor": {"credit_quota": 5, "frequency": "hourly", "start_timestamp": "2027-01-01"}},
        {"resource_monitor": {"credit_quota": 5, "frequency": "DAILY", "start_timestamp": "tomorrow"}},
        {"resource_monitor": {"credit_quota": 5, "notify_triggers": [0]}},
        {"resource_monitor": {"credit_quota": 5, "suspend_trigger": 1001}},
        {"resource_monitor": {"credit_quota": 5, "suspend_trigger": 120, "suspend_immediate_trigger": 110}},
        {"resource_monitor": {"credit_quota": 5, "notify_users": ["bob smith"]}},
        {"resource_monitor_name": "MONITOR-1"},
    ],
)
def test_python_rejects_what_terraform_rejects(inputs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        objects_from_inputs(inputs)


def test_reserved_keywords_are_the_same_list(module_model: Callable[[Mapping[str, Any]], ModuleModel]) -> None:
    model = module_model(example_module_inputs())
    assert set(model.locals["reserved_keywords"]) == set(RESERVED_KEYWORDS)
