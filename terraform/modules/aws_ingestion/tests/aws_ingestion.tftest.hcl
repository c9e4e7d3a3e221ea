# Plan/apply-time checks of the aws_ingestion module against a mocked AWS provider (no credentials, no network).
# `command = apply` runs apply in memory against the mocks, so computed values are known and assertable.
# Run: terraform init && terraform test   (the pytest suite does this in a temp copy)

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/terraform-test"
      user_id    = "AIDAEXAMPLEEXAMPLE"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }

  mock_data "aws_availability_zones" {
    defaults = {
      names = ["us-east-1a", "us-east-1b", "us-east-1c"]
    }
  }

  mock_data "aws_ami" {
    defaults = {
      id = "ami-0abcdef1234567890"
    }
  }

  mock_data "aws_ec2_instance_type" {
    defaults = {
      default_vcpus           = 4
      memory_size             = 16384
      supported_architectures = ["x86_64", "i386"]
    }
  }

  mock_data "aws_subnet" {
    defaults = {
      availability_zone = "us-east-1b"
    }
  }

  mock_resource "aws_ebs_volume" {
    defaults = {
      id  = "vol-0123456789abcdef0"
      arn = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"
    }
  }

  mock_resource "aws_dlm_lifecycle_policy" {
    defaults = {
      arn = "arn:aws:dlm:us-east-1:123456789012:policy/policy-0123456789abcdef0"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/mock-role"
    }
  }

  mock_resource "aws_iam_instance_profile" {
    defaults = {
      arn = "arn:aws:iam::123456789012:instance-profile/mock-profile"
    }
  }

  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/acme-airbyte/0123456789abcdef"
      arn_suffix = "app/acme-airbyte/0123456789abcdef"
      dns_name   = "acme-airbyte-123456789.us-east-1.elb.amazonaws.com"
      zone_id    = "Z35SXDOTRQ7X7K"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/acme-airbyte/0123456789abcdef"
      arn_suffix = "targetgroup/acme-airbyte/0123456789abcdef"
    }
  }

  mock_resource "aws_lb_listener" {
    defaults = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/acme-airbyte/0123456789abcdef/0123456789abcdef"
    }
  }

  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:us-east-1:123456789012:acme-airbyte-alarms"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:123456789012:log-group:/tapestry/acme/airbyte"
    }
  }

  mock_resource "aws_instance" {
    defaults = {
      private_ip = "10.42.0.10"
    }
  }

  mock_resource "aws_security_group" {
    defaults = {
      id = "sg-0123456789abcdef0"
    }
  }
}

variables {
  name          = "acme"
  allowed_cidrs = ["203.0.113.0/24", "198.51.100.7/32"]
  # A well-formed stand-in: the module only checks the shape; user_data compares it with the real download.
  abctl_sha256            = "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"
  certificate_arn         = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
  airbyte_public_hostname = "airbyte.acme.example"
  tags = {
    Project = "acme"
    Owner   = "data-team"
  }
}

################################################################################
# Defaults: created VPC, HTTPS with the certificate
################################################################################

