# Root stack of the "ECS runner" deploy phase: the scheduled Fargate task that runs `tapestry run`.
# Applied by the orchestrator with a generated *.tfvars.json after the ingestion phase (vpc_id, subnet_ids and
# airbyte_security_group_id come from that stack's outputs). Secrets are SSM parameter ARNs, never values.

provider "aws" {
  region = var.region
}

module "runner" {
  source = "../../modules/ecs_runner"

  name = var.name
  tags = merge(var.tags, { Project = var.name, ManagedBy = "tapestry" })

  vpc_id                    = var.vpc_id
  subnet_ids                = var.subnet_ids
  assign_public_ip          = var.assign_public_ip
  security_group_ids        = var.security_group_ids
  airbyte_security_group_id = var.airbyte_security_group_id

  image_tag                = var.image_tag
  image_uri                = var.image_uri
  command                  = var.command
  cpu                      = var.cpu
  memory                   = var.memory
  cpu_architecture         = var.cpu_architecture
  environment              = var.environment
  secrets                  = var.secrets
  ssm_kms_key_arns         = var.ssm_kms_key_arns
  readonly_root_filesystem = var.readonly_root_filesystem

  schedule_expression = var.schedule_expression
  schedule_timezone   = var.schedule_timezone
  schedule_enabled    = var.schedule_enabled

  kms_key_arn        = var.kms_key_arn
  ecr_force_delete   = var.ecr_force_delete
  log_retention_days = var.log_retention_days
  alarm_email        = var.alarm_email
}
