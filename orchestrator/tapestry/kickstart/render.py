"""Render a template's files from validated answers, and its runtime renders (tfvars, dbt profile,
Airbyte payloads) from the project's configuration at deploy time."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tapestry.core.errors import ConfigError
from tapestry.kickstart.spec import TemplateSpec


def _environment(spec: TemplateSpec) -> Environment:
    return Environment(
        # the template's own folder first, then its siblings (templates may share renders)
        loader=FileSystemLoader([spec.folder, spec.folder.parent]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_files(spec: TemplateSpec, answers: Mapping[str, Any]) -> dict[str, str]:
    """Relative output path -> rendered text, for every render in the spec."""
    context = {q.id: answers.get(q.id) for q in spec.questions}
    env = _environment(spec)
    return {render.to: env.get_template(render.template).render(**context) for render in spec.renders}


def render_runtime(spec: TemplateSpec, name: str, context: Mapping[str, Any]) -> str:
    """A runtime render as text; it stays in memory (it may carry secrets)."""
    if name not in spec.runtime:
        raise ConfigError(
            f"template {spec.name} has no runtime render {name!r}",
            f"add `{name}: <file>.j2` under runtime: in its template.yml",
        )
    return _environment(spec).get_template(spec.runtime[name]).render(**context)


def render_json(spec: TemplateSpec, name: str, context: Mapping[str, Any]) -> Any:
    text = render_runtime(spec, name, context)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"template {spec.name}: {spec.runtime[name]} rendered invalid JSON (line {exc.lineno}: {exc.msg})",
            "fix the template",
        ) from None
