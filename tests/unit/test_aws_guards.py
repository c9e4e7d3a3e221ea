"""Bad AWS answers are refused before anything is created: the config model (tapestry.yml) and the kickstart
answers apply the same guards as the Terraform modules (issue 13: HTTPS unless plain HTTP is accepted, CIDR sets
that cover the internet, ASCII regions, Fargate task sizes, the abctl checksum)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tapestry.core.errors import AnswersError, ConfigError
from tapestry.kickstart.answers import validate_answers
from tapestry.kickstart.render import render_files
from tapestry.kickstart.spec import load_template
from tapestry.project.config import FARGATE_MEMORY, covers_everything, parse_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHA = "0123456789abcdef" * 4
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
BASE: dict[str, Any] = {
    "schema_version": 1,
    "project": "acme",
    "target": "aws",
    "template": "blank",
    "warehouse": {"type": "snowflake", "account": "acme-analytics", "manage_objects": False},
    "aws": {
        "region": "us-east-1",
        "allowed_cidrs": ["203.0.113.0/24"],
        "airbyte": {"certificate_arn": CERT, "public_hostname": "airbyte.acme.example", "abctl_sha256": SHA},
    },
}


def config(**aws: Any) -> Any:
    data = copy.deepcopy(BASE)
    airbyte = aws.pop("airbyte", None)
    data["aws"].update(aws)
    if airbyte is not None:
        data["aws"]["airbyte"] = airbyte
    return parse_config(data, "tapestry.yml")


def refused(**aws: Any) -> str:
    with pytest.raises(ConfigError) as err:
        config(**aws)
    line = err.value.one_line()
    assert "\n" not in line
    return line


# -- config model ------------------------------------------------------------------------------------------------


def test_https_with_a_hostname_is_the_accepted_default() -> None:
    airbyte = config().aws.airbyte
    assert airbyte.certificate_arn == CERT and not airbyte.plain_http and not airbyte.allow_plain_http


def test_no_certificate_is_refused_unless_plain_http_is_accepted() -> None:
    line = refused(airbyte={"abctl_sha256": SHA})
    assert "certificate_arn is missing" in line and "allow_plain_http: true" in line and "private key" in line
    airbyte = config(airbyte={"abctl_sha256": SHA, "allow_plain_http": True}).aws.airbyte
    assert airbyte.plain_http


def test_a_certificate_needs_the_hostname_it_covers() -> None:
    line = refused(airbyte={"certificate_arn": CERT, "abctl_sha256": SHA})
    assert "public_hostname" in line and "amazonaws.com" in line


def test_the_abctl_checksum_is_required_and_shaped() -> None:
    assert "abctl_sha256 is missing" in refused(airbyte={"certificate_arn": CERT, "public_hostname": "a.example.com"})
    line = refused(airbyte={**BASE["aws"]["airbyte"], "abctl_sha256": "sha256:abc"})
    assert "aws.airbyte.abctl_sha256" in line


@pytest.mark.parametrize(
    "cidrs",
    [
        ["0.0.0.0/0"],
        ["0.0.0.0/1", "128.0.0.0/1"],
        ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1", "10.0.0.0/8"],
        [f"{i * 16}.0.0.0/4" for i in range(16)],
    ],
)
def test_cidr_sets_covering_the_internet_are_refused(cidrs: list[str]) -> None:
    assert covers_everything(cidrs)
    assert "allowed_cidrs" in refused(allowed_cidrs=cidrs)


def test_wide_but_partial_cidr_sets_are_accepted() -> None:
    cidrs = ["0.0.0.0/1", "128.0.0.0/2", "10.0.0.0/8"]
    assert not covers_everything(cidrs)
    assert config(allowed_cidrs=cidrs).aws.allowed_cidrs == cidrs


@pytest.mark.parametrize("region", ["us-east-\u0661", "us-\u0435ast-1", "us-east-1\n", "US-EAST-1", "us-east-１"])
def test_regions_are_ascii_only(region: str) -> None:
    assert "aws.region" in refused(region=region)


def test_an_ascii_region_is_accepted() -> None:
    assert config(region="ap-southeast-2").aws.region == "ap-southeast-2"


@pytest.mark.parametrize(("cpu", "memory"), [(256, 4096), (4096, 4096), (8192, 18432), (512, 512), (16384, 30720)])
def test_fargate_sizes_aws_refuses_are_refused(cpu: int, memory: int) -> None:
    line = refused(runner={"cpu": cpu, "memory": memory})
    assert f"memory {memory} is not a Fargate size for cpu {cpu}" in line


@pytest.mark.parametrize(("cpu", "memory"), [(256, 512), (1024, 8192), (4096, 30720), (8192, 61440), (16384, 122880)])
def test_valid_fargate_sizes_are_accepted(cpu: int, memory: int) -> None:
    runner = config(runner={"cpu": cpu, "memory": memory}).aws.runner
    assert (runner.cpu, runner.memory) == (cpu, memory)


def test_the_fargate_table_matches_the_modules_rule() -> None:
    """The module's validation (variables.tf) lists the same ranges as FARGATE_MEMORY."""
    text = (Path(__file__).resolve().parents[2] / "terraform/modules/ecs_runner/variables.tf").read_text()
    for cpu, allowed in FARGATE_MEMORY.items():
        if isinstance(allowed, range):
            assert f"{cpu} = range({allowed.start}, {allowed.stop}, {allowed.step})" in " ".join(text.split())
        else:
            assert f"{cpu} = [{', '.join(map(str, allowed))}]" in " ".join(text.split())


