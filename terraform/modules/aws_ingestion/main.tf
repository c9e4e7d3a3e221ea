data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  tags = merge(var.tags, { "tapestry:component" = "ingestion" })

  create_vpc         = var.vpc_id == null
  vpc_id             = local.create_vpc ? aws_vpc.this[0].id : var.vpc_id
  alb_subnet_ids     = local.create_vpc ? aws_subnet.public[*].id : var.subnet_ids
  instance_subnet_id = var.instance_subnet_id != null ? var.instance_subnet_id : try(local.alb_subnet_ids[0], null)
  subnet_azs         = local.create_vpc ? slice(sort(data.aws_availability_zones.available[0].names), 0, 2) : []

  create_kms_key = var.kms_key_arn == null
  kms_key_arn    = local.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  https = var.certificate_arn != null

  # ARNs and names are built from known parts so policies never wait on (or cycle through) the resources.
  log_group_prefix    = "/tapestry/${var.name}"
  log_group_name      = "${local.log_group_prefix}/airbyte"
  flow_log_group_name = "${local.log_group_prefix}/vpc-flow-logs"
  log_group_arn       = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  ssm_parameter_path      = coalesce(var.ssm_parameter_path, "/tapestry/${var.name}/airbyte")
  client_id_parameter     = "${local.ssm_parameter_path}/client-id"
  client_secret_parameter = "${local.ssm_parameter_path}/client-secret"
  ssm_parameter_arn_base  = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter"

  airbyte_host = coalesce(var.airbyte_public_hostname, aws_lb.this.dns_name)
  airbyte_url  = "${local.https ? "https" : "http"}://${local.airbyte_host}"
  install_log  = "/var/log/tapestry-airbyte-bootstrap.log"

  alarm_names = {
    cpu_high          = "${var.name}-airbyte-cpu-high"
    status_check      = "${var.name}-airbyte-status-check-failed"
    no_healthy_target = "${var.name}-airbyte-no-healthy-target"
  }
}

################################################################################
# KMS: one customer managed key for the bucket, the root volume, the alarm topic and the log groups
################################################################################

resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  description             = "Tapestry ${var.name}: Airbyte ingestion (S3 staging, EBS, SNS alarms, CloudWatch Logs)"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_days

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersKeyThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsEncryptsThisProjectsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_prefix}/*"
          }
        }
      },
      {
        # CloudWatch alarms publish to the encrypted SNS topic; SNS needs the service principal allowed on the key.
        Sid       = "CloudWatchAlarmsPublishToEncryptedTopic"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  })

  tags = merge(local.tags, { Name = "${var.name}-airbyte" })
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  name          = "alias/tapestry/${var.name}/airbyte"
  target_key_id = aws_kms_key.this[0].key_id
}

################################################################################
# Network: a minimal VPC with two public subnets unless vpc_id is given
################################################################################

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first two zone names in sorted order are used, so a newly added zone cannot change the subnets.
  count = local.create_vpc ? 1 : 0

  state = "available"
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

resource "aws_cloudwatch_log_group" "flow_logs" {
  count = local.create_vpc && var.enable_flow_logs ? 1 : 0

  name              = local.flow_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn

  tags = local.tags
}

resource "aws_iam_role" "flow_logs" {
  count = local.create_vpc && var.enable_flow_logs ? 1 : 0

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
  count = local.create_vpc && var.enable_flow_logs ? 1 : 0

  name = "write-flow-log-group"
  role = aws_iam_role.flow_logs[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = "${aws_cloudwatch_log_group.flow_logs[0].arn}:*"
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
  count = local.create_vpc && var.enable_flow_logs ? 1 : 0

  vpc_id                   = aws_vpc.this[0].id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn             = aws_iam_role.flow_logs[0].arn
  max_aggregation_interval = 600

  tags = merge(local.tags, { Name = "${var.name}-airbyte" })
}

################################################################################
# Security groups: operator CIDRs -> ALB -> instance:8000. No SSH (use Session Manager).
################################################################################

resource "aws_security_group" "alb" {
  name        = "${var.name}-airbyte-alb"
  description = "Tapestry ${var.name}: Airbyte ALB, reachable only from allowed_cidrs"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-airbyte-alb" })
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  for_each = toset(var.allowed_cidrs)

  security_group_id = aws_security_group.alb.id
  description       = local.https ? "HTTP (redirected to HTTPS) from an allowed CIDR" : "HTTP from an allowed CIDR"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = local.https ? toset(var.allowed_cidrs) : toset([])

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from an allowed CIDR"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "alb_to_instance" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To Airbyte on the instance"
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  referenced_security_group_id = aws_security_group.instance.id

  tags = local.tags
}

resource "aws_security_group" "instance" {
  name        = "${var.name}-airbyte-instance"
  description = "Tapestry ${var.name}: Airbyte instance, port 8000 from its ALB only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-airbyte-instance" })
}

resource "aws_vpc_security_group_ingress_rule" "instance_from_alb" {
  security_group_id            = aws_security_group.instance.id
  description                  = "Airbyte (abctl port 8000) from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  referenced_security_group_id = aws_security_group.alb.id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "instance_internet" {
  for_each = toset([for p in var.instance_egress_ports : tostring(p)])

  security_group_id = aws_security_group.instance.id
  description       = "TCP ${each.value} to the internet (packages, images, AWS APIs, SaaS sources)"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = "0.0.0.0/0"

  tags = local.tags
}

################################################################################
# S3 staging bucket
################################################################################

resource "aws_s3_bucket" "staging" {
  #checkov:skip=CKV_AWS_18:Staging objects are transient; access is audited with CloudTrail, not a second log bucket.
  #checkov:skip=CKV_AWS_144:Staged data expires and is re-creatable from the sources; cross-region replication is not worth its cost.
  #checkov:skip=CKV2_AWS_62:Nothing consumes bucket events.

  # Prefix + random suffix: bucket names are global, so a fixed name would collide between projects and accounts.
  bucket_prefix = "${var.name}-staging-"
  force_destroy = var.bucket_force_destroy

  tags = merge(local.tags, { Name = "${var.name}-staging" })
}

resource "aws_s3_bucket_public_access_block" "staging" {
  bucket = aws_s3_bucket.staging.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "staging" {
  bucket = aws_s3_bucket.staging.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "staging" {
  bucket = aws_s3_bucket.staging.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "staging" {
  bucket = aws_s3_bucket.staging.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "staging" {
  bucket = aws_s3_bucket.staging.id

  rule {
    id     = "expire-staging-data"
    status = "Enabled"

    filter {}

    expiration {
      days = var.staging_object_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  # Versioning must exist before noncurrent-version rules are accepted.
  depends_on = [aws_s3_bucket_versioning.staging]
}

resource "aws_s3_bucket_policy" "staging" {
  bucket = aws_s3_bucket.staging.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.staging.arn, "${aws_s3_bucket.staging.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyTlsOlderThan12"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.staging.arn, "${aws_s3_bucket.staging.arn}/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
      },
    ]
  })

  # S3 rejects concurrent bucket-level configuration changes (OperationAborted).
  depends_on = [aws_s3_bucket_public_access_block.staging]
}

################################################################################
# Instance role: its bucket, its own SSM path, its log group, CloudWatch agent metrics, Session Manager
################################################################################

resource "aws_iam_role" "instance" {
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
  name = "least-privilege"
  role = aws_iam_role.instance.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "StagingBucket"
          Effect   = "Allow"
          Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
          Resource = aws_s3_bucket.staging.arn
        },
        {
          Sid      = "StagingObjects"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
          Resource = "${aws_s3_bucket.staging.arn}/*"
        },
        {
          Sid      = "UseModuleKey"
          Effect   = "Allow"
          Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
          Resource = local.kms_key_arn
        },
        {
          Sid      = "WriteOwnAirbyteCredentials"
          Effect   = "Allow"
          Action   = ["ssm:PutParameter", "ssm:GetParameter"]
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
        Sid      = "EncryptCredentialsWithSsmKey"
        Effect   = "Allow"
        Action   = ["kms:Encrypt", "kms:GenerateDataKey"]
        Resource = var.ssm_kms_key_arn
      }],
    )
  })
}

resource "aws_iam_instance_profile" "instance" {
  name = "${var.name}-airbyte-instance"
  role = aws_iam_role.instance.name

  tags = local.tags
}

resource "aws_cloudwatch_log_group" "instance" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn

  tags = local.tags
}

################################################################################
# EC2 instance running Airbyte via abctl
################################################################################

data "aws_ami" "al2023" {
  count = var.ami_id == null ? 1 : 0

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
  instance_type = var.instance_type
}

resource "aws_instance" "airbyte" {
  #checkov:skip=CKV_AWS_88:Needs outbound internet without a NAT gateway; inbound is limited to port 8000 from the ALB security group.

  ami                         = var.ami_id != null ? var.ami_id : data.aws_ami.al2023[0].id
  instance_type               = var.instance_type
  subnet_id                   = local.instance_subnet_id
  vpc_security_group_ids      = [aws_security_group.instance.id]
  iam_instance_profile        = aws_iam_instance_profile.instance.name
  associate_public_ip_address = var.associate_public_ip_address
  monitoring                  = var.detailed_monitoring
  ebs_optimized               = true

  user_data_base64 = base64encode(templatefile("${path.module}/templates/user_data.sh.tftpl", {
    name                    = var.name
    region                  = local.region
    abctl_version           = var.abctl_version
    chart_version           = var.airbyte_chart_version
    airbyte_url             = local.airbyte_url
    log_file                = local.install_log
    log_group_name          = local.log_group_name
    ssm_parameter_path      = local.ssm_parameter_path
    client_id_parameter     = local.client_id_parameter
    client_secret_parameter = local.client_secret_parameter
    ssm_kms_key_arn         = var.ssm_kms_key_arn == null ? "" : var.ssm_kms_key_arn
  }))

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = var.metadata_hop_limit
    instance_metadata_tags      = "disabled"
  }

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
    # user_data runs only at first boot and a newer AL2023 AMI must not silently replace the instance (and Airbyte's
    # state on it). Upgrade Airbyte deliberately: `terraform apply -replace=<this resource>`.
    ignore_changes = [ami, user_data_base64]

    precondition {
      condition     = data.aws_ec2_instance_type.this.default_vcpus >= 4 && data.aws_ec2_instance_type.this.memory_size >= 16384
      error_message = "instance_type ${var.instance_type} is too small for Airbyte with abctl: at least 4 vCPU and 16 GiB are required (e.g. m6i.xlarge)."
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
  #checkov:skip=CKV2_AWS_20:HTTP redirects to HTTPS whenever certificate_arn is given; without a certificate HTTP is the only listener.

  name                       = "${var.name}-airbyte"
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
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
  target_group_arn = aws_lb_target_group.airbyte.arn
  target_id        = aws_instance.airbyte.id
  port             = 8000
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:Plain HTTP only without certificate_arn (then restricted to allowed_cidrs); with one it only redirects.
  #checkov:skip=CKV_AWS_103:Not a TLS listener; the HTTPS listener uses a TLS 1.2+ policy.

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.airbyte.arn

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
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.airbyte.arn
  }

  tags = local.tags
}

################################################################################
# Alarms -> SNS
################################################################################

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-airbyte-alarms"
  kms_master_key_id = local.kms_key_arn

  tags = local.tags
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# The original ran out of CPU on a Salesforce sync (504s) and nobody was told.
resource "aws_cloudwatch_metric_alarm" "cpu_high" {
  alarm_name          = local.alarm_names.cpu_high
  alarm_description   = "Airbyte instance of ${var.name}: average CPU above ${var.cpu_alarm_threshold_percent}% for ${var.cpu_alarm_evaluation_periods * 5} minutes. Consider a larger instance_type."
  namespace           = "AWS/EC2"
  metric_name         = "CPUUtilization"
  dimensions          = { InstanceId = aws_instance.airbyte.id }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = var.cpu_alarm_evaluation_periods
  threshold           = var.cpu_alarm_threshold_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "status_check" {
  alarm_name          = local.alarm_names.status_check
  alarm_description   = "Airbyte instance of ${var.name}: EC2 instance or system status check failing."
  namespace           = "AWS/EC2"
  metric_name         = "StatusCheckFailed"
  dimensions          = { InstanceId = aws_instance.airbyte.id }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  tags = local.tags
}

# Airbyte down (or still installing: expect this once during the first ~30 minute install).
resource "aws_cloudwatch_metric_alarm" "no_healthy_target" {
  alarm_name          = local.alarm_names.no_healthy_target
  alarm_description   = "Airbyte of ${var.name}: no healthy target behind the ALB for 15 minutes (${local.airbyte_url}/api/v1/health)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  dimensions          = { LoadBalancer = aws_lb.this.arn_suffix, TargetGroup = aws_lb_target_group.airbyte.arn_suffix }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  tags = local.tags
}
