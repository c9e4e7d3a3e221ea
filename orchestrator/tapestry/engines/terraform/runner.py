"""The only module that runs Terraform.

python-terraform 0.10.1 (the dependency the product brief names) predates Terraform 1.x; its known
breakages are handled here:
- `destroy()` always adds `-force` (removed in 1.x): call it with `force=IsNotFlagged, auto_approve=IsFlagged`;
- `apply()` sends `-auto-approve=false` unless `skip_plan=True`; we apply saved plan files instead;
- `apply(dir)` treats the folder as a plan file: we always use `working_dir`;
- `output("name")` raises on 1.x's bare values: we read `output -json` and parse it;
- `plan()` always adds `-detailed-exitcode` and logs exit code 2 (changes) as an error: we call `cmd("plan")`;
- it has no per-command environment (only a copy of os.environ): `extra_env` is injected into its
  subprocess call per thread, so a provider credential reaches only that one Terraform process.
Variables go through a `*.tfvars.json` file; secrets never do (modules take SSM names/ARNs only).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tapestry.core.errors import TapestryError
from tapestry.core.fs import atomic_write_text

# Non-interactive, no version check: set once for every Terraform this process starts.
os.environ.setdefault("TF_IN_AUTOMATION", "1")
os.environ.setdefault("TF_INPUT", "0")
os.environ.setdefault("CHECKPOINT_DISABLE", "1")

_thread_env = threading.local()


class _SubprocessWithThreadEnv:
    """Stands in for the `subprocess` module inside python_terraform: adds this thread's extra env."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - mirrors subprocess.Popen
        extra = getattr(_thread_env, "extra", None)
        if extra:
            kwargs["env"] = {**(kwargs.get("env") or os.environ), **extra}
        return subprocess.Popen(*args, **kwargs)


def _patch_python_terraform() -> None:
    import logging

    import python_terraform

    # It logs every non-zero exit (and the whole stderr) as a warning; our errors say it in one line.
    logging.getLogger("python_terraform").disabled = True

    if not isinstance(python_terraform.subprocess, _SubprocessWithThreadEnv):
        python_terraform.subprocess = _SubprocessWithThreadEnv()


class TerraformError(TapestryError):
    """A Terraform command failed; the message carries Terraform's own first error line."""


@dataclass
class PlanSummary:
    stack: str
    add: int = 0
    change: int = 0
    destroy: int = 0
    resources: list[tuple[str, str]] = field(default_factory=list)  # (action, address)

    @property
    def has_changes(self) -> bool:
        return bool(self.add or self.change or self.destroy)

    def headline(self) -> str:
        if not self.has_changes:
            return f"{self.stack}: no changes"
        return f"{self.stack}: {self.add} to add, {self.change} to change, {self.destroy} to destroy"


def terraform_version() -> str | None:
    binary = shutil.which("terraform")
    if binary is None:
        return None
    result = subprocess.run([binary, "version", "-json"], capture_output=True, text=True, check=False)
    try:
        return str(json.loads(result.stdout)["terraform_version"])
    except (ValueError, KeyError):
        return None


def _first_error(text: str) -> str:
    lines = [line.strip(" │╷╵") for line in (text or "").splitlines()]
    for i, line in enumerate(lines):
        if line.startswith("Error:"):
            detail = next((candidate for candidate in lines[i + 1 :] if candidate.strip()), "")
            return f"{line[6:].strip()}{': ' + detail.strip() if detail else ''}"[:400]
    meaningful = [line for line in lines if line.strip()]
    return meaningful[-1][:400] if meaningful else "no output"


def _json_lines(text: str) -> Iterator[dict[str, Any]]:
    """The messages of Terraform's machine-readable UI (`-json`), one JSON object a line."""
    for line in (text or "").splitlines():
        if line.startswith("{"):
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                yield message


def _json_error(text: str) -> str | None:
    """`summary: detail` of the first error diagnostic of a `-json` run; None when there is none."""
    for message in _json_lines(text):
        diagnostic = message.get("diagnostic") if message.get("type") == "diagnostic" else None
        if isinstance(diagnostic, dict) and diagnostic.get("severity") == "error":
            detail = str(diagnostic.get("detail") or "").strip()
            return f"{diagnostic.get('summary', '').strip()}{': ' + detail if detail else ''}"[:400]
    return None


# planned_change actions of the machine-readable UI that change nothing (read: a data source; move, import,
# forget: state bookkeeping) are not counted, as `terraform plan` does not count them.
_PLAN_LABELS = {"create": "create", "update": "update", "delete": "destroy", "replace": "replace"}


