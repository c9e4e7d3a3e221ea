"""Tests of the local Airbyte public API fake (tests/fakes/airbyte.py), driven over real HTTP."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

from fakes.airbyte import DESTINATION_DEFINITIONS, SOURCE_DEFINITIONS, FakeAirbyte
from support.clock import ManualClock

FAKE_PATH = Path(__file__).resolve().parents[2] / "fakes" / "airbyte.py"
PROBLEM_JSON = "application/problem+json"
ZOOM_TOKEN_URL = "https://zoom.us/oauth/token"
TERMINAL = {"succeeded", "failed", "cancelled"}


# ------------------------------------------------------------------------------------ helpers


@pytest.fixture
def fake() -> Iterator[FakeAirbyte]:
    with FakeAirbyte(seed=1234) as f:
        yield f


def get_token(fake: FakeAirbyte) -> str:
    r = requests.post(
        fake.token_url,
        json={"client_id": fake.client_id, "client_secret": fake.client_secret, "grant_type": "client_credentials"},
        timeout=5,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.fixture
def api(fake: FakeAirbyte) -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {get_token(fake)}"
        yield s


def problem(r: requests.Response, status: int, title: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith(PROBLEM_JSON)
    doc: dict[str, Any] = r.json()
    assert doc["status"] == status
    assert doc["title"] == title
    assert doc["type"].startswith("https://reference.airbyte.com/reference/errors")
    assert set(doc) <= {"type", "title", "status", "detail", "data"}
    return doc


def zoom_source(fake: FakeAirbyte, api: requests.Session, **conf: Any) -> dict[str, Any]:
    configuration = {
        "sourceType": "zoom",
        "account_id": "acc",
        "client_id": "zid",
        "client_secret": "zsecret",
        "authorization_endpoint": ZOOM_TOKEN_URL,
        **conf,
    }
    r = api.post(
        f"{fake.base_url}/sources",
        json={"name": "Zoom", "workspaceId": fake.workspace_id, "configuration": configuration},
        timeout=5,
    )
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


def salesforce_source(fake: FakeAirbyte, api: requests.Session, **conf: Any) -> dict[str, Any]:
    configuration = {
        "sourceType": "salesforce",
        "client_id": "sfid",
        "client_secret": "sfsecret",
        "refresh_token": "sfrefresh",
        "start_date": "2026-01-01T00:00:00Z",
        "is_sandbox": False,
        **conf,
    }
    r = api.post(
        f"{fake.base_url}/sources",
        json={"name": "Salesforce", "workspaceId": fake.workspace_id, "configuration": configuration},
        timeout=5,
    )
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


SNOWFLAKE = {
    "destinationType": "snowflake",
    "host": "acme-xy12345.snowflakecomputing.com",
    "role": "AIRBYTE_ROLE",
    "warehouse": "AIRBYTE_WH",
    "database": "RAW",
    "schema": "PUBLIC",
    "username": "AIRBYTE_USER",
    "credentials": {"auth_type": "Key Pair Authentication", "private_key": "-----BEGIN PRIVATE KEY-----\nabc"},
}


def snowflake(fake: FakeAirbyte, api: requests.Session) -> dict[str, Any]:
    r = api.post(
        f"{fake.base_url}/destinations",
        json={"name": "Snowflake", "workspaceId": fake.workspace_id, "configuration": SNOWFLAKE},
        timeout=5,
    )
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


def connection(
    fake: FakeAirbyte, api: requests.Session, source_id: str, dest_id: str, streams: list[dict[str, Any]], **extra: Any
) -> requests.Response:
    body = {
        "name": "c",
        "sourceId": source_id,
        "destinationId": dest_id,
        "configurations": {"streams": streams},
        "namespaceDefinition": "custom_format",
        "namespaceFormat": "zoom_raw",
        **extra,
    }
    return api.post(f"{fake.base_url}/connections", json=body, timeout=5)


@pytest.fixture
def zoom_conn(fake: FakeAirbyte, api: requests.Session) -> dict[str, Any]:
    src = zoom_source(fake, api)
    dst = snowflake(fake, api)
    r = connection(
        fake,
        api,
        src["sourceId"],
        dst["destinationId"],
        [{"name": "webinar_registrants", "syncMode": "full_refresh_overwrite"}],
    )
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


def poll_job(api: requests.Session, fake: FakeAirbyte, job_id: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    """GET jobs/{id} until terminal; returns every document seen."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        r = api.get(f"{fake.base_url}/jobs/{job_id}", timeout=5)
        assert r.status_code == 200, r.text
        seen.append(r.json())
        if seen[-1]["status"] in TERMINAL:
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} not terminal: {seen[-1]}")


def start_job(
    fake: FakeAirbyte, api: requests.Session, connection_id: str, job_type: str = "sync"
) -> requests.Response:
    return api.post(f"{fake.base_url}/jobs", json={"connectionId": connection_id, "jobType": job_type}, timeout=5)


def run_concurrently(n: int, fn: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as e:
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


# ------------------------------------------------------------------------------------ auth


def test_token_with_json_body(fake: FakeAirbyte) -> None:
    r = requests.post(
        fake.token_url,
        json={"client_id": fake.client_id, "client_secret": fake.client_secret, "grant_type": "client_credentials"},
        timeout=5,
    )
    assert r.status_code == 200
    doc = r.json()
    assert set(doc) == {"access_token", "token_type", "expires_in"}
    assert doc["token_type"] == "Bearer"
    assert doc["expires_in"] == 900
    assert fake.tokens_issued == 1


def test_token_with_form_body(fake: FakeAirbyte) -> None:
    r = requests.post(
        fake.token_url,
        data={"client_id": fake.client_id, "client_secret": fake.client_secret, "grant_type": "client_credentials"},
        timeout=5,
    )
    assert r.status_code == 200
    token = r.json()["access_token"]
    ws = requests.get(f"{fake.base_url}/workspaces", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert ws.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": "nope", "client_secret": "nope", "grant_type": "client_credentials"},
        {"grant_type": "client_credentials"},
    ],
)
def test_token_wrong_credentials_is_401_invalid_api_key(fake: FakeAirbyte, body: dict[str, str]) -> None:
    r = requests.post(fake.token_url, json=body, timeout=5)
    doc = problem(r, 401, "invalid-api-key")
    assert doc["type"].endswith("invalid-api-key")


