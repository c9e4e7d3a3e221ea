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
  airbyte_chart_version = var.airbyte_chart_version

  airbyte_public_hostname = var.airbyte_public_hostname
  certificate_arn         = var.certificate_arn

  ssm_parameter_path = var.ssm_parameter_path
  ssm_kms_key_arn    = var.ssm_kms_key_arn
  kms_key_arn        = var.kms_key_arn

  enable_deletion_protection = var.enable_deletion_protection
  bucket_force_destroy       = var.bucket_force_destroy
  log_retention_days         = var.log_retention_days
  alarm_email                = var.alarm_email
}
