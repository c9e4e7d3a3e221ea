# Root stack of the "snowflake" deploy phase (used when warehouse.manage_objects is true).
# The orchestrator applies it with a generated *.tfvars.json holding names and public keys only.
# The admin's credentials reach the provider through SNOWFLAKE_* environment variables of the Terraform
# process (SNOWFLAKE_ORGANIZATION_NAME, SNOWFLAKE_ACCOUNT_NAME, SNOWFLAKE_USER, SNOWFLAKE_PRIVATE_KEY), so no
# secret is a Terraform input and none lands in state.

# Warehouse, databases and schemas.
provider "snowflake" {
  role          = "SYSADMIN"
  authenticator = "SNOWFLAKE_JWT"
}

# Roles, users and grants.
provider "snowflake" {
  alias         = "security_admin"
  role          = "SECURITYADMIN"
  authenticator = "SNOWFLAKE_JWT"
}

# Resource monitor (warehouse.resource_monitor in tapestry.yml): only ACCOUNTADMIN may create or assign one.
# Without a monitor nothing uses this configuration, and SYSADMIN keeps the admin from needing ACCOUNTADMIN.
provider "snowflake" {
  alias         = "account_admin"
  role          = var.resource_monitor == null ? "SYSADMIN" : "ACCOUNTADMIN"
  authenticator = "SNOWFLAKE_JWT"
}

module "snowflake" {
  source = "../../modules/snowflake"

  providers = {
    snowflake                = snowflake
    snowflake.security_admin = snowflake.security_admin
    snowflake.account_admin  = snowflake.account_admin
  }

  prefix = var.prefix

  resource_monitor      = var.resource_monitor
  resource_monitor_name = var.resource_monitor_name

  airbyte_user_rsa_public_key = var.airbyte_user_rsa_public_key
  dbt_user_rsa_public_key     = var.dbt_user_rsa_public_key
  sync_user_rsa_public_key    = var.sync_user_rsa_public_key
}
