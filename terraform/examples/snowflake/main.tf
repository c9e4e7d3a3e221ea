# Example: Tapestry's Snowflake objects, every module input wired to a variable.
#
# Credentials come from the environment only (nothing secret in this folder or in tfvars):
#
#   export SNOWFLAKE_ORGANIZATION_NAME=myorg  SNOWFLAKE_ACCOUNT_NAME=myaccount  SNOWFLAKE_USER=ADMIN_USER
#   export SNOWFLAKE_PRIVATE_KEY="$(cat ~/.snowflake/admin_rsa_key.p8)"   # the admin's key, real newlines
#   terraform init
#   terraform apply -var "dbt_user_rsa_public_key=$(cat dbt_rsa_key.pub)"
#
# The admin user needs the SYSADMIN and SECURITYADMIN roles, and ACCOUNTADMIN too when a resource monitor is
# set (-var 'resource_monitor={credit_quota=20}'). To remove the cap later, apply once without resource_monitor
# and with -var resource_monitor_exists=true (the drop needs ACCOUNTADMIN). The equivalent SQL script for a DBA:
#   tapestry snowflake-sql --prefix TAPESTRY_EXAMPLE --public-key dbt=dbt_rsa_key.pub [--credit-quota 20]

# Creates the warehouse, databases and schemas (SYSADMIN owns them, as in the SQL script).
provider "snowflake" {
  role          = "SYSADMIN"
  authenticator = "SNOWFLAKE_JWT"
}

# Creates roles and users and manages grants.
provider "snowflake" {
  alias         = "security_admin"
  role          = "SECURITYADMIN"
  authenticator = "SNOWFLAKE_JWT"
}

# Creates, assigns and (on removal) drops the resource monitor. Terraform logs in with it on every run, so it
# uses ACCOUNTADMIN while a monitor is wanted or still exists, SYSADMIN otherwise (no ACCOUNTADMIN needed then).
provider "snowflake" {
  alias         = "account_admin"
  role          = var.resource_monitor != null || var.resource_monitor_exists ? "ACCOUNTADMIN" : "SYSADMIN"
  authenticator = "SNOWFLAKE_JWT"
}

module "snowflake" {
  source = "../../modules/snowflake"

  providers = {
    snowflake                = snowflake
    snowflake.security_admin = snowflake.security_admin
    snowflake.account_admin  = snowflake.account_admin
  }

  create  = var.create
  prefix  = var.prefix
  comment = var.comment

  warehouse_name                 = var.warehouse_name
  warehouse_size                 = var.warehouse_size
  warehouse_auto_suspend_seconds = var.warehouse_auto_suspend_seconds

  resource_monitor      = var.resource_monitor
  resource_monitor_name = var.resource_monitor_name

  raw_database_name       = var.raw_database_name
  analytics_database_name = var.analytics_database_name

  raw_schema_names      = var.raw_schema_names
  analytics_schema_name = var.analytics_schema_name
  marts_schema_name     = var.marts_schema_name
  sync_schema_name      = var.sync_schema_name

  loader_role_name      = var.loader_role_name
  transformer_role_name = var.transformer_role_name
  syncer_role_name      = var.syncer_role_name

  airbyte_user_name = var.airbyte_user_name
  dbt_user_name     = var.dbt_user_name
  sync_user_name    = var.sync_user_name

  airbyte_user_rsa_public_key = var.airbyte_user_rsa_public_key
  dbt_user_rsa_public_key     = var.dbt_user_rsa_public_key
  sync_user_rsa_public_key    = var.sync_user_rsa_public_key
}
