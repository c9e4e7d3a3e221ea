from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tapestry.core.errors import ConfigError
from tapestry.destinations.mailchimp.config import MailchimpConfig, MailchimpMapping
from tapestry.project.config import load_config, parse_config
from tapestry.project.migrate import upgrade_file
from tapestry.sources.salesforce.config import SalesforceSourceConfig
from tapestry.sources.zoom.config import ZoomSourceConfig

V2 = {
    "schema_version": 2,
    "project": "acme",
    "sources": {"zoom": {"type": "zoom", "files": ["z.csv"]}, "crm": {"type": "salesforce"}},
    "syncs": [
        {
            "name": "newsletter",
            "model": "audience",
            "destination": {"type": "mailchimp", "list_id": "abc123"},
            "mapping": {"email": "email_address", "tags": [{"name": "tapestry"}]},
        }
    ],
}


def test_version_2_sources_and_syncs_are_validated_by_their_plugins() -> None:
    config = parse_config(V2, "tapestry.yml")
    assert isinstance(config.sources["zoom"], ZoomSourceConfig)
    assert isinstance(config.sources["crm"], SalesforceSourceConfig)  # the name is the schema, the type the plugin
    sync = config.syncs[0]
    assert isinstance(sync.destination, MailchimpConfig) and isinstance(sync.mapping, MailchimpMapping)
    assert sync.destination.identity() == "mailchimp:abc123"
    assert sync.mapping.model_columns == ["email_address", "first_name", "last_name"]
    dumped = config.model_dump(mode="json")  # plugin fields survive a dump (the state fingerprints use it)
    assert dumped["sources"]["zoom"]["oauth_url"] == "https://zoom.us"
    assert dumped["syncs"][0]["destination"]["batch_size"] == 2500


def test_a_version_1_file_reads_as_the_same_pipeline() -> None:
    v1 = {
        "schema_version": 1,
        "project": "acme",
        "sources": {"zoom": {"files": ["z/*.csv"]}},
        "sync": {
            "model": "mailchimp_audience",
            "mode": "mirror",
            "concurrency": 4,
            "mailchimp": {"list_id": "abc123", "api_key": {"secret": "mailchimp/api_key"}},
            "mapping": {"merge_fields": {"FNAME": "first_name"}},
        },
    }
    config = parse_config(v1, "tapestry.yml")
    assert config.schema_version == 2
    # version 1 always had both; Salesforce first, as its values won ties in version 1
    assert list(config.sources) == ["salesforce", "zoom"]
    assert config.sources["zoom"].files == ["z/*.csv"]
    (sync,) = config.syncs
    assert (sync.name, sync.model, sync.mode) == ("mailchimp", "mailchimp_audience", "mirror")
    assert isinstance(sync.destination, MailchimpConfig)
    assert sync.destination.identity() == "mailchimp:abc123"  # the same sync state as before
    assert sync.destination.concurrency == 4
    assert sync.destination.api_key.secret == "mailchimp/api_key"


def test_a_bare_file_keeps_version_1_defaults() -> None:
    config = parse_config({"project": "acme"}, "tapestry.yml")
    assert config.target == "local"
    (sync,) = config.syncs
    assert sync.mode == "upsert"
    assert isinstance(sync.destination, MailchimpConfig) and isinstance(sync.mapping, MailchimpMapping)
    assert sync.destination.api_key.env == "MAILCHIMP_API_KEY"
    assert sync.mapping.merge_fields == {"FNAME": "first_name", "LNAME": "last_name"}


def test_a_secret_value_in_the_config_is_refused() -> None:
    bad = {**V2, "syncs": [{**V2["syncs"][0], "destination": {"type": "mailchimp", "api_key": "abc123-us1"}}]}
    with pytest.raises(ConfigError) as err:
        parse_config(bad, "tapestry.yml")
    assert "syncs[0].destination.api_key holds a secret value" in err.value.one_line()
    assert "abc123" not in err.value.one_line()
    with pytest.raises(ConfigError, match=r"sync.mailchimp.api_key holds a secret value"):
        parse_config({"project": "acme", "sync": {"mailchimp": {"api_key": "abc123-us1"}}}, "tapestry.yml")


def test_every_invalid_setting_is_named_with_its_path_as_the_file_spells_it() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(
            {
                "project": "Bad Name",
                "sync": {
                    "mode": "delete-everything",
                    "concurrency": 50,
                    "mailchimp": {"list_id": "a b"},
                    "mapping": {"merge_fields": {"fname": "x"}},
                },
                "unknown": 1,
            },
            "p/tapestry.yml",
        )
    text = err.value.one_line()
    for where in ("project", "sync.mode", "sync.concurrency", "sync.mailchimp.list_id", "sync.mapping.merge_fields"):
        assert f"{where}:" in text
    assert "unknown: Extra inputs" in text and "syncs[" not in text and "\n" not in text


