"""The wheel carries dbt_project/, kickstart_templates/ and terraform/, so an installed tapestry works
outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(repo_root)],
        check=True,
        capture_output=True,
        text=True,
    )
    return next(out.glob("tapestry_pipeline-*.whl"))


def test_wheel_contains_the_bundled_folders(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "tapestry/_bundled/dbt_project/dbt_project.yml",
        "tapestry/_bundled/dbt_project/models/marts/audience.sql",
        "tapestry/_bundled/kickstart_templates/zoom_salesforce_mailchimp/template.yml",
        "tapestry/_bundled/kickstart_templates/zoom_salesforce_mailchimp/dbt_project/models/marts/audience.sql",
        "tapestry/_bundled/dbt_project/macros/people.sql",
        # each source plugin carries its dbt models
        "tapestry/sources/zoom/dbt/models/staging/zoom/stg_zoom__webinar_registrants.sql",
        "tapestry/sources/zoom/dbt/models/staging/zoom/_zoom__sources.yml",
        "tapestry/sources/zoom/dbt/models/intermediate/people/int_zoom__people.sql",
        "tapestry/sources/salesforce/dbt/models/staging/salesforce/stg_salesforce__contacts.sql",
        "tapestry/sources/salesforce/dbt/models/intermediate/people/_salesforce__people.yml",
        "tapestry/sources/stripe/dbt/macros/stripe.sql",
        "tapestry/sources/stripe/dbt/models/staging/stripe/stg_stripe__charges.sql",
        "tapestry/sources/zendesk_support/dbt/models/intermediate/people/int_zendesk_support__people.sql",
        "tapestry/_bundled/kickstart_templates/ecommerce_support/template.yml",
        "tapestry/_bundled/kickstart_templates/ecommerce_support/dbt_project/models/marts/audience.sql",
        "tapestry/cli/app.py",
    ):
        assert required in names, required
    assert any(n.startswith("tapestry/_bundled/terraform/") for n in names)
    assert not any("/target/" in n or n.endswith(".duckdb") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "tapestry = tapestry.cli.app:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_runs_outside_the_checkout(wheel: Path, tmp_path: Path, repo_root: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    # The wheel's tapestry shadows the checkout's editable install; dependencies come from this venv.
    env = {**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1"}

    def tapestry(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tapestry", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import tapestry.resources as r; print(r.bundled('dbt_project'))"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(site)) and not where.startswith(str(repo_root))
    assert tapestry("demo-data", "--out", "exports", "--rows", "200").returncode == 0
    (work / "answers.yml").write_text(
        "project_name: outside\ntarget: local\nzoom_files: [exports/zoom/*.csv]\n"
        "salesforce_files: [exports/salesforce/*.jsonl]\n"
    )
    init = tapestry("init", "proj", "--non-interactive", "--answers", "answers.yml")
    assert init.returncode == 0, init.stderr
    run = tapestry("run", "--project", "proj")
    assert run.returncode == 0, run.stdout + run.stderr
    # the plugins' staging and people models came from the wheel, and the identity models built on them
    with duckdb.connect(str(work / "proj" / "warehouse.duckdb"), read_only=True) as con:
        built = {name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()}
    plugin_models = {
        "stg_zoom__webinar_registrants",
        "int_zoom__people",
        "stg_salesforce__contacts",
        "int_salesforce__people",
    }
    assert plugin_models | {"identity_map", "people", "audience"} <= built, sorted(built)
