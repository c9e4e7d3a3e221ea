output "airbyte_url" {
  description = "Airbyte URL (wait for <url>/api/v1/health to report available)."
  value       = module.ingestion.airbyte_url
}

output "alb_dns_name" {
  description = "DNS name of the ALB."
  value       = module.ingestion.alb_dns_name
}

output "instance_id" {
  description = "Airbyte instance id (aws ssm start-session --target <id>)."
  value       = module.ingestion.instance_id
}

output "plain_http_warning" {
  description = "What plain HTTP exposes (null with HTTPS)."
  value       = module.ingestion.plain_http_warning
}

output "data_volume_id" {
  description = "EBS volume with Airbyte's database and job logs."
  value       = module.ingestion.data_volume_id
}

output "airbyte_client_id_parameter_name" {
  description = "SSM parameter with the Airbyte API client id."
  value       = module.ingestion.airbyte_client_id_parameter_name
}

output "airbyte_client_secret_parameter_name" {
  description = "SSM parameter with the Airbyte API client secret."
  value       = module.ingestion.airbyte_client_secret_parameter_name
}

output "sns_topic_arn" {
  description = "Alarm topic."
  value       = module.ingestion.sns_topic_arn
}

output "alarm_names" {
  description = "CloudWatch alarm names."
  value       = module.ingestion.alarm_names
}
