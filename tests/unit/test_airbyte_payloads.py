"""The Airbyte payloads of a kickstart project, built for several answer sets (sources and connections by the
source plugins, the destination by the template), against the published specs (tests/contracts/airbyte): each
configuration satisfies its connector's connectionSpecification as the server checks it (draft-07, no defaults
filled in) and each request body holds only fields its schema defines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import catalog_facts, connector_spec, errors, public_api_schema, strict
from tapestry.kickstart.answers import validate_answers
from tapestry.kickstart.render import render_files
from tapestry.kickstart.spec import load_template
from tapestry.phases.cloud.deploy import AirbytePayloads, airbyte_context, airbyte_payloads
from tapestry.plugins import source_plugin
from tapestry.project.config import ProjectConfig, SecretRef, parse_config

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = "zoom_salesforce_mailchimp"
WORKSPACE = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6"
SECRETS = {
    "zoom/client_secret": "zoom-secret-1",
    "salesforce/client_secret": "sf-secret-1",
    "salesforce/refresh_token": "sf-refresh-1",
    "stripe/api_key": "sk_live_stripe-secret-1",
    "zendesk/api_token": "zd-token-1",
    "snowflake/loader_private_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
}
# Each template's example answers file (examples/) and the environment its `env:` answers read.
EXAMPLES = {"zoom_salesforce_mailchimp": "aws-answers.yml", "ecommerce_support": "ecommerce-aws-answers.yml"}
ENV = {
    "ZOOM_CLIENT_SECRET": "zoom-secret-1",
    "SALESFORCE_CLIENT_SECRET": "sf-secret-1",
    "SALESFORCE_REFRESH_TOKEN": "sf-refresh-1",
    "STRIPE_API_KEY": "sk_live_stripe-secret-1",
    "ZENDESK_API_TOKEN": "zd-token-1",
    "MAILCHIMP_API_KEY": "mc-value-123-us1",
}

ANSWER_SETS: dict[str, dict[str, Any]] = {
    "example": {},
    "sandbox-and-date": {"salesforce_is_sandbox": True, "salesforce_start_date": "2024-02-29T08:30:00Z"},
    "locator-account": {"snowflake_account": "xy12345.us-east-2.aws", "project_name": "p2", "snowflake_prefix": "X"},
    "dba-objects-and-test-endpoint": {
        "snowflake_manage_objects": False,
        "snowflake_endpoint": "http://127.0.0.1:8085",
        "project_name": "audience-eu-1",
    },
    "private-link": {"snowflake_endpoint": "https://acme-analytics.privatelink.snowflakecomputing.com"},
}
SHOP_ANSWER_SETS: dict[str, dict[str, Any]] = {
    "example": {},
    "dates-and-sandbox": {
        "stripe_start_date": "2023-05-01T00:00:00Z",
        "zendesk_start_date": "2024-02-29T08:30:00Z",
        "salesforce_is_sandbox": True,
    },
    "other-account": {"stripe_account_id": "acct_9Z", "zendesk_subdomain": "acme-eu-2", "project_name": "shop-2"},
    "dba-objects-no-fact-fields": {
        "snowflake_manage_objects": False,
        "mailchimp_fact_fields": False,
        "project_name": "shop-eu-1",
    },
}


def lookup(ref: SecretRef) -> str | None:
    return SECRETS.get(ref.secret or "")


def project_config(tmp_path: Path, overrides: dict[str, Any], template: str = TEMPLATE) -> ProjectConfig:
    key = tmp_path / "admin.p8"
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n")
    raw = yaml.safe_load((REPO / "examples" / EXAMPLES[template]).read_text())
    # the example ships a placeholder checksum that validation refuses on purpose (tests/unit/test_example_answers.py)
    raw.update(snowflake_admin_private_key=f"file:{key}", abctl_sha256="ab" * 32, **overrides)
    if raw.get("snowflake_manage_objects") is False:  # a DBA made the service users: their keys are answers
        raw.update({f"snowflake_{role}_private_key": f"file:{key}" for role in ("loader", "transformer", "syncer")})
    spec = load_template(template)
    answers = validate_answers(spec, raw, tmp_path, env=ENV)
    return parse_config(yaml.safe_load(render_files(spec, answers.values)["tapestry.yml"]), "tapestry.yml")


def render(tmp_path: Path, overrides: dict[str, Any], template: str = TEMPLATE) -> AirbytePayloads:
    config = project_config(tmp_path, overrides, template)
    return airbyte_payloads(load_template(template), config, lookup, airbyte_context(config, dict(SECRETS)))


def actor_problems(kind: str, payload: dict[str, Any]) -> list[str]:
    configuration = dict(payload["configuration"])
    type_ = configuration.pop(f"{kind}Type")
    body = {"name": payload["name"], "workspaceId": WORKSPACE, "configuration": payload["configuration"]}
    request = "SourceCreateRequest" if kind == "source" else "DestinationCreateRequest"
    return errors(connector_spec(kind, type_), configuration) + errors(strict(public_api_schema(request)), body)


@pytest.mark.parametrize("overrides", ANSWER_SETS.values(), ids=ANSWER_SETS.keys())
def test_rendered_payloads_satisfy_the_connector_specs(tmp_path: Path, overrides: dict[str, Any]) -> None:
    payloads = render(tmp_path, overrides)
    assert {s["configuration"]["sourceType"] for s in payloads.sources} == {"zoom", "salesforce"}
    for source in payloads.sources:
        assert actor_problems("source", source) == []
    assert actor_problems("destination", payloads.destination) == []
    for connection in payloads.connections:
        body = {"sourceId": WORKSPACE, "destinationId": WORKSPACE, "configurations": {"streams": connection["streams"]}}
        assert errors(strict(public_api_schema("ConnectionCreateRequest")), body) == []


@pytest.mark.parametrize("overrides", SHOP_ANSWER_SETS.values(), ids=SHOP_ANSWER_SETS.keys())
def test_the_shop_templates_payloads_satisfy_the_connector_specs(tmp_path: Path, overrides: dict[str, Any]) -> None:
    payloads = render(tmp_path, overrides, "ecommerce_support")
    assert [s["configuration"]["sourceType"] for s in payloads.sources] == ["stripe", "zendesk-support", "salesforce"]
    for source in payloads.sources:
        assert actor_problems("source", source) == []
    assert actor_problems("destination", payloads.destination) == []
    for connection in payloads.connections:
        body = {"sourceId": WORKSPACE, "destinationId": WORKSPACE, "configurations": {"streams": connection["streams"]}}
        assert errors(strict(public_api_schema("ConnectionCreateRequest")), body) == []


def test_stripe_and_zendesk_send_what_their_specs_require(tmp_path: Path) -> None:
    """source-stripe requires account_id and client_secret (the secret key); source-zendesk-support's
    credentials are one branch of a oneOf, told apart by `credentials.credentials`."""
    payloads = {
        s["configuration"]["sourceType"]: s["configuration"] for s in render(tmp_path, {}, "ecommerce_support").sources
    }
    stripe = {k: v for k, v in payloads["stripe"].items() if k != "sourceType"}
    assert stripe == {
        "account_id": "acct_1AbCdEfGhIjKlMnO",
        "client_secret": "sk_live_stripe-secret-1",
        "start_date": "2020-01-01T00:00:00Z",
    }
    assert errors(connector_spec("source", "stripe"), {"account_id": "acct_1"}) == [
        "$.client_secret: is missing but it is required"
    ]
    assert errors(connector_spec("source", "stripe"), {**stripe, "start_date": "2020-01-01"}) == [
        "$.start_date: does not match the regex pattern ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
    ]
    zendesk = {k: v for k, v in payloads["zendesk-support"].items() if k != "sourceType"}
    assert zendesk["credentials"] == {
        "credentials": "api_token",
        "email": "support-admin@acme.example.com",
        "api_token": "zd-token-1",
    }
    spec = connector_spec("source", "zendesk-support")
    no_token = {**zendesk, "credentials": {"credentials": "api_token", "email": "a@example.com"}}
    assert errors(spec, no_token), "an API token branch without the token matches no branch"
    oauth = {**zendesk, "credentials": {"credentials": "oauth2.0", "access_token": "zd-oauth-1"}}
    assert errors(spec, oauth) == []


def test_zendesk_signs_in_with_oauth_when_given_an_access_token() -> None:
    from tapestry.sources.zendesk_support.config import ZendeskSupportSourceConfig

    plugin = source_plugin("zendesk_support")
    assert plugin.airbyte is not None
    settings = ZendeskSupportSourceConfig(subdomain="acme", access_token=SecretRef(secret="zendesk/oauth"))
    configuration = plugin.airbyte.configuration(settings, lambda ref: "zd-oauth-1")
    assert configuration["credentials"] == {"credentials": "oauth2.0", "access_token": "zd-oauth-1"}
    assert errors(connector_spec("source", "zendesk-support"), configuration) == []
    assert settings.cloud_missing() == []
    assert ZendeskSupportSourceConfig(subdomain="acme").cloud_missing() == ["email", "api_token"]


def test_zoom_sends_its_required_authorization_endpoint(tmp_path: Path) -> None:
    """source-zoom requires authorization_endpoint; its default is not filled in by the server."""
    zoom = next(s for s in render(tmp_path, {}).sources if s["configuration"]["sourceType"] == "zoom")
    assert zoom["configuration"]["authorization_endpoint"] == "https://zoom.us/oauth/token"
    without = {k: v for k, v in zoom["configuration"].items() if k not in ("sourceType", "authorization_endpoint")}
    assert errors(connector_spec("source", "zoom"), without) == [
        "$.authorization_endpoint: is missing but it is required"
    ]


@pytest.mark.parametrize(
    ("endpoint", "host"),
    [
        (None, "acme-analytics.snowflakecomputing.com"),
        ("http://127.0.0.1:8085", "acme-analytics.snowflakecomputing.com"),  # Tapestry's test double only
        (
            "https://acme-analytics.privatelink.snowflakecomputing.com",
            "acme-analytics.privatelink.snowflakecomputing.com",
        ),
    ],
)
def test_the_destination_host_is_one_the_connector_accepts(tmp_path: Path, endpoint: str | None, host: str) -> None:
    payloads = render(tmp_path, {"snowflake_endpoint": endpoint} if endpoint else {})
    assert payloads.destination["configuration"]["host"] == host


def test_each_source_plugin_brings_its_source_and_its_connection(tmp_path: Path) -> None:
    """One Airbyte source and one connection per source of the project, named after it, landing in the
    namespace of its raw schema, with the plugin's streams, sync modes, cursors and keys."""
    payloads = render(tmp_path, {"project_name": "acme"})
    assert [s["name"] for s in payloads.sources] == ["acme-salesforce", "acme-zoom"]
    connections = {c["name"]: c for c in payloads.connections}
    assert connections["acme-zoom"] == {
        "name": "acme-zoom",
        "source": "acme-zoom",
        "namespace_format": "ZOOM",
        "streams": [{"name": "webinar_registrants", "syncMode": "full_refresh_overwrite"}],
    }
    assert connections["acme-salesforce"]["namespace_format"] == "SALESFORCE"
    assert connections["acme-salesforce"]["streams"] == [
        {
            "name": "Contact",
            "syncMode": "incremental_deduped_history",
            "cursorField": ["SystemModstamp"],
            "primaryKey": [["Id"]],
        }
    ]
    salesforce = next(s for s in payloads.sources if s["name"] == "acme-salesforce")["configuration"]
    assert (salesforce["client_secret"], salesforce["refresh_token"]) == ("sf-secret-1", "sf-refresh-1")


