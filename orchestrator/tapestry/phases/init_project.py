"""`tapestry init`: answers -> a project folder (tapestry.yml, a copy of the dbt project, .gitignore).

The dbt project is the bundled one, with the template's own dbt files laid over it (a template's
`dbt_project/` folder: e.g. a mart with facts of its sources) and the models of each configured source's
plugin added."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tapestry.core.errors import ConfigError, ProjectError
from tapestry.core.fs import atomic_write_text
from tapestry.engines.transform.dbt_files import overlay
from tapestry.kickstart.answers import ValidatedAnswers
from tapestry.kickstart.render import render_files
from tapestry.kickstart.spec import TemplateSpec
from tapestry.phases.sources import add_source_models
from tapestry.project.config import CONFIG_FILE, ProjectConfig, parse_config
from tapestry.resources import bundled

GITIGNORE = """# Tapestry: local warehouse and run state never belong in git
warehouse.duckdb
warehouse.duckdb.wal
.tapestry/
dbt_project/target/
dbt_project/logs/
"""


@dataclass
class InitResult:
    project_dir: Path
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def relative_to_project(paths: list[str], base_dir: Path, project_dir: Path) -> list[str]:
    """Answers name files relative to where the user stands; tapestry.yml names them relative to itself."""
    out = []
    for item in paths:
        if os.path.isabs(item) or item.startswith("~"):
            out.append(item)
        else:
            out.append(os.path.relpath(base_dir / item, project_dir))
    return out


def init_project(
    project_dir: Path,
    spec: TemplateSpec,
    answers: ValidatedAnswers,
    base_dir: Path,
    force: bool = False,
) -> InitResult:
    """Create the project, or confirm it is already as asked. Nothing is written until all is rendered."""
    project_dir = project_dir.resolve()
    values: dict[str, Any] = dict(answers.values)
    for question in spec.questions:
        if question.type == "paths" and values.get(question.id):
            values[question.id] = relative_to_project(values[question.id], base_dir, project_dir)
    rendered = render_files(spec, values)
    config = None
    if CONFIG_FILE in rendered:  # a template that renders invalid config is a template bug; catch it here
        config = parse_config(yaml.safe_load(rendered[CONFIG_FILE]), f"{spec.name}/{CONFIG_FILE} rendered")
    _assert_no_secret_written(rendered, answers, spec)

    result = InitResult(project_dir=project_dir)
    existing_config = project_dir / CONFIG_FILE
    if existing_config.exists():
        current = existing_config.read_text(encoding="utf-8")
        if current != rendered.get(CONFIG_FILE, current) and not force:
            raise ProjectError(
                f"{project_dir} is already a Tapestry project with a different {CONFIG_FILE}",
                "edit tapestry.yml directly, or rerun with --force to replace it from these answers",
            )
    elif project_dir.exists() and not project_dir.is_dir():
        raise ProjectError(f"{project_dir} exists and is not a folder", "choose another project folder")

    staging_parent = project_dir.parent
    staging_parent.mkdir(parents=True, exist_ok=True)
    dbt_target = project_dir / "dbt_project"
    staged_dbt: Path | None = None
    if not dbt_target.exists():  # never overwrite a dbt project the user may have edited
        staged_dbt = Path(tempfile.mkdtemp(prefix=".tapestry-init-", dir=staging_parent))
        try:
            _stage_dbt_project(staged_dbt / "dbt_project", spec, config)
        except BaseException:
            shutil.rmtree(staged_dbt, ignore_errors=True)
            raise

    try:
        project_dir.mkdir(parents=True, exist_ok=True)
        for relative, text in {**rendered, ".gitignore": GITIGNORE}.items():
            path = project_dir / relative
            if path.exists() and path.read_text(encoding="utf-8") == text:
                result.unchanged.append(relative)
                continue
            if relative == ".gitignore" and path.exists():
                result.kept.append(relative)
                continue
            atomic_write_text(path, text)
            result.created.append(relative)
        if staged_dbt is not None:
            os.replace(staged_dbt / "dbt_project", dbt_target)
            result.created.append("dbt_project/")
        else:
            result.kept.append("dbt_project/")
            added = add_source_models(dbt_target, config) if config is not None else {}
            result.created += [f"dbt_project/{path}" for paths in added.values() for path in paths]
    finally:
        if staged_dbt is not None:
            shutil.rmtree(staged_dbt, ignore_errors=True)
    return result


def _stage_dbt_project(folder: Path, spec: TemplateSpec, config: ProjectConfig | None) -> None:
    shutil.copytree(bundled("dbt_project"), folder, ignore=_ignore_build_dirs)
    if spec.dbt_overlay is not None:
        overlay(spec.dbt_overlay, folder)
    if config is not None:
        add_source_models(folder, config)


def _ignore_build_dirs(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in {"target", "logs", "dbt_packages", "__pycache__"}}


def _assert_no_secret_written(rendered: Mapping[str, str], answers: ValidatedAnswers, spec: TemplateSpec) -> None:
    for question_id in answers.secret_ids:
        value = answers.values.get(question_id)
        if value and any(str(value) in text for text in rendered.values()):
            raise ConfigError(
                f"template {spec.name} would write the secret answer {question_id} to disk",
                "reference the secret in the template instead of its value",
            )
