"""Apply each example against a local moto server, check what it built with boto3, destroy, check nothing is left.

Also exercises the documented S3 state backend (with `use_lockfile`) of a stack. Slow: the ALB alone costs ~60 s
of fixed provider waits. Run only these with `pytest -m slow tests/integration/terraform`.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from support.moto_server import MotoServer
from support.terraform_env import (
    Terraform,
    TerraformError,
    changed_attributes,
    iter_state_resources,
    write_tfvars_json,
)

pytestmark = pytest.mark.slow

NAME = "tapestry-it"
TAGS = {"TestRun": "pytest-moto", "CostCenter": "data"}
ALLOWED_CIDRS = ["203.0.113.0/24", "198.51.100.7/32"]
# The module checks only its shape; user_data compares it with the real download, which never happens on moto.
ABCTL_SHA256 = "ab" * 32

# Differences moto 5.2.5 reports after an apply (not module bugs): DescribeInstances omits the groups of an instance
# launched into a subnet, and security group rules that reference a group lose their description.
MOTO_DRIFT = {
    ("aws_instance", "vpc_security_group_ids"),
    ("aws_vpc_security_group_ingress_rule", "description"),
    ("aws_vpc_security_group_egress_rule", "description"),
}


def _timed(label: str, timings: dict[str, float], fn: Callable[[], Any]) -> Any:
    start = time.monotonic()
    try:
        return fn()
    finally:
        timings[label] = round(time.monotonic() - start, 1)


def _assert_tagged(tf: Terraform) -> None:
    """Every managed resource that has a `tags` attribute carries the example's tags."""
    untagged = []
    for res in iter_state_resources(tf.show_state()):
        if res.get("mode") != "managed" or "tags" not in res.get("values", {}):
            continue
        tags = res["values"].get("tags") or {}
        if any(tags.get(k) != v for k, v in TAGS.items()):
            untagged.append(res["address"])
    assert not untagged, f"resources without var.tags: {untagged}"


def _assert_idempotent(tf: Terraform, var_file: Path, allowed_drift: set[tuple[str, str]]) -> None:
    plan = tf.plan_json(var_file)
    unexpected = []
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        attrs = changed_attributes(change["change"])
        if actions == ["update"] and all((change["type"], a) in allowed_drift for a in attrs):
            continue
        unexpected.append(f"{change['address']}: {actions} {sorted(attrs)}")
    assert not unexpected, "a second apply would change:\n" + "\n".join(unexpected)


def _report(request: pytest.FixtureRequest, timings: dict[str, float]) -> None:
    for label, seconds in timings.items():
        request.node.user_properties.append((label, seconds))
    print(f"\n{request.node.name} timings (s): {timings}")


################################################################################
# aws_ingestion example
################################################################################


def _ingestion_leftovers(moto: MotoServer) -> list[str]:
    ec2 = moto.boto3_client("ec2")
    left: list[str] = []
    for reservation in ec2.describe_instances()["Reservations"]:
        left += [
            f"instance {i['InstanceId']} {i['State']['Name']}"
            for i in reservation["Instances"]
            if i["State"]["Name"] != "terminated"
        ]
    left += [f"vpc {v['VpcId']}" for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]]
    left += [
        f"sg {g['GroupName']}" for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"
    ]
    left += [f"eip {a['PublicIp']}" for a in ec2.describe_addresses()["Addresses"]]
    left += [f"flow log {f['FlowLogId']}" for f in ec2.describe_flow_logs()["FlowLogs"]]
    left += [f"volume {v['VolumeId']}" for v in ec2.describe_volumes()["Volumes"] if v["State"] != "deleted"]
    # moto owns snapshots behind its default AMIs; ours would carry the data volume's tags.
    ours = [{"Name": "tag-key", "Values": ["tapestry:snapshot", "tapestry:snapshot-of"]}]
    left += [f"snapshot {s['SnapshotId']}" for s in ec2.describe_snapshots(Filters=ours)["Snapshots"]]
    left += [f"bucket {b['Name']}" for b in moto.boto3_client("s3").list_buckets()["Buckets"]]
    elb = moto.boto3_client("elbv2")
    left += [f"alb {lb['LoadBalancerName']}" for lb in elb.describe_load_balancers()["LoadBalancers"]]
    left += [f"target group {tg['TargetGroupName']}" for tg in elb.describe_target_groups()["TargetGroups"]]
    iam = moto.boto3_client("iam")
    left += [f"role {r['RoleName']}" for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(NAME)]
    left += [f"instance profile {p['InstanceProfileName']}" for p in iam.list_instance_profiles()["InstanceProfiles"]]
    left += [f"topic {t['TopicArn']}" for t in moto.boto3_client("sns").list_topics()["Topics"]]
    left += [f"alarm {a['AlarmName']}" for a in moto.boto3_client("cloudwatch").describe_alarms()["MetricAlarms"]]
    left += [f"log group {g['logGroupName']}" for g in moto.boto3_client("logs").describe_log_groups()["logGroups"]]
    left += _kms_leftovers(moto)
    return left


