################################################################################
# Toggle, naming and tagging
################################################################################

variable "create" {
  description = "Whether to create anything. False creates nothing (every output is null or empty)."
  type        = bool
  nullable    = false
  default     = true
}

variable "name" {
  description = "Prefix of the alias, topic and descriptions (the calling module's '<project>-<component>', e.g. acme-airbyte)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-64 characters of lower-case letters, digits and single hyphens, start with a letter and end with a letter or digit."
  }
}

variable "description" {
  description = "What the key protects (the KMS key description)."
  type        = string
  nullable    = false
}

variable "tags" {
  description = "Tags applied to every taggable resource."
  type        = map(string)
  nullable    = false
  default     = {}
}

################################################################################
# KMS key
################################################################################

variable "kms_key_arn" {
  description = "Existing customer managed KMS key to use instead of creating one. Its policy must admit CloudWatch Logs for log_group_names and the topic_publishers."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "kms_key_alias" {
  description = "Alias of the created key, without the alias/ prefix (e.g. tapestry/acme/airbyte)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9/_-]{1,240}$", var.kms_key_alias)) && !startswith(var.kms_key_alias, "aws/")
    error_message = "kms_key_alias must be letters, digits, '/', '_' and '-' (up to 240) and must not start with aws/."
  }
}

variable "kms_key_deletion_window_days" {
  description = "Waiting period before the created KMS key is deleted (7-30 days)."
  type        = number
  nullable    = false
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30 && floor(var.kms_key_deletion_window_days) == var.kms_key_deletion_window_days
    error_message = "kms_key_deletion_window_days must be a whole number between 7 and 30."
  }
}

################################################################################
# Log groups
################################################################################

variable "log_group_names" {
  description = "Log groups to create, encrypted with the key: key => log group name. Every name must start with log_group_prefix (the key policy admits CloudWatch Logs for that prefix only)."
  type        = map(string)
  nullable    = false
  default     = {}

  validation {
    condition     = alltrue([for log_group in values(var.log_group_names) : startswith(log_group, "${var.log_group_prefix}/")])
    error_message = "Every log_group_names entry must start with log_group_prefix followed by '/'."
  }
}

variable "log_group_prefix" {
  description = "Common prefix of the log group names, e.g. /tapestry/acme (no trailing slash). CloudWatch Logs may use the key for log groups below it only."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.#-]+)+$", var.log_group_prefix))
    error_message = "log_group_prefix must look like /tapestry/acme (segments of letters, digits, '_', '.', '#', '-'; no trailing slash)."
  }
}

variable "log_retention_days" {
  description = "Retention of the log groups (a value CloudWatch Logs accepts, e.g. 365)."
  type        = number
  nullable    = false
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

################################################################################
# Alarm topic
################################################################################

variable "topic_name" {
  description = "Name of the SNS topic alarms and rules publish to (encrypted with the key)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.topic_name))
    error_message = "topic_name must be 1-256 letters, digits, '_' or '-'."
  }
}

variable "topic_publishers" {
  description = "AWS services allowed to publish to the topic (and to use the key for it), each only from the given source ARNs of this account (ArnLike patterns), e.g. { \"cloudwatch.amazonaws.com\" = [\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:acme-*\"] }."
  type        = map(list(string))
  nullable    = false
  default     = {}

  validation {
    condition     = alltrue([for service, arns in var.topic_publishers : endswith(service, ".amazonaws.com") && length(arns) > 0 && alltrue([for arn in arns : startswith(arn, "arn:")])])
    error_message = "topic_publishers maps a service principal (<service>.amazonaws.com) to a non-empty list of source ARN patterns (arn:...)."
  }
}

variable "alarm_email" {
  description = "E-mail address subscribed to the topic (AWS sends a confirmation mail). Null for no subscription."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address."
  }
}