def test_token_unsupported_grant_is_400(fake: FakeAirbyte) -> None:
    r = requests.post(
        fake.token_url,
        json={"client_id": fake.client_id, "client_secret": fake.client_secret, "grant_type": "password"},
        timeout=5,
    )
    problem(r, 400, "bad-request")


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic Zm9vOmJhcg=="])
def test_endpoints_need_a_valid_bearer_token(fake: FakeAirbyte, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    r = requests.get(f"{fake.base_url}/workspaces", headers=headers, timeout=5)
    problem(r, 401, "invalid-api-key")


def test_token_expires_after_ttl() -> None:
    clock = ManualClock()
    with FakeAirbyte(clock=clock, token_ttl_seconds=900) as fake:
        token = get_token(fake)
        headers = {"Authorization": f"Bearer {token}"}
        clock.now += 899
        assert requests.get(f"{fake.base_url}/workspaces", headers=headers, timeout=5).status_code == 200
        clock.now += 1
        problem(requests.get(f"{fake.base_url}/workspaces", headers=headers, timeout=5), 401, "invalid-api-key")
        fresh = {"Authorization": f"Bearer {get_token(fake)}"}
        assert requests.get(f"{fake.base_url}/workspaces", headers=fresh, timeout=5).status_code == 200


def test_token_ttl_knob_sets_expires_in(fake: FakeAirbyte) -> None:
    fake.token_ttl_seconds = 60
    r = requests.post(
        fake.token_url, json={"client_id": fake.client_id, "client_secret": fake.client_secret}, timeout=5
    )
    assert r.json()["expires_in"] == 60


def test_expire_tokens_hook(fake: FakeAirbyte, api: requests.Session) -> None:
    assert api.get(f"{fake.base_url}/workspaces", timeout=5).status_code == 200
    fake.expire_tokens()
    problem(api.get(f"{fake.base_url}/workspaces", timeout=5), 401, "invalid-api-key")


# ------------------------------------------------------------------------------------ health / boot


def test_health_endpoints_when_up(fake: FakeAirbyte) -> None:
    r = requests.get(fake.health_url, timeout=5)
    assert r.status_code == 200
    assert r.json() == {"available": True}
    r = requests.get(f"{fake.base_url}/health", timeout=5)
    assert r.status_code == 200
    assert r.text == "Successful operation"


def test_health_boot_wait_loop() -> None:
    with FakeAirbyte(boot_after_requests=3) as fake:
        # Before boot every path is the ingress's 503 page, the token endpoint included.
        r = requests.post(
            fake.token_url, json={"client_id": fake.client_id, "client_secret": fake.client_secret}, timeout=5
        )
        assert r.status_code == 503
        assert r.headers["Content-Type"].startswith("text/html")
        codes: list[int] = []
        deadline = time.monotonic() + 10
        while True:  # the wait loop an orchestrator runs
            r = requests.get(fake.health_url, timeout=5)
            codes.append(r.status_code)
            if r.status_code == 200 and r.json() == {"available": True}:
                break
            assert time.monotonic() < deadline, codes
        assert codes == [503, 503, 503, 200]
        assert fake.booted
        assert fake.health_checks == 4
        assert requests.get(f"{fake.base_url}/health", timeout=5).text == "Successful operation"
        get_token(fake)


def test_public_health_path_also_counts_towards_boot() -> None:
    with FakeAirbyte(boot_after_requests=1) as fake:
        assert requests.get(f"{fake.base_url}/health", timeout=5).status_code == 503
        assert requests.get(f"{fake.base_url}/health", timeout=5).status_code == 200


def test_set_booted_hook(fake: FakeAirbyte) -> None:
    fake.set_booted(False)
    for _ in range(3):
        assert requests.get(fake.health_url, timeout=5).status_code == 503
    assert requests.get(f"{fake.base_url}/workspaces", timeout=5).status_code == 503
    fake.set_booted(True)
    assert requests.get(fake.health_url, timeout=5).status_code == 200
    fake.set_booted(False, after_requests=1)
    assert [requests.get(fake.health_url, timeout=5).status_code for _ in range(2)] == [503, 200]


def test_constructor_booted_false_waits_for_hook() -> None:
    with FakeAirbyte(booted=False) as fake:
        assert {requests.get(fake.health_url, timeout=5).status_code for _ in range(5)} == {503}
        fake.set_booted()
        assert requests.get(fake.health_url, timeout=5).status_code == 200


# ------------------------------------------------------------------------------------ workspaces


def test_workspaces_list_shape(fake: FakeAirbyte, api: requests.Session) -> None:
    r = api.get(f"{fake.base_url}/workspaces", timeout=5)
    assert r.json() == {
        "data": [
            {
                "workspaceId": fake.workspace_id,
                "name": "Default Workspace",
                "dataResidency": "auto",
                "notifications": {},
            }
        ],
        "next": None,
        "previous": None,
    }
    one = api.get(f"{fake.base_url}/workspaces/{fake.workspace_id}", timeout=5)
    assert one.json()["workspaceId"] == fake.workspace_id


def test_workspaces_full_page_has_next_then_empty_page(fake: FakeAirbyte, api: requests.Session) -> None:
    first = api.get(f"{fake.base_url}/workspaces", params={"limit": 1}, timeout=5).json()
    assert len(first["data"]) == 1
    assert first["next"].startswith(fake.base_url + "/workspaces?")
    assert "offset=1" in first["next"]
    second = api.get(first["next"], timeout=5).json()
    assert second["data"] == []
    assert second["next"] is None
    assert "offset=0" in second["previous"]


def test_empty_page_link_knob(fake: FakeAirbyte, api: requests.Session) -> None:
    fake.empty_page_link = ""
    doc = api.get(f"{fake.base_url}/workspaces", timeout=5).json()
    assert doc["next"] == ""
    assert doc["previous"] == ""


def test_unknown_workspace_is_403_forbidden(fake: FakeAirbyte, api: requests.Session) -> None:
    r = api.get(
        f"{fake.base_url}/workspaces", params={"workspaceIds": "00000000-0000-0000-0000-000000000000"}, timeout=5
    )
    problem(r, 403, "forbidden")


@pytest.mark.parametrize("limit", ["0", "101", "x"])
def test_bad_limit_is_400(fake: FakeAirbyte, api: requests.Session, limit: str) -> None:
    problem(api.get(f"{fake.base_url}/sources", params={"limit": limit}, timeout=5), 400, "bad-request")


# ------------------------------------------------------------------------------------ sources


def test_create_source_masks_secrets(fake: FakeAirbyte, api: requests.Session) -> None:
    doc = zoom_source(fake, api)
    assert set(doc) == {"sourceId", "name", "sourceType", "definitionId", "workspaceId", "configuration", "createdAt"}
    assert doc["sourceType"] == "zoom"
    assert doc["definitionId"] == SOURCE_DEFINITIONS["zoom"]
    assert doc["workspaceId"] == fake.workspace_id
    # Only the spec's airbyte_secret properties are masked; sourceType is not part of the configuration.
    assert doc["configuration"] == {
        "account_id": "acc",
        "client_id": "zid",
        "client_secret": "**********",
        "authorization_endpoint": ZOOM_TOKEN_URL,
    }
    assert isinstance(doc["createdAt"], int)
    stored = fake.sources()[doc["sourceId"]]
    assert stored["configuration"]["client_secret"] == "zsecret"  # the hook shows the real value
    assert "sourceType" not in stored["configuration"]
    got = api.get(f"{fake.base_url}/sources/{doc['sourceId']}", timeout=5).json()
    assert got == doc


@pytest.mark.parametrize(
    ("source_type", "config", "missing"),
    [
        ("zoom", {"account_id": "a", "client_id": "b", "authorization_endpoint": "u"}, ["client_secret"]),
        ("zoom", {}, ["account_id", "client_id", "client_secret", "authorization_endpoint"]),
        # a required property with a default is not filled in by the server
        ("zoom", {"account_id": "a", "client_id": "b", "client_secret": "c"}, ["authorization_endpoint"]),
        ("salesforce", {"client_id": "a", "client_secret": "b"}, ["refresh_token"]),
        ("salesforce", {"refresh_token": "r"}, ["client_id", "client_secret"]),
    ],
)
def test_missing_required_configuration_is_422(
    fake: FakeAirbyte, api: requests.Session, source_type: str, config: dict[str, Any], missing: list[str]
) -> None:
    r = api.post(
        f"{fake.base_url}/sources",
        json={"name": "x", "workspaceId": fake.workspace_id, "configuration": {"sourceType": source_type, **config}},
        timeout=5,
    )
    doc = problem(r, 422, "unprocessable-entity")
    assert doc["type"].endswith("#unprocessable-entity")
    for key in missing:
        assert f"$.{key}: is missing but it is required" in doc["data"]["message"]
    assert fake.sources() == {}


def test_salesforce_optional_fields(fake: FakeAirbyte, api: requests.Session) -> None:
    doc = salesforce_source(fake, api, streams_criteria=[{"criteria": "exacts", "value": "Contact"}])
    conf = doc["configuration"]
    assert conf["start_date"] == "2026-01-01T00:00:00Z"
    assert conf["is_sandbox"] is False
    assert conf["streams_criteria"] == [{"criteria": "exacts", "value": "Contact"}]
    assert conf["refresh_token"] == "**********"


@pytest.mark.parametrize(
    "extra",
    [{"is_sandbox": "no"}, {"start_date": "01/01/2026"}, {"streams_criteria": [{"criteria": "roughly", "value": "C"}]}],
)
def test_salesforce_bad_optional_fields_are_422(
    fake: FakeAirbyte, api: requests.Session, extra: dict[str, Any]
) -> None:
    conf = {"sourceType": "salesforce", "client_id": "a", "client_secret": "b", "refresh_token": "c", **extra}
    r = api.post(
        f"{fake.base_url}/sources",
        json={"name": "x", "workspaceId": fake.workspace_id, "configuration": conf},
        timeout=5,
    )
    problem(r, 422, "unprocessable-entity")


def test_source_by_definition_id(fake: FakeAirbyte, api: requests.Session) -> None:
    r = api.post(
        f"{fake.base_url}/sources",
        json={
            "name": "sf",
            "workspaceId": fake.workspace_id,
            "definitionId": SOURCE_DEFINITIONS["salesforce"],
            "configuration": {"client_id": "a", "client_secret": "b", "refresh_token": "c"},
        },
        timeout=5,
    )
    assert r.status_code == 200
    assert r.json()["sourceType"] == "salesforce"


def test_source_type_problems(fake: FakeAirbyte, api: requests.Session) -> None:
    url = f"{fake.base_url}/sources"
    ws = fake.workspace_id
    problem(
        api.post(url, json={"name": "x", "workspaceId": ws, "configuration": {}}, timeout=5),
        422,
        "unprocessable-entity",
    )
    r = api.post(url, json={"name": "x", "workspaceId": ws, "configuration": {"sourceType": "hubspot"}}, timeout=5)
    problem(r, 422, "unprocessable-entity")
    r = api.post(
        url,
        json={
            "name": "x",
            "workspaceId": "11111111-1111-1111-1111-111111111111",
            "configuration": {"sourceType": "zoom"},
        },
        timeout=5,
    )
    problem(r, 403, "forbidden")
    problem(api.post(url, json={"workspaceId": ws, "configuration": {}}, timeout=5), 400, "bad-request")
    r = api.post(url, data="{not json", headers={"Content-Type": "application/json"}, timeout=5)
    problem(r, 400, "bad-request")


def test_sources_list_pagination_to_the_end(fake: FakeAirbyte, api: requests.Session) -> None:
    ids = {zoom_source(fake, api)["sourceId"] for _ in range(5)}
    url: str | None = f"{fake.base_url}/sources?workspaceIds={fake.workspace_id}&limit=2"
    seen: list[str] = []
    pages = 0
    while url:
        doc = api.get(url, timeout=5).json()
        seen.extend(s["sourceId"] for s in doc["data"])
        assert all(s["configuration"]["client_secret"] == "**********" for s in doc["data"])
        url = doc["next"]
        pages += 1
    assert pages == 3
    assert set(seen) == ids
    assert len(seen) == 5


def test_patch_merges_and_keeps_masked_secrets(fake: FakeAirbyte, api: requests.Session) -> None:
    src = zoom_source(fake, api)
    url = f"{fake.base_url}/sources/{src['sourceId']}"
    r = api.patch(url, json={"name": "Zoom 2", "configuration": {"account_id": "acc2"}}, timeout=5)
    assert r.status_code == 200
    assert r.json()["name"] == "Zoom 2"
    stored = fake.sources()[src["sourceId"]]["configuration"]
    assert stored["account_id"] == "acc2"
    assert stored["client_secret"] == "zsecret"
    # Sending the mask back (what a GET returned) keeps the stored secret.
    api.patch(url, json={"configuration": r.json()["configuration"]}, timeout=5)
    assert fake.sources()[src["sourceId"]]["configuration"]["client_secret"] == "zsecret"


def test_put_replaces_configuration(fake: FakeAirbyte, api: requests.Session) -> None:
    src = zoom_source(fake, api)
    url = f"{fake.base_url}/sources/{src['sourceId']}"
    r = api.put(url, json={"name": "Zoom", "configuration": {"sourceType": "zoom", "account_id": "only"}}, timeout=5)
    problem(r, 422, "unprocessable-entity")
    r = api.put(
        url,
        json={
            "name": "Zoom",
            "configuration": {
                "sourceType": "zoom",
                "account_id": "new",
                "client_id": "n",
                "client_secret": "s2",
                "authorization_endpoint": ZOOM_TOKEN_URL,
            },
        },
        timeout=5,
    )
    assert r.status_code == 200
    assert fake.sources()[src["sourceId"]]["configuration"] == {
        "authorization_endpoint": ZOOM_TOKEN_URL,
        "account_id": "new",
        "client_id": "n",
        "client_secret": "s2",
    }


def test_delete_source_then_404(fake: FakeAirbyte, api: requests.Session) -> None:
    src = zoom_source(fake, api)
    url = f"{fake.base_url}/sources/{src['sourceId']}"
    r = api.delete(url, timeout=5)
    assert r.status_code == 204
    assert r.content == b""
    doc = problem(api.get(url, timeout=5), 404, "resource-not-found")
    assert src["sourceId"] in doc["detail"]
    problem(api.delete(url, timeout=5), 404, "resource-not-found")


def test_not_found_status_knob(fake: FakeAirbyte, api: requests.Session) -> None:
    fake.not_found_status = 400
    problem(api.get(f"{fake.base_url}/sources/nope", timeout=5), 400, "resource-not-found")


# ------------------------------------------------------------------------------------ destinations


def test_snowflake_key_pair_destination(fake: FakeAirbyte, api: requests.Session) -> None:
    doc = snowflake(fake, api)
    assert doc["destinationType"] == "snowflake"
    assert doc["definitionId"] == DESTINATION_DEFINITIONS["snowflake"]
    assert doc["configuration"]["credentials"] == {"auth_type": "Key Pair Authentication", "private_key": "**********"}
    listed = api.get(f"{fake.base_url}/destinations", timeout=5).json()["data"]
    assert [d["destinationId"] for d in listed] == [doc["destinationId"]]


def test_snowflake_credentials_follow_the_spec_one_of(fake: FakeAirbyte, api: requests.Session) -> None:
    def create(credentials: dict[str, Any]) -> requests.Response:
        return api.post(
            f"{fake.base_url}/destinations",
            json={
                "name": "s",
                "workspaceId": fake.workspace_id,
                "configuration": {**SNOWFLAKE, "credentials": credentials},
            },
            timeout=5,
        )

    # The deprecated branch still validates (the connector, not the server, refuses it at check time).
    doc = create({"auth_type": "Username and Password", "password": "hunter2"}).json()
    assert doc["configuration"]["credentials"] == {"auth_type": "Username and Password", "password": "**********"}
    # auth_type is required in both branches: a key alone matches neither.
    doc = problem(create({"private_key": "k"}), 422, "unprocessable-entity")
    assert "$.credentials: should be valid to one and only one schema" in doc["data"]["message"]


@pytest.mark.parametrize("drop", ["host", "role", "warehouse", "database", "schema", "username"])
def test_snowflake_required_keys(fake: FakeAirbyte, api: requests.Session, drop: str) -> None:
    conf = {k: v for k, v in SNOWFLAKE.items() if k != drop}
    r = api.post(
        f"{fake.base_url}/destinations",
        json={"name": "s", "workspaceId": fake.workspace_id, "configuration": conf},
        timeout=5,
    )
    doc = problem(r, 422, "unprocessable-entity")
    assert f"$.{drop}: is missing" in doc["data"]["message"]


# ------------------------------------------------------------------------------------ streams


def test_zoom_streams(fake: FakeAirbyte, api: requests.Session) -> None:
    src = zoom_source(fake, api)
    dst = snowflake(fake, api)
    r = api.get(
        f"{fake.base_url}/streams",
        params={"sourceId": src["sourceId"], "destinationId": dst["destinationId"]},
        timeout=5,
    )
    streams = {s["streamName"]: s for s in r.json()}
    assert {"webinar_registrants", "webinars", "users"} <= set(streams)
    reg = streams["webinar_registrants"]
    assert set(reg) == {
        "streamName",
        "syncModes",
        "defaultCursorField",
        "sourceDefinedCursorField",
        "sourceDefinedPrimaryKey",
        "propertyFields",
    }
    assert sorted(reg["syncModes"]) == ["full_refresh_append", "full_refresh_overwrite"]
    assert reg["sourceDefinedPrimaryKey"] == []
    assert reg["defaultCursorField"] == []
    assert ["email"] in reg["propertyFields"]


def test_salesforce_streams_and_criteria(fake: FakeAirbyte, api: requests.Session) -> None:
    src = salesforce_source(fake, api)
    streams = {
        s["streamName"]: s
        for s in api.get(f"{fake.base_url}/streams", params={"sourceId": src["sourceId"]}, timeout=5).json()
    }
    assert {"Contact", "Account"} <= set(streams)
    contact = streams["Contact"]
    assert "incremental_deduped_history" in contact["syncModes"]
    assert "incremental_append" in contact["syncModes"]
    assert contact["sourceDefinedPrimaryKey"] == [["Id"]]
    assert contact["defaultCursorField"] == ["SystemModstamp"]
    assert contact["sourceDefinedCursorField"] is True
    limited = salesforce_source(fake, api, streams_criteria=[{"criteria": "exacts", "value": "contact"}])
    names = [
        s["streamName"]
        for s in api.get(f"{fake.base_url}/streams", params={"sourceId": limited["sourceId"]}, timeout=5).json()
    ]
    assert names == ["Contact"]


def test_streams_errors(fake: FakeAirbyte, api: requests.Session) -> None:
    problem(api.get(f"{fake.base_url}/streams", timeout=5), 400, "bad-request")
    problem(api.get(f"{fake.base_url}/streams", params={"sourceId": "nope"}, timeout=5), 404, "resource-not-found")


# ------------------------------------------------------------------------------------ connections


def test_create_connection_with_explicit_streams(fake: FakeAirbyte, api: requests.Session) -> None:
    src = salesforce_source(fake, api)
    dst = snowflake(fake, api)
    r = connection(
        fake,
        api,
        src["sourceId"],
        dst["destinationId"],
        [{"name": "Contact", "syncMode": "incremental_deduped_history"}],
        schedule={"scheduleType": "cron", "cronExpression": "0 0 6 * * ?"},
        namespaceFormat="salesforce",
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    assert {"connectionId", "name", "sourceId", "destinationId", "workspaceId", "status", "schedule", "configurations",
            "namespaceDefinition", "namespaceFormat", "prefix", "tags", "createdAt"} <= set(doc)  # fmt: skip
    assert doc["status"] == "active"
    assert doc["workspaceId"] == fake.workspace_id
    assert doc["tags"] == []
    assert doc["schedule"] == {"scheduleType": "cron", "cronExpression": "0 0 6 * * ? UTC"}
    assert doc["namespaceDefinition"] == "custom_format"
    assert doc["namespaceFormat"] == "salesforce"
    assert doc["configurations"]["streams"] == [
        {
            "name": "Contact",
            "syncMode": "incremental_deduped_history",
            "cursorField": ["SystemModstamp"],
            "primaryKey": [["Id"]],
        }
    ]


def test_manual_schedule_is_the_default(zoom_conn: dict[str, Any]) -> None:
    assert zoom_conn["schedule"] == {"scheduleType": "manual"}
    assert zoom_conn["configurations"]["streams"] == [
        {"name": "webinar_registrants", "syncMode": "full_refresh_overwrite", "cursorField": [], "primaryKey": []}
    ]


@pytest.mark.parametrize("configurations", [{}, {"streams": []}, None])
def test_empty_streams_selects_every_stream_full_refresh_overwrite(
    fake: FakeAirbyte, api: requests.Session, configurations: dict[str, Any] | None
) -> None:
    src = zoom_source(fake, api)
    dst = snowflake(fake, api)
    body: dict[str, Any] = {"sourceId": src["sourceId"], "destinationId": dst["destinationId"]}
    if configurations is not None:
        body["configurations"] = configurations
    r = api.post(f"{fake.base_url}/connections", json=body, timeout=5)
    assert r.status_code == 200
    streams = r.json()["configurations"]["streams"]
    discovered = api.get(f"{fake.base_url}/streams", params={"sourceId": src["sourceId"]}, timeout=5).json()
    assert [s["name"] for s in streams] == [s["streamName"] for s in discovered]
    assert len(streams) > 1
    assert {s["syncMode"] for s in streams} == {"full_refresh_overwrite"}


@pytest.mark.parametrize(
    ("streams", "message"),
    [
        ([{"name": "nope", "syncMode": "full_refresh_overwrite"}], "Invalid stream found"),
        ([{"name": "webinar_registrants", "syncMode": "incremental_append"}], "Cannot set sync mode"),
        ([{"name": "webinar_registrants", "syncMode": "full_refresh_overwrite_deduped"}], "Cannot set sync mode"),
        ([{"name": "webinar_registrants", "syncMode": "sideways"}], "does not have a value in the enumeration"),
        (
            [
                {"name": "users", "syncMode": "full_refresh_overwrite"},
                {"name": "users", "syncMode": "full_refresh_append"},
            ],
            "Duplicate stream",
        ),
    ],
)
def test_bad_zoom_streams_are_400(
    fake: FakeAirbyte, api: requests.Session, streams: list[dict[str, Any]], message: str
) -> None:
    src = zoom_source(fake, api)
    dst = snowflake(fake, api)
    doc = problem(connection(fake, api, src["sourceId"], dst["destinationId"], streams), 400, "bad-request")
    assert message in doc["data"]["message"]
    assert fake.connections() == {}


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        ({"name": "Contact", "syncMode": "incremental_append", "cursorField": ["LastModifiedDate"]}, "already defined"),
        ({"name": "Contact", "syncMode": "incremental_deduped_history", "primaryKey": [["Email"]]}, "pre-defined"),
    ],
)
def test_bad_salesforce_stream_config_is_400(
    fake: FakeAirbyte, api: requests.Session, stream: dict[str, Any], message: str
) -> None:
    src = salesforce_source(fake, api)
    dst = snowflake(fake, api)
    doc = problem(connection(fake, api, src["sourceId"], dst["destinationId"], [stream]), 400, "bad-request")
    assert message in doc["data"]["message"]


