"""`tapestry kickstart --target aws`, end to end against the fake cloud.

The run is staged: a failure is injected in each phase in turn and every rerun must resume at the
failing phase (the ones before it are skipped) until the deploy completes. Then the resources, the
Airbyte configuration, the audience in Snowflake and the synced Mailchimp list are checked, a second
full run must change nothing, and no secret may appear in any file or output.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from support.audience_oracle import expected_audience, read_records

from .world import LIST_ID, CloudWorld

PROJECT = "acme"
pytestmark = pytest.mark.slow

DEPLOY_PHASES = [
    "secrets",
    "snowflake",
    "aws_ingestion",
    "airbyte",
    "first_build",
    "ecs_runner",
    "first_sync",
    "dashboard",
]


def kickstart(world: CloudWorld, env: dict[str, str] | None = None) -> Any:
    return world.tapestry(
        "kickstart",
        PROJECT,
        "--non-interactive",
        "--answers",
        f"{PROJECT}-answers.yml",
        "--poll-interval",
        "0.05",
        env=env,
    )


def recorded_phases(world: CloudWorld) -> dict[str, Any]:
    """The last result of every phase, as `tapestry status --json` shows it."""
    return dict(json.loads(world.tapestry("status", "--project", PROJECT, "--json").stdout)["phases"])


def last_run(world: CloudWorld) -> dict[str, str]:
    status = json.loads(world.tapestry("status", "--project", PROJECT, "--json").stdout)
    return {p["name"]: p["status"] for p in status["last_run"]["phases"]}


@pytest.fixture(scope="module")
def deployed(world: CloudWorld) -> dict[str, Any]:
    """Run the staged kickstart once; the tests below read what it left behind."""
    world.answers(PROJECT)
    world.put_airbyte_credentials(PROJECT)
    broken_terraform = world.root / "no-mirror.tfrc"
    broken_terraform.write_text('provider_installation {\n  direct { exclude = ["registry.terraform.io/*/*"] }\n}\n')
    stages: list[tuple[str, list[str], dict[str, str]]] = []

    def stage(expect_failed: list[str], env: dict[str, str] | None = None) -> None:
        result = kickstart(world, env)
        phases = last_run(world)
        stages.append((result.stderr.strip(), expect_failed, phases))
        assert result.returncode != 0, f"expected a failure in {expect_failed}:\n{result.stdout}\n{result.stderr}"
        for name in expect_failed:
            assert phases.get(name) == "failed", (expect_failed, phases, result.stderr)

    # 1. secrets: AWS unreachable
    stage(["secrets"], {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"})
    # 2. snowflake (Snowflake turns the logins away) and, at the same time, aws_ingestion (no Terraform provider)
    world.snow_proxy.enabled = False
    stage(["snowflake", "aws_ingestion"], {"TF_CLI_CONFIG_FILE": str(broken_terraform)})
    world.snow_proxy.enabled = True
    # 3. airbyte: the credentials in SSM are wrong (the instance wrote them badly)
    ssm = world.moto.boto3_client("ssm")
    ssm.put_parameter(
        Name=f"/tapestry/{PROJECT}/airbyte/client-secret", Value="wrong", Type="SecureString", Overwrite=True
    )
    stage(["airbyte"])
    world.put_airbyte_credentials(PROJECT)
    # 4. first_build: the Airbyte sync job fails
    world.airbyte.configure(job_outcome="failed")
    stage(["first_build"])
    world.airbyte.configure(job_outcome="succeeded")
    # 5. ecs_runner: Terraform cannot install its provider
    stage(["ecs_runner"], {"TF_CLI_CONFIG_FILE": str(broken_terraform)})
    # 6. first_sync: Mailchimp refuses the key once
    world.mailchimp.fail_next("401")
    stage(["first_sync"])

    final = kickstart(world)
    assert final.returncode == 0, final.stdout + final.stderr
    return {"stages": stages, "final": final, "final_phases": last_run(world)}


def test_each_failed_phase_is_resumed_by_the_rerun(deployed: dict[str, Any]) -> None:
    stages = deployed["stages"]
    runs = [phases for _, _, phases in stages] + [deployed["final_phases"]]
    for (_, failed, _phases), next_phases in zip(stages, runs[1:], strict=True):
        first_failed = DEPLOY_PHASES.index(failed[0])
        for name in DEPLOY_PHASES[:first_failed]:
            if name == "secrets":
                continue  # cheap and always checked: it writes nothing when nothing changed
            assert next_phases.get(name) == "skipped", (name, failed, next_phases)
        for name in failed:
            assert next_phases.get(name) == "succeeded", (name, next_phases)
    for message, _failed, _ in stages:
        assert "Fix:" in message and len(message.splitlines()) == 1, message
    assert all(deployed["final_phases"][name] in ("succeeded", "skipped") for name in DEPLOY_PHASES)


def test_aws_resources_are_deployed_as_designed(world: CloudWorld, deployed: dict[str, Any]) -> None:
    ec2 = world.moto.boto3_client("ec2")
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert len(instances) == 1
    assert instances[0]["MetadataOptions"]["HttpTokens"] == "required"
    assert instances[0]["InstanceType"] == "m6i.xlarge"
    groups = ec2.describe_security_groups()["SecurityGroups"]
    open_to_world = [
        g["GroupName"]
        for g in groups
        for p in g.get("IpPermissions", [])
        for r in p.get("IpRanges", [])
        if r.get("CidrIp") == "0.0.0.0/0"
    ]
    assert open_to_world == []
    lb = world.moto.boto3_client("elbv2").describe_load_balancers()["LoadBalancers"]
    assert len(lb) == 1
    ecs = world.moto.boto3_client("ecs")
    assert len(ecs.list_clusters()["clusterArns"]) == 1
    task_defs = ecs.list_task_definitions()["taskDefinitionArns"]
    container = ecs.describe_task_definition(taskDefinition=task_defs[-1])["taskDefinition"]["containerDefinitions"][0]
    secret_names = {s["name"] for s in container["secrets"]}
    assert {
        "TAPESTRY_SECRET_MAILCHIMP__API_KEY",
        "TAPESTRY_SECRET_SNOWFLAKE__SYNCER_PRIVATE_KEY",
        "TAPESTRY_AIRBYTE_CLIENT_SECRET",
    } <= secret_names
    assert all(s["valueFrom"].startswith("arn:aws:ssm:") for s in container["secrets"])
    assert "TAPESTRY_SECRET_SNOWFLAKE__LOADER_PRIVATE_KEY" not in secret_names  # the runner never loads RAW
    schedules = world.moto.boto3_client("scheduler").list_schedules()["Schedules"]
    assert len(schedules) == 1
    ssm = world.moto.boto3_client("ssm")
    params = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [f"/tapestry/{PROJECT}"]}]
    )["Parameters"]
    assert {p["Name"] for p in params} >= {
        f"/tapestry/{PROJECT}/zoom/client_secret",
        f"/tapestry/{PROJECT}/mailchimp/api_key",
        f"/tapestry/{PROJECT}/snowflake/syncer_private_key",
    }
    assert {p["Type"] for p in params} == {"SecureString"}


def test_airbyte_is_configured_with_named_streams_and_key_pair_auth(
    world: CloudWorld, deployed: dict[str, Any]
) -> None:
    sources = {s["name"]: s for s in world.airbyte.sources().values()}
    assert set(sources) == {f"{PROJECT}-zoom", f"{PROJECT}-salesforce"}
    assert sources[f"{PROJECT}-zoom"]["configuration"]["client_secret"] == world.secrets["TEST_ZOOM_SECRET"]
    destinations = list(world.airbyte.destinations().values())
    assert len(destinations) == 1
    credentials = destinations[0]["configuration"]["credentials"]
    assert credentials["auth_type"] == "Key Pair Authentication"
    assert credentials["private_key"].strip() == world.keys["loader"].strip()
    assert "password" not in json.dumps(destinations[0]["configuration"]).lower()
    connections = {c["name"]: c for c in world.airbyte.connections().values()}
    assert set(connections) == {f"{PROJECT}-zoom", f"{PROJECT}-salesforce"}
    streams = connections[f"{PROJECT}-salesforce"]["configurations"]["streams"]
    assert [(s["name"], s["syncMode"]) for s in streams] == [("Contact", "incremental_deduped_history")]
    assert all(c["schedule"]["scheduleType"] == "manual" for c in connections.values())


def test_the_audience_in_snowflake_follows_the_rules_and_is_synced(world: CloudWorld, deployed: dict[str, Any]) -> None:
    expected = expected_audience(
        read_records(sorted((world.exports / "zoom").glob("*.csv")), [world.exports / "salesforce" / "contacts.jsonl"])
    )
    rows = world.snowflake_rows("select email_address, first_name, last_name from MARTS.AUDIENCE")
    assert {r[0]: (r[1], r[2]) for r in rows} == {k: (v["first_name"], v["last_name"]) for k, v in expected.items()}
    members = {m["email_address"] for m in world.mailchimp.members(LIST_ID).values() if m["status"] != "archived"}
    assert members == set(expected)


def test_a_second_full_run_changes_nothing(world: CloudWorld, deployed: dict[str, Any]) -> None:
    def snapshot() -> dict[str, Any]:
        ssm = world.moto.boto3_client("ssm")
        params = ssm.describe_parameters(
            ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [f"/tapestry/{PROJECT}"]}]
        )["Parameters"]
        return {
            "airbyte_writes": sum(
                n
                for route, n in world.airbyte.requests_by_route.items()
                if not route.startswith("GET") and "applications/token" not in route
            ),
            "mailchimp_writes": world.mailchimp.batch_operation_count
            + sum(n for route, n in world.mailchimp.requests_by_route.items() if not route.startswith("GET")),
            "ssm_versions": {p["Name"]: p["Version"] for p in params},
            "instances": len(world.moto.boto3_client("ec2").describe_instances()["Reservations"]),
            "task_definitions": len(world.moto.boto3_client("ecs").list_task_definitions()["taskDefinitionArns"]),
        }

    before = snapshot()
    again = kickstart(world)
    assert again.returncode == 0, again.stdout + again.stderr
    phases = last_run(world)
    assert phases["secrets"] == "succeeded"
    assert [name for name in DEPLOY_PHASES[1:] if phases[name] != "skipped"] == []
    assert snapshot() == before


def test_no_secret_appears_in_any_file_or_output(world: CloudWorld, deployed: dict[str, Any]) -> None:
    values = [v for k, v in world.secrets.items()] + [world.airbyte.client_secret]
    values += [line for pem in world.keys.values() for line in pem.splitlines() if len(line) > 40]
    outputs = [deployed["final"].stdout, deployed["final"].stderr] + [m for m, _, _ in deployed["stages"]]
    for text in outputs:
        for value in values:
            assert value not in text
    project = world.root / PROJECT
    scanned = 0
    for path in project.rglob("*"):
        if path.is_file() and ".terraform" not in path.parts:
            data = path.read_bytes()
            scanned += 1
            for value in values:
                assert value.encode() not in data, f"a secret is in {path.relative_to(project)}"
    names = Counter(p.suffix for p in project.rglob("*") if p.is_file())
    assert names[".tfstate"] >= 2 and names[".json"] >= 1, names  # Terraform state and tfvars were scanned
    assert scanned > 20


def test_plan_shows_every_stack_and_applies_nothing(world: CloudWorld, deployed: dict[str, Any]) -> None:
    ecs = world.moto.boto3_client("ecs")
    task_definitions = ecs.list_task_definitions()["taskDefinitionArns"]
    before = recorded_phases(world)
    result = world.tapestry("deploy", "--project", PROJECT, "--plan")
    assert result.returncode == 0, result.stdout + result.stderr
    for stack in ("aws_ingestion:", "ecs_runner:"):
        assert stack in result.stdout
    assert "--plan: Airbyte configuration is not planned" in result.stdout
    assert ecs.list_task_definitions()["taskDefinitionArns"] == task_definitions
    after = recorded_phases(world)
    assert after["aws_ingestion"]["summary"]["outputs"], "a plan must not replace the applied record"
    for name in DEPLOY_PHASES[1:]:  # secrets runs (and writes nothing); the others are only planned
        kept = ("status", "started_at", "finished_at")
        assert [after[name][k] for k in kept] == [before[name][k] for k in kept], name
        assert after[name]["summary"].get("outputs") == before[name]["summary"].get("outputs"), name


def test_doctor_checks_every_credential(world: CloudWorld, deployed: dict[str, Any]) -> None:
    from fakes.salesforce import FakeSalesforce
    from fakes.zoom import FakeZoom

    config = world.root / PROJECT / "tapestry.yml"
    original = config.read_text()
    with (
        FakeZoom(
            account_id="acc-12345", client_id="zoomclient1", client_secret=world.secrets["TEST_ZOOM_SECRET"]
        ) as zoom,
        FakeSalesforce(
            client_id="sf-consumer-key-123",
            client_secret=world.secrets["TEST_SF_SECRET"],
            refresh_token=world.secrets["TEST_SF_REFRESH"],
        ) as salesforce,
    ):
        config.write_text(
            original.replace(
                "    client_secret: {secret: zoom/client_secret}",
                f"    client_secret: {{secret: zoom/client_secret}}\n    oauth_url: {zoom.root_url}",
            ).replace("    is_sandbox: false", f"    is_sandbox: false\n    login_url: {salesforce.root_url}")
        )
        try:
            healthy = world.tapestry("doctor", "--project", PROJECT)
            world.snow_proxy.enabled = False
            broken = world.tapestry("doctor", "--project", PROJECT, env={"TEST_UNUSED": "1"})
        finally:
            world.snow_proxy.enabled = True
            config.write_text(original)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    for check in (
        "terraform",
        "aws identity",
        "secrets",
        "snowflake loader",
        "snowflake syncer",
        "zoom",
        "salesforce",
        "mailchimp",
        "airbyte",
    ):
        assert check in healthy.stdout, check
    assert "FAIL" not in healthy.stdout
    assert broken.returncode == 1
    assert "snowflake transformer" in broken.stdout and "FAIL" in broken.stdout
    for value in world.secrets.values():
        assert value not in healthy.stdout + broken.stdout


def test_doctor_fails_a_credit_cap_the_warehouse_does_not_have(world: CloudWorld, deployed: dict[str, Any]) -> None:
    """A configured cap that the DBA never applied is a failed check with the fix, not a silent pass."""
    config = world.root / PROJECT / "tapestry.yml"
    original = config.read_text()
    endpoint = next(line for line in original.splitlines() if line.startswith("  endpoint: "))
    config.write_text(original.replace(endpoint, f"{endpoint}\n  resource_monitor: {{credit_quota: 20}}"))
    try:
        result = world.tapestry("doctor", "--project", PROJECT)
    finally:
        config.write_text(original)
    assert result.returncode == 1, result.stdout + result.stderr
    (line,) = [line for line in result.stdout.splitlines() if "snowflake credit cap" in line]
    assert "FAIL" in line
    assert "TAPESTRY_WH" in result.stdout and "tapestry snowflake-sql" in result.stdout
    assert "snowflake syncer" in result.stdout


def test_tapestry_run_on_the_aws_target_from_a_laptop_and_as_the_ecs_task(
    world: CloudWorld, deployed: dict[str, Any]
) -> None:
    # A new person joins in Zoom: the run must bring them from Airbyte to Mailchimp.
    newcomer = world.exports / "zoom" / "webinar_99999999999_registrants.csv"
    newcomer.write_text(
        "id,webinar_id,email,first_name,last_name,status,create_time,join_url\n"
        "late1,99999999999,Late.Comer@Example.com,Late,Comer,approved,2026-11-20T10:00:00Z,https://zoom.us/w/1\n"
    )
    try:
        laptop = world.tapestry("run", "--project", PROJECT, "--poll-interval", "0.05")
        assert laptop.returncode == 0, laptop.stdout + laptop.stderr
        assert world.mailchimp.member(LIST_ID, "late.comer@example.com") is not None
        phases = last_run(world)
        assert [phases[p] for p in ("ingest", "transform", "sync")] == ["succeeded", "succeeded", "succeeded"]

        # As ECS runs it: secrets injected as environment variables, no AWS API reachable, state elsewhere.
        ingestion = json.loads(world.tapestry("status", "--project", PROJECT, "--json").stdout)["phases"][
            "aws_ingestion"
        ]["summary"]["outputs"]
        injected = {
            "TAPESTRY_SECRET_MAILCHIMP__API_KEY": world.secrets["TEST_MAILCHIMP_KEY"],
            "TAPESTRY_SECRET_SNOWFLAKE__TRANSFORMER_PRIVATE_KEY": world.keys["transformer"],
            "TAPESTRY_SECRET_SNOWFLAKE__SYNCER_PRIVATE_KEY": world.keys["syncer"],
            "TAPESTRY_SECRET_ZOOM__CLIENT_SECRET": world.secrets["TEST_ZOOM_SECRET"],
            "TAPESTRY_SECRET_SALESFORCE__CLIENT_SECRET": world.secrets["TEST_SF_SECRET"],
            "TAPESTRY_SECRET_SALESFORCE__REFRESH_TOKEN": world.secrets["TEST_SF_REFRESH"],
            "TAPESTRY_AIRBYTE_URL": world.airbyte.root_url,
            "TAPESTRY_AIRBYTE_CLIENT_ID": world.airbyte.client_id,
            "TAPESTRY_AIRBYTE_CLIENT_SECRET": world.airbyte.client_secret,
            "TAPESTRY_STATE_DIR": str(world.root / "ecs-home" / ".tapestry"),
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # the task role has no AWS permissions anyway
            "AWS_MAX_ATTEMPTS": "1",
        }
        assert ingestion["airbyte_client_secret_parameter_arn"]
        task = world.tapestry("run", "--project", PROJECT, "--poll-interval", "0.05", env=injected)
        assert task.returncode == 0, task.stdout + task.stderr
        assert "nothing to send" in task.stdout  # the laptop run already synced everyone
        assert (world.root / "ecs-home" / ".tapestry" / "state.json").is_file()
    finally:
        newcomer.unlink()


def test_sync_and_secrets_list_are_the_aws_targets(world: CloudWorld, deployed: dict[str, Any]) -> None:
    """`tapestry sync` reads Snowflake with the syncer's key and `tapestry secrets list` lists SSM, as `run` does
    on aws (not a DuckDB file and the local secret file)."""
    listed = world.tapestry("secrets", "list", "--project", PROJECT)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    names = set(listed.stdout.split())
    assert {"mailchimp/api_key", "zoom/client_secret", "salesforce/client_secret"} <= names, listed.stdout
    assert not any(value in listed.stdout for value in world.secrets.values())

    preview = world.tapestry("sync", "--project", PROJECT, "--preview")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "preview: 0 to create, 0 to update, 0 to archive; nothing sent" in preview.stdout
    synced = world.tapestry("sync", "--project", PROJECT)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "sync: nothing to send" in synced.stdout  # every member was synced by the runs before
    assert not (world.root / PROJECT / "warehouse.duckdb").exists()


def test_dashboard_shows_the_cloud_panels(
    world: CloudWorld, deployed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.request

    from tapestry.dashboard.server import build_dashboard

    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    server = build_dashboard(world.root / PROJECT, port=0).start()
    try:
        with urllib.request.urlopen(f"{server.url}api/ingestion") as response:
            ingestion = json.load(response)
        with urllib.request.urlopen(f"{server.url}api/sync") as response:
            sync = json.load(response)
    finally:
        server.stop()
    cloud = ingestion["cloud"]
    assert cloud["airbyte_connections"]["ok"], cloud["airbyte_connections"]
    assert {c["name"] for c in cloud["airbyte_connections"]["data"]} == {f"{PROJECT}-zoom", f"{PROJECT}-salesforce"}
    assert cloud["airbyte_jobs"]["ok"] and cloud["airbyte_jobs"]["data"]
    assert cloud["instance"]["ok"], cloud["instance"]
    runs, created = world.snowflake_rows("select count(*), sum(created) from TAPESTRY_SYNC.RUNS")[0]
    assert sync["totals"]["runs"] == runs and sync["totals"]["created"] == created  # the Sync page's numbers
    assert created == len(world.mailchimp.members(LIST_ID)) > 0  # every member in the list, created by a sync


def test_destroy_removes_everything_and_says_what_it_keeps(world: CloudWorld, deployed: dict[str, Any]) -> None:
    status = json.loads(world.tapestry("status", "--project", PROJECT, "--json").stdout)
    data_volume = status["phases"]["aws_ingestion"]["summary"]["outputs"]["data_volume_id"]
    assert "bucket_name" not in status["phases"]["aws_ingestion"]["summary"]["outputs"]

    refused = world.tapestry("destroy", "--project", PROJECT)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert world.moto.boto3_client("ec2").describe_instances()["Reservations"] != []

    result = world.tapestry("destroy", "--project", PROJECT, "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "final snapshot" in result.stdout and "kept" in result.stdout
    assert "Snowflake objects" in result.stdout
    ec2 = world.moto.boto3_client("ec2")
    running = [
        i
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
        if i["State"]["Name"] not in ("terminated", "shutting-down")
    ]
    assert running == []
    assert world.moto.boto3_client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    ecs = world.moto.boto3_client("ecs")
    arns = ecs.list_clusters()["clusterArns"]
    clusters = ecs.describe_clusters(clusters=arns)["clusters"] if arns else []
    assert [c["clusterName"] for c in clusters if c["status"] == "ACTIVE"] == []  # moto lists deleted ones INACTIVE
    assert world.moto.boto3_client("scheduler").list_schedules()["Schedules"] == []
    ssm = world.moto.boto3_client("ssm")
    assert (
        ssm.describe_parameters(
            ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [f"/tapestry/{PROJECT}"]}]
        )["Parameters"]
        == []
    )
    # Airbyte's data volume is gone, its last snapshot kept, as announced.
    volumes = ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": [data_volume]}])["Volumes"]
    assert [v for v in volumes if v["State"] != "deleted"] == []
    snapshots = ec2.describe_snapshots(Filters=[{"Name": "volume-id", "Values": [data_volume]}])["Snapshots"]
    assert len(snapshots) == 1
