output "kms_key_arn" {
  description = "ARN of the KMS key (created or given); null when create is false."
  value       = local.kms_key_arn
}

output "kms_key_created" {
  description = "Whether this module created the key (false when kms_key_arn was given)."
  value       = local.create_kms_key
}

output "kms_alias_name" {
  description = "Alias of the created key, or null."
  value       = try(aws_kms_alias.this[0].name, null)
}

output "topic_arn" {
  description = "ARN of the alarm topic, or null."
  value       = try(aws_sns_topic.this[0].arn, null)
}

output "topic_name" {
  description = "Name of the alarm topic, or null."
  value       = try(aws_sns_topic.this[0].name, null)
}

output "log_group_names" {
  description = "Created log groups: key => name."
  value       = { for key, group in aws_cloudwatch_log_group.this : key => group.name }
}

output "log_group_arns" {
  description = "Created log groups: key => ARN."
  value       = { for key, group in aws_cloudwatch_log_group.this : key => group.arn }
}

output "kms_key_policy" {
  description = "Policy document (JSON) of the created key, or null (for callers' tests and reviews)."
  value       = try(aws_kms_key.this[0].policy, null)
}

output "topic_policy" {
  description = "Access policy (JSON) of the alarm topic, or null."
  value       = try(aws_sns_topic_policy.this[0].policy, null)
}
