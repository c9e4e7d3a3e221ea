# Plan/apply-time checks of the ecs_runner module against a mocked AWS provider (no credentials, no network).
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

  mock_resource "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:us-east-1:123456789012:repository/acme/runner"
      repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/runner"
    }
  }

  mock_resource "aws_ecs_cluster" {
    defaults = {
      arn = "arn:aws:ecs:us-east-1:123456789012:cluster/acme-runner"
    }
  }

  mock_resource "aws_ecs_task_definition" {
    defaults = {
      arn                  = "arn:aws:ecs:us-east-1:123456789012:task-definition/acme-runner:1"
      arn_without_revision = "arn:aws:ecs:us-east-1:123456789012:task-definition/acme-runner"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:123456789012:log-group:/tapestry/acme/runner"
    }
  }

  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:us-east-1:123456789012:acme-runner-alarms"
    }
  }

  mock_resource "aws_cloudwatch_event_rule" {
    defaults = {
      arn = "arn:aws:events:us-east-1:123456789012:rule/acme-runner-failed"
    }
  }

  mock_resource "aws_scheduler_schedule_group" {
    defaults = {
      arn = "arn:aws:scheduler:us-east-1:123456789012:schedule-group/acme"
    }
  }

  mock_resource "aws_scheduler_schedule" {
    defaults = {
      arn = "arn:aws:scheduler:us-east-1:123456789012:schedule/acme/acme-runner"
    }
  }

  mock_resource "aws_security_group" {
    defaults = {
      id = "sg-0fedcba9876543210"
    }
  }
}

variables {
  name       = "acme"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  image_tag  = "1.2.3"
  secrets = {
    MAILCHIMP_API_KEY      = "arn:aws:ssm:us-east-1:123456789012:parameter/tapestry/acme/mailchimp-api-key"
    SNOWFLAKE_PRIVATE_KEY  = "arn:aws:ssm:us-east-1:123456789012:parameter/tapestry/acme/snowflake-private-key"
    AIRBYTE_CLIENT_SECRET  = "arn:aws:ssm:us-east-1:123456789012:parameter/tapestry/acme/airbyte/client-secret"
    AIRBYTE_CLIENT_ID      = "arn:aws:ssm:us-east-1:123456789012:parameter/tapestry/acme/airbyte/client-id"
    SNOWFLAKE_KEY_PASSCODE = "arn:aws:ssm:us-east-1:123456789012:parameter/tapestry/acme/snowflake-key-passcode"
  }
  environment = {
    TAPESTRY_TARGET   = "aws"
    SNOWFLAKE_ACCOUNT = "acme-xy12345"
  }
  tags = {
    Project = "acme"
    Owner   = "data-team"
  }
}

################################################################################
# Defaults
################################################################################

