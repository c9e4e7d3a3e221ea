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

variable "allowed_cidrs" {
  description = "IPv4 CIDRs admitted by the ALB (the operator's IP/32, office or VPN). 0.0.0.0/0 is rejected."
  type        = list(string)
}

variable "vpc_id" {
  description = "Existing VPC; null creates a minimal VPC with two public subnets."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "With vpc_id: two or more public subnets (different AZs) for the ALB."
  type        = list(string)
  default     = null
}

variable "instance_subnet_id" {
  description = "Subnet of the Airbyte instance (default: first ALB subnet)."
  type        = string
  default     = null
}

variable "instance_type" {
  description = "EC2 instance type (>= 4 vCPU / 16 GiB; module default m6i.xlarge)."
  type        = string
  default     = null
}

variable "ami_id" {
  description = "AMI override (default: latest Amazon Linux 2023 x86_64)."
  type        = string
  default     = null
}

variable "root_volume_size_gb" {
  description = "Root volume size in GiB (>= 100): OS, Docker, images."
  type        = number
  default     = null
}

variable "data_volume_size_gb" {
  description = "Size in GiB of the data volume holding Airbyte's database and job logs (module default 100)."
  type        = number
  default     = null
}

variable "enable_data_volume_snapshots" {
  description = "Daily DLM snapshots of the data volume (module default true)."
  type        = bool
  default     = null
}

variable "snapshot_retention_count" {
  description = "Daily snapshots kept (module default 14)."
  type        = number
  default     = null
}

variable "airbyte_log_retention_days" {
  description = "Days Airbyte job logs are kept on the instance (module default 30)."
  type        = number
  default     = null
}

variable "detailed_monitoring" {
  description = "EC2 detailed monitoring (module default true)."
  type        = bool
  default     = null
}

variable "abctl_sha256" {
  description = "SHA-256 of abctl-<abctl_version>-linux-amd64.tar.gz (required; see the module README, 'Pinning abctl')."
  type        = string
}

variable "abctl_version" {
  description = "abctl release tag (module default v0.30.4)."
  type        = string
  default     = null
}

variable "airbyte_chart_version" {
  description = "Airbyte Helm chart version (module default 2.3.0)."
  type        = string
  default     = null
}

variable "airbyte_public_hostname" {
  description = "DNS name pointed at the ALB (default: the ALB DNS name)."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "ACM certificate for airbyte_public_hostname (HTTP then redirects). Required unless allow_plain_http."
  type        = string
  default     = null
}

variable "allow_plain_http" {
  description = "Accept plain HTTP when there is no certificate (credentials cross the network unencrypted; the plan warns)."
  type        = bool
  default     = null
}

variable "ssm_parameter_path" {
  description = "SSM path for the Airbyte client credentials (default /tapestry/<name>/airbyte)."
  type        = string
  default     = null
}

variable "ssm_kms_key_arn" {
  description = "KMS key for the SecureString credentials (default alias/aws/ssm)."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "KMS key for EBS, SNS and logs (default: created by the module)."
  type        = string
  default     = null
}

variable "enable_deletion_protection" {
  description = "ALB deletion protection (module default true; set false before `tapestry destroy`)."
  type        = bool
  default     = null
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention (module default 365)."
  type        = number
  default     = null
}

variable "alarm_email" {
  description = "E-mail subscribed to the alarm topic."
  type        = string
  default     = null
}
