# Example: Airbyte on EC2 behind an ALB, in a VPC created by the module.
#
#   export AWS_REGION=us-east-1            # credentials/endpoint come from the environment only
#   terraform init
#   terraform apply -var 'allowed_cidrs=["203.0.113.7/32"]'
#   terraform destroy -var 'allowed_cidrs=["203.0.113.7/32"]'
#
# The example turns deletion protection off and lets destroy empty the bucket, so it can be torn down in one go.

provider "aws" {
  region = var.region
}

module "ingestion" {
  source = "../../modules/aws_ingestion"

  name          = var.name
  allowed_cidrs = var.allowed_cidrs
  ami_id        = var.ami_id
  alarm_email   = var.alarm_email

  detailed_monitoring = var.detailed_monitoring

  enable_deletion_protection   = false
  bucket_force_destroy         = true
  kms_key_deletion_window_days = 7

  tags = merge(var.tags, {
    Project     = var.name
    Environment = "example"
    ManagedBy   = "terraform"
  })
}