run "defaults" {
  command = apply

  # Instance: IMDSv2 with hop limit 1, encrypted gp3 root volume of >= 100 GiB, sized for abctl.
  assert {
    condition = (
      aws_instance.airbyte[0].metadata_options[0].http_tokens == "required" &&
      aws_instance.airbyte[0].metadata_options[0].http_endpoint == "enabled" &&
      aws_instance.airbyte[0].metadata_options[0].http_put_response_hop_limit == 1
    )
    error_message = "IMDSv2 must be required with hop limit 1, so pods in the kind cluster cannot reach the instance role."
  }

  assert {
    condition = (
      aws_instance.airbyte[0].root_block_device[0].encrypted &&
      aws_instance.airbyte[0].root_block_device[0].volume_type == "gp3" &&
      aws_instance.airbyte[0].root_block_device[0].volume_size >= 100 &&
      aws_instance.airbyte[0].root_block_device[0].kms_key_id == module.foundation.kms_key_arn
    )
    error_message = "The root volume must be an encrypted (module KMS key) gp3 volume of at least 100 GiB."
  }

  assert {
    condition     = aws_instance.airbyte[0].instance_type == "m6i.xlarge" && aws_instance.airbyte[0].ami == "ami-0abcdef1234567890"
    error_message = "Default instance must be m6i.xlarge on the looked-up AL2023 AMI."
  }

  assert {
    condition     = aws_instance.airbyte[0].iam_instance_profile == aws_iam_instance_profile.instance[0].name
    error_message = "The instance must use its own instance profile."
  }

  # Airbyte's data: its own volume that outlives the instance, snapshotted daily.
  assert {
    condition = (
      aws_ebs_volume.data[0].encrypted && aws_ebs_volume.data[0].type == "gp3" && aws_ebs_volume.data[0].size == 100 &&
      aws_ebs_volume.data[0].kms_key_id == module.foundation.kms_key_arn &&
      aws_ebs_volume.data[0].availability_zone == aws_subnet.public[0].availability_zone &&
      aws_ebs_volume.data[0].final_snapshot &&
      aws_ebs_volume.data[0].tags["tapestry:snapshot"] == "acme-airbyte-data"
    )
    error_message = "The data volume must be encrypted gp3 in the instance's zone, snapshot on delete and be tagged for DLM."
  }

  assert {
    condition = (
      aws_volume_attachment.data[0].volume_id == aws_ebs_volume.data[0].id &&
      aws_volume_attachment.data[0].instance_id == aws_instance.airbyte[0].id &&
      aws_volume_attachment.data[0].stop_instance_before_detaching
    )
    error_message = "The data volume must be attached to the instance and detached only from a stopped instance."
  }

  assert {
    condition = (
      aws_dlm_lifecycle_policy.data[0].state == "ENABLED" &&
      aws_dlm_lifecycle_policy.data[0].policy_details[0].resource_types == tolist(["VOLUME"]) &&
      aws_dlm_lifecycle_policy.data[0].policy_details[0].target_tags == tomap({ "tapestry:snapshot" = "acme-airbyte-data" }) &&
      aws_dlm_lifecycle_policy.data[0].policy_details[0].schedule[0].create_rule[0].times == tolist(["03:00"]) &&
      aws_dlm_lifecycle_policy.data[0].policy_details[0].schedule[0].create_rule[0].interval == 24 &&
      aws_dlm_lifecycle_policy.data[0].policy_details[0].schedule[0].retain_rule[0].count == 14 &&
      aws_dlm_lifecycle_policy.data[0].execution_role_arn == aws_iam_role.snapshots[0].arn
    )
    error_message = "DLM must snapshot the data volume (by its tag) daily at 03:00 UTC and keep 14."
  }

  assert {
    condition     = jsondecode(aws_iam_role.snapshots[0].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012" && endswith(aws_iam_role_policy_attachment.snapshots[0].policy_arn, ":policy/service-role/AWSDataLifecycleManagerServiceRole")
    error_message = "The DLM role must trust dlm.amazonaws.com from this account only and use AWS's DLM policy."
  }

  # Disks do not fill silently: one alarm per filesystem on the agent's disk_used_percent.
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.disk["disk_root"].dimensions == tomap({ InstanceId = aws_instance.airbyte[0].id, path = "/" }) &&
      aws_cloudwatch_metric_alarm.disk["disk_data"].dimensions == tomap({ InstanceId = aws_instance.airbyte[0].id, path = "/root/.airbyte" }) &&
      alltrue([for a in aws_cloudwatch_metric_alarm.disk : a.namespace == "CWAgent" && a.metric_name == "disk_used_percent" && a.threshold == 80 && contains(a.alarm_actions, module.foundation.topic_arn)])
    )
    error_message = "Both filesystems need a disk usage alarm (CWAgent disk_used_percent by InstanceId and path) to the topic."
  }

  # Network exposure: ALB only from allowed_cidrs, instance only from the ALB on 8000, no SSH anywhere.
  assert {
    condition     = toset([for r in aws_vpc_security_group_ingress_rule.alb_http : r.cidr_ipv4]) == toset(var.allowed_cidrs) && toset([for r in aws_vpc_security_group_ingress_rule.alb_https : r.cidr_ipv4]) == toset(var.allowed_cidrs)
    error_message = "The ALB must admit HTTP (redirect) and HTTPS from exactly allowed_cidrs."
  }

  assert {
    condition = alltrue([
      for r in concat(values(aws_vpc_security_group_ingress_rule.alb_http), values(aws_vpc_security_group_ingress_rule.alb_https), aws_vpc_security_group_ingress_rule.instance_from_alb) :
      r.cidr_ipv4 == null ? r.referenced_security_group_id != null : contains(var.allowed_cidrs, r.cidr_ipv4)
    ])
    error_message = "No ingress rule may be wider than allowed_cidrs."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.instance_from_alb[0].referenced_security_group_id == aws_security_group.alb[0].id &&
      aws_vpc_security_group_ingress_rule.instance_from_alb[0].from_port == 8000 &&
      aws_vpc_security_group_ingress_rule.instance_from_alb[0].to_port == 8000 &&
      aws_vpc_security_group_ingress_rule.instance_from_alb[0].cidr_ipv4 == null
    )
    error_message = "The instance must accept only port 8000 from the ALB security group."
  }

  assert {
    condition = alltrue([
      for r in concat(values(aws_vpc_security_group_ingress_rule.alb_http), values(aws_vpc_security_group_ingress_rule.alb_https), aws_vpc_security_group_ingress_rule.instance_from_alb) :
      !(r.from_port <= 22 && r.to_port >= 22)
    ])
    error_message = "SSH (22) must not be open."
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_egress_rule.instance_internet : r.ip_protocol == "tcp" && r.from_port == 443 && r.to_port == 443])
    error_message = "Instance egress to the internet must be HTTPS only by default."
  }

  # HTTPS: TLS listener with the certificate, HTTP only redirects, the public URL is the hostname.
  assert {
    condition     = length(aws_lb_listener.https) == 1 && aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" && aws_lb_listener.https[0].certificate_arn == var.certificate_arn
    error_message = "With a certificate there must be an HTTPS listener with a TLS 1.2+ policy."
  }

  assert {
    condition     = aws_lb_listener.http[0].default_action[0].type == "redirect" && aws_lb_listener.http[0].default_action[0].redirect[0].protocol == "HTTPS"
    error_message = "With a certificate, HTTP must redirect to HTTPS."
  }

  assert {
    condition     = output.airbyte_url == "https://airbyte.acme.example" && !output.plain_http && output.plain_http_warning == null
    error_message = "Airbyte's public URL must be the HTTPS hostname, without a plain-HTTP warning."
  }

  # Least privilege of the instance role: no reads of its own credentials, no S3, no module key.
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.instance[0].policy).Statement :
      !contains(flatten([s.Action]), "*") && !anytrue([for a in flatten([s.Action]) : endswith(a, ":*")])
    ])
    error_message = "The instance policy must not use wildcard actions."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.instance[0].policy).Statement : s if s.Sid == "WriteOwnAirbyteCredentials"
    ]) == { Sid = "WriteOwnAirbyteCredentials", Effect = "Allow", Action = "ssm:PutParameter", Resource = "arn:aws:ssm:us-east-1:123456789012:parameter/tapestry/acme/airbyte/*" }
    error_message = "The instance may only write (never read) SSM parameters under its own path."
  }

  assert {
    condition = !anytrue(flatten([
      for s in jsondecode(aws_iam_role_policy.instance[0].policy).Statement : [
        for a in flatten([s.Action]) : startswith(a, "s3:") || startswith(a, "kms:") || a == "ssm:GetParameter" || a == "ssm:GetParameters"
      ]
    ]))
    error_message = "The instance role must not hold S3, KMS or SSM read permissions (nothing on the host uses them)."
  }

  # ALB and target group.
  assert {
    condition = (
      aws_lb_target_group.airbyte[0].port == 8000 &&
      aws_lb_target_group.airbyte[0].health_check[0].path == "/api/v1/health" &&
      aws_lb_target_group.airbyte[0].health_check[0].matcher == "200" &&
      aws_lb_target_group.airbyte[0].health_check[0].unhealthy_threshold == 10
    )
    error_message = "Health check must hit /api/v1/health on 8000, expect 200, and tolerate the slow first boot."
  }

  assert {
    condition     = aws_lb.this[0].idle_timeout >= 600 && aws_lb.this[0].drop_invalid_header_fields && aws_lb.this[0].internal == false
    error_message = "The ALB needs idle_timeout >= 600 s and must drop invalid headers."
  }

  # Names derived from var.name (no fixed names that collide between projects; 32-char limits).
  assert {
    condition = (
      aws_lb.this[0].name == "acme-airbyte" &&
      aws_lb_target_group.airbyte[0].name == "acme-airbyte" &&
      aws_security_group.alb[0].name == "acme-airbyte-alb" &&
      aws_security_group.instance[0].name == "acme-airbyte-instance" &&
      aws_iam_role.instance[0].name == "acme-airbyte-instance" &&
      aws_iam_role.snapshots[0].name == "acme-airbyte-snapshots" &&
      module.foundation.topic_name == "acme-airbyte-alarms" &&
      module.foundation.log_group_names == { airbyte = "/tapestry/acme/airbyte", flow_logs = "/tapestry/acme/vpc-flow-logs" }
    )
    error_message = "Resource names must be derived from var.name."
  }

  # Tags on every taggable resource (../foundation checks its own).
  assert {
    condition = alltrue(flatten([
      for t in [
        aws_vpc.this[0].tags,
        aws_default_security_group.this[0].tags,
        aws_internet_gateway.this[0].tags,
        aws_subnet.public[0].tags,
        aws_subnet.public[1].tags,
        aws_route_table.public[0].tags,
        aws_iam_role.flow_logs[0].tags,
        aws_flow_log.this[0].tags,
        aws_security_group.alb[0].tags,
        aws_security_group.instance[0].tags,
        aws_vpc_security_group_ingress_rule.instance_from_alb[0].tags,
        aws_vpc_security_group_egress_rule.alb_to_instance[0].tags,
        aws_iam_role.instance[0].tags,
        aws_iam_instance_profile.instance[0].tags,
        aws_instance.airbyte[0].tags,
        aws_instance.airbyte[0].root_block_device[0].tags,
        aws_ebs_volume.data[0].tags,
        aws_iam_role.snapshots[0].tags,
        aws_dlm_lifecycle_policy.data[0].tags,
        aws_lb.this[0].tags,
        aws_lb_target_group.airbyte[0].tags,
        aws_lb_listener.http[0].tags,
        aws_lb_listener.https[0].tags,
        aws_cloudwatch_metric_alarm.cpu_high[0].tags,
        aws_cloudwatch_metric_alarm.status_check[0].tags,
        aws_cloudwatch_metric_alarm.no_healthy_target[0].tags,
        aws_cloudwatch_metric_alarm.disk["disk_root"].tags,
      ] : [for k, v in var.tags : lookup(t, k, null) == v]
    ]))
    error_message = "Every taggable resource must carry var.tags."
  }

  # user_data: pinned and checksummed abctl, headless install on the data volume, bounded logs; credentials to SSM.
  assert {
    condition = alltrue([
      for needle in [
        "https://github.com/airbytehq/abctl/releases/download/v0.30.4/abctl-v0.30.4-linux-amd64.tar.gz",
        "echo \"abababababababababababababababababababababababababababababababab  $workdir/abctl-v0.30.4-linux-amd64.tar.gz\" | sha256sum --check --strict",
        "install -m 0755 \"$workdir/abctl-v0.30.4-linux-amd64/abctl\" /usr/local/bin/abctl",
        "--chart-version \"2.3.0\"",
        "--no-browser",
        "--port 8000",
        "export HOME=/root",
        "DO_NOT_TRACK=1",
        "dnf install -y docker",
        "systemctl enable --now docker",
        "airbyteUrl: \"https://airbyte.acme.example\"",
        "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0",
        "if ! blkid \"$data_device\"",
        "DATA_MOUNT=\"/root/.airbyte\"",
        "\"max-size\": \"50m\"",
        "SystemMaxUse=1G",
        "-path '*/job-logging/*' -type f -mtime +30 -delete",
        "tapestry-airbyte-log-retention.timer",
        "\"aggregation_dimensions\": [[\"InstanceId\", \"path\"]]",
        "\"resources\": [\"/\", \"/root/.airbyte\"]",
        "airbyte-auth-secrets",
        "-n airbyte-abctl",
        "instance-admin-client-id",
        "instance-admin-client-secret",
        "--type SecureString",
        "/tapestry/acme/airbyte/client-id",
        "/tapestry/acme/airbyte/client-secret",
        "/var/log/tapestry-airbyte-bootstrap.log",
      ] : strcontains(base64decode(aws_instance.airbyte[0].user_data_base64), needle)
    ])
    error_message = "user_data must install the checksummed abctl headlessly on the data volume with bounded logs and store the client credentials in SSM."
  }

  assert {
    condition = !anytrue([
      for needle in ["get.airbyte.com", "| bash", "--host", "--disable-auth", "--insecure-cookies", "--low-resource-mode", "mkfs.xfs -f"] :
      strcontains(base64decode(aws_instance.airbyte[0].user_data_base64), needle)
    ])
    error_message = "user_data must not pipe an installer into bash, must not pass --host, --disable-auth, --insecure-cookies (HTTPS) or --low-resource-mode, and must never force-format the data volume."
  }

  # Alarms go to the topic.
  assert {
    condition = alltrue([
      for a in concat(aws_cloudwatch_metric_alarm.cpu_high, aws_cloudwatch_metric_alarm.status_check, aws_cloudwatch_metric_alarm.no_healthy_target, values(aws_cloudwatch_metric_alarm.disk)) :
      contains(a.alarm_actions, module.foundation.topic_arn)
    ])
    error_message = "Every alarm must notify the SNS topic."
  }

  # Only this module's alarms may publish to the topic and use the key for it.
  assert {
    condition = [
      for s in jsondecode(module.foundation.kms_key_policy).Statement : s.Condition.ArnLike["aws:SourceArn"] if s.Sid == "PublishToTopicFromCloudwatch"
    ] == [["arn:aws:cloudwatch:us-east-1:123456789012:alarm:acme-airbyte-*"]]
    error_message = "CloudWatch may use the key only for this module's alarms."
  }

  # Outputs the orchestrator reads.
  assert {
    condition = (
      output.airbyte_client_id_parameter_name == "/tapestry/acme/airbyte/client-id" &&
      output.airbyte_client_secret_parameter_arn == "arn:aws:ssm:us-east-1:123456789012:parameter/tapestry/acme/airbyte/client-secret" &&
      output.airbyte_internal_url == "http://10.42.0.10:8000" &&
      output.alarm_names.cpu_high == "acme-airbyte-cpu-high" &&
      output.alarm_names.disk_data == "acme-airbyte-disk-data" &&
      output.data_volume_id == "vol-0123456789abcdef0" &&
      output.data_volume_mount == "/root/.airbyte"
    )
    error_message = "Outputs must expose the URL, the SSM parameter names/ARNs, the data volume and the alarm names."
  }
}

