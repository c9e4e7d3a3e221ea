output "names" {
  description = "Every object name the orchestrator needs (warehouse, databases, schemas, roles, users)."
  value = {
    warehouse          = module.snowflake.warehouse_name
    raw_database       = module.snowflake.raw_database_name
    analytics_database = module.snowflake.analytics_database_name
    loader_role        = module.snowflake.loader_role_name
    transformer_role   = module.snowflake.transformer_role_name
    syncer_role        = module.snowflake.syncer_role_name
    airbyte_user       = module.snowflake.airbyte_user_name
    dbt_user           = module.snowflake.dbt_user_name
    sync_user          = module.snowflake.sync_user_name
    resource_monitor   = module.snowflake.resource_monitor_name
  }
}

output "users_without_rsa_public_key" {
  description = "Service users created without a public key (they cannot log in until one is set)."
  value       = module.snowflake.users_without_rsa_public_key
}

output "account_admin_role" {
  description = "Role the account_admin provider configuration used for this run (ACCOUNTADMIN while a monitor is wanted or exists)."
  value       = local.account_admin_role
}
