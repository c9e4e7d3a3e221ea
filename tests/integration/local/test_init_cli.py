"""`tapestry init` as a pipeline calls it."""

from __future__ import annotations

from pathlib import Path

import yaml

from support.cli import TapestryCLI, write_answers


def _answers(root: Path, **overrides: object) -> Path:
    (root / "exports").mkdir(exist_ok=True)
    (root / "exports" / "z.csv").write_text("id,webinar_id,email,create_time\n")
    (root / "exports" / "s.jsonl").write_text("")
    answers = {
        "project_name": "acme",
        "target": "local",
        "zoom_files": ["exports/z.csv"],
        "salesforce_files": ["exports/s.jsonl"],
        "mailchimp_list_id": "a1b2c3",
        **overrides,
    }
    return write_answers(root / "answers.yml", **answers)


def test_invalid_answers_are_rejected_by_id_and_nothing_is_created(cli: TapestryCLI) -> None:
    _answers(
        cli.cwd,
        project_name="ACME!",
        salesforce_files=["nope/*.jsonl", "missing.csv"],
        mailchimp_api_url="not a url",
        extra=1,
    )
    result = cli("init", "proj", "--non-interactive", "--answers", "answers.yml")
    assert result.returncode == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    for question_id in ("project_name", "salesforce_files", "mailchimp_api_url", "extra"):
        assert f"{question_id}:" in line
    assert not (cli.cwd / "proj").exists()
    assert not list(cli.cwd.glob(".tapestry-init-*"))


def test_unreadable_answers_file_is_named(cli: TapestryCLI) -> None:
    (cli.cwd / "bad.yml").write_text("project_name: [\n")
    result = cli("init", "proj", "--non-interactive", "--answers", "bad.yml")
    assert result.returncode == 2 and "bad.yml line 1: not valid YAML" in result.stderr


def test_init_is_idempotent_and_refuses_silent_overwrites(cli: TapestryCLI) -> None:
    _answers(cli.cwd)
    first = cli.ok("init", "proj", "--non-interactive", "--answers", "answers.yml")
    assert "created tapestry.yml" in first.stdout
    config = yaml.safe_load((cli.cwd / "proj" / "tapestry.yml").read_text())
    assert config["sources"]["zoom"]["files"] == ["../exports/z.csv"]  # relative to the project folder
    assert config["schema_version"] == 2
    assert config["syncs"][0]["destination"]["api_key"] == {"env": "MAILCHIMP_API_KEY"}
    (cli.cwd / "proj" / "dbt_project" / "models" / "my_model.sql").write_text("select 1 as x")

    again = cli.ok("init", "proj", "--non-interactive", "--answers", "answers.yml")
    assert "Project unchanged" in again.stdout

    _answers(cli.cwd, mailchimp_list_id="zzz999")
    refused = cli("init", "proj", "--non-interactive", "--answers", "answers.yml")
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert "a1b2c3" in (cli.cwd / "proj" / "tapestry.yml").read_text()

    cli.ok("init", "proj", "--non-interactive", "--answers", "answers.yml", "--force")
    assert "zzz999" in (cli.cwd / "proj" / "tapestry.yml").read_text()
    assert (cli.cwd / "proj" / "dbt_project" / "models" / "my_model.sql").exists(), "user dbt edits are kept"


def test_project_folder_defaults_to_the_project_name(cli: TapestryCLI) -> None:
    _answers(cli.cwd, project_name="from-name")
    cli.ok("init", "--non-interactive", "--answers", "answers.yml")
    assert (cli.cwd / "from-name" / "tapestry.yml").is_file()


def test_commands_outside_a_project_explain_what_to_do(cli: TapestryCLI) -> None:
    result = cli("run")
    assert result.returncode == 2
    assert "is not a Tapestry project" in result.stderr and "tapestry init" in result.stderr


def test_template_alone_lists_the_templates_with_what_each_does(cli: TapestryCLI) -> None:
    for args in (
        ["init", "--template"],
        ["init", "proj", "--template", "--non-interactive"],
        ["kickstart", "--template"],
    ):
        listing = cli.ok(*args).stdout
        assert "ecommerce_support  An online shop: Stripe customers" in listing, args
        assert "zoom_salesforce_mailchimp  Zoom webinar registrants" in listing
        assert "blank  Infrastructure only" in listing
    assert not (cli.cwd / "proj").exists()


def test_an_unknown_template_is_listed_and_refused_in_one_line(cli: TapestryCLI) -> None:
    result = cli("init", "proj", "--template", "shop", "--non-interactive")
    assert result.returncode == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error == [
        "error: kickstart template 'shop' does not exist. Fix: use --template with one of: blank, ecommerce_support, "
        "zoom_salesforce_mailchimp (`tapestry init --template` describes each)"
    ]
    assert "ecommerce_support  An online shop" in result.stderr
    assert not (cli.cwd / "proj").exists()
