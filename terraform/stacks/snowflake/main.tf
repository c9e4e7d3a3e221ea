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

# Resource monitor (warehouse.resource_monitor in tapestry.yml): only ACCOUNTADMIN may create, assign, unassign
# or drop one. Terraform configures (logs in with) this provider on every run, because the monitor's resources
# exist in the configuration even with zero instances. So the role is ACCOUNTADMIN while a monitor is wanted
# *or still exists* (its removal runs the UNSET and the DROP through this configuration), and SYSADMIN
# otherwise, so an admin without ACCOUNTADMIN can run the stack when there never was a cap.
locals {
  account_admin_role = var.resource_monitor != null || var.resource_monitor_exists ? "ACCOUNTADMIN" : "SYSADMIN"
}

provider "snowflake" {
  alias         = "account_admin"
  role          = local.account_admin_role
  authenticator = "SNOWFLAKE_JWT"
}

module "snowflake" {
  source = "../../modules/snowflake"

  providers = {
    snowflake                = snowflake
    snowflake.security_admin = snowflake.security_admin
    snowflake.account_admin  = snowflake.account_admin
  }

  prefix           = var.prefix
  raw_schema_names = var.raw_schema_names

  resource_monitor      = var.resource_monitor
  resource_monitor_name = var.resource_monitor_name

  airbyte_user_rsa_public_key = var.airbyte_user_rsa_public_key
  dbt_user_rsa_public_key     = var.dbt_user_rsa_public_key
  sync_user_rsa_public_key    = var.sync_user_rsa_public_key
}