################################################################################
# Plain HTTP, accepted explicitly
################################################################################

run "plain_http_when_allowed" {
  command = apply
  # Own state: user_data and ami are in ignore_changes, so an update of the "defaults" instance would keep them.
  state_key = "plain_http"

  variables {
    certificate_arn         = null
    airbyte_public_hostname = null
    allow_plain_http        = true
    alarm_email             = "data-team@acme.example"
  }

  # The plan warns (check block) while plain HTTP is in effect.
  expect_failures = [check.plain_http]

  assert {
    condition     = aws_lb_listener.http[0].default_action[0].type == "forward" && length(aws_lb_listener.https) == 0 && length(aws_vpc_security_group_ingress_rule.alb_https) == 0
    error_message = "With allow_plain_http and no certificate, HTTP forwards and there is no HTTPS listener."
  }

  assert {
    condition     = strcontains(base64decode(aws_instance.airbyte[0].user_data_base64), "install_flags+=(--insecure-cookies)")
    error_message = "Plain HTTP needs abctl --insecure-cookies, or the browser login fails."
  }

  assert {
    condition     = output.airbyte_url == "http://acme-airbyte-123456789.us-east-1.elb.amazonaws.com" && output.plain_http && strcontains(output.plain_http_warning, "PLAIN HTTP") && strcontains(output.plain_http_warning, "private key")
    error_message = "Plain HTTP must be visible in the outputs, with what it exposes."
  }
}

