"""The question spec of a kickstart template (`kickstart_templates/<name>/template.yml`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tapestry.core.errors import ConfigError
from tapestry.resources import bundled

QuestionType = Literal[
    "text", "choice", "paths", "url", "email", "integer", "boolean", "secret", "cidr_list", "aws_region"
]


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    prompt: str
    help: str | None = None
    type: QuestionType = "text"
    default: Any = None
    required: bool = True
    choices: list[str] | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    min: int | None = None
    max: int | None = None
    secret: bool = False
    store_as: str | None = Field(default=None, pattern=r"^[a-z0-9_]+(/[a-z0-9_]+)*$")  # secret store name
    when: str | None = None  # Jinja2 expression over earlier answers
    # A boolean that only one answer makes valid (e.g. accepting plain HTTP when there is no certificate).
    must_be: bool | None = None
    must_be_message: str | None = None
    warning: str | None = None  # printed when the answer is true / given, e.g. what a risky choice exposes

    @property
    def is_secret(self) -> bool:
        return self.secret or self.type == "secret"


class Render(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    template: str
    to: str


class TemplateSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    questions: list[Question]
    renders: list[Render] = Field(default_factory=list)  # files written by `tapestry init`
    # Rendered in memory when a deploy or run needs them (they may carry secrets: never written).
    runtime: dict[str, str] = Field(default_factory=dict)
    # The cloud deploy's phases this template uses, in order (see tapestry.phases.cloud).
    phases: list[str] = Field(default_factory=list)
    folder: Path = Path()

    @property
    def dbt_overlay(self) -> Path | None:
        """The template's `dbt_project/` folder, laid over the bundled dbt project at init (files of the same
        path are replaced: e.g. a mart with facts of the template's own sources)."""
        folder = self.folder / "dbt_project"
        return folder if folder.is_dir() else None

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def with_defaults(self, defaults: dict[str, Any]) -> TemplateSpec:
        """The same spec whose questions in `defaults` default to those values (asked and unanswered alike)."""
        questions = [
            q.model_copy(update={"default": defaults[q.id]}) if q.id in defaults else q for q in self.questions
        ]
        return self.model_copy(update={"questions": questions})


def _expand_includes(items: list[Any], root: Path) -> list[Any]:
    """`- include: _shared/cloud.yml` entries are replaced by that file's questions."""
    expanded: list[Any] = []
    for item in items:
        if isinstance(item, dict) and set(item) == {"include"}:
            included = yaml.safe_load((root / str(item["include"])).read_text(encoding="utf-8")) or []
            expanded += _expand_includes(included, root)
        else:
            expanded.append(item)
    return expanded


def templates_root() -> Path:
    return bundled("kickstart_templates")


def available_templates() -> list[str]:
    return sorted(p.parent.name for p in templates_root().glob("*/template.yml") if not p.parent.name.startswith("_"))


def template_descriptions() -> dict[str, str]:
    """Every template's name -> its description (one line), as `tapestry init --template` lists them."""
    found: dict[str, str] = {}
    for name in available_templates():
        try:
            data = yaml.safe_load((templates_root() / name / "template.yml").read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, OSError):
            data = {}
        description = data.get("description") if isinstance(data, dict) else None
        found[name] = " ".join(str(description or "(no description)").split())
    return found


def load_template(name: str) -> TemplateSpec:
    folder = templates_root() / name
    spec_file = folder / "template.yml"
    if not name or name.startswith("_") or "/" in name or not spec_file.is_file():
        raise ConfigError(
            f"kickstart template {name!r} does not exist",
            f"use --template with one of: {', '.join(available_templates())} "
            "(`tapestry init --template` describes each)",
        )
    try:
        data = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
        data["questions"] = _expand_includes(data.get("questions") or [], templates_root())
        spec = TemplateSpec.model_validate({**data, "folder": folder})
    except (yaml.YAMLError, ValidationError, TypeError, OSError) as exc:
        raise ConfigError(f"{spec_file} is not a valid template spec: {exc}", "fix the template") from exc
    ids = [q.id for q in spec.questions]
    if len(ids) != len(set(ids)):
        raise ConfigError(f"{spec_file}: duplicate question ids", "give every question its own id")
    unnamed = [q.id for q in spec.questions if q.is_secret and not q.store_as]
    if unnamed:
        raise ConfigError(f"{spec_file}: secret questions need store_as: {', '.join(unnamed)}", "name their secret")
    return spec
