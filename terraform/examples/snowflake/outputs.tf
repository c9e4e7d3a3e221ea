output "warehouse_name" {
  description = "Warehouse."
  value       = module.snowflake.warehouse_name
}

output "raw_database_name" {
  description = "Database Airbyte loads into."
  value       = module.snowflake.raw_database_name
}

output "analytics_database_name" {
  description = "Database dbt builds into."
  value       = module.snowflake.analytics_database_name
}

output "marts_schema_fully_qualified_name" {
  description = "What the sync reads."
  value       = module.snowflake.marts_schema_fully_qualified_name
}

output "service_users" {
  description = "Name, role and warehouse of each service user."
  value       = module.snowflake.service_users
}

output "users_without_rsa_public_key" {
  description = "Users that cannot log in yet."
  value       = module.snowflake.users_without_rsa_public_key
}

output "resource_monitor_name" {
  description = "Resource monitor capping the warehouse (null: none)."
  value       = module.snowflake.resource_monitor_name
}