def cron_connection(fake: FakeAirbyte, api: requests.Session, cron: str) -> requests.Response:
    src = zoom_source(fake, api)
    dst = snowflake(fake, api)
    return connection(
        fake,
        api,
        src["sourceId"],
        dst["destinationId"],
        [{"name": "users", "syncMode": "full_refresh_overwrite"}],
        schedule={"scheduleType": "cron", "cronExpression": cron},
    )


@pytest.mark.parametrize(
    "cron",
    [
        "0 0 * * *",  # 5 fields (Unix cron)
        "* 0 12 * * ?",  # seconds must be a number
        "0 0 12 * * *",  # both day-of-month and day-of-week given
        "0 0 25 * * ?",  # hour out of range
        "0 0 12 ? * ? 2027",  # both '?'
        "0 * 12 * * ? 2027",  # 7 fields: minutes must be a number
        "",
    ],
)
def test_bad_cron_is_400(fake: FakeAirbyte, api: requests.Session, cron: str) -> None:
    problem(cron_connection(fake, api, cron), 400, "bad-request")


@pytest.mark.parametrize("cron", ["0 0 12 * * ?", "0 30 2 ? * MON-FRI", "0 0 0/6 * * ? UTC", "0 15 10 L * ? 2027"])
def test_good_cron_is_accepted(fake: FakeAirbyte, api: requests.Session, cron: str) -> None:
    r = cron_connection(fake, api, cron)
    assert r.status_code == 200, r.text
    assert r.json()["schedule"]["cronExpression"].endswith(" UTC")


