################################################################################
# Warehouse and databases
################################################################################

output "warehouse_name" {
  description = "Warehouse every service user runs on (default_warehouse of each user)."
  value       = try(snowflake_warehouse.this[0].name, null)
}

output "raw_database_name" {
  description = "Database Airbyte loads into."
  value       = try(snowflake_database.this["raw"].name, null)
}

output "analytics_database_name" {
  description = "Database dbt builds into (owned by the transformer role)."
  value       = try(snowflake_database.this["analytics"].name, null)
}

################################################################################
# Schemas
################################################################################

output "raw_schema_names" {
  description = "Raw schemas, one per source (Airbyte destination namespaces), in the order of raw_schema_names."
  value       = [for name in var.raw_schema_names : snowflake_schema.this[lower(name)].name if var.create]
}

output "analytics_schema_name" {
  description = "Schema of dbt's staging and intermediate models."
  value       = try(snowflake_schema.this["analytics"].name, null)
}

output "marts_schema_name" {
  description = "Schema of dbt's marts: what the sync reads."
  value       = try(snowflake_schema.this["marts"].name, null)
}

output "sync_schema_name" {
  description = "Schema of the sync engine's state."
  value       = try(snowflake_schema.this["sync"].name, null)
}

output "raw_schema_fully_qualified_names" {
  description = "DATABASE.SCHEMA of each raw schema, in the order of raw_schema_names."
  value       = [for name in var.raw_schema_names : "${snowflake_database.this["raw"].name}.${snowflake_schema.this[lower(name)].name}" if var.create]
}

output "analytics_schema_fully_qualified_name" {
  description = "DATABASE.SCHEMA of dbt's staging and intermediate models."
  value       = try("${snowflake_database.this["analytics"].name}.${snowflake_schema.this["analytics"].name}", null)
}

output "marts_schema_fully_qualified_name" {
  description = "DATABASE.SCHEMA of the marts the sync reads."
  value       = try("${snowflake_database.this["analytics"].name}.${snowflake_schema.this["marts"].name}", null)
}

output "sync_schema_fully_qualified_name" {
  description = "DATABASE.SCHEMA of the sync engine's state."
  value       = try("${snowflake_database.this["analytics"].name}.${snowflake_schema.this["sync"].name}", null)
}

output "resource_monitor_name" {
  description = "Resource monitor assigned to the warehouse, or null when resource_monitor is not set."
  value       = one([for monitor in snowflake_resource_monitor.this : monitor.name])
}

################################################################################
# Roles and users
################################################################################

output "loader_role_name" {
  description = "Role of the Airbyte user."
  value       = try(snowflake_account_role.this["loader"].name, null)
}

output "transformer_role_name" {
  description = "Role of the dbt user."
  value       = try(snowflake_account_role.this["transformer"].name, null)
}

output "syncer_role_name" {
  description = "Role of the sync engine's user."
  value       = try(snowflake_account_role.this["syncer"].name, null)
}

output "airbyte_user_name" {
  description = "Service user for Airbyte's Snowflake destination (key-pair login)."
  value       = try(snowflake_service_user.this["airbyte"].name, null)
}

output "dbt_user_name" {
  description = "Service user for dbt (key-pair login)."
  value       = try(snowflake_service_user.this["dbt"].name, null)
}

output "sync_user_name" {
  description = "Service user for the sync engine (key-pair login)."
  value       = try(snowflake_service_user.this["sync"].name, null)
}

output "service_users" {
  description = "Per service user (airbyte, dbt, sync): name, role and warehouse: what a connection needs besides the private key."
  value = {
    for key, user in snowflake_service_user.this : key => {
      name      = user.name
      role      = snowflake_grant_account_role.to_user[key].role_name
      warehouse = user.default_warehouse
    }
  }
}

output "users_without_rsa_public_key" {
  description = "Service users created without a public key: they cannot log in until one is set (ALTER USER ... SET RSA_PUBLIC_KEY)."
  value       = var.create ? [for key, user in local.users : user.name if user.rsa_public_key == null] : []
}