run "defaults" {
  command = apply

  # Distinct role ARNs so PassRole can be checked role by role.
  override_resource {
    target = aws_iam_role.execution[0]
    values = { arn = "arn:aws:iam::123456789012:role/acme-runner-execution" }
  }

  override_resource {
    target = aws_iam_role.task[0]
    values = { arn = "arn:aws:iam::123456789012:role/acme-runner-task" }
  }

  override_resource {
    target = aws_iam_role.scheduler[0]
    values = { arn = "arn:aws:iam::123456789012:role/acme-runner-scheduler" }
  }

  # ECR
  assert {
    condition = (
      aws_ecr_repository.runner[0].name == "acme/runner" &&
      aws_ecr_repository.runner[0].image_tag_mutability == "IMMUTABLE" &&
      aws_ecr_repository.runner[0].image_scanning_configuration[0].scan_on_push &&
      aws_ecr_repository.runner[0].encryption_configuration[0].encryption_type == "KMS" &&
      aws_ecr_repository.runner[0].encryption_configuration[0].kms_key == module.foundation.kms_key_arn &&
      aws_ecr_repository.runner[0].force_delete == false
    )
    error_message = "The repository must be immutable, scanned on push and KMS-encrypted."
  }

  assert {
    condition     = length(jsondecode(aws_ecr_lifecycle_policy.runner[0].policy).rules) == 2 && jsondecode(aws_ecr_lifecycle_policy.runner[0].policy).rules[1].selection.countNumber == 30
    error_message = "The lifecycle policy must expire untagged images and keep the newest 30."
  }

  # Cluster and logs
  assert {
    condition     = aws_ecs_cluster.this[0].name == "acme-runner" && one([for s in aws_ecs_cluster.this[0].setting : s.value if s.name == "containerInsights"]) == "enabled"
    error_message = "The cluster must have Container Insights enabled."
  }

  assert {
    condition     = output.log_group_name == "/tapestry/acme/runner" && module.foundation.log_group_names == { runner = "/tapestry/acme/runner" }
    error_message = "The log group (encrypted and retained by ../foundation) must be named after the project."
  }

  assert {
    condition     = module.foundation.kms_key_created && output.kms_key_arn == module.foundation.kms_key_arn
    error_message = "Without kms_key_arn the module creates its key (rotation: ../foundation tests)."
  }

  # Task definition
  assert {
    condition = (
      aws_ecs_task_definition.runner[0].family == "acme-runner" &&
      aws_ecs_task_definition.runner[0].requires_compatibilities == toset(["FARGATE"]) &&
      aws_ecs_task_definition.runner[0].network_mode == "awsvpc" &&
      aws_ecs_task_definition.runner[0].cpu == "1024" &&
      aws_ecs_task_definition.runner[0].memory == "2048" &&
      aws_ecs_task_definition.runner[0].execution_role_arn == aws_iam_role.execution[0].arn &&
      aws_ecs_task_definition.runner[0].task_role_arn == aws_iam_role.task[0].arn &&
      aws_iam_role.execution[0].arn != aws_iam_role.task[0].arn
    )
    error_message = "The runner must be a Fargate awsvpc task with separate execution and task roles."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.runner[0].container_definitions)[0].image == "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/runner:1.2.3"
    error_message = "The container must run <repository url>:<image_tag>."
  }

  assert {
    condition = (
      tomap({ for s in jsondecode(aws_ecs_task_definition.runner[0].container_definitions)[0].secrets : s.name => s.valueFrom }) == var.secrets
    )
    error_message = "Every secret must be injected from its SSM parameter ARN (secrets/valueFrom)."
  }

  assert {
    condition = alltrue([
      for e in jsondecode(aws_ecs_task_definition.runner[0].container_definitions)[0].environment :
      !contains(keys(var.secrets), e.name) && !anytrue([for arn in values(var.secrets) : strcontains(e.value, arn)])
    ])
    error_message = "Secrets must not appear in the plain environment."
  }

  assert {
    condition = (
      !can(jsondecode(aws_ecs_task_definition.runner[0].container_definitions)[0].command) &&
      jsondecode(aws_ecs_task_definition.runner[0].container_definitions)[0].readonlyRootFilesystem == true &&
      length(aws_ecs_task_definition.runner[0].volume) == 2
    )
    error_message = "By default the image's command (tapestry run) runs on a read-only root with writable scratch volumes."
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.runner[0].container_definitions)[0].logConfiguration.logDriver == "awslogs" &&
      jsondecode(aws_ecs_task_definition.runner[0].container_definitions)[0].logConfiguration.options["awslogs-group"] == "/tapestry/acme/runner"
    )
    error_message = "Container logs must go to the runner log group."
  }

  # Execution role: its repo, its log group, exactly the given parameters.
  assert {
    condition = toset(one([
      for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.Resource if s.Sid == "ReadExactlyTheGivenSecrets"
    ])) == toset(values(var.secrets))
    error_message = "The execution role must read exactly the given SSM parameter ARNs."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.Resource if s.Sid == "PullRunnerImage"
    ]) == aws_ecr_repository.runner[0].arn
    error_message = "The execution role may only pull from its own repository."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.Resource if s.Sid == "WriteRunnerLogs"
    ]) == "${module.foundation.log_group_arns["runner"]}:*"
    error_message = "The execution role may only write its own log group."
  }

  assert {
    condition = alltrue(flatten([
      for p in [aws_iam_role_policy.execution[0].policy, aws_iam_role_policy.task[0].policy, aws_iam_role_policy.scheduler[0].policy] : [
        for s in jsondecode(p).Statement : [for a in flatten([s.Action]) : a != "*" && !endswith(a, ":*")]
      ]
    ]))
    error_message = "No role may use wildcard actions."
  }

  assert {
    condition     = !anytrue([for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : contains(flatten([s.Action]), "kms:Decrypt")])
    error_message = "Without ssm_kms_key_arns there is nothing to decrypt with a customer key."
  }

  # Scheduler role: RunTask on this task definition, PassRole on the two task roles, nothing else.
  assert {
    condition     = toset(flatten([for s in jsondecode(aws_iam_role_policy.scheduler[0].policy).Statement : s.Action])) == toset(["ecs:RunTask", "iam:PassRole"])
    error_message = "The scheduler role may only run the task and pass its roles."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.scheduler[0].policy).Statement : s.Resource if s.Action == "ecs:RunTask"
    ]) == aws_ecs_task_definition.runner[0].arn
    error_message = "RunTask must be limited to the runner task definition."
  }

  assert {
    condition = toset(one([
      for s in jsondecode(aws_iam_role_policy.scheduler[0].policy).Statement : s.Resource if s.Action == "iam:PassRole"
    ])) == toset([aws_iam_role.execution[0].arn, aws_iam_role.task[0].arn])
    error_message = "PassRole must be limited to the execution and task roles."
  }

  # Schedule
  assert {
    condition = (
      aws_scheduler_schedule.run[0].schedule_expression == "rate(6 hours)" &&
      aws_scheduler_schedule.run[0].state == "ENABLED" &&
      aws_scheduler_schedule.run[0].target[0].arn == aws_ecs_cluster.this[0].arn &&
      aws_scheduler_schedule.run[0].target[0].role_arn == aws_iam_role.scheduler[0].arn &&
      aws_scheduler_schedule.run[0].target[0].ecs_parameters[0].task_definition_arn == aws_ecs_task_definition.runner[0].arn &&
      aws_scheduler_schedule.run[0].target[0].ecs_parameters[0].launch_type == "FARGATE" &&
      aws_scheduler_schedule.run[0].target[0].ecs_parameters[0].network_configuration[0].subnets == toset(var.subnet_ids)
    )
    error_message = "The schedule must run the runner task on Fargate in the given subnets."
  }

  # Failure notifications
  assert {
    condition = (
      jsondecode(aws_cloudwatch_event_rule.failed_run[0].event_pattern).detail.lastStatus == ["STOPPED"] &&
      jsondecode(aws_cloudwatch_event_rule.failed_run[0].event_pattern).detail.clusterArn == [aws_ecs_cluster.this[0].arn] &&
      jsondecode(aws_cloudwatch_event_rule.failed_run[0].event_pattern).detail["$or"][0].containers.exitCode == [{ "anything-but" = 0 }]
    )
    error_message = "The failed-run rule must match STOPPED tasks of this cluster with a non-zero exit code."
  }

  assert {
    condition     = aws_cloudwatch_event_target.failed_run_sns[0].arn == module.foundation.topic_arn && output.sns_topic_arn == module.foundation.topic_arn
    error_message = "Failed runs must be published to the encrypted SNS topic."
  }

  assert {
    condition = one([
      for s in jsondecode(module.foundation.topic_policy).Statement : s.Condition.ArnLike["aws:SourceArn"] if s.Sid == "PublishFromEvents"
    ]) == [aws_cloudwatch_event_rule.failed_run[0].arn]
    error_message = "Only the failed-run rule may publish through EventBridge."
  }

  assert {
    # KMS: each service principal only for this account's named sources and this topic.
    condition = alltrue([
      for s in jsondecode(module.foundation.kms_key_policy).Statement :
      s.Condition.StringEquals["aws:SourceAccount"] == "123456789012" && s.Condition.StringEquals["kms:EncryptionContext:aws:sns:topicArn"] == "arn:aws:sns:us-east-1:123456789012:acme-runner-alarms"
      if startswith(s.Sid, "PublishToTopicFrom")
    ]) && [for s in jsondecode(module.foundation.kms_key_policy).Statement : s.Condition.ArnLike["aws:SourceArn"] if s.Sid == "PublishToTopicFromEvents"] == [["arn:aws:events:us-east-1:123456789012:rule/acme-runner-failed"]] && [for s in jsondecode(module.foundation.kms_key_policy).Statement : s.Condition.ArnLike["aws:SourceArn"] if s.Sid == "PublishToTopicFromCloudwatch"] == [["arn:aws:cloudwatch:us-east-1:123456789012:alarm:acme-runner-*"]]
    error_message = "The key may serve EventBridge and CloudWatch only for the failed-run rule and this module's alarms (aws:SourceAccount, aws:SourceArn)."
  }

  assert {
    condition     = contains(aws_cloudwatch_metric_alarm.schedule_errors[0].alarm_actions, module.foundation.topic_arn) && aws_cloudwatch_metric_alarm.failed_runs[0].dimensions.RuleName == aws_cloudwatch_event_rule.failed_run[0].name
    error_message = "Alarms must watch the failed-run rule and scheduler errors."
  }

  # Network
  assert {
    condition     = aws_vpc_security_group_egress_rule.runner_https[0].from_port == 443 && length(aws_vpc_security_group_ingress_rule.airbyte_from_runner) == 0
    error_message = "The runner has HTTPS egress only and no Airbyte rule without airbyte_security_group_id."
  }

  # Tags on every taggable resource.
  assert {
    condition = alltrue(flatten([
      for t in [
        aws_ecr_repository.runner[0].tags,
        aws_ecs_cluster.this[0].tags,
        aws_iam_role.execution[0].tags,
        aws_iam_role.task[0].tags,
        aws_iam_role.scheduler[0].tags,
        aws_ecs_task_definition.runner[0].tags,
        aws_security_group.runner[0].tags,
        aws_vpc_security_group_egress_rule.runner_https[0].tags,
        aws_scheduler_schedule_group.this[0].tags,
        aws_cloudwatch_event_rule.failed_run[0].tags,
        aws_cloudwatch_metric_alarm.failed_runs[0].tags,
        aws_cloudwatch_metric_alarm.schedule_errors[0].tags,
      ] : [for k, v in var.tags : lookup(t, k, null) == v]
    ]))
    error_message = "Every taggable resource must carry var.tags."
  }

  # Names
  assert {
    condition = (
      aws_iam_role.execution[0].name == "acme-runner-execution" &&
      aws_iam_role.task[0].name == "acme-runner-task" &&
      aws_iam_role.scheduler[0].name == "acme-runner-scheduler" &&
      aws_scheduler_schedule.run[0].name == "acme-runner" &&
      aws_scheduler_schedule_group.this[0].name == "acme" &&
      aws_cloudwatch_event_rule.failed_run[0].name == "acme-runner-failed" &&
      module.foundation.topic_name == "acme-runner-alarms" &&
      output.alarm_names.failed_runs == "acme-runner-failed-runs"
    )
    error_message = "Resource names must be derived from var.name."
  }
}

