"""The Terraform fact behind the snowflake stack's `account_admin` role (tests/unit/snowflake/test_monitor_removal.py).

Terraform configures (for Snowflake: logs in with) a provider configuration as soon as a resource in the
configuration names it, even with `count = 0`; only a configuration no resource names is skipped. So a role that
is valid only while a monitor is wanted cannot be used for the apply that removes the monitor, and SYSADMIN cannot
stand in for ACCOUNTADMIN whenever the monitor still exists. Shown here with the mirrored aws provider: an aliased
configuration with a profile that does not exist fails the plan exactly when some resource names it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.terraform_env import Terraform

PROVIDERS = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0, < 6.0" }
  }
}

variable "wanted" {
  type    = bool
  default = false
}

provider "aws" {
  alias   = "admin"
  region  = "us-east-1"
  profile = "tapestry-test-profile-that-does-not-exist"
}

resource "terraform_data" "always" {}
"""

NAMED_WITH_NO_INSTANCES = """
resource "aws_sns_topic" "only_when_wanted" {
  provider = aws.admin
  count    = var.wanted ? 1 : 0
  name     = "x"
}
"""


@pytest.mark.parametrize(("extra", "configured"), [("", False), (NAMED_WITH_NO_INSTANCES, True)])
def test_a_provider_named_by_a_resource_is_configured_even_with_zero_instances(
    extra: str, configured: bool, tf_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "main.tf").write_text(PROVIDERS + extra, encoding="utf-8")
    tf = Terraform(tmp_path, tf_env)
    tf.init()
    result = tf.run("plan", ok_codes=(0, 1))
    assert ("failed to get shared config profile" in result.output) is configured, result.output
    assert (result.returncode == 1) is configured
