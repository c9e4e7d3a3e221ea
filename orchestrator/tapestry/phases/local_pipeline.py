"""The local target's ingest (export files into raw tables) and transform (dbt build on DuckDB)."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from tapestry.core.errors import IngestError
from tapestry.core.fs import sha256_tree
from tapestry.core.humanize import count
from tapestry.engines.ingest import files as file_ingest
from tapestry.engines.transform.dbt_runner import BuildResult, DbtInvocation, NodeResult, run_dbt
from tapestry.engines.transform.profiles import DuckDBTarget, render_profile
from tapestry.engines.warehouse.duckdb_adapter import connect_config
from tapestry.phases.marts import marts_summary
from tapestry.phases.runner import PhaseSkipped
from tapestry.phases.sources import source_streams

if TYPE_CHECKING:
    from tapestry.targets.local import LocalTarget


def ingest_phase(target: LocalTarget) -> dict[str, Any]:
    ctx = target.ctx
    streams = source_streams(ctx.config)
    items: list[file_ingest.InputFile] = []
    unmatched: list[str] = []
    for name, source in ctx.config.sources.items():
        for pattern in source.files:  # each configured file or glob must find something
            if not file_ingest.expand_patterns([pattern], ctx.layout.root):
                unmatched.append(f"sources.{name}.files {pattern!r}")
        matched = file_ingest.expand_patterns(source.files, ctx.layout.root)
        items += [file_ingest.fingerprint(name, path, ctx.state.file_hashes, source.encoding) for path in matched]
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
        totals = {
            source: int(warehouse.query(f"select count(*) from {stream.table}")[0][0])
            for source, stream in streams.items()
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
        vars={"marts_schema": ctx.config.transform.marts_schema, "identity": ctx.config.identity_vars()},
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


def transform_phase(target: LocalTarget, full_refresh: bool) -> dict[str, Any]:
    ctx = target.ctx
    invocation = dbt_invocation(target)
    fingerprint = transform_inputs_fingerprint(target, invocation)
    last = ctx.state.phases.get("transform")
    if (
        not full_refresh
        and last is not None
        and last.status == "succeeded"
        and last.summary.get("inputs_fingerprint") == fingerprint
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
    return {
        "inputs_fingerprint": fingerprint,
        "models_passed": result.models_passed,
        "tests_passed": result.tests_passed,
        "nodes": [
            {"name": n.name, "type": n.resource_type, "status": n.status, "seconds": round(n.seconds, 3)}
            for n in result.nodes
        ],
        **marts,
    }
