# Example: Airbyte on EC2 behind an ALB, in a VPC created by the module. See README.md.
#
#   export AWS_REGION=us-east-1            # credentials/endpoint come from the environment only
#   terraform init
#   terraform apply -var-file=example.tfvars.json   # allowed_cidrs, abctl_sha256, certificate_arn + hostname
#   terraform destroy -var-file=example.tfvars.json
#
# The example turns deletion protection and the data volume's final snapshot off, so it can be torn down in one go.

provider "aws" {
  region = var.region
}

module "ingestion" {
  source = "../../modules/aws_ingestion"

  name          = var.name
  allowed_cidrs = var.allowed_cidrs
  ami_id        = var.ami_id
  alarm_email   = var.alarm_email
  abctl_sha256  = var.abctl_sha256

  certificate_arn         = var.certificate_arn
  airbyte_public_hostname = var.airbyte_public_hostname
  allow_plain_http        = var.allow_plain_http

  detailed_monitoring          = var.detailed_monitoring
  enable_data_volume_snapshots = var.enable_data_volume_snapshots

  enable_deletion_protection   = false
  data_volume_final_snapshot   = false
  kms_key_deletion_window_days = 7

  tags = merge(var.tags, {
    Project     = var.name
    Environment = "example"
    ManagedBy   = "terraform"
  })
}
