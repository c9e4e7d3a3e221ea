from __future__ import annotations

from pathlib import Path

import pytest

from tapestry.core.errors import AnswersError
from tapestry.kickstart.answers import validate_answers
from tapestry.kickstart.spec import available_templates, load_template


@pytest.fixture
def spec():  # type: ignore[no-untyped-def]
    return load_template("zoom_salesforce_mailchimp")


def test_templates_are_discovered() -> None:
    assert "zoom_salesforce_mailchimp" in available_templates()


def test_valid_answers_are_normalised(spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "z.csv").write_text("x")
    result = validate_answers(
        spec,
        {"project_name": "acme", "zoom_files": "z.csv, exports/*.csv", "salesforce_files": ["z.csv"]},
        tmp_path,
    )
    assert result.values["zoom_files"] == ["z.csv", "exports/*.csv"]
    assert result.values["target"] == "local"  # default
    assert result.values["mailchimp_list_id"] is None
    assert result.warnings == ["zoom_files: 'exports/*.csv' matches no file yet"]


def test_all_problems_are_reported_at_once_by_id(spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AnswersError) as err:
        validate_answers(
            spec,
            {
                "project_name": "Not Valid!",
                "target": "local",
                "salesforce_files": ["missing.csv"],
                "mailchimp_api_url": "ftp://nope",
                "mailchimp_list_id": "has spaces",
                "colour": "blue",
            },
            tmp_path,
        )
    problems = err.value.problems
    assert set(problems) == {
        "project_name",
        "zoom_files",
        "salesforce_files",
        "mailchimp_api_url",
        "mailchimp_list_id",
        "colour",
    }
    assert "unknown question id" in problems["colour"]
    assert "missing.csv" in problems["salesforce_files"]


def test_an_unknown_target_is_refused(spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AnswersError) as err:
        validate_answers(spec, {"project_name": "acme", "target": "mars"}, tmp_path)
    assert "must be one of local" in err.value.problems["target"]


def test_conditional_questions_follow_earlier_answers(spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AnswersError) as err:
        validate_answers(spec, {"project_name": "acme", "target": "local"}, tmp_path)
    assert set(err.value.problems) == {"zoom_files", "salesforce_files"}  # asked because target == local
