output "airbyte_url" {
  description = "Public URL of Airbyte (HTTPS when certificate_arn is set). Poll <url>/api/v1/health until {\"available\": true} before calling the API; the first install takes up to ~30 minutes."
  value       = local.airbyte_url
}

output "airbyte_api_url" {
  description = "Base URL of the Airbyte public API."
  value       = "${local.airbyte_url}/api/public/v1"
}

output "airbyte_internal_url" {
  description = "URL of Airbyte on the instance's private IP (for clients inside the VPC whose security group is allowed on port 8000, e.g. the ECS runner)."
  value       = "http://${aws_instance.airbyte.private_ip}:8000"
}

output "alb_dns_name" {
  description = "DNS name of the ALB (point airbyte_public_hostname here with a CNAME/alias record)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Route 53 hosted zone id of the ALB, for alias records."
  value       = aws_lb.this.zone_id
}

output "alb_arn" {
  description = "ARN of the ALB."
  value       = aws_lb.this.arn
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.alb.id
}

output "target_group_arn" {
  description = "ARN of the Airbyte target group."
  value       = aws_lb_target_group.airbyte.arn
}

output "instance_id" {
  description = "EC2 instance id of the Airbyte host (connect with `aws ssm start-session --target <id>`)."
  value       = aws_instance.airbyte.id
}

output "instance_private_ip" {
  description = "Private IPv4 address of the Airbyte host."
  value       = aws_instance.airbyte.private_ip
}

output "instance_security_group_id" {
  description = "Security group of the Airbyte instance. Add an ingress rule on port 8000 from another security group to let in-VPC clients call airbyte_internal_url."
  value       = aws_security_group.instance.id
}

output "instance_role_arn" {
  description = "IAM role of the Airbyte instance."
  value       = aws_iam_role.instance.arn
}

output "instance_role_name" {
  description = "Name of the IAM role of the Airbyte instance."
  value       = aws_iam_role.instance.name
}

output "vpc_id" {
  description = "VPC the stack runs in (created or given)."
  value       = local.vpc_id
}

output "subnet_ids" {
  description = "Public subnets of the ALB (created or given)."
  value       = local.alb_subnet_ids
}

output "bucket_name" {
  description = "Name of the S3 staging bucket."
  value       = aws_s3_bucket.staging.id
}

output "bucket_arn" {
  description = "ARN of the S3 staging bucket."
  value       = aws_s3_bucket.staging.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting the bucket, root volume, alarm topic and log groups."
  value       = local.kms_key_arn
}

output "ssm_parameter_path" {
  description = "SSM path under which the instance stores the Airbyte API client credentials."
  value       = local.ssm_parameter_path
}

output "airbyte_client_id_parameter_name" {
  description = "SSM SecureString parameter holding the Airbyte API client id (written by the instance after install)."
  value       = local.client_id_parameter
}

output "airbyte_client_secret_parameter_name" {
  description = "SSM SecureString parameter holding the Airbyte API client secret (written by the instance after install)."
  value       = local.client_secret_parameter
}

output "airbyte_client_id_parameter_arn" {
  description = "ARN of the client id parameter (for ECS task secrets)."
  value       = "${local.ssm_parameter_arn_base}${local.client_id_parameter}"
}

output "airbyte_client_secret_parameter_arn" {
  description = "ARN of the client secret parameter (for ECS task secrets)."
  value       = "${local.ssm_parameter_arn_base}${local.client_secret_parameter}"
}

output "log_group_name" {
  description = "CloudWatch log group receiving the bootstrap log of the instance."
  value       = aws_cloudwatch_log_group.instance.name
}

output "sns_topic_arn" {
  description = "SNS topic receiving the alarms."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "CloudWatch alarm names by purpose: cpu_high, status_check, no_healthy_target."
  value       = local.alarm_names
}

output "abctl_version" {
  description = "abctl release installed on the instance."
  value       = var.abctl_version
}

output "airbyte_chart_version" {
  description = "Airbyte Helm chart version installed on the instance."
  value       = var.airbyte_chart_version
}
