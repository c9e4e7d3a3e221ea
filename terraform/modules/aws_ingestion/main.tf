data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  create     = var.create
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  tags = merge(var.tags, { "tapestry:component" = "ingestion" })

  create_vpc         = local.create && var.vpc_id == null
  create_flow_logs   = local.create_vpc && var.enable_flow_logs
  vpc_id             = local.create_vpc ? aws_vpc.this[0].id : var.vpc_id
  alb_subnet_ids     = local.create_vpc ? aws_subnet.public[*].id : var.subnet_ids
  instance_subnet_id = var.instance_subnet_id != null ? var.instance_subnet_id : try(local.alb_subnet_ids[0], null)
  subnet_azs         = local.create_vpc ? slice(sort(data.aws_availability_zones.available[0].names), 0, 2) : []
  # The data volume must sit in the instance's zone; known before the instance exists, so replacing the
  # instance never replaces the volume.
  instance_az = local.create_vpc && var.instance_subnet_id == null ? try(local.subnet_azs[0], null) : try(data.aws_subnet.instance[0].availability_zone, null)

  kms_key_arn = module.foundation.kms_key_arn

  https = var.certificate_arn != null
  # Only reachable when allow_plain_http is true (a validation rule refuses it otherwise).
  plain_http = !local.https

  # ARNs and names are built from known parts so policies never wait on (or cycle through) the resources.
  log_group_prefix    = "/tapestry/${var.name}"
  log_group_name      = "${local.log_group_prefix}/airbyte"
  flow_log_group_name = "${local.log_group_prefix}/vpc-flow-logs"
  log_group_arn       = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  ssm_parameter_path      = coalesce(var.ssm_parameter_path, "/tapestry/${var.name}/airbyte")
  client_id_parameter     = "${local.ssm_parameter_path}/client-id"
  client_secret_parameter = "${local.ssm_parameter_path}/client-secret"
  ssm_parameter_arn_base  = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter"

  airbyte_host = coalesce(var.airbyte_public_hostname, try(aws_lb.this[0].dns_name, "airbyte.invalid"))
  airbyte_url  = "${local.https ? "https" : "http"}://${local.airbyte_host}"
  install_log  = "/var/log/tapestry-airbyte-bootstrap.log"

  # abctl keeps Airbyte's database and job logs in $HOME/.airbyte/abctl/data (HOME=/root in user_data): the
  # data volume is mounted there, so a replaced instance picks up where the old one stopped.
  data_mount        = "/root/.airbyte"
  data_volume_label = "${var.name}-airbyte-data"
  abctl_asset       = "abctl-${var.abctl_version}-linux-amd64"

  plain_http_warning = local.plain_http ? "PLAIN HTTP: Airbyte at ${local.airbyte_url} has no TLS. The orchestrator sends Airbyte's admin client secret and the Snowflake loader's private key over it, readable by anyone on the path between allowed_cidrs and the ALB; the UI login cookie is not Secure (abctl --insecure-cookies). Give certificate_arn and airbyte_public_hostname to fix this." : null

  alarm_names = {
    cpu_high          = "${var.name}-airbyte-cpu-high"
    status_check      = "${var.name}-airbyte-status-check-failed"
    no_healthy_target = "${var.name}-airbyte-no-healthy-target"
    disk_root         = "${var.name}-airbyte-disk-root"
    disk_data         = "${var.name}-airbyte-disk-data"
  }
  # Filesystems the disk alarms watch (what the CloudWatch agent reports as disk_used_percent per path).
  disk_paths = {
    disk_root = "/"
    disk_data = local.data_mount
  }
}

################################################################################
# KMS key, alarm topic and log groups (shared code: ../foundation)
################################################################################

module "foundation" {
  source = "../foundation"

  create      = local.create
  name        = "${var.name}-airbyte"
  description = "Tapestry ${var.name}: Airbyte ingestion (EBS, SNS alarms, CloudWatch Logs)"
  tags        = local.tags

  kms_key_arn                  = var.kms_key_arn
  kms_key_alias                = "tapestry/${var.name}/airbyte"
  kms_key_deletion_window_days = var.kms_key_deletion_window_days

