"""Tests of the local Zoom API fake (tests/fakes/zoom.py), driven over real HTTP."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

from fakes.zoom import FakeZoom
from support.clock import ManualClock

FAKE_PATH = Path(__file__).resolve().parents[2] / "fakes" / "zoom.py"


@pytest.fixture
def fake() -> Iterator[FakeZoom]:
    with FakeZoom(seed=1234) as f:
        yield f


def token_response(fake: FakeZoom, **kwargs: Any) -> requests.Response:
    params = kwargs.pop("params", {"grant_type": "account_credentials", "account_id": fake.account_id})
    auth = kwargs.pop("auth", (fake.client_id, fake.client_secret))
    return requests.post(fake.token_url, params=params, auth=auth, timeout=5, **kwargs)


@pytest.fixture
def api(fake: FakeZoom) -> Iterator[requests.Session]:
    r = token_response(fake)
    assert r.status_code == 200, r.text
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield s


def zoom_error(r: requests.Response, status: int, code: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    doc: dict[str, Any] = r.json()
    assert doc["code"] == code
    assert isinstance(doc["message"], str)
    return doc


def fetch_all(api: requests.Session, url: str, key: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Follow ``next_page_token`` until it is empty; returns the items and the page count."""
    items: list[dict[str, Any]] = []
    pages = 0
    token = ""
    while True:
        query = {**params, **({"next_page_token": token} if token else {})}
        r = api.get(url, params=query, timeout=5)
        assert r.status_code == 200, r.text
        doc = r.json()
        items.extend(doc[key])
        pages += 1
        token = doc["next_page_token"]
        assert isinstance(token, str)
        if token == "":
            assert len(items) == doc["total_records"]
            return items, pages
        assert pages < 100


# ------------------------------------------------------------------------------------ OAuth


def test_token_success(fake: FakeZoom) -> None:
    r = token_response(fake)
    assert r.status_code == 200
    doc = r.json()
    assert {"access_token", "token_type", "expires_in", "scope"} <= set(doc)
    assert doc["token_type"] == "bearer"
    assert doc["expires_in"] == 3599
    assert doc["scope"] == "user:read:admin webinar:read:admin"
    assert "refresh_token" not in doc
    assert fake.tokens_issued == 1


def test_token_params_in_form_body(fake: FakeZoom) -> None:
    r = requests.post(
        fake.token_url,
        data={"grant_type": "account_credentials", "account_id": fake.account_id},
        auth=(fake.client_id, fake.client_secret),
        timeout=5,
    )
    assert r.status_code == 200


def test_bad_client_credentials(fake: FakeZoom) -> None:
    r = token_response(fake, auth=(fake.client_id, "wrong"))
    assert r.status_code == 400
    assert r.json() == {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
    fake.invalid_client_status = 401
    assert token_response(fake, auth=("nope", fake.client_secret)).status_code == 401


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"grant_type": "client_credentials", "account_id": "x"}, "unsupported_grant_type"),
        ({"account_id": "x"}, "invalid_request"),
        ({"grant_type": "account_credentials"}, "invalid_request"),
        ({"grant_type": "account_credentials", "account_id": "someone-else"}, "invalid_request"),
    ],
)
def test_token_request_errors(fake: FakeZoom, params: dict[str, str], error: str) -> None:
    r = token_response(fake, params=params)
    assert r.status_code == 400
    assert r.json()["error"] == error


