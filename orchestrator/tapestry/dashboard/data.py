"""What every page shows, as plain dicts: the HTML pages and the JSON API render the same values.

Sources, in order of preference: the warehouse (read-only, per request), the last good warehouse reading
(when a run holds the warehouse), the project state (`.tapestry/state.json`), and the cloud panels.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tapestry import __version__
from tapestry.core.errors import TapestryError
from tapestry.core.warehouse import Warehouse
from tapestry.dashboard import queries
from tapestry.dashboard.access import RUN_HINT, ProjectView, WarehouseStatus
from tapestry.dashboard.cloud import AwsReader, CloudContext, provider_panel, read_panel
from tapestry.dashboard.dbt_artifacts import read_run_results
from tapestry.dashboard.docs import list_docs
from tapestry.engines.sync.state import SCHEMA as SYNC_SCHEMA
from tapestry.phases.sources import source_streams
from tapestry.phases.sync_summary import read_summary
from tapestry.plugins import destination_plugin
from tapestry.project.state import PhaseRecord, ProjectState
from tapestry.project.summaries import IngestSummary, Summary, TransformSummary

PIPELINE_PHASES: dict[str, tuple[str, dict[str, str]]] = {
    "ingest": (
        "Ingest",
        {"local": "load new export files into the raw tables", "cloud": "trigger the Airbyte syncs and wait"},
    ),
    "transform": ("Transform", {"local": "dbt build: staging → audience", "cloud": "dbt build on Snowflake"}),
    "sync": ("Sync", {"local": "{syncs}", "cloud": "{syncs} (ECS task)"}),
}
REJECTED_MODEL = "audience_rejected_records"
RUNS_IN_CHART = 30
RECENT_RUNS = 10
LINK_TITLES = {"airbyte": "Airbyte UI", "snowflake": "Snowflake"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _typed(state: ProjectState, phase: str, model: type[Summary]) -> Summary:
    """The phase's last summary as `model`; empty (every field at its default) before it ever ran."""
    record = state.phases.get(phase)
    return record.typed_as(model) if record else model()