def _kms_leftovers(moto: MotoServer) -> list[str]:
    """Customer managed keys must be scheduled for deletion (KMS cannot delete immediately) and aliases gone."""
    kms = moto.boto3_client("kms")
    left = []
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta["KeyManager"] == "CUSTOMER" and meta["KeyState"] != "PendingDeletion":
            left.append(f"kms key {key['KeyId']} {meta['KeyState']}")
    left += [
        f"kms alias {a['AliasName']}"
        for a in kms.list_aliases()["Aliases"]
        if a["AliasName"].startswith("alias/tapestry/")
    ]
    return left


def test_aws_ingestion_example_applies_and_destroys_cleanly(
    moto_tf_env: dict[str, str], moto: MotoServer, terraform_tree: Path, request: pytest.FixtureRequest
) -> None:
    hostname = "airbyte.tapestry-it.example"
    certificate_arn = moto.boto3_client("acm").request_certificate(DomainName=hostname)["CertificateArn"]
    workdir = terraform_tree / "examples" / "aws_ingestion"
    var_file = write_tfvars_json(
        workdir / "test.tfvars.json",
        {
            "name": NAME,
            "allowed_cidrs": ALLOWED_CIDRS,
            "abctl_sha256": ABCTL_SHA256,
            "certificate_arn": certificate_arn,
            "airbyte_public_hostname": hostname,
            "alarm_email": "data-team@example.com",
            "tags": TAGS,
            # moto 5.2.5 implements neither MonitorInstances (the provider would retry it forever) nor DLM; the
            # snapshot policy is covered by the mock-provider tests.
            "detailed_monitoring": False,
            "enable_data_volume_snapshots": False,
        },
    )
    tf = Terraform(workdir, moto_tf_env)
    timings: dict[str, float] = {}
    _timed("init", timings, tf.init)
    applied = False
    try:
        _timed("apply", timings, lambda: tf.apply(var_file))
        applied = True
        outputs = tf.output()
        assert outputs["airbyte_url"] == f"https://{hostname}" and outputs.get("plain_http_warning") is None

        ec2 = moto.boto3_client("ec2")
        instance = ec2.describe_instances(InstanceIds=[outputs["instance_id"]])["Reservations"][0]["Instances"][0]
        assert instance["State"]["Name"] == "running"
        assert instance["InstanceType"] == "m6i.xlarge"
        assert instance["MetadataOptions"]["HttpTokens"] == "required"
        assert instance["MetadataOptions"]["HttpPutResponseHopLimit"] == 1, "pods in kind must not reach IMDS"
        assert "KeyName" not in instance, "no SSH key pair"
        volumes = {v["VolumeId"]: v for v in ec2.describe_volumes()["Volumes"]}
        attached = {m["Ebs"]["VolumeId"] for m in instance["BlockDeviceMappings"]}
        for volume_id in attached:
            assert volumes[volume_id]["Encrypted"] and volumes[volume_id]["VolumeType"] == "gp3"

        # Airbyte's data volume: its own encrypted volume, attached to the instance, in the instance's zone.
        data = volumes[outputs["data_volume_id"]]
        assert data["Encrypted"] and data["KmsKeyId"] and data["VolumeType"] == "gp3" and data["Size"] == 100
        assert data["AvailabilityZone"] == instance["Placement"]["AvailabilityZone"]
        assert [a["InstanceId"] for a in data["Attachments"]] == [outputs["instance_id"]]
        assert {t["Key"]: t["Value"] for t in data["Tags"]}["tapestry:snapshot"] == f"{NAME}-airbyte-data"

        user_data = ec2.describe_instance_attribute(InstanceId=outputs["instance_id"], Attribute="userData")
        script = base64.b64decode(user_data["UserData"]["Value"]).decode()
        asset = "abctl-v0.30.4-linux-amd64.tar.gz"
        assert f"releases/download/v0.30.4/{asset}" in script and f'echo "{ABCTL_SHA256}  $workdir/{asset}"' in script
        assert "get.airbyte.com" not in script and "--insecure-cookies" not in script
        assert '--chart-version "2.3.0"' in script and f'airbyteUrl: "https://{hostname}"' in script
        assert outputs["data_volume_id"].replace("-", "") in script
        syntax = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, check=False)
        assert syntax.returncode == 0, f"user_data is not valid bash:\n{syntax.stderr}"

        # Exposure: ALB from the allowed CIDRs only, instance from the ALB group only, nothing else inbound.
        groups = {g["GroupName"]: g for g in ec2.describe_security_groups()["SecurityGroups"]}
        alb_sg, instance_sg = groups[f"{NAME}-airbyte-alb"], groups[f"{NAME}-airbyte-instance"]
        alb_rules = {(p["FromPort"], r["CidrIp"]) for p in alb_sg["IpPermissions"] for r in p.get("IpRanges", [])}
        assert alb_rules == {(port, cidr) for port in (80, 443) for cidr in ALLOWED_CIDRS}
        assert [
            (p["FromPort"], [g["GroupId"] for g in p["UserIdGroupPairs"]], p.get("IpRanges"))
            for p in instance_sg["IpPermissions"]
        ] == [(8000, [alb_sg["GroupId"]], [])]

        elb = moto.boto3_client("elbv2")
        lb = elb.describe_load_balancers(Names=[f"{NAME}-airbyte"])["LoadBalancers"][0]
        assert lb["DNSName"] == outputs["alb_dns_name"]
        lb_attrs = {
            a["Key"]: a["Value"]
            for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]
        }
        assert int(lb_attrs["idle_timeout.timeout_seconds"]) >= 600
        listeners = {
            listener["Port"]: listener
            for listener in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        }
        assert listeners[443]["Protocol"] == "HTTPS"
        assert listeners[443]["Certificates"][0]["CertificateArn"] == certificate_arn
        assert listeners[80]["DefaultActions"][0]["Type"] == "redirect"
        tg = elb.describe_target_groups(Names=[f"{NAME}-airbyte"])["TargetGroups"][0]
        assert (tg["Port"], tg["HealthCheckPath"], tg["Matcher"]["HttpCode"]) == (8000, "/api/v1/health", "200")
        targets = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
        assert [t["Target"]["Id"] for t in targets] == [outputs["instance_id"]]

        # No S3 bucket any more: destination-snowflake 2.x stages internally.
        assert moto.boto3_client("s3").list_buckets()["Buckets"] == []

        iam = moto.boto3_client("iam")
        policy = iam.get_role_policy(RoleName=f"{NAME}-airbyte-instance", PolicyName="least-privilege")[
            "PolicyDocument"
        ]
        actions = {
            a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }
        assert "ssm:PutParameter" in actions and not {a for a in actions if a.startswith(("s3:", "kms:"))}
        assert not actions & {"ssm:GetParameter", "ssm:GetParameters"}

        alarms = moto.boto3_client("cloudwatch").describe_alarms(AlarmNames=list(outputs["alarm_names"].values()))
        assert len(alarms["MetricAlarms"]) == 5
        assert all(a["AlarmActions"] == [outputs["sns_topic_arn"]] for a in alarms["MetricAlarms"])
        disk = {a["AlarmName"]: a for a in alarms["MetricAlarms"] if a["MetricName"] == "disk_used_percent"}
        assert {d["Value"] for a in disk.values() for d in a["Dimensions"] if d["Name"] == "path"} == {
            "/",
            "/root/.airbyte",
        }
        assert outputs["airbyte_client_id_parameter_name"] == f"/tapestry/{NAME}/airbyte/client-id"

        _assert_tagged(tf)
        _timed("second_plan", timings, lambda: _assert_idempotent(tf, var_file, MOTO_DRIFT))
    finally:
        if applied or tf.state_list():
            _timed("destroy", timings, lambda: tf.destroy(var_file))
        _report(request, timings)

    assert tf.state_list() == []
    assert _ingestion_leftovers(moto) == []