  log_group_prefix = local.log_group_prefix
  log_group_names = merge(
    { airbyte = local.log_group_name },
    local.create_flow_logs ? { flow_logs = local.flow_log_group_name } : {},
  )
  log_retention_days = var.log_retention_days

  topic_name = "${var.name}-airbyte-alarms"
  topic_publishers = {
    "cloudwatch.amazonaws.com" = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name}-airbyte-*"]
  }
  alarm_email = var.alarm_email
}

# Module 1.x kept these here; 2.0 moved them into ../foundation without recreating them.
moved {
  from = aws_kms_key.this
  to   = module.foundation.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.foundation.aws_kms_alias.this
}

moved {
  from = aws_sns_topic.alarms
  to   = module.foundation.aws_sns_topic.this[0]
}

moved {
  from = aws_sns_topic_subscription.email
  to   = module.foundation.aws_sns_topic_subscription.email
}

moved {
  from = aws_cloudwatch_log_group.instance
  to   = module.foundation.aws_cloudwatch_log_group.this["airbyte"]
}

moved {
  from = aws_cloudwatch_log_group.flow_logs[0]
  to   = module.foundation.aws_cloudwatch_log_group.this["flow_logs"]
}

################################################################################
# The S3 staging bucket of 1.x is gone: destination-snowflake 2.0 loads through Snowflake's internal stages and
# nothing used it. Terraform forgets it instead of deleting it, so objects a 1.x install left behind stay yours
# (empty and delete the bucket yourself; the README says how).
################################################################################

removed {
  from = aws_s3_bucket.staging
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_s3_bucket_public_access_block.staging
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_s3_bucket_ownership_controls.staging
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_s3_bucket_versioning.staging
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_s3_bucket_server_side_encryption_configuration.staging
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_s3_bucket_lifecycle_configuration.staging
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_s3_bucket_policy.staging
  lifecycle {
    destroy = false
  }
}

################################################################################
# Network: a minimal VPC with two public subnets unless vpc_id is given
################################################################################

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first two zone names in sorted order are used, so a newly added zone cannot change the subnets.
  count = local.create_vpc ? 1 : 0

  state = "available"
}

# Zone of a given instance subnet (for the data volume).
data "aws_subnet" "instance" {
  count = local.create && !(local.create_vpc && var.instance_subnet_id == null) ? 1 : 0

  id = local.instance_subnet_id
}

resource "aws_vpc" "this" {
  count = local.create_vpc ? 1 : 0

  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(local.tags, { Name = "${var.name}-airbyte" })
}

# Adopt the default security group and strip its rules so nothing can use it by accident.
resource "aws_default_security_group" "this" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-airbyte-default-unused" })
}

resource "aws_internet_gateway" "this" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-airbyte" })
}

resource "aws_subnet" "public" {
  count = local.create_vpc ? 2 : 0

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index)
  availability_zone = local.subnet_azs[count.index]
  # No map_public_ip_on_launch: only the Airbyte instance gets a public address, explicitly.

  tags = merge(local.tags, { Name = "${var.name}-airbyte-public-${local.subnet_azs[count.index]}" })
}

resource "aws_route_table" "public" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-airbyte-public" })
}

resource "aws_route" "public_internet" {
  count = local.create_vpc ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = local.create_vpc ? 2 : 0

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_iam_role" "flow_logs" {
  count = local.create_flow_logs ? 1 : 0

  name        = "${var.name}-airbyte-vpc-flow-logs"
  description = "VPC flow logs of the Tapestry ${var.name} Airbyte VPC"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "flow_logs" {
  count = local.create_flow_logs ? 1 : 0

  name = "write-flow-log-group"
  role = aws_iam_role.flow_logs[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = "${module.foundation.log_group_arns["flow_logs"]}:*"
      },
      {
        # The delivery service looks the group up before writing (AWS's documented flow log policy).
        Effect   = "Allow"
        Action   = "logs:DescribeLogGroups"
        Resource = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"
      },
    ]
  })
}