def test_connection_unknown_source_or_destination_is_404(fake: FakeAirbyte, api: requests.Session) -> None:
    src = zoom_source(fake, api)
    dst = snowflake(fake, api)
    problem(connection(fake, api, "missing", dst["destinationId"], []), 404, "resource-not-found")
    problem(connection(fake, api, src["sourceId"], "missing", []), 404, "resource-not-found")


def test_connection_get_list_patch_delete(fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]) -> None:
    url = f"{fake.base_url}/connections/{zoom_conn['connectionId']}"
    assert api.get(url, timeout=5).json() == zoom_conn
    listed = api.get(f"{fake.base_url}/connections", params={"workspaceIds": fake.workspace_id}, timeout=5).json()
    assert [c["connectionId"] for c in listed["data"]] == [zoom_conn["connectionId"]]
    r = api.patch(
        url,
        json={
            "status": "inactive",
            "schedule": {"scheduleType": "cron", "cronExpression": "0 0 1 * * ?"},
            "configurations": {"streams": [{"name": "webinar_registrants", "syncMode": "full_refresh_append"}]},
        },
        timeout=5,
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["status"] == "inactive"
    assert doc["schedule"]["cronExpression"] == "0 0 1 * * ? UTC"
    assert doc["configurations"]["streams"][0]["syncMode"] == "full_refresh_append"
    problem(api.patch(url, json={"configurations": {"streams": [{"name": "x"}]}}, timeout=5), 400, "bad-request")
    assert api.delete(url, timeout=5).status_code == 204
    assert api.get(url, timeout=5).json()["status"] == "deprecated"
    assert api.get(f"{fake.base_url}/connections", timeout=5).json()["data"] == []
    assert (
        len(api.get(f"{fake.base_url}/connections", params={"includeDeleted": "true"}, timeout=5).json()["data"]) == 1
    )
    problem(api.get(f"{fake.base_url}/connections/nope", timeout=5), 404, "resource-not-found")


# ------------------------------------------------------------------------------------ jobs


def test_job_walks_pending_running_succeeded(
    fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]
) -> None:
    fake.job_steps = 2
    fake.rows_per_sync = 42
    r = start_job(fake, api, zoom_conn["connectionId"])
    assert r.status_code == 200
    created = r.json()
    assert set(created) == {"jobId", "status", "jobType", "startTime", "connectionId"}
    assert created["status"] == "pending"
    assert created["jobType"] == "sync"
    assert isinstance(created["jobId"], int)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z", created["startTime"])
    seen = poll_job(api, fake, created["jobId"])
    statuses = [d["status"] for d in seen]
    assert statuses == ["pending", "queued", "queued", "running", "running", "succeeded"]
    assert "duration" not in seen[1]  # queued: not started yet
    assert "lastUpdatedAt" not in seen[3]
    assert "duration" in seen[3]
    final = seen[-1]
    assert re.fullmatch(r"PT(\d+H)?(\d+M)?(\d+S)?", final["duration"])
    assert final["rowsSynced"] == 42
    assert final["bytesSynced"] > 0
    assert "lastUpdatedAt" in final
    assert fake.jobs()[created["jobId"]]["history"] == ["pending", "queued", "running", "succeeded"]


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("failed", ["queued", "running", "failed"]),
        ("incomplete-then-succeeded", ["queued", "running", "incomplete", "running", "succeeded"]),
    ],
)
def test_job_outcomes(
    fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any], outcome: str, expected: list[str]
) -> None:
    fake.job_outcome = outcome
    job = start_job(fake, api, zoom_conn["connectionId"]).json()
    assert [d["status"] for d in poll_job(api, fake, job["jobId"])] == expected


