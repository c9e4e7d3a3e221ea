"""`tapestry.yml`: the project's configuration, validated by a typed model.

Secrets are never stored here, only references to them (`{env: NAME}` or `{secret: NAME}`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tapestry.core.errors import ConfigError

CONFIG_FILE = "tapestry.yml"
SCHEMA_VERSION = 1
MERGE_TAG = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")
SECRET_WORDS = re.compile(r"(api_?key|password|secret|token|private_key)$", re.IGNORECASE)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(Strict):
    """Where a secret comes from: an environment variable or the secret store. Never the value."""

    env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    secret: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_./-]+$")

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.secret is None):
            raise ValueError("give exactly one of `env: VARIABLE_NAME` or `secret: NAME`")
        return self

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"secret store entry '{self.secret}'"


class SourceFiles(Strict):
    files: list[str] = Field(default_factory=list, description="Paths or globs, relative to the project")


class Sources(Strict):
    zoom: SourceFiles = SourceFiles()
    salesforce: SourceFiles = SourceFiles()


class LocalWarehouse(Strict):
    type: Literal["duckdb"] = "duckdb"
    path: str = "warehouse.duckdb"


class Transform(Strict):
    project_dir: str = "dbt_project"
    threads: Annotated[int, Field(ge=1, le=32)] = 2
    analytics_schema: str = Field(default="analytics", pattern=r"^[a-z_][a-z0-9_]*$")  # staging, intermediate
    marts_schema: str = Field(default="marts", pattern=r"^[a-z_][a-z0-9_]*$")  # what the sync reads


class TagMapping(Strict):
    """A Mailchimp tag: a constant `name`, or the value of `column` (skipped when null/empty)."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    column: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TagMapping:
        if (self.name is None) == (self.column is None):
            raise ValueError("a tag needs exactly one of `name` (constant) or `column`")
        return self


class Mapping(Strict):
    email: str = "email_address"
    merge_fields: dict[str, str] = Field(default_factory=lambda: {"FNAME": "first_name", "LNAME": "last_name"})
    tags: list[TagMapping] = Field(default_factory=list)

    @field_validator("merge_fields")
    @classmethod
    def _merge_tags(cls, value: dict[str, str]) -> dict[str, str]:
        for tag in value:
            if not MERGE_TAG.match(tag):
                raise ValueError(f"merge field tag {tag!r} must be 1-10 upper-case letters, digits or _")
        return value


class Mailchimp(Strict):
    list_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,64}$")
    api_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(:\d+)?/.*\d\.\d$")
    api_key: SecretRef = SecretRef(env="MAILCHIMP_API_KEY")


class Sync(Strict):
    enabled: bool = True
    model: str = Field(default="mailchimp_audience", pattern=r"^[a-z_][a-z0-9_]*$")
    mode: Literal["upsert", "mirror"] = "upsert"
    mailchimp: Mailchimp = Mailchimp()
    mapping: Mapping = Mapping()
    concurrency: Annotated[int, Field(ge=1, le=10)] = 8  # Mailchimp allows 10 connections per user
    bulk_threshold: Annotated[int, Field(ge=1)] = 500  # this many operations or more use POST /batches
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 2_500


class ProjectConfig(Strict):
    schema_version: Literal[1] = 1
    project: str = Field(pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
    target: Literal["local"] = "local"
    warehouse: LocalWarehouse = LocalWarehouse()
    sources: Sources = Sources()
    transform: Transform = Transform()
    sync: Sync = Sync()


def _find_secret_values(data: Any, path: str = "") -> list[str]:
    """Keys that look like secrets but hold a plain value: the config must only reference secrets."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            is_reference_field = key in {"env", "secret"}  # the `{env: ...}` / `{secret: ...}` reference itself
            if SECRET_WORDS.search(str(key)) and not is_reference_field and isinstance(value, str | int):
                found.append(where)
            found += _find_secret_values(value, where)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _find_secret_values(value, f"{path}[{i}]")
    return found


def parse_config(data: Any, origin: str) -> ProjectConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping of settings", "see the configuration reference in README.md")
    leaked = _find_secret_values(data)
    if leaked:
        raise ConfigError(
            f"{origin}: {leaked[0]} holds a secret value; tapestry.yml may only reference secrets",
            f"remove the value and write `{leaked[0].rsplit('.', 1)[-1]}: {{env: VARIABLE_NAME}}`",
        )
    try:
        return ProjectConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"{loc}: {err['msg']}")
        raise ConfigError(
            f"{origin}: {'; '.join(problems)}", "correct these settings (see the configuration reference)"
        ) from None


def load_config(project_dir: Path) -> ProjectConfig:
    import yaml

    path = project_dir / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(
            f"{project_dir} is not a Tapestry project (no {CONFIG_FILE})",
            "run `tapestry init DIR` first, or pass --project DIR",
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not valid YAML", "fix the syntax") from None
    return parse_config(data, str(path))