################################################################################
# Airbyte access, customer SSM key, writable root, command override
################################################################################

run "airbyte_access_and_customer_key" {
  command   = apply
  state_key = "options"

  variables {
    airbyte_security_group_id = "sg-0a1b2c3d4e5f60718"
    ssm_kms_key_arns          = ["arn:aws:kms:us-east-1:123456789012:key/00000000-1111-2222-3333-444444444444"]
    readonly_root_filesystem  = false
    command                   = ["tapestry", "run", "--skip-ingest"]
    schedule_expression       = "cron(0 6 * * ? *)"
    schedule_timezone         = "Europe/Berlin"
    schedule_enabled          = false
    alarm_email               = "data-team@acme.example"
  }

  assert {
    condition = (
      length(aws_vpc_security_group_ingress_rule.airbyte_from_runner) == 1 &&
      aws_vpc_security_group_ingress_rule.airbyte_from_runner[0].security_group_id == var.airbyte_security_group_id &&
      aws_vpc_security_group_ingress_rule.airbyte_from_runner[0].referenced_security_group_id == aws_security_group.runner[0].id &&
      aws_vpc_security_group_ingress_rule.airbyte_from_runner[0].from_port == 8000 &&
      aws_vpc_security_group_egress_rule.runner_to_airbyte[0].referenced_security_group_id == var.airbyte_security_group_id
    )
    error_message = "With airbyte_security_group_id, only the runner's group may reach Airbyte on 8000."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s if s.Sid == "DecryptSecretsThroughSsm"
    ]).Condition.StringEquals["kms:ViaService"] == "ssm.us-east-1.amazonaws.com"
    error_message = "kms:Decrypt on the SSM key must be limited to use through SSM."
  }

  assert {
    condition = (
      tolist(jsondecode(aws_ecs_task_definition.runner[0].container_definitions)[0].command) == var.command &&
      jsondecode(aws_ecs_task_definition.runner[0].container_definitions)[0].readonlyRootFilesystem == false &&
      length(aws_ecs_task_definition.runner[0].volume) == 0
    )
    error_message = "command and readonly_root_filesystem must be honoured."
  }

  assert {
    condition     = aws_scheduler_schedule.run[0].state == "DISABLED" && aws_scheduler_schedule.run[0].schedule_expression_timezone == "Europe/Berlin"
    error_message = "schedule_enabled and schedule_timezone must be honoured."
  }
}