def test_second_job_while_running_is_409(fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]) -> None:
    job = start_job(fake, api, zoom_conn["connectionId"]).json()
    for job_type in ("sync", "reset", "clear"):
        doc = problem(start_job(fake, api, zoom_conn["connectionId"], job_type), 409, "try-again-later")
        assert zoom_conn["connectionId"] in doc["data"]["message"]
    poll_job(api, fake, job["jobId"])
    again = start_job(fake, api, zoom_conn["connectionId"])
    assert again.status_code == 200
    assert again.json()["jobId"] == job["jobId"] + 1


def test_concurrent_job_creation_gets_exactly_one_409(
    fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]
) -> None:
    token = api.headers["Authorization"]

    def call(i: int) -> int:
        r = requests.post(
            f"{fake.base_url}/jobs",
            json={"connectionId": zoom_conn["connectionId"], "jobType": "sync"},
            headers={"Authorization": str(token)},
            timeout=5,
        )
        return r.status_code

    results = run_concurrently(4, call)
    assert Counter(results) == {200: 1, 409: 3}
    assert len(fake.jobs()) == 1


def test_job_errors(fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]) -> None:
    doc = problem(start_job(fake, api, zoom_conn["connectionId"], "refresh"), 422, "unprocessable-entity")
    assert "Refreshes are not supported" in doc["data"]["message"]
    problem(start_job(fake, api, zoom_conn["connectionId"], "teleport"), 400, "bad-request")
    problem(start_job(fake, api, "nope"), 404, "resource-not-found")
    problem(api.get(f"{fake.base_url}/jobs/999", timeout=5), 404, "resource-not-found")
    problem(api.get(f"{fake.base_url}/jobs/abc", timeout=5), 400, "bad-request")


