################################################################################
# Toggle, naming and tagging
################################################################################

variable "create" {
  description = "Whether to create anything. False creates nothing (outputs are null), e.g. to switch a module call off per environment."
  type        = bool
  nullable    = false
  default     = true
}

variable "name" {
  description = "Project name used as the prefix of every resource name (lower-case letters, digits and single hyphens, 2-24 characters)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-24 characters of lower-case letters, digits and single hyphens, start with a letter and end with a letter or digit."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource (merged into each resource's tags; provider default_tags are not used inside this module)."
  type        = map(string)
  nullable    = false
  default     = {}
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "VPC of the runner task (for its security group)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Subnets the task runs in. Public subnets need assign_public_ip = true (to reach ECR, SSM, Snowflake and Mailchimp); private ones need a NAT route."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) > 0 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must list at least one subnet id like subnet-0123456789abcdef0."
  }
}

variable "assign_public_ip" {
  description = "Give the task a public IP (needed in public subnets without NAT or VPC endpoints)."
  type        = bool
  nullable    = false
  default     = true
}

variable "security_group_ids" {
  description = "Extra security groups for the task, in addition to the one the module creates (HTTPS egress only)."
  type        = list(string)
  nullable    = false
  default     = []

  validation {
    condition     = alltrue([for s in var.security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", s))])
    error_message = "security_group_ids entries must look like sg-0123456789abcdef0."
  }
}

variable "airbyte_security_group_id" {
  description = "Security group of the Airbyte instance (aws_ingestion output instance_security_group_id). When set, the module lets the runner reach Airbyte on port 8000 inside the VPC."
  type        = string
  default     = null

  validation {
    condition     = var.airbyte_security_group_id == null || can(regex("^sg-[0-9a-f]{8,17}$", var.airbyte_security_group_id))
    error_message = "airbyte_security_group_id must look like sg-0123456789abcdef0."
  }
}

################################################################################
# Image and task
################################################################################

variable "image_tag" {
  description = "Tag of the runner image in the module's ECR repository (tags are immutable: use a version or a git sha, not 'latest')."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a Docker tag (letters, digits, '_', '.', '-'; up to 128 characters) and not 'latest' (the repository's tags are immutable)."
  }
}

variable "image_uri" {
  description = "Full image reference overriding '<ecr repository url>:<image_tag>', e.g. the module's image pinned by digest. The execution role pulls only from the module's repository (or public registries)."
  type        = string
  default     = null

  validation {
    condition     = var.image_uri == null || can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9_.-]+|@sha256:[0-9a-f]{64})$", var.image_uri))
    error_message = "image_uri must be a full image reference such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:tag or .../repo@sha256:<digest>."
  }
}

variable "command" {
  description = "Container command. Null keeps the image's default (`tapestry run`)."
  type        = list(string)
  default     = null
}

variable "cpu" {
  description = "Task CPU units (Fargate: 256, 512, 1024, 2048, 4096, 8192 or 16384)."
  type        = number
  nullable    = false
  default     = 1024

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB, a valid Fargate pair with cpu: 256 -> 512/1024/2048; 512 -> 1024-4096; 1024 -> 2048-8192; 2048 -> 4096-16384; 4096 -> 8192-30720 (1024 steps); 8192 -> 16384-61440 (4096 steps); 16384 -> 32768-122880 (8192 steps)."
  type        = number
  nullable    = false
  default     = 2048

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880 && floor(var.memory) == var.memory
    error_message = "memory must be a whole number of MiB between 512 and 122880."
  }

  validation {
    # AWS's table of valid task sizes (Amazon ECS developer guide, "Task CPU and memory" for Fargate).
    condition = !contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu) || contains(lookup({
      256   = [512, 1024, 2048]
      512   = range(1024, 4097, 1024)
      1024  = range(2048, 8193, 1024)
      2048  = range(4096, 16385, 1024)
      4096  = range(8192, 30721, 1024)
      8192  = range(16384, 61441, 4096)
      16384 = range(32768, 122881, 8192)
    }, tostring(var.cpu), []), var.memory)
    error_message = "cpu and memory are not a Fargate combination. Valid memory (MiB) per cpu: 256 -> 512, 1024, 2048; 512 -> 1024-4096; 1024 -> 2048-8192; 2048 -> 4096-16384; 4096 -> 8192-30720 (steps of 1024); 8192 -> 16384-61440 (steps of 4096); 16384 -> 32768-122880 (steps of 8192)."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the image: X86_64 or ARM64."
  type        = string
  nullable    = false
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "environment" {
  description = "Plain (non-secret) environment variables of the container. Secrets go in `secrets`: names that look secret are rejected here."
  type        = map(string)
  nullable    = false
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.environment) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", k))])
    error_message = "environment names must be valid variable names ([A-Za-z_][A-Za-z0-9_]*)."
  }

  validation {
    condition     = alltrue([for k in keys(var.environment) : !can(regex("(?i)(secret|password|passwd|token|private_?key|api_?key|credential)", k))])
    error_message = "environment must not carry secrets (a name looks like a secret): store the value in SSM Parameter Store and pass its ARN in `secrets`."
  }
}

