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
      default_vcpus = 4
      memory_size   = 16384
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

  mock_resource "aws_s3_bucket" {
    defaults = {
      id  = "acme-staging-20260101000000000000000001"
      arn = "arn:aws:s3:::acme-staging-20260101000000000000000001"
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
  tags = {
    Project = "acme"
    Owner   = "data-team"
  }
}

################################################################################
# Defaults: created VPC, HTTP only
################################################################################

run "defaults" {
  command = apply

  # Instance: IMDSv2, encrypted gp3 root volume of >= 100 GiB, sized for abctl.
  assert {
    condition     = aws_instance.airbyte.metadata_options[0].http_tokens == "required" && aws_instance.airbyte.metadata_options[0].http_endpoint == "enabled"
    error_message = "IMDSv2 must be required on the Airbyte instance."
  }

  assert {
    condition = (
      aws_instance.airbyte.root_block_device[0].encrypted &&
      aws_instance.airbyte.root_block_device[0].volume_type == "gp3" &&
      aws_instance.airbyte.root_block_device[0].volume_size >= 100 &&
      aws_instance.airbyte.root_block_device[0].kms_key_id == aws_kms_key.this[0].arn
    )
    error_message = "The root volume must be an encrypted (module KMS key) gp3 volume of at least 100 GiB."
  }

  assert {
    condition     = aws_instance.airbyte.instance_type == "m6i.xlarge" && aws_instance.airbyte.ami == "ami-0abcdef1234567890"
    error_message = "Default instance must be m6i.xlarge on the looked-up AL2023 AMI."
  }

  assert {
    condition     = aws_instance.airbyte.iam_instance_profile == aws_iam_instance_profile.instance.name
    error_message = "The instance must use its own instance profile."
  }

  # Network exposure: ALB only from allowed_cidrs, instance only from the ALB on 8000, no SSH anywhere.
  assert {
    condition     = toset([for r in aws_vpc_security_group_ingress_rule.alb_http : r.cidr_ipv4]) == toset(var.allowed_cidrs)
    error_message = "The ALB must admit HTTP from exactly allowed_cidrs."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb_https) == 0
    error_message = "Without a certificate there must be no HTTPS ingress."
  }

  assert {
    condition = alltrue([
      for r in concat(values(aws_vpc_security_group_ingress_rule.alb_http), values(aws_vpc_security_group_ingress_rule.alb_https), [aws_vpc_security_group_ingress_rule.instance_from_alb]) :
      r.cidr_ipv4 == null ? r.referenced_security_group_id != null : contains(var.allowed_cidrs, r.cidr_ipv4)
    ])
    error_message = "No ingress rule may be wider than allowed_cidrs."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.instance_from_alb.referenced_security_group_id == aws_security_group.alb.id &&
      aws_vpc_security_group_ingress_rule.instance_from_alb.from_port == 8000 &&
      aws_vpc_security_group_ingress_rule.instance_from_alb.to_port == 8000 &&
      aws_vpc_security_group_ingress_rule.instance_from_alb.cidr_ipv4 == null
    )
    error_message = "The instance must accept only port 8000 from the ALB security group."
  }

  assert {
    condition = alltrue([
      for r in concat(values(aws_vpc_security_group_ingress_rule.alb_http), [aws_vpc_security_group_ingress_rule.instance_from_alb]) :
      !(r.from_port <= 22 && r.to_port >= 22)
    ])
    error_message = "SSH (22) must not be open."
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_egress_rule.instance_internet : r.ip_protocol == "tcp" && r.from_port == 443 && r.to_port == 443])
    error_message = "Instance egress to the internet must be HTTPS only by default."
  }

  # S3 staging bucket.
  assert {
    condition = (
      one(one(aws_s3_bucket_server_side_encryption_configuration.staging.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" &&
      one(one(aws_s3_bucket_server_side_encryption_configuration.staging.rule).apply_server_side_encryption_by_default).kms_master_key_id == aws_kms_key.this[0].arn
    )
    error_message = "The bucket must use SSE-KMS with the module key."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.staging.block_public_acls &&
      aws_s3_bucket_public_access_block.staging.block_public_policy &&
      aws_s3_bucket_public_access_block.staging.ignore_public_acls &&
      aws_s3_bucket_public_access_block.staging.restrict_public_buckets
    )
    error_message = "All four public access blocks must be on."
  }

  assert {
    condition     = aws_s3_bucket_versioning.staging.versioning_configuration[0].status == "Enabled"
    error_message = "Bucket versioning must be enabled."
  }

  assert {
    condition = (
      aws_s3_bucket_lifecycle_configuration.staging.rule[0].status == "Enabled" &&
      aws_s3_bucket_lifecycle_configuration.staging.rule[0].expiration[0].days == 30 &&
      aws_s3_bucket_lifecycle_configuration.staging.rule[0].abort_incomplete_multipart_upload[0].days_after_initiation == 1
    )
    error_message = "The lifecycle rule must expire staging data and abort stale multipart uploads."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_s3_bucket_policy.staging.policy).Statement :
      s.Effect == "Deny" && try(s.Condition.Bool["aws:SecureTransport"], "") == "false"
    ])
    error_message = "The bucket policy must deny requests without TLS."
  }

  assert {
    condition     = startswith(aws_s3_bucket.staging.bucket_prefix, "acme-staging-") && aws_s3_bucket.staging.force_destroy == false
    error_message = "The bucket name must be derived from var.name and protected from destroy by default."
  }

  # Encryption of everything else.
  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation
    error_message = "The module KMS key must rotate."
  }

  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == aws_kms_key.this[0].arn
    error_message = "The alarm topic must be encrypted with the module key."
  }

  assert {
    condition     = aws_cloudwatch_log_group.instance.kms_key_id == aws_kms_key.this[0].arn && aws_cloudwatch_log_group.instance.retention_in_days == 365
    error_message = "The instance log group must be KMS-encrypted with a retention."
  }

  # Least privilege of the instance role.
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.instance.policy).Statement :
      !contains(flatten([s.Action]), "*") && !anytrue([for a in flatten([s.Action]) : endswith(a, ":*")])
    ])
    error_message = "The instance policy must not use wildcard actions."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.instance.policy).Statement : s.Resource if s.Sid == "WriteOwnAirbyteCredentials"
    ]) == "arn:aws:ssm:us-east-1:123456789012:parameter/tapestry/acme/airbyte/*"
    error_message = "The instance may only write SSM parameters under its own path."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.instance.policy).Statement :
      alltrue([for r in flatten([s.Resource]) : startswith(r, aws_s3_bucket.staging.arn)]) if anytrue([for a in flatten([s.Action]) : startswith(a, "s3:")])
    ])
    error_message = "S3 permissions must be limited to the staging bucket."
  }

  # ALB and target group.
  assert {
    condition = (
      aws_lb_target_group.airbyte.port == 8000 &&
      aws_lb_target_group.airbyte.health_check[0].path == "/api/v1/health" &&
      aws_lb_target_group.airbyte.health_check[0].matcher == "200" &&
      aws_lb_target_group.airbyte.health_check[0].unhealthy_threshold == 10
    )
    error_message = "Health check must hit /api/v1/health on 8000, expect 200, and tolerate the slow first boot."
  }

  assert {
    condition     = aws_lb.this.idle_timeout >= 600 && aws_lb.this.drop_invalid_header_fields && aws_lb.this.internal == false
    error_message = "The ALB needs idle_timeout >= 600 s and must drop invalid headers."
  }

  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "forward" && length(aws_lb_listener.https) == 0
    error_message = "Without a certificate, HTTP forwards and there is no HTTPS listener."
  }

  # Names derived from var.name (no fixed names that collide between projects; 32-char limits).
  assert {
    condition = (
      aws_lb.this.name == "acme-airbyte" &&
      aws_lb_target_group.airbyte.name == "acme-airbyte" &&
      aws_security_group.alb.name == "acme-airbyte-alb" &&
      aws_security_group.instance.name == "acme-airbyte-instance" &&
      aws_iam_role.instance.name == "acme-airbyte-instance" &&
      aws_sns_topic.alarms.name == "acme-airbyte-alarms" &&
      aws_cloudwatch_log_group.instance.name == "/tapestry/acme/airbyte"
    )
    error_message = "Resource names must be derived from var.name."
  }

  # Tags on every taggable resource.
  assert {
    condition = alltrue(flatten([
      for t in [
        aws_kms_key.this[0].tags,
        aws_vpc.this[0].tags,
        aws_default_security_group.this[0].tags,
        aws_internet_gateway.this[0].tags,
        aws_subnet.public[0].tags,
        aws_subnet.public[1].tags,
        aws_route_table.public[0].tags,
        aws_cloudwatch_log_group.flow_logs[0].tags,
        aws_iam_role.flow_logs[0].tags,
        aws_flow_log.this[0].tags,
        aws_security_group.alb.tags,
        aws_security_group.instance.tags,
        aws_vpc_security_group_ingress_rule.instance_from_alb.tags,
        aws_vpc_security_group_egress_rule.alb_to_instance.tags,
        aws_s3_bucket.staging.tags,
        aws_iam_role.instance.tags,
        aws_iam_instance_profile.instance.tags,
        aws_cloudwatch_log_group.instance.tags,
        aws_instance.airbyte.tags,
        aws_instance.airbyte.root_block_device[0].tags,
        aws_lb.this.tags,
        aws_lb_target_group.airbyte.tags,
        aws_lb_listener.http.tags,
        aws_sns_topic.alarms.tags,
        aws_cloudwatch_metric_alarm.cpu_high.tags,
        aws_cloudwatch_metric_alarm.status_check.tags,
        aws_cloudwatch_metric_alarm.no_healthy_target.tags,
      ] : [for k, v in var.tags : lookup(t, k, null) == v]
    ]))
    error_message = "Every taggable resource must carry var.tags."
  }

  # user_data: pinned, headless abctl install; credentials to SSM.
  assert {
    condition = alltrue([
      for needle in [
        "RELEASE_TAG=\"v0.30.4\"",
        "--chart-version \"2.3.0\"",
        "--no-browser",
        "--port 8000",
        "export HOME=/root",
        "DO_NOT_TRACK=1",
        "dnf install -y docker",
        "systemctl enable --now docker",
        "airbyteUrl: \"http://acme-airbyte-123456789.us-east-1.elb.amazonaws.com\"",
        "airbyte-auth-secrets",
        "-n airbyte-abctl",
        "instance-admin-client-id",
        "instance-admin-client-secret",
        "--type SecureString",
        "/tapestry/acme/airbyte/client-id",
        "/tapestry/acme/airbyte/client-secret",
        "/var/log/tapestry-airbyte-bootstrap.log",
      ] : strcontains(base64decode(aws_instance.airbyte.user_data_base64), needle)
    ])
    error_message = "user_data must install pinned abctl/Airbyte headlessly and store the client credentials in SSM."
  }

  assert {
    condition = !anytrue([
      for needle in ["--host", "--disable-auth", "--insecure-cookies", "--low-resource-mode"] :
      strcontains(base64decode(aws_instance.airbyte.user_data_base64), needle)
    ])
    error_message = "user_data must not pass --host, --disable-auth, --insecure-cookies or --low-resource-mode."
  }

  # Alarms go to the topic.
  assert {
    condition = alltrue([
      for a in [aws_cloudwatch_metric_alarm.cpu_high, aws_cloudwatch_metric_alarm.status_check, aws_cloudwatch_metric_alarm.no_healthy_target] :
      contains(a.alarm_actions, aws_sns_topic.alarms.arn)
    ])
    error_message = "Every alarm must notify the SNS topic."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu_high.metric_name == "CPUUtilization" && aws_cloudwatch_metric_alarm.status_check.metric_name == "StatusCheckFailed"
    error_message = "There must be CPU and status-check alarms."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0
    error_message = "No e-mail subscription without alarm_email."
  }

  # Outputs the orchestrator reads.
  assert {
    condition = (
      output.airbyte_url == "http://acme-airbyte-123456789.us-east-1.elb.amazonaws.com" &&
      output.airbyte_client_id_parameter_name == "/tapestry/acme/airbyte/client-id" &&
      output.airbyte_client_secret_parameter_arn == "arn:aws:ssm:us-east-1:123456789012:parameter/tapestry/acme/airbyte/client-secret" &&
      output.airbyte_internal_url == "http://10.42.0.10:8000" &&
      output.alarm_names.cpu_high == "acme-airbyte-cpu-high"
    )
    error_message = "Outputs must expose the URL, the SSM parameter names/ARNs and the alarm names."
  }
}