resource "aws_flow_log" "this" {
  count = local.create_flow_logs ? 1 : 0

  vpc_id                   = aws_vpc.this[0].id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = module.foundation.log_group_arns["flow_logs"]
  iam_role_arn             = aws_iam_role.flow_logs[0].arn
  max_aggregation_interval = 600

  tags = merge(local.tags, { Name = "${var.name}-airbyte" })
}

################################################################################
# Security groups: operator CIDRs -> ALB -> instance:8000. No SSH (use Session Manager).
################################################################################

resource "aws_security_group" "alb" {
  count = local.create ? 1 : 0

  name        = "${var.name}-airbyte-alb"
  description = "Tapestry ${var.name}: Airbyte ALB, reachable only from allowed_cidrs"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-airbyte-alb" })
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  for_each = local.create ? toset(var.allowed_cidrs) : toset([])

  security_group_id = aws_security_group.alb[0].id
  description       = local.https ? "HTTP (redirected to HTTPS) from an allowed CIDR" : "HTTP (allow_plain_http) from an allowed CIDR"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = local.create && local.https ? toset(var.allowed_cidrs) : toset([])

  security_group_id = aws_security_group.alb[0].id
  description       = "HTTPS from an allowed CIDR"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "alb_to_instance" {
  count = local.create ? 1 : 0

  security_group_id            = aws_security_group.alb[0].id
  description                  = "To Airbyte on the instance"
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  referenced_security_group_id = aws_security_group.instance[0].id

  tags = local.tags
}

resource "aws_security_group" "instance" {
  count = local.create ? 1 : 0

  name        = "${var.name}-airbyte-instance"
  description = "Tapestry ${var.name}: Airbyte instance, port 8000 from its ALB only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-airbyte-instance" })
}

resource "aws_vpc_security_group_ingress_rule" "instance_from_alb" {
  count = local.create ? 1 : 0

  security_group_id            = aws_security_group.instance[0].id
  description                  = "Airbyte (abctl port 8000) from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  referenced_security_group_id = aws_security_group.alb[0].id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "instance_internet" {
  for_each = local.create ? toset([for p in var.instance_egress_ports : tostring(p)]) : toset([])

  security_group_id = aws_security_group.instance[0].id
  description       = "TCP ${each.value} to the internet (packages, images, AWS APIs, SaaS sources)"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = "0.0.0.0/0"

  tags = local.tags
}

################################################################################
# Instance role: its own SSM path (write only), its log group, CloudWatch agent metrics, Session Manager.
# IMDS answers only the host (hop limit 1), so connector pods inside abctl's kind cluster never get this role.
################################################################################

resource "aws_iam_role" "instance" {
  count = local.create ? 1 : 0

  name        = "${var.name}-airbyte-instance"
  description = "Airbyte instance of Tapestry ${var.name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "instance" {
  count = local.create ? 1 : 0

  name = "least-privilege"
  role = aws_iam_role.instance[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          # user_data writes the client credentials once installed; nothing on the host reads them back.
          Sid      = "WriteOwnAirbyteCredentials"
          Effect   = "Allow"
          Action   = "ssm:PutParameter"
          Resource = "${local.ssm_parameter_arn_base}${local.ssm_parameter_path}/*"
        },
        {
          Sid      = "CloudWatchAgentLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
          Resource = "${local.log_group_arn}:*"
        },
        {
          Sid       = "CloudWatchAgentMetrics"
          Effect    = "Allow"
          Action    = "cloudwatch:PutMetricData"
          Resource  = "*"
          Condition = { StringEquals = { "cloudwatch:namespace" = "CWAgent" } }
        },
        {
          # Session Manager replaces SSH (AmazonSSMManagedInstanceCore is not used: it grants ssm:GetParameter on *).
          Sid    = "SessionManager"
          Effect = "Allow"
          Action = [
            "ssm:UpdateInstanceInformation",
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
          ]
          Resource = "*"
        },
      ],
      var.ssm_kms_key_arn == null ? [] : [{
        Sid       = "EncryptCredentialsWithSsmKey"
        Effect    = "Allow"
        Action    = ["kms:Encrypt", "kms:GenerateDataKey"]
        Resource  = var.ssm_kms_key_arn
        Condition = { StringEquals = { "kms:ViaService" = "ssm.${local.region}.amazonaws.com" } }
      }],
    )
  })
}

