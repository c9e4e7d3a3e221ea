"""Invalid answers for the cloud kickstart are rejected by id, with nothing created anywhere."""

from __future__ import annotations

from .world import CloudWorld


def test_invalid_cloud_answers_are_rejected_by_id_and_nothing_is_created(world: CloudWorld) -> None:
    answers = world.answers(
        "badanswers",
        aws_region="moon-base-1",
        allowed_cidrs=["0.0.0.0/0"],
        snowflake_account="not an account!",
        zoom_client_secret="env:TEST_UNSET_SECRET",
        schedule="every tuesday",
    )
    result = world.tapestry("kickstart", "badanswers", "--non-interactive", "--answers", answers.name)
    assert result.returncode == 2, result.stdout + result.stderr
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    for question_id in ("aws_region", "allowed_cidrs", "snowflake_account", "zoom_client_secret", "schedule"):
        assert f"{question_id}:" in line, question_id
    assert "TEST_UNSET_SECRET is not set" in line
    assert not (world.root / "badanswers").exists()
    ssm = world.moto.boto3_client("ssm")
    assert (
        ssm.describe_parameters(
            ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": ["/tapestry/badanswers"]}]
        )["Parameters"]
        == []
    )
    assert world.moto.boto3_client("ec2").describe_instances()["Reservations"] == []