################################################################################
# HTTPS with a certificate and a public hostname
################################################################################

run "https_with_certificate" {
  command = apply
  # Own state: user_data and ami are in ignore_changes, so an update of the "defaults" instance would keep them.
  state_key = "https"

  variables {
    certificate_arn         = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    airbyte_public_hostname = "airbyte.acme.example"
    alarm_email             = "data-team@acme.example"
  }

  assert {
    condition     = length(aws_lb_listener.https) == 1 && aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" && aws_lb_listener.https[0].certificate_arn == var.certificate_arn
    error_message = "With a certificate there must be an HTTPS listener with a TLS 1.2+ policy."
  }

  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "redirect" && aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS"
    error_message = "With a certificate, HTTP must redirect to HTTPS."
  }

  assert {
    condition     = toset([for r in aws_vpc_security_group_ingress_rule.alb_https : r.cidr_ipv4]) == toset(var.allowed_cidrs) && alltrue([for r in aws_vpc_security_group_ingress_rule.alb_https : r.from_port == 443])
    error_message = "HTTPS must be admitted from exactly allowed_cidrs."
  }

  assert {
    condition     = output.airbyte_url == "https://airbyte.acme.example" && strcontains(base64decode(aws_instance.airbyte.user_data_base64), "airbyteUrl: \"https://airbyte.acme.example\"")
    error_message = "Airbyte's public URL must be the HTTPS hostname."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 1 && aws_sns_topic_subscription.email[0].protocol == "email"
    error_message = "alarm_email must create an e-mail subscription."
  }
}

