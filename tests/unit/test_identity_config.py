"""The `identity:` section: validation, the dbt var it becomes, the dbt project's own defaults, and the
country table checked against libphonenumber's metadata."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from tapestry.core.errors import ConfigError
from tapestry.project.config import parse_config
from tapestry.project.identity import COUNTRIES, IdentityConfig

BASE: dict[str, Any] = {"schema_version": 2, "project": "acme", "sources": {"crm": {"type": "salesforce"}}}


def _config(identity: Any) -> Any:
    return parse_config({**BASE, "identity": identity}, "tapestry.yml")


def test_the_section_is_optional_and_defaults_to_identity_resolution() -> None:
    config = parse_config(BASE, "tapestry.yml")
    rules = config.identity_vars()
    assert [r["identifier"] for r in rules["match_rules"]] == ["source_id", "email", "phone"]
    assert rules["phone"] == {"country_code": "1", "trunk_prefix": "1", "international_prefix": "011"}
    assert "source_id" not in rules  # how a source spells its ids is its plugin's business (source_record_key)
    assert rules["source_priority"] == []  # the order of `sources:` decides


def test_settings_reach_the_dbt_var() -> None:
    config = _config(
        {
            "phone": {"default_country": "gb"},
            "match_rules": [{"identifier": "email"}, {"identifier": "phone", "same": ["last_name"]}],
            "survivorship": {"email": "source_priority"},
            "source_priority": ["crm"],
            "blocked": {"emails": ["frontdesk@acme.com"]},
        }
    )
    rules = config.identity_vars()
    assert rules["phone"] == {"country_code": "44", "trunk_prefix": "0", "international_prefix": "00"}
    assert rules["match_rules"] == [
        {"identifier": "email", "same": []},
        {"identifier": "phone", "same": ["last_name"]},
    ]
    assert rules["survivorship"]["email"] == "source_priority"
    assert rules["source_priority"] == ["crm"]
    assert rules["blocked"]["emails"] == ["frontdesk@acme.com"]


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        ({"phone": {"default_country": "XX"}}, "identity.phone.default_country: Value error, unknown country 'XX'"),
        ({"match_rules": [{"identifier": "name"}]}, "identity.match_rules[0].identifier"),
        ({"match_rules": [{"identifier": "email"}, {"identifier": "email"}]}, "lists a rule twice"),
        ({"match_rules": []}, "identity.match_rules"),
        ({"limits": {"max_emails_per_person": 0}}, "identity.limits.max_emails_per_person"),
        ({"survivorship": {"email": "newest"}}, "identity.survivorship.email"),
        ({"email": {"plus_tag_domains": ["not a domain"]}}, "identity.email.plus_tag_domains[0]"),
        ({"emails": {"gmail": False}}, "identity.emails: Extra inputs are not permitted"),
        ({"source_priority": ["salesforce"]}, "identity.source_priority names 'salesforce', which is not a source"),
    ],
)
def test_bad_settings_name_the_setting(identity: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _config(identity)
    assert message in caught.value.message


def test_yaml_reading_on_as_true_gets_a_clear_error() -> None:
    data = yaml.safe_load("match_rules: [{on: email}]")  # YAML 1.1: `on` is the boolean true
    with pytest.raises(ConfigError) as caught:
        _config(data)
    assert "write `identifier: email`" in caught.value.message


def _dbt_defaults() -> dict[str, Any]:
    """Render the dbt project's identity_defaults() macro (dbt's `return` and `var` stood in for)."""
    source = (Path(__file__).parents[2] / "dbt_project" / "macros" / "identity" / "config.sql").read_text()
    macro = re.search(r"{% macro identity_defaults\(\) -%}.*?{%- endmacro %}", source, re.S)
    assert macro
    returned: list[dict[str, Any]] = []
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    env.globals.update(var=lambda name, default=None: default, **{"return": returned.append})
    env.from_string(macro.group(0) + "{{ identity_defaults() }}").render()
    return returned[0]


def test_the_dbt_project_defaults_equal_tapestrys() -> None:
    """A dbt run without Tapestry (no `identity` var) resolves people like a project without `identity:`."""
    python = IdentityConfig().dbt_vars()
    assert _dbt_defaults() == python


def test_every_country_matches_libphonenumber() -> None:
    phonenumbers = pytest.importorskip("phonenumbers")
    from phonenumbers import PhoneMetadata

    for region, country in COUNTRIES.items():
        meta = PhoneMetadata.metadata_for_region(region)
        assert country.calling_code == str(phonenumbers.country_code_for_region(region)), region
        assert country.trunk_prefix == (meta.national_prefix or ""), region
        assert re.fullmatch(meta.international_prefix, country.international_prefix), region
