"""`tapestry run`: one ordered pipeline run on the project's target: ingest -> transform -> every sync."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tapestry.phases.runner import Phase, run_phases
from tapestry.phases.sync_phase import SyncRequest, sync_phase
from tapestry.project.state import RunRecord, project_lock

if TYPE_CHECKING:
    from tapestry.phases.target import Target


@dataclass(frozen=True)
class RunOptions:
    full_refresh: bool = False  # rebuild with dbt even when nothing changed
    poll_seconds: float = 15.0  # aws: between polls of the Airbyte sync jobs
    sync: SyncRequest = field(default_factory=SyncRequest)


def run_pipeline(target: Target, options: RunOptions) -> RunRecord:
    ctx = target.ctx
    phases = [
        *target.pipeline_phases(options),
        Phase("sync", lambda: sync_phase(target, options.sync), "every sync, in order"),
    ]
    with project_lock(ctx.layout.lock_file):
        return run_phases("run", phases, ctx.store, ctx.state, ctx.reporter)