################################################################################
# Validation
################################################################################

run "rejects_free_text_schedule" {
  command = plan

  variables {
    schedule_expression = "every 6 hours"
  }

  expect_failures = [var.schedule_expression]
}

run "rejects_zero_rate" {
  command = plan

  variables {
    schedule_expression = "rate(0 hours)"
  }

  expect_failures = [var.schedule_expression]
}

run "rejects_unix_cron" {
  command = plan

  variables {
    schedule_expression = "cron(0 6 * * *)"
  }

  expect_failures = [var.schedule_expression]
}

run "rejects_weekly_rate_unit" {
  command = plan

  variables {
    schedule_expression = "rate(1 week)"
  }

  expect_failures = [var.schedule_expression]
}

run "rejects_secret_value_instead_of_arn" {
  command = plan

  variables {
    secrets = {
      MAILCHIMP_API_KEY = "0123456789abcdef-us21"
    }
  }

  expect_failures = [var.secrets]
}

run "rejects_secret_in_environment" {
  command = plan

  variables {
    environment = {
      MAILCHIMP_API_KEY = "0123456789abcdef-us21"
    }
  }

  expect_failures = [var.environment]
}

run "rejects_latest_tag" {
  command = plan

  variables {
    image_tag = "latest"
  }

  expect_failures = [var.image_tag]
}

