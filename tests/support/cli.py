"""Run the real `tapestry` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TapestryCLI:
    cwd: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def __call__(
        self, *args: str, timeout: float = 600, env: dict[str, str] | None = None, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**self.env, **(env or {}), "COLUMNS": "200", "NO_COLOR": "1"}
        return subprocess.run(
            [sys.executable, "-m", "tapestry", *args],
            cwd=self.cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            input=input_text,
        )

    def ok(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        result = self(*args, **kwargs)  # type: ignore[arg-type]
        assert result.returncode == 0, (
            f"tapestry {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
        return result


def write_answers(path: Path, **answers: object) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(answers, sort_keys=False), encoding="utf-8")
    return path