def test_reset_job_does_not_call_the_hook(fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]) -> None:
    calls: list[int] = []
    fake.on_job_succeeded = lambda conn, job: calls.append(job["jobId"])
    job = start_job(fake, api, zoom_conn["connectionId"], "reset").json()
    assert job["jobType"] == "reset"
    assert poll_job(api, fake, job["jobId"])[-1]["status"] == "succeeded"
    assert calls == []


def test_cancel_job(fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]) -> None:
    job = start_job(fake, api, zoom_conn["connectionId"]).json()
    r = api.delete(f"{fake.base_url}/jobs/{job['jobId']}", timeout=5)
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert "lastUpdatedAt" in r.json()
    problem(api.delete(f"{fake.base_url}/jobs/{job['jobId']}", timeout=5), 409, "state-conflict")
    assert start_job(fake, api, zoom_conn["connectionId"]).status_code == 200  # no longer running


def test_jobs_list_filters_and_order(fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]) -> None:
    cid = zoom_conn["connectionId"]
    ids = []
    for job_type in ("sync", "reset", "sync"):
        job = start_job(fake, api, cid, job_type).json()
        poll_job(api, fake, job["jobId"])
        ids.append(job["jobId"])
    url = f"{fake.base_url}/jobs"
    asc = api.get(url, params={"connectionId": cid}, timeout=5).json()
    assert [j["jobId"] for j in asc["data"]] == ids
    desc = api.get(url, params={"connectionId": cid, "orderBy": "createdAt|DESC", "limit": 2}, timeout=5).json()
    assert [j["jobId"] for j in desc["data"]] == [ids[2], ids[1]]
    assert desc["next"] is not None
    syncs = api.get(url, params={"connectionId": cid, "jobType": "sync"}, timeout=5).json()
    assert [j["jobId"] for j in syncs["data"]] == [ids[0], ids[2]]
    problem(api.get(url, params={"orderBy": "createdAt"}, timeout=5), 400, "bad-request")
    problem(api.get(url, params={"connectionId": "nope"}, timeout=5), 404, "resource-not-found")


