# Root stack of the "AWS ingestion" deploy phase: Airbyte on EC2 behind an ALB.
# Applied by the orchestrator with a generated *.tfvars.json; variables left out fall back to the module defaults.
# Credentials come from the environment (profile, SSO, instance role); no secret is a Terraform input.

provider "aws" {
  region = var.region
}

module "ingestion" {
  source = "../../modules/aws_ingestion"

  name          = var.name
  tags          = merge(var.tags, { Project = var.name, ManagedBy = "tapestry" })
  allowed_cidrs = var.allowed_cidrs

  vpc_id             = var.vpc_id
  subnet_ids         = var.subnet_ids
  instance_subnet_id = var.instance_subnet_id

  instance_type         = var.instance_type
  ami_id                = var.ami_id
  root_volume_size_gb   = var.root_volume_size_gb
  detailed_monitoring   = var.detailed_monitoring
  abctl_version         = var.abctl_version
  abctl_sha256          = var.abctl_sha256
  airbyte_chart_version = var.airbyte_chart_version

  data_volume_size_gb          = var.data_volume_size_gb
  enable_data_volume_snapshots = var.enable_data_volume_snapshots
  snapshot_retention_count     = var.snapshot_retention_count
  airbyte_log_retention_days   = var.airbyte_log_retention_days

  airbyte_public_hostname = var.airbyte_public_hostname
  certificate_arn         = var.certificate_arn
  allow_plain_http        = var.allow_plain_http

  ssm_parameter_path = var.ssm_parameter_path
  ssm_kms_key_arn    = var.ssm_kms_key_arn
  kms_key_arn        = var.kms_key_arn

  enable_deletion_protection = var.enable_deletion_protection
  log_retention_days         = var.log_retention_days
  alarm_email                = var.alarm_email
}
