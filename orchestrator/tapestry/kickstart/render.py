"""Render a template's files from validated answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tapestry.kickstart.spec import TemplateSpec


def render_files(spec: TemplateSpec, answers: Mapping[str, Any]) -> dict[str, str]:
    """Relative output path -> rendered text, for every render in the spec."""
    env = Environment(
        loader=FileSystemLoader(spec.folder),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    context = {q.id: answers.get(q.id) for q in spec.questions}
    return {render.to: env.get_template(render.template).render(**context) for render in spec.renders}
