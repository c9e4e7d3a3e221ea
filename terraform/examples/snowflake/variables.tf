variable "create" {
  description = "Create the objects (false: the module creates nothing)."
  type        = bool
  default     = true
}

variable "prefix" {
  description = "Prefix of every derived name."
  type        = string
  default     = "TAPESTRY_EXAMPLE"
}

variable "comment" {
  description = "Comment on every object."
  type        = string
  default     = "Tapestry example (terraform/examples/snowflake)"
}

variable "warehouse_name" {
  description = "Warehouse name. Null: <PREFIX>_WH."
  type        = string
  default     = null
}

variable "warehouse_size" {
  description = "Warehouse size."
  type        = string
  default     = "XSMALL"
}

variable "warehouse_auto_suspend_seconds" {
  description = "Idle seconds before the warehouse suspends."
  type        = number
  default     = 60
}

variable "resource_monitor" {
  description = "Credit cap for the warehouse (e.g. { credit_quota = 20 }), or null for none. Needs ACCOUNTADMIN."
  type = object({
    credit_quota              = number
    frequency                 = optional(string)
    start_timestamp           = optional(string)
    notify_triggers           = optional(list(number))
    suspend_trigger           = optional(number)
    suspend_immediate_trigger = optional(number)
    notify_users              = optional(list(string))
  })
  default = null
}

variable "resource_monitor_exists" {
  description = "True for the apply that removes resource_monitor: the monitor still exists and only ACCOUNTADMIN may drop it."
  type        = bool
  default     = false
}

variable "resource_monitor_name" {
  description = "Resource monitor name. Null: <PREFIX>_MONITOR."
  type        = string
  default     = null
}

variable "raw_database_name" {
  description = "Raw database name. Null: <PREFIX>_RAW."
  type        = string
  default     = null
}

variable "analytics_database_name" {
  description = "Analytics database name. Null: <PREFIX>_ANALYTICS."
  type        = string
  default     = null
}

variable "raw_schema_names" {
  description = "Raw schemas, one per source (Airbyte destination namespaces)."
  type        = list(string)
  default     = ["ZOOM", "SALESFORCE"]
}

variable "analytics_schema_name" {
  description = "Schema for dbt's staging and intermediate models."
  type        = string
  default     = "ANALYTICS"
}

variable "marts_schema_name" {
  description = "Schema for dbt's marts (read by the sync)."
  type        = string
  default     = "MARTS"
}

variable "sync_schema_name" {
  description = "Schema for the sync engine's state."
  type        = string
  default     = "TAPESTRY_SYNC"
}

variable "loader_role_name" {
  description = "Airbyte's role. Null: <PREFIX>_LOADER."
  type        = string
  default     = null
}

variable "transformer_role_name" {
  description = "dbt's role. Null: <PREFIX>_TRANSFORMER."
  type        = string
  default     = null
}

variable "syncer_role_name" {
  description = "The sync engine's role. Null: <PREFIX>_SYNCER."
  type        = string
  default     = null
}

variable "airbyte_user_name" {
  description = "Airbyte's service user. Null: <PREFIX>_AIRBYTE."
  type        = string
  default     = null
}

variable "dbt_user_name" {
  description = "dbt's service user. Null: <PREFIX>_DBT."
  type        = string
  default     = null
}

variable "sync_user_name" {
  description = "The sync engine's service user. Null: <PREFIX>_SYNC."
  type        = string
  default     = null
}

variable "airbyte_user_rsa_public_key" {
  description = "Public key (PEM or one-line body) of the Airbyte user. Null: set it later."
  type        = string
  default     = null
}

variable "dbt_user_rsa_public_key" {
  description = "Public key (PEM or one-line body) of the dbt user. Null: set it later."
  type        = string
  default     = null
}

variable "sync_user_rsa_public_key" {
  description = "Public key (PEM or one-line body) of the sync user. Null: set it later."
  type        = string
  default     = null
}
