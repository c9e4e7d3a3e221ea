"""`tapestry --help` must stay fast: the CLI module may not import the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "duckdb",
    "dbt",
    "pydantic",
    "pyarrow",
    "yaml",
    "jinja2",
    "mailchimp_marketing",
    "boto3",
    "questionary",
)


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from tapestry.cli.root import app, register\n"
        "register()\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print('LOADED=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = result.stdout.rsplit("LOADED=", 1)[1].strip()
    assert loaded == "", f"--help imported {loaded}"


def test_version() -> None:
    from tapestry import __version__

    out = subprocess.run([sys.executable, "-m", "tapestry", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"tapestry {__version__}"
