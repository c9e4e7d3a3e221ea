output "ecr_repository_url" {
  description = "URL of the ECR repository to push the runner image to (docker push <url>:<image_tag>)."
  value       = try(aws_ecr_repository.runner[0].repository_url, null)
}

output "ecr_repository_name" {
  description = "Name of the ECR repository."
  value       = try(aws_ecr_repository.runner[0].name, null)
}

output "ecr_repository_arn" {
  description = "ARN of the ECR repository."
  value       = try(aws_ecr_repository.runner[0].arn, null)
}

output "image" {
  description = "Image reference the task definition runs."
  value       = local.create ? local.image : null
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = try(aws_ecs_cluster.this[0].name, null)
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = try(aws_ecs_cluster.this[0].arn, null)
}

output "task_definition_arn" {
  description = "ARN (with revision) of the runner task definition."
  value       = try(aws_ecs_task_definition.runner[0].arn, null)
}

output "task_definition_family" {
  description = "Family of the runner task definition."
  value       = try(aws_ecs_task_definition.runner[0].family, null)
}

output "container_name" {
  description = "Name of the runner container (for RunTask overrides)."
  value       = local.create ? local.container_name : null
}

output "log_group_name" {
  description = "CloudWatch log group of the runner (stream prefix 'runner')."
  value       = try(module.foundation.log_group_names["runner"], null)
}

output "security_group_id" {
  description = "Security group of the runner task."
  value       = try(aws_security_group.runner[0].id, null)
}

output "subnet_ids" {
  description = "Subnets the task runs in (for an on-demand `aws ecs run-task`)."
  value       = var.subnet_ids
}

output "assign_public_ip" {
  description = "Whether the task gets a public IP (for an on-demand `aws ecs run-task`)."
  value       = var.assign_public_ip
}

output "execution_role_arn" {
  description = "ECS task execution role."
  value       = try(aws_iam_role.execution[0].arn, null)
}

output "task_role_arn" {
  description = "ECS task role of the runner container."
  value       = try(aws_iam_role.task[0].arn, null)
}

output "scheduler_role_arn" {
  description = "Role EventBridge Scheduler assumes to run the task."
  value       = try(aws_iam_role.scheduler[0].arn, null)
}

output "schedule_name" {
  description = "Name of the EventBridge Scheduler schedule."
  value       = try(aws_scheduler_schedule.run[0].name, null)
}

output "schedule_group_name" {
  description = "EventBridge Scheduler schedule group."
  value       = try(aws_scheduler_schedule_group.this[0].name, null)
}

output "schedule_arn" {
  description = "ARN of the schedule."
  value       = try(aws_scheduler_schedule.run[0].arn, null)
}

output "sns_topic_arn" {
  description = "SNS topic receiving failed-run notifications and alarms."
  value       = module.foundation.topic_arn
}

output "failed_run_rule_name" {
  description = "EventBridge rule matching failed runs."
  value       = try(aws_cloudwatch_event_rule.failed_run[0].name, null)
}

output "alarm_names" {
  description = "CloudWatch alarm names by purpose: failed_runs, schedule_errors."
  value       = local.create ? local.alarm_names : {}
}

output "kms_key_arn" {
  description = "KMS key encrypting the repository, log group and topic."
  value       = local.kms_key_arn
}

output "metric_namespace" {
  description = "CloudWatch namespace the task may publish metrics to."
  value       = var.metric_namespace
}
