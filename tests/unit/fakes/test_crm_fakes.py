"""The fake HubSpot and the fake Klaviyo refuse what the real services refuse and answer in the shapes their
published OpenAPI documents give (tests/contracts/hubspot, tests/contracts/klaviyo)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from contracts import errors, load, openapi, openapi_response_schema
from fakes.hubspot import ACCOUNT_SPEC, CONTACTS_SPEC, PROPERTIES_SPEC, FakeHubSpot
from fakes.klaviyo import SPEC as KLAVIYO_SPEC
from fakes.klaviyo import FakeKlaviyo

UPSERT = "/crm/v3/objects/contacts/batch/upsert"

# ------------------------------------------------------------------------------------ HubSpot


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    with FakeHubSpot(burst_limit=1000) as fake:
        yield fake


def _hs(fake: FakeHubSpot, method: str, path: str, body: Any = None, token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or fake.token}"}
    return requests.request(method, fake.base_url + path, json=body, headers=headers, timeout=10)


def _upsert_input(email: str, **properties: str) -> dict[str, Any]:
    return {"id": email, "idProperty": "email", "objectWriteTraceId": email, "properties": properties}


def test_hubspot_answers_every_call_in_its_published_shape(hubspot: FakeHubSpot) -> None:
    hubspot.add_contact("old@example.com", firstname="Old")
    calls = [
        (ACCOUNT_SPEC, "GET", "/account-info/v3/details", None, "/account-info/v3/details", 200),
        (ACCOUNT_SPEC, "GET", "/account-info/v3/api-usage/daily/private-apps", None, None, 200),
        (PROPERTIES_SPEC, "GET", "/crm/v3/properties/contacts", None, "/crm/v3/properties/{objectType}", 200),
        (CONTACTS_SPEC, "POST", UPSERT, {"inputs": [_upsert_input("new@example.com", firstname="N")]}, UPSERT, 200),
        (
            CONTACTS_SPEC,
            "POST",
            "/crm/v3/objects/contacts/batch/read",
            {
                "idProperty": "email",
                "inputs": [{"id": "old@example.com"}, {"id": "nobody@example.com"}],
                "properties": ["firstname"],
                "propertiesWithHistory": [],
            },
            None,
            207,
        ),
        (CONTACTS_SPEC, "POST", UPSERT, {"inputs": [_upsert_input("bad@")]}, UPSERT, 400),
    ]
    for spec, method, path, body, template, status in calls:
        answer = _hs(hubspot, method, path, body)
        assert answer.status_code == status, (path, answer.text)
        schema = openapi_response_schema(spec, method, template or path, status)
        assert errors(schema, answer.json()) == [], (path, answer.json())


def test_hubspot_refuses_what_hubspot_refuses(hubspot: FakeHubSpot) -> None:
    assert _hs(hubspot, "GET", "/crm/v3/properties/contacts", token="pat-na1-wrong").status_code == 401
    too_many = {"inputs": [_upsert_input(f"p{i}@example.com") for i in range(101)]}
    cases = {
        "undefined key": {"inputs": [{**_upsert_input("a@example.com"), "status": "subscribed"}]},
        "value not a string": {"inputs": [_upsert_input("a@example.com", webinar_count=3)]},  # type: ignore[arg-type]
        "over 100 inputs": too_many,
        "unknown property": {"inputs": [_upsert_input("a@example.com", favourite_colour="red")]},
        "read-only property": {"inputs": [_upsert_input("a@example.com", hs_object_id="7")]},
        "not an option": {"inputs": [_upsert_input("a@example.com", lifecyclestage="prospect")]},
        "duplicate ids": {"inputs": [_upsert_input("a@example.com"), _upsert_input("A@example.com ")]},
        "other idProperty": {"inputs": [{**_upsert_input("a@example.com"), "idProperty": "phone"}]},
    }
    for case, body in cases.items():
        answer = _hs(hubspot, "POST", UPSERT, body)
        assert answer.status_code == 400, case
        assert answer.json()["category"] == "VALIDATION_ERROR", case
    assert hubspot.contacts() == {}, "a refused batch writes nothing, not even its valid inputs"
    hubspot.scopes.discard("crm.objects.contacts.write")
    refused = _hs(hubspot, "POST", UPSERT, {"inputs": [_upsert_input("a@example.com")]})
    assert refused.status_code == 403 and refused.json()["category"] == "MISSING_SCOPES"


def test_hubspot_throttles_per_10_seconds_and_per_day_with_its_429(hubspot: FakeHubSpot) -> None:
    facts = load("hubspot/hubspot-facts.json")
    hubspot.burst_limit = 3
    answers = [_hs(hubspot, "GET", "/account-info/v3/details") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    body = answers[-1].json()
    assert set(body) == set(facts["rate_limit_429_body"]) and body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert 0 < float(answers[-1].headers["Retry-After"]) <= 10
    assert answers[-1].headers["X-HubSpot-RateLimit-Remaining"] == "0"
    hubspot.burst_limit = 1000
    hubspot.use_daily_calls(hubspot.daily_limit)
    daily = _hs(hubspot, "GET", "/account-info/v3/details")
    assert daily.status_code == 429 and daily.json()["policyName"] == "DAILY"
    assert "Retry-After" not in daily.headers, "waiting seconds does not help with the daily limit"


def test_hubspot_refuses_gdpr_deleted_contacts_per_input_in_a_multi_status(hubspot: FakeHubSpot) -> None:
    hubspot.gdpr_delete("gone@example.com")
    answer = _hs(
        hubspot, "POST", UPSERT, {"inputs": [_upsert_input("gone@example.com"), _upsert_input("ok@example.com")]}
    )
    assert answer.status_code == 207
    body = answer.json()
    assert [r["objectWriteTraceId"] for r in body["results"]] == ["ok@example.com"]
    assert body["errors"][0]["context"]["ids"] == ["gone@example.com"]
    assert errors(openapi_response_schema(CONTACTS_SPEC, "POST", UPSERT, 207), body) == []


# ------------------------------------------------------------------------------------ Klaviyo

LIST = "Ab12Cd"


@pytest.fixture
def klaviyo() -> Iterator[FakeKlaviyo]:
    with FakeKlaviyo(list_ids=[LIST]) as fake:
        yield fake


def _kl(fake: FakeKlaviyo, method: str, path: str, body: Any = None, **headers: str) -> requests.Response:
    sent = {
        "Authorization": f"Klaviyo-API-Key {fake.api_key}",
        "revision": "2026-07-15",
        "Content-Type": "application/vnd.api+json",
        **headers,
    }
    return requests.request(method, fake.base_url + path, json=body, headers=sent, timeout=10)


def _profile(email: str, **attributes: Any) -> dict[str, Any]:
    return {"type": "profile", "attributes": {"email": email, **attributes}}


def _job(*profiles: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": {
            "type": "profile-bulk-import-job",
            "attributes": {"profiles": {"data": list(profiles)}},
            "relationships": {"lists": {"data": [{"type": "list", "id": LIST}]}},
        }
    }


def test_klaviyo_answers_every_call_in_its_published_shape(klaviyo: FakeKlaviyo) -> None:
    created = _kl(klaviyo, "POST", "/api/profile-import", {"data": _profile("a@example.com", first_name="A")})
    updated = _kl(klaviyo, "POST", "/api/profile-import", {"data": _profile("a@example.com", first_name=None)})
    assert (created.status_code, updated.status_code) == (201, 200)
    job = _kl(klaviyo, "POST", "/api/profile-bulk-import-jobs", _job(_profile("b@example.com"), _profile("nope")))
    assert job.status_code == 202
    job_id = job.json()["data"]["id"]
    done = _kl(klaviyo, "GET", f"/api/profile-bulk-import-jobs/{job_id}")
    failures = _kl(klaviyo, "GET", f"/api/profile-bulk-import-jobs/{job_id}/import-errors")
    found = _kl(klaviyo, "GET", '/api/profiles?filter=any(email,["a@example.com","b@example.com"])&page[size]=100')
    shapes = [
        (created, "POST", "/api/profile-import", 201),
        (job, "POST", "/api/profile-bulk-import-jobs", 202),
        (done, "GET", "/api/profile-bulk-import-jobs/{job_id}", 200),
        (failures, "GET", "/api/profile-bulk-import-jobs/{id}/import-errors", 200),
        (found, "GET", "/api/profiles", 200),
        (_kl(klaviyo, "GET", f"/api/lists/{LIST}"), "GET", "/api/lists/{id}", 200),
        (_kl(klaviyo, "GET", "/api/lists/Zz99Zz"), "GET", "/api/lists/{id}", "4XX"),
    ]
    for answer, method, path, status in shapes:
        assert errors(openapi_response_schema(KLAVIYO_SPEC, method, path, status), answer.json()) == [], path
    assert done.json()["data"]["attributes"]["status"] == "complete"
    (error,) = failures.json()["data"]
    assert error["attributes"]["original_payload"]["attributes"]["email"] == "nope"
    assert {p["attributes"]["email"] for p in found.json()["data"]} == {"a@example.com", "b@example.com"}
    assert klaviyo.members(LIST) == {"b@example.com"}


def test_klaviyo_refuses_what_klaviyo_refuses(klaviyo: FakeKlaviyo) -> None:
    consent = {"email": {"marketing": {"consent": "SUBSCRIBED"}}}
    cases = [
        ("POST", "/api/profile-import", {"data": _profile("a@example.com", subscriptions=consent)}, 400),
        ("POST", "/api/profile-import", {"data": _profile("not-an-email")}, 400),
        ("POST", "/api/profile-bulk-import-jobs", _job(*[_profile(f"p{i}@x.io") for i in range(10_001)]), 400),
        ("POST", f"/api/lists/{LIST}/relationships/profiles", {"data": [{"type": "profile", "id": "X"}] * 1001}, 400),
        ("POST", f"/api/lists/{LIST}/relationships/profiles", {"data": [{"type": "profile", "id": "nobody"}]}, 400),
        ("POST", "/api/lists/Zz99Zz/relationships/profiles", {"data": []}, 404),
    ]
    for method, path, body, status in cases:
        answer = _kl(klaviyo, method, path, body)
        assert answer.status_code == status, (path, answer.text[:300])
        assert (
            errors(
                openapi_response_schema(
                    KLAVIYO_SPEC, method, path.replace(LIST, "{id}").replace("Zz99Zz", "{id}"), "4XX"
                ),
                answer.json(),
            )
            == []
        )
    assert _kl(klaviyo, "GET", f"/api/lists/{LIST}", revision="").status_code == 400
    assert _kl(klaviyo, "GET", f"/api/lists/{LIST}", Authorization="Klaviyo-API-Key pk_wrong").status_code == 401
    assert klaviyo.profile_count() == 0


def test_klaviyo_throttles_each_endpoint_at_its_published_burst(klaviyo: FakeKlaviyo) -> None:
    limit = openapi(KLAVIYO_SPEC)["paths"]["/api/profile-bulk-import-jobs/{job_id}"]["get"]["x-klaviyo-ratelimit"]
    burst = int(str(limit["burst"]).split("/", 1)[0])
    statuses = [_kl(klaviyo, "GET", "/api/profile-bulk-import-jobs/nope").status_code for _ in range(burst + 5)]
    assert 429 in statuses and statuses.count(404) >= burst - 1  # a one-second window may roll over once
    throttled = next(
        a
        for a in [_kl(klaviyo, "GET", "/api/profile-bulk-import-jobs/nope") for _ in range(burst)]
        if a.status_code == 429
    )
    assert int(throttled.headers["Retry-After"]) >= 1 and throttled.json()["errors"][0]["code"] == "throttled"
    assert _kl(klaviyo, "GET", f"/api/lists/{LIST}").status_code == 200, "limits are per endpoint"


def test_nothing_klaviyo_serves_here_changes_consent(klaviyo: FakeKlaviyo) -> None:
    klaviyo.add_profile("opted-out@example.com", consent="UNSUBSCRIBED")
    _kl(klaviyo, "POST", "/api/profile-import", {"data": _profile("opted-out@example.com", first_name="O")})
    _kl(klaviyo, "POST", "/api/profile-bulk-import-jobs", _job(_profile("opted-out@example.com", last_name="Ut")))
    profile = klaviyo.profile("opted-out@example.com")
    assert profile is not None
    assert (profile["consent"], profile["first_name"], profile["last_name"]) == ("UNSUBSCRIBED", "O", "Ut")
    assert profile["lists"] == [LIST], "list membership is not consent"
