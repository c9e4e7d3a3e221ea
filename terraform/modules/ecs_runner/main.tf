data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  create = var.create
  tags   = merge(var.tags, { "tapestry:component" = "runner" })

  kms_key_arn = module.foundation.kms_key_arn

  # Names and ARNs are built from known parts so that policies never wait on (or cycle through) their resources.
  repository_name   = "${var.name}/runner"
  repository_arn    = "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${local.repository_name}"
  cluster_name      = "${var.name}-runner"
  cluster_arn       = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:cluster/${local.cluster_name}"
  family            = "${var.name}-runner"
  container_name    = "runner"
  log_group_name    = "/tapestry/${var.name}/runner"
  log_group_arn     = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"
  failed_rule_name  = "${var.name}-runner-failed"
  failed_rule_arn   = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.failed_rule_name}"
  topic_name        = "${var.name}-runner-alarms"
  schedule_group    = var.name
  image             = var.image_uri != null ? var.image_uri : "${try(aws_ecr_repository.runner[0].repository_url, "")}:${var.image_tag}"
  home              = "/home/tapestry"
  secret_parameters = sort(distinct(values(var.secrets)))

  # With a read-only root filesystem, dbt's target/ and logs/ must live on the writable HOME volume.
  default_environment = var.readonly_root_filesystem ? {
    HOME            = local.home
    DBT_TARGET_PATH = "${local.home}/dbt/target"
    DBT_LOG_PATH    = "${local.home}/dbt/logs"
  } : {}
  environment = merge(local.default_environment, var.environment)

  alarm_names = {
    failed_runs     = "${var.name}-runner-failed-runs"
    schedule_errors = "${var.name}-runner-schedule-errors"
  }
}

################################################################################
# KMS key, failure topic and log group (shared code: ../foundation)
################################################################################

module "foundation" {
  source = "../foundation"

  create      = local.create
  name        = "${var.name}-runner"
  description = "Tapestry ${var.name}: pipeline runner (ECR, CloudWatch Logs, SNS alarms)"
  tags        = local.tags

  kms_key_arn                  = var.kms_key_arn
  kms_key_alias                = "tapestry/${var.name}/runner"
  kms_key_deletion_window_days = var.kms_key_deletion_window_days

  log_group_prefix   = "/tapestry/${var.name}"
  log_group_names    = { runner = local.log_group_name }
  log_retention_days = var.log_retention_days

  topic_name = local.topic_name
  topic_publishers = {
    # The failed-run rule and this module's alarms, nothing else.
    "events.amazonaws.com"     = [local.failed_rule_arn]
    "cloudwatch.amazonaws.com" = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name}-runner-*"]
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
  from = aws_cloudwatch_log_group.runner
  to   = module.foundation.aws_cloudwatch_log_group.this["runner"]
}

moved {
  from = aws_sns_topic.alarms
  to   = module.foundation.aws_sns_topic.this[0]
}

moved {
  from = aws_sns_topic_policy.alarms
  to   = module.foundation.aws_sns_topic_policy.this[0]
}

moved {
  from = aws_sns_topic_subscription.email
  to   = module.foundation.aws_sns_topic_subscription.email
}

################################################################################
# ECR repository for the runner image
################################################################################

resource "aws_ecr_repository" "runner" {
  count = local.create ? 1 : 0

  name                 = local.repository_name
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.ecr_force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = local.kms_key_arn
  }

  tags = local.tags
}

resource "aws_ecr_lifecycle_policy" "runner" {
  count = local.create ? 1 : 0

  repository = aws_ecr_repository.runner[0].name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after 7 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the newest ${var.ecr_max_images} images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.ecr_max_images
        }
        action = { type = "expire" }
      },
    ]
  })
}

################################################################################
# ECS cluster, log group, task definition
################################################################################

resource "aws_ecs_cluster" "this" {
  #checkov:skip=CKV_AWS_224:ECS Exec is not enabled on the runner task, so there is no exec session log to encrypt.
  count = local.create ? 1 : 0

  name = local.cluster_name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = local.tags
}

