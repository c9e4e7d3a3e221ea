"""The templates' optional HubSpot and Klaviyo questions (kickstart_templates/_shared/more_destinations.yml):
answers for all three destinations render a valid tapestry.yml (three syncs of one model, secrets only
referenced), locally and on aws, from every template with an audience."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tapestry.core.errors import AnswersError
from tapestry.destinations.hubspot.config import HubSpotConfig, HubSpotMapping
from tapestry.destinations.klaviyo.config import KlaviyoConfig, KlaviyoMapping
from tapestry.kickstart.answers import validate_answers
from tapestry.kickstart.render import render_files
from tapestry.kickstart.spec import load_template
from tapestry.project.config import parse_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _render(
    raw: dict[str, object],
    tmp_path: Path,
    env: dict[str, str] | None = None,
    template: str = "zoom_salesforce_mailchimp",
) -> tuple[str, object]:
    spec = load_template(template)
    answers = validate_answers(spec, raw, tmp_path, env=env or {})
    rendered = render_files(spec, answers.values)["tapestry.yml"]
    return rendered, parse_config(yaml.safe_load(rendered), "tapestry.yml")


def test_three_destinations_example_renders_three_syncs_of_one_model(tmp_path: Path) -> None:
    raw = yaml.safe_load((EXAMPLES / "three-destinations-answers.yml").read_text())
    _, config = _render(raw, tmp_path)
    syncs = config.syncs  # type: ignore[attr-defined]
    assert [(s.name, s.model, s.destination.type) for s in syncs] == [
        ("newsletter", "audience", "mailchimp"),
        ("crm", "audience", "hubspot"),
        ("lifecycle", "audience", "klaviyo"),
    ]
    hubspot, klaviyo = syncs[1], syncs[2]
    assert isinstance(hubspot.destination, HubSpotConfig) and isinstance(hubspot.mapping, HubSpotMapping)
    assert hubspot.destination.identity() == "hubspot:4200042"
    assert hubspot.destination.access_token.env == "HUBSPOT_ACCESS_TOKEN"
    assert hubspot.mapping.properties == {"firstname": "first_name", "lastname": "last_name"}
    assert isinstance(klaviyo.destination, KlaviyoConfig) and isinstance(klaviyo.mapping, KlaviyoMapping)
    assert klaviyo.destination.identity() == "klaviyo:Ab12Cd"
    assert klaviyo.destination.api_key.env == "KLAVIYO_API_KEY"


def test_without_their_answers_only_the_mailchimp_sync_is_written(tmp_path: Path) -> None:
    raw = yaml.safe_load((EXAMPLES / "demo-answers.yml").read_text())
    rendered, config = _render(raw, tmp_path)
    assert [s.destination.type for s in config.syncs] == ["mailchimp"]  # type: ignore[attr-defined]
    assert "hubspot" not in rendered and "klaviyo" not in rendered


def test_aws_answers_store_the_tokens_as_secrets_and_never_render_them(tmp_path: Path) -> None:
    key = tmp_path / "admin.p8"
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n")
    env = {
        "ZOOM_CLIENT_SECRET": "zoom-secret-value-1",
        "SALESFORCE_CLIENT_SECRET": "sf-secret-value-2",
        "SALESFORCE_REFRESH_TOKEN": "sf-refresh-value-3",
        "MAILCHIMP_API_KEY": "mc-key-value-4-us1",
        "HUBSPOT_ACCESS_TOKEN": "pat-na1-value-5",
        "KLAVIYO_API_KEY": "pk_value_6",
    }
    raw = yaml.safe_load((EXAMPLES / "aws-answers.yml").read_text())
    raw.update(
        abctl_sha256="ab" * 32,
        snowflake_admin_private_key=f"file:{key}",
        hubspot_portal_id="4200042",
        hubspot_access_token="env:HUBSPOT_ACCESS_TOKEN",
        klaviyo_list_id="Ab12Cd",
        klaviyo_api_key="env:KLAVIYO_API_KEY",
    )
    spec = load_template("zoom_salesforce_mailchimp")
    answers = validate_answers(spec, raw, tmp_path, env=env)
    assert {"hubspot_access_token", "klaviyo_api_key"} <= answers.secret_ids
    rendered = render_files(spec, answers.values)["tapestry.yml"]
    config = parse_config(yaml.safe_load(rendered), "tapestry.yml")
    hubspot, klaviyo = config.syncs[1].destination, config.syncs[2].destination
    assert isinstance(hubspot, HubSpotConfig) and hubspot.access_token.secret == "hubspot/access_token"
    assert isinstance(klaviyo, KlaviyoConfig) and klaviyo.api_key.secret == "klaviyo/api_key"
    for value in env.values():
        assert value not in rendered


def test_a_wrong_hub_id_or_list_id_is_named_with_its_fix(tmp_path: Path) -> None:
    raw = yaml.safe_load((EXAMPLES / "demo-answers.yml").read_text())
    raw.update(hubspot_portal_id="acme", klaviyo_list_id="no spaces")
    with pytest.raises(AnswersError) as refused:
        _render(raw, tmp_path)
    message = str(refused.value)
    assert "hubspot_portal_id: the Hub ID is a number" in message
    assert "klaviyo_list_id: a Klaviyo list id is 4-32 letters and digits" in message


def test_the_shop_template_asks_the_same_questions_and_adds_both_syncs_after_its_own(tmp_path: Path) -> None:
    shop = {q.id for q in load_template("ecommerce_support").questions}
    default = {q.id for q in load_template("zoom_salesforce_mailchimp").questions}
    more = {i for i in default if i.startswith(("hubspot_", "klaviyo_"))}
    assert len(more) == 8 and more <= shop
    assert not more & {q.id for q in load_template("blank").questions}, "no audience, no sync to add"

    raw = {
        "project_name": "shop",
        "target": "local",
        "stripe_files": ["exports/stripe/*"],
        "zendesk_files": ["exports/zendesk/*"],
        "salesforce_files": ["exports/salesforce/*"],
        "mailchimp_list_id": "1a2b3c4d5e",
        "hubspot_portal_id": "4200042",
        "klaviyo_list_id": "Ab12Cd",
        "sync_mode": "mirror",
    }
    rendered, config = _render(raw, tmp_path, template="ecommerce_support")
    syncs = config.syncs  # type: ignore[attr-defined]
    assert [(s.name, s.model, s.mode, s.destination.type) for s in syncs] == [
        ("newsletter", "audience", "mirror", "mailchimp"),
        ("crm", "audience", "mirror", "hubspot"),
        ("lifecycle", "audience", "mirror", "klaviyo"),
    ]
    assert [t.column for t in syncs[0].mapping.tags if t.column] == ["customer_tag", "open_ticket_tag"]
    assert syncs[1].destination.access_token.env == "HUBSPOT_ACCESS_TOKEN"
    assert syncs[2].destination.api_key.env == "KLAVIYO_API_KEY"

    del raw["hubspot_portal_id"], raw["klaviyo_list_id"]
    rendered, config = _render(raw, tmp_path, template="ecommerce_support")
    assert [s.destination.type for s in config.syncs] == ["mailchimp"]  # type: ignore[attr-defined]
    assert rendered.endswith("on hold\n"), "the shop's tapestry.yml ends as before, with one newline"
