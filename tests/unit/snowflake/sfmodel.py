"""Helpers for the Snowflake module / SQL script tests (imported as `unit.snowflake.sfmodel`).

The snowflakedb/snowflake provider cannot be installed here, so the module is read three ways:

- python-hcl2 parses the files (resource types, arguments, blocks: checked against the provider's schema);
- Terraform itself evaluates the module's `locals` and variable validation, in a temporary copy holding only
  variables.tf and the locals block (no resources, so no provider and no `init` are needed);
- `ModuleModel` resolves each resource instance's arguments (for_each, each.value, local.*, var.*, references
  to other resources' `name` / `fully_qualified_name`) into the objects and grants the module declares.

`parse_sql_script` reads the rendered SQL script into the same shape, so the two can be compared exactly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tapestry.engines.warehouse.snowflake_objects import (
    WAREHOUSE_AUTO_RESUME,
    WAREHOUSE_INITIALLY_SUSPENDED,
    WAREHOUSE_TYPE,
    Grant,
    RoleGrant,
    SnowflakeObjects,
    normalize_public_keys,
)

REPO = Path(__file__).resolve().parents[3]
MODULE_DIR = REPO / "terraform" / "modules" / "snowflake"
EXAMPLE_DIR = REPO / "terraform" / "examples" / "snowflake"

# --------------------------------------------------------------------------------------------------------------------
# Terraform
# --------------------------------------------------------------------------------------------------------------------


def terraform_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0", TF_CLI_CONFIG_FILE=os.devnull)
    return env


def terraform_binary() -> str:
    found = shutil.which("terraform")
    if not found:
        pytest.fail("terraform is not on PATH (make test needs it: https://developer.hashicorp.com/terraform/install)")
    return found


def run_terraform(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [terraform_binary(), *args],
        cwd=cwd,
        env=terraform_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --------------------------------------------------------------------------------------------------------------------
# HCL
# --------------------------------------------------------------------------------------------------------------------


@cache
def load_hcl(path: Path) -> dict[str, Any]:
    import hcl2

    with path.open(encoding="utf-8") as handle:
        return dict(hcl2.load(handle))


def unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


def resources(path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(type, name, body) of every resource block in a file."""
    found = []
    for block in load_hcl(path).get("resource", []):
        for rtype, named in block.items():
            if is_meta(rtype):
                continue
            for name, body in named.items():
                if is_meta(name):
                    continue
                found.append((unquote(rtype), unquote(name), body))
    return found


def variables(path: Path) -> dict[str, dict[str, Any]]:
    return {
        unquote(n): body for block in load_hcl(path).get("variable", []) for n, body in block.items() if not is_meta(n)
    }


def outputs(path: Path) -> dict[str, dict[str, Any]]:
    return {
        unquote(n): body for block in load_hcl(path).get("output", []) for n, body in block.items() if not is_meta(n)
    }


def module_blocks(path: Path) -> dict[str, dict[str, Any]]:
    return {
        unquote(n): body for block in load_hcl(path).get("module", []) for n, body in block.items() if not is_meta(n)
    }


def is_meta(key: str) -> bool:
    """python-hcl2 bookkeeping keys (__is_block__, __comments__, __inline_comments__)."""
    return key.startswith("__") and key.endswith("__")


def locals_names(path: Path) -> list[str]:
    return [k for block in load_hcl(path).get("locals", []) for k in block if not is_meta(k)]


def literal(value: Any) -> Any:
    """A python-hcl2 value as Python: '"x"' → 'x'; numbers/bools/null as they are; lists/dicts recursively."""
    if isinstance(value, str):
        if value.startswith('"') and value.endswith('"') and "${" not in value:
            return json.loads(value)
        if value in {"null", "${null}"}:
            return None
        raise ValueError(f"not a literal: {value}")
    if isinstance(value, list):
        return [literal(v) for v in value]
    if isinstance(value, dict):
        return {k: literal(v) for k, v in value.items() if not is_meta(k)}
    return value