def summarize_plan(stack: str, text: str) -> PlanSummary:
    """What `terraform plan -json` says it would do to the stack's resources."""
    summary = PlanSummary(stack)
    for message in _json_lines(text):
        change = message.get("change") if message.get("type") == "planned_change" else None
        if not isinstance(change, dict):
            continue
        label = _PLAN_LABELS.get(str(change.get("action")))
        if label is None:
            continue
        summary.add += label in ("create", "replace")
        summary.destroy += label in ("destroy", "replace")
        summary.change += label == "update"
        summary.resources.append((label, str((change.get("resource") or {}).get("addr"))))
    return summary


class TerraformRunner:
    """One root stack in its own working folder (its state lives there unless a backend is configured)."""

    def __init__(
        self,
        stack: str,
        working_dir: Path,
        backend_config: Mapping[str, str] | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        if shutil.which("terraform") is None:
            raise TerraformError(
                "terraform is not installed (needed to deploy the AWS stacks)",
                "install Terraform >= 1.9 and make sure `terraform` is on PATH (tapestry doctor checks it)",
            )
        from python_terraform import Terraform

        _patch_python_terraform()
        self.stack = stack
        self.working_dir = working_dir
        self.backend_config = dict(backend_config or {})
        self._extra_env = dict(extra_env or {})
        self._tf = Terraform(working_dir=str(working_dir))

    @contextmanager
    def _env(self) -> Iterator[None]:
        _thread_env.extra = self._extra_env
        try:
            yield
        finally:
            _thread_env.extra = None

    # -- helpers ---------------------------------------------------------------------------------------

    def _run(self, *args: str, what: str, **flags: Any) -> str:
        from python_terraform import IsFlagged

        with self._env():
            code, out, err = self._tf.cmd(*args, no_color=IsFlagged, **flags)
        if code not in (0, 2):
            raise TerraformError(
                f"terraform {what} of stack {self.stack} failed: {_json_error(out) or _first_error(err or out)}",
                f"fix the cause above and rerun (the stack is in {self.working_dir})",
            )
        return str(out or "")

    def write_vars(self, variables: Mapping[str, Any]) -> Path:
        path = self.working_dir / "tapestry.auto.tfvars.json"
        atomic_write_text(path, json.dumps(dict(variables), indent=2, sort_keys=True) + "\n", mode=0o600)
        return path

    # -- commands --------------------------------------------------------------------------------------

    def init(self) -> None:
        from python_terraform import IsFlagged

        flags: dict[str, Any] = {"input": False, "upgrade": False}
        if self.backend_config:
            flags["backend_config"] = [f"{k}={v}" for k, v in sorted(self.backend_config.items())]
            flags["reconfigure"] = IsFlagged
        self._run("init", what="init", **flags)

    def plan(self, destroy: bool = False) -> PlanSummary:
        from python_terraform import IsFlagged

        plan_file = self.working_dir / "tapestry.tfplan"
        # -json streams each planned change, so no `terraform show -json` of the plan file (seconds: it loads
        # every provider's schema) is needed to summarise it
        flags: dict[str, Any] = {"input": False, "out": str(plan_file), "lock_timeout": "120s", "json": IsFlagged}
        if destroy:
            flags["destroy"] = IsFlagged
        return summarize_plan(self.stack, self._run("plan", what="plan", **flags))

    def apply_plan(self) -> None:
        plan_file = self.working_dir / "tapestry.tfplan"
        self._run("apply", str(plan_file), what="apply", input=False, lock_timeout="120s")
        plan_file.unlink(missing_ok=True)

    def outputs(self) -> dict[str, Any]:
        from python_terraform import IsFlagged

        raw = json.loads(self._run("output", what="output", json=IsFlagged) or "{}")
        return {name: item.get("value") for name, item in raw.items()}

    def state_rm(self, *addresses: str) -> None:
        """Forget resources (Terraform leaves them in place): used to keep a non-empty bucket on destroy."""
        if addresses:
            self._run("state rm", *addresses, what="state rm")  # "state rm" is one command: flags follow it

    def state_list(self) -> list[str]:
        return [line.strip() for line in self._run("state list", what="state list").splitlines() if line.strip()]

    def destroy(self, refresh: bool = True) -> None:
        """`refresh=False` right after an apply: its plan has just read every resource."""
        from python_terraform import IsFlagged, IsNotFlagged

        with self._env():
            code, out, err = self._tf.destroy(
                force=IsNotFlagged,
                auto_approve=IsFlagged,
                input=False,
                no_color=IsFlagged,
                lock_timeout="120s",
                refresh=refresh,
            )
        if code != 0:
            raise TerraformError(
                f"terraform destroy of stack {self.stack} failed: {_first_error(err or out)}",
                "fix the cause above and rerun `tapestry destroy`",
            )