@pytest.mark.parametrize("type_", ["zoom", "salesforce", "stripe", "zendesk_support"])
def test_the_connections_hold_to_what_the_connectors_report(type_: str) -> None:
    """The vendored catalog facts: each stream exists in its connector's catalog, a cursor or key the
    plugin names is the one the source defines, and the plugin's definition id is the connector's."""
    facts = catalog_facts()
    connector = source_plugin(type_).airbyte
    assert connector is not None
    assert connector.definition_id == facts["definitions"]["source"][connector.source_type]
    for stream in connector.streams:
        catalog = facts["streams"][connector.source_type][stream.name]
        if stream.sync_mode.startswith("incremental"):
            assert catalog["incremental"], stream.name
            assert list(stream.cursor) == catalog["cursor"]
        if stream.primary_key:
            assert [list(k) for k in stream.primary_key] == catalog["primary_key"]


@pytest.mark.parametrize("type_", ["zoom", "stripe", "zendesk_support"])  # salesforce: fields from describe
def test_every_raw_column_is_a_field_of_the_connectors_stream(type_: str) -> None:
    """The raw tables are what Airbyte lands: each column a plugin declares is a field of the connector's stream
    (its JSON schema, vendored in catalog-facts.<type>.json), so the staging models read the same columns on both
    targets."""
    plugin = source_plugin(type_)
    assert plugin.airbyte is not None
    streams = catalog_facts()["streams"][plugin.airbyte.source_type]
    assert {s.name for s in plugin.streams} == {s.name for s in plugin.airbyte.streams}
    for stream in plugin.streams:
        fields = set(streams[stream.name]["fields"])
        assert [c.name for c in stream.columns if c.name not in fields] == [], stream.name


