################################################################################
# Naming
################################################################################

variable "create" {
  description = "Whether to create anything. False creates nothing (outputs are null or empty), e.g. to switch the module off per environment."
  type        = bool
  nullable    = false
  default     = true
}

variable "prefix" {
  description = "Prefix of every derived name (upper-cased): <PREFIX>_WH, <PREFIX>_RAW, <PREFIX>_ANALYTICS, <PREFIX>_LOADER/_TRANSFORMER/_SYNCER, <PREFIX>_AIRBYTE/_DBT/_SYNC. A Snowflake identifier: a letter or _, then letters, digits, _ or $ (at most 201 characters)."
  type        = string
  nullable    = false
  default     = "TAPESTRY"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_$]{0,200}$", var.prefix)) && !contains(local.reserved_keywords, upper(var.prefix))
    error_message = "prefix must be a Snowflake identifier: a letter or _ followed by at most 200 letters, digits, _ or $ (e.g. TAPESTRY or ACME_PROD), and not a reserved keyword."
  }
}

variable "warehouse_name" {
  description = "Warehouse name. Null: <PREFIX>_WH."
  type        = string
  default     = null

  validation {
    condition     = var.warehouse_name == null || (can(regex(local.identifier_pattern, coalesce(var.warehouse_name, "_"))) && !contains(local.reserved_keywords, upper(coalesce(var.warehouse_name, "_"))))
    error_message = "warehouse_name must be a Snowflake identifier: a letter or _ followed by letters, digits, _ or $ (at most 255 characters), not a reserved keyword."
  }
}

variable "raw_database_name" {
  description = "Database Airbyte loads into. Null: <PREFIX>_RAW."
  type        = string
  default     = null

  validation {
    condition     = var.raw_database_name == null || (can(regex(local.identifier_pattern, coalesce(var.raw_database_name, "_"))) && !contains(local.reserved_keywords, upper(coalesce(var.raw_database_name, "_"))))
    error_message = "raw_database_name must be a Snowflake identifier: a letter or _ followed by letters, digits, _ or $ (at most 255 characters), not a reserved keyword."
  }
}

variable "analytics_database_name" {
  description = "Database dbt builds into and the sync reads from. Null: <PREFIX>_ANALYTICS."
  type        = string
  default     = null

  validation {
    condition     = var.analytics_database_name == null || (can(regex(local.identifier_pattern, coalesce(var.analytics_database_name, "_"))) && !contains(local.reserved_keywords, upper(coalesce(var.analytics_database_name, "_"))))
    error_message = "analytics_database_name must be a Snowflake identifier: a letter or _ followed by letters, digits, _ or $ (at most 255 characters), not a reserved keyword."
  }
}

variable "raw_schema_names" {
  description = "Schemas of the raw database, one per source: where Airbyte lands each source's streams (its destination namespace). Upper-cased; each gets the loader's write grants and the transformer's read grants. Tapestry passes its sources' names (e.g. [\"ZOOM\", \"SALESFORCE\"])."
  type        = list(string)
  nullable    = false
  default     = []

  validation {
    condition     = alltrue([for name in var.raw_schema_names : can(regex(local.identifier_pattern, name)) && !contains(local.reserved_schema_names, upper(name))])
    error_message = "raw_schema_names must be Snowflake identifiers (letter or _, then letters, digits, _ or $), not reserved keywords, PUBLIC or INFORMATION_SCHEMA."
  }

  validation {
    condition     = length(distinct([for name in var.raw_schema_names : upper(name)])) == length(var.raw_schema_names)
    error_message = "raw_schema_names must not name a schema twice."
  }

  validation {
    condition     = !anytrue([for name in var.raw_schema_names : contains(["ANALYTICS", "MARTS", "SYNC"], upper(name))])
    error_message = "raw_schema_names cannot be ANALYTICS, MARTS or SYNC: the module keys its schemas by lower-cased name and these keys are its analytics, marts and sync schemas."
  }
}

variable "analytics_schema_name" {
  description = "Schema of the analytics database for dbt's staging and intermediate models."
  type        = string
  nullable    = false
  default     = "ANALYTICS"

  validation {
    condition     = can(regex(local.identifier_pattern, var.analytics_schema_name)) && !contains(local.reserved_schema_names, upper(var.analytics_schema_name))
    error_message = "analytics_schema_name must be a Snowflake identifier (letter or _, then letters, digits, _ or $), not a reserved keyword, PUBLIC or INFORMATION_SCHEMA."
  }
}