def test_listing_also_advances_jobs(fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]) -> None:
    job = start_job(fake, api, zoom_conn["connectionId"]).json()
    statuses: list[str] = []
    deadline = time.monotonic() + 10
    while not statuses or statuses[-1] not in TERMINAL:
        data = api.get(f"{fake.base_url}/jobs", params={"connectionId": zoom_conn["connectionId"]}, timeout=5).json()[
            "data"
        ]
        statuses.append(data[0]["status"])
        assert time.monotonic() < deadline
    assert statuses == ["queued", "running", "succeeded"]
    assert data[0]["jobId"] == job["jobId"]


def test_on_job_succeeded_hook_lands_rows_before_success_is_visible(
    fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]
) -> None:
    warehouse: list[dict[str, Any]] = []
    seen_in_hook: list[str] = []

    def land(conn: dict[str, Any], job: dict[str, Any]) -> int:
        # Runs outside the fake's lock: an HTTP call back into the fake must not deadlock.
        r = requests.get(
            f"{fake.base_url}/connections/{conn['connectionId']}", headers={"Authorization": token}, timeout=5
        )
        seen_in_hook.append(r.json()["name"])
        assert fake.jobs()[job["jobId"]]["status"] == "running"  # not yet visible as succeeded
        warehouse.extend({"stream": s["name"], "job": job["jobId"]} for s in conn["configurations"]["streams"])
        return 7

    token = str(api.headers["Authorization"])
    fake.on_job_succeeded = land
    job = start_job(fake, api, zoom_conn["connectionId"]).json()
    final = poll_job(api, fake, job["jobId"])[-1]
    assert final["status"] == "succeeded"
    assert final["rowsSynced"] == 7
    assert warehouse == [{"stream": "webinar_registrants", "job": job["jobId"]}]
    assert seen_in_hook == [zoom_conn["name"]]


def test_hook_exception_fails_the_job(fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]) -> None:
    def boom(conn: dict[str, Any], job: dict[str, Any]) -> None:
        raise RuntimeError("warehouse unavailable")

    fake.on_job_succeeded = boom
    job = start_job(fake, api, zoom_conn["connectionId"]).json()
    assert poll_job(api, fake, job["jobId"])[-1]["status"] == "failed"


def test_hook_passed_to_constructor() -> None:
    calls: list[tuple[str, int]] = []

    def hook(conn: dict[str, Any], job: dict[str, Any]) -> None:
        calls.append((conn["connectionId"], job["jobId"]))

    with FakeAirbyte(on_job_succeeded=hook) as fake:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {get_token(fake)}"
        src = zoom_source(fake, s)
        dst = snowflake(fake, s)
        conn = connection(fake, s, src["sourceId"], dst["destinationId"], [{"name": "users"}]).json()
        job = start_job(fake, s, conn["connectionId"]).json()
        poll_job(s, fake, job["jobId"])
        assert calls == [(conn["connectionId"], job["jobId"])]


# ------------------------------------------------------------------------------------ faults


def _health_codes(fake: FakeAirbyte, n: int) -> list[int | str]:
    out: list[int | str] = []
    with requests.Session() as s:
        for _ in range(n):
            try:
                out.append(s.get(fake.health_url, timeout=5).status_code)
            except requests.ConnectionError:
                out.append("drop")
    return out


def test_rate_429_fraction_is_seeded_and_deterministic() -> None:
    runs = []
    for _ in range(2):
        with FakeAirbyte(rate_429=0.25, retry_after=2, seed=7) as f:
            runs.append(_health_codes(f, 400))
            assert f.faults_injected["429"] == runs[-1].count(429)
    assert runs[0] == runs[1]
    assert 70 <= runs[0].count(429) <= 130
    assert set(runs[0]) == {200, 429}


def test_429_is_problem_json_with_retry_after(fake: FakeAirbyte) -> None:
    fake.retry_after = 3
    fake.fail_next(429)
    r = requests.get(fake.health_url, timeout=5)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "3"
    assert r.headers["Content-Type"].startswith(PROBLEM_JSON)


def test_rate_500_fraction(fake: FakeAirbyte) -> None:
    fake.rate_500 = 0.3
    codes = _health_codes(fake, 400)
    assert set(codes) == {200, 500}
    assert 85 <= codes.count(500) <= 155


def test_drop_rate_fraction_and_connection_errors(fake: FakeAirbyte) -> None:
    fake.drop_rate = 0.2
    codes = _health_codes(fake, 400)
    assert set(codes) == {200, "drop"}
    assert 50 <= codes.count("drop") <= 110
    assert fake.responses_by_status["drop"] == codes.count("drop")


def test_drop_surfaces_as_connection_error_in_requests_and_httpx(fake: FakeAirbyte) -> None:
    fake.fail_next("drop", times=2)
    with pytest.raises(requests.ConnectionError):
        requests.get(fake.health_url, timeout=5)
    with httpx.Client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get(fake.health_url, timeout=5)
    assert requests.get(fake.health_url, timeout=5).status_code == 200