def test_token_without_basic_auth(fake: FakeZoom) -> None:
    r = requests.post(
        fake.token_url, params={"grant_type": "account_credentials", "account_id": fake.account_id}, timeout=5
    )
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic " + base64.b64encode(b"a:b").decode()])
def test_invalid_token_is_124(fake: FakeZoom, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    doc = zoom_error(requests.get(f"{fake.base_url}/users", headers=headers, timeout=5), 401, 124)
    assert doc["message"] == "Invalid access token."


def test_token_expires() -> None:
    clock = ManualClock()
    with FakeZoom(clock=clock) as fake:
        headers = {"Authorization": f"Bearer {token_response(fake).json()['access_token']}"}
        clock.now += 3598
        assert requests.get(f"{fake.base_url}/users", headers=headers, timeout=5).status_code == 200
        clock.now += 2
        doc = zoom_error(requests.get(f"{fake.base_url}/users", headers=headers, timeout=5), 401, 124)
        assert doc["message"] == "Access token is expired."


def test_expire_tokens_hook(fake: FakeZoom, api: requests.Session) -> None:
    fake.expire_tokens()
    zoom_error(api.get(f"{fake.base_url}/users", timeout=5), 401, 124)


def test_missing_scopes_is_4711(fake: FakeZoom) -> None:
    fake.scopes = ("user:read:admin",)
    headers = {"Authorization": f"Bearer {token_response(fake).json()['access_token']}"}
    assert requests.get(f"{fake.base_url}/users", headers=headers, timeout=5).status_code == 200
    doc = zoom_error(requests.get(f"{fake.base_url}/users/me/webinars", headers=headers, timeout=5), 403, 4711)
    assert "webinar:read:admin" in doc["message"]


def test_granular_scopes_are_enough(fake: FakeZoom) -> None:
    fake.scopes = ("webinar:read:list_webinars:admin", "webinar:read:list_registrants:admin")
    headers = {"Authorization": f"Bearer {token_response(fake).json()['access_token']}"}
    webinars = requests.get(f"{fake.base_url}/users/me/webinars", headers=headers, timeout=5).json()["webinars"]
    r = requests.get(f"{fake.base_url}/webinars/{webinars[0]['id']}/registrants", headers=headers, timeout=5)
    assert r.status_code == 200
    zoom_error(requests.get(f"{fake.base_url}/users", headers=headers, timeout=5), 403, 4711)


# ------------------------------------------------------------------------------------ users / webinars


def test_users_paginate_to_the_end() -> None:
    with FakeZoom(users=5) as f:
        headers = {"Authorization": f"Bearer {token_response(f).json()['access_token']}"}
        with requests.Session() as s:
            s.headers.update(headers)
            users, pages = fetch_all(s, f"{f.base_url}/users", "users", page_size=2)
        assert pages == 3
        assert [u["id"] for u in users] == [u["id"] for u in f.users()]
        assert {"id", "email", "first_name", "last_name", "type", "status"} <= set(users[0])


def test_users_default_page_shape(fake: FakeZoom, api: requests.Session) -> None:
    doc = api.get(f"{fake.base_url}/users", timeout=5).json()
    assert doc["page_size"] == 30
    assert doc["total_records"] == 2
    assert doc["next_page_token"] == ""
    assert doc["page_number"] == 1


def test_me_and_unknown_user(fake: FakeZoom, api: requests.Session) -> None:
    me = api.get(f"{fake.base_url}/users/me", timeout=5).json()
    assert me["id"] == fake.owner_id
    doc = zoom_error(api.get(f"{fake.base_url}/users/nobody/webinars", timeout=5), 404, 1001)
    assert doc["message"] == "User does not exist: nobody."


def test_webinars_two_pages(fake: FakeZoom, api: requests.Session) -> None:
    url = f"{fake.base_url}/users/me/webinars"
    first = api.get(url, params={"type": "scheduled", "page_size": "2"}, timeout=5).json()
    assert len(first["webinars"]) == 2
    assert first["total_records"] == 3
    assert first["next_page_token"]
    second = api.get(
        url, params={"type": "scheduled", "page_size": 2, "next_page_token": first["next_page_token"]}, timeout=5
    )
    assert second.status_code == 200
    assert len(second.json()["webinars"]) == 1
    assert second.json()["next_page_token"] == ""
    webinars = first["webinars"] + second.json()["webinars"]
    assert [w["id"] for w in webinars] == [w["id"] for w in fake.webinars("me")]
    w = webinars[0]
    assert {
        "uuid",
        "id",
        "host_id",
        "topic",
        "type",
        "start_time",
        "duration",
        "timezone",
        "created_at",
        "join_url",
    } <= set(w)
    assert w["host_id"] == fake.owner_id
    assert isinstance(w["id"], int)


def test_webinars_of_every_host(fake: FakeZoom, api: requests.Session) -> None:
    users, _ = fetch_all(api, f"{fake.base_url}/users", "users")
    total = 0
    for user in users:
        webinars, _ = fetch_all(api, f"{fake.base_url}/users/{user['id']}/webinars", "webinars", page_size=300)
        assert {w["host_id"] for w in webinars} == {user["id"]}
        total += len(webinars)
    assert total == len(fake.webinars())


def test_max_page_size_clamps(fake: FakeZoom, api: requests.Session) -> None:
    fake.max_page_size = 2
    doc = api.get(f"{fake.base_url}/users/me/webinars", params={"page_size": 300}, timeout=5).json()
    assert doc["page_size"] == 2
    assert doc["next_page_token"]


def test_unknown_webinar_is_3001(fake: FakeZoom, api: requests.Session) -> None:
    doc = zoom_error(api.get(f"{fake.base_url}/webinars/123/registrants", timeout=5), 404, 3001)
    assert doc["message"] == "Webinar does not exist: 123."
    zoom_error(api.get(f"{fake.base_url}/webinars/abc", timeout=5), 404, 3001)


# ------------------------------------------------------------------------------------ registrants


def test_registrants_default_to_approved_and_paginate(fake: FakeZoom, api: requests.Session) -> None:
    webinar_id = fake.webinars()[0]["id"]
    url = f"{fake.base_url}/webinars/{webinar_id}/registrants"
    approved, pages = fetch_all(api, url, "registrants", page_size=7)
    assert pages > 1
    assert {r["status"] for r in approved} == {"approved"}
    by_status = {"approved": approved}
    for status in ("pending", "denied"):
        by_status[status], _ = fetch_all(api, url, "registrants", status=status, page_size=300)
        assert {r["status"] for r in by_status[status]} <= {status}
    everything = [r["id"] for rs in by_status.values() for r in rs]
    assert sorted(everything) == sorted(r["id"] for r in fake.registrants(webinar_id))
    sample = approved[0]
    assert {"id", "email", "first_name", "last_name", "custom_questions", "status", "create_time", "join_url"} <= set(
        sample
    )


def test_registrant_data_has_mixed_case_and_cross_webinar_duplicates(fake: FakeZoom, api: requests.Session) -> None:
    seen: dict[str, set[int]] = defaultdict(set)
    spellings: dict[str, set[str]] = defaultdict(set)
    for webinar in fake.webinars():
        for status in ("approved", "pending", "denied"):
            regs, _ = fetch_all(
                api,
                f"{fake.base_url}/webinars/{webinar['id']}/registrants",
                "registrants",
                status=status,
                page_size=300,
            )
            for r in regs:
                seen[r["email"].lower()].add(webinar["id"])
                spellings[r["email"].lower()].add(r["email"])
    assert any(email != email.lower() for emails in spellings.values() for email in emails)
    dupes = [e for e, ws in seen.items() if len(ws) > 1]
    assert len(dupes) >= 5
    assert any(len(spellings[e]) > 1 for e in dupes)  # the same person, spelled differently
    # Never twice in one webinar (Zoom refuses a second registration of the same email).
    for webinar in fake.webinars():
        emails = [r["email"].lower() for r in fake.registrants(webinar["id"])]
        assert len(emails) == len(set(emails))


def test_data_is_deterministic_per_seed() -> None:
    with FakeZoom(data_seed=5) as a, FakeZoom(data_seed=5) as b, FakeZoom(data_seed=6) as c:
        emails = [[r["email"] for r in f.registrants()] for f in (a, b, c)]
    assert emails[0] == emails[1]
    assert emails[0] != emails[2]


def test_add_registrant_hook(fake: FakeZoom, api: requests.Session) -> None:
    webinar_id = fake.webinars()[1]["id"]
    added = fake.add_registrant(webinar_id, "New.Person@Example.COM", "New", "Person")
    assert added["status"] == "approved"
    regs, _ = fetch_all(api, f"{fake.base_url}/webinars/{webinar_id}/registrants", "registrants", page_size=300)
    assert regs[-1]["email"] == "New.Person@Example.COM"
    assert regs[-1]["id"] == added["id"]
    with pytest.raises(ValueError, match="already registered"):
        fake.add_registrant(webinar_id, "new.person@example.com")
    fake.add_registrant(webinar_id, "new.person@example.com", allow_duplicate=True)
    with pytest.raises(KeyError):
        fake.add_registrant(1, "x@example.com")
    pending = fake.add_registrant(webinar_id, "p@example.com", status="pending")
    regs, _ = fetch_all(api, f"{fake.base_url}/webinars/{webinar_id}/registrants", "registrants", status="pending")
    assert pending["id"] in {r["id"] for r in regs}


def test_add_webinar_and_user_hooks(fake: FakeZoom, api: requests.Session) -> None:
    user = fake.add_user("Host@Example.com", "Host", "Person")
    webinar = fake.add_webinar(user["id"], topic="Fresh")
    fake.set_registrant_status(webinar["id"], fake.add_registrant(webinar["id"], "a@example.com")["id"], "denied")
    listed = api.get(f"{fake.base_url}/users/{user['id']}/webinars", timeout=5).json()["webinars"]
    assert [w["topic"] for w in listed] == ["Fresh"]
    denied = api.get(f"{fake.base_url}/webinars/{webinar['id']}/registrants", params={"status": "denied"}, timeout=5)
    assert [r["email"] for r in denied.json()["registrants"]] == ["a@example.com"]


@pytest.mark.parametrize("params", [{"status": "maybe"}, {"page_size": "lots"}])
def test_validation_errors_are_300(fake: FakeZoom, api: requests.Session, params: dict[str, str]) -> None:
    webinar_id = fake.webinars()[0]["id"]
    zoom_error(api.get(f"{fake.base_url}/webinars/{webinar_id}/registrants", params=params, timeout=5), 400, 300)


def test_bad_or_foreign_page_token_is_rejected(fake: FakeZoom, api: requests.Session) -> None:
    w1, w2 = (w["id"] for w in fake.webinars()[:2])
    first = api.get(f"{fake.base_url}/webinars/{w1}/registrants", params={"page_size": 5}, timeout=5).json()
    token = first["next_page_token"]
    zoom_error(
        api.get(f"{fake.base_url}/webinars/{w2}/registrants", params={"next_page_token": token}, timeout=5), 400, 300
    )
    r = api.get(
        f"{fake.base_url}/webinars/{w1}/registrants", params={"next_page_token": token, "status": "denied"}, timeout=5
    )
    zoom_error(r, 400, 300)
    doc = zoom_error(
        api.get(f"{fake.base_url}/webinars/{w1}/registrants", params={"next_page_token": "garbage"}, timeout=5),
        400,
        300,
    )
    assert doc["message"] == "The next page token is invalid or expired."


def test_page_token_expires_after_15_minutes() -> None:
    clock = ManualClock()
    with FakeZoom(clock=clock) as fake:
        headers = {"Authorization": f"Bearer {token_response(fake).json()['access_token']}"}
        url = f"{fake.base_url}/webinars/{fake.webinars()[0]['id']}/registrants"
        token = requests.get(url, params={"page_size": 5}, headers=headers, timeout=5).json()["next_page_token"]
        clock.now += 901
        zoom_error(requests.get(url, params={"next_page_token": token}, headers=headers, timeout=5), 400, 300)


# ------------------------------------------------------------------------------------ rate limits and faults


def test_qps_429_headers(fake: FakeZoom, api: requests.Session) -> None:
    fake.fail_next(429)
    r = api.get(f"{fake.base_url}/users/me/webinars", timeout=5)
    zoom_error(r, 429, 429)
    assert r.headers["X-RateLimit-Category"] == "Medium"
    assert r.headers["X-RateLimit-Type"] == "QPS"
    assert r.headers["Retry-After"] == "1"
    fake.fail_next(429)
    assert api.get(f"{fake.base_url}/users/me", timeout=5).headers["X-RateLimit-Category"] == "Light"


def test_daily_limit_429(fake: FakeZoom, api: requests.Session) -> None:
    fake.daily_limit = 3
    url = f"{fake.base_url}/users"
    remaining = [api.get(url, timeout=5).headers["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    r = api.get(url, timeout=5)
    zoom_error(r, 429, 429)
    assert r.headers["X-RateLimit-Type"] == "Daily-limit"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00Z", r.headers["Retry-After"])
    assert "daily rate limit" in r.json()["message"]
    fake.fail_next("429_daily")
    fake.daily_limit = None
    assert api.get(url, timeout=5).headers["X-RateLimit-Type"] == "Daily-limit"
    assert api.get(url, timeout=5).status_code == 200


def _codes(fake: FakeZoom, api: requests.Session, n: int) -> list[int | str]:
    out: list[int | str] = []
    for _ in range(n):
        try:
            out.append(api.get(f"{fake.base_url}/users", timeout=5).status_code)
        except requests.ConnectionError:
            out.append("drop")
    return out


def test_rate_429_fraction_is_seeded() -> None:
    runs = []
    for _ in range(2):
        with FakeZoom(seed=11) as f, requests.Session() as s:
            s.headers["Authorization"] = f"Bearer {token_response(f).json()['access_token']}"
            f.rate_429 = 0.25
            runs.append(_codes(f, s, 400))
    assert runs[0] == runs[1]
    assert 70 <= runs[0].count(429) <= 130
    assert set(runs[0]) == {200, 429}


def test_rate_500_and_drop_fractions(fake: FakeZoom, api: requests.Session) -> None:
    fake.rate_500 = 0.2
    fake.drop_rate = 0.1
    codes = _codes(fake, api, 500)
    assert set(codes) == {200, 500, "drop"}
    assert 60 <= codes.count(500) <= 140
    assert 25 <= codes.count("drop") <= 80
    assert fake.faults_injected["drop"] == codes.count("drop")


def test_drop_is_a_connection_error(fake: FakeZoom, api: requests.Session) -> None:
    fake.fail_next("drop", times=2)
    with pytest.raises(requests.ConnectionError):
        api.get(f"{fake.base_url}/users", timeout=5)
    with httpx.Client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{fake.base_url}/users", headers={"Authorization": str(api.headers["Authorization"])}, timeout=5)


def test_fail_next_kinds(fake: FakeZoom, api: requests.Session) -> None:
    for kind in (401, 403, 500, 503):
        fake.fail_next(kind)
    url = f"{fake.base_url}/users"
    zoom_error(api.get(url, timeout=5), 401, 124)
    zoom_error(api.get(url, timeout=5), 403, 4711)
    zoom_error(api.get(url, timeout=5), 500, 500)
    r = api.get(url, timeout=5)
    assert r.status_code == 503
    assert r.headers["Content-Type"].startswith("text/html")
    assert api.get(url, timeout=5).status_code == 200


# ------------------------------------------------------------------------------------ log, transport, CLI


def test_request_log(fake: FakeZoom, api: requests.Session) -> None:
    api.get(f"{fake.base_url}/users", params={"page_size": 5}, timeout=5)
    log = fake.request_log
    assert [e["route"] for e in log] == ["POST /oauth/token", "GET /v2/users"]
    assert log[0]["query"] == {"grant_type": "account_credentials", "account_id": fake.account_id}
    assert log[1]["query"] == {"page_size": "5"}
    assert all("authorization" not in {k.lower() for k in e["headers"]} for e in log)
    assert fake.requests_by_route["GET /v2/users"] == 1
    fake.reset()
    assert fake.request_log == []
    assert fake.api_calls == 0


def test_unknown_path_is_404(fake: FakeZoom, api: requests.Session) -> None:
    zoom_error(api.get(f"{fake.base_url}/meetings/1/polls", timeout=5), 404, 404)


def test_cli_subprocess() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(FAKE_PATH), "--port", "0", "--registrants-per-webinar", "3", "--client-id", "zid"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["base_url"].startswith("http://127.0.0.1:")
        assert ready["base_url"].endswith("/v2")
        assert ready["client_id"] == "zid"
        r = requests.post(
            ready["token_url"],
            params={"grant_type": "account_credentials", "account_id": ready["account_id"]},
            auth=(ready["client_id"], ready["client_secret"]),
            timeout=5,
        )
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        webinar_id = ready["webinar_ids"][0]
        regs = requests.get(
            f"{ready['base_url']}/webinars/{webinar_id}/registrants",
            params={"status": "approved"},
            headers=headers,
            timeout=5,
        )
        assert regs.status_code == 200
        assert regs.json()["total_records"] <= 3
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert rc == 0