resource "aws_iam_instance_profile" "instance" {
  count = local.create ? 1 : 0

  name = "${var.name}-airbyte-instance"
  role = aws_iam_role.instance[0].name

  tags = local.tags
}

################################################################################
# Airbyte's data: its own encrypted volume (survives instance replacement), snapshotted daily by DLM
################################################################################

resource "aws_ebs_volume" "data" {
  count = local.create ? 1 : 0

  availability_zone = local.instance_az
  type              = "gp3"
  size              = var.data_volume_size_gb
  encrypted         = true
  kms_key_id        = local.kms_key_arn
  # One last snapshot when Terraform deletes the volume (kept until you delete it).
  final_snapshot = var.data_volume_final_snapshot

  tags = merge(local.tags, {
    Name                = local.data_volume_label
    "tapestry:snapshot" = local.data_volume_label
  })
}

resource "aws_volume_attachment" "data" {
  count = local.create ? 1 : 0

  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data[0].id
  instance_id = aws_instance.airbyte[0].id
  # Stop the instance before detaching (replacement, destroy) so Airbyte's database is shut down cleanly.
  stop_instance_before_detaching = true
}

resource "aws_iam_role" "snapshots" {
  count = local.create && var.enable_data_volume_snapshots ? 1 : 0

  name        = "${var.name}-airbyte-snapshots"
  description = "Data Lifecycle Manager: snapshots of the Tapestry ${var.name} Airbyte data volume"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "dlm.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "snapshots" {
  count = local.create && var.enable_data_volume_snapshots ? 1 : 0

  role       = aws_iam_role.snapshots[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole"
}

resource "aws_dlm_lifecycle_policy" "data" {
  count = local.create && var.enable_data_volume_snapshots ? 1 : 0

  description        = "Tapestry ${var.name} daily snapshots of the Airbyte data volume"
  execution_role_arn = aws_iam_role.snapshots[0].arn
  state              = "ENABLED"

  policy_details {
    resource_types = ["VOLUME"]
    target_tags    = { "tapestry:snapshot" = local.data_volume_label }

    schedule {
      name      = "daily"
      copy_tags = true

      create_rule {
        interval      = 24
        interval_unit = "HOURS"
        times         = [var.snapshot_time_utc]
      }

      retain_rule {
        count = var.snapshot_retention_count
      }

      tags_to_add = { "tapestry:snapshot-of" = local.data_volume_label }
    }
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy_attachment.snapshots]
}

################################################################################
# EC2 instance running Airbyte via abctl
################################################################################

data "aws_ami" "al2023" {
  count = local.create && var.ami_id == null ? 1 : 0

  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-2023.*-x86_64"]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

data "aws_ec2_instance_type" "this" {
  count = local.create ? 1 : 0

  instance_type = var.instance_type
}

resource "aws_instance" "airbyte" {
  #checkov:skip=CKV_AWS_88:Needs outbound internet without a NAT gateway; inbound is limited to port 8000 from the ALB security group.
  count = local.create ? 1 : 0

  ami                         = var.ami_id != null ? var.ami_id : data.aws_ami.al2023[0].id
  instance_type               = var.instance_type
  subnet_id                   = local.instance_subnet_id
  vpc_security_group_ids      = [aws_security_group.instance[0].id]
  iam_instance_profile        = aws_iam_instance_profile.instance[0].name
  associate_public_ip_address = var.associate_public_ip_address
  monitoring                  = var.detailed_monitoring
  ebs_optimized               = true

  user_data_base64 = base64encode(templatefile("${path.module}/templates/user_data.sh.tftpl", {
    name                    = var.name
    region                  = local.region
    abctl_version           = var.abctl_version
    abctl_asset             = local.abctl_asset
    abctl_sha256            = lower(var.abctl_sha256)
    chart_version           = var.airbyte_chart_version
    airbyte_url             = local.airbyte_url
    insecure_cookies        = local.plain_http
    log_file                = local.install_log
    log_group_name          = local.log_group_name
    data_volume_id          = aws_ebs_volume.data[0].id
    data_mount              = local.data_mount
    job_log_retention_days  = var.airbyte_log_retention_days
    ssm_parameter_path      = local.ssm_parameter_path
    client_id_parameter     = local.client_id_parameter
    client_secret_parameter = local.client_secret_parameter
    ssm_kms_key_arn         = var.ssm_kms_key_arn == null ? "" : var.ssm_kms_key_arn
  }))

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
    # 1: only processes on the host get IMDS answers. Pods in abctl's kind cluster sit behind more network hops,
    # so connectors (which run arbitrary third-party code) can never obtain the instance role's credentials.
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  # The root volume holds the OS, Docker and container images only: all re-creatable. Airbyte's data is on
  # aws_ebs_volume.data.
  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.root_volume_size_gb
    encrypted             = true
    kms_key_id            = local.kms_key_arn
    delete_on_termination = true

    tags = merge(local.tags, { Name = "${var.name}-airbyte-root" })
  }

  tags = merge(local.tags, { Name = "${var.name}-airbyte" })

  lifecycle {
    # user_data runs only at first boot and a newer AL2023 AMI must not silently replace the instance. Upgrade
    # deliberately: `terraform apply -replace=<this resource>`; the data volume moves to the new instance.
    ignore_changes = [ami, user_data_base64]

    precondition {
      condition     = data.aws_ec2_instance_type.this[0].default_vcpus >= 4 && data.aws_ec2_instance_type.this[0].memory_size >= 16384
      error_message = "instance_type ${var.instance_type} is too small for Airbyte with abctl: at least 4 vCPU and 16 GiB are required (e.g. m6i.xlarge)."
    }

    precondition {
      condition     = contains(data.aws_ec2_instance_type.this[0].supported_architectures, "x86_64")
      error_message = "instance_type ${var.instance_type} is not x86_64 (Graviton?): the module installs the x86_64 AMI and abctl build. Use e.g. m6i.xlarge."
    }
  }
}

################################################################################
# Application load balancer
################################################################################

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:Access logs need an SSE-S3 bucket with the ELB delivery policy; enable them with alb_access_logs_bucket.
  #checkov:skip=CKV_AWS_150:Deletion protection is var.enable_deletion_protection (default true); examples turn it off so they can be destroyed.
  #checkov:skip=CKV2_AWS_28:The ALB only admits allowed_cidrs and Airbyte requires authentication; WAF is optional extra cost.
  #checkov:skip=CKV2_AWS_20:HTTP redirects to HTTPS whenever certificate_arn is given; plain HTTP needs allow_plain_http = true, which the plan warns about.
  count = local.create ? 1 : 0

  name                       = "${var.name}-airbyte"
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb[0].id]
  subnets                    = local.alb_subnet_ids
  idle_timeout               = var.idle_timeout_seconds
  drop_invalid_header_fields = true
  enable_deletion_protection = var.enable_deletion_protection

  dynamic "access_logs" {
    for_each = var.alb_access_logs_bucket == null ? [] : [var.alb_access_logs_bucket]

    content {
      bucket  = access_logs.value
      prefix  = "${var.name}-airbyte"
      enabled = true
    }
  }

  tags = merge(local.tags, { Name = "${var.name}-airbyte" })

  lifecycle {
    precondition {
      condition     = local.create_vpc || length(var.subnet_ids) >= 2
      error_message = "When vpc_id is given, subnet_ids must list at least two subnets of that VPC for the ALB."
    }
  }
}

