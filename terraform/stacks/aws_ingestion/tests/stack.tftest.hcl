# Stack-level validation (the module validates everything else). Mock provider: no credentials, no network.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }

  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b"] }
  }

  mock_data "aws_ec2_instance_type" {
    defaults = { default_vcpus = 4, memory_size = 16384, supported_architectures = ["x86_64"] }
  }
}

variables {
  name          = "acme"
  allowed_cidrs = ["203.0.113.0/24"]
  abctl_sha256  = "abababababababababababababababababababababababababababababababab"
  # The stack passes these through; the module requires HTTPS unless plain HTTP is accepted.
  certificate_arn         = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
  airbyte_public_hostname = "airbyte.acme.example"
}

run "an_ascii_region_plans" {
  command = plan

  variables {
    region = "eu-central-2"
  }

  assert {
    condition     = !output.plain_http && output.airbyte_url == "https://airbyte.acme.example"
    error_message = "The stack must pass the certificate and hostname to the module."
  }
}

run "rejects_a_region_with_a_look_alike_digit" {
  command = plan

  variables {
    region = "us-east-\u0661" # ARABIC-INDIC DIGIT ONE
  }

  expect_failures = [var.region]
}

run "rejects_a_region_with_a_look_alike_letter" {
  command = plan

  variables {
    region = "us-\u0435ast-1" # CYRILLIC SMALL LETTER IE
  }

  expect_failures = [var.region]
}