class DashboardData:
    """One project's dashboard data. Thread-safe: every call opens what it needs and closes it."""

    def __init__(
        self, view: ProjectView, cloud: CloudContext | None = None, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.view = view
        self.cloud = cloud
        self.aws = AwsReader(cloud) if cloud is not None else None
        self.clock = clock

    # --- shared ------------------------------------------------------------------------------------------

    def _header(self, state_error: str | None, warehouse: WarehouseStatus | None) -> dict[str, Any]:
        config = self.view.config
        return {
            "project": config.project,
            "target": config.target,
            "root": str(self.view.layout.root),
            "version": __version__,
            "generated_at": self.clock().isoformat(),
            "state_error": state_error,
            "warehouse": warehouse.as_dict() if warehouse else None,
        }

    def header(self) -> dict[str, Any]:
        """Who and what, without touching the state or the warehouse (for pages like the docs)."""
        return self._header(None, None)

    def _age_s(self, moment: datetime | None) -> int | None:
        return int((self.clock() - moment).total_seconds()) if moment else None

    # --- overview ----------------------------------------------------------------------------------------

    def overview(self) -> dict[str, Any]:
        state, state_error = self.view.state()
        warehouse = self.view.probe()
        flavour = "local" if self.cloud is None else "cloud"
        deploy = [self._phase(name, record, "deploy", "") for name, record in state.phases.items()]
        deploy = [p for p in deploy if p["name"] not in PIPELINE_PHASES]
        syncs = ", ".join(f"{s.model} → {self._label(s.destination.type)}" for s in self.view.config.active_syncs)
        pipeline = [
            self._phase(name, state.phases.get(name), "pipeline", describe[flavour].format(syncs=syncs or "no sync"))
            for name, (_, describe) in PIPELINE_PHASES.items()
        ]
        return {
            **self._header(state_error, warehouse),
            "phases": deploy + pipeline,
            "runs": [self._run(run) for run in reversed(state.runs[-RECENT_RUNS:])],
            "headlines": self._headlines(state),
            "links": self._links(),
            "hint": None if state.phases else f"No run yet: {RUN_HINT}.",
            "cloud": self._overview_cloud(),
        }

    def _phase(self, name: str, record: PhaseRecord | None, kind: str, describe: str) -> dict[str, Any]:
        title = PIPELINE_PHASES.get(name, (name.replace("_", " ").capitalize(), {}))[0]
        if record is None:
            return {"name": name, "title": title, "kind": kind, "describe": describe, "status": "not run yet"}
        return {
            "name": name,
            "title": title,
            "kind": kind,
            "describe": describe,
            "status": record.status,
            "started_at": record.started_at.isoformat(),
            "finished_at": record.finished_at.isoformat() if record.finished_at else None,
            "age_s": self._age_s(record.finished_at or record.started_at),
            "duration_s": record.duration_s,
            "headline": record.error or record.headline(),
            "error": record.error,
        }

    def _run(self, run: Any) -> dict[str, Any]:
        duration = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        return {
            "run_id": run.run_id,
            "command": run.command,
            "status": run.status,
            "started_at": run.started_at.isoformat(),
            "age_s": self._age_s(run.started_at),
            "duration_s": round(duration, 3) if duration is not None else None,
            "phases": {p.name: p.status for p in run.phases},
        }

    @staticmethod
    def _headlines(state: ProjectState) -> dict[str, Any]:
        """Key numbers as of the last run (from the state, so they show even while the warehouse is busy)."""
        ingest = _typed(state, "ingest", IngestSummary)
        transform = _typed(state, "transform", TransformSummary)
        sync = state.phases.get("sync")
        return {
            "raw_rows": {source: load.rows_total for source, load in ingest.by_source.items()},
            "audience_size": transform.audience_size,
            "rejected_records": transform.rejected_total,
            "sync": sync.typed().headline if sync else None,
        }

    def _links(self) -> list[dict[str, str]]:
        links = []
        for sync in self.view.config.syncs:
            link = sync.destination.link()
            if link is not None:
                links.append({"name": link.name, "url": link.url, "note": link.note})
        for key, url in (self.cloud.links if self.cloud else {}).items():
            safe = url if url.startswith(("https://", "http://")) else ""
            links.append({"name": LINK_TITLES.get(key, key), "url": safe, "note": "" if safe else url})
        return links

    @staticmethod
    def _label(destination_type: str) -> str:
        """The tool's name (a plugin that cannot be loaded is shown by its type)."""
        try:
            return destination_plugin(destination_type).label
        except TapestryError:
            return destination_type

    def _overview_cloud(self) -> dict[str, Any] | None:
        if self.cloud is None or self.aws is None:
            return None
        aws = self.aws
        return {
            "region": self.cloud.region,
            "ecs": read_panel(aws.ecs) if self.cloud.cluster_name else None,
            "instance": read_panel(aws.instance) if self.cloud.instance_id else None,
        }

    # --- ingestion ---------------------------------------------------------------------------------------

    def ingestion(self) -> dict[str, Any]:
        state, state_error = self.view.state()

        def read(wh: Warehouse) -> dict[str, Any]:
            streams = source_streams(self.view.config)
            return {"files": queries.loaded_files(wh), "raw_tables": queries.raw_tables(wh, streams)}

        reading = self.view.read("ingestion", read)
        value: dict[str, Any] = reading.value or {}
        raw_tables = value.get("raw_tables")
        raw_source = "warehouse"
        if raw_tables is None:
            raw_tables, raw_source = self._raw_tables_from_state(state), "state"
        files = value.get("files")
        ingest = state.phases.get("ingest")
        return {
            **self._header(state_error, reading.status),
            "raw_tables": raw_tables,
            "raw_tables_source": raw_source,
            "files": files["files"] if files else [],
            "files_total": files["total"] if files else 0,
            "files_rows": files["rows"] if files else 0,
            "files_bytes": files["bytes"] if files else 0,
            "last_ingest": self._phase("ingest", ingest, "pipeline", "") if ingest else None,
            "hint": None if files else f"No file loaded yet: {RUN_HINT}.",
            "cloud": self._ingestion_cloud(),
        }

    def _raw_tables_from_state(self, state: ProjectState) -> list[dict[str, Any]]:
        ingest = _typed(state, "ingest", IngestSummary)
        by_source, by_table = ingest.by_source, ingest.rows_by_table
        return [
            {
                "source": stream.source,
                "table": table,
                "label": stream.label,
                "exists": table in by_table or stream.source in by_source,
                # one stream per source before rows_by_table was recorded: the source's total is the table's
                "rows": by_table.get(
                    table, by_source[stream.source].rows_total if stream.source in by_source else None
                ),
            }
            for table, stream in source_streams(self.view.config).items()
        ]

    def _ingestion_cloud(self) -> dict[str, Any] | None:
        if self.cloud is None or self.aws is None:
            return None
        aws, now = self.aws, self.clock()
        return {
            "region": self.cloud.region,
            "airbyte_connections": provider_panel(self.cloud.airbyte_connections),
            "airbyte_jobs": provider_panel(self.cloud.airbyte_jobs),
            "instance": read_panel(aws.instance) if self.cloud.instance_id else None,
            "cpu": read_panel(lambda: aws.cpu(now)) if self.cloud.instance_id else None,
        }

    # --- warehouse & transform ---------------------------------------------------------------------------

    def _layers(self) -> dict[str, str]:
        transform = self.view.config.transform
        layers = {name: "raw" for name in self.view.config.sources}
        layers.update({transform.analytics_schema: "transform", transform.marts_schema: "marts"})
        layers.update({SYNC_SCHEMA: "sync", "tapestry_meta": "meta"})
        return layers

    def warehouse(self) -> dict[str, Any]:
        state, state_error = self.view.state()
        config = self.view.config
        marts = config.transform.marts_schema
        model = config.syncs[0].model if config.syncs else "audience"  # the first sync's model is the audience
        layers = self._layers()

        def read(wh: Warehouse) -> dict[str, Any]:
            return {
                "tables": queries.warehouse_tables(wh, layers),
                "audience": queries.audience(wh, marts, model, REJECTED_MODEL),
                "identity": queries.identity(wh, marts),
            }

        reading = self.view.read("warehouse", read)
        value: dict[str, Any] = reading.value or {}
        audience = value.get("audience")
        audience_source = "warehouse"
        transform = state.phases.get("transform")
        built = _typed(state, "transform", TransformSummary)
        if audience is None and reading.status.state != "ok" and built.audience_size is not None:
            audience = {
                "size": built.audience_size,
                "rejected_by_reason": dict(built.rejected_records or {}),
                "rejected_total": built.rejected_total or 0,
                "rejected_sample": [],
            }
            audience_source = "state"
        dbt = read_run_results(self.view.layout.dbt_dir / "target" / "run_results.json")
        identity = value.get("identity")
        # Only a busy warehouse falls back to the last build's numbers: a readable warehouse without the identity
        # models (reset, or identity switched off) has no people to count, whatever the last build said.
        if identity is None and reading.status.state != "ok" and built.identity is not None:
            identity = {**built.identity.model_dump(mode="json"), "from_state": True}
        return {
            **self._header(state_error, reading.status),
            "tables": value.get("tables") or [],
            "audience": audience,
            "audience_source": audience_source,
            "audience_relation": f"{marts}.{model}",
            "identity": identity,
            "dbt": dbt,
            "transform": self._transform_phase(transform),
            "hint": None if value.get("tables") else f"No tables yet: {RUN_HINT}.",
            "cloud": self._warehouse_cloud(),
        }

    def _transform_phase(self, record: PhaseRecord | None) -> dict[str, Any] | None:
        if record is None:
            return None
        summary = record.typed_as(TransformSummary)
        return {
            **self._phase("transform", record, "pipeline", ""),
            "models_passed": summary.models_passed,
            "tests_passed": summary.tests_passed,
            "reason": summary.reason,
            "nodes": [node.model_dump(mode="json") for node in summary.nodes],
        }

    def _warehouse_cloud(self) -> dict[str, Any] | None:
        if self.cloud is None:
            return None
        return {"query_history": provider_panel(self.cloud.query_history)}

    # --- sync --------------------------------------------------------------------------------------------

    def sync(self) -> dict[str, Any]:
        """Every sync's panel (its runs, totals, rejections and errors, by its sync_id) and the totals of all."""
        state, state_error = self.view.state()
        syncs = self.view.config.syncs
        identities = [sync.destination.identity() for sync in syncs]

        def one(wh: Warehouse, sync_id: str | None) -> dict[str, Any]:
            return {
                **queries.sync_runs(wh, sync_id),
                "rejections": queries.rejections(wh, sync_id),
                "errors": queries.last_errors(wh, sync_id),
            }

        def read(wh: Warehouse) -> dict[str, Any] | None:
            if not queries.sync_tables_exist(wh):
                return None
            return {"every": one(wh, None), "by_sync": {sync_id: one(wh, sync_id) for sync_id in identities}}

        reading = self.view.read("sync", read)
        value = reading.value or {}
        record = state.phases.get("sync")
        summary = read_summary(record.summary if record else None)
        previews = self._preview_count(state)
        every = value.get("every")
        panels = []
        for sync, identity in zip(syncs, identities, strict=True):
            read_back = (value.get("by_sync") or {}).get(identity)
            last = summary.syncs.get(sync.name)
            panels.append(
                {
                    **self._destination(sync),
                    **self._panel(read_back),
                    "last": last.as_dict() if last else None,
                    "hint": None if read_back and read_back["runs"] else self._no_sync_hint(previews, record),
                }
            )
        return {
            **self._header(state_error, reading.status),
            "destinations": [self._destination(sync) for sync in syncs],
            "syncs": panels,
            # every sync together, and runs of syncs no longer configured
            **self._panel(every),
            "last_sync": {**self._phase("sync", record, "pipeline", ""), "summary": record.summary} if record else None,
            "previews": previews,
            "hint": None if every and every["runs"] else self._no_sync_hint(previews, record),
        }

    def _destination(self, sync: Any) -> dict[str, Any]:
        destination = sync.destination
        return {
            "name": sync.name,
            "type": destination.type,
            "label": self._label(destination.type),
            "identity": destination.identity(),
            "object": destination.describe(),
            "mode": sync.mode,
            "model": sync.model,
            "enabled": sync.enabled,
        }

    @staticmethod
    def _panel(read_back: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "runs": read_back["runs"] if read_back else [],
            "totals": read_back["totals"] if read_back else None,
            "rejections": read_back["rejections"] if read_back else {"total": 0, "by_reason": [], "latest": []},
            "errors": read_back["errors"] if read_back else {"changelog": [], "failed_runs": []},
        }

    @staticmethod
    def _preview_count(state: ProjectState) -> int:
        return sum(
            1
            for run in state.runs
            for phase in run.phases
            if phase.name == "sync"
            for result in read_summary(phase.summary).syncs.values()
            if result.preview and not result.reason
        )

    def _no_sync_hint(self, previews: int, record: PhaseRecord | None) -> str:
        """Why the runs table is empty: nothing ran yet, or every sync was a preview (nothing is logged then)."""
        if not previews:
            return f"No sync run yet: {RUN_HINT}."
        results = read_summary(record.summary if record else None).syncs.values()
        planned = next((r.planned for r in results if r.preview and r.planned), None) or {}
        last = ", ".join(f"{int(planned.get(op, 0)):,} to {op}" for op in ("create", "update", "archive"))
        were = "sync so far was a preview" if previews == 1 else "syncs so far were previews"
        tools = " or ".join(dict.fromkeys(self._label(s.destination.type) for s in self.view.config.syncs))
        return (
            f"{previews:,} {were}: nothing was sent to {tools or 'any destination'}"
            + (f" (the last preview planned {last})" if planned else "")
            + ". A sync previews without its destination's credentials and settings (syncs: destination in"
            " tapestry.yml), or with --preview; set them, then run `tapestry run`."
        )

    # --- alarms ------------------------------------------------------------------------------------------

    def alarms(self) -> dict[str, Any]:
        _, state_error = self.view.state()
        header = self._header(state_error, None)
        if self.cloud is None or self.aws is None:
            return {
                **header,
                "panel": None,
                "message": "The local target has no CloudWatch alarms: nothing runs in the cloud. "
                "The aws target's Terraform modules create alarms for the Airbyte instance (CPU, status checks, "
                "load balancer health) and for the pipeline runner (failed runs, schedule errors).",
                "counts": {},
            }
        panel = read_panel(self.aws.alarms)
        counts: dict[str, int] = {}
        for alarm in panel.get("data") or []:
            counts[str(alarm["state"])] = counts.get(str(alarm["state"]), 0) + 1
        watched = self.cloud.alarm_names or ([f"{self.cloud.alarm_prefix}*"] if self.cloud.alarm_prefix else [])
        return {**header, "panel": panel, "message": None, "counts": counts, "watched": watched}

    # --- docs & health -----------------------------------------------------------------------------------

    def docs(self) -> dict[str, Any]:
        return {"docs": [doc.as_dict() for doc in list_docs()]}

    def health(self) -> dict[str, Any]:
        state, state_error = self.view.state()
        warehouse = self.view.probe()
        failed = [name for name, record in state.phases.items() if record.status == "failed"]
        last = state.runs[-1] if state.runs else None
        if state_error:
            status = "error"
        elif failed:
            status = "failing"
        elif not state.phases:
            status = "empty"
        elif warehouse.state != "ok":
            status = "degraded"
        else:
            status = "ok"
        return {
            **self._header(state_error, warehouse),
            "status": status,
            "failed_phases": failed,
            "last_run": self._run(last) if last else None,
        }
