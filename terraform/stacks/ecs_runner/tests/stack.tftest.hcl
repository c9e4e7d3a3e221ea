# Stack-level validation (the module validates everything else). Mock provider: no credentials, no network.

mock_provider "aws" {}

variables {
  name       = "acme"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa"]
  image_tag  = "1.2.3"
}

run "rejects_a_non_ascii_region" {
  command = plan

  variables {
    region = "eu-west-\u0661"
  }

  expect_failures = [var.region]
}
