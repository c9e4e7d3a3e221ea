"""`tapestry init` / `make kickstart` as a person answers them, in a pseudo-terminal (questionary)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect

from support.cli import TapestryCLI

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _spawn(cwd: Path, *args: str) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "160"}
    child = pexpect.spawn(
        sys.executable, ["-m", "tapestry", *args], cwd=str(cwd), env=env, encoding="utf-8", timeout=30
    )
    child.setwinsize(50, 160)
    return child


def _answer(child: pexpect.spawn, prompt: str, text: str) -> None:
    child.expect_exact(prompt)
    child.sendline(text)


def test_init_asks_every_question_and_re_asks_an_invalid_answer(tmp_path: Path) -> None:
    TapestryCLI(tmp_path).ok("demo-data", "--out", "exports", "--rows", "50")
    child = _spawn(tmp_path, "init", "acme")
    _answer(child, "Project name", "\x15Not Valid!")  # Ctrl-U clears the default first
    child.expect_exact("use 2-40 lower-case letters")  # shown under the prompt; the question stays open
    child.sendline("\x15acme")
    _answer(child, "Where should the pipeline run?", "")  # default: local
    _answer(child, "Zoom registrant export files", "exports/zoom/*.csv")
    _answer(child, "Salesforce contact export files", "exports/salesforce/*.jsonl")
    _answer(child, "Mailchimp audience (list) id", "list123")
    _answer(child, "Mailchimp API root", "")
    _answer(child, "Environment variable that holds the Mailchimp API key", "")
    _answer(child, "HubSpot portal (Hub ID)", "")  # optional: no HubSpot sync
    _answer(child, "Klaviyo list to keep the audience in", "")  # optional: no Klaviyo sync
    _answer(child, "Sync mode", "")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, ANSI.sub("", child.before or "")
    config = (tmp_path / "acme" / "tapestry.yml").read_text()
    assert 'project: "acme"' in config
    assert '"list123"' in config
    assert "exports/zoom/*.csv" in config


def test_kickstart_asks_the_aws_questions_hides_secrets_and_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    secret = "typed-secret-value-0042"
    child = _spawn(tmp_path, "kickstart", "acme")
    _answer(child, "Project name", "\x15acme")
    child.expect_exact("Where should the pipeline run?")
    child.send("\x1b[B")  # arrow down to `aws`
    child.sendline("")
    _answer(child, "AWS region", "")
    _answer(child, "AWS profile", "")
    _answer(child, "Networks allowed to reach Airbyte", "0.0.0.0/0")
    child.expect_exact("opens the service to the whole internet")
    child.sendline("\x15" + "203.0.113.0/24")
    for prompt in (
        "E-mail for alarms",
        "S3 bucket for Terraform state",
        "EC2 instance type for Airbyte",
        "AMI for the Airbyte instance",
        "One-minute CloudWatch metrics",
        "Snapshot Airbyte's data volume",
        "ACM certificate ARN",
    ):
        _answer(child, prompt, "")
    _answer(child, "serve Airbyte over plain HTTP?", "y")  # no certificate: plain HTTP must be accepted
    _answer(child, "SHA-256 of abctl", "ab" * 32)
    for prompt in (
        "Reach Airbyte at this URL",
        "How often should the pipeline run?",
        "Runner image URI",
    ):
        _answer(child, prompt, "")
    _answer(child, "Snowflake account identifier", "acme-analytics")
    _answer(child, "Prefix of Tapestry's Snowflake objects", "")
    _answer(child, "Let Tapestry create the Snowflake objects", "")
    _answer(child, "Monthly credit cap for Tapestry's Snowflake warehouse", "20")
    _answer(child, "Snowflake admin user for Terraform", "TERRAFORM_ADMIN")
    _answer(child, "Private key (PEM) of the admin user", secret)
    child.expect_exact("Snowflake endpoint URL")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    transcript = ANSI.sub("", child.before or "")
    assert child.exitstatus == 130
    assert secret not in transcript  # typed into a hidden prompt
    assert not (tmp_path / "acme").exists()
