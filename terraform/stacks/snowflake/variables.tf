variable "prefix" {
  description = "Prefix of every Snowflake object name (e.g. TAPESTRY -> TAPESTRY_WH, TAPESTRY_RAW, ...)."
  type        = string
  default     = "TAPESTRY"
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
