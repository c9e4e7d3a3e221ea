output "ecr_repository_url" {
  description = "Push the runner image here."
  value       = module.runner.ecr_repository_url
}

output "cluster_name" {
  description = "ECS cluster."
  value       = module.runner.cluster_name
}

output "task_definition_arn" {
  description = "Runner task definition."
  value       = module.runner.task_definition_arn
}

output "log_group_name" {
  description = "Runner logs."
  value       = module.runner.log_group_name
}

output "schedule_name" {
  description = "EventBridge Scheduler schedule."
  value       = module.runner.schedule_name
}

output "sns_topic_arn" {
  description = "Failure notifications."
  value       = module.runner.sns_topic_arn
}

output "alarm_names" {
  description = "CloudWatch alarm names."
  value       = module.runner.alarm_names
}