run "rejects_bad_cpu" {
  command = plan

  variables {
    cpu = 300
  }

  expect_failures = [var.cpu]
}

run "rejects_bad_retention" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}

run "rejects_no_subnets" {
  command = plan

  variables {
    subnet_ids = []
  }

  expect_failures = [var.subnet_ids]
}

run "rejects_bad_name" {
  command = plan

  variables {
    name = "acme_data"
  }

  expect_failures = [var.name]
}

################################################################################
# Fargate task sizes: only AWS's valid cpu/memory pairs
################################################################################

run "rejects_memory_too_large_for_cpu" {
  command = plan

  variables {
    cpu    = 256
    memory = 4096
  }

  expect_failures = [var.memory]
}

run "rejects_memory_too_small_for_cpu" {
  command = plan

  variables {
    cpu    = 4096
    memory = 4096
  }

  expect_failures = [var.memory]
}

run "rejects_memory_off_the_step" {
  command = plan

  variables {
    cpu    = 8192
    memory = 18432 # 8192 CPU: 16384-61440 in steps of 4096
  }

  expect_failures = [var.memory]
}

run "accepts_the_largest_pair" {
  command = plan

  variables {
    cpu    = 16384
    memory = 122880
  }

  assert {
    condition     = aws_ecs_task_definition.runner[0].cpu == "16384" && aws_ecs_task_definition.runner[0].memory == "122880"
    error_message = "16384 CPU with 120 GiB is a valid Fargate size."
  }
}

################################################################################
# create = false: nothing at all
################################################################################

run "create_false_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition = (
      length(aws_ecr_repository.runner) == 0 && length(aws_ecs_cluster.this) == 0 &&
      length(aws_ecs_task_definition.runner) == 0 && length(aws_scheduler_schedule.run) == 0 &&
      length(aws_iam_role.execution) == 0 && length(aws_security_group.runner) == 0 &&
      length(aws_cloudwatch_metric_alarm.failed_runs) == 0 && module.foundation.kms_key_arn == null &&
      module.foundation.topic_arn == null && module.foundation.log_group_names == {}
    )
    error_message = "create = false must create no resource."
  }

  assert {
    condition     = output.cluster_name == null && output.sns_topic_arn == null && output.image == null && length(output.alarm_names) == 0
    error_message = "Outputs are null when nothing is created."
  }
}