resource "aws_iam_role" "execution" {
  count = local.create ? 1 : 0

  name        = "${var.name}-runner-execution"
  description = "ECS execution role of the Tapestry ${var.name} runner: pull its image, write its logs, read its secrets"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "execution" {
  count = local.create ? 1 : 0

  name = "least-privilege"
  role = aws_iam_role.execution[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          # GetAuthorizationToken has no resource-level permissions.
          Sid      = "EcrLogin"
          Effect   = "Allow"
          Action   = "ecr:GetAuthorizationToken"
          Resource = "*"
        },
        {
          Sid      = "PullRunnerImage"
          Effect   = "Allow"
          Action   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
          Resource = local.repository_arn
        },
        {
          Sid      = "WriteRunnerLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = "${local.log_group_arn}:*"
        },
      ],
      length(local.secret_parameters) == 0 ? [] : [{
        Sid      = "ReadExactlyTheGivenSecrets"
        Effect   = "Allow"
        Action   = "ssm:GetParameters"
        Resource = local.secret_parameters
      }],
      length(var.ssm_kms_key_arns) == 0 ? [] : [{
        Sid       = "DecryptSecretsThroughSsm"
        Effect    = "Allow"
        Action    = "kms:Decrypt"
        Resource  = var.ssm_kms_key_arns
        Condition = { StringEquals = { "kms:ViaService" = "ssm.${local.region}.amazonaws.com" } }
      }],
    )
  })
}

resource "aws_iam_role" "task" {
  count = local.create ? 1 : 0

  name        = "${var.name}-runner-task"
  description = "Role of the Tapestry ${var.name} runner container (it talks to SaaS APIs with injected secrets, not AWS)"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "task" {
  count = local.create ? 1 : 0

  name = "least-privilege"
  role = aws_iam_role.task[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      # PutMetricData has no resource-level permissions; the namespace condition scopes it.
      Sid       = "PublishPipelineMetrics"
      Effect    = "Allow"
      Action    = "cloudwatch:PutMetricData"
      Resource  = "*"
      Condition = { StringEquals = { "cloudwatch:namespace" = var.metric_namespace } }
    }]
  })
}

resource "aws_ecs_task_definition" "runner" {
  count = local.create ? 1 : 0

  family                   = local.family
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution[0].arn
  task_role_arn            = aws_iam_role.task[0].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([merge(
    {
      name                   = local.container_name
      image                  = local.image
      essential              = true
      readonlyRootFilesystem = var.readonly_root_filesystem
      environment            = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
      # ECS resolves these at task start; only the parameter ARNs are in the task definition and the state.
      secrets = [for k in sort(keys(var.secrets)) : { name = k, valueFrom = var.secrets[k] }]
      mountPoints = var.readonly_root_filesystem ? [
        { sourceVolume = "home", containerPath = local.home, readOnly = false },
        { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
      ] : []
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = module.foundation.log_group_names["runner"]
          awslogs-region        = local.region
          awslogs-stream-prefix = local.container_name
        }
      }
    },
    var.command == null ? {} : { command = var.command },
  )])

  dynamic "volume" {
    for_each = var.readonly_root_filesystem ? ["home", "tmp"] : []

    content {
      name = volume.value
    }
  }

  tags = local.tags
}

################################################################################
# Network access of the task
################################################################################

resource "aws_security_group" "runner" {
  #checkov:skip=CKV2_AWS_5:Attached to the Fargate tasks through the network configuration of aws_scheduler_schedule.run.
  count = local.create ? 1 : 0

  name        = "${var.name}-runner"
  description = "Tapestry ${var.name} pipeline runner task: no ingress, HTTPS egress"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-runner" })
}

resource "aws_vpc_security_group_egress_rule" "runner_https" {
  count = local.create ? 1 : 0

  security_group_id = aws_security_group.runner[0].id
  description       = "HTTPS to AWS APIs, ECR, Snowflake and Mailchimp"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "runner_to_airbyte" {
  count = local.create && var.airbyte_security_group_id != null ? 1 : 0

  security_group_id            = aws_security_group.runner[0].id
  description                  = "Airbyte API on the ingestion instance"
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  referenced_security_group_id = var.airbyte_security_group_id

  tags = local.tags
}

# Owned here, on the Airbyte instance's group: the runner phase is deployed after ingestion.
resource "aws_vpc_security_group_ingress_rule" "airbyte_from_runner" {
  count = local.create && var.airbyte_security_group_id != null ? 1 : 0

  security_group_id            = var.airbyte_security_group_id
  description                  = "Airbyte API from the ${var.name} pipeline runner"
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  referenced_security_group_id = aws_security_group.runner[0].id

  tags = local.tags
}

################################################################################
# Schedule: EventBridge Scheduler runs the task
################################################################################

resource "aws_iam_role" "scheduler" {
  count = local.create ? 1 : 0

  name        = "${var.name}-runner-scheduler"
  description = "EventBridge Scheduler role of the Tapestry ${var.name} runner: RunTask on its task definition only"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "scheduler" {
  count = local.create ? 1 : 0

  name = "run-task"
  role = aws_iam_role.scheduler[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "RunTheRunnerTask"
        Effect    = "Allow"
        Action    = "ecs:RunTask"
        Resource  = aws_ecs_task_definition.runner[0].arn
        Condition = { ArnEquals = { "ecs:cluster" = local.cluster_arn } }
      },
      {
        Sid       = "PassTheTaskRoles"
        Effect    = "Allow"
        Action    = "iam:PassRole"
        Resource  = [aws_iam_role.execution[0].arn, aws_iam_role.task[0].arn]
        Condition = { StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" } }
      },
    ]
  })
}

