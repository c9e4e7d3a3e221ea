# Inputs written by the orchestrator into <phase>.tfvars.json. A null (or omitted) value means "module default";
# validation lives in the module.

variable "name" {
  description = "Project name: prefix of every resource name (2-24 lower-case letters, digits, hyphens)."
  type        = string
}

variable "region" {
  description = "AWS region. Null: from the environment (AWS_REGION / profile)."
  type        = string
  default     = null

  validation {
    # ASCII only: a look-alike letter or digit (e.g. an Arabic-Indic one) must not reach the provider.
    condition     = var.region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$", var.region))
    error_message = "region must be an AWS region name in ASCII, like us-east-1 or eu-central-2."
  }
}

variable "tags" {
  description = "Extra tags for every resource (Project and ManagedBy are added)."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC of the task (aws_ingestion output vpc_id)."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of the task (aws_ingestion output subnet_ids)."
  type        = list(string)
}

variable "assign_public_ip" {
  description = "Public IP for the task (module default true; needed in public subnets without NAT)."
  type        = bool
  default     = null
}

variable "security_group_ids" {
  description = "Extra security groups for the task."
  type        = list(string)
  default     = null
}

variable "airbyte_security_group_id" {
  description = "Airbyte instance security group (aws_ingestion output instance_security_group_id); lets the task call Airbyte on port 8000."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "Runner image tag in the stack's ECR repository (immutable; e.g. the tapestry version)."
  type        = string
}

variable "image_uri" {
  description = "Full image reference overriding <ecr url>:<image_tag>."
  type        = string
  default     = null
}

variable "command" {
  description = "Container command (default: the image's `tapestry run`)."
  type        = list(string)
  default     = null
}

variable "cpu" {
  description = "Fargate CPU units (module default 1024)."
  type        = number
  default     = null
}

variable "memory" {
  description = "Fargate memory MiB (module default 2048)."
  type        = number
  default     = null
}

variable "cpu_architecture" {
  description = "X86_64 (default) or ARM64."
  type        = string
  default     = null
}

variable "environment" {
  description = "Non-secret environment of the container."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Env var name => SSM SecureString parameter ARN, injected by ECS."
  type        = map(string)
  default     = {}
}

variable "ssm_kms_key_arns" {
  description = "Customer managed KMS keys of those parameters (empty for alias/aws/ssm)."
  type        = list(string)
  default     = []
}

variable "readonly_root_filesystem" {
  description = "Read-only root filesystem (module default true)."
  type        = bool
  default     = null
}

variable "schedule_expression" {
  description = "rate(...) or 6-field cron(...) (module default rate(6 hours))."
  type        = string
  default     = null
}

variable "schedule_timezone" {
  description = "IANA time zone of cron expressions (module default UTC)."
  type        = string
  default     = null
}

variable "schedule_enabled" {
  description = "Enable the schedule (module default true)."
  type        = bool
  default     = null
}

variable "kms_key_arn" {
  description = "KMS key for ECR, logs and SNS (default: created by the module)."
  type        = string
  default     = null
}

variable "ecr_force_delete" {
  description = "Let destroy delete the repository with its images (module default false)."
  type        = bool
  default     = null
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention (module default 365)."
  type        = number
  default     = null
}

variable "alarm_email" {
  description = "E-mail subscribed to failed-run notifications."
  type        = string
  default     = null
}
