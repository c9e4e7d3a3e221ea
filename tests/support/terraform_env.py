"""Offline Terraform for tests: provider mirror, CLI config, environment, temp copies and a small runner.

The machines that run `make test` have no registry access. Terraform installs hashicorp/aws from a filesystem
mirror (folder containing `registry.terraform.io/...`), configured through a CLI config file::

    mirror = find_provider_mirror()
    env = terraform_env(write_cli_config(tmp_dir / "terraformrc", mirror))
    workdir = copy_tree(REPO / "terraform/modules/ecs_runner", tmp_dir / "ecs_runner")
    tf = Terraform(workdir, env)
    tf.init()
    result = tf.run("validate", "-json")

Modules are always copied before running: Terraform writes `.terraform/`, state and a lock file into the
working directory, and a stale `.terraform.lock.hcl` without the mirror's hash would fail `init`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Env var that names the mirror root explicitly (wins over every other lookup).
MIRROR_ENV_VAR = "TAPESTRY_TF_PROVIDER_MIRROR"
#: Where the mirror lives on the CI/dev machines.
DEFAULT_MIRROR = Path("/opt/tf-plugins")
#: Providers served from the mirror; everything else goes "direct" (and fails offline, loudly).
MIRRORED_PROVIDERS = ("registry.terraform.io/hashicorp/aws",)
#: What `copy_tree` leaves behind: local Terraform state, plugins and the lock file.
COPY_IGNORE = (".terraform", "*.tfstate", "*.tfstate.*", ".terraform.lock.hcl", "*.tfplan", "__pycache__")

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO_ROOT / "terraform"


class TerraformNotAvailable(RuntimeError):
    """Raised when the terraform binary or the provider mirror cannot be found."""


def terraform_binary() -> str:
    """Path of the `terraform` executable (env `TERRAFORM_BINARY` overrides PATH)."""
    explicit = os.environ.get("TERRAFORM_BINARY")
    found = explicit or shutil.which("terraform")
    if not found:
        raise TerraformNotAvailable("terraform is not on PATH (set TERRAFORM_BINARY)")
    return found


def _is_mirror_root(path: Path) -> bool:
    return (path / "registry.terraform.io").is_dir()


def find_provider_mirror(search_roots: Iterable[str] = ("/opt", "/usr/local", "/usr/share", "/root", "/home")) -> Path:
    """Return the provider mirror root (the folder that contains `registry.terraform.io`).

    Order: `$TAPESTRY_TF_PROVIDER_MIRROR`, then /opt/tf-plugins, then a `find` for the aws provider binary under
    `search_roots` (the mirror root is four levels above `.../hashicorp/aws/<ver>/<os_arch>/<binary>`).
    """
    explicit = os.environ.get(MIRROR_ENV_VAR)
    if explicit:
        path = Path(explicit)
        if not _is_mirror_root(path):
            raise TerraformNotAvailable(f"${MIRROR_ENV_VAR}={explicit} does not contain registry.terraform.io/")
        return path
    if _is_mirror_root(DEFAULT_MIRROR):
        return DEFAULT_MIRROR
    roots = [r for r in search_roots if Path(r).is_dir()]
    if roots:
        proc = subprocess.run(
            ["find", *roots, "-name", "terraform-provider-aws*", "-path", "*registry.terraform.io*", "-type", "f"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for line in proc.stdout.splitlines():
            # <root>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/<binary>
            candidate = Path(line).parents[4]
            if _is_mirror_root(candidate):
                return candidate
    raise TerraformNotAvailable(
        f"no Terraform provider mirror found; set {MIRROR_ENV_VAR} to the folder containing registry.terraform.io"
    )


def cli_config_text(mirror: Path, providers: Sequence[str] = MIRRORED_PROVIDERS) -> str:
    """HCL of a CLI config that installs `providers` from `mirror` and nothing else from it."""
    include = ", ".join(json.dumps(p) for p in providers)
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(str(mirror))}\n"
        f"    include = [{include}]\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = [{include}]\n"
        "  }\n"
        "}\n"
    )


def write_cli_config(path: Path, mirror: Path | None = None) -> Path:
    """Write the CLI config file at `path` (mirror found with `find_provider_mirror` when not given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cli_config_text(mirror or find_provider_mirror()), encoding="utf-8")
    return path


def terraform_env(cli_config: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Process env for Terraform: `base` (default os.environ) + CLI config, automation mode, no prompts/checkpoint."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        }
    )
    # A developer's TF_* settings must not change what the tests see.
    for name in ("TF_LOG", "TF_WORKSPACE", "TF_DATA_DIR", "TF_CLI_ARGS", "TF_PLUGIN_CACHE_DIR"):
        env.pop(name, None)
    return env