################################################################################
# ecs_runner example
################################################################################


def _put_secrets(moto: MotoServer) -> dict[str, tuple[str, str]]:
    """What the orchestrator does before this phase: SecureStrings written with boto3, outside Terraform."""
    ssm = moto.boto3_client("ssm")
    values = {
        "MAILCHIMP_API_KEY": ("mailchimp-api-key", "0123456789abcdef0123456789abcdef-us21"),
        "SNOWFLAKE_PRIVATE_KEY": (
            "snowflake-private-key",
            "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0-----END",
        ),
    }
    secrets = {}
    for env_name, (param, value) in values.items():
        name = f"/tapestry/{NAME}/{param}"
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
        arn = ssm.get_parameter(Name=name)["Parameter"]["ARN"]
        secrets[env_name] = (arn, value)
    return secrets


def _runner_leftovers(moto: MotoServer) -> list[str]:
    left: list[str] = []
    ecs = moto.boto3_client("ecs")
    clusters = (
        ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"])["clusters"]
        if ecs.list_clusters()["clusterArns"]
        else []
    )
    left += [f"cluster {c['clusterName']}" for c in clusters if c["status"] == "ACTIVE"]
    left += [f"task definition {arn}" for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]]
    left += [
        f"repository {r['repositoryName']}" for r in moto.boto3_client("ecr").describe_repositories()["repositories"]
    ]
    iam = moto.boto3_client("iam")
    left += [f"role {r['RoleName']}" for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(NAME)]
    scheduler = moto.boto3_client("scheduler")
    left += [f"schedule {s['Name']}" for s in scheduler.list_schedules()["Schedules"]]
    left += [
        f"schedule group {g['Name']}"
        for g in scheduler.list_schedule_groups()["ScheduleGroups"]
        if g["Name"] != "default"
    ]
    left += [f"rule {r['Name']}" for r in moto.boto3_client("events").list_rules()["Rules"]]
    left += [f"topic {t['TopicArn']}" for t in moto.boto3_client("sns").list_topics()["Topics"]]
    left += [f"alarm {a['AlarmName']}" for a in moto.boto3_client("cloudwatch").describe_alarms()["MetricAlarms"]]
    left += [f"log group {g['logGroupName']}" for g in moto.boto3_client("logs").describe_log_groups()["logGroups"]]
    ec2 = moto.boto3_client("ec2")
    left += [
        f"sg {g['GroupName']}" for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"
    ]
    left += _kms_leftovers(moto)
    return left


