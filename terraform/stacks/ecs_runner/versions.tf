terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
  }

  # Local state by default (`-backend-config=path=...` moves the file). For S3 state with a lock file, add a
  # backend_override.tf containing `terraform { backend "s3" {} }` and pass -backend-config (see README.md).
  backend "local" {}
}