resource "aws_lb_target_group" "airbyte" {
  #checkov:skip=CKV_AWS_378:TLS terminates at the ALB; abctl's ingress listens on plain HTTP inside the VPC.
  count = local.create ? 1 : 0

  name                 = "${var.name}-airbyte"
  port                 = 8000
  protocol             = "HTTP"
  target_type          = "instance"
  vpc_id               = local.vpc_id
  deregistration_delay = 30

  health_check {
    enabled             = true
    path                = "/api/v1/health"
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 30
    timeout             = 10
    healthy_threshold   = 2
    unhealthy_threshold = var.health_check_unhealthy_threshold
  }

  tags = merge(local.tags, { Name = "${var.name}-airbyte" })
}

resource "aws_lb_target_group_attachment" "airbyte" {
  count = local.create ? 1 : 0

  target_group_arn = aws_lb_target_group.airbyte[0].arn
  target_id        = aws_instance.airbyte[0].id
  port             = 8000
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:With certificate_arn (the default requirement) this listener only redirects to HTTPS; forwarding plain HTTP needs allow_plain_http = true.
  #checkov:skip=CKV_AWS_103:Not a TLS listener; the HTTPS listener uses a TLS 1.2+ policy.
  count = local.create ? 1 : 0

  load_balancer_arn = aws_lb.this[0].arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.airbyte[0].arn

    dynamic "redirect" {
      for_each = local.https ? [1] : []

      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }

  tags = local.tags
}

