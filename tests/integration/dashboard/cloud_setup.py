"""AWS resources in moto for the dashboard's cloud panels, shared by the API and the browser tests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from support.moto_server import MotoServer
from tapestry.dashboard.cloud import CloudContext

REGION = "us-east-1"
CPU_ALARM = "demo-airbyte-cpu-high"
STATUS_ALARM = "demo-airbyte-status-check-failed"
RUNNER_ALARM = "demo-runner-failed-runs"
CPU_VALUES = [12.5, 30.0, 55.25, 71.0, 64.5, 40.0, 22.0, 18.75]
JOBS = [
    {
        "connection": "Zoom → Snowflake",
        "job_id": 41,
        "status": "succeeded",
        "started_at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        "duration_s": 95,
        "rows_synced": 4546,
    },
    {"connection": "Salesforce → Snowflake", "job_id": 42, "status": "failed", "started_at": None, "rows_synced": 0},
]
CONNECTIONS = [{"name": "Zoom → Snowflake", "status": "active", "schedule": "manual"}]
QUERIES = [
    {
        "query_id": "01b2",
        "query_type": "SELECT",
        "status": "SUCCESS",
        "start_time": "2026-01-02T03:04:05Z",
        "elapsed_ms": 812,
        "rows": 4836,
    },
]


@dataclass
class Aws:
    moto: MotoServer
    instance_id: str
    cluster: str
    running_task: str
    stopped_task: str
    cpu_points: int


def context(aws: Aws, **changes: Any) -> CloudContext:
    """A CloudContext built by hand, as the aws target will build it from the deploy's outputs."""
    base = CloudContext(
        region=REGION,
        instance_id=aws.instance_id,
        cluster_name=aws.cluster,
        alarm_names=[CPU_ALARM, STATUS_ALARM, "demo-not-created-yet"],
        links={"airbyte": "https://airbyte.example.com", "snowflake": "https://app.snowflake.com/acme"},
        airbyte_jobs=lambda: JOBS,
        airbyte_connections=lambda: CONNECTIONS,
        query_history=lambda: QUERIES,
    )
    return replace(base, **changes)


def populate(moto: MotoServer) -> Aws:
    """Create what the cloud panels read: an instance with CPU datapoints, alarms, an ECS cluster with tasks."""
    ec2, cloudwatch, ecs = (moto.boto3_client(s) for s in ("ec2", "cloudwatch", "ecs"))
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance_id = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="m6i.xlarge")["Instances"][0][
        "InstanceId"
    ]
    now = datetime.now(UTC)
    # moto returns nothing for a metric nobody pushed: push one point per 5-minute period
    cloudwatch.put_metric_data(
        Namespace="AWS/EC2",
        MetricData=[
            {
                "MetricName": "CPUUtilization",
                "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
                "Timestamp": now - timedelta(minutes=12 + 5 * i),
                "Value": value,
                "Unit": "Percent",
            }
            for i, value in enumerate(CPU_VALUES)
        ],
    )
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "InstanceId", "Value": instance_id}],
        StartTime=now - timedelta(hours=6),
        EndTime=now,
        Period=300,
        Statistics=["Average"],
    )["Datapoints"]
    for name, namespace, metric in (
        (CPU_ALARM, "AWS/EC2", "CPUUtilization"),
        (STATUS_ALARM, "AWS/EC2", "StatusCheckFailed"),
        (RUNNER_ALARM, "AWS/Events", "FailedInvocations"),
    ):
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace=namespace,
            MetricName=metric,
            Statistic="Average",
            Period=300,
            EvaluationPeriods=2,
            Threshold=80,
            ComparisonOperator="GreaterThanThreshold",
        )
    cloudwatch.set_alarm_state(AlarmName=CPU_ALARM, StateValue="ALARM", StateReason="CPU above 80% for 10 min")
    cloudwatch.set_alarm_state(AlarmName=STATUS_ALARM, StateValue="OK", StateReason="Checks pass")
    cluster = "demo-runner"
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family="demo-runner", containerDefinitions=[{"name": "runner", "image": "x", "memory": 512}]
    )
    running, stopped = (
        ecs.run_task(cluster=cluster, taskDefinition="demo-runner", launchType="FARGATE")["tasks"][0]["taskArn"]
        for _ in range(2)
    )
    ecs.stop_task(cluster=cluster, task=stopped, reason="Essential container exited")
    return Aws(moto, instance_id, cluster, running.rsplit("/", 1)[-1], stopped.rsplit("/", 1)[-1], len(points))