################################################################################
# Existing VPC, customer managed keys, no snapshots
################################################################################

run "existing_vpc_and_keys" {
  command   = apply
  state_key = "existing_vpc"

  variables {
    vpc_id                       = "vpc-0123456789abcdef0"
    subnet_ids                   = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
    kms_key_arn                  = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    ssm_kms_key_arn              = "arn:aws:kms:us-east-1:123456789012:key/00000000-1111-2222-3333-444444444444"
    ami_id                       = "ami-0fedcba9876543210"
    enable_data_volume_snapshots = false
    data_volume_size_gb          = 250
  }

  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_subnet.public) == 0 && length(aws_flow_log.this) == 0 && !module.foundation.kms_key_created
    error_message = "No VPC or KMS key may be created when they are given."
  }

  assert {
    condition     = aws_lb.this[0].subnets == toset(var.subnet_ids) && aws_instance.airbyte[0].subnet_id == var.subnet_ids[0] && aws_security_group.alb[0].vpc_id == var.vpc_id
    error_message = "The given VPC and subnets must be used."
  }

  assert {
    condition     = aws_ebs_volume.data[0].availability_zone == "us-east-1b" && aws_ebs_volume.data[0].size == 250 && length(aws_dlm_lifecycle_policy.data) == 0 && length(aws_iam_role.snapshots) == 0
    error_message = "The data volume must be in the given subnet's zone; no DLM policy when snapshots are off."
  }

  assert {
    condition     = aws_instance.airbyte[0].ami == var.ami_id
    error_message = "ami_id must override the AMI lookup."
  }

  assert {
    condition = (
      aws_instance.airbyte[0].root_block_device[0].kms_key_id == var.kms_key_arn &&
      aws_ebs_volume.data[0].kms_key_id == var.kms_key_arn &&
      module.foundation.kms_key_arn == var.kms_key_arn
    )
    error_message = "The given KMS key must encrypt the volumes, the topic and the log groups."
  }

  assert {
    condition     = strcontains(base64decode(aws_instance.airbyte[0].user_data_base64), "SSM_KEY_ID=\"${var.ssm_kms_key_arn}\"")
    error_message = "The credentials must be encrypted with ssm_kms_key_arn."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.instance[0].policy).Statement : s if s.Sid == "EncryptCredentialsWithSsmKey"
    ]).Condition.StringEquals["kms:ViaService"] == "ssm.us-east-1.amazonaws.com"
    error_message = "The instance may use ssm_kms_key_arn only through SSM."
  }
}