def test_ecs_runner_example_applies_and_destroys_cleanly(
    moto_tf_env: dict[str, str], moto: MotoServer, terraform_tree: Path, request: pytest.FixtureRequest
) -> None:
    secrets = _put_secrets(moto)
    workdir = terraform_tree / "examples" / "ecs_runner"
    var_file = write_tfvars_json(
        workdir / "test.tfvars.json",
        {
            "name": NAME,
            "image_tag": "0.1.0",
            "schedule_expression": "cron(0 6 * * ? *)",
            "secrets": {k: arn for k, (arn, _) in secrets.items()},
            "alarm_email": "data-team@example.com",
            "tags": TAGS,
        },
    )
    tf = Terraform(workdir, moto_tf_env)
    timings: dict[str, float] = {}
    _timed("init", timings, tf.init)
    applied = False
    try:
        _timed("apply", timings, lambda: tf.apply(var_file))
        applied = True
        outputs = tf.output()

        ecr = moto.boto3_client("ecr")
        repo = ecr.describe_repositories(repositoryNames=[f"{NAME}/runner"])["repositories"][0]
        assert repo["repositoryUri"] == outputs["ecr_repository_url"]
        assert repo["imageTagMutability"] == "IMMUTABLE" and repo["imageScanningConfiguration"]["scanOnPush"]
        assert repo["encryptionConfiguration"]["encryptionType"] == "KMS"
        assert ecr.get_lifecycle_policy(repositoryName=repo["repositoryName"])["lifecyclePolicyText"]

        ecs = moto.boto3_client("ecs")
        cluster = ecs.describe_clusters(clusters=[outputs["cluster_name"]], include=["SETTINGS"])["clusters"][0]
        assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]

        task_def = ecs.describe_task_definition(taskDefinition=outputs["task_definition_arn"])["taskDefinition"]
        assert task_def["requiresCompatibilities"] == ["FARGATE"] and task_def["networkMode"] == "awsvpc"
        container = task_def["containerDefinitions"][0]
        assert container["image"] == f"{outputs['ecr_repository_url']}:0.1.0"
        assert {s["name"]: s["valueFrom"] for s in container["secrets"]} == {k: arn for k, (arn, _) in secrets.items()}
        assert container["logConfiguration"]["options"]["awslogs-group"] == outputs["log_group_name"]
        assert "command" not in container or not container["command"], "the image's CMD (tapestry run) must run"

        # Secrets never pass through Terraform: no value in the task definition, nor in the state.
        state_text = json.dumps(tf.show_state()) + tf.run("state", "pull").stdout
        for _, (_, value) in secrets.items():
            assert value not in json.dumps(task_def)
            assert value not in state_text

        iam = moto.boto3_client("iam")
        execution = json.dumps(
            iam.get_role_policy(RoleName=f"{NAME}-runner-execution", PolicyName="least-privilege")["PolicyDocument"]
        )
        for arn, _ in secrets.values():
            assert arn in execution
        scheduler_policy = iam.get_role_policy(RoleName=f"{NAME}-runner-scheduler", PolicyName="run-task")[
            "PolicyDocument"
        ]
        actions = {s["Action"] for s in scheduler_policy["Statement"]}
        assert actions == {"ecs:RunTask", "iam:PassRole"}

        schedule = moto.boto3_client("scheduler").get_schedule(Name=outputs["schedule_name"], GroupName=NAME)
        assert schedule["ScheduleExpression"] == "cron(0 6 * * ? *)" and schedule["State"] == "ENABLED"
        assert schedule["Target"]["EcsParameters"]["TaskDefinitionArn"] == outputs["task_definition_arn"]

        logs = moto.boto3_client("logs").describe_log_groups(logGroupNamePrefix=outputs["log_group_name"])["logGroups"][
            0
        ]
        assert logs["retentionInDays"] == 365 and logs.get("kmsKeyId")

        events = moto.boto3_client("events")
        pattern = json.loads(events.describe_rule(Name=f"{NAME}-runner-failed")["EventPattern"])
        assert pattern["detail"]["lastStatus"] == ["STOPPED"]
        targets = events.list_targets_by_rule(Rule=f"{NAME}-runner-failed")["Targets"]
        assert [t["Arn"] for t in targets] == [outputs["sns_topic_arn"]]

        _assert_tagged(tf)
        _timed("second_plan", timings, lambda: _assert_idempotent(tf, var_file, set()))
    finally:
        if applied or tf.state_list():
            _timed("destroy", timings, lambda: tf.destroy(var_file))
        _report(request, timings)

    assert tf.state_list() == []
    assert _runner_leftovers(moto) == []
    # Terraform never owned the secrets, so destroying the stack leaves them to the orchestrator.
    ssm = moto.boto3_client("ssm")
    assert len(ssm.get_parameters_by_path(Path=f"/tapestry/{NAME}")["Parameters"]) == len(secrets)


