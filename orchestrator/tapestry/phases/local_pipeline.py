"""`tapestry run` on the local target: ingest files -> dbt build -> sync."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from tapestry.core.errors import IngestError
from tapestry.core.fs import sha256_tree
from tapestry.core.humanize import count
from tapestry.engines.ingest import files as file_ingest
from tapestry.engines.ingest.streams import STREAMS
from tapestry.engines.transform.dbt_runner import BuildResult, DbtInvocation, NodeResult, run_dbt
from tapestry.engines.transform.profiles import DuckDBTarget, render_profile
from tapestry.engines.warehouse.duckdb_adapter import connect_config
from tapestry.phases.context import ProjectContext
from tapestry.phases.runner import Phase, PhaseSkipped, run_phases
from tapestry.phases.sync_phase import SyncRequest, sync_phase
from tapestry.phases.warehouse import open_warehouse
from tapestry.project.state import RunRecord, project_lock

AUDIENCE_MODEL = "mailchimp_audience"
REJECTIONS_MODEL = "audience_rejected_records"


@dataclass(frozen=True)
class RunOptions:
    full_refresh: bool = False  # rebuild with dbt even when nothing changed
    sync: SyncRequest = field(default_factory=SyncRequest)


def ingest_phase(ctx: ProjectContext) -> dict[str, Any]:
    items: list[file_ingest.InputFile] = []
    unmatched: list[str] = []
    for source in ("zoom", "salesforce"):
        settings = getattr(ctx.config.sources, source)
        for pattern in settings.files:  # each configured file or glob must find something
            if not file_ingest.expand_patterns([pattern], ctx.layout.root):
                unmatched.append(f"sources.{source}.files {pattern!r}")
        matched = file_ingest.expand_patterns(settings.files, ctx.layout.root)
        items += [file_ingest.fingerprint(source, path, ctx.state.file_hashes, settings.encoding) for path in matched]
    if unmatched:
        raise IngestError(
            f"no file matches {', '.join(unmatched)} (relative to {ctx.layout.root})",
            "export the files there, or correct the paths in tapestry.yml",
        )
    if not items:
        raise IngestError(
            "no input files: sources.zoom.files and sources.salesforce.files are empty",
            "list your export files (paths or globs) in tapestry.yml",
        )
    with open_warehouse(ctx) as warehouse:
        result = file_ingest.load_files(
            warehouse,
            STREAMS,
            items,
            on_file=lambda item, rows: ctx.reporter.info(f"loaded {count(rows, 'row')} from {item.path.name}"),
        )
        totals = {
            source: int(warehouse.query(f"select count(*) from {stream.table}")[0][0])
            for source, stream in STREAMS.items()
        }
    ctx.store.save(ctx.state)  # keep the refreshed hash cache even if a later phase fails
    summary: dict[str, Any] = {
        "files_loaded": result.files_loaded,
        "rows_loaded": result.rows_loaded,
        "by_source": {
            source: {
                "files_loaded": load.files_loaded,
                "files_skipped": load.files_skipped,
                "rows_loaded": load.rows_loaded,
                "rows_total": totals[source],
            }
            for source, load in result.by_source.items()
        },
    }
    if result.files_loaded == 0:
        raise PhaseSkipped(summary, "no new files (every file's content was loaded before)")
    return summary


def dbt_invocation(ctx: ProjectContext) -> DbtInvocation:
    target = DuckDBTarget(
        path=ctx.layout.warehouse_path(ctx.config),
        schema=ctx.config.transform.analytics_schema,
        threads=ctx.config.transform.threads,
        config_options=connect_config(),
    )
    return DbtInvocation(
        project_dir=ctx.layout.dbt_project_dir(ctx.config),
        profile_yaml=render_profile(target),
        work_dir=ctx.layout.dbt_dir,
        target=target.name,
        vars={"marts_schema": ctx.config.transform.marts_schema},
    )


def transform_inputs_fingerprint(ctx: ProjectContext, invocation: DbtInvocation) -> str:
    """Changes when the loaded data, the dbt project or its profile change; nothing else matters."""
    with open_warehouse(ctx) as warehouse:
        loaded = warehouse.query(f"select source, sha256 from {file_ingest.REGISTRY_TABLE} order by 1, 2")
    digest = hashlib.sha256()
    digest.update(json.dumps([list(r) for r in loaded]).encode())
    digest.update(sha256_tree(invocation.project_dir, frozenset({"target", "logs", "dbt_packages"})).encode())
    digest.update(invocation.profile_yaml.encode())
    digest.update(json.dumps(dict(invocation.vars), sort_keys=True).encode())
    return digest.hexdigest()


def audience_built(ctx: ProjectContext) -> bool:
    with open_warehouse(ctx) as warehouse:
        return warehouse.table_exists(ctx.config.transform.marts_schema, AUDIENCE_MODEL)


def transform_phase(ctx: ProjectContext, options: RunOptions) -> dict[str, Any]:
    invocation = dbt_invocation(ctx)
    fingerprint = transform_inputs_fingerprint(ctx, invocation)
    last = ctx.state.phases.get("transform")
    if (
        not options.full_refresh
        and last is not None
        and last.status == "succeeded"
        and last.summary.get("inputs_fingerprint") == fingerprint
        and audience_built(ctx)
    ):
        raise PhaseSkipped(audience_summary(ctx), "up to date (no new data, dbt project unchanged)")

    done = 0

    def on_node(node: NodeResult) -> None:
        nonlocal done
        done += 1
        ctx.reporter.progress("dbt build", done, None)

    result: BuildResult = run_dbt("build", invocation, on_node=on_node)
    return {
        "inputs_fingerprint": fingerprint,
        "models_passed": result.models_passed,
        "tests_passed": result.tests_passed,
        "nodes": [
            {"name": n.name, "type": n.resource_type, "status": n.status, "seconds": round(n.seconds, 3)}
            for n in result.nodes
        ],
        **audience_summary(ctx),
    }


def audience_summary(ctx: ProjectContext) -> dict[str, Any]:
    schema = ctx.config.transform.marts_schema
    with open_warehouse(ctx) as warehouse:
        if not warehouse.table_exists(schema, AUDIENCE_MODEL):
            return {}
        audience = int(warehouse.query(f"select count(*) from {schema}.{AUDIENCE_MODEL}")[0][0])
        rejected = {
            str(reason): int(count)
            for reason, count in warehouse.query(
                f"select reason, count(*) from {schema}.{REJECTIONS_MODEL} group by 1 order by 1"
            )
        }
    return {"audience_size": audience, "rejected_records": rejected}


def run_local_pipeline(ctx: ProjectContext, options: RunOptions) -> RunRecord:
    phases = [
        Phase("ingest", lambda: ingest_phase(ctx), "load new export files into the raw tables"),
        Phase("transform", lambda: transform_phase(ctx, options), "dbt build: staging -> audience"),
        Phase("sync", lambda: sync_phase(ctx, options.sync), "audience -> Mailchimp"),
    ]
    with project_lock(ctx.layout.lock_file):
        return run_phases("run", phases, ctx.store, ctx.state, ctx.reporter)
