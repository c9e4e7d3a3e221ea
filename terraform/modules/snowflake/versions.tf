terraform {
  # 1.9: validation rules refer to a local value (the reserved-keyword list).
  required_version = ">= 1.9"

  required_providers {
    snowflake = {
      source = "snowflakedb/snowflake"
      # 2.x: only stable resources are used (no preview_features_enabled needed).
      version = "~> 2.20"

      # The default provider creates the warehouse, databases and schemas (configure it with role = "SYSADMIN");
      # snowflake.security_admin creates roles and users and manages grants (role = "SECURITYADMIN").
      # Both may be the same provider configuration (e.g. one with a role that holds both).
      configuration_aliases = [snowflake.security_admin]
    }
  }
}
