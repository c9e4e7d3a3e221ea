# Example: the scheduled Fargate pipeline runner in the account's default VPC (or the VPC you pass).
#
#   export AWS_REGION=us-east-1            # credentials/endpoint come from the environment only
#   aws ssm put-parameter --type SecureString --name /tapestry/tapestry-example/mailchimp-api-key --value ...
#   terraform init
#   terraform apply -var image_tag=0.1.0 \
#     -var 'secrets={"MAILCHIMP_API_KEY":"arn:aws:ssm:us-east-1:123456789012:parameter/tapestry/tapestry-example/mailchimp-api-key"}'
#
# Secrets are created outside Terraform; only their parameter ARNs are passed in.

provider "aws" {
  region = var.region
}

data "aws_vpc" "default" {
  count = var.vpc_id == null ? 1 : 0

  default = true
}

data "aws_subnets" "default" {
  count = var.vpc_id == null ? 1 : 0

  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default[0].id]
  }
}

module "runner" {
  source = "../../modules/ecs_runner"

  name       = var.name
  vpc_id     = var.vpc_id != null ? var.vpc_id : data.aws_vpc.default[0].id
  subnet_ids = var.vpc_id != null ? var.subnet_ids : slice(sort(data.aws_subnets.default[0].ids), 0, min(2, length(data.aws_subnets.default[0].ids)))

  image_tag           = var.image_tag
  schedule_expression = var.schedule_expression
  secrets             = var.secrets
  environment = {
    TAPESTRY_TARGET = "aws"
  }
  alarm_email = var.alarm_email

  ecr_force_delete             = true
  kms_key_deletion_window_days = 7

  tags = merge(var.tags, {
    Project     = var.name
    Environment = "example"
    ManagedBy   = "terraform"
  })
}