variable "marts_schema_name" {
  description = "Schema of the analytics database for dbt's marts: what the sync reads."
  type        = string
  nullable    = false
  default     = "MARTS"

  validation {
    condition     = can(regex(local.identifier_pattern, var.marts_schema_name)) && !contains(local.reserved_schema_names, upper(var.marts_schema_name))
    error_message = "marts_schema_name must be a Snowflake identifier (letter or _, then letters, digits, _ or $), not a reserved keyword, PUBLIC or INFORMATION_SCHEMA."
  }
}

variable "sync_schema_name" {
  description = "Schema of the analytics database where the sync engine keeps its state (snapshots, run log, rejections)."
  type        = string
  nullable    = false
  default     = "TAPESTRY_SYNC"

  validation {
    condition     = can(regex(local.identifier_pattern, var.sync_schema_name)) && !contains(local.reserved_schema_names, upper(var.sync_schema_name))
    error_message = "sync_schema_name must be a Snowflake identifier (letter or _, then letters, digits, _ or $), not a reserved keyword, PUBLIC or INFORMATION_SCHEMA."
  }
}

variable "loader_role_name" {
  description = "Role Airbyte loads with (writes the raw database). Null: <PREFIX>_LOADER."
  type        = string
  default     = null

  validation {
    condition     = var.loader_role_name == null || (can(regex(local.identifier_pattern, coalesce(var.loader_role_name, "_"))) && !contains(local.reserved_keywords, upper(coalesce(var.loader_role_name, "_"))))
    error_message = "loader_role_name must be a Snowflake identifier: a letter or _ followed by letters, digits, _ or $ (at most 255 characters), not a reserved keyword."
  }
}

variable "transformer_role_name" {
  description = "Role dbt runs with (reads raw, owns the analytics database). Null: <PREFIX>_TRANSFORMER."
  type        = string
  default     = null

  validation {
    condition     = var.transformer_role_name == null || (can(regex(local.identifier_pattern, coalesce(var.transformer_role_name, "_"))) && !contains(local.reserved_keywords, upper(coalesce(var.transformer_role_name, "_"))))
    error_message = "transformer_role_name must be a Snowflake identifier: a letter or _ followed by letters, digits, _ or $ (at most 255 characters), not a reserved keyword."
  }
}

variable "syncer_role_name" {
  description = "Role the sync engine runs with (reads marts, owns its state schema). Null: <PREFIX>_SYNCER."
  type        = string
  default     = null

  validation {
    condition     = var.syncer_role_name == null || (can(regex(local.identifier_pattern, coalesce(var.syncer_role_name, "_"))) && !contains(local.reserved_keywords, upper(coalesce(var.syncer_role_name, "_"))))
    error_message = "syncer_role_name must be a Snowflake identifier: a letter or _ followed by letters, digits, _ or $ (at most 255 characters), not a reserved keyword."
  }
}

variable "airbyte_user_name" {
  description = "Service user for Airbyte's Snowflake destination. Null: <PREFIX>_AIRBYTE."
  type        = string
  default     = null

  validation {
    condition     = var.airbyte_user_name == null || (can(regex(local.identifier_pattern, coalesce(var.airbyte_user_name, "_"))) && !contains(local.reserved_keywords, upper(coalesce(var.airbyte_user_name, "_"))))
    error_message = "airbyte_user_name must be a Snowflake identifier: a letter or _ followed by letters, digits, _ or $ (at most 255 characters), not a reserved keyword."
  }
}

variable "dbt_user_name" {
  description = "Service user for dbt. Null: <PREFIX>_DBT."
  type        = string
  default     = null

  validation {
    condition     = var.dbt_user_name == null || (can(regex(local.identifier_pattern, coalesce(var.dbt_user_name, "_"))) && !contains(local.reserved_keywords, upper(coalesce(var.dbt_user_name, "_"))))
    error_message = "dbt_user_name must be a Snowflake identifier: a letter or _ followed by letters, digits, _ or $ (at most 255 characters), not a reserved keyword."
  }
}

variable "sync_user_name" {
  description = "Service user for the sync engine. Null: <PREFIX>_SYNC."
  type        = string
  default     = null

  validation {
    condition     = var.sync_user_name == null || (can(regex(local.identifier_pattern, coalesce(var.sync_user_name, "_"))) && !contains(local.reserved_keywords, upper(coalesce(var.sync_user_name, "_"))))
    error_message = "sync_user_name must be a Snowflake identifier: a letter or _ followed by letters, digits, _ or $ (at most 255 characters), not a reserved keyword."
  }
}

