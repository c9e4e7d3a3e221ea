"""Targets: where a project runs. `open_target` builds the project's one target for a command."""

from __future__ import annotations

from collections.abc import Mapping

from tapestry.core.errors import ConfigError
from tapestry.phases.context import ProjectContext
from tapestry.phases.target import Target

# target name -> module whose `build(ctx, provided_secrets)` makes it
TARGETS = {"local": "tapestry.targets.local", "aws": "tapestry.targets.aws"}


def open_target(ctx: ProjectContext, provided_secrets: Mapping[str, str] | None = None) -> Target:
    import importlib

    name = ctx.config.target
    if name not in TARGETS:
        raise ConfigError(f"unknown target {name!r}", f"use one of: {', '.join(TARGETS)}")
    module = importlib.import_module(TARGETS[name])
    target: Target = module.build(ctx, provided_secrets)
    return target