def test_fail_next_kinds_in_order(fake: FakeAirbyte, api: requests.Session) -> None:
    fake.fail_next(401)
    fake.fail_next(403)
    fake.fail_next(502)
    fake.fail_next(500)
    url = f"{fake.base_url}/workspaces"
    problem(api.get(url, timeout=5), 401, "invalid-api-key")
    problem(api.get(url, timeout=5), 403, "forbidden")
    r = api.get(url, timeout=5)
    assert r.status_code == 502
    assert r.headers["Content-Type"].startswith("text/html")
    problem(api.get(url, timeout=5), 500, "unexpected-problem")
    assert api.get(url, timeout=5).status_code == 200
    with pytest.raises(ValueError, match="unknown fault kind"):
        fake.fail_next("teapot")


def test_after_apply_drop_applies_the_change(fake: FakeAirbyte, api: requests.Session) -> None:
    fake.fail_next("after_apply_drop")
    with pytest.raises(requests.ConnectionError):
        api.post(
            f"{fake.base_url}/sources",
            json={
                "name": "z",
                "workspaceId": fake.workspace_id,
                "configuration": {
                    "sourceType": "zoom",
                    "account_id": "a",
                    "client_id": "b",
                    "client_secret": "c",
                    "authorization_endpoint": ZOOM_TOKEN_URL,
                },
            },
            timeout=5,
        )
    assert len(fake.sources()) == 1  # the lost acknowledgement: the source exists


def test_latency_knob(fake: FakeAirbyte) -> None:
    fake.latency_ms = 150
    start = time.monotonic()
    requests.get(fake.health_url, timeout=5)
    assert time.monotonic() - start >= 0.15


def test_configure_knobs(fake: FakeAirbyte) -> None:
    fake.configure(rate_429=1.0, job_steps=3)
    assert set(_health_codes(fake, 3)) == {429}
    fake.configure(rate_429=0.0, seed=3)
    assert fake.config()["job_steps"] == 3
    with pytest.raises(TypeError):
        fake.configure(bogus=1)


# ------------------------------------------------------------------------------------ log, counters, transport


def test_request_log_masks_secrets_and_drops_authorization(fake: FakeAirbyte, api: requests.Session) -> None:
    zoom_source(fake, api)
    log = fake.request_log
    token_entry, source_entry = log[0], log[1]
    assert token_entry["route"] == "POST /applications/token"
    assert token_entry["body"]["client_secret"] == "**********"
    assert token_entry["body"]["client_id"] == fake.client_id
    assert source_entry["body"]["configuration"]["client_secret"] == "**********"
    assert source_entry["status"] == 200
    assert all("authorization" not in {k.lower() for k in e["headers"]} for e in log)
    form = requests.post(
        fake.token_url, data={"client_id": fake.client_id, "client_secret": fake.client_secret}, timeout=5
    )
    assert form.status_code == 200
    assert fake.request_log[-1]["body"] == {"client_id": fake.client_id, "client_secret": "**********"}


def test_requests_by_route_and_reset(fake: FakeAirbyte, api: requests.Session, zoom_conn: dict[str, Any]) -> None:
    api.get(f"{fake.base_url}/sources/{zoom_conn['sourceId']}", timeout=5)
    api.get(f"{fake.base_url}/nope", timeout=5)
    by_route = fake.requests_by_route
    assert by_route["GET /sources/{sourceId}"] == 1
    assert by_route["POST /connections"] == 1
    assert by_route["GET <unknown>"] == 1
    fake.reset()
    assert fake.request_count == 0
    assert fake.request_log == []
    assert fake.connections() == {}
    assert api.get(f"{fake.base_url}/workspaces", timeout=5).status_code == 200  # tokens survive reset


def test_unknown_route_and_method(fake: FakeAirbyte, api: requests.Session) -> None:
    r = api.get(f"{fake.base_url}/teleports", timeout=5)
    assert r.status_code == 404
    assert r.json()["message"] == "Not Found"
    r = api.put(f"{fake.base_url}/jobs", json={}, timeout=5)
    assert r.status_code == 405


def test_keep_alive_reuses_one_connection(fake: FakeAirbyte, api: requests.Session) -> None:
    before = fake.connection_count  # the token was fetched on its own connection
    for _ in range(5):
        r = api.get(f"{fake.base_url}/workspaces", timeout=5)
        assert r.headers["Connection"] == "keep-alive"
        assert int(r.headers["Content-Length"]) == len(r.content)
    assert fake.connection_count == before + 1


def test_admin_endpoints(fake: FakeAirbyte) -> None:
    admin = f"{fake.root_url}/_fake"
    assert requests.post(f"{admin}/booted", json={"booted": False}, timeout=5).status_code == 204
    assert requests.get(fake.health_url, timeout=5).status_code == 503
    requests.post(f"{admin}/booted", json={"booted": True}, timeout=5)
    requests.post(f"{admin}/fail-next", json={"kind": "503"}, timeout=5)
    assert requests.get(fake.health_url, timeout=5).status_code == 503
    requests.post(f"{admin}/config", json={"job_steps": 4}, timeout=5)
    assert fake.job_steps == 4
    stats = requests.get(f"{admin}/stats", timeout=5).json()
    assert stats["request_count"] == 2
    assert stats["booted"] is True
    assert requests.post(f"{admin}/config", json={"nope": 1}, timeout=5).status_code == 400


def test_stop_is_idempotent_and_frees_port() -> None:
    f = FakeAirbyte().start()
    url = f.health_url
    f.stop()
    f.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)


def test_host_names_with_server_are_refused() -> None:
    with pytest.raises(ValueError, match="server"):
        FakeAirbyte(host="my-fake-server")


def test_cli_subprocess() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(FAKE_PATH), "--port", "0", "--boot-after-requests", "1", "--client-id", "cid"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["base_url"].startswith("http://127.0.0.1:")
        assert ready["base_url"].endswith("/api/public/v1")
        assert ready["client_id"] == "cid"
        assert {"health_url", "token_url", "client_secret", "workspace_id", "port", "pid"} <= set(ready)
        assert requests.get(ready["health_url"], timeout=5).status_code == 503
        assert requests.get(ready["health_url"], timeout=5).status_code == 200
        r = requests.post(
            ready["token_url"],
            json={"client_id": ready["client_id"], "client_secret": ready["client_secret"]},
            timeout=5,
        )
        assert r.status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert rc == 0
