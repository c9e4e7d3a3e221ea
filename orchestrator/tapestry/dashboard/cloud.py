"""Cloud panels of the dashboard: EC2, CloudWatch and ECS through boto3, Airbyte and Snowflake through providers.

Every panel is a plain dict, `{"ok": True, "data": ...}` or `{"ok": False, "message": "one line"}`: a cloud
call that fails (no credentials, throttling, a network error) is shown in its panel and never takes the page
down, and its message never carries a secret. boto3 is imported only when a cloud panel is read, so the
local target works without the `cloud` extra.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tapestry.phases.context import ProjectContext

Rows = list[dict[str, Any]]
Provider = Callable[[], Rows]
Panel = dict[str, Any]

CPU_WINDOW = timedelta(hours=6)
CPU_PERIOD_S = 300
TASKS_SHOWN = 20
MESSAGE_LIMIT = 240


@dataclass(frozen=True)
class CloudContext:
    """What the dashboard needs to show the cloud target; built from the deploy phases' outputs.

    Providers are called once per page view and return rows of plain values. Preferred keys:
    - airbyte_connections: name, status, schedule, source, destination, last_sync_at
    - airbyte_jobs: connection, job_id, status, started_at, duration_s, rows_synced
    - query_history (Snowflake): query_id, query_type, status, start_time, elapsed_ms, rows
    """

    region: str
    instance_id: str | None = None  # the Airbyte EC2 instance
    cluster_name: str | None = None  # the ECS cluster of the pipeline runner
    alarm_names: list[str] = field(default_factory=list)
    alarm_prefix: str | None = None  # used when alarm_names is empty
    links: dict[str, str] = field(default_factory=dict)  # e.g. {"airbyte": url, "snowflake": url}
    airbyte_jobs: Provider | None = None
    airbyte_connections: Provider | None = None
    query_history: Provider | None = None

    @classmethod
    def from_terraform_outputs(cls, region: str, *outputs: Mapping[str, Any], **extra: Any) -> CloudContext:
        """Build a context from the stacks' outputs (`instance_id`, `cluster_name`, `alarm_names`, `airbyte_url`).

        Several stacks' outputs may be given (aws_ingestion, ecs_runner): their alarm names add up.
        """
        merged: dict[str, Any] = {}
        alarm_names: list[str] = []
        for output in outputs:
            merged.update({k: v for k, v in output.items() if v not in (None, "")})
            raw_alarms = output.get("alarm_names")
            if isinstance(raw_alarms, Mapping):
                alarm_names += [str(v) for v in raw_alarms.values()]
            elif isinstance(raw_alarms, list | tuple):
                alarm_names += [str(v) for v in raw_alarms]
        links = dict(extra.pop("links", {}))
        if merged.get("airbyte_url"):
            links.setdefault("airbyte", str(merged["airbyte_url"]))
        return cls(
            region=region,
            instance_id=_optional_str(merged.get("instance_id")),
            cluster_name=_optional_str(merged.get("cluster_name")),
            alarm_names=list(dict.fromkeys(alarm_names)),
            links=links,
            **extra,
        )


DEPLOY_PHASES_WITH_OUTPUTS = ("aws_ingestion", "ecs_runner")


def cloud_context(ctx: ProjectContext) -> CloudContext | None:
    """The cloud panels' context for this project; None on the local target (it has no cloud parts).

    On the aws target: EC2, CPU, ECS and alarms from the deploy phases' recorded Terraform outputs; Airbyte
    connections and jobs through its API; Snowflake query history as the sync service user.
    """
    aws = ctx.config.aws
    if ctx.config.target == "local" or aws is None:
        return None
    outputs = [ctx.state.stack_outputs(phase) for phase in DEPLOY_PHASES_WITH_OUTPUTS]
    links = {"airbyte": aws.airbyte.url} if aws.airbyte.url else {}
    links["snowflake"] = "https://app.snowflake.com/"
    providers = _cloud_providers(ctx) if ctx.config.template != "blank" else {}
    return CloudContext.from_terraform_outputs(aws.region, *outputs, links=links, **providers)


def _cloud_providers(ctx: ProjectContext) -> dict[str, Provider]:
    """Airbyte and Snowflake readers; each call opens and closes its own client."""

    def connections() -> Rows:
        from tapestry.phases.cloud.env import open_cloud
        from tapestry.phases.cloud.pipeline import airbyte_client, connection_names

        env = open_cloud(ctx)
        client = airbyte_client(env)
        try:
            wanted = set(connection_names(env))
            return [
                {
                    "name": c["name"],
                    "status": c.get("status"),
                    "schedule": (c.get("schedule") or {}).get("scheduleType"),
                    "connection_id": c["connectionId"],
                }
                for c in client.connections(client.workspace_id())
                if c["name"] in wanted
            ]
        finally:
            client.close()

    def jobs() -> Rows:
        from tapestry.phases.cloud.env import open_cloud
        from tapestry.phases.cloud.pipeline import airbyte_client, connection_names

        env = open_cloud(ctx)
        client = airbyte_client(env)
        try:
            wanted = set(connection_names(env))
            rows: Rows = []
            for connection in client.connections(client.workspace_id()):
                if connection["name"] not in wanted:
                    continue
                for job in client.jobs(str(connection["connectionId"]), limit=10):
                    rows.append(
                        {
                            "connection": connection["name"],
                            "job_id": job.get("jobId"),
                            "status": job.get("status"),
                            "started_at": job.get("startTime"),
                            "duration": job.get("duration"),
                            "rows_synced": job.get("rowsSynced"),
                        }
                    )
            return rows
        finally:
            client.close()

    def query_history() -> Rows:
        from tapestry.phases.cloud.env import open_cloud

        with open_cloud(ctx).open_snowflake("syncer") as warehouse:
            rows = warehouse.query(
                "select query_id, query_type, execution_status, start_time, total_elapsed_time, rows_produced "
                "from table(information_schema.query_history(result_limit => 50)) order by start_time desc"
            )
        keys = ("query_id", "query_type", "status", "start_time", "elapsed_ms", "rows")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    return {"airbyte_connections": connections, "airbyte_jobs": jobs, "query_history": query_history}


def cloud_warehouse_opener(ctx: ProjectContext) -> Callable[[], Any] | None:
    """On the aws target the dashboard reads Snowflake as the sync service user (marts and sync state)."""
    if ctx.config.target != "aws":
        return None

    def opener() -> Any:
        from tapestry.phases.cloud.env import open_cloud

        return open_cloud(ctx).open_snowflake("syncer")

    return opener


def _optional_str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


# --- failures as one safe line ---------------------------------------------------------------------------

_KEY_ID = re.compile(r"\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b")
_SECRET_ASSIGNMENT = re.compile(r"(?i)\b(secret|token|password|signature|credential|authorization)(\w*)([=:]\s*)\S+")
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@")
_SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID")


def redact(text: str) -> str:
    """Remove anything credential-like from a message before it reaches a page."""
    for name in _SECRET_ENV:
        value = os.environ.get(name)
        if value and len(value) >= 8:  # real keys are 20-40 characters; short values are test stand-ins
            text = text.replace(value, "***")
    text = _KEY_ID.sub("***", text)
    text = _URL_CREDENTIALS.sub(r"\1***@", text)
    return _SECRET_ASSIGNMENT.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}***", text)


def describe_failure(exc: BaseException) -> str:
    """One line saying what went wrong with a cloud call, and nothing secret."""
    kind = type(exc).__name__
    if kind in {"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"}:
        text = "no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
    elif kind == "ClientError":
        error = getattr(exc, "response", {}).get("Error", {})
        code = str(error.get("Code", "error"))
        operation = getattr(exc, "operation_name", "the call")
        if "Throttl" in code or code in {"RequestLimitExceeded", "TooManyRequestsException"}:
            text = f"AWS is throttling {operation} ({code}); it is retried on the next refresh"
        else:
            text = f"AWS refused {operation}: {code}: {error.get('Message', '')}".rstrip(": ")
    elif kind in {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"}:
        text = f"cannot reach AWS ({kind})"
    else:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        text = f"{kind}: {first}" if first else kind
    text = redact(text)
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def read_panel(read: Callable[[], Any]) -> Panel:
    try:
        return {"ok": True, "data": read()}
    except Exception as exc:  # any cloud failure becomes the panel's one-line message
        return {"ok": False, "message": describe_failure(exc)}


def provider_panel(provider: Provider | None) -> Panel | None:
    if provider is None:
        return None
    return read_panel(lambda: plain_rows(provider()))


def plain_rows(rows: Any) -> Rows:
    """Provider rows as JSON-safe dicts (datetimes as ISO text, anything unusual as text)."""
    if not isinstance(rows, list):
        raise TypeError(f"the provider returned {type(rows).__name__}, expected a list of dicts")
    return [{str(k): _plain(v) for k, v in dict(row).items()} for row in rows]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (str(value) if value else None)


# --- AWS ---------------------------------------------------------------------------------------------------


class AwsReader:
    """Read-only EC2, CloudWatch and ECS calls for one CloudContext. Clients are made once, lazily."""

    def __init__(self, context: CloudContext) -> None:
        self.context = context
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                import boto3
                from botocore.config import Config

                # Short timeouts and few retries: a page waits for these calls.
                config = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"})
                session = boto3.session.Session(region_name=self.context.region)
                self._clients[service] = session.client(service, config=config)
            return self._clients[service]

    def instance(self) -> dict[str, Any]:
        instance_id = self.context.instance_id
        reservations = self.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"]
        found = [i for r in reservations for i in r.get("Instances", [])]
        if not found:
            raise LookupError(f"instance {instance_id} not found")
        item = found[0]
        statuses = self.client("ec2").describe_instance_status(InstanceIds=[instance_id], IncludeAllInstances=True)
        checks = (statuses.get("InstanceStatuses") or [{}])[0]
        return {
            "instance_id": instance_id,
            "state": item.get("State", {}).get("Name"),
            "type": item.get("InstanceType"),
            "availability_zone": item.get("Placement", {}).get("AvailabilityZone"),
            "launched_at": _iso(item.get("LaunchTime")),
            "private_ip": item.get("PrivateIpAddress"),
            "instance_check": checks.get("InstanceStatus", {}).get("Status"),
            "system_check": checks.get("SystemStatus", {}).get("Status"),
        }

    def cpu(self, now: datetime) -> dict[str, Any]:
        response = self.client("cloudwatch").get_metric_statistics(
            Namespace="AWS/EC2",
            MetricName="CPUUtilization",
            Dimensions=[{"Name": "InstanceId", "Value": self.context.instance_id}],
            StartTime=now - CPU_WINDOW,
            EndTime=now,
            Period=CPU_PERIOD_S,
            Statistics=["Average"],
        )
        points = sorted(
            (
                {"t": p["Timestamp"].astimezone(UTC).isoformat(), "value": round(float(p["Average"]), 2)}
                for p in response.get("Datapoints", [])
            ),
            key=lambda p: str(p["t"]),
        )
        values = [p["value"] for p in points]
        return {
            "instance_id": self.context.instance_id,
            "period_s": CPU_PERIOD_S,
            "window_h": int(CPU_WINDOW.total_seconds() // 3600),
            "points": points,
            "latest": values[-1] if values else None,
            "max": max(values) if values else None,
            "average": round(sum(values) / len(values), 2) if values else None,
        }

    def ecs(self) -> dict[str, Any]:
        cluster = self.context.cluster_name
        ecs = self.client("ecs")
        described = ecs.describe_clusters(clusters=[cluster])
        clusters = described.get("clusters") or []
        if not clusters:
            reasons = ", ".join(str(f.get("reason")) for f in described.get("failures", [])) or "not found"
            raise LookupError(f"ECS cluster {cluster}: {reasons}")
        item = clusters[0]
        return {
            "cluster": item.get("clusterName", cluster),
            "status": item.get("status"),
            "running_tasks": item.get("runningTasksCount", 0),
            "pending_tasks": item.get("pendingTasksCount", 0),
            "active_services": item.get("activeServicesCount", 0),
            "tasks": self._tasks(ecs, cluster, "RUNNING") + self._tasks(ecs, cluster, "STOPPED"),
        }

    @staticmethod
    def _tasks(ecs: Any, cluster: str | None, desired: str) -> Rows:
        arns = ecs.list_tasks(cluster=cluster, desiredStatus=desired, maxResults=TASKS_SHOWN).get("taskArns", [])
        if not arns:
            return []
        tasks = ecs.describe_tasks(cluster=cluster, tasks=arns).get("tasks", [])
        rows = []
        for task in tasks:
            exit_codes = [c.get("exitCode") for c in task.get("containers", []) if c.get("exitCode") is not None]
            rows.append(
                {
                    "task": str(task.get("taskArn", "")).rsplit("/", 1)[-1],
                    "definition": str(task.get("taskDefinitionArn", "")).rsplit("/", 1)[-1],
                    "last_status": task.get("lastStatus"),
                    "started_at": _iso(task.get("startedAt") or task.get("createdAt")),
                    "stopped_at": _iso(task.get("stoppedAt")),
                    "stopped_reason": task.get("stoppedReason"),
                    "exit_code": exit_codes[0] if exit_codes else None,
                }
            )
        return rows

    def alarms(self) -> Rows:
        cloudwatch = self.client("cloudwatch")
        found: list[dict[str, Any]] = []
        paginator = cloudwatch.get_paginator("describe_alarms")
        if self.context.alarm_names:
            names = list(self.context.alarm_names)
            pages = [
                page
                for start in range(0, len(names), 100)  # the API takes at most 100 names per call
                for page in paginator.paginate(AlarmNames=names[start : start + 100], AlarmTypes=["MetricAlarm"])
            ]
        elif self.context.alarm_prefix:
            pages = list(paginator.paginate(AlarmNamePrefix=self.context.alarm_prefix, AlarmTypes=["MetricAlarm"]))
        else:
            return []
        for page in pages:
            for alarm in page.get("MetricAlarms", []):
                found.append(
                    {
                        "name": alarm.get("AlarmName"),
                        "state": alarm.get("StateValue"),
                        "reason": alarm.get("StateReason"),
                        "updated_at": _iso(alarm.get("StateUpdatedTimestamp")),
                        "namespace": alarm.get("Namespace"),
                        "metric": alarm.get("MetricName"),
                        "statistic": alarm.get("Statistic"),
                        "comparison": alarm.get("ComparisonOperator"),
                        "threshold": alarm.get("Threshold"),
                        "description": alarm.get("AlarmDescription"),
                    }
                )
        order = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}
        return sorted(found, key=lambda a: (order.get(str(a["state"]), 3), str(a["name"])))
