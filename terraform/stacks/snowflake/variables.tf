variable "prefix" {
  description = "Prefix of every Snowflake object name (e.g. TAPESTRY -> TAPESTRY_WH, TAPESTRY_RAW, ...)."
  type        = string
  default     = "TAPESTRY"
}

variable "raw_schema_names" {
  description = "Raw schemas, one per source of the project (its name, upper-cased): where Airbyte lands each source's streams. Validated by the module."
  type        = list(string)
  default     = []
}

variable "airbyte_user_rsa_public_key" {
  description = "Public key (one line, no BEGIN/END) of the Airbyte service user. The private key stays in SSM."
  type        = string
  default     = null
}

variable "dbt_user_rsa_public_key" {
  description = "Public key of the dbt service user."
  type        = string
  default     = null
}

variable "sync_user_rsa_public_key" {
  description = "Public key of the sync service user."
  type        = string
  default     = null
}

variable "resource_monitor" {
  description = "Credit cap for the warehouse (warehouse.resource_monitor in tapestry.yml), or null for none. Validated by the module."
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

variable "resource_monitor_name" {
  description = "Resource monitor name. Null: <PREFIX>_MONITOR."
  type        = string
  default     = null
}

variable "resource_monitor_exists" {
  description = "Whether this stack's state holds a resource monitor (the orchestrator reads `terraform state list` before each plan). With resource_monitor null it makes the apply that removes the cap run as ACCOUNTADMIN. By hand: pass true for the apply that removes resource_monitor."
  type        = bool
  nullable    = false
  default     = false
}
