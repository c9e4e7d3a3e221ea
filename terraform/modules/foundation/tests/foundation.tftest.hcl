# Mock-provider checks of the shared KMS key / alarm topic / log groups module (no credentials, no network).
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
}

variables {
  name          = "acme-airbyte"
  description   = "Tapestry acme: test"
  kms_key_alias = "tapestry/acme/airbyte"
  tags = {
    Project = "acme"
  }
  log_group_prefix = "/tapestry/acme"
  log_group_names = {
    airbyte = "/tapestry/acme/airbyte"
    flow    = "/tapestry/acme/vpc-flow-logs"
  }
  topic_name = "acme-airbyte-alarms"
  topic_publishers = {
    "cloudwatch.amazonaws.com" = ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:acme-airbyte-*"]
  }
  alarm_email = "ops@acme.example"
}

run "key_topic_and_log_groups" {
  command = apply

  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation && aws_kms_key.this[0].deletion_window_in_days == 30 && aws_kms_alias.this[0].name == "alias/tapestry/acme/airbyte"
    error_message = "The created key must rotate and carry the alias."
  }

  assert {
    condition     = alltrue([for group in aws_cloudwatch_log_group.this : group.kms_key_id == aws_kms_key.this[0].arn && group.retention_in_days == 365]) && toset(keys(aws_cloudwatch_log_group.this)) == toset(["airbyte", "flow"])
    error_message = "Every log group must be KMS-encrypted with the key and retained."
  }

  assert {
    condition     = aws_sns_topic.this[0].kms_master_key_id == aws_kms_key.this[0].arn && aws_sns_topic_subscription.email[0].endpoint == "ops@acme.example"
    error_message = "The topic must be encrypted with the key and have the e-mail subscription."
  }

  # Confused-deputy guards: logs only for this account's groups under the prefix; publishers only from their
  # sources in this account and only for this topic.
  assert {
    condition = one([
      for s in jsondecode(aws_kms_key.this[0].policy).Statement : s.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"] if s.Sid == "CloudWatchLogsEncryptsTheseLogGroups"
    ]) == "arn:aws:logs:us-east-1:123456789012:log-group:/tapestry/acme/*"
    error_message = "CloudWatch Logs may use the key only for this account's log groups under the prefix."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_kms_key.this[0].policy).Statement : s if s.Sid == "PublishToTopicFromCloudwatch"
      ]) == {
      Sid       = "PublishToTopicFromCloudwatch"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      Resource  = "*"
      Condition = {
        StringEquals = {
          "aws:SourceAccount"                      = "123456789012"
          "kms:EncryptionContext:aws:sns:topicArn" = "arn:aws:sns:us-east-1:123456789012:acme-airbyte-alarms"
        }
        ArnLike = { "aws:SourceArn" = ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:acme-airbyte-*"] }
      }
    }
    error_message = "The alarm service may use the key only for its alarms in this account and only for this topic."
  }

  assert {
    # Every service principal in the key policy carries a source condition.
    condition = alltrue([
      for s in jsondecode(aws_kms_key.this[0].policy).Statement :
      can(s.Condition.StringEquals["aws:SourceAccount"]) || can(s.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"])
      if can(s.Principal.Service)
    ])
    error_message = "No service principal may use the key without a source or encryption-context condition."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_sns_topic_policy.this[0].policy).Statement : s.Condition if s.Sid == "PublishFromCloudwatch"
      ]) == {
      StringEquals = { "aws:SourceAccount" = "123456789012" }
      ArnLike      = { "aws:SourceArn" = ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:acme-airbyte-*"] }
    }
    error_message = "Only this account's alarms may publish to the topic."
  }

  assert {
    condition = alltrue(flatten([
      for t in [aws_kms_key.this[0].tags, aws_sns_topic.this[0].tags, aws_cloudwatch_log_group.this["airbyte"].tags] :
      [for k, v in var.tags : lookup(t, k, null) == v]
    ]))
    error_message = "Every taggable resource must carry var.tags."
  }
}

run "given_key_is_used_not_created" {
  command = apply

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    alarm_email = null
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && length(aws_kms_alias.this) == 0 && output.kms_key_arn == var.kms_key_arn && !output.kms_key_created
    error_message = "A given key must be used, not a new one created."
  }

  assert {
    condition     = aws_sns_topic.this[0].kms_master_key_id == var.kms_key_arn && aws_cloudwatch_log_group.this["airbyte"].kms_key_id == var.kms_key_arn && length(aws_sns_topic_subscription.email) == 0
    error_message = "The given key must encrypt the topic and log groups."
  }
}

run "create_false_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_kms_key.this) + length(aws_sns_topic.this) + length(aws_cloudwatch_log_group.this) + length(aws_sns_topic_subscription.email) == 0 && output.topic_arn == null && output.kms_key_arn == null
    error_message = "create = false must create nothing."
  }
}

run "rejects_log_group_outside_the_prefix" {
  command = plan

  variables {
    log_group_names = { other = "/elsewhere/app" }
  }

  expect_failures = [var.log_group_names]
}

run "rejects_publisher_without_source" {
  command = plan

  variables {
    topic_publishers = { "events.amazonaws.com" = [] }
  }

  expect_failures = [var.topic_publishers]
}