def test_plugin_problems_name_the_plugin_setting_and_the_known_types() -> None:
    bad = {
        **V2,
        "sources": {"zoom": {"type": "zom"}, "crm": {"type": "salesforce", "client_id": "short"}, "x": {"files": []}},
        "syncs": [
            {**V2["syncs"][0], "mode": "sideways", "destination": {"type": "mailchimp", "list_id": "a b"}},
            {"name": "two", "model": "audience", "destination": {"type": "carrier-pigeon"}},
        ],
    }
    with pytest.raises(ConfigError) as err:
        parse_config(bad, "tapestry.yml")
    text = err.value.one_line()
    known = "salesforce, stripe, zendesk_support, zoom"
    assert f"sources.zoom.type: unknown source type 'zom' (use one of: {known})" in text
    assert "sources.crm.client_id: String should have at least 10 characters" in text
    assert "sources.x: give the source's settings with its `type:`" in text
    assert "syncs[0].destination.list_id:" in text and "syncs[0].mode:" in text
    assert (
        "syncs[1].destination.type: unknown destination type 'carrier-pigeon' (use one of: hubspot, klaviyo, mailchimp)"
        in text
    )


def test_two_syncs_may_not_share_a_name_or_a_destination() -> None:
    sync = V2["syncs"][0]
    with pytest.raises(ConfigError, match="sync names must be unique"):
        parse_config({**V2, "syncs": [sync, {**sync, "destination": {"type": "mailchimp", "list_id": "other"}}]}, "t")
    with pytest.raises(ConfigError, match="write to the same destination"):
        parse_config({**V2, "syncs": [sync, {**sync, "name": "again"}]}, "t")
    second = {**sync, "name": "vip", "destination": {"type": "mailchimp", "list_id": "vip1"}}
    assert [s.name for s in parse_config({**V2, "syncs": [sync, second]}, "t").syncs] == ["newsletter", "vip"]


def test_the_aws_target_names_every_missing_plugin_setting() -> None:
    aws = {
        **V2,
        "target": "aws",
        "warehouse": {"type": "snowflake", "account": "org-acct", "manage_objects": False},
        "aws": {
            "region": "eu-west-1",
            "allowed_cidrs": ["203.0.113.0/24"],
            "airbyte": {"allow_plain_http": True, "abctl_sha256": "ab" * 32},
        },
        "syncs": [{**V2["syncs"][0], "destination": {"type": "mailchimp"}}],
    }
    with pytest.raises(ConfigError) as err:
        parse_config(aws, "tapestry.yml")
    text = err.value.one_line()
    for missing in (
        "sources.zoom.account_id",
        "sources.zoom.client_secret",
        "sources.crm.refresh_token",
        "syncs[0].destination.list_id",
    ):
        assert missing in text


def test_secret_reference_needs_exactly_one_source() -> None:
    bad = {**V2, "syncs": [{**V2["syncs"][0], "destination": {"type": "mailchimp", "api_key": {}}}]}
    with pytest.raises(ConfigError, match="exactly one"):
        parse_config(bad, "tapestry.yml")


def test_an_unknown_schema_version_is_refused() -> None:
    with pytest.raises(ConfigError, match="schema_version 7 is not one this Tapestry reads"):
        parse_config({"schema_version": 7, "project": "acme"}, "tapestry.yml")


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a Tapestry project"):
        load_config(tmp_path)
    (tmp_path / "tapestry.yml").write_text("project: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(tmp_path)


def test_upgrade_rewrites_a_version_1_file_keeps_a_backup_and_reads_the_same(tmp_path: Path) -> None:
    v1_text = (
        "# mine\nschema_version: 1\nproject: acme\nsources:\n  zoom: {files: [z.csv]}\n"
        "sync:\n  mode: mirror\n  batch_size: 100\n  mailchimp: {list_id: abc123}\n  mapping: {tags: [{name: vip}]}\n"
    )
    path = tmp_path / "tapestry.yml"
    path.write_text(v1_text)
    path.chmod(0o640)
    before = load_config(tmp_path)
    backup = upgrade_file(path)
    assert backup == tmp_path / "tapestry.yml.v1.bak"
    assert backup.read_text() == v1_text
    assert yaml.safe_load(path.read_text())["schema_version"] == 2
    assert path.stat().st_mode & 0o777 == 0o640
    assert load_config(tmp_path) == before  # the same pipeline, now spelled as version 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tapestry.yml", "tapestry.yml.v1.bak"]
    assert upgrade_file(path) is None  # already current: nothing written
    assert backup.read_text() == v1_text


def test_upgrade_refuses_an_invalid_file_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tapestry.yml"
    text = "schema_version: 1\nproject: acme\nsync: {mode: sideways}\n"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"sync\.mode"):
        upgrade_file(path)
    assert path.read_text() == text and not (tmp_path / "tapestry.yml.v1.bak").exists()
