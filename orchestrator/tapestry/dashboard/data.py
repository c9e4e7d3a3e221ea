"""What every page shows, as plain dicts: the HTML pages and the JSON API render the same values.

Sources, in order of preference: the warehouse (read-only, per request), the last good warehouse reading
(when a run holds the warehouse), the project state (`.tapestry/state.json`), and the cloud panels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tapestry import __version__
from tapestry.core.warehouse import Warehouse
from tapestry.dashboard import queries
from tapestry.dashboard.access import RUN_HINT, ProjectView, WarehouseStatus
from tapestry.dashboard.cloud import AwsReader, CloudContext, provider_panel, read_panel
from tapestry.dashboard.dbt_artifacts import read_run_results
from tapestry.dashboard.docs import list_docs
from tapestry.engines.sync.state import SCHEMA as SYNC_SCHEMA
from tapestry.phases.sources import source_streams
from tapestry.project.state import PhaseRecord, ProjectState

PIPELINE_PHASES: dict[str, tuple[str, dict[str, str]]] = {
    "ingest": (
        "Ingest",
        {"local": "load new export files into the raw tables", "cloud": "trigger the Airbyte syncs and wait"},
    ),
    "transform": ("Transform", {"local": "dbt build: staging → audience", "cloud": "dbt build on Snowflake"}),
    "sync": ("Sync", {"local": "audience → Mailchimp", "cloud": "audience → Mailchimp (ECS task)"}),
}
REJECTED_MODEL = "audience_rejected_records"
RUNS_IN_CHART = 30
RECENT_RUNS = 10
LINK_TITLES = {"airbyte": "Airbyte UI", "snowflake": "Snowflake", "mailchimp": "Mailchimp list"}
MAILCHIMP_API = re.compile(r"^https://([a-z]+\d+)\.api\.mailchimp\.com/")


def utcnow() -> datetime:
    return datetime.now(UTC)


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
        pipeline = [
            self._phase(name, state.phases.get(name), "pipeline", describe[flavour])
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
        ingest = state.phases.get("ingest")
        transform = state.phases.get("transform")
        sync = state.phases.get("sync")
        by_source = (ingest.summary.get("by_source") if ingest else None) or {}
        rejected = (transform.summary.get("rejected_records") if transform else None) or {}
        return {
            "raw_rows": {source: numbers.get("rows_total") for source, numbers in by_source.items()},
            "audience_size": transform.summary.get("audience_size") if transform else None,
            "rejected_records": sum(int(v) for v in rejected.values()) if rejected else None,
            "sync": sync.summary.get("headline") if sync else None,
        }

    def _links(self) -> list[dict[str, str]]:
        from tapestry.destinations.mailchimp.config import MailchimpConfig

        links = []
        for sync in self.view.config.syncs:
            mailchimp = sync.destination
            if isinstance(mailchimp, MailchimpConfig) and mailchimp.list_id:
                links.append(self._mailchimp_link(mailchimp.list_id, mailchimp.api_url))
        for key, url in (self.cloud.links if self.cloud else {}).items():
            safe = url if url.startswith(("https://", "http://")) else ""
            links.append({"name": LINK_TITLES.get(key, key), "url": safe, "note": "" if safe else url})
        return links

    @staticmethod
    def _mailchimp_link(list_id: str, api_url: str | None) -> dict[str, str]:
        if True:
            api_url = api_url or ""
            match = MAILCHIMP_API.match(api_url)
            if match or not api_url:
                host = f"{match.group(1)}.admin.mailchimp.com" if match else "admin.mailchimp.com"
                return {"name": f"Mailchimp list {list_id}", "url": f"https://{host}/lists/", "note": ""}
        # a proxy or a test double: show where the sync writes, no admin UI to link to
        return {"name": f"Mailchimp list {list_id}", "url": "", "note": f"via {api_url}"}

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
        ingest = state.phases.get("ingest")
        by_source = (ingest.summary.get("by_source") if ingest else None) or {}
        return [
            {
                "source": source,
                "table": stream.table,
                "label": stream.label,
                "exists": source in by_source,
                "rows": by_source.get(source, {}).get("rows_total"),
            }
            for source, stream in source_streams(self.view.config).items()
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
        if audience is None and reading.status.state != "ok" and transform and "audience_size" in transform.summary:
            rejected = {str(k): int(v) for k, v in (transform.summary.get("rejected_records") or {}).items()}
            audience = {
                "size": transform.summary["audience_size"],
                "rejected_by_reason": rejected,
                "rejected_total": sum(rejected.values()),
                "rejected_sample": [],
            }
            audience_source = "state"
        dbt = read_run_results(self.view.layout.dbt_dir / "target" / "run_results.json")
        identity = value.get("identity")
        if identity is None and transform and transform.summary.get("identity"):  # warehouse busy: last numbers
            identity = {**transform.summary["identity"], "from_state": True}
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
        summary = record.summary
        return {
            **self._phase("transform", record, "pipeline", ""),
            "models_passed": summary.get("models_passed"),
            "tests_passed": summary.get("tests_passed"),
            "reason": summary.get("reason"),
            "nodes": summary.get("nodes") or [],
        }

    def _warehouse_cloud(self) -> dict[str, Any] | None:
        if self.cloud is None:
            return None
        return {"query_history": provider_panel(self.cloud.query_history)}

    # --- sync --------------------------------------------------------------------------------------------

    def sync(self) -> dict[str, Any]:
        state, state_error = self.view.state()

        def read(wh: Warehouse) -> dict[str, Any] | None:
            if not queries.sync_tables_exist(wh):
                return None
            return {**queries.sync_runs(wh), "rejections": queries.rejections(wh), "errors": queries.last_errors(wh)}

        reading = self.view.read("sync", read)
        value = reading.value
        record = state.phases.get("sync")
        previews = self._preview_count(state)
        return {
            **self._header(state_error, reading.status),
            "destinations": [
                {
                    "name": sync.name,
                    "type": sync.destination.type,
                    "identity": sync.destination.identity(),
                    "list_id": getattr(sync.destination, "list_id", None),
                    "mode": sync.mode,
                    "model": sync.model,
                    "enabled": sync.enabled,
                }
                for sync in self.view.config.syncs
            ],
            "runs": value["runs"] if value else [],
            "totals": value["totals"] if value else None,
            "rejections": value["rejections"] if value else {"total": 0, "by_reason": [], "latest": []},
            "errors": value["errors"] if value else {"changelog": [], "failed_runs": []},
            "last_sync": {**self._phase("sync", record, "pipeline", ""), "summary": record.summary} if record else None,
            "previews": previews,
            "hint": None if value and value["runs"] else self._no_sync_hint(previews, record),
        }

    @staticmethod
    def _preview_count(state: ProjectState) -> int:
        return sum(
            1
            for run in state.runs
            for phase in run.phases
            if phase.name == "sync"
            for result in (phase.summary.get("syncs") or {}).values()
            if result.get("preview") and not result.get("reason")
        )

    @staticmethod
    def _no_sync_hint(previews: int, record: PhaseRecord | None) -> str:
        """Why the runs table is empty: nothing ran yet, or every sync was a preview (nothing is logged then)."""
        if not previews:
            return f"No sync run yet: {RUN_HINT}."
        results = (record.summary.get("syncs") or {}).values() if record else []
        planned = next((r.get("planned") for r in results if r.get("preview") and r.get("planned")), None) or {}
        last = ", ".join(f"{int(planned.get(op, 0)):,} to {op}" for op in ("create", "update", "archive"))
        were = "sync so far was a preview" if previews == 1 else "syncs so far were previews"
        return (
            f"{previews:,} {were}: nothing was sent to Mailchimp"
            + (f" (the last preview planned {last})" if planned else "")
            + ". A sync previews without a Mailchimp API key and sync.mailchimp.list_id, or with --preview;"
            " set both, then run `tapestry run`."
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