# -- kickstart answers ----------------------------------------------------------------------------------------


def example_answers(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    key = tmp_path / "admin.p8"
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n")
    raw: dict[str, Any] = yaml.safe_load((EXAMPLES / "aws-answers.yml").read_text())
    raw.update(snowflake_admin_private_key=f"file:{key}", abctl_sha256=SHA)
    raw.update(changes)
    return {k: v for k, v in raw.items() if v is not ...}


ENV = {
    "ZOOM_CLIENT_SECRET": "zoom-secret-value-1",
    "SALESFORCE_CLIENT_SECRET": "sf-secret-value-2",
    "SALESFORCE_REFRESH_TOKEN": "sf-refresh-value-3",
    "MAILCHIMP_API_KEY": "mc-key-value-4-us1",
}


def answer_problems(tmp_path: Path, **changes: Any) -> str:
    with pytest.raises(AnswersError) as err:
        validate_answers(
            load_template("zoom_salesforce_mailchimp"), example_answers(tmp_path, **changes), tmp_path, env=ENV
        )
    return err.value.one_line()


def test_answers_refuse_no_certificate_without_accepting_plain_http(tmp_path: Path) -> None:
    line = answer_problems(tmp_path, certificate_arn=None, airbyte_public_hostname=...)
    assert "allow_plain_http:" in line and "certificate_arn" in line


def test_answers_accepting_plain_http_warn_and_render_insecure_config(tmp_path: Path) -> None:
    spec = load_template("zoom_salesforce_mailchimp")
    raw = example_answers(tmp_path, certificate_arn=None, airbyte_public_hostname=..., allow_plain_http=True)
    answers = validate_answers(spec, raw, tmp_path, env=ENV)
    assert any(w.startswith("allow_plain_http: PLAIN HTTP") and "private key" in w for w in answers.warnings)
    rendered = parse_config(yaml.safe_load(render_files(spec, answers.values)["tapestry.yml"]), "tapestry.yml")
    assert rendered.aws is not None and rendered.aws.airbyte.allow_plain_http and rendered.aws.airbyte.plain_http


def test_answers_with_a_certificate_need_the_hostname(tmp_path: Path) -> None:
    assert "airbyte_public_hostname: is required" in answer_problems(tmp_path, airbyte_public_hostname=...)


@pytest.mark.parametrize("region", ["eu-west-\u0661", "eu-w\u0435st-1", "eu-west-1x"])
def test_answers_refuse_non_ascii_regions(tmp_path: Path, region: str) -> None:
    assert "aws_region:" in answer_problems(tmp_path, aws_region=region)


def test_answers_refuse_the_internet_in_pieces(tmp_path: Path) -> None:
    line = answer_problems(tmp_path, allowed_cidrs=["0.0.0.0/1", "128.0.0.0/1"])
    assert "allowed_cidrs:" in line and "whole internet" in line


def test_answers_refuse_a_malformed_checksum(tmp_path: Path) -> None:
    assert "abctl_sha256:" in answer_problems(tmp_path, abctl_sha256="not-a-checksum")
