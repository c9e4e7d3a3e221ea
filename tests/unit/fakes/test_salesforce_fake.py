"""Tests of the local Salesforce REST API fake (tests/fakes/salesforce.py), driven over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

from fakes.salesforce import FakeSalesforce
from support.clock import ManualClock

FAKE_PATH = Path(__file__).resolve().parents[2] / "fakes" / "salesforce.py"
CONTACT_Q = (
    "SELECT Id, Email, FirstName, LastName, AccountId, LastModifiedDate, SystemModstamp, IsDeleted FROM Contact "
    "WHERE SystemModstamp > 2000-01-01T00:00:00Z ORDER BY SystemModstamp"
)


@pytest.fixture
def fake() -> Iterator[FakeSalesforce]:
    with FakeSalesforce(seed=1234) as f:
        yield f


def refresh(fake: FakeSalesforce, **overrides: str) -> requests.Response:
    data = {
        "grant_type": "refresh_token",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "refresh_token": fake.refresh_token,
        **overrides,
    }
    return requests.post(fake.token_url, data=data, timeout=5)


@pytest.fixture
def api(fake: FakeSalesforce) -> Iterator[requests.Session]:
    r = refresh(fake)
    assert r.status_code == 200, r.text
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield s


def sf_error(r: requests.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    doc = r.json()
    assert isinstance(doc, list)
    assert len(doc) == 1
    assert set(doc[0]) == {"message", "errorCode"}
    assert doc[0]["errorCode"] == code
    return str(doc[0]["message"])


def query(fake: FakeSalesforce, api: requests.Session, q: str, endpoint: str = "query") -> requests.Response:
    return api.get(f"{fake.data_url}/{endpoint}", params={"q": q}, timeout=5)


def query_all_pages(
    fake: FakeSalesforce, api: requests.Session, q: str, endpoint: str = "query/"
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Follow ``nextRecordsUrl`` until ``done``; returns the records and the page documents."""
    r = api.get(f"{fake.data_url}/{endpoint}", params={"q": q}, timeout=5)
    assert r.status_code == 200, r.text
    pages = [r.json()]
    while not pages[-1]["done"]:
        nxt = pages[-1]["nextRecordsUrl"]
        assert nxt.startswith("/services/data/v")  # relative to instance_url
        r = api.get(fake.instance_url + nxt, timeout=5)
        assert r.status_code == 200, r.text
        pages.append(r.json())
        assert len(pages) < 100
    return [rec for p in pages for rec in p["records"]], pages


# ------------------------------------------------------------------------------------ OAuth


def test_refresh_token_grant(fake: FakeSalesforce) -> None:
    r = refresh(fake)
    assert r.status_code == 200
    doc = r.json()
    assert set(doc) == {"access_token", "instance_url", "id", "token_type", "issued_at", "signature", "scope"}
    assert "expires_in" not in doc
    assert doc["instance_url"] == fake.root_url
    assert doc["instance_url"].startswith("http://127.0.0.1:")
    assert doc["token_type"] == "Bearer"
    assert doc["issued_at"].isdigit()
    assert doc["id"].startswith(fake.root_url + "/id/00D")


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        ({"refresh_token": "stale"}, "invalid_grant", "expired access/refresh token"),
        ({"client_id": "nope"}, "invalid_client_id", "client identifier invalid"),
        ({"client_secret": "nope"}, "invalid_client", "invalid client credentials"),
        ({"grant_type": "password"}, "unsupported_grant_type", "grant type not supported"),
    ],
)
def test_token_errors(fake: FakeSalesforce, overrides: dict[str, str], error: str, description: str) -> None:
    r = refresh(fake, **overrides)
    assert r.status_code == 400
    assert r.json() == {"error": error, "error_description": description}


def test_json_body_is_not_understood(fake: FakeSalesforce) -> None:
    r = requests.post(
        fake.token_url,
        json={"grant_type": "refresh_token", "client_id": fake.client_id, "client_secret": fake.client_secret,
              "refresh_token": fake.refresh_token},
        timeout=5,
    )  # fmt: skip
    assert r.status_code == 400
    assert r.json()["error"] == "unsupported_grant_type"