resource "aws_scheduler_schedule_group" "this" {
  count = local.create ? 1 : 0

  name = local.schedule_group

  tags = local.tags
}

resource "aws_scheduler_schedule" "run" {
  #checkov:skip=CKV_AWS_297:The schedule holds no secret (task definition ARN, subnets); a CMK would need kms:Decrypt on the scheduler role, which is limited to RunTask and PassRole.
  count = local.create ? 1 : 0

  name        = "${var.name}-runner"
  group_name  = aws_scheduler_schedule_group.this[0].name
  description = "Tapestry ${var.name}: ingest, dbt build, sync (one ordered run)"

  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.schedule_timezone
  state                        = var.schedule_enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_ecs_cluster.this[0].arn
    role_arn = aws_iam_role.scheduler[0].arn

    ecs_parameters {
      task_definition_arn = aws_ecs_task_definition.runner[0].arn
      launch_type         = "FARGATE"
      platform_version    = "LATEST"
      task_count          = 1

      network_configuration {
        subnets          = var.subnet_ids
        security_groups  = concat([aws_security_group.runner[0].id], var.security_group_ids)
        assign_public_ip = var.assign_public_ip
      }
    }

    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = var.schedule_retry_attempts
    }
  }

  # The role must be able to run the task before the first invocation.
  depends_on = [aws_iam_role_policy.scheduler]
}

################################################################################
# Failure notifications
################################################################################

# A run failed: the container exited non-zero, or the task never started (image pull, secrets, capacity).
resource "aws_cloudwatch_event_rule" "failed_run" {
  count = local.create ? 1 : 0

  name        = local.failed_rule_name
  description = "Tapestry ${var.name}: a pipeline run task stopped with a failure"
  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail = {
      clusterArn = [local.cluster_arn]
      group      = ["family:${local.family}"]
      lastStatus = ["STOPPED"]
      "$or" = [
        { containers = { exitCode = [{ "anything-but" = 0 }] } },
        { stopCode = ["TaskFailedToStart"] },
      ]
    }
  })

  tags = local.tags
}

resource "aws_cloudwatch_event_target" "failed_run_sns" {
  count = local.create ? 1 : 0

  rule      = aws_cloudwatch_event_rule.failed_run[0].name
  target_id = "sns"
  arn       = module.foundation.topic_arn

  input_transformer {
    input_paths = {
      task   = "$.detail.taskArn"
      code   = "$.detail.stopCode"
      reason = "$.detail.stoppedReason"
      exit   = "$.detail.containers[0].exitCode"
    }
    input_template = "\"Tapestry ${var.name}: pipeline run <task> failed (stop code <code>, exit code <exit>): <reason>. Logs: ${local.log_group_name}\""
  }
}

# Alarm state for the dashboard; the rule above already sends the detailed notification, so no actions here.
resource "aws_cloudwatch_metric_alarm" "failed_runs" {
  count = local.create ? 1 : 0

  alarm_name          = local.alarm_names.failed_runs
  alarm_description   = "Tapestry ${var.name}: a pipeline run failed in the last hour (see ${local.log_group_name})."
  namespace           = "AWS/Events"
  metric_name         = "TriggeredRules"
  dimensions          = { RuleName = aws_cloudwatch_event_rule.failed_run[0].name }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"

  tags = local.tags
}

# RunTask calls that failed never produce a task, so the rule above cannot see them.
resource "aws_cloudwatch_metric_alarm" "schedule_errors" {
  count = local.create ? 1 : 0

  alarm_name          = local.alarm_names.schedule_errors
  alarm_description   = "Tapestry ${var.name}: EventBridge Scheduler could not start the pipeline task (RunTask failed after retries)."
  namespace           = "AWS/Scheduler"
  metric_name         = "TargetErrorCount"
  dimensions          = { ScheduleGroup = aws_scheduler_schedule_group.this[0].name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [module.foundation.topic_arn]
  ok_actions          = [module.foundation.topic_arn]

  tags = local.tags
}
