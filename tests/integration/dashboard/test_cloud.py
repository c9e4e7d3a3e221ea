"""Cloud panels: EC2, CloudWatch and ECS through boto3 against moto, providers for Airbyte and Snowflake."""

from __future__ import annotations

import html
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration.dashboard.cloud_setup import (
    CONNECTIONS,
    CPU_ALARM,
    CPU_VALUES,
    JOBS,
    QUERIES,
    REGION,
    RUNNER_ALARM,
    STATUS_ALARM,
    Aws,
    context,
    populate,
)
from integration.dashboard.scenario import Scenario, fetch, running_dashboard
from support.moto_server import MotoServer
from tapestry.dashboard.cloud import cloud_context, describe_failure
from tapestry.phases.context import ProjectContext


@pytest.fixture(scope="module")
def aws() -> Iterator[Aws]:
    with MotoServer(region=REGION) as moto:
        yield populate(moto)


@pytest.fixture
def aws_env(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Aws:
    """boto3 in this process talks to moto (AWS_ENDPOINT_URL), never to a developer's real account."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in aws.moto.aws_env().items():
        monkeypatch.setenv(name, value)
    return aws


def get(base: str, name: str) -> dict[str, Any]:
    reply = fetch(f"{base}/api/{name}")
    assert reply.status == 200, reply.text
    data: dict[str, Any] = reply.json()
    return data


def test_cloud_panels_show_ec2_cpu_ecs_alarms_airbyte_and_snowflake(scenario: Scenario, aws_env: Aws) -> None:
    aws = aws_env
    ecs = aws.moto.boto3_client("ecs")
    cluster = ecs.describe_clusters(clusters=[aws.cluster])["clusters"][0]
    with running_dashboard(scenario.project, cloud=context(aws)) as server:
        base = server.url.rstrip("/")
        overview, ingestion = get(base, "overview"), get(base, "ingestion")
        alarms, warehouse = get(base, "alarms"), get(base, "warehouse")
        pages = {path: fetch(base + path).text for path in ("/", "/ingestion", "/warehouse", "/alarms")}

    runner = overview["cloud"]["ecs"]
    assert runner["ok"], runner
    assert (runner["data"]["status"], runner["data"]["running_tasks"]) == ("ACTIVE", cluster["runningTasksCount"])
    tasks = {t["task"]: t for t in runner["data"]["tasks"]}
    assert tasks[aws.running_task]["last_status"]  # moto moves tasks through their lifecycle as they are read
    assert tasks[aws.running_task]["definition"] == "demo-runner:1"
    assert tasks[aws.stopped_task]["stopped_reason"] == "Essential container exited"
    assert {link["name"]: link["url"] for link in overview["links"]} == {
        "Mailchimp list dashlist1": "",
        "Airbyte UI": "https://airbyte.example.com",
        "Snowflake": "https://app.snowflake.com/acme",
    }

    cloud = ingestion["cloud"]
    instance = cloud["instance"]["data"]
    assert (instance["instance_id"], instance["state"], instance["type"]) == (aws.instance_id, "running", "m6i.xlarge")
    cpu = cloud["cpu"]["data"]
    assert len(cpu["points"]) == aws.cpu_points >= len(CPU_VALUES) - 1
    assert cpu["max"] == max(CPU_VALUES) and cpu["latest"] == CPU_VALUES[0]  # the newest point is the first pushed
    assert [p["t"] for p in cpu["points"]] == sorted(p["t"] for p in cpu["points"])
    assert cloud["airbyte_jobs"] == {"ok": True, "data": json.loads(json.dumps(JOBS, default=lambda d: d.isoformat()))}
    assert cloud["airbyte_connections"]["data"] == CONNECTIONS

    assert alarms["panel"]["ok"]
    shown = alarms["panel"]["data"]
    assert [a["name"] for a in shown] == [CPU_ALARM, STATUS_ALARM], "ALARM first; unknown names are left out"
    assert shown[0]["state"] == "ALARM" and shown[0]["reason"] == "CPU above 80% for 10 min"
    assert alarms["counts"] == {"ALARM": 1, "OK": 1}
    assert warehouse["cloud"]["query_history"]["data"] == QUERIES

    assert "ECS runner" in pages["/"] and 'href="https://airbyte.example.com"' in pages["/"]
    assert 'aria-label="CPU utilisation (average per 5 min)"' in pages["/ingestion"]
    assert html.escape("Zoom → Snowflake") in pages["/ingestion"] and "rows synced" in pages["/ingestion"]
    assert CPU_ALARM in pages["/alarms"] and "status-alarm" in pages["/alarms"]
    assert "01b2" in pages["/warehouse"]


def test_alarms_can_be_found_by_prefix(scenario: Scenario, aws_env: Aws) -> None:
    with running_dashboard(scenario.project, cloud=context(aws_env, alarm_names=[], alarm_prefix="demo-runner-")) as s:
        alarms = get(s.url.rstrip("/"), "alarms")
    assert [a["name"] for a in alarms["panel"]["data"]] == [RUNNER_ALARM]
    assert alarms["watched"] == ["demo-runner-*"]


def test_without_aws_credentials_each_panel_says_so_in_one_line(
    scenario: Scenario, aws_env: Aws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with running_dashboard(scenario.project, cloud=context(aws_env)) as server:
        base = server.url.rstrip("/")
        panels = [
            get(base, "overview")["cloud"]["ecs"],
            get(base, "ingestion")["cloud"]["instance"],
            get(base, "ingestion")["cloud"]["cpu"],
            get(base, "alarms")["panel"],
        ]
        page = fetch(f"{base}/alarms")
    for panel in panels:
        assert panel["ok"] is False and panel["message"].startswith("no AWS credentials found"), panel
        assert "\n" not in panel["message"]
    assert page.status == 200 and "no AWS credentials found" in page.text


def test_unreachable_aws_and_failing_providers_never_leak_a_secret(
    scenario: Scenario, aws_env: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed}")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)

    def leaky() -> list[dict[str, Any]]:
        raise RuntimeError(f"GET https://admin:hunter22@airbyte.internal/api failed; password={secret} token=abc123")

    def not_rows() -> Any:
        return {"jobs": "not a list"}

    cloud = context(aws_env, airbyte_jobs=leaky, airbyte_connections=not_rows, query_history=leaky)
    with running_dashboard(scenario.project, cloud=cloud) as server:
        base = server.url.rstrip("/")
        replies = [fetch(f"{base}/api/{name}") for name in ("overview", "ingestion", "warehouse", "alarms")]
        replies += [fetch(base + path) for path in ("/", "/ingestion", "/warehouse", "/alarms")]
    for reply in replies:
        assert reply.status == 200
        for leaked in (secret, "hunter22", "abc123"):
            assert leaked not in reply.text
    ingestion = replies[1].json()["cloud"]
    assert ingestion["instance"]["message"].startswith("cannot reach AWS")
    assert ingestion["airbyte_jobs"]["message"].startswith("RuntimeError: GET https://***@airbyte.internal/api")
    assert "expected a list of dicts" in ingestion["airbyte_connections"]["message"]


def test_throttling_and_refusals_read_as_one_line() -> None:
    from botocore.exceptions import ClientError

    throttled = ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "DescribeAlarms")
    assert (
        describe_failure(throttled)
        == "AWS is throttling DescribeAlarms (Throttling); it is retried on the next refresh"
    )
    denied = ClientError(
        {"Error": {"Code": "UnauthorizedOperation", "Message": "You are not authorized (AKIAIOSFODNN7EXAMPLE)"}},
        "DescribeInstances",
    )
    message = describe_failure(denied)
    assert message.startswith("AWS refused DescribeInstances: UnauthorizedOperation") and "AKIA" not in message
    assert len(describe_failure(RuntimeError("x" * 1000))) <= 240


def test_the_local_target_has_no_cloud_context(scenario: Scenario) -> None:
    assert cloud_context(ProjectContext.open(scenario.project)) is None


def test_the_aws_target_reads_its_context_from_the_deploy_outputs(tmp_path: Path) -> None:
    from tapestry.project.config import parse_config
    from tapestry.project.layout import ProjectLayout
    from tapestry.project.state import PhaseRecord, ProjectState, StateStore, utcnow

    config = parse_config(
        {
            "project": "acme",
            "target": "aws",
            "template": "blank",
            "warehouse": {"type": "snowflake", "account": "acme-prod", "manage_objects": False},
            "aws": {
                "region": "eu-west-1",
                "allowed_cidrs": ["203.0.113.0/24"],
                "airbyte": {"allow_plain_http": True, "abctl_sha256": "ab" * 32},
            },
        },
        "test",
    )
    outputs = {
        "aws_ingestion": {
            "instance_id": "i-0abc",
            "airbyte_url": "https://airbyte.acme.example",
            "alarm_names": {"cpu_high": "acme-airbyte-cpu-high", "status_check": "acme-airbyte-status-check-failed"},
        },
        "ecs_runner": {"cluster_name": "acme-runner", "alarm_names": {"failed_runs": "acme-runner-failed-runs"}},
    }
    state = ProjectState(
        phases={
            name: PhaseRecord(name=name, status="succeeded", started_at=utcnow(), summary={"outputs": out})
            for name, out in outputs.items()
        }
    )
    layout = ProjectLayout(tmp_path)
    built = cloud_context(ProjectContext(layout, config, StateStore(layout.state_file), state))
    assert built is not None
    assert (built.region, built.instance_id, built.cluster_name) == ("eu-west-1", "i-0abc", "acme-runner")
    assert built.alarm_names == ["acme-airbyte-cpu-high", "acme-airbyte-status-check-failed", "acme-runner-failed-runs"]
    assert built.links == {"airbyte": "https://airbyte.acme.example", "snowflake": "https://app.snowflake.com/"}
    assert built.airbyte_jobs is None  # a blank (infrastructure-only) project has no connections to show
