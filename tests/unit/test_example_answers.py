"""The answers files shipped in examples/ stay valid as the templates change."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tapestry.core.errors import AnswersError
from tapestry.kickstart.answers import validate_answers
from tapestry.kickstart.render import render_files
from tapestry.kickstart.spec import load_template
from tapestry.project.config import parse_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_aws_example_answers_validate_and_render_a_valid_config(tmp_path: Path) -> None:
    key = tmp_path / ".snowflake" / "terraform_admin.p8"
    key.parent.mkdir()
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n")
    env = {
        "HOME": str(tmp_path),
        "ZOOM_CLIENT_SECRET": "zoom-secret-value-1",
        "SALESFORCE_CLIENT_SECRET": "sf-secret-value-2",
        "SALESFORCE_REFRESH_TOKEN": "sf-refresh-value-3",
        "MAILCHIMP_API_KEY": "mc-key-value-4-us1",
    }
    spec = load_template("zoom_salesforce_mailchimp")
    raw = yaml.safe_load((EXAMPLES / "aws-answers.yml").read_text())
    # The one value a user must look up: the shipped placeholder is refused, naming where to get it.
    with pytest.raises(AnswersError, match=r"abctl_sha256: the 64 hex digit SHA-256 of abctl-v0.30.4"):
        validate_answers(spec, raw, tmp_path, env=env)
    raw["abctl_sha256"] = "ab" * 32
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp_path))  # file:~/... expands against HOME
        answers = validate_answers(spec, raw, tmp_path, env=env)
    assert answers.secret_ids == {
        "snowflake_admin_private_key",
        "zoom_client_secret",
        "salesforce_client_secret",
        "salesforce_refresh_token",
        "mailchimp_api_key",
    }
    rendered = render_files(spec, answers.values)["tapestry.yml"]
    config = parse_config(yaml.safe_load(rendered), "tapestry.yml")
    assert config.target == "aws" and config.aws is not None
    assert config.aws.allowed_cidrs == ["203.0.113.0/24"]
    assert config.aws.airbyte.certificate_arn and config.aws.airbyte.public_hostname == "airbyte.example.com"
    assert not config.aws.airbyte.allow_plain_http and config.aws.airbyte.abctl_sha256 == "ab" * 32
    assert config.snowflake.manage_objects is True
    for name, secret in env.items():
        if name != "HOME":
            assert secret not in rendered
    assert "not-a-real-key" not in rendered


def test_demo_answers_validate(tmp_path: Path) -> None:
    spec = load_template("zoom_salesforce_mailchimp")
    raw = yaml.safe_load((EXAMPLES / "demo-answers.yml").read_text())
    answers = validate_answers(spec, raw, tmp_path, env={})
    assert answers.values["target"] == "local"


def test_the_shop_example_answers_validate_and_render_a_valid_config(tmp_path: Path) -> None:
    key = tmp_path / ".snowflake" / "terraform_admin.p8"
    key.parent.mkdir()
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n")
    env = {
        "HOME": str(tmp_path),
        "STRIPE_API_KEY": "sk_live_value-1",
        "ZENDESK_API_TOKEN": "zd-token-value-2",
        "SALESFORCE_CLIENT_SECRET": "sf-secret-value-2",
        "SALESFORCE_REFRESH_TOKEN": "sf-refresh-value-3",
        "MAILCHIMP_API_KEY": "mc-key-value-4-us1",
    }
    spec = load_template("ecommerce_support")
    raw = yaml.safe_load((EXAMPLES / "ecommerce-aws-answers.yml").read_text())
    raw["abctl_sha256"] = "ab" * 32
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp_path))
        answers = validate_answers(spec, raw, tmp_path, env=env)
    assert answers.secret_ids == {
        "snowflake_admin_private_key",
        "stripe_api_key",
        "zendesk_api_token",
        "salesforce_client_secret",
        "salesforce_refresh_token",
        "mailchimp_api_key",
    }
    rendered = render_files(spec, answers.values)["tapestry.yml"]
    for value in env.values():
        if value != str(tmp_path):
            assert value not in rendered  # secrets go to SSM, never into tapestry.yml
    config = parse_config(yaml.safe_load(rendered), "tapestry.yml")
    assert [(name, s.type) for name, s in config.sources.items()] == [
        ("stripe", "stripe"),
        ("zendesk", "zendesk_support"),
        ("salesforce", "salesforce"),
    ]
    assert all(not s.cloud_missing() for s in config.sources.values())
    mapping = config.syncs[0].mapping.model_dump()
    assert mapping["merge_fields"]["LTV"] == "lifetime_value" and {"column": "open_ticket_tag", "name": None} in [
        {k: t.get(k) for k in ("column", "name")} for t in mapping["tags"]
    ]
