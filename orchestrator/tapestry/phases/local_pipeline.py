"""The local target's ingest (export files into raw tables) and transform (dbt build on DuckDB)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from tapestry.core.errors import IngestError
from tapestry.core.fs import sha256_tree
from tapestry.core.humanize import count
from tapestry.engines.ingest import files as file_ingest
from tapestry.engines.transform.dbt_runner import BuildResult, DbtInvocation, NodeResult, run_dbt
from tapestry.engines.transform.profiles import DuckDBTarget, render_profile
from tapestry.engines.warehouse.duckdb_adapter import connect_config
from tapestry.phases.marts import build_summary, marts_summary
from tapestry.phases.runner import PhaseSkipped
from tapestry.phases.sources import (
    add_source_models,
    announce_added_models,
    dbt_project_vars,
    file_patterns_by_stream,
    source_plugins,
    source_streams,
    stream_of_file,
)
from tapestry.project.summaries import IngestSummary, SourceLoad, TransformSummary

if TYPE_CHECKING:
    from tapestry.targets.local import LocalTarget


def ingest_phase(target: LocalTarget) -> IngestSummary:
    ctx = target.ctx
    streams = source_streams(ctx.config)
    plugins = source_plugins(ctx.config)
    items: list[file_ingest.InputFile] = []
    unmatched: list[str] = []
    for name, source in ctx.config.sources.items():
        found: dict[Path, str | None] = {}  # each file once, with the stream `files:` names for it (if any)
        for named_stream, pattern in file_patterns_by_stream(source):
            matched = file_ingest.expand_patterns([pattern], ctx.layout.root)
            if not matched:  # each configured file or glob must find something
                unmatched.append(f"sources.{name}.files {pattern!r}")
            for path in matched:
                found.setdefault(path, named_stream)
        for path, named_stream in found.items():
            stream = stream_of_file(name, plugins[name], path, named_stream)
            items.append(
                file_ingest.fingerprint(name, path, ctx.state.file_hashes, source.encoding, table=stream.table)
            )
    closed = {
        folder
        for source in ctx.config.sources.values()
        for _, pattern in file_patterns_by_stream(source)
        if (folder := file_ingest.closed_folder(pattern, ctx.layout.root)) is not None
    }
    if unmatched and closed:
        raise IngestError(
            f"cannot read folder {', '.join(sorted(str(f) for f in closed))}, so {', '.join(unmatched)} finds nothing",
            "give your user read access to it (chmod u+rx), or run as the user who owns the exports",
        )
    if unmatched:
        raise IngestError(
            f"no file matches {', '.join(unmatched)} (relative to {ctx.layout.root})",
            "export the files there, or correct the paths in tapestry.yml",
        )
    if not items:
        listed = " and ".join(f"sources.{name}.files" for name in ctx.config.sources) or "no source is configured"
        raise IngestError(
            f"no input files: {listed} are empty",
            "list your export files (paths or globs) in tapestry.yml",
        )
    with target.open_warehouse("loader") as warehouse:
        result = file_ingest.load_files(
            warehouse,
            streams,
            items,
            on_file=lambda item, rows: ctx.reporter.info(f"loaded {count(rows, 'row')} from {item.path.name}"),
        )
        table_rows = {table: int(warehouse.query(f"select count(*) from {table}")[0][0]) for table in streams}
    totals: dict[str, int] = {}
    for table, stream in streams.items():
        totals[stream.source] = totals.get(stream.source, 0) + table_rows[table]
    ctx.store.save(ctx.state)  # keep the refreshed hash cache even if a later phase fails
    summary = IngestSummary(
        files_loaded=result.files_loaded,
        rows_loaded=result.rows_loaded,
        by_source={
            source: SourceLoad(
                files_loaded=load.files_loaded,
                files_skipped=load.files_skipped,
                rows_loaded=load.rows_loaded,
                rows_total=totals[source],
            )
            for source, load in result.by_source.items()
        },
        rows_by_table=table_rows,
    )
    if result.files_loaded == 0:
        raise PhaseSkipped(summary, "no new files (every file's content was loaded before)")
    return summary


def dbt_invocation(target: LocalTarget) -> DbtInvocation:
    ctx = target.ctx
    profile_target = DuckDBTarget(
        path=ctx.layout.warehouse_path(ctx.config),
        schema=ctx.config.transform.analytics_schema,
        threads=ctx.config.transform.threads,
        config_options=connect_config(),
    )
    return DbtInvocation(
        project_dir=ctx.layout.dbt_project_dir(ctx.config),
        profile_yaml=render_profile(profile_target),
        work_dir=ctx.layout.dbt_dir,
        target=profile_target.name,
        vars={
            "marts_schema": ctx.config.transform.marts_schema,
            **dbt_project_vars(ctx.config),
        },
    )


def transform_inputs_fingerprint(target: LocalTarget, invocation: DbtInvocation) -> str:
    """Changes when the loaded data, the dbt project or its profile change; nothing else matters."""
    with target.open_warehouse("transformer") as warehouse:
        loaded = warehouse.query(f"select source, sha256 from {file_ingest.REGISTRY_TABLE} order by 1, 2")
    digest = hashlib.sha256()
    digest.update(json.dumps([list(r) for r in loaded]).encode())
    digest.update(sha256_tree(invocation.project_dir, frozenset({"target", "logs", "dbt_packages"})).encode())
    digest.update(invocation.profile_yaml.encode())
    digest.update(json.dumps(dict(invocation.vars), sort_keys=True).encode())
    return digest.hexdigest()


def marts_built(target: LocalTarget) -> bool:
    models = [sync.model for sync in target.ctx.config.syncs]
    with target.open_warehouse("transformer") as warehouse:
        return all(warehouse.table_exists(target.marts_schema, model) for model in models)


def transform_phase(target: LocalTarget, full_refresh: bool) -> TransformSummary:
    ctx = target.ctx
    announce_added_models(ctx.reporter, add_source_models(ctx.layout.dbt_project_dir(ctx.config), ctx.config))
    invocation = dbt_invocation(target)
    fingerprint = transform_inputs_fingerprint(target, invocation)
    last = ctx.state.phases.get("transform")
    if (
        not full_refresh
        and last is not None
        and last.status == "succeeded"
        and last.typed().inputs_fingerprint == fingerprint
        and marts_built(target)
    ):
        with target.open_warehouse("transformer") as warehouse:
            summary = marts_summary(warehouse, target.marts_schema, ctx.config)
        raise PhaseSkipped(summary, "up to date (no new data, dbt project unchanged)")

    done = 0

    def on_node(node: NodeResult) -> None:
        nonlocal done
        done += 1
        ctx.reporter.progress("dbt build", done, None)

    result: BuildResult = run_dbt("build", invocation, on_node=on_node)
    with target.open_warehouse("transformer") as warehouse:
        marts = marts_summary(warehouse, target.marts_schema, ctx.config)
    summary = build_summary(result, marts)
    summary.inputs_fingerprint = fingerprint
    return summary
