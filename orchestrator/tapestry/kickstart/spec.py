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
    when: str | None = None  # Jinja2 expression over earlier answers

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
    renders: list[Render] = Field(default_factory=list)
    folder: Path = Path()

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def templates_root() -> Path:
    return bundled("kickstart_templates")


def available_templates() -> list[str]:
    return sorted(p.parent.name for p in templates_root().glob("*/template.yml"))


def load_template(name: str) -> TemplateSpec:
    folder = templates_root() / name
    spec_file = folder / "template.yml"
    if not spec_file.is_file():
        raise ConfigError(
            f"kickstart template {name!r} does not exist",
            f"choose one of: {', '.join(available_templates())}",
        )
    try:
        data = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
        spec = TemplateSpec.model_validate({**data, "folder": folder})
    except (yaml.YAMLError, ValidationError, TypeError) as exc:
        raise ConfigError(f"{spec_file} is not a valid template spec: {exc}", "fix the template") from exc
    ids = [q.id for q in spec.questions]
    if len(ids) != len(set(ids)):
        raise ConfigError(f"{spec_file}: duplicate question ids", "give every question its own id")
    return spec
