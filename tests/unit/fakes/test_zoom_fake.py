"""Tests of the local Zoom OAuth fake (tests/fakes/zoom.py), driven over real HTTP, and of the doctor's Zoom
check against it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

from fakes.zoom import FakeZoom
from tapestry.engines.ingest.credentials import ServiceUnavailable
from tapestry.sources.zoom.checks import token_scopes as check_zoom

FAKE_PATH = Path(__file__).resolve().parents[2] / "fakes" / "zoom.py"


@pytest.fixture
def fake() -> Iterator[FakeZoom]:
    with FakeZoom(seed=1234) as f:
        yield f


def token_response(fake: FakeZoom, **kwargs: Any) -> requests.Response:
    params = kwargs.pop("params", {"grant_type": "account_credentials", "account_id": fake.account_id})
    auth = kwargs.pop("auth", (fake.client_id, fake.client_secret))
    return requests.post(fake.token_url, params=params, auth=auth, timeout=5, **kwargs)


# ------------------------------------------------------------------------------------ OAuth


def test_token_success(fake: FakeZoom) -> None:
    r = token_response(fake)
    assert r.status_code == 200
    doc = r.json()
    assert set(doc) == {"access_token", "token_type", "expires_in", "scope", "api_url"}
    assert doc["token_type"] == "bearer"
    assert doc["expires_in"] == 3600
    assert doc["scope"] == "user:read:admin webinar:read:admin"
    assert fake.tokens_issued == 1
    assert token_response(fake).json()["access_token"] != doc["access_token"]


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
    assert fake.tokens_issued == 0


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


def test_other_paths_and_methods(fake: FakeZoom) -> None:
    assert requests.get(fake.token_url, timeout=5).status_code == 405
    r = requests.get(f"{fake.root_url}/v2/users/me", timeout=5)
    assert r.status_code == 404 and r.json() == {"code": 404, "message": "Not Found"}


# ------------------------------------------------------------------------------------ faults


def test_429_has_zooms_rate_limit_headers(fake: FakeZoom) -> None:
    fake.fail_next(429)
    r = token_response(fake)
    assert (r.status_code, r.json()["code"]) == (429, 429)
    assert r.headers["X-RateLimit-Type"] == "QPS" and r.headers["Retry-After"] == "1"
    assert token_response(fake).status_code == 200


def test_5xx_comes_from_the_edge_as_html_and_drops_are_connection_errors(fake: FakeZoom) -> None:
    fake.fail_next(503)
    fake.fail_next(500)
    fake.fail_next("drop", times=2)
    r = token_response(fake)
    assert r.status_code == 503 and r.headers["Content-Type"].startswith("text/html")
    assert token_response(fake).json() == {"code": 500, "message": "Internal error."}
    with pytest.raises(requests.ConnectionError):
        token_response(fake)
    with httpx.Client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.post(fake.token_url, timeout=5)
    assert token_response(fake).status_code == 200
    with pytest.raises(ValueError, match="unknown fault kind"):
        fake.fail_next(401)  # the token endpoint answers bad credentials itself


def test_fault_fractions_are_seeded() -> None:
    runs = []
    for _ in range(2):
        with FakeZoom(seed=11, rate_429=0.25, rate_500=0.1) as f:
            runs.append([token_response(f).status_code for _ in range(200)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 429, 500}
    assert 30 <= runs[0].count(429) <= 70


def test_request_log_keeps_no_credentials(fake: FakeZoom) -> None:
    token_response(fake)
    (entry,) = fake.request_log
    assert entry["route"] == "POST /oauth/token" and entry["status"] == 200
    assert entry["query"] == {"grant_type": "account_credentials", "account_id": fake.account_id}
    assert "authorization" not in {k.lower() for k in entry["headers"]}
    fake.reset()
    assert (fake.request_log, fake.tokens_issued) == ([], 0)


# ------------------------------------------------------------------------------------ tapestry doctor


def test_the_doctor_check_reads_the_granted_scopes(fake: FakeZoom) -> None:
    assert check_zoom(fake.oauth_url, fake.account_id, fake.client_id, fake.client_secret) == (
        "user:read:admin webinar:read:admin"
    )
    fake.scopes = ("webinar:read:list_registrants:admin",)  # a granular scope is enough
    assert check_zoom(fake.oauth_url, fake.account_id, fake.client_id, fake.client_secret)


def test_the_doctor_check_names_what_is_wrong_and_never_the_secret(fake: FakeZoom) -> None:
    with pytest.raises(ValueError) as refused:
        check_zoom(fake.oauth_url, fake.account_id, fake.client_id, "a-wrong-secret-7731")
    assert "HTTP 400: Invalid client_id or client_secret" in str(refused.value)
    assert "a-wrong-secret-7731" not in str(refused.value)
    fake.scopes = ("user:read:admin",)
    with pytest.raises(ValueError, match="lacks scopes webinar:read"):
        check_zoom(fake.oauth_url, fake.account_id, fake.client_id, fake.client_secret)


def test_the_doctor_check_does_not_call_an_outage_a_refusal(fake: FakeZoom) -> None:
    fake.fail_next(503)
    with pytest.raises(ServiceUnavailable, match=r"Zoom did not answer the credential check \(HTTP 503"):
        check_zoom(fake.oauth_url, fake.account_id, fake.client_id, fake.client_secret)
    assert check_zoom(fake.oauth_url, fake.account_id, fake.client_id, fake.client_secret)  # the next call passes


def test_cli_subprocess() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(FAKE_PATH), "--port", "0", "--client-id", "zid", "--scope", "webinar:read:admin"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["token_url"] == ready["oauth_url"] + "/oauth/token"
        assert ready["client_id"] == "zid"
        r = requests.post(
            ready["token_url"],
            params={"grant_type": "account_credentials", "account_id": ready["account_id"]},
            auth=(ready["client_id"], ready["client_secret"]),
            timeout=5,
        )
        assert r.status_code == 200 and r.json()["scope"] == "webinar:read:admin"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert rc == 0
