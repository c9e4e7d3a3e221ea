"""The deploy's Airbyte configuration against the fake held to the published specs, with strict request checks:
the template's payloads are accepted as they are, a redeploy with nothing changed writes nothing, and a sync
job is followed through `queued`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts import public_api_schema
from fakes.airbyte import FakeAirbyte
from tapestry.engines.ingest.airbyte import AirbyteClient
from tapestry.phases.cloud.deploy import AirbytePayloads, configure_airbyte
from unit.test_airbyte_payloads import SECRETS, render

WRITES = ("POST", "PATCH", "PUT", "DELETE")


@pytest.fixture
def fake() -> Iterator[FakeAirbyte]:
    with FakeAirbyte(strict_requests=True) as server:
        yield server


@pytest.fixture
def client(fake: FakeAirbyte) -> Iterator[AirbyteClient]:
    api = AirbyteClient(fake.root_url, fake.client_id, fake.client_secret, sleep=lambda _: None)
    yield api
    api.close()


@pytest.fixture
def payloads(tmp_path: Path) -> AirbytePayloads:
    return render(tmp_path, {})


def writes(fake: FakeAirbyte) -> list[str]:
    return [
        e["route"] for e in fake.request_log if e["method"] in WRITES and not e["route"].endswith("/applications/token")
    ]


def test_a_redeploy_with_nothing_changed_writes_nothing(
    fake: FakeAirbyte, client: AirbyteClient, payloads: AirbytePayloads
) -> None:
    first = configure_airbyte(client, fake.workspace_id, payloads, rotate_secrets=False)
    assert all(a.endswith(": created") for a in first.actions), first.actions
    stored = next(iter(fake.sources().values()))["configuration"]
    assert "sourceType" not in stored  # what the server keeps, and returns masked
    fake.clear_request_log()

    again = configure_airbyte(client, fake.workspace_id, payloads, rotate_secrets=False)
    assert all(a.endswith(": unchanged") for a in again.actions), again.actions
    assert writes(fake) == []
    assert (again.source_ids, again.destination_id) == (first.source_ids, first.destination_id)


def test_a_changed_setting_is_one_patch_and_a_rotated_secret_is_resent(
    fake: FakeAirbyte, client: AirbyteClient, tmp_path: Path, payloads: AirbytePayloads
) -> None:
    configure_airbyte(client, fake.workspace_id, payloads, rotate_secrets=False)
    fake.clear_request_log()
    changed = render(tmp_path, {"salesforce_start_date": "2025-06-01T00:00:00Z"})
    result = configure_airbyte(client, fake.workspace_id, changed, rotate_secrets=False)
    assert [a for a in result.actions if not a.endswith("unchanged")] == ["source acme-audience-salesforce: updated"]
    assert writes(fake) == ["PATCH /sources/{sourceId}"]

    fake.clear_request_log()
    rotated = configure_airbyte(client, fake.workspace_id, changed, rotate_secrets=True)
    assert sorted(writes(fake)) == ["PATCH /destinations/{destinationId}"] + ["PATCH /sources/{sourceId}"] * 2
    assert all(not a.endswith("created") for a in rotated.actions)
    zoom = next(s for s in fake.sources().values() if s["sourceType"] == "zoom")
    assert zoom["configuration"]["client_secret"] == SECRETS["zoom/client_secret"]


def test_create_connection_sends_only_connection_create_request_fields(
    fake: FakeAirbyte, client: AirbyteClient, payloads: AirbytePayloads
) -> None:
    configure_airbyte(client, fake.workspace_id, payloads, rotate_secrets=False)
    defined = set(public_api_schema("ConnectionCreateRequest")["properties"])
    bodies = [e["body"] for e in fake.request_log if e["route"] == "POST /connections"]
    assert len(bodies) == 2
    for body in bodies:
        assert set(body) <= defined, set(body) - defined
    assert all(e["status"] == 200 for e in fake.request_log if e["method"] in WRITES)


def test_a_sync_job_is_followed_through_queued(
    fake: FakeAirbyte, client: AirbyteClient, payloads: AirbytePayloads
) -> None:
    configured = configure_airbyte(client, fake.workspace_id, payloads, rotate_secrets=False)
    connection_id = next(iter(configured.connection_ids.values()))
    job_id = client.start_sync(connection_id)
    fake.job_steps = 2
    job = client.wait_job(job_id, poll=0)
    assert job["status"] == "succeeded"
    assert "queued" in fake.jobs()[job_id]["history"]


def test_the_shop_templates_sources_and_connections_are_accepted_and_a_redeploy_writes_nothing(
    fake: FakeAirbyte, client: AirbyteClient, tmp_path: Path
) -> None:
    """source-stripe and source-zendesk-support as the plugins configure them: the fake checks each configuration
    against the vendored spec (Zendesk's nested oneOf credentials included) and each connection's streams, sync
    modes, cursors and keys against the connectors' catalogs; the masked secrets compare as unchanged."""
    shop = render(tmp_path, {}, "ecommerce_support")
    first = configure_airbyte(client, fake.workspace_id, shop, rotate_secrets=False)
    assert sorted(a for a in first.actions if a.startswith("connection")) == [
        "connection acme-shop-salesforce: created",
        "connection acme-shop-stripe: created",
        "connection acme-shop-zendesk: created",
    ]
    connections = {c["name"]: c for c in fake.connections().values()}
    assert {
        s["name"]: (s["syncMode"], s["cursorField"], s["primaryKey"])
        for s in connections["acme-shop-stripe"]["configurations"]["streams"]
    } == {
        "customers": ("incremental_deduped_history", ["updated"], [["id"]]),
        "charges": ("incremental_deduped_history", ["updated"], [["id"]]),
    }
    assert {s["name"]: s["cursorField"] for s in connections["acme-shop-zendesk"]["configurations"]["streams"]} == {
        "users": ["updated_at"],
        "tickets": ["generated_timestamp"],
    }
    zendesk = next(s for s in fake.sources().values() if s["sourceType"] == "zendesk-support")
    assert zendesk["configuration"]["credentials"]["api_token"] == SECRETS["zendesk/api_token"]
    fake.clear_request_log()
    again = configure_airbyte(client, fake.workspace_id, shop, rotate_secrets=False)
    assert all(a.endswith(": unchanged") for a in again.actions), again.actions
    assert writes(fake) == []
