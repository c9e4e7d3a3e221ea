terraform {
  # 1.9: validation rules refer to other variables; `removed` blocks (1.7) forget the 1.x staging bucket.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Upper bound: 6.0 changes data.aws_region and several schemas used here.
      version = ">= 5.0, < 6.0"
    }
  }
}
