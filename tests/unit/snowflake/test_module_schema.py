"""terraform/modules/snowflake against the provider's documented schema (the provider cannot be installed here).

PROVIDER_SCHEMA is taken from the provider reference (snowflakedb/snowflake v2.20.0 docs, summarised in
/work/shared/reference/snowflake-provider.md §3-4): allowed and required arguments and nested blocks per
resource type, and which resources are stable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from tapestry.engines.warehouse.snowflake_objects import TFVAR_NAMES, SnowflakeObjects
from unit.snowflake.sfmodel import (
    EXAMPLE_DIR,
    MODULE_DIR,
    is_meta,
    load_hcl,
    module_blocks,
    outputs,
    resources,
    run_terraform,
    unquote,
    variables,
)


@dataclass(frozen=True)
class Block:
    """Allowed arguments / nested blocks of a resource or block; `one_of` groups need exactly one member set."""

    arguments: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    blocks: dict[str, Block] = field(default_factory=dict)
    one_of: tuple[frozenset[str], ...] = ()


def _b(
    arguments: str = "",
    required: str = "",
    blocks: dict[str, Block] | None = None,
    one_of: tuple[str, ...] = (),
) -> Block:
    return Block(
        frozenset(arguments.split()),
        frozenset(required.split()),
        blocks or {},
        tuple(frozenset(group.split()) for group in one_of),
    )


_ALL_OR_FUTURE = _b("object_type_plural in_database in_schema", "object_type_plural", one_of=("in_database in_schema",))

# Stable resources of snowflakedb/snowflake 2.x (reference §3). Preview ones (file formats, snowflake_user_public_keys,
# snowflake_file_format, snowflake_stage, snowflake_storage_integration) are deliberately absent.
# snowflake_resource_monitor and snowflake_execute (stable) serve the optional resource monitor, through the
# snowflake.account_admin configuration only.
PROVIDER_SCHEMA: dict[str, Block] = {
    "snowflake_warehouse": _b(
        "name warehouse_size warehouse_type generation auto_suspend auto_resume initially_suspended "
        "min_cluster_count max_cluster_count scaling_policy resource_monitor statement_timeout_in_seconds "
        "statement_queued_timeout_in_seconds comment",
        "name",
    ),
    "snowflake_database": _b(
        "name is_transient comment data_retention_time_in_days drop_public_schema_on_creation",
        "name",
        {"replication": _b()},
    ),
    "snowflake_schema": _b(
        "database name with_managed_access is_transient data_retention_time_in_days comment", "database name"
    ),
    "snowflake_account_role": _b("name comment", "name"),
    "snowflake_service_user": _b(
        "name login_name rsa_public_key rsa_public_key_2 default_warehouse default_namespace default_role "
        "default_secondary_roles_option disabled days_to_expiry network_policy comment email display_name",
        "name",
    ),
    "snowflake_grant_account_role": _b(
        "role_name user_name parent_role_name", "role_name", one_of=("user_name parent_role_name",)
    ),
    "snowflake_grant_privileges_to_account_role": _b(
        "account_role_name privileges all_privileges on_account with_grant_option always_apply "
        "strict_privilege_management",
        "account_role_name",
        {
            "on_account_object": _b("object_type object_name", "object_type object_name"),
            "on_schema": _b(
                "schema_name all_schemas_in_database future_schemas_in_database",
                one_of=("schema_name all_schemas_in_database future_schemas_in_database",),
            ),
            "on_schema_object": _b(
                "object_type object_name",
                blocks={"all": _ALL_OR_FUTURE, "future": _ALL_OR_FUTURE},
                one_of=("object_type all future",),
            ),
        },
        one_of=("privileges all_privileges", "on_account on_account_object on_schema on_schema_object"),
    ),
    "snowflake_grant_ownership": _b(
        "account_role_name database_role_name outbound_privileges",
        blocks={
            "on": _b(
                "object_type object_name",
                blocks={"all": _ALL_OR_FUTURE, "future": _ALL_OR_FUTURE},
                one_of=("object_type all future",),
            )
        },
        one_of=("account_role_name database_role_name", "on"),
    ),
    "snowflake_resource_monitor": _b(
        "name credit_quota frequency start_timestamp end_timestamp notify_triggers notify_users suspend_trigger "
        "suspend_immediate_trigger",
        "name",
    ),
    "snowflake_execute": _b("execute revert query", "execute revert"),
}
STABLE_RESOURCES = frozenset(PROVIDER_SCHEMA) | {
    "snowflake_user",
    "snowflake_legacy_service_user",
    "snowflake_storage_integration_aws",
    "snowflake_stage_internal",
    "snowflake_stage_external_s3",
}
META_ARGUMENTS = frozenset({"provider", "for_each", "count", "depends_on", "lifecycle"})
COMMENTABLE = {
    "snowflake_warehouse",
    "snowflake_database",
    "snowflake_schema",
    "snowflake_account_role",
    "snowflake_service_user",
}
PRIVILEGE_ENUM = {
    "USAGE",
    "CREATE SCHEMA",
    "CREATE TABLE",
    "CREATE STAGE",
    "CREATE VIEW",
    "SELECT",
    "MONITOR",
    "OPERATE",
}

MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf")


def _check_block(where: str, body: dict[str, Any], schema: Block, problems: list[str], meta: bool = False) -> None:
    keys = {k for k in body if not is_meta(k)}
    allowed = schema.arguments | set(schema.blocks) | (META_ARGUMENTS if meta else set())
    for key in sorted(keys - allowed):
        problems.append(f"{where}: unknown argument or block {key!r}")
    for key in sorted(schema.required - keys):
        problems.append(f"{where}: missing required argument {key!r}")
    for group in schema.one_of:
        present = keys & group
        if len(present) != 1:
            problems.append(f"{where}: exactly one of {sorted(group)} must be set, found {sorted(present)}")
    for name, inner in schema.blocks.items():
        if name not in body:
            continue
        value = body[name]
        if not (isinstance(value, list) and all(isinstance(v, dict) and v.get("__is_block__") for v in value)):
            problems.append(f"{where}: {name} must be a nested block, not an argument")
            continue
        if len(value) != 1:
            problems.append(f"{where}: {name} must appear once")
        for item in value:
            _check_block(f"{where}.{name}", item, inner, problems)
    for key in keys & schema.arguments:
        if (
            isinstance(body[key], list)
            and body[key]
            and isinstance(body[key][0], dict)
            and body[key][0].get("__is_block__")
        ):
            problems.append(f"{where}: {key} is an argument, not a block")


def test_module_has_exactly_the_conventional_files() -> None:
    tf_files = sorted(p.name for p in MODULE_DIR.glob("*.tf"))
    assert tf_files == sorted(MODULE_FILES)
    for name in ("README.md", "CHANGELOG.md"):
        assert (MODULE_DIR / name).is_file(), name


def test_every_resource_and_argument_matches_the_provider_schema() -> None:
    found = resources(MODULE_DIR / "main.tf")
    assert found, "no resources parsed"
    problems: list[str] = []
    for rtype, name, body in found:
        assert rtype in STABLE_RESOURCES, f"{rtype}.{name} is not a stable resource of the provider"
        assert rtype in PROVIDER_SCHEMA, f"{rtype} has no schema entry in this test"
        _check_block(f"{rtype}.{name}", body, PROVIDER_SCHEMA[rtype], problems, meta=True)
    assert not problems, "\n".join(problems)
    used = {rtype for rtype, _, _ in found}
    assert used == set(PROVIDER_SCHEMA), (
        f"schema table lists resources the module does not use: {set(PROVIDER_SCHEMA) - used}"
    )


def test_the_schema_check_catches_mistakes() -> None:
    """The check above would fail on the mistakes it is meant to catch."""
    problems: list[str] = []
    bad_grant = {
        "account_role_name": "${x}",
        "privileges": ['"SELECT"'],
        "on_schema_object": [
            {
                "all": [{"object_type_plural": '"TABLES"', "in_shema": "${y}", "__is_block__": True}],
                "__is_block__": True,
            }
        ],
        "__is_block__": True,
    }
    _check_block("g", bad_grant, PROVIDER_SCHEMA["snowflake_grant_privileges_to_account_role"], problems, meta=True)
    assert any("in_shema" in p for p in problems)
    assert any("in_database" in p and "exactly one" in p for p in problems)
    problems.clear()
    _check_block(
        "u", {"name": "${x}", "password": '"x"'}, PROVIDER_SCHEMA["snowflake_service_user"], problems, meta=True
    )
    assert any("password" in p for p in problems)
    problems.clear()
    _check_block(
        "g",
        {"role_name": "${x}", "user_name": "${y}", "parent_role_name": '"SYSADMIN"'},
        PROVIDER_SCHEMA["snowflake_grant_account_role"],
        problems,
    )
    assert problems


def test_argument_values_use_the_documented_spellings() -> None:
    for rtype, name, body in resources(MODULE_DIR / "main.tf"):
        where = f"{rtype}.{name}"
        if rtype == "snowflake_warehouse":
            assert body["auto_resume"] == '"true"', f"{where}: auto_resume is a string boolean"
            assert body["initially_suspended"] is True, f"{where}: initially_suspended is a bool"
            assert body["warehouse_type"] == '"STANDARD"'
        if "privileges" in body and isinstance(body["privileges"], list):
            for privilege in body["privileges"]:
                value = unquote(privilege)
                assert value == value.upper() and value in PRIVILEGE_ENUM, f"{where}: privilege {privilege}"
        if rtype == "snowflake_grant_ownership":
            assert body["outbound_privileges"] == '"COPY"', f"{where}: keep existing grants when ownership moves"
        for block in body.get("on_schema_object", []):
            for scope in ("all", "future"):
                for inner in block.get(scope, []):
                    plural = inner["object_type_plural"]
                    assert plural.startswith("${") or unquote(plural) in {"TABLES", "VIEWS"}, where


def test_read_grant_plurals_are_valid() -> None:
    main = load_hcl(MODULE_DIR / "main.tf")
    (locals_block,) = main["locals"]
    text = (MODULE_DIR / "main.tf").read_text()
    plurals = set(re.findall(r'object_type_plural = "([A-Z_]+)"', text))
    assert plurals == {"TABLES", "VIEWS"}
    assert "read_grants" in locals_block


#: Which provider configuration (role) manages each resource type.
PROVIDER_OF = {
    # SYSADMIN creates the objects and hands over their ownership: on destroy the provider gives ownership back
    # to the role it runs as, and only SYSADMIN can then drop what SYSADMIN created.
    "snowflake_warehouse": None,
    "snowflake_database": None,
    "snowflake_schema": None,
    "snowflake_grant_ownership": None,
    "snowflake_account_role": "${snowflake.security_admin}",
    "snowflake_service_user": "${snowflake.security_admin}",
    "snowflake_grant_account_role": "${snowflake.security_admin}",
    "snowflake_grant_privileges_to_account_role": "${snowflake.security_admin}",
    # Only ACCOUNTADMIN may create a resource monitor or assign one to a warehouse.
    "snowflake_resource_monitor": "${snowflake.account_admin}",
    "snowflake_execute": "${snowflake.account_admin}",
}


def test_objects_are_created_with_the_right_provider_configuration() -> None:
    assert set(PROVIDER_OF) == set(PROVIDER_SCHEMA)
    for rtype, name, body in resources(MODULE_DIR / "main.tf"):
        expected = PROVIDER_OF[rtype]
        assert body.get("provider") == expected, f"{rtype}.{name} must use {expected or 'the default provider'}"


def test_the_resource_monitor_is_optional_and_keeps_the_warehouse_sysadmins() -> None:
    """Monitor and assignment exist only with var.resource_monitor; the SYSADMIN warehouse never undoes it."""
    found = {(rtype, name): body for rtype, name, body in resources(MODULE_DIR / "main.tf")}
    for key in (("snowflake_resource_monitor", "this"), ("snowflake_execute", "warehouse_resource_monitor")):
        assert found[key]["for_each"] == "${local.resource_monitors}", key
    (lifecycle,) = found[("snowflake_warehouse", "this")]["lifecycle"]
    assert lifecycle["ignore_changes"] == ["resource_monitor"]
    (assign_lifecycle,) = found[("snowflake_execute", "warehouse_resource_monitor")]["lifecycle"]
    assert assign_lifecycle["replace_triggered_by"] == ["${snowflake_resource_monitor.this[each.key]}"]


def test_versions_pin_the_provider_and_declare_the_alias() -> None:
    (terraform,) = load_hcl(MODULE_DIR / "versions.tf")["terraform"]
    (required,) = terraform["required_providers"]
    snowflake = required["snowflake"]
    assert unquote(snowflake["source"]) == "snowflakedb/snowflake"
    assert unquote(snowflake["version"]) == "~> 2.20"
    assert snowflake["configuration_aliases"] == ["${snowflake.security_admin}", "${snowflake.account_admin}"]
    assert unquote(terraform["required_version"]) == ">= 1.9"
    (example_tf,) = load_hcl(EXAMPLE_DIR / "versions.tf")["terraform"]
    (example_required,) = example_tf["required_providers"]
    assert unquote(example_required["snowflake"]["version"]) == "~> 2.20"


def test_every_variable_has_type_description_and_validation() -> None:
    found = variables(MODULE_DIR / "variables.tf")
    assert found
    for name, body in found.items():
        assert body.get("type"), f"variable {name} has no type"
        assert len(unquote(body.get("description", ""))) > 10, f"variable {name} has no description"
        if body["type"] == "bool":
            continue  # a switch such as `create`: nothing to validate
        assert body.get("validation"), f"variable {name} has no validation"
        for rule in body["validation"]:
            assert rule.get("condition") and unquote(rule.get("error_message", "")), name


def test_example_variables_have_type_and_description() -> None:
    for name, body in variables(EXAMPLE_DIR / "variables.tf").items():
        assert body.get("type") and unquote(body.get("description", "")), name


def test_every_commentable_object_carries_the_comment() -> None:
    for rtype, name, body in resources(MODULE_DIR / "main.tf"):
        if rtype in COMMENTABLE:
            assert body.get("comment") == "${var.comment}", f"{rtype}.{name} has no comment = var.comment"


def test_no_password_anywhere() -> None:
    for folder in (MODULE_DIR, EXAMPLE_DIR):
        for path in folder.glob("*.tf"):
            code = "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())
            assert not re.search(r"\bpassword\b", code, re.IGNORECASE), f"{path.name} mentions a password"
    for rtype, _, _ in resources(MODULE_DIR / "main.tf"):
        assert rtype not in {"snowflake_legacy_service_user", "snowflake_user"}, "service users only"


def test_terraform_fmt_is_clean() -> None:
    result = run_terraform("fmt", "-check", "-recursive", "-diff", str(MODULE_DIR), str(EXAMPLE_DIR), cwd=MODULE_DIR)
    assert result.returncode == 0, f"terraform fmt -check failed:\n{result.stdout}{result.stderr}"


def test_example_wires_every_variable_of_the_module() -> None:
    (module,) = module_blocks(EXAMPLE_DIR / "main.tf").values()
    assert unquote(module["source"]) == "../../modules/snowflake"
    wired = {k for k in module if k not in {"source", "providers"} and not is_meta(k)}
    assert wired == set(variables(MODULE_DIR / "variables.tf"))
    example_vars = set(variables(EXAMPLE_DIR / "variables.tf"))
    for arg in wired:
        assert module[arg] == f"${{var.{arg}}}", f"example: {arg} should come from var.{arg}"
        assert arg in example_vars
    assert set(module["providers"]) == {"snowflake", "${snowflake.security_admin}", "${snowflake.account_admin}"}


def test_module_variables_match_the_python_model() -> None:
    """tfvars() produces exactly the module's variables, so the orchestrator can feed the module from it."""
    tfvars = SnowflakeObjects(prefix="ACME").tfvars()
    # `create` is the module's on/off switch (default true); the orchestrator never turns it off.
    assert set(tfvars) == set(variables(MODULE_DIR / "variables.tf")) - {"create"}
    assert set(TFVAR_NAMES.values()) <= set(tfvars)