################################################################################
# Existing VPC and customer managed keys
################################################################################

run "existing_vpc_and_keys" {
  command   = apply
  state_key = "existing_vpc"

  variables {
    vpc_id          = "vpc-0123456789abcdef0"
    subnet_ids      = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
    kms_key_arn     = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    ssm_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-1111-2222-3333-444444444444"
    ami_id          = "ami-0fedcba9876543210"
  }

  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_subnet.public) == 0 && length(aws_flow_log.this) == 0 && length(aws_kms_key.this) == 0
    error_message = "No VPC or KMS key may be created when they are given."
  }

  assert {
    condition     = aws_lb.this.subnets == toset(var.subnet_ids) && aws_instance.airbyte.subnet_id == var.subnet_ids[0] && aws_security_group.alb.vpc_id == var.vpc_id
    error_message = "The given VPC and subnets must be used."
  }

  assert {
    condition     = aws_instance.airbyte.ami == var.ami_id
    error_message = "ami_id must override the AMI lookup."
  }

  assert {
    condition = (
      one(one(aws_s3_bucket_server_side_encryption_configuration.staging.rule).apply_server_side_encryption_by_default).kms_master_key_id == var.kms_key_arn &&
      aws_instance.airbyte.root_block_device[0].kms_key_id == var.kms_key_arn &&
      aws_sns_topic.alarms.kms_master_key_id == var.kms_key_arn
    )
    error_message = "The given KMS key must encrypt the bucket, the volume and the topic."
  }

  assert {
    condition     = strcontains(base64decode(aws_instance.airbyte.user_data_base64), "SSM_KEY_ID=\"${var.ssm_kms_key_arn}\"")
    error_message = "The credentials must be encrypted with ssm_kms_key_arn."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.instance.policy).Statement : s.Resource if s.Sid == "EncryptCredentialsWithSsmKey"
    ]) == var.ssm_kms_key_arn
    error_message = "The instance must be allowed to encrypt with ssm_kms_key_arn."
  }
}

################################################################################
# Validation and preconditions
################################################################################

run "rejects_world_open_cidr" {
  command = plan

  variables {
    allowed_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.allowed_cidrs]
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
    target = data.aws_ec2_instance_type.this
    values = {
      default_vcpus = 2
      memory_size   = 8192
    }
  }

  expect_failures = [aws_instance.airbyte]
}