################################################################################
# Stack with the S3 backend and a lock file (the documented remote-state setup)
################################################################################


def test_stack_uses_s3_backend_with_lockfile(
    moto_tf_env: dict[str, str], moto: MotoServer, terraform_tree: Path, request: pytest.FixtureRequest
) -> None:
    s3 = moto.boto3_client("s3")
    state_bucket, state_key = "tapestry-it-terraform-state", f"tapestry/{NAME}/ecs_runner.tfstate"
    s3.create_bucket(Bucket=state_bucket)
    ec2 = moto.boto3_client("ec2")
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = sorted(
        s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    )

    workdir = terraform_tree / "stacks" / "ecs_runner"
    # As documented in the stack README: an override file swaps the local backend for S3.
    (workdir / "backend_override.tf").write_text('terraform {\n  backend "s3" {}\n}\n', encoding="utf-8")
    var_file = write_tfvars_json(
        workdir / "ecs_runner.tfvars.json",
        {"name": NAME, "vpc_id": vpc_id, "subnet_ids": subnets[:2], "image_tag": "0.1.0", "ecr_force_delete": True},
    )
    tf = Terraform(workdir, moto_tf_env)
    timings: dict[str, float] = {}
    _timed(
        "init",
        timings,
        lambda: tf.init(
            "-reconfigure",
            f"-backend-config=bucket={state_bucket}",
            f"-backend-config=key={state_key}",
            "-backend-config=region=us-east-1",
            "-backend-config=encrypt=true",
            "-backend-config=use_lockfile=true",
        ),
    )
    try:
        _timed("apply", timings, lambda: tf.apply(var_file))
        assert not (workdir / "terraform.tfstate").exists(), "state must not be written locally"
        state = json.loads(s3.get_object(Bucket=state_bucket, Key=state_key)["Body"].read())
        assert any(r["type"] == "aws_ecs_cluster" for r in state["resources"])
        assert tf.output()["cluster_name"] == f"{NAME}-runner"

        # Another run holds the lock: this one must refuse to touch the state.
        s3.put_object(Bucket=state_bucket, Key=f"{state_key}.tflock", Body=b'{"ID":"held-by-test","Who":"pytest"}')
        with pytest.raises(TerraformError, match="Error acquiring the state lock"):
            tf.run("plan", "-lock-timeout=2s", var_file=var_file)
        s3.delete_object(Bucket=state_bucket, Key=f"{state_key}.tflock")
    finally:
        _timed("destroy", timings, lambda: tf.destroy(var_file))
        _report(request, timings)

    assert json.loads(s3.get_object(Bucket=state_bucket, Key=state_key)["Body"].read())["resources"] == []
    assert "Contents" not in s3.list_objects_v2(Bucket=state_bucket, Prefix=f"{state_key}.tflock")