resource "aws_lb_listener" "https" {
  count = local.create && local.https ? 1 : 0

  load_balancer_arn = aws_lb.this[0].arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.airbyte[0].arn
  }

  tags = local.tags
}

# Loud in every plan: a warning, not an error, because allow_plain_http = true is a deliberate choice.
check "plain_http" {
  assert {
    condition     = !local.create || local.https
    error_message = coalesce(local.plain_http_warning, "-")
  }
}

################################################################################
# Alarms -> SNS
################################################################################

# The original ran out of CPU on a Salesforce sync (504s) and nobody was told.
resource "aws_cloudwatch_metric_alarm" "cpu_high" {
  count = local.create ? 1 : 0

  alarm_name          = local.alarm_names.cpu_high
  alarm_description   = "Airbyte instance of ${var.name}: average CPU above ${var.cpu_alarm_threshold_percent}% for ${var.cpu_alarm_evaluation_periods * 5} minutes. Consider a larger instance_type."
  namespace           = "AWS/EC2"
  metric_name         = "CPUUtilization"
  dimensions          = { InstanceId = aws_instance.airbyte[0].id }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = var.cpu_alarm_evaluation_periods
  threshold           = var.cpu_alarm_threshold_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [module.foundation.topic_arn]
  ok_actions          = [module.foundation.topic_arn]

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "status_check" {
  count = local.create ? 1 : 0

  alarm_name          = local.alarm_names.status_check
  alarm_description   = "Airbyte instance of ${var.name}: EC2 instance or system status check failing."
  namespace           = "AWS/EC2"
  metric_name         = "StatusCheckFailed"
  dimensions          = { InstanceId = aws_instance.airbyte[0].id }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [module.foundation.topic_arn]
  ok_actions          = [module.foundation.topic_arn]

  tags = local.tags
}

# Airbyte down (or still installing: expect this once during the first ~30 minute install).
resource "aws_cloudwatch_metric_alarm" "no_healthy_target" {
  count = local.create ? 1 : 0

  alarm_name          = local.alarm_names.no_healthy_target
  alarm_description   = "Airbyte of ${var.name}: no healthy target behind the ALB for 15 minutes (${local.airbyte_url}/api/v1/health)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  dimensions          = { LoadBalancer = aws_lb.this[0].arn_suffix, TargetGroup = aws_lb_target_group.airbyte[0].arn_suffix }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [module.foundation.topic_arn]
  ok_actions          = [module.foundation.topic_arn]

  tags = local.tags
}

# Full disks are the most common way Airbyte on EC2 dies (job logs, database, images). The CloudWatch agent
# reports disk_used_percent per mount path (aggregated over InstanceId + path in user_data's agent config).
resource "aws_cloudwatch_metric_alarm" "disk" {
  for_each = local.create ? local.disk_paths : {}

  alarm_name          = local.alarm_names[each.key]
  alarm_description   = "Airbyte instance of ${var.name}: ${each.value} is more than ${var.disk_alarm_threshold_percent}% full. Grow the volume (${each.key == "disk_data" ? "data_volume_size_gb" : "root_volume_size_gb"}) or lower airbyte_log_retention_days."
  namespace           = "CWAgent"
  metric_name         = "disk_used_percent"
  dimensions          = { InstanceId = aws_instance.airbyte[0].id, path = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  threshold           = var.disk_alarm_threshold_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [module.foundation.topic_arn]
  ok_actions          = [module.foundation.topic_arn]

  tags = local.tags
}
