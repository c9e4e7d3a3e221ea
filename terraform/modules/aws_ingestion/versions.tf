terraform {
  # 1.6: `terraform test` with mock providers is used by this module's tests.
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Upper bound: 6.0 changes data.aws_region and several schemas used here.
      version = ">= 5.0, < 6.0"
    }
  }
}
