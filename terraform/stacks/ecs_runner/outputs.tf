output "ecr_repository_url" {
  description = "ECR repository to push the runner image to."
  value       = module.runner.ecr_repository_url
}

output "image" {
  description = "Image the task definition runs."
  value       = module.runner.image
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = module.runner.cluster_name
}

output "cluster_arn" {
  description = "ECS cluster ARN."
  value       = module.runner.cluster_arn
}

output "task_definition_arn" {
  description = "Runner task definition ARN (with revision), for an on-demand RunTask (first sync)."
  value       = module.runner.task_definition_arn
}

output "container_name" {
  description = "Container name in the task definition."
  value       = module.runner.container_name
}

output "security_group_id" {
  description = "Security group of the task (for RunTask network configuration)."
  value       = module.runner.security_group_id
}

output "subnet_ids" {
  description = "Subnets of the task (for RunTask network configuration)."
  value       = module.runner.subnet_ids
}

output "assign_public_ip" {
  description = "Whether RunTask must assign a public IP."
  value       = module.runner.assign_public_ip
}

output "log_group_name" {
  description = "Runner log group (streams runner/runner/<task id>)."
  value       = module.runner.log_group_name
}

output "schedule_name" {
  description = "EventBridge Scheduler schedule."
  value       = module.runner.schedule_name
}

output "schedule_group_name" {
  description = "EventBridge Scheduler schedule group."
  value       = module.runner.schedule_group_name
}

output "sns_topic_arn" {
  description = "Failed-run notification topic."
  value       = module.runner.sns_topic_arn
}

output "failed_run_rule_name" {
  description = "EventBridge rule matching failed runs."
  value       = module.runner.failed_run_rule_name
}

output "alarm_names" {
  description = "CloudWatch alarm names: failed_runs, schedule_errors."
  value       = module.runner.alarm_names
}

output "metric_namespace" {
  description = "CloudWatch namespace for pipeline metrics."
  value       = module.runner.metric_namespace
}