def test_scalar_outputs_match_names() -> None:
    declared = outputs(MODULE_DIR / "outputs.tf")
    names = SnowflakeObjects().names()
    assert set(names) <= set(declared), f"missing outputs: {set(names) - set(declared)}"
    assert set(declared) - set(names) == {"service_users", "users_without_rsa_public_key", "resource_monitor_name"}
    for name, body in declared.items():
        assert unquote(body.get("description", "")), f"output {name} has no description"


@pytest.mark.parametrize("path", ["README.md"])
def test_readme_documents_every_input_and_output(path: str) -> None:
    """The generated tables (terraform-docs format, tests/support/terraform_docs.py) are current and complete."""
    from support.terraform_docs import render

    readme = (MODULE_DIR / path).read_text()
    assert render(MODULE_DIR) in readme, "README tables are out of date: run `make terraform-docs`"
    for name in variables(MODULE_DIR / "variables.tf"):
        assert f'<a name="input_{name}">' in readme, f"README misses input {name}"
    for name in outputs(MODULE_DIR / "outputs.tf"):
        assert f'<a name="output_{name}">' in readme, f"README misses output {name}"
    assert "## Usage" in readme and "```hcl" in readme


def test_changelog_has_the_module_version() -> None:
    from tapestry.engines.warehouse.snowflake_objects import MODULE_VERSION

    assert MODULE_VERSION == "3.0.0"
    assert f"## {MODULE_VERSION}" in (MODULE_DIR / "CHANGELOG.md").read_text()