def test_a_source_without_a_connector_is_refused_on_aws(tmp_path: Path) -> None:
    from dataclasses import replace

    from tapestry.core.errors import ConfigError
    from tapestry.phases.sources import airbyte_connections

    config = project_config(tmp_path, {})
    local_only = replace(source_plugin("zoom"), airbyte=None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tapestry.phases.sources.source_plugin", lambda type_: local_only)
        with pytest.raises(ConfigError, match="no Airbyte connector") as info:
            airbyte_connections(config)
    assert "on target local only" in info.value.message and info.value.fix


def test_the_shop_projects_sources_get_their_snowflake_raw_schemas_and_grants(tmp_path: Path) -> None:
    """Each source's name is its Snowflake schema (upper-cased), where its connection lands (namespace): the
    loader writes it, the transformer reads it, in the Terraform module's variables and the DBA's script alike."""
    from tapestry.engines.warehouse.snowflake_objects import render_sql
    from tapestry.phases.cloud.env import snowflake_objects

    config = project_config(tmp_path, {}, "ecommerce_support")
    objects = snowflake_objects(config)
    assert objects.raw_schemas == ("STRIPE", "ZENDESK", "SALESFORCE")
    connections = airbyte_payloads(
        load_template("ecommerce_support"), config, lookup, airbyte_context(config, dict(SECRETS))
    ).connections
    assert [c["namespace_format"] for c in connections] == ["STRIPE", "ZENDESK", "SALESFORCE"]
    script = render_sql(objects)
    for schema in objects.raw_schemas:
        assert (
            f"GRANT CREATE STAGE, CREATE TABLE, USAGE ON SCHEMA TAPESTRY_RAW.{schema} TO ROLE TAPESTRY_LOADER;"
            in script
        )
        assert f"GRANT SELECT ON FUTURE TABLES IN SCHEMA TAPESTRY_RAW.{schema} TO ROLE TAPESTRY_TRANSFORMER;" in script