variable "comment" {
  description = "Comment set on every object (warehouse, databases, schemas, roles, users)."
  type        = string
  nullable    = false
  default     = "Tapestry user-data pipeline (managed by Tapestry)"

  validation {
    condition     = length(var.comment) <= 256 && !can(regex("[[:cntrl:]]", var.comment))
    error_message = "comment must be one line of at most 256 characters."
  }
}

################################################################################
# Warehouse
################################################################################

variable "warehouse_size" {
  description = "Warehouse size. XSMALL (1 credit/hour while running) is enough for the pipeline's models."
  type        = string
  nullable    = false
  default     = "XSMALL"

  validation {
    condition     = contains(["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE", "XXXLARGE", "X4LARGE", "X5LARGE", "X6LARGE"], upper(var.warehouse_size))
    error_message = "warehouse_size must be one of XSMALL, SMALL, MEDIUM, LARGE, XLARGE, XXLARGE, XXXLARGE, X4LARGE, X5LARGE, X6LARGE."
  }
}

variable "warehouse_auto_suspend_seconds" {
  description = "Idle seconds before the warehouse suspends (and stops consuming credits). It resumes by itself on the next query."
  type        = number
  nullable    = false
  default     = 60

  validation {
    condition     = var.warehouse_auto_suspend_seconds >= 60 && var.warehouse_auto_suspend_seconds <= 86400 && floor(var.warehouse_auto_suspend_seconds) == var.warehouse_auto_suspend_seconds
    error_message = "warehouse_auto_suspend_seconds must be a whole number of seconds from 60 to 86400."
  }
}

################################################################################
# Resource monitor (optional credit cap; created through snowflake.account_admin)
################################################################################

variable "resource_monitor" {
  description = "Credit cap for the warehouse, or null for none. credit_quota: credits per interval. frequency and start_timestamp (both or neither): when the count resets (MONTHLY, DAILY, WEEKLY, YEARLY or NEVER, from \"YYYY-MM-DD HH:MM\" UTC); null: at the start of each calendar month. notify_triggers: percentages of the quota at which notify_users (and account administrators who enabled notifications) get an e-mail. suspend_trigger: percentage at which the warehouse suspends once running queries finish; suspend_immediate_trigger: percentage at which running queries are cancelled too. Only ACCOUNTADMIN may create or assign a monitor: the snowflake.account_admin provider configuration must use that role when this is set."
  type = object({
    credit_quota              = number
    frequency                 = optional(string)
    start_timestamp           = optional(string)
    notify_triggers           = optional(list(number), [75, 90])
    suspend_trigger           = optional(number, 100)
    suspend_immediate_trigger = optional(number, 110)
    notify_users              = optional(list(string), [])
  })
  default = null

  validation {
    condition     = var.resource_monitor == null ? true : (var.resource_monitor.credit_quota >= 1 && var.resource_monitor.credit_quota <= 1000000 && floor(var.resource_monitor.credit_quota) == var.resource_monitor.credit_quota)
    error_message = "resource_monitor.credit_quota must be a whole number of credits from 1 to 1000000."
  }

  validation {
    condition     = var.resource_monitor == null ? true : (var.resource_monitor.frequency == null) == (var.resource_monitor.start_timestamp == null)
    error_message = "resource_monitor.frequency and resource_monitor.start_timestamp go together: set both (e.g. \"MONTHLY\" and \"2027-01-01 00:00\") or neither (the quota then resets at the start of each calendar month)."
  }

  validation {
    condition     = var.resource_monitor == null ? true : (var.resource_monitor.frequency == null ? true : contains(["MONTHLY", "DAILY", "WEEKLY", "YEARLY", "NEVER"], upper(var.resource_monitor.frequency)))
    error_message = "resource_monitor.frequency must be one of MONTHLY, DAILY, WEEKLY, YEARLY, NEVER."
  }

  validation {
    condition     = var.resource_monitor == null ? true : (var.resource_monitor.start_timestamp == null ? true : can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2})?$", var.resource_monitor.start_timestamp)))
    error_message = "resource_monitor.start_timestamp must be a date \"YYYY-MM-DD\" or \"YYYY-MM-DD HH:MM\" (UTC)."
  }

  validation {
    condition = var.resource_monitor == null ? true : alltrue([
      for percent in concat(var.resource_monitor.notify_triggers, [var.resource_monitor.suspend_trigger, var.resource_monitor.suspend_immediate_trigger]) :
      percent >= 1 && percent <= 1000 && floor(percent) == percent
    ])
    error_message = "resource_monitor triggers (notify_triggers, suspend_trigger, suspend_immediate_trigger) must be whole percentages of the quota from 1 to 1000."
  }

  validation {
    condition     = var.resource_monitor == null ? true : var.resource_monitor.suspend_trigger <= var.resource_monitor.suspend_immediate_trigger
    error_message = "resource_monitor.suspend_trigger must not be above suspend_immediate_trigger (suspend first, cancel running queries later)."
  }

  validation {
    condition = var.resource_monitor == null ? true : alltrue([
      for user in var.resource_monitor.notify_users : can(regex(local.identifier_pattern, user)) && !contains(local.reserved_keywords, upper(user))
    ])
    error_message = "resource_monitor.notify_users must be Snowflake user names (a letter or _, then letters, digits, _ or $)."
  }
}

