"""checkov over terraform/ and the runner Dockerfile: zero failed checks, every skip inline with a reason.

checkov runs from its own venv (.venv-checkov; it pins boto3/botocore versions that would break moto in .venv).
`make test` creates it; by hand: python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov==3.3.30
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from support.terraform_env import REPO_ROOT, TERRAFORM_DIR

CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
DOCKER_DIR = REPO_ROOT / "docker" / "runner"
SKIP_COMMENT = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")


def _checkov(directory: Path, framework: str) -> subprocess.CompletedProcess[str]:
    if not CHECKOV.exists():
        pytest.fail(
            f"{CHECKOV} is missing. `make test` creates it; or run: "
            "python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov==3.3.30"
        )
    return subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(directory.relative_to(REPO_ROOT)),
            "--framework",
            framework,
            "--compact",
            "--quiet",
            "--skip-download",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize(("directory", "framework"), [(TERRAFORM_DIR, "terraform"), (DOCKER_DIR, "dockerfile")])
def test_checkov_has_no_failed_checks(directory: Path, framework: str) -> None:
    proc = _checkov(directory, framework)
    output = f"{proc.stdout}\n{proc.stderr}"
    assert proc.returncode == 0, f"checkov found failed checks in {directory.name}:\n{output}"
    summary = re.search(r"Passed checks: (\d+), Failed checks: (\d+), Skipped checks: (\d+)", output)
    assert summary, f"no checkov summary line:\n{output}"
    assert int(summary.group(1)) > 0 and int(summary.group(2)) == 0, output


def test_every_checkov_skip_is_inline_with_a_reason() -> None:
    files = [p for p in TERRAFORM_DIR.rglob("*.tf") if ".terraform" not in p.parts]
    files += [DOCKER_DIR / "Dockerfile"]
    skips = []
    for path in files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = SKIP_COMMENT.search(line)
            if match:
                skips.append((path, lineno, match.group(1), (match.group(2) or "").strip()))
    without_reason = [f"{p.relative_to(REPO_ROOT)}:{n} {check}" for p, n, check, reason in skips if len(reason) < 15]
    assert not without_reason, f"checkov skips need a reason: {without_reason}"
    # Skips belong next to the resource they concern, not in a global config.
    for config in (TERRAFORM_DIR / ".checkov.yaml", TERRAFORM_DIR / ".checkov.yml", REPO_ROOT / ".checkov.yaml"):
        if config.exists():
            assert "skip-check" not in config.read_text(encoding="utf-8"), f"{config} must not skip checks globally"
