"""engines.terraform.runner: a plan is summarised from `terraform plan -json`'s stream, and a failed `-json` run
says Terraform's own error. The stream below has the shape Terraform 1.11 prints (one JSON object a line)."""

from __future__ import annotations

import json

from tapestry.engines.terraform.runner import _json_error, summarize_plan


def stream(*messages: dict[str, object]) -> str:
    version = {"@level": "info", "type": "version", "terraform": "1.11.4", "ui": "1.2"}
    return "\n".join(json.dumps(m) for m in (version, *messages)) + "\n"


def planned(addr: str, action: str) -> dict[str, object]:
    return {"type": "planned_change", "change": {"resource": {"addr": addr}, "action": action}}


def test_each_kind_of_change_is_counted_as_terraform_counts_it() -> None:
    summary = summarize_plan(
        "aws_ingestion",
        stream(
            planned("aws_lb.this", "update"),
            planned("aws_instance.airbyte", "replace"),
            planned("aws_sns_topic.alarms", "create"),
            planned("aws_s3_bucket.old", "delete"),
            planned("data.aws_caller_identity.current", "read"),
            planned("aws_iam_role.moved", "move"),
            {"type": "resource_drift", "change": {"resource": {"addr": "aws_vpc.this"}, "action": "update"}},
            {"type": "change_summary", "changes": {"add": 2, "change": 1, "remove": 2, "operation": "plan"}},
        ),
    )
    assert (summary.add, summary.change, summary.destroy) == (2, 1, 2)
    assert summary.resources == [
        ("update", "aws_lb.this"),
        ("replace", "aws_instance.airbyte"),
        ("create", "aws_sns_topic.alarms"),
        ("destroy", "aws_s3_bucket.old"),
    ]
    assert summary.headline() == "aws_ingestion: 2 to add, 1 to change, 2 to destroy"


def test_a_plan_with_nothing_to_do_has_no_changes() -> None:
    summary = summarize_plan("ecs_runner", stream({"type": "change_summary", "changes": {"add": 0}}))
    assert not summary.has_changes and summary.headline() == "ecs_runner: no changes"


def test_the_first_error_diagnostic_is_the_reason() -> None:
    out = stream(
        {"type": "diagnostic", "diagnostic": {"severity": "warning", "summary": "Deprecated", "detail": "x"}},
        {"type": "diagnostic", "diagnostic": {"severity": "error", "summary": "No valid credential sources found"}},
        {"type": "diagnostic", "diagnostic": {"severity": "error", "summary": "second", "detail": "y"}},
    )
    assert _json_error(out) == "No valid credential sources found"
    assert _json_error("Error: not JSON\n") is None