variable "resource_monitor_name" {
  description = "Name of the resource monitor (used only when resource_monitor is set). Null: <PREFIX>_MONITOR."
  type        = string
  default     = null

  validation {
    condition     = var.resource_monitor_name == null || (can(regex(local.identifier_pattern, coalesce(var.resource_monitor_name, "_"))) && !contains(local.reserved_keywords, upper(coalesce(var.resource_monitor_name, "_"))))
    error_message = "resource_monitor_name must be a Snowflake identifier: a letter or _ followed by letters, digits, _ or $ (at most 255 characters), not a reserved keyword."
  }
}

################################################################################
# Service users' public keys (key-pair login; there are no passwords)
################################################################################

variable "airbyte_user_rsa_public_key" {
  description = "RSA public key of the Airbyte service user: the output of `openssl rsa -pubout` (PEM) or its body on one line. Null: the user is created without a key and cannot log in until one is set."
  type        = string
  default     = null

  validation {
    condition     = var.airbyte_user_rsa_public_key == null || (!strcontains(coalesce(var.airbyte_user_rsa_public_key, "_"), "PRIVATE KEY") && can(regex("^(-----BEGIN PUBLIC KEY-----)?[A-Za-z0-9+/=\\s]+(-----END PUBLIC KEY-----)?$", trimspace(coalesce(var.airbyte_user_rsa_public_key, "_")))))
    error_message = "airbyte_user_rsa_public_key must be an RSA public key (-----BEGIN PUBLIC KEY----- PEM or its base64 body), never a private key."
  }
}

variable "dbt_user_rsa_public_key" {
  description = "RSA public key of the dbt service user: the output of `openssl rsa -pubout` (PEM) or its body on one line. Null: the user is created without a key and cannot log in until one is set."
  type        = string
  default     = null

  validation {
    condition     = var.dbt_user_rsa_public_key == null || (!strcontains(coalesce(var.dbt_user_rsa_public_key, "_"), "PRIVATE KEY") && can(regex("^(-----BEGIN PUBLIC KEY-----)?[A-Za-z0-9+/=\\s]+(-----END PUBLIC KEY-----)?$", trimspace(coalesce(var.dbt_user_rsa_public_key, "_")))))
    error_message = "dbt_user_rsa_public_key must be an RSA public key (-----BEGIN PUBLIC KEY----- PEM or its base64 body), never a private key."
  }
}

variable "sync_user_rsa_public_key" {
  description = "RSA public key of the sync engine's service user: the output of `openssl rsa -pubout` (PEM) or its body on one line. Null: the user is created without a key and cannot log in until one is set."
  type        = string
  default     = null

  validation {
    condition     = var.sync_user_rsa_public_key == null || (!strcontains(coalesce(var.sync_user_rsa_public_key, "_"), "PRIVATE KEY") && can(regex("^(-----BEGIN PUBLIC KEY-----)?[A-Za-z0-9+/=\\s]+(-----END PUBLIC KEY-----)?$", trimspace(coalesce(var.sync_user_rsa_public_key, "_")))))
    error_message = "sync_user_rsa_public_key must be an RSA public key (-----BEGIN PUBLIC KEY----- PEM or its base64 body), never a private key."
  }
}
