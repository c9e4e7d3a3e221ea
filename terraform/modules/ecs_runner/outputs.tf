output "ecr_repository_url" {
  description = "URL of the ECR repository to push the runner image to (docker push <url>:<image_tag>)."
  value       = aws_ecr_repository.runner.repository_url
}

output "ecr_repository_name" {
  description = "Name of the ECR repository."
  value       = aws_ecr_repository.runner.name
}

output "ecr_repository_arn" {
  description = "ARN of the ECR repository."
  value       = aws_ecr_repository.runner.arn
}

output "image" {
  description = "Image reference the task definition runs."
  value       = local.image
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "task_definition_arn" {
  description = "ARN (with revision) of the runner task definition."
  value       = aws_ecs_task_definition.runner.arn
}

output "task_definition_family" {
  description = "Family of the runner task definition."
  value       = aws_ecs_task_definition.runner.family
}

output "container_name" {
  description = "Name of the runner container (for RunTask overrides)."
  value       = local.container_name
}

output "log_group_name" {
  description = "CloudWatch log group of the runner (stream prefix 'runner')."
  value       = aws_cloudwatch_log_group.runner.name
}

output "security_group_id" {
  description = "Security group of the runner task."
  value       = aws_security_group.runner.id
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
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "ECS task role of the runner container."
  value       = aws_iam_role.task.arn
}

output "scheduler_role_arn" {
  description = "Role EventBridge Scheduler assumes to run the task."
  value       = aws_iam_role.scheduler.arn
}

output "schedule_name" {
  description = "Name of the EventBridge Scheduler schedule."
  value       = aws_scheduler_schedule.run.name
}

output "schedule_group_name" {
  description = "EventBridge Scheduler schedule group."
  value       = aws_scheduler_schedule_group.this.name
}

output "schedule_arn" {
  description = "ARN of the schedule."
  value       = aws_scheduler_schedule.run.arn
}

output "sns_topic_arn" {
  description = "SNS topic receiving failed-run notifications and alarms."
  value       = aws_sns_topic.alarms.arn
}

output "failed_run_rule_name" {
  description = "EventBridge rule matching failed runs."
  value       = aws_cloudwatch_event_rule.failed_run.name
}

output "alarm_names" {
  description = "CloudWatch alarm names by purpose: failed_runs, schedule_errors."
  value       = local.alarm_names
}

output "kms_key_arn" {
  description = "KMS key encrypting the repository, log group and topic."
  value       = local.kms_key_arn
}

output "metric_namespace" {
  description = "CloudWatch namespace the task may publish metrics to."
  value       = var.metric_namespace
}
