from __future__ import annotations

from pathlib import Path

import pytest

from tapestry.core.errors import ConfigError
from tapestry.project.config import load_config, parse_config


def test_minimal_config_gets_safe_defaults() -> None:
    config = parse_config({"project": "acme"}, "tapestry.yml")
    assert config.target == "local"
    assert config.sync.mode == "upsert"
    assert config.sync.mailchimp.api_key.env == "MAILCHIMP_API_KEY"
    assert config.sync.mapping.merge_fields == {"FNAME": "first_name", "LNAME": "last_name"}


def test_a_secret_value_in_the_config_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"project": "acme", "sync": {"mailchimp": {"api_key": "abc123-us1"}}}, "tapestry.yml")
    assert "sync.mailchimp.api_key holds a secret value" in err.value.one_line()
    assert "abc123" not in err.value.one_line()


def test_every_invalid_setting_is_named_with_its_path() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(
            {
                "project": "Bad Name",
                "sync": {"mode": "delete-everything", "mapping": {"merge_fields": {"fname": "x"}}},
                "unknown": 1,
            },
            "p/tapestry.yml",
        )
    text = err.value.one_line()
    for where in ("project", "sync.mode", "sync.mapping.merge_fields", "unknown"):
        assert where in text


def test_secret_reference_needs_exactly_one_source() -> None:
    with pytest.raises(ConfigError, match="exactly one"):
        parse_config({"project": "acme", "sync": {"mailchimp": {"api_key": {}}}}, "tapestry.yml")


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a Tapestry project"):
        load_config(tmp_path)
    (tmp_path / "tapestry.yml").write_text("project: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(tmp_path)
