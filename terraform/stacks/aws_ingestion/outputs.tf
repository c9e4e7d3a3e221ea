output "airbyte_url" {
  description = "Public Airbyte URL; poll <url>/api/v1/health before using the API."
  value       = module.ingestion.airbyte_url
}

output "airbyte_api_url" {
  description = "Base URL of the Airbyte public API."
  value       = module.ingestion.airbyte_api_url
}

output "airbyte_internal_url" {
  description = "Airbyte on the instance's private IP (for the ECS runner)."
  value       = module.ingestion.airbyte_internal_url
}

output "alb_dns_name" {
  description = "DNS name of the ALB."
  value       = module.ingestion.alb_dns_name
}

output "instance_id" {
  description = "Airbyte EC2 instance id."
  value       = module.ingestion.instance_id
}

output "instance_security_group_id" {
  description = "Security group of the Airbyte instance (input airbyte_security_group_id of the ecs_runner stack)."
  value       = module.ingestion.instance_security_group_id
}

output "vpc_id" {
  description = "VPC of the stack (input vpc_id of the ecs_runner stack)."
  value       = module.ingestion.vpc_id
}

output "subnet_ids" {
  description = "Public subnets (input subnet_ids of the ecs_runner stack)."
  value       = module.ingestion.subnet_ids
}

output "plain_http" {
  description = "True when Airbyte is served without TLS (allow_plain_http)."
  value       = module.ingestion.plain_http
}

output "plain_http_warning" {
  description = "What plain HTTP exposes, or null with HTTPS."
  value       = module.ingestion.plain_http_warning
}

output "data_volume_id" {
  description = "EBS volume with Airbyte's database and job logs (survives instance replacement)."
  value       = module.ingestion.data_volume_id
}

output "snapshot_policy_id" {
  description = "DLM policy snapshotting the data volume daily (null when off)."
  value       = module.ingestion.snapshot_policy_id
}

output "kms_key_arn" {
  description = "KMS key of the stack."
  value       = module.ingestion.kms_key_arn
}

output "ssm_parameter_path" {
  description = "SSM path of the Airbyte client credentials."
  value       = module.ingestion.ssm_parameter_path
}

output "airbyte_client_id_parameter_name" {
  description = "SSM SecureString with the Airbyte client id (written by the instance once installed)."
  value       = module.ingestion.airbyte_client_id_parameter_name
}

output "airbyte_client_secret_parameter_name" {
  description = "SSM SecureString with the Airbyte client secret (written by the instance once installed)."
  value       = module.ingestion.airbyte_client_secret_parameter_name
}

output "airbyte_client_id_parameter_arn" {
  description = "ARN of the client id parameter (for the runner's secrets)."
  value       = module.ingestion.airbyte_client_id_parameter_arn
}

output "airbyte_client_secret_parameter_arn" {
  description = "ARN of the client secret parameter (for the runner's secrets)."
  value       = module.ingestion.airbyte_client_secret_parameter_arn
}

output "log_group_name" {
  description = "Log group of the instance bootstrap log."
  value       = module.ingestion.log_group_name
}

output "sns_topic_arn" {
  description = "Alarm topic."
  value       = module.ingestion.sns_topic_arn
}

output "alarm_names" {
  description = "CloudWatch alarm names: cpu_high, status_check, no_healthy_target, disk_root, disk_data."
  value       = module.ingestion.alarm_names
}
