terraform {
  # 1.9: validation rules refer to a local value (the reserved-keyword list).
  required_version = ">= 1.9"

  required_providers {
    snowflake = {
      source = "snowflakedb/snowflake"
      # 2.x: only stable resources are used (no preview_features_enabled needed).
      version = "~> 2.20"

      # The default provider creates the warehouse, databases and schemas and hands over their ownership
      # (configure it with role = "SYSADMIN"); snowflake.security_admin creates roles and users and manages
      # grants (role = "SECURITYADMIN"); snowflake.account_admin creates the optional resource monitor and
      # assigns it to the warehouse (role = "ACCOUNTADMIN"; without a monitor it is never used, so any
      # configuration will do, e.g. the default one).
      configuration_aliases = [snowflake.security_admin, snowflake.account_admin]
    }
  }
}
