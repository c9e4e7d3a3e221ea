"""The kickstart template's Airbyte payloads, rendered for several answer sets, against the published specs
(tests/contracts/airbyte): each configuration satisfies its connector's connectionSpecification as the server
checks it (draft-07, no defaults filled in) and each request body holds only fields its schema defines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import connector_spec, errors, public_api_schema, strict
from tapestry.kickstart.answers import validate_answers
from tapestry.kickstart.render import render_files
from tapestry.kickstart.spec import load_template
from tapestry.phases.cloud.deploy import AirbytePayloads, airbyte_context, airbyte_payloads
from tapestry.project.config import parse_config

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = "zoom_salesforce_mailchimp"
WORKSPACE = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6"
SECRETS = {
    "zoom/client_secret": "zoom-secret-1",
    "salesforce/client_secret": "sf-secret-1",
    "salesforce/refresh_token": "sf-refresh-1",
    "snowflake/loader_private_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
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


def render(tmp_path: Path, overrides: dict[str, Any]) -> AirbytePayloads:
    key = tmp_path / "admin.p8"
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n")
    raw = yaml.safe_load((REPO / "examples" / "aws-answers.yml").read_text())
    # the example ships a placeholder checksum that validation refuses on purpose (tests/unit/test_example_answers.py)
    raw.update(snowflake_admin_private_key=f"file:{key}", abctl_sha256="ab" * 32, **overrides)
    if raw.get("snowflake_manage_objects") is False:  # a DBA made the service users: their keys are answers
        raw.update({f"snowflake_{role}_private_key": f"file:{key}" for role in ("loader", "transformer", "syncer")})
    env = {"ZOOM_CLIENT_SECRET": "zoom-secret-1", "SALESFORCE_CLIENT_SECRET": "sf-secret-1"}
    env |= {"SALESFORCE_REFRESH_TOKEN": "sf-refresh-1", "MAILCHIMP_API_KEY": "mc-value-123-us1"}
    spec = load_template(TEMPLATE)
    answers = validate_answers(spec, raw, tmp_path, env=env)
    config = parse_config(yaml.safe_load(render_files(spec, answers.values)["tapestry.yml"]), "tapestry.yml")
    return airbyte_payloads(spec, airbyte_context(config, dict(SECRETS)))


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