def test_client_credentials_via_basic_auth(fake: FakeSalesforce) -> None:
    r = requests.post(
        fake.token_url,
        data={"grant_type": "refresh_token", "refresh_token": fake.refresh_token},
        auth=(fake.client_id, fake.client_secret),
        timeout=5,
    )
    assert r.status_code == 200


def test_revoked_refresh_token(fake: FakeSalesforce) -> None:
    fake.revoke_refresh_token()
    assert refresh(fake).json()["error"] == "invalid_grant"
    fake.revoke_refresh_token(False)
    assert refresh(fake).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic eDp5"])
def test_missing_or_bad_session_is_401(fake: FakeSalesforce, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    r = requests.get(f"{fake.data_url}/query", params={"q": "SELECT Id FROM Contact"}, headers=headers, timeout=5)
    assert sf_error(r, 401, "INVALID_SESSION_ID") == "Session expired or invalid"


def test_oauth_scheme_is_accepted(fake: FakeSalesforce) -> None:
    token = refresh(fake).json()["access_token"]
    r = requests.get(f"{fake.data_url}/limits", headers={"Authorization": f"OAuth {token}"}, timeout=5)
    assert r.status_code == 200


def test_session_expiry_then_refresh_and_retry() -> None:
    clock = ManualClock()
    with FakeSalesforce(clock=clock, session_ttl_seconds=7200) as fake, requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {refresh(fake).json()['access_token']}"
        assert query(fake, s, "SELECT Id FROM Contact").status_code == 200
        clock.now += 7200
        sf_error(query(fake, s, "SELECT Id FROM Contact"), 401, "INVALID_SESSION_ID")
        s.headers["Authorization"] = f"Bearer {refresh(fake).json()['access_token']}"  # refresh once, retry
        assert query(fake, s, "SELECT Id FROM Contact").status_code == 200


def test_expire_tokens_hook(fake: FakeSalesforce, api: requests.Session) -> None:
    fake.expire_tokens()
    sf_error(query(fake, api, "SELECT Id FROM Contact"), 401, "INVALID_SESSION_ID")


# ------------------------------------------------------------------------------------ query + pagination


@pytest.mark.parametrize("endpoint", ["query", "query/"])
def test_query_pages_until_done(fake: FakeSalesforce, api: requests.Session, endpoint: str) -> None:
    fake.page_size = 10
    records, pages = query_all_pages(fake, api, CONTACT_Q, endpoint)
    assert [p["done"] for p in pages] == [False, False, True]
    assert "nextRecordsUrl" not in pages[-1]
    assert all(p["totalSize"] == 25 for p in pages)
    assert len(records) == 25
    assert [r["Id"] for r in records] == [c["Id"] for c in fake.contacts()]
    rec = records[0]
    assert rec["attributes"] == {"type": "Contact", "url": f"/services/data/v66.0/sobjects/Contact/{rec['Id']}"}
    assert list(rec) == ["attributes", "Id", "Email", "FirstName", "LastName", "AccountId", "LastModifiedDate",
                         "SystemModstamp", "IsDeleted"]  # fmt: skip
    assert rec["IsDeleted"] is False
    assert len(rec["Id"]) == 18
    assert rec["SystemModstamp"].endswith(".000+0000")


def test_two_pages(fake: FakeSalesforce, api: requests.Session) -> None:
    fake.page_size = 20
    first = query(fake, api, CONTACT_Q).json()
    assert first["done"] is False
    assert len(first["records"]) == 20
    second = api.get(fake.instance_url + first["nextRecordsUrl"], timeout=5).json()
    assert second["done"] is True
    assert len(second["records"]) == 5


def test_default_page_size_is_2000(fake: FakeSalesforce, api: requests.Session) -> None:
    for _ in range(2100 - 25):
        fake.add_contact(LastName="Bulk")
    first = query(fake, api, "SELECT Id FROM Contact").json()
    assert len(first["records"]) == 2000
    assert first["totalSize"] == 2100


def test_batch_size_header(fake: FakeSalesforce, api: requests.Session) -> None:
    for _ in range(400):
        fake.add_contact(LastName="Bulk")
    r = api.get(
        f"{fake.data_url}/query",
        params={"q": "SELECT Id FROM Contact"},
        headers={"Sforce-Query-Options": "batchSize=200"},
        timeout=5,
    )
    assert len(r.json()["records"]) == 200


def test_incremental_cursor(fake: FakeSalesforce, api: requests.Session) -> None:
    contacts = fake.contacts()
    cursor = contacts[9]["SystemModstamp"]  # 2026-…T…:…:….000+0000 is a valid SOQL literal
    q = f"SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp > {cursor} ORDER BY SystemModstamp"
    records, _ = query_all_pages(fake, api, q)
    assert [r["Id"] for r in records] == [c["Id"] for c in contacts[10:]]
    stamps = [r["SystemModstamp"] for r in records]
    assert stamps == sorted(stamps)
    updated = fake.update_contact(contacts[0]["Id"], Email="changed@example.com")
    latest = stamps[-1]
    q = f"SELECT Id, Email FROM Contact WHERE SystemModstamp > {latest}"
    assert [(r["Id"], r["Email"]) for r in query(fake, api, q).json()["records"]] == [
        (updated["Id"], "changed@example.com")
    ]


def test_query_all_includes_deleted_rows(fake: FakeSalesforce, api: requests.Session) -> None:
    live = query(fake, api, "SELECT Id, IsDeleted FROM Contact").json()
    everything, _ = query_all_pages(fake, api, "SELECT Id, IsDeleted FROM Contact", "queryAll")
    assert live["totalSize"] == 25
    assert len(everything) == 26
    deleted = [r for r in everything if r["IsDeleted"]]
    assert len(deleted) == 1
    assert deleted[0]["Id"] not in {r["Id"] for r in live["records"]}
    fake.delete_contact(live["records"][0]["Id"])
    q = "SELECT Id FROM Contact WHERE IsDeleted = true"
    assert query(fake, api, q).json()["totalSize"] == 0  # /query never returns deleted rows
    assert query(fake, api, q, "queryAll").json()["totalSize"] == 2


def test_query_all_pagination_stays_on_query_all(fake: FakeSalesforce, api: requests.Session) -> None:
    fake.page_size = 10
    records, pages = query_all_pages(fake, api, "SELECT Id, IsDeleted FROM Contact", "queryAll")
    assert all("/queryAll/" in p["nextRecordsUrl"] for p in pages[:-1])
    assert len(records) == 26


def test_count(fake: FakeSalesforce, api: requests.Session) -> None:
    doc = query(fake, api, "SELECT COUNT() FROM Contact").json()
    assert doc == {"totalSize": 25, "done": True, "records": []}
    doc = query(fake, api, "select count() from contact where SystemModstamp > 2000-01-01T00:00:00.000+0000").json()
    assert doc["totalSize"] == 25
    agg = query(fake, api, "SELECT COUNT(Email) FROM Contact").json()
    assert agg["records"][0]["attributes"] == {"type": "AggregateResult"}


def test_filters_relationships_and_case_insensitivity(fake: FakeSalesforce, api: requests.Session) -> None:
    c = fake.add_contact(FirstName="Zed", LastName="Quux", Email="Zed.Quux@Example.com")
    rows = query(fake, api, "SELECT id, EMAIL, Account.Name FROM contact WHERE email = 'zed.quux@example.com'").json()[
        "records"
    ]
    assert rows == [
        {"attributes": rows[0]["attributes"], "Id": c["Id"], "Email": "Zed.Quux@Example.com", "Account": None}
    ]
    rows = query(
        fake, api, "SELECT Id FROM Contact WHERE LastName LIKE 'qu%' AND (FirstName = 'Zed' OR Email = null)"
    ).json()
    assert [r["Id"] for r in rows["records"]] == [c["Id"]]
    ids = [x["Id"] for x in fake.contacts()[:3]]
    in_list = ", ".join(f"'{i}'" for i in ids)
    rows = query(fake, api, f"SELECT Id FROM Contact WHERE Id IN ({in_list}) ORDER BY Id DESC").json()["records"]
    assert [r["Id"] for r in rows] == sorted(ids, key=str.lower, reverse=True)
    with_account = next(x for x in fake.contacts() if x["AccountId"])
    rows = query(
        fake, api, f"SELECT Account.Name, Account.Industry FROM Contact WHERE Id = '{with_account['Id']}'"
    ).json()
    account = rows["records"][0]["Account"]
    assert account["attributes"]["type"] == "Account"
    assert account["Name"].endswith(tuple("0123456789"))
    rows = query(fake, api, "SELECT Id FROM Contact ORDER BY SystemModstamp DESC LIMIT 3 OFFSET 1").json()
    assert [r["Id"] for r in rows["records"]] == [x["Id"] for x in fake.contacts()[::-1][1:4]]


@pytest.mark.parametrize(
    ("q", "code", "fragment"),
    [
        ("SELECT Id, Foo FROM Contact", "INVALID_FIELD", "No such column 'Foo' on entity 'Contact'"),
        ("SELECT Id FROMM Contact", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY", "unexpected token: '<EOF>'"),
        ("SELECT FROM Contact", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Id FROM Widget", "INVALID_TYPE", "sObject type 'Widget' is not supported"),
        (
            "SELECT Id FROM Contact WHERE SystemModstamp > '2026-01-01T00:00:00Z'",
            "INVALID_FIELD",
            "must be of type dateTime and should not be enclosed in quotes",
        ),
        ("SELECT Id FROM Contact WHERE SystemModstamp > 2026-01-01", "INVALID_FIELD", "must be of type dateTime"),
        ("SELECT Id FROM Contact WHERE IsDeleted = 'false'", "INVALID_FIELD", "must be of type boolean"),
        ("SELECT Id FROM Contact WHERE Email = 5", "INVALID_FIELD", "must be of type string"),
        ("SELECT Id FROM Contact ORDER BY Nope", "INVALID_FIELD", "No such column 'Nope'"),
        ("SELECT Owner.Name FROM Contact", "INVALID_FIELD", "No such column"),
        ("", "MALFORMED_QUERY", "A query string has to be specified"),
    ],
)
def test_query_errors(fake: FakeSalesforce, api: requests.Session, q: str, code: str, fragment: str) -> None:
    message = sf_error(query(fake, api, q), 400, code)
    assert fragment in message
    if q:
        assert "ERROR at Row:1:Column:" in message


def test_invalid_query_locator(fake: FakeSalesforce, api: requests.Session) -> None:
    sf_error(api.get(f"{fake.data_url}/query/01gXXXXXXXXXXXXXXX-2000", timeout=5), 400, "INVALID_QUERY_LOCATOR")


def test_query_locator_expires_after_inactivity() -> None:
    clock = ManualClock()
    with FakeSalesforce(clock=clock, page_size=10) as fake, requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {refresh(fake).json()['access_token']}"
        first = query(fake, s, CONTACT_Q).json()
        clock.now += 600
        second = s.get(fake.instance_url + first["nextRecordsUrl"], timeout=5).json()
        clock.now += 901
        sf_error(s.get(fake.instance_url + second["nextRecordsUrl"], timeout=5), 400, "INVALID_QUERY_LOCATOR")


def test_unknown_api_version_is_404(fake: FakeSalesforce, api: requests.Session) -> None:
    r = api.get(f"{fake.root_url}/services/data/v99.0/query", params={"q": "SELECT Id FROM Contact"}, timeout=5)
    sf_error(r, 404, "NOT_FOUND")
    assert api.get(f"{fake.root_url}/services/data/v59.0/query", params={"q": "SELECT Id FROM Contact"}, timeout=5).ok


def test_versions_limits_and_sobject(fake: FakeSalesforce, api: requests.Session) -> None:
    versions = requests.get(f"{fake.root_url}/services/data", timeout=5).json()
    assert versions[-1] == {"label": "v66.0", "url": "/services/data/v66.0", "version": "66.0"}
    limits = api.get(f"{fake.data_url}/limits", timeout=5)
    assert limits.json()["DailyApiRequests"]["Max"] == 15000
    assert limits.headers["Sforce-Limit-Info"].startswith("api-usage=")
    contact = fake.contacts()[0]
    rec = api.get(f"{fake.data_url}/sobjects/Contact/{contact['Id']}", timeout=5).json()
    assert rec["Id"] == contact["Id"]
    assert rec["Email"] == contact["Email"]
    sf_error(api.get(f"{fake.data_url}/sobjects/Contact/003000000000000AAA", timeout=5), 404, "NOT_FOUND")


# ------------------------------------------------------------------------------------ limits and faults


def test_daily_request_limit_is_403(fake: FakeSalesforce, api: requests.Session) -> None:
    fake.api_request_limit = 2
    assert query(fake, api, "SELECT Id FROM Contact").status_code == 200
    assert query(fake, api, "SELECT Id FROM Contact").headers["Sforce-Limit-Info"] == "api-usage=2/2"
    assert (
        sf_error(query(fake, api, "SELECT Id FROM Contact"), 403, "REQUEST_LIMIT_EXCEEDED")
        == "TotalRequests Limit exceeded."
    )
    assert fake.api_requests_used == 3


def test_fail_next_kinds(fake: FakeSalesforce, api: requests.Session) -> None:
    for kind in (401, 403, 429, 500, 503, 502):
        fake.fail_next(kind)
    q = "SELECT Id FROM Contact"
    sf_error(query(fake, api, q), 401, "INVALID_SESSION_ID")
    sf_error(query(fake, api, q), 403, "REQUEST_LIMIT_EXCEEDED")
    sf_error(query(fake, api, q), 429, "REQUEST_LIMIT_EXCEEDED")
    sf_error(query(fake, api, q), 500, "UNKNOWN_EXCEPTION")
    sf_error(query(fake, api, q), 503, "SERVER_UNAVAILABLE")
    r = query(fake, api, q)
    assert r.status_code == 502
    assert r.headers["Content-Type"].startswith("text/html")
    assert query(fake, api, q).status_code == 200


def test_token_endpoint_fault_shape(fake: FakeSalesforce) -> None:
    fake.fail_next(401)
    r = refresh(fake)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"


def _codes(fake: FakeSalesforce, api: requests.Session, n: int) -> list[int | str]:
    out: list[int | str] = []
    for _ in range(n):
        try:
            out.append(api.get(f"{fake.data_url}/limits", timeout=5).status_code)
        except requests.ConnectionError:
            out.append("drop")
    return out


def test_rate_429_fraction_is_seeded_with_retry_after() -> None:
    runs = []
    for _ in range(2):
        with FakeSalesforce(seed=5, retry_after=2) as f, requests.Session() as s:
            s.headers["Authorization"] = f"Bearer {refresh(f).json()['access_token']}"
            f.rate_429 = 0.25
            runs.append(_codes(f, s, 400))
            f.fail_next(429)
            assert s.get(f"{f.data_url}/limits", timeout=5).headers["Retry-After"] == "2"
    assert runs[0] == runs[1]
    assert 70 <= runs[0].count(429) <= 130


def test_drop_fraction_and_connection_errors(fake: FakeSalesforce, api: requests.Session) -> None:
    fake.drop_rate = 0.2
    codes = _codes(fake, api, 400)
    assert set(codes) == {200, "drop"}
    assert 50 <= codes.count("drop") <= 110
    fake.drop_rate = 0
    fake.fail_next("drop")
    with httpx.Client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{fake.data_url}/limits", headers={"Authorization": str(api.headers["Authorization"])}, timeout=5)


# ------------------------------------------------------------------------------------ Bulk API 2.0


def test_bulk_query_job(fake: FakeSalesforce, api: requests.Session) -> None:
    fake.bulk_job_steps = 2
    created = api.post(
        f"{fake.data_url}/jobs/query",
        json={"operation": "queryAll", "query": "SELECT Id, Email, IsDeleted, SystemModstamp FROM Contact"},
        timeout=5,
    )
    assert created.status_code == 200, created.text
    job = created.json()
    assert job["state"] == "UploadComplete"
    assert job["object"] == "Contact"
    url = f"{fake.data_url}/jobs/query/{job['id']}"
    sf_error(api.get(f"{url}/results", timeout=5), 400, "INVALIDJOBSTATE")
    states: list[str] = []
    deadline = time.monotonic() + 10
    while not states or states[-1] != "JobComplete":
        states.append(api.get(url, timeout=5).json()["state"])
        assert time.monotonic() < deadline
    assert states == ["UploadComplete", "InProgress", "InProgress", "JobComplete"]
    rows: list[dict[str, str]] = []
    locator = ""
    pages = 0
    while True:
        params = {"maxRecords": "10", **({"locator": locator} if locator else {})}
        r = api.get(f"{url}/results", params=params, timeout=5)
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/csv")
        page = list(csv.DictReader(io.StringIO(r.text)))
        assert int(r.headers["Sforce-NumberOfRecords"]) == len(page)
        rows.extend(page)
        pages += 1
        locator = r.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert pages == 3
    assert len(rows) == 26
    assert list(rows[0]) == ["Id", "Email", "IsDeleted", "SystemModstamp"]
    assert {r["IsDeleted"] for r in rows} == {"true", "false"}
    assert all(r["SystemModstamp"].endswith("Z") for r in rows)
    assert api.delete(url, timeout=5).status_code == 204
    sf_error(api.get(url, timeout=5), 404, "NOT_FOUND")


def test_bulk_job_errors_and_abort(fake: FakeSalesforce, api: requests.Session) -> None:
    r = api.post(
        f"{fake.data_url}/jobs/query", json={"operation": "query", "query": "SELECT Nope FROM Contact"}, timeout=5
    )
    sf_error(r, 400, "INVALID_FIELD")
    r = api.post(
        f"{fake.data_url}/jobs/query", json={"operation": "upsert", "query": "SELECT Id FROM Contact"}, timeout=5
    )
    sf_error(r, 400, "INVALIDJOB")
    job = api.post(
        f"{fake.data_url}/jobs/query", json={"operation": "query", "query": "SELECT Id FROM Contact"}, timeout=5
    ).json()
    aborted = api.patch(f"{fake.data_url}/jobs/query/{job['id']}", json={"state": "Aborted"}, timeout=5)
    assert aborted.json()["state"] == "Aborted"
    listed = api.get(f"{fake.data_url}/jobs/query", timeout=5).json()
    assert [j["id"] for j in listed["records"]] == [job["id"]]


# ------------------------------------------------------------------------------------ log, hooks, CLI


def test_request_log_masks_secrets(fake: FakeSalesforce, api: requests.Session) -> None:
    query(fake, api, "SELECT Id FROM Contact")
    log = fake.request_log
    token_entry = log[0]
    assert token_entry["route"] == "POST /services/oauth2/token"
    assert token_entry["body"]["client_secret"] == "**********"
    assert token_entry["body"]["refresh_token"] == "**********"
    assert token_entry["body"]["client_id"] == fake.client_id
    assert log[1]["route"] == "GET /services/data/v{version}/query"
    assert log[1]["query"] == {"q": "SELECT Id FROM Contact"}
    assert all("authorization" not in {k.lower() for k in e["headers"]} for e in log)


def test_data_hooks_and_reset(fake: FakeSalesforce, api: requests.Session) -> None:
    added = fake.add_contact(firstname="Ada", LastName="Lovelace", email="ada@example.com")
    assert added["Name"] == "Ada Lovelace"
    assert added["Id"].startswith("003")
    assert query(fake, api, "SELECT COUNT() FROM Contact").json()["totalSize"] == 26
    with pytest.raises(KeyError):
        fake.add_contact(Nope="x")
    fake.reset()
    assert query(fake, api, "SELECT COUNT() FROM Contact").json()["totalSize"] == 25
    assert len(fake.records("Account")) == 3


def test_data_is_deterministic_per_seed() -> None:
    with FakeSalesforce(data_seed=3) as a, FakeSalesforce(data_seed=3) as b:
        assert [c["Email"] for c in a.contacts()] == [c["Email"] for c in b.contacts()]
        emails = [c["Email"] for c in a.contacts() if c["Email"]]
        assert any(e != e.lower() for e in emails)


def test_cli_subprocess() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(FAKE_PATH), "--port", "0", "--page-size", "10", "--refresh-token", "rt-1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["instance_url"].startswith("http://127.0.0.1:")
        assert ready["refresh_token"] == "rt-1"
        tok = requests.post(
            ready["token_url"],
            data={"grant_type": "refresh_token", "client_id": ready["client_id"],
                  "client_secret": ready["client_secret"], "refresh_token": ready["refresh_token"]},
            timeout=5,
        ).json()  # fmt: skip
        r = requests.get(
            f"{tok['instance_url']}/services/data/v{ready['api_version']}/query",
            params={"q": "SELECT Id FROM Contact"},
            headers={"Authorization": f"Bearer {tok['access_token']}"},
            timeout=5,
        )
        assert r.json()["done"] is False
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert rc == 0
