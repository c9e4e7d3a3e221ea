output "airbyte_url" {
  description = "Public URL of Airbyte (https://<airbyte_public_hostname> with a certificate; http://<ALB name> with allow_plain_http). Poll <url>/api/v1/health until {\"available\": true} before calling the API; the first install takes up to ~30 minutes."
  value       = local.create ? local.airbyte_url : null
}

output "airbyte_api_url" {
  description = "Base URL of the Airbyte public API."
  value       = local.create ? "${local.airbyte_url}/api/public/v1" : null
}

output "airbyte_internal_url" {
  description = "URL of Airbyte on the instance's private IP (for clients inside the VPC whose security group is allowed on port 8000, e.g. the ECS runner)."
  value       = try("http://${aws_instance.airbyte[0].private_ip}:8000", null)
}

output "plain_http" {
  description = "True when Airbyte is served without TLS (allow_plain_http and no certificate_arn)."
  value       = local.create && local.plain_http
}

output "plain_http_warning" {
  description = "What plain HTTP exposes, or null with HTTPS. Shown in every plan while allow_plain_http is in effect."
  value       = local.create ? local.plain_http_warning : null
}

output "alb_dns_name" {
  description = "DNS name of the ALB (point airbyte_public_hostname here with a CNAME/alias record)."
  value       = try(aws_lb.this[0].dns_name, null)
}

output "alb_zone_id" {
  description = "Route 53 hosted zone id of the ALB, for alias records."
  value       = try(aws_lb.this[0].zone_id, null)
}

output "alb_arn" {
  description = "ARN of the ALB."
  value       = try(aws_lb.this[0].arn, null)
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = try(aws_security_group.alb[0].id, null)
}

output "target_group_arn" {
  description = "ARN of the Airbyte target group."
  value       = try(aws_lb_target_group.airbyte[0].arn, null)
}

output "instance_id" {
  description = "EC2 instance id of the Airbyte host (connect with `aws ssm start-session --target <id>`)."
  value       = try(aws_instance.airbyte[0].id, null)
}

output "instance_private_ip" {
  description = "Private IPv4 address of the Airbyte host."
  value       = try(aws_instance.airbyte[0].private_ip, null)
}

output "instance_security_group_id" {
  description = "Security group of the Airbyte instance. Add an ingress rule on port 8000 from another security group to let in-VPC clients call airbyte_internal_url."
  value       = try(aws_security_group.instance[0].id, null)
}

output "instance_role_arn" {
  description = "IAM role of the Airbyte instance."
  value       = try(aws_iam_role.instance[0].arn, null)
}

output "instance_role_name" {
  description = "Name of the IAM role of the Airbyte instance."
  value       = try(aws_iam_role.instance[0].name, null)
}

output "data_volume_id" {
  description = "EBS volume holding Airbyte's database and job logs (mounted at data_volume_mount; survives instance replacement)."
  value       = try(aws_ebs_volume.data[0].id, null)
}

output "data_volume_mount" {
  description = "Where the data volume is mounted on the instance (abctl's $HOME/.airbyte)."
  value       = local.create ? local.data_mount : null
}

output "snapshot_policy_id" {
  description = "Data Lifecycle Manager policy snapshotting the data volume daily, or null when enable_data_volume_snapshots is false."
  value       = try(aws_dlm_lifecycle_policy.data[0].id, null)
}

output "vpc_id" {
  description = "VPC the stack runs in (created or given)."
  value       = local.create ? local.vpc_id : null
}

output "subnet_ids" {
  description = "Public subnets of the ALB (created or given)."
  value       = local.create ? local.alb_subnet_ids : []
}

output "kms_key_arn" {
  description = "KMS key encrypting the volumes, alarm topic and log groups."
  value       = local.kms_key_arn
}

output "ssm_parameter_path" {
  description = "SSM path under which the instance stores the Airbyte API client credentials."
  value       = local.create ? local.ssm_parameter_path : null
}

output "airbyte_client_id_parameter_name" {
  description = "SSM SecureString parameter holding the Airbyte API client id (written by the instance after install)."
  value       = local.create ? local.client_id_parameter : null
}

output "airbyte_client_secret_parameter_name" {
  description = "SSM SecureString parameter holding the Airbyte API client secret (written by the instance after install)."
  value       = local.create ? local.client_secret_parameter : null
}

output "airbyte_client_id_parameter_arn" {
  description = "ARN of the client id parameter (for ECS task secrets)."
  value       = local.create ? "${local.ssm_parameter_arn_base}${local.client_id_parameter}" : null
}

output "airbyte_client_secret_parameter_arn" {
  description = "ARN of the client secret parameter (for ECS task secrets)."
  value       = local.create ? "${local.ssm_parameter_arn_base}${local.client_secret_parameter}" : null
}

output "log_group_name" {
  description = "CloudWatch log group receiving the bootstrap log of the instance."
  value       = try(module.foundation.log_group_names["airbyte"], null)
}

output "sns_topic_arn" {
  description = "SNS topic receiving the alarms."
  value       = module.foundation.topic_arn
}

output "alarm_names" {
  description = "CloudWatch alarm names by purpose: cpu_high, status_check, no_healthy_target, disk_root, disk_data."
  value       = local.create ? local.alarm_names : {}
}

output "abctl_version" {
  description = "abctl release installed on the instance."
  value       = var.abctl_version
}

output "airbyte_chart_version" {
  description = "Airbyte Helm chart version installed on the instance."
  value       = var.airbyte_chart_version
}