def copy_tree(src: Path, dst: Path, ignore: Sequence[str] = COPY_IGNORE) -> Path:
    """Copy a module/example/stack folder to `dst` without local state, plugins or lock file. Returns `dst`."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(*ignore), dirs_exist_ok=True)
    return dst


def copy_terraform_tree(dst: Path, src: Path = TERRAFORM_DIR) -> Path:
    """Copy the whole `terraform/` tree (needed when a root config uses `source = "../../modules/..."`)."""
    return copy_tree(src, dst)


@dataclass(frozen=True)
class TerraformResult:
    """Outcome of one terraform command."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        """stdout and stderr together, for assertion messages."""
        header = f"$ terraform {' '.join(self.args)}  (rc={self.returncode}, {self.seconds:.1f} s)"
        return f"{header}\n{self.stdout}\n{self.stderr}"

    def json(self) -> Any:
        return json.loads(self.stdout)


class TerraformError(RuntimeError):
    def __init__(self, result: TerraformResult) -> None:
        super().__init__(result.output)
        self.result = result


_NO_COLOR_COMMANDS = frozenset(
    {"init", "validate", "plan", "apply", "destroy", "refresh", "import", "output", "show", "test", "fmt", "console"}
)


def terraform_argv(command: str, *args: str, var_file: Path | None = None) -> list[str]:
    """argv for one terraform command: `-no-color` and `-input=false` where the command takes them."""
    argv = [command]
    if command in _NO_COLOR_COMMANDS:
        argv.append("-no-color")
    if command in {"init", "plan", "apply", "destroy", "import", "refresh"}:
        argv.append("-input=false")
    if var_file is not None and command in {"plan", "apply", "destroy", "refresh", "import", "test", "console"}:
        argv.append(f"-var-file={var_file}")
    argv.extend(args)
    return argv


class Terraform:
    """Thin subprocess wrapper around the terraform CLI for one working directory.

    `run()` returns a `TerraformResult` and raises `TerraformError` (message = full output) on an unexpected rc.
    """

    def __init__(self, workdir: Path, env: Mapping[str, str], timeout: float = 900.0) -> None:
        self.workdir = Path(workdir)
        self.env = dict(env)
        self.timeout = timeout
        self.binary = terraform_binary()

    def run(
        self,
        command: str,
        *args: str,
        var_file: Path | None = None,
        ok_codes: Iterable[int] = (0,),
        timeout: float | None = None,
    ) -> TerraformResult:
        argv = terraform_argv(command, *args, var_file=var_file)
        start = time.monotonic()
        proc = subprocess.run(
            [self.binary, *argv],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout or self.timeout,
            check=False,
        )
        result = TerraformResult(tuple(argv), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)
        if proc.returncode not in tuple(ok_codes):
            raise TerraformError(result)
        return result

    def init(self, *args: str) -> TerraformResult:
        return self.run("init", "-backend=true", *args)

    def validate(self) -> dict[str, Any]:
        """`terraform validate -json` parsed; rc 1 is returned (not raised) so callers can show the diagnostics."""
        result = self.run("validate", "-json", ok_codes=(0, 1))
        parsed: dict[str, Any] = result.json()
        return parsed

    def apply(self, var_file: Path | None = None, *args: str) -> TerraformResult:
        return self.run("apply", "-auto-approve", *args, var_file=var_file)

    def destroy(self, var_file: Path | None = None, *args: str) -> TerraformResult:
        return self.run("destroy", "-auto-approve", *args, var_file=var_file)

    def plan_exitcode(self, var_file: Path | None = None, *args: str) -> int:
        """`plan -detailed-exitcode`: 0 = no changes, 2 = changes (1 raises)."""
        return self.run("plan", "-detailed-exitcode", *args, var_file=var_file, ok_codes=(0, 2)).returncode

    def output(self) -> dict[str, Any]:
        """All outputs as {name: value}."""
        raw = self.run("output", "-json").json()
        return {name: item["value"] for name, item in raw.items()}

    def show_state(self) -> dict[str, Any]:
        """`terraform show -json` of the current state."""
        parsed: dict[str, Any] = self.run("show", "-json").json()
        return parsed

    def plan_json(self, var_file: Path | None = None, *args: str) -> dict[str, Any]:
        """Plan into a file and return `terraform show -json <planfile>` (resource_changes, planned_values, ...)."""
        plan_file = self.workdir / "tapestry-test.tfplan"
        self.run("plan", f"-out={plan_file}", *args, var_file=var_file)
        try:
            parsed: dict[str, Any] = self.run("show", "-json", str(plan_file)).json()
        finally:
            plan_file.unlink(missing_ok=True)
        return parsed

    def state_list(self) -> list[str]:
        result = self.run("state", "list", ok_codes=(0, 1))
        return [line for line in result.stdout.splitlines() if line.strip()]


def iter_state_resources(show_json: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    """Every resource (managed and data) of a `terraform show -json` document, descending into child modules."""
    stack = [show_json.get("values", {}).get("root_module", {})]
    while stack:
        module = stack.pop()
        yield from module.get("resources", [])
        stack.extend(module.get("child_modules", []))


def changed_attributes(change: Mapping[str, Any]) -> set[str]:
    """Top-level attributes that differ between `before` and `after` of one plan `resource_changes` entry."""
    before = change.get("before") or {}
    after = change.get("after") or {}
    unknown = change.get("after_unknown") or {}
    keys = set(before) | set(after)
    return {k for k in keys if before.get(k) != after.get(k) or unknown.get(k) is True}


def write_tfvars_json(path: Path, values: Mapping[str, Any]) -> Path:
    """Write `*.tfvars.json` (the format the orchestrator uses)."""
    path.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
