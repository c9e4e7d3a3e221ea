"""Source plugins: what each package carries, their credential checks against the fakes, the settings that
refer to them, export files loaded by their shape, and the dbt models and vars made from a project's sources."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from tapestry.core.errors import ConfigError, IngestError
from tapestry.core.settings import SecretRef
from tapestry.engines.ingest import files as file_ingest
from tapestry.engines.ingest.streams import Column, Stream
from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse
from tapestry.phases.sources import add_source_models, dbt_sources_var, source_streams, stream_of_file
from tapestry.plugins import source_plugin, source_types
from tapestry.project.config import ProjectConfig, parse_config
from tapestry.sources.base import PEOPLE_COLUMNS

BUILT_IN = ("salesforce", "zoom")


def config(sources: dict[str, Any], **extra: Any) -> ProjectConfig:
    return parse_config({"schema_version": 2, "project": "acme", "sources": sources, **extra}, "tapestry.yml")


# -- what a plugin package carries -----------------------------------------------------------------------------


@pytest.mark.parametrize("type_", BUILT_IN)
def test_each_built_in_plugin_ships_staging_models_with_key_tests_and_a_people_model(type_: str) -> None:
    assert type_ in source_types()
    plugin = source_plugin(type_)
    assert plugin.dbt_dir is not None and plugin.dbt_dir.is_dir()
    staging = plugin.dbt_dir / "models" / "staging" / type_
    models = {p.stem for p in staging.glob("stg_*.sql")}
    assert models and all(re.fullmatch(rf"stg_{type_}__[a-z_]+s", m) for m in models), models
    documented = {
        model["name"]: model
        for path in staging.glob("_*__models.yml")
        for model in yaml.safe_load(path.read_text())["models"]
    }
    for model in models:  # tests on every key: each staging model has a unique, not-null column
        keys = [c for c in documented[model]["columns"] if {"unique", "not_null"} <= set(c.get("data_tests", []))]
        assert keys, f"{model} has no key tested unique and not null"
    people = plugin.dbt_dir / "models" / "intermediate" / "people" / f"{plugin.people_model}.sql"
    sql = people.read_text()
    for column in PEOPLE_COLUMNS:
        assert re.search(rf"\b{column}\b", sql), f"{people.name} lacks {column}"
    assert f"config(enabled='{type_}' in var('tapestry_sources'" in sql, "off while the project has no such source"


@pytest.mark.parametrize("type_", BUILT_IN)
def test_each_built_in_plugin_declares_its_raw_stream_keys_and_airbyte_streams(type_: str) -> None:
    plugin = source_plugin(type_)
    assert plugin.streams and all(any(c.key for c in s.columns) for s in plugin.streams)
    assert plugin.airbyte is not None and plugin.airbyte.streams
    assert plugin.credentials is not None and plugin.credentials.fix


# -- credential checks, against the fakes --------------------------------------------------------------------


def test_zoom_credentials_are_checked_with_server_to_server_oauth() -> None:
    from fakes.zoom import FakeZoom

    plugin = source_plugin("zoom")
    assert plugin.credentials is not None
    with FakeZoom(account_id="acc-12345", client_id="zoomclient1", client_secret="zoom-s3cret") as zoom:
        source = config(
            {
                "zoom": {
                    "type": "zoom",
                    "account_id": "acc-12345",
                    "client_id": "zoomclient1",
                    "client_secret": {"secret": "zoom/client_secret"},
                    "oauth_url": zoom.root_url,
                }
            }
        ).sources["zoom"]
        granted = plugin.credentials.run(source, lambda ref: "zoom-s3cret")
        with pytest.raises(ValueError, match="Zoom refused") as refused:
            plugin.credentials.run(source, lambda ref: "wrong-s3cret")
    assert granted is not None and granted.startswith("token granted")
    assert "s3cret" not in str(refused.value)
    unset = config({"zoom": {"type": "zoom"}}).sources["zoom"]
    assert plugin.credentials.run(unset, lambda ref: None) is None


def test_salesforce_credentials_are_checked_with_the_refresh_token_grant() -> None:
    from fakes.salesforce import FakeSalesforce

    plugin = source_plugin("salesforce")
    assert plugin.credentials is not None
    secrets = {"salesforce/client_secret": "sf-s3cret", "salesforce/refresh_token": "sf-refresh-9"}
    with FakeSalesforce(client_id="sf-consumer-key-123", client_secret="sf-s3cret", refresh_token="sf-refresh-9") as sf:
        source = config(
            {
                "salesforce": {
                    "type": "salesforce",
                    "client_id": "sf-consumer-key-123",
                    "client_secret": {"secret": "salesforce/client_secret"},
                    "refresh_token": {"secret": "salesforce/refresh_token"},
                    "login_url": sf.root_url,
                }
            }
        ).sources["salesforce"]

        def lookup(ref: SecretRef) -> str | None:
            return secrets.get(ref.secret or "")

        valid = plugin.credentials.run(source, lookup)
        secrets["salesforce/refresh_token"] = "revoked-token"
        with pytest.raises(ValueError, match="Salesforce refused the refresh token") as refused:
            plugin.credentials.run(source, lookup)
    assert valid is not None and valid.startswith("refresh token valid for http")
    assert "revoked-token" not in str(refused.value) and "sf-s3cret" not in str(refused.value)


# -- settings -------------------------------------------------------------------------------------------------


def test_one_source_per_type() -> None:
    with pytest.raises(ConfigError, match="crm_eu and crm_us are both of type salesforce"):
        config({"crm_eu": {"type": "salesforce"}, "crm_us": {"type": "salesforce"}})


@pytest.mark.parametrize("name", ["marts", "tapestry_sync", "sync", "analytics"])
def test_a_source_may_not_take_the_name_of_a_schema_tapestry_uses(name: str) -> None:
    with pytest.raises(ConfigError, match=f"source name '{name}'"):
        config({name: {"type": "zoom"}})


def test_a_source_may_not_take_a_configured_transform_schema() -> None:
    with pytest.raises(ConfigError, match="source name 'gold'"):
        config({"gold": {"type": "zoom"}}, transform={"marts_schema": "gold"})


def test_files_per_stream_name_the_plugins_streams() -> None:
    good = config({"zoom": {"type": "zoom", "files": {"webinar_registrants": ["exports/*.csv"]}}})
    assert good.sources["zoom"].file_patterns() == ["exports/*.csv"]
    with pytest.raises(ConfigError, match=r"sources\.zoom\.files\.meetings: zoom has no stream 'meetings'"):
        config({"zoom": {"type": "zoom", "files": {"meetings": ["exports/*.csv"]}}})


# -- export files, by their shape ------------------------------------------------------------------------------


def test_a_report_export_loads_through_the_column_aliases(tmp_path: Path) -> None:
    """Salesforce's report export spells the API fields its own way (`Contact ID`, `First Name`, ...)."""
    export = tmp_path / "report.csv"
    export.write_text(
        "Contact ID,Email,First Name,Last Name,Phone,Mobile Phone,Created Date,System Modstamp,Deleted\n"
        "003A,ana@example.com,Ana,Silva,(202) 555-0143,+44 7700 900123,2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,false\n"
    )
    streams = source_streams(config({"crm": {"type": "salesforce"}}))
    (stream,) = streams.values()
    item = file_ingest.fingerprint("crm", export, {}, table=stream.table)
    with DuckDBWarehouse(tmp_path / "w.duckdb") as warehouse:
        result = file_ingest.load_files(warehouse, streams, [item])
        rows = warehouse.query("select id, firstname, lastname, phone, mobilephone, isdeleted from crm.contact")
    assert result.rows_loaded == 1
    assert rows == [("003A", "Ana", "Silva", "(202) 555-0143", "+44 7700 900123", False)]