################################################################################
# create = false
################################################################################

run "create_false_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition = (
      length(aws_instance.airbyte) + length(aws_lb.this) + length(aws_vpc.this) + length(aws_security_group.alb) +
      length(aws_ebs_volume.data) + length(aws_dlm_lifecycle_policy.data) + length(aws_iam_role.instance) +
      length(aws_cloudwatch_metric_alarm.cpu_high) + length(aws_cloudwatch_metric_alarm.disk) +
      length(aws_vpc_security_group_ingress_rule.alb_http) == 0 && module.foundation.kms_key_arn == null
    )
    error_message = "create = false must create no resource."
  }

  assert {
    condition     = output.airbyte_url == null && output.instance_id == null && output.sns_topic_arn == null && length(output.alarm_names) == 0 && !output.plain_http
    error_message = "Outputs are null when nothing is created."
  }
}

################################################################################
# Validation and preconditions
################################################################################

run "rejects_missing_certificate" {
  command = plan

  variables {
    certificate_arn         = null
    airbyte_public_hostname = null
  }

  expect_failures = [var.certificate_arn]
}

run "rejects_certificate_without_hostname" {
  command = plan

  variables {
    airbyte_public_hostname = null
  }

  expect_failures = [var.certificate_arn]
}

run "rejects_world_open_cidr" {
  command = plan

  variables {
    allowed_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "rejects_internet_in_two_halves" {
  command = plan

  variables {
    allowed_cidrs = ["0.0.0.0/1", "128.0.0.0/1"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "rejects_internet_in_uneven_pieces" {
  command = plan

  variables {
    # /2 + /2 + /1 with a nested (redundant) /8 and a duplicate: still the whole internet.
    allowed_cidrs = ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1", "10.0.0.0/8", "64.0.0.0/2"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "accepts_large_but_partial_cidrs" {
  command = plan

  variables {
    # Half the internet plus a nested block: wide, but not everything.
    allowed_cidrs = ["0.0.0.0/1", "10.0.0.0/8", "10.1.0.0/16"]
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb_https) == 3
    error_message = "Partial CIDR sets must be accepted."
  }
}

run "rejects_cidr_with_host_bits" {
  command = plan

  variables {
    allowed_cidrs = ["10.1.2.3/16"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "rejects_address_without_prefix" {
  command = plan

  variables {
    allowed_cidrs = ["203.0.113.7"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "rejects_garbage_cidr" {
  command = plan

  variables {
    allowed_cidrs = ["203.0.113.0/24", "my-office"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "rejects_empty_cidrs" {
  command = plan

  variables {
    allowed_cidrs = []
  }

  expect_failures = [var.allowed_cidrs]
}

run "rejects_bad_abctl_checksum" {
  command = plan

  variables {
    abctl_sha256 = "sha256:abababab"
  }

  expect_failures = [var.abctl_sha256]
}

run "rejects_long_name" {
  command = plan

  variables {
    name = "a-very-long-project-name-x"
  }

  expect_failures = [var.name]
}

run "rejects_uppercase_name" {
  command = plan

  variables {
    name = "Acme"
  }

  expect_failures = [var.name]
}

run "rejects_bad_instance_type" {
  command = plan

  variables {
    instance_type = "m6i xlarge"
  }

  expect_failures = [var.instance_type]
}

run "rejects_small_root_volume" {
  command = plan

  variables {
    root_volume_size_gb = 50
  }

  expect_failures = [var.root_volume_size_gb]
}

run "rejects_bad_snapshot_time" {
  command = plan

  variables {
    snapshot_time_utc = "3am"
  }

  expect_failures = [var.snapshot_time_utc]
}

run "rejects_short_idle_timeout" {
  command = plan

  variables {
    idle_timeout_seconds = 60
  }

  expect_failures = [var.idle_timeout_seconds]
}

run "rejects_single_subnet" {
  command = plan

  variables {
    vpc_id     = "vpc-0123456789abcdef0"
    subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa"]
  }

  expect_failures = [var.subnet_ids]
}

run "rejects_vpc_without_subnets" {
  command = plan

  variables {
    vpc_id = "vpc-0123456789abcdef0"
  }

  expect_failures = [aws_lb.this]
}

run "rejects_undersized_instance" {
  command = plan

  variables {
    instance_type = "t3.large"
  }

  override_data {
    target = data.aws_ec2_instance_type.this[0]
    values = {
      default_vcpus           = 2
      memory_size             = 8192
      supported_architectures = ["x86_64"]
    }
  }

  expect_failures = [aws_instance.airbyte]
}

run "rejects_arm_instance" {
  command = plan

  variables {
    instance_type = "m7g.xlarge"
  }

  override_data {
    target = data.aws_ec2_instance_type.this[0]
    values = {
      default_vcpus           = 4
      memory_size             = 16384
      supported_architectures = ["arm64"]
    }
  }

  expect_failures = [aws_instance.airbyte]
}
