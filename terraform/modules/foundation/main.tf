data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  create_kms_key = var.create && var.kms_key_arn == null
  kms_key_arn    = var.create ? (var.kms_key_arn == null ? aws_kms_key.this[0].arn : var.kms_key_arn) : null

  # Built from known parts so the key policy never waits on (or cycles through) the topic.
  topic_arn          = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${var.topic_name}"
  log_group_arn_glob = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${var.log_group_prefix}/*"
}

################################################################################
# KMS key: one customer managed key with rotation for the log groups, the topic and whatever else the caller
# encrypts with it (EBS, ECR). Service principals are scoped to this account's resources.
################################################################################

resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  description             = var.description
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_days

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "AccountAdministersKeyThroughIam"
          Effect    = "Allow"
          Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
          Action    = "kms:*"
          Resource  = "*"
        },
        {
          # CloudWatch Logs names the log group in the encryption context of every call: only this account's
          # groups under the prefix may use the key (AWS's documented scoping for the logs principal).
          Sid       = "CloudWatchLogsEncryptsTheseLogGroups"
          Effect    = "Allow"
          Principal = { Service = "logs.${local.region}.amazonaws.com" }
          Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
          Resource  = "*"
          Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn_glob } }
        },
      ],
      [
        # Services that publish to the encrypted topic: only from this account's named sources, only for the topic.
        for service in sort(keys(var.topic_publishers)) : {
          Sid       = "PublishToTopicFrom${join("", [for part in split(".", split(".amazonaws.com", service)[0]) : title(part)])}"
          Effect    = "Allow"
          Principal = { Service = service }
          Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
          Resource  = "*"
          Condition = {
            StringEquals = {
              "aws:SourceAccount"                      = local.account_id
              "kms:EncryptionContext:aws:sns:topicArn" = local.topic_arn
            }
            ArnLike = { "aws:SourceArn" = var.topic_publishers[service] }
          }
        }
      ],
    )
  })

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  name          = "alias/${var.kms_key_alias}"
  target_key_id = aws_kms_key.this[0].key_id
}

################################################################################
# Log groups
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  for_each = var.create ? var.log_group_names : {}

  name              = each.value
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn

  tags = var.tags
}

################################################################################
# Alarm topic: encrypted, publishable only by the account and the named sources
################################################################################

resource "aws_sns_topic" "this" {
  count = var.create ? 1 : 0

  name              = var.topic_name
  kms_master_key_id = local.kms_key_arn

  tags = var.tags
}

resource "aws_sns_topic_policy" "this" {
  count = var.create ? 1 : 0

  arn = aws_sns_topic.this[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid       = "AccountManagesTopic"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"]
        Resource  = aws_sns_topic.this[0].arn
      }],
      [
        for service in sort(keys(var.topic_publishers)) : {
          Sid       = "PublishFrom${join("", [for part in split(".", split(".amazonaws.com", service)[0]) : title(part)])}"
          Effect    = "Allow"
          Principal = { Service = service }
          Action    = "sns:Publish"
          Resource  = aws_sns_topic.this[0].arn
          Condition = {
            StringEquals = { "aws:SourceAccount" = local.account_id }
            ArnLike      = { "aws:SourceArn" = var.topic_publishers[service] }
          }
        }
      ],
    )
  })
}

resource "aws_sns_topic_subscription" "email" {
  count = var.create && var.alarm_email != null ? 1 : 0

  topic_arn = aws_sns_topic.this[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}