def test_files_of_a_source_with_several_streams_go_by_file_name(tmp_path: Path) -> None:
    def stream(name: str, pattern: str) -> Stream:
        return Stream("events", name, name, (Column("id", key=True),), file_names=(pattern,))

    plugin = replace(source_plugin("zoom"), streams=(stream("signups", "*signup*"), stream("views", "*view*")))
    assert stream_of_file("web", plugin, Path("Signups-2026.CSV"), None).table == "web.signups"
    assert stream_of_file("web", plugin, Path("odd.csv"), "views").table == "web.views"  # named in `files:`
    with pytest.raises(IngestError, match="matches none of its streams") as info:
        stream_of_file("web", plugin, Path("export.csv"), None)
    assert "sources.web.files: {signups: [...], views: [...]}" in (info.value.fix or "")
    with pytest.raises(IngestError, match="several of its streams"):
        stream_of_file("web", plugin, Path("signup-views.csv"), None)


# -- dbt --------------------------------------------------------------------------------------------------------


def test_the_people_contract_is_one_list_in_python_and_in_dbt() -> None:
    macro = (Path(__file__).parents[2] / "dbt_project" / "macros" / "people.sql").read_text()
    contract = re.search(r"{% macro people_contract\(\) -%}(.*?){%- endmacro %}", macro, re.S)
    assert contract
    assert tuple(re.findall(r'"([a-z_]+)":', contract.group(1))) == PEOPLE_COLUMNS


def test_the_test_only_plugin_provides_the_people_contract() -> None:
    sql = (
        Path(__file__).parents[1] / "plugins" / "tapestry_toy_events" / "dbt" / "models" / "intermediate" / "people"
    ) / "int_toy_events__people.sql"
    selected = re.findall(r"\bas (\w+)|^\s+(\w+),?$", sql.read_text(), re.M)
    assert {a or b for a, b in selected} >= set(PEOPLE_COLUMNS)


def test_the_dbt_var_lists_the_sources_in_the_order_of_tapestry_yml() -> None:
    project = config({"crm": {"type": "salesforce"}, "webinars": {"type": "zoom"}})
    assert dbt_sources_var(project, str.upper) == {
        "salesforce": {"name": "crm", "schema": "CRM", "people_model": "int_salesforce__people"},
        "zoom": {"name": "webinars", "schema": "WEBINARS", "people_model": "int_zoom__people"},
    }


def test_source_models_are_added_and_never_replace_a_file(tmp_path: Path) -> None:
    dbt = tmp_path / "dbt_project"
    project = config({"zoom": {"type": "zoom"}})
    added = add_source_models(dbt, project)
    assert set(added) == {"zoom"}
    assert "models/intermediate/people/int_zoom__people.sql" in added["zoom"]
    staging = dbt / "models" / "staging" / "zoom" / "stg_zoom__webinar_registrants.sql"
    staging.write_text("-- mine\n")
    (dbt / "models" / "intermediate" / "people" / "int_zoom__people.sql").unlink()
    assert add_source_models(dbt, project) == {"zoom": ["models/intermediate/people/int_zoom__people.sql"]}
    assert staging.read_text() == "-- mine\n"
    assert add_source_models(dbt, project) == {}