variable "secrets" {
  description = "Secrets injected by ECS at task start: environment variable name => SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>). Values never pass through Terraform."
  type        = map(string)
  nullable    = false
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.secrets) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", k))])
    error_message = "secrets keys must be valid variable names ([A-Za-z_][A-Za-z0-9_]*)."
  }

  validation {
    condition     = alltrue([for v in values(var.secrets) : can(regex("^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9_.\\-/]+$", v))])
    error_message = "secrets values must be SSM parameter ARNs: arn:aws:ssm:<region>:<account>:parameter/<path>."
  }
}

variable "ssm_kms_key_arns" {
  description = "Customer managed KMS keys that encrypt the SecureString parameters in `secrets` (the execution role may decrypt with them through SSM only). Leave empty for the AWS managed key alias/aws/ssm."
  type        = list(string)
  nullable    = false
  default     = []

  validation {
    condition     = alltrue([for k in var.ssm_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", k))])
    error_message = "ssm_kms_key_arns entries must be KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "readonly_root_filesystem" {
  description = "Run the container with a read-only root filesystem; /tmp and the runner's HOME (/home/tapestry) are writable task-storage volumes."
  type        = bool
  nullable    = false
  default     = true
}

variable "metric_namespace" {
  description = "CloudWatch namespace the task may publish pipeline metrics to (the only cloudwatch:PutMetricData it is allowed)."
  type        = string
  nullable    = false
  default     = "Tapestry"

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#:-]{1,255}$", var.metric_namespace)) && !startswith(var.metric_namespace, "AWS/")
    error_message = "metric_namespace must be 1-255 characters of letters, digits and _./#:- and must not start with AWS/."
  }
}

################################################################################
# Schedule
################################################################################

variable "schedule_expression" {
  description = "When the pipeline runs: rate(<n> minute(s)|hour(s)|day(s)) or a 6-field cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>) expression of EventBridge Scheduler."
  type        = string
  nullable    = false
  default     = "rate(6 hours)"

  validation {
    condition = (
      can(regex("^rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)$", var.schedule_expression)) ||
      can(regex("^cron\\([^ ()]+( [^ ()]+){5}\\)$", var.schedule_expression))
    )
    error_message = "schedule_expression must be rate(<positive integer> minutes|hours|days) or cron() with 6 fields, e.g. rate(6 hours) or cron(0 6 * * ? *)."
  }
}

variable "schedule_timezone" {
  description = "IANA time zone of cron expressions (e.g. Europe/Berlin)."
  type        = string
  nullable    = false
  default     = "UTC"

  validation {
    condition     = can(regex("^[A-Za-z]+([/_+-][A-Za-z0-9_+-]+)*$", var.schedule_timezone))
    error_message = "schedule_timezone must be an IANA time zone name such as UTC or America/New_York."
  }
}

variable "schedule_enabled" {
  description = "Whether the schedule is enabled (a disabled schedule keeps its configuration)."
  type        = bool
  nullable    = false
  default     = true
}

variable "schedule_retry_attempts" {
  description = "How often EventBridge Scheduler retries a RunTask call that failed (e.g. Fargate capacity). A task that ran and failed is never retried."
  type        = number
  nullable    = false
  default     = 2

  validation {
    condition     = var.schedule_retry_attempts >= 0 && var.schedule_retry_attempts <= 185 && floor(var.schedule_retry_attempts) == var.schedule_retry_attempts
    error_message = "schedule_retry_attempts must be a whole number between 0 and 185."
  }
}

################################################################################
# Registry, encryption, logs, alarms
################################################################################

variable "ecr_force_delete" {
  description = "Allow `terraform destroy` to delete the ECR repository with its images."
  type        = bool
  nullable    = false
  default     = false
}

variable "ecr_max_images" {
  description = "Number of tagged images the ECR lifecycle policy keeps (untagged ones expire after 7 days)."
  type        = number
  nullable    = false
  default     = 30

  validation {
    condition     = var.ecr_max_images >= 1 && var.ecr_max_images <= 10000 && floor(var.ecr_max_images) == var.ecr_max_images
    error_message = "ecr_max_images must be a whole number between 1 and 10000."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for ECR, CloudWatch Logs and SNS. When null, the module creates one (with rotation) whose policy admits CloudWatch Logs for /tapestry/<name>/*, the failed-run rule and this module's alarms (aws:SourceAccount/aws:SourceArn)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "kms_key_deletion_window_days" {
  description = "Waiting period before the created KMS key is deleted (7-30 days)."
  type        = number
  nullable    = false
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30
    error_message = "kms_key_deletion_window_days must be between 7 and 30."
  }
}

variable "log_retention_days" {
  description = "Retention of the runner's CloudWatch log group (a value CloudWatch Logs accepts, e.g. 365)."
  type        = number
  nullable    = false
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "alarm_email" {
  description = "E-mail address subscribed to the failure topic (AWS sends a confirmation mail). Null for no subscription."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address."
  }
}