def locals_block_text(path: Path) -> str:
    """The source text of the (single) `locals { ... }` block."""
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^locals\s*\{", text, re.MULTILINE)
    assert match, f"no locals block in {path}"
    depth = 0
    for i in range(match.end() - 1, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[match.start() : i + 1]
    raise AssertionError("unbalanced locals block")


def example_module_inputs(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The module inputs the example passes, with the example variables' defaults (plus `overrides`)."""
    example_vars = {
        name: literal(body.get("default", "null")) for name, body in variables(EXAMPLE_DIR / "variables.tf").items()
    }
    example_vars.update(overrides or {})
    (module,) = module_blocks(EXAMPLE_DIR / "main.tf").values()
    inputs: dict[str, Any] = {}
    for arg, expr in module.items():
        if arg in {"source", "providers"} or is_meta(arg):
            continue
        match = re.fullmatch(r"\$\{var\.([A-Za-z0-9_]+)\}", expr) if isinstance(expr, str) else None
        inputs[arg] = example_vars[match.group(1)] if match else literal(expr)
    return inputs


class TerraformEvaluator:
    """Evaluates the module's locals and validation rules with real Terraform, without the provider."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        shutil.copy(MODULE_DIR / "variables.tf", workdir / "variables.tf")
        (workdir / "locals.tf").write_text(locals_block_text(MODULE_DIR / "main.tf") + "\n", encoding="utf-8")
        local_items = "\n".join(f"    {name} = local.{name}" for name in locals_names(MODULE_DIR / "main.tf"))
        var_items = "\n".join(f"    {name} = var.{name}" for name in variables(MODULE_DIR / "variables.tf"))
        (workdir / "outputs.tf").write_text(
            f'output "locals" {{\n  value = {{\n{local_items}\n  }}\n}}\n\n'
            f'output "vars" {{\n  value = {{\n{var_items}\n  }}\n}}\n',
            encoding="utf-8",
        )
        self._cache: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        self._count = 0

    def _var_file(self, values: Mapping[str, Any]) -> Path:
        self._count += 1
        path = self.workdir / f"run{self._count}.tfvars.json"
        path.write_text(json.dumps({k: v for k, v in values.items() if v is not None}), encoding="utf-8")
        return path

    def evaluate(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(locals, vars) as Terraform computes them for these inputs."""
        key = json.dumps(values, sort_keys=True)
        if key not in self._cache:
            var_file = self._var_file(values)
            state = self.workdir / f"run{self._count}.tfstate"
            applied = run_terraform(
                "apply", "-auto-approve", "-no-color", f"-state={state}", f"-var-file={var_file}", cwd=self.workdir
            )
            assert applied.returncode == 0, applied.stderr + applied.stdout
            shown = run_terraform("output", "-json", f"-state={state}", cwd=self.workdir)
            assert shown.returncode == 0, shown.stderr
            data = json.loads(shown.stdout)
            self._cache[key] = (data["locals"]["value"], data["vars"]["value"])
        return self._cache[key]

    def validation_errors(self, values: Mapping[str, Any]) -> str:
        """stderr of a plan with these inputs ('' when every validation rule passes)."""
        var_file = self._var_file(values)
        planned = run_terraform("plan", "-no-color", "-input=false", f"-var-file={var_file}", cwd=self.workdir)
        return "" if planned.returncode == 0 else planned.stderr


# --------------------------------------------------------------------------------------------------------------------
# Declared objects and grants (the comparison model)
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class Declared:
    """What a module or a script creates: objects (with their settings), role grants, privilege grants."""

    objects: set[tuple[Any, ...]] = field(default_factory=set)
    role_grants: set[RoleGrant] = field(default_factory=set)
    grants: set[Grant] = field(default_factory=set)
    #: object kind → role that creates it (SYSADMIN / SECURITYADMIN, or the provider alias in Terraform)
    created_by: dict[str, set[str]] = field(default_factory=dict)

    def note_creator(self, kind: str, creator: str) -> None:
        self.created_by.setdefault(kind, set()).add(creator)


def expected(objects: SnowflakeObjects, public_keys: Mapping[str, str | None] | None = None) -> Declared:
    """The declaration `SnowflakeObjects` describes."""
    keys = normalize_public_keys(objects, public_keys or {})
    declared = Declared()
    declared.objects.add(
        (
            "WAREHOUSE",
            objects.warehouse,
            objects.warehouse_size,
            objects.warehouse_auto_suspend,
            WAREHOUSE_AUTO_RESUME,
            WAREHOUSE_INITIALLY_SUSPENDED,
            WAREHOUSE_TYPE,
            objects.comment,
        )
    )
    declared.objects |= {("DATABASE", db, objects.comment) for db in objects.databases}
    declared.objects |= {("SCHEMA", objects.fqn(db, s), objects.comment) for db, s in objects.schemas}
    declared.objects |= {("ROLE", role, objects.comment) for role in objects.roles}
    declared.objects |= {
        ("USER", u.name, "SERVICE", u.role, objects.warehouse, keys[u.name], objects.comment) for u in objects.users
    }
    declared.role_grants = set(objects.role_grants())
    declared.grants = set(objects.grants())
    monitor = objects.resource_monitor
    if monitor is not None:
        declared.objects.add(monitor_object(objects.resource_monitor_name, monitor.tfvar()))
        declared.objects.add(("WAREHOUSE_MONITOR", objects.warehouse, objects.resource_monitor_name))
    return declared


def monitor_object(name: str, settings: Mapping[str, Any]) -> tuple[Any, ...]:
    """A resource monitor as a comparable tuple, from the module variable's shape."""
    return (
        "RESOURCE_MONITOR",
        name,
        settings["credit_quota"],
        settings.get("frequency"),
        settings.get("start_timestamp"),
        tuple(sorted(settings.get("notify_triggers") or ())),
        settings["suspend_trigger"],
        settings["suspend_immediate_trigger"],
        tuple(sorted(settings.get("notify_users") or ())),
    )


_ASSIGN_MONITOR = re.compile(r"ALTER WAREHOUSE ([\w$]+) SET RESOURCE_MONITOR = ([\w$]+)")


_TRAVERSAL_TOKEN = re.compile(
    r'\s*(?:(?P<ident>[A-Za-z_][A-Za-z0-9_-]*)|(?P<num>[0-9]+)|(?P<dot>\.)|(?P<open>\[)|(?P<close>\])|(?P<str>"[^"]*")'
    r"|(?P<lparen>\()|(?P<rparen>\))|(?P<comma>,))"
)
#: The functions resource arguments may call (everything else is left to locals, which Terraform evaluates).
FUNCTIONS: dict[str, Callable[..., Any]] = {"upper": str.upper}


class ModuleModel:
    """Resource instances of the module with every argument resolved to a value."""

    def __init__(self, local_values: dict[str, Any], var_values: dict[str, Any]) -> None:
        self.locals = local_values
        self.vars = var_values
        self.blocks = {(rtype, name): body for rtype, name, body in resources(MODULE_DIR / "main.tf")}
        self._instances: dict[tuple[str, str, str | None], dict[str, Any]] = {}

    # -- expressions -----------------------------------------------------------------------------------------------

    def value(self, raw: Any, each: tuple[str, Any] | None) -> Any:
        if isinstance(raw, list):
            return [self.value(v, each) for v in raw]
        if isinstance(raw, dict):
            return {k: self.value(v, each) for k, v in raw.items() if not is_meta(k)}
        if not isinstance(raw, str):
            return raw
        toggle = re.fullmatch(r"\$\{var\.create \? (.+) : (\{\}|0)\}", raw, re.DOTALL)
        if toggle:  # the module's create switch: `var.create ? local.x : {}` and `var.create ? 1 : 0`
            if not self.vars["create"]:
                return {} if toggle.group(2) == "{}" else 0
            kept = toggle.group(1)
            return int(kept) if kept.isdigit() else self.expression(kept, each)
        whole = re.fullmatch(r"\$\{(.*)\}", raw, re.DOTALL)
        if whole and "${" not in whole.group(1):
            return self.expression(whole.group(1), each)
        if raw.startswith('"') and raw.endswith('"'):
            body = raw[1:-1]
            return re.sub(r"\$\{([^}]*)\}", lambda m: str(self.expression(m.group(1), each)), body).replace('\\"', '"')
        if raw in {"true", "false"}:
            return raw == "true"
        raise AssertionError(f"unsupported expression {raw!r}")

    def expression(self, text: str, each: tuple[str, Any] | None) -> Any:
        tokens = self._tokens(text)
        result, rest = self._traversal(tokens, each)
        assert not rest, f"unsupported expression {text!r}"
        return result

    @staticmethod
    def _tokens(text: str) -> list[tuple[str, str]]:
        tokens, pos = [], 0
        text = text.strip()
        while pos < len(text):
            match = _TRAVERSAL_TOKEN.match(text, pos)
            assert match and match.end() > pos, f"unsupported expression {text!r}"
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            pos = match.end()
        return tokens

    def _traversal(
        self, tokens: list[tuple[str, str]], each: tuple[str, Any] | None
    ) -> tuple[Any, list[tuple[str, str]]]:
        kind, root = tokens[0]
        if kind == "str":
            return json.loads(root), tokens[1:]
        if kind == "num":
            return int(root), tokens[1:]
        assert kind == "ident", tokens
        if len(tokens) > 1 and tokens[1][0] == "lparen":
            return self._call(root, tokens[2:], each)
        steps: list[Any] = []
        rest = tokens[1:]
        while rest and rest[0][0] in {"dot", "open"}:
            if rest[0][0] == "dot":
                steps.append(rest[1][1])
                rest = rest[2:]
            else:
                index, after = self._traversal(rest[1:], each)
                assert after and after[0][0] == "close", tokens
                steps.append(index)
                rest = after[1:]
        return self._resolve(root, steps, each), rest

    def _call(
        self, function: str, tokens: list[tuple[str, str]], each: tuple[str, Any] | None
    ) -> tuple[Any, list[tuple[str, str]]]:
        assert function in FUNCTIONS, f"unsupported function {function}() in a resource argument"
        args: list[Any] = []
        rest = tokens
        while rest[0][0] != "rparen":
            arg, rest = self._traversal(rest, each)
            args.append(arg)
            if rest[0][0] == "comma":
                rest = rest[1:]
        return FUNCTIONS[function](*args), rest[1:]

    def _resolve(self, root: str, steps: list[Any], each: tuple[str, Any] | None) -> Any:
        if root in {"var", "local"}:
            value: Any = self.vars if root == "var" else self.locals
        elif root == "each":
            assert each is not None, "each.* outside for_each"
            value = {"key": each[0], "value": each[1]}
        elif root.startswith("snowflake_"):
            name, *steps = steps
            body = self.blocks[(root, name)]
            key = None
            if "for_each" in body or "count" in body:
                key, *steps = steps
            args = self.instance(root, name, key)
            attr, *steps = steps
            if attr == "fully_qualified_name":
                value = f"{args['database']}.{args['name']}" if root == "snowflake_schema" else args["name"]
            else:
                value = args[attr]
        else:
            raise AssertionError(f"unsupported reference {root}")
        for step in steps:
            value = value[step]
        return value

    # -- instances ---------------------------------------------------------------------------------------------------

    def instance(self, rtype: str, name: str, key: Any) -> dict[str, Any]:
        ident = (rtype, name, key)
        if ident not in self._instances:
            body = self.blocks[(rtype, name)]
            each = None
            if key is not None and "for_each" in body:
                each = (key, self.for_each(rtype, name)[key])
            args = {
                k: self.value(v, each)
                for k, v in body.items()
                if k not in {"for_each", "count", "provider", "depends_on", "lifecycle"} and not is_meta(k)
            }
            self._instances[ident] = args
        return self._instances[ident]

    def for_each(self, rtype: str, name: str) -> dict[str, Any]:
        body = self.blocks[(rtype, name)]
        items = self.value(body["for_each"], None)
        assert isinstance(items, dict), f"{rtype}.{name}: for_each must be a map"
        return items

    def instances(self) -> Iterator[tuple[str, str, dict[str, Any], str]]:
        """(type, name, resolved arguments, provider) of every instance."""
        for (rtype, name), body in self.blocks.items():
            provider = body["provider"].removeprefix("${").removesuffix("}") if "provider" in body else "snowflake"
            keys: list[Any] = [None]
            if "for_each" in body:
                keys = list(self.for_each(rtype, name))
            elif "count" in body:
                keys = list(range(self.value(body["count"], None)))
            for key in keys:
                yield rtype, name, self.instance(rtype, name, key), provider

    # -- declaration -------------------------------------------------------------------------------------------------

    def declared(self) -> Declared:
        declared = Declared()
        for rtype, _name, args, provider in self.instances():
            if rtype == "snowflake_warehouse":
                declared.objects.add(
                    (
                        "WAREHOUSE",
                        args["name"],
                        args["warehouse_size"],
                        args["auto_suspend"],
                        args["auto_resume"] == "true",
                        args["initially_suspended"],
                        args["warehouse_type"],
                        args["comment"],
                    )
                )
                declared.note_creator("WAREHOUSE", provider)
            elif rtype == "snowflake_database":
                declared.objects.add(("DATABASE", args["name"], args["comment"]))
                declared.note_creator("DATABASE", provider)
            elif rtype == "snowflake_schema":
                declared.objects.add(("SCHEMA", f"{args['database']}.{args['name']}", args["comment"]))
                declared.note_creator("SCHEMA", provider)
            elif rtype == "snowflake_account_role":
                declared.objects.add(("ROLE", args["name"], args["comment"]))
                declared.note_creator("ROLE", provider)
            elif rtype == "snowflake_service_user":
                declared.objects.add(
                    (
                        "USER",
                        args["name"],
                        "SERVICE",
                        args["default_role"],
                        args["default_warehouse"],
                        args.get("rsa_public_key"),
                        args["comment"],
                    )
                )
                declared.note_creator("USER", provider)
            elif rtype == "snowflake_grant_account_role":
                if "user_name" in args:
                    declared.role_grants.add(RoleGrant(args["role_name"], "USER", args["user_name"]))
                else:
                    declared.role_grants.add(RoleGrant(args["role_name"], "ROLE", args["parent_role_name"]))
                declared.note_creator("GRANT", provider)
            elif rtype == "snowflake_grant_privileges_to_account_role":
                declared.grants.add(self._privilege_grant(args))
                declared.note_creator("GRANT", provider)
            elif rtype == "snowflake_grant_ownership":
                (on,) = args["on"]
                assert args["outbound_privileges"] == "COPY"
                declared.grants.add(
                    Grant(args["account_role_name"], ("OWNERSHIP",), on["object_type"], on["object_name"])
                )
                declared.note_creator("OWNERSHIP", provider)
            elif rtype == "snowflake_resource_monitor":
                declared.objects.add(monitor_object(args["name"], args))
                declared.note_creator("RESOURCE_MONITOR", provider)
            elif rtype == "snowflake_execute":
                match = _ASSIGN_MONITOR.fullmatch(args["execute"])
                assert match, f"unexpected snowflake_execute statement: {args['execute']}"
                warehouse, monitor = match.groups()
                assert args["revert"] == f"ALTER WAREHOUSE IF EXISTS {warehouse} UNSET RESOURCE_MONITOR", args
                declared.objects.add(("WAREHOUSE_MONITOR", warehouse, monitor))
                declared.note_creator("WAREHOUSE_MONITOR", provider)
            else:
                raise AssertionError(f"unexpected resource type {rtype}")
        return declared

    @staticmethod
    def _privilege_grant(args: dict[str, Any]) -> Grant:
        role, privileges = args["account_role_name"], tuple(args["privileges"])
        if "on_account_object" in args:
            (on,) = args["on_account_object"]
            return Grant(role, privileges, on["object_type"], on["object_name"])
        if "on_schema" in args:
            (on,) = args["on_schema"]
            return Grant(role, privileges, "SCHEMA", on["schema_name"])
        (on,) = args["on_schema_object"]
        scope = "all" if "all" in on else "future"
        (inner,) = on[scope]
        singular: dict[str, Any] = {"TABLES": "TABLE", "VIEWS": "VIEW"}
        return Grant(
            role,
            privileges,
            singular[inner["object_type_plural"]],
            inner["in_schema"],
            on_all=scope == "all",
            on_future=scope == "future",
        )


# --------------------------------------------------------------------------------------------------------------------
# SQL script
# --------------------------------------------------------------------------------------------------------------------

_LITERAL = r"'(?:[^'\\]|\\.|'')*'"
_PROPERTY = re.compile(rf"([A-Z_]+)\s*=\s*({_LITERAL}|[^\s']+)")


def sql_statements(script: str) -> list[str]:
    """Statements without comment lines (every statement is one line ending with ';')."""
    lines = [line.strip() for line in script.splitlines() if line.strip() and not line.strip().startswith("--")]
    for line in lines:
        assert line.endswith(";"), f"statement not terminated: {line}"
    return [line[:-1] for line in lines]


def sql_literal(text: str) -> str:
    assert text.startswith("'") and text.endswith("'"), text
    body = text[1:-1]
    return re.sub(r"''|\\(.)", lambda m: "'" if m.group(0) == "''" else m.group(1), body)


def _properties(text: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    rest = text.strip()
    while rest:
        match = _PROPERTY.match(rest)
        assert match, f"cannot parse properties at {rest!r}"
        name, raw = match.groups()
        props[name] = sql_literal(raw) if raw.startswith("'") else raw
        rest = rest[match.end() :].strip()
    return props


def _monitor_settings(text: str) -> dict[str, Any]:
    """CREDIT_QUOTA = … [FREQUENCY = … START_TIMESTAMP = '…'] [NOTIFY_USERS = (…)] TRIGGERS ON n PERCENT DO …"""
    head, sep, triggers = text.partition(" TRIGGERS ")
    assert sep, f"a resource monitor without triggers: {text}"
    users: tuple[str, ...] = ()
    if m := re.search(r"\s*NOTIFY_USERS = \(([^)]*)\)", head):
        users = tuple(u.strip() for u in m.group(1).split(","))
        head = head[: m.start()] + head[m.end() :]
    props = _properties(head)
    actions: dict[str, list[int]] = {"NOTIFY": [], "SUSPEND": [], "SUSPEND_IMMEDIATE": []}
    rest = triggers.strip()
    while rest:
        m = re.match(r"ON (\d+) PERCENT DO (SUSPEND_IMMEDIATE|SUSPEND|NOTIFY)\s*", rest)
        assert m, f"cannot parse triggers at {rest!r}"
        actions[m.group(2)].append(int(m.group(1)))
        rest = rest[m.end() :]
    assert len(actions["SUSPEND"]) == 1 and len(actions["SUSPEND_IMMEDIATE"]) == 1, triggers
    assert set(props) <= {"CREDIT_QUOTA", "FREQUENCY", "START_TIMESTAMP"}, props
    return {
        "credit_quota": int(props["CREDIT_QUOTA"]),
        "frequency": props.get("FREQUENCY"),
        "start_timestamp": props.get("START_TIMESTAMP"),
        "notify_triggers": actions["NOTIFY"],
        "suspend_trigger": actions["SUSPEND"][0],
        "suspend_immediate_trigger": actions["SUSPEND_IMMEDIATE"][0],
        "notify_users": list(users),
    }


def parse_sql_script(script: str) -> Declared:
    """Objects and grants of a rendered script, with the role that runs each statement."""
    declared = Declared()
    role = ""
    altered_keys: dict[str, str] = {}
    users: dict[str, list[Any]] = {}
    monitors: dict[str, dict[str, Any]] = {}
    altered_monitors: dict[str, dict[str, Any]] = {}
    for stmt in sql_statements(script):
        if m := re.fullmatch(r"USE ROLE (\w+)", stmt):
            role = m.group(1)
        elif m := re.fullmatch(r"CREATE WAREHOUSE IF NOT EXISTS ([\w$]+) WITH (.*)", stmt):
            p = _properties(m.group(2))
            declared.objects.add(
                (
                    "WAREHOUSE",
                    m.group(1),
                    p["WAREHOUSE_SIZE"],
                    int(p["AUTO_SUSPEND"]),
                    p["AUTO_RESUME"] == "TRUE",
                    p["INITIALLY_SUSPENDED"] == "TRUE",
                    p["WAREHOUSE_TYPE"],
                    p["COMMENT"],
                )
            )
            declared.note_creator("WAREHOUSE", role)
        elif m := re.fullmatch(r"CREATE DATABASE IF NOT EXISTS ([\w$]+) (.*)", stmt):
            declared.objects.add(("DATABASE", m.group(1), _properties(m.group(2))["COMMENT"]))
            declared.note_creator("DATABASE", role)
        elif m := re.fullmatch(r"CREATE SCHEMA IF NOT EXISTS ([\w$]+\.[\w$]+) (.*)", stmt):
            declared.objects.add(("SCHEMA", m.group(1), _properties(m.group(2))["COMMENT"]))
            declared.note_creator("SCHEMA", role)
        elif m := re.fullmatch(r"CREATE ROLE IF NOT EXISTS ([\w$]+) (.*)", stmt):
            declared.objects.add(("ROLE", m.group(1), _properties(m.group(2))["COMMENT"]))
            declared.note_creator("ROLE", role)
        elif m := re.fullmatch(r"CREATE USER IF NOT EXISTS ([\w$]+) (.*)", stmt):
            p = _properties(m.group(2))
            users[m.group(1)] = [
                p["TYPE"],
                p["DEFAULT_ROLE"],
                p["DEFAULT_WAREHOUSE"],
                p.get("RSA_PUBLIC_KEY"),
                p["COMMENT"],
            ]
            declared.note_creator("USER", role)
        elif m := re.fullmatch(rf"ALTER USER ([\w$]+) SET RSA_PUBLIC_KEY = ({_LITERAL})", stmt):
            altered_keys[m.group(1)] = sql_literal(m.group(2))
            declared.note_creator("USER", role)
        elif m := re.fullmatch(r"GRANT ROLE ([\w$]+) TO (ROLE|USER) ([\w$]+)", stmt):
            declared.role_grants.add(RoleGrant(m.group(1), m.group(2), m.group(3)))  # type: ignore[arg-type]
            declared.note_creator("GRANT", role)
        elif m := re.fullmatch(
            r"GRANT OWNERSHIP ON (DATABASE|SCHEMA) ([\w$.]+) TO ROLE ([\w$]+) COPY CURRENT GRANTS", stmt
        ):
            declared.grants.add(Grant(m.group(3), ("OWNERSHIP",), m.group(1), m.group(2)))  # type: ignore[arg-type]
            declared.note_creator("OWNERSHIP", role)
        elif m := re.fullmatch(r"CREATE RESOURCE MONITOR IF NOT EXISTS ([\w$]+) WITH (.*)", stmt):
            monitors[m.group(1)] = _monitor_settings(m.group(2))
            declared.note_creator("RESOURCE_MONITOR", role)
        elif m := re.fullmatch(r"ALTER RESOURCE MONITOR ([\w$]+) SET (.*)", stmt):
            altered_monitors[m.group(1)] = _monitor_settings(m.group(2))
            declared.note_creator("RESOURCE_MONITOR", role)
        elif m := _ASSIGN_MONITOR.fullmatch(stmt):
            declared.objects.add(("WAREHOUSE_MONITOR", m.group(1), m.group(2)))
            declared.note_creator("WAREHOUSE_MONITOR", role)
        elif m := re.fullmatch(
            r"GRANT ([A-Z ,]+) ON (ALL|FUTURE) (TABLES|VIEWS) IN SCHEMA ([\w$.]+) TO ROLE ([\w$]+)", stmt
        ):
            privileges = tuple(p.strip() for p in m.group(1).split(","))
            declared.grants.add(
                Grant(
                    m.group(5),
                    privileges,
                    m.group(3)[:-1],  # type: ignore[arg-type]
                    m.group(4),
                    on_all=m.group(2) == "ALL",
                    on_future=m.group(2) == "FUTURE",
                )
            )
            declared.note_creator("GRANT", role)
        elif m := re.fullmatch(r"GRANT ([A-Z ,]+) ON (WAREHOUSE|DATABASE|SCHEMA) ([\w$.]+) TO ROLE ([\w$]+)", stmt):
            privileges = tuple(p.strip() for p in m.group(1).split(","))
            declared.grants.add(Grant(m.group(4), privileges, m.group(2), m.group(3)))  # type: ignore[arg-type]
            declared.note_creator("GRANT", role)
        else:
            raise AssertionError(f"unexpected statement in the script: {stmt}")
    for name, settings in monitors.items():
        altered = altered_monitors.get(name)
        schedule_free = {k: v for k, v in settings.items() if k not in {"frequency", "start_timestamp"}}
        assert altered == {**schedule_free, "frequency": None, "start_timestamp": None}, (
            f"{name}: ALTER RESOURCE MONITOR must set the same quota, recipients and triggers"
        )
        declared.objects.add(monitor_object(name, settings))
    for name, (utype, default_role, warehouse, key, comment) in users.items():
        assert key is None or altered_keys.get(name) == key, f"{name}: ALTER USER must set the same key"
        declared.objects.add(("USER", name, utype, default_role, warehouse, key, comment))
    return declared
