terraform {
  required_version = ">= 1.9"

  # Local state by default; see ../aws_ingestion/versions.tf for S3 state with a lock file.
  backend "local" {}

  required_providers {
    snowflake = {
      source  = "snowflakedb/snowflake"
      version = "~> 2.20"
    }
  }
}
