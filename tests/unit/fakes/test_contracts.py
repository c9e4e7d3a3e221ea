"""Each fake refuses what the real service refuses, and answers in the shapes the published specs give
(tests/contracts/). The cases are generated from the vendored specs, not from lists written here."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from contracts import (
    airbyte_operations,
    connector_spec,
    errors,
    load,
    mailchimp_operations,
    mailchimp_shape,
    openapi,
    openapi_response_schema,
    public_api_schema,
    secret_paths,
    strict,
)
from fakes import mailchimp as fake_mailchimp
from fakes import stripe as fake_stripe
from fakes import zendesk as fake_zendesk
from fakes import zoom as fake_zoom
from fakes.airbyte import REQUEST_SCHEMAS, FakeAirbyte
from fakes.mailchimp import FakeMailchimp, subscriber_hash
from fakes.stripe import FakeStripe
from fakes.zendesk import FakeZendesk
from fakes.zoom import FakeZoom
from tapestry.destinations.mailchimp import client as mailchimp_client
from tapestry.destinations.mailchimp import config as mailchimp_config

CONNECTORS = [
    ("source", "zoom"),
    ("source", "salesforce"),
    ("source", "stripe"),
    ("source", "zendesk-support"),
    ("destination", "snowflake"),
]


def example(schema: dict[str, Any]) -> Any:
    """A minimal instance of `schema`: its required properties only, first enum value or a plain string."""
    if "oneOf" in schema:
        return example({**schema["oneOf"][0], "type": "object"})
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: example(props.get(name, {})) for name in schema.get("required", [])}
    if kind == "boolean":
        return False
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "array":
        return []
    return "acme-xy12345.snowflakecomputing.com" if "pattern" in schema else "value-1"


# ------------------------------------------------------------------------------------ Airbyte


@pytest.fixture
def airbyte() -> Iterator[FakeAirbyte]:
    with FakeAirbyte() as fake:
        yield fake


@pytest.fixture
def api(airbyte: FakeAirbyte) -> Iterator[requests.Session]:
    token = requests.post(
        airbyte.token_url,
        json={
            "client_id": airbyte.client_id,
            "client_secret": airbyte.client_secret,
            "grant_type": "client_credentials",
        },
        timeout=5,
    ).json()["access_token"]
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        yield session


def create(airbyte: FakeAirbyte, api: requests.Session, kind: str, type_: str, conf: dict[str, Any]) -> Any:
    return api.post(
        f"{airbyte.base_url}/{kind}s",
        json={
            "name": f"{type_}-1",
            "workspaceId": airbyte.workspace_id,
            "configuration": {f"{kind}Type": type_, **conf},
        },
        timeout=5,
    )


@pytest.mark.parametrize(("kind", "type_"), CONNECTORS)
def test_the_fake_airbyte_accepts_exactly_what_the_connector_spec_requires(
    airbyte: FakeAirbyte, api: requests.Session, kind: str, type_: str
) -> None:
    spec = connector_spec(kind, type_)
    minimal = example(spec)
    for missing in spec["required"]:  # no default is filled in, even for a required property that has one
        r = create(airbyte, api, kind, type_, {k: v for k, v in minimal.items() if k != missing})
        assert r.status_code == 422, (missing, r.text)
        assert r.json()["title"] == "unprocessable-entity"
        assert f"$.{missing}: is missing but it is required" in r.json()["data"]["message"]

    r = create(airbyte, api, kind, type_, minimal)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert errors(public_api_schema(f"{kind.title()}Response"), doc) == []
    assert f"{kind}Type" not in doc["configuration"]  # removed before storing, never returned inside it
    assert doc["configuration"].keys() == minimal.keys()  # and nothing filled in
    for path in secret_paths(spec):
        node = doc["configuration"]
        for part in path[:-1]:
            node = node.get(part, {})
        if path[-1] in node:
            assert node[path[-1]] == "**********", path


@pytest.mark.parametrize(("method", "route"), sorted(REQUEST_SCHEMAS), ids=str)
def test_strict_requests_refuse_keys_the_request_schemas_do_not_define(
    airbyte: FakeAirbyte, api: requests.Session, method: str, route: str
) -> None:
    airbyte.strict_requests = True
    url = airbyte.base_url + re.sub(r"\{\w+\}", "00000000-0000-0000-0000-000000000000", route)
    body = {**example(public_api_schema(REQUEST_SCHEMAS[(method, route)])), "notInTheSchema": 1}
    session = requests if route == "/applications/token" else api
    r = session.request(method, url, json=body, timeout=5)
    assert r.status_code == 400, r.text
    assert "notInTheSchema" in r.json()["data"]["message"]


def test_every_route_of_the_fake_airbyte_is_a_published_operation(airbyte: FakeAirbyte) -> None:
    published = {(o["method"], re.sub(r"\{\w+\}", "{}", o["path"])) for o in airbyte_operations()}
    served = {
        (method, re.sub(r"\{\w+\}", "{}", route if route.startswith("/api/v1") else "/api/public/v1" + route))
        for route, handlers in airbyte._handlers.items()
        for method in handlers
        if method != "HEAD"
    }
    assert served <= published, served - published


def test_jobs_report_the_published_statuses_queued_included(airbyte: FakeAirbyte, api: requests.Session) -> None:
    source = create(airbyte, api, "source", "zoom", example(connector_spec("source", "zoom"))).json()
    dest = create(airbyte, api, "destination", "snowflake", example(connector_spec("destination", "snowflake"))).json()
    conn = api.post(
        f"{airbyte.base_url}/connections",
        json={
            "sourceId": source["sourceId"],
            "destinationId": dest["destinationId"],
            "configurations": {"streams": [{"name": "webinar_registrants", "syncMode": "full_refresh_overwrite"}]},
        },
        timeout=5,
    ).json()
    assert errors(public_api_schema("ConnectionResponse"), conn) == []
    job = api.post(
        f"{airbyte.base_url}/jobs", json={"connectionId": conn["connectionId"], "jobType": "sync"}, timeout=5
    )
    seen = [job.json()]
    while seen[-1]["status"] not in ("succeeded", "failed", "cancelled"):
        seen.append(api.get(f"{airbyte.base_url}/jobs/{seen[0]['jobId']}", timeout=5).json())
    assert all(errors(public_api_schema("JobResponse"), j) == [] for j in seen)
    assert [j["status"] for j in seen] == ["pending", "queued", "running", "succeeded"]


# ------------------------------------------------------------------------------------ Mailchimp


@pytest.fixture
def mailchimp() -> Iterator[FakeMailchimp]:
    with FakeMailchimp(list_ids=["list1"], strict_requests=True) as fake:
        yield fake


def call(fake: FakeMailchimp, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, fake.base_url + path, json=body, auth=("any", fake.api_key), timeout=5)


@pytest.mark.parametrize("status", ["cleaned", "pending", "archived"])
def test_the_fake_mailchimp_refuses_to_archive_as_the_live_api_did(mailchimp: FakeMailchimp, status: str) -> None:
    mailchimp.add_member("list1", "a@example.com", status=status)
    r = call(mailchimp, "DELETE", f"/lists/list1/members/{subscriber_hash('a@example.com')}")
    assert r.status_code == 405
    doc = r.json()
    assert set(doc) == set(mailchimp_shape("error_fields"))
    assert doc["detail"] in mailchimp_shape("_source")["archive_405"]  # the recorded answer, word for word


@pytest.mark.parametrize(
    ("shape", "method", "path", "body"),
    [
        ("member_upsert", "PUT", "/lists/list1/members/{h}", {"email_address": "a@example.com", "status": "gone"}),
        ("member_upsert", "PUT", "/lists/list1/members/{h}", {"email_address": "a@example.com", "update_existing": 1}),
        ("member_tags", "POST", "/lists/list1/members/{h}/tags", {"tags": [{"name": "x"}]}),
        ("batch_request", "POST", "/batches", {"operations": [{"method": "PUT", "path": "/x", "body": {}}]}),
        ("batch_subscribe_request", "POST", "/lists/list1", {"members": [{"email_address": "b@example.com"}]}),
        (
            "batch_subscribe_request",
            "POST",
            "/lists/list1",
            {"members": [{"email_address": "b@example.com", "status": "subscribed", "tags": ["x"]}]},
        ),
        ("batch_subscribe_request", "POST", "/lists/list1", {"members": [], "update_existing": "yes"}),
        ("segment_create_request", "POST", "/lists/list1/segments", {"name": "x", "members": []}),
        ("segment_members_request", "POST", "/lists/list1/segments/1000", {"members_to_add": "a@example.com"}),
    ],
)
def test_the_fake_mailchimp_refuses_bodies_outside_the_shapes(
    mailchimp: FakeMailchimp, shape: str, method: str, path: str, body: dict[str, Any]
) -> None:
    mailchimp.add_member("list1", "a@example.com", tags=["existing"])  # tag `existing` is segment 1000
    assert errors(strict(mailchimp_shape(shape)), body)  # really outside the shape (undefined keys included)
    r = call(mailchimp, method, path.format(h=subscriber_hash("a@example.com")), body)
    assert r.status_code == 400 and r.json()["title"] == "Invalid Resource", r.text


def test_every_member_route_of_the_fake_mailchimp_is_an_sdk_operation(mailchimp: FakeMailchimp) -> None:
    published = {(m, re.sub(r"\{\w+\}", "{}", p)) for m, p in mailchimp_operations().values()}
    served = {
        (method, re.sub(r"\{\w+\}", "{}", route))
        for route, handlers in mailchimp._routes.items()
        for method in handlers
        if route != "/"
    }
    assert served <= published, served - published


def test_the_fake_mailchimp_answers_bulk_calls_in_their_published_shapes(mailchimp: FakeMailchimp) -> None:
    members = [{"email_address": "n@example.com", "status": "subscribed"}]
    subscribed = call(mailchimp, "POST", "/lists/list1", {"members": members[:1]})
    assert errors(mailchimp_shape("batch_subscribe_response"), subscribed.json()) == []
    again = call(mailchimp, "POST", "/lists/list1", {"members": members[:1]}).json()
    assert errors(mailchimp_shape("batch_subscribe_response"), again) == []
    assert again["errors"][0]["error_code"] == "ERROR_CONTACT_EXISTS"
    segment = call(mailchimp, "POST", "/lists/list1/segments", {"name": "t", "static_segment": []}).json()
    added = call(mailchimp, "POST", f"/lists/list1/segments/{segment['id']}", {"members_to_add": ["n@example.com"]})
    assert errors(mailchimp_shape("segment_members_response"), added.json()) == []
    assert added.json()["total_added"] == 1


def test_the_mailchimp_clients_sizes_are_the_published_limits() -> None:
    """The client fills each call up to the limit the vendored shapes publish, and the fake refuses one more:
    both read from tests/contracts/mailchimp, so neither can drift from the spec alone."""
    assert mailchimp_client.SUBSCRIBE_MAX == fake_mailchimp.MAX_BATCH_SUBSCRIBE == 500
    assert mailchimp_client.SEGMENT_MAX == fake_mailchimp.MAX_SEGMENT_MEMBERS
    assert mailchimp_client.SEGMENTS_PAGE == fake_mailchimp.MAX_SEGMENTS_PAGE
    assert mailchimp_client.ARCHIVED_PAGE == fake_mailchimp.MAX_PAGE_COUNT
    assert mailchimp_config.MAX_CONNECTIONS == fake_mailchimp.MAX_CONNECTIONS == FakeMailchimp().max_connections


def test_the_fake_mailchimp_refuses_one_member_more_than_a_batch_subscribe_takes(mailchimp: FakeMailchimp) -> None:
    limit = fake_mailchimp.MAX_BATCH_SUBSCRIBE
    members = [{"email_address": f"m{i}@example.com", "status": "subscribed"} for i in range(limit + 1)]
    refused = call(mailchimp, "POST", "/lists/list1", {"members": members})
    assert refused.status_code == 400 and mailchimp.members("list1") == {}
    assert call(mailchimp, "POST", "/lists/list1", {"members": members[:limit]}).status_code == 200


# ------------------------------------------------------------------------------------ Stripe and Zendesk Support


@pytest.fixture
def stripe() -> Iterator[FakeStripe]:
    with FakeStripe(seed=11) as fake:
        yield fake


def _stripe_get(fake: FakeStripe, authorization: str | None = None, **params: Any) -> requests.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return requests.get(fake.api_url + fake_stripe.R_CUSTOMERS, params=params, headers=headers, timeout=5)


def test_every_answer_of_the_fake_stripe_is_in_the_operations_response_schemas(stripe: FakeStripe) -> None:
    bearer = f"Bearer {stripe.secret_key}"
    answers = [
        _stripe_get(stripe, bearer, limit=1),
        _stripe_get(stripe),
        _stripe_get(stripe, "Bearer sk_test_notTheKey0000"),
        _stripe_get(stripe, bearer, limit=0),
    ]
    stripe.can_read_customers = False
    answers.append(_stripe_get(stripe, bearer))
    stripe.fail_next(429)
    stripe.fail_next(500)
    answers += [_stripe_get(stripe, bearer), _stripe_get(stripe, bearer)]
    assert [a.status_code for a in answers] == [200, 401, 401, 400, 403, 429, 500]
    for answer in answers:
        schema = openapi_response_schema(fake_stripe.SPEC, "GET", fake_stripe.R_CUSTOMERS, answer.status_code)
        assert errors(schema, answer.json()) == [], answer.status_code
    listing = openapi_response_schema(fake_stripe.SPEC, "GET", fake_stripe.R_CUSTOMERS, 200)
    without_livemode = answers[0].json()
    del without_livemode["data"][0]["livemode"]
    assert errors(listing, without_livemode), "the schema requires what the fake sends"


def test_the_fake_stripe_takes_the_key_as_each_published_security_scheme_says(stripe: FakeStripe) -> None:
    schemes = openapi(fake_stripe.SPEC)["components"]["securitySchemes"]
    assert {s["scheme"] for s in schemes.values()} == {"basic", "bearer"}
    encoded = base64.b64encode(f"{stripe.secret_key}:".encode()).decode()
    # basicAuth: "Authorization: Basic <api_key> | Authorization: Basic <base64 hash of `api_key:`>"
    assert "Basic <api_key>" in schemes["basicAuth"]["description"]
    for authorization in (f"Bearer {stripe.secret_key}", f"Basic {stripe.secret_key}", f"Basic {encoded}"):
        assert _stripe_get(stripe, authorization).status_code == 200, authorization


def test_the_fake_stripe_takes_limit_in_the_range_its_definition_states(stripe: FakeStripe) -> None:
    low, high = fake_stripe.LIMIT_MIN, fake_stripe.LIMIT_MAX
    assert (low, high) == (1, 100)  # "Limit can range between 1 and 100"
    bearer = f"Bearer {stripe.secret_key}"
    assert [_stripe_get(stripe, bearer, limit=n).status_code for n in (low - 1, low, high, high + 1)] == [
        400,
        200,
        200,
        400,
    ]


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    with FakeZendesk(api_token="zd-contract", seed=11) as fake:
        yield fake


@pytest.mark.parametrize("path", list(openapi(fake_zendesk.SPEC)["paths"]))
def test_the_fake_zendesk_answers_each_published_path_in_its_schema(zendesk: FakeZendesk, path: str) -> None:
    auth = (f"{zendesk.email}/token", "zd-contract")
    schema = openapi_response_schema(fake_zendesk.SPEC, "GET", path, 200)
    for spelled in (path, path + ".json"):  # the spec writes the paths bare, Zendesk's own examples with .json
        answer = requests.get(zendesk.api_url + spelled, auth=auth, timeout=5)
        assert answer.status_code == 200, spelled
        assert errors(schema, answer.json()) == [], spelled


def test_the_fake_zendesks_anonymous_user_is_the_one_answer_outside_the_schema(zendesk: FakeZendesk) -> None:
    """users/me is "Allowed For: Anonymous users" but the spec gives no shape for them; Zendesk answers an id of
    null, which the schema's integer id does not admit, and Tapestry's check relies on exactly that."""
    answer = requests.get(zendesk.api_url + "/api/v2/users/me", timeout=5)
    assert answer.status_code == 200 and answer.json()["user"]["id"] is None
    schema = openapi_response_schema(fake_zendesk.SPEC, "GET", "/api/v2/users/me", 200)
    assert errors(schema, answer.json())


# ------------------------------------------------------------------------------------ Zoom OAuth
# Zoom publishes no machine-readable spec of its token endpoint: the facts file quotes the docs, Zoom's SDK and
# recorded live answers, and the fake answers what those record (Salesforce's: test_salesforce_fake.py).


@pytest.fixture
def zoom() -> Iterator[FakeZoom]:
    with FakeZoom(seed=11) as fake:
        yield fake


def _zoom_token(fake: FakeZoom, *, in_body: bool = False, secret: str | None = None, **given: str) -> requests.Response:
    params = {"grant_type": "account_credentials", "account_id": fake.account_id, **given}
    auth = (fake.client_id, secret or fake.client_secret)
    if in_body:
        return requests.post(fake.token_url, data=params, auth=auth, timeout=5)
    return requests.post(fake.token_url, params=params, auth=auth, timeout=5)


def test_the_fake_zoom_issues_tokens_as_zooms_docs_and_sdk_describe(zoom: FakeZoom) -> None:
    facts = load(fake_zoom.FACTS)
    assert facts["token_path"] == fake_zoom.R_TOKEN
    types = {"string": str, "number": (int, float)}
    for in_body in (False, True):  # "either as query parameters or in the request body"
        answer = _zoom_token(zoom, in_body=in_body)
        assert answer.status_code == 200, in_body
        token = answer.json()
        assert set(token) == set(facts["success_example"]), "the documented example's fields, no refresh token"
        for name, kind in facts["sdk_asserted_fields"].items():  # what Zoom's SDK refuses a token without
            assert isinstance(token[name], types[kind]), name
        assert token["token_type"] == facts["success_example"]["token_type"]
        assert token["expires_in"] == facts["token_ttl_seconds"]


def test_the_fake_zoom_refuses_as_the_recorded_live_answers_did(zoom: FakeZoom) -> None:
    recorded = load(fake_zoom.FACTS)["errors"]
    answers = {
        "invalid_client": _zoom_token(zoom, secret="not-the-secret"),
        "unsupported_grant_type": _zoom_token(zoom, grant_type="client_credentials"),
    }
    assert set(answers) == set(recorded)
    for error, answer in answers.items():
        assert (answer.status_code, answer.json()) == (recorded[error]["status"], recorded[error]["body"]), error
