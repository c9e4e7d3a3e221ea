"""Tests of the local Salesforce OAuth fake (tests/fakes/salesforce.py), driven over real HTTP, and of the
doctor's Salesforce check against it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests

from contracts import load
from fakes.salesforce import FACTS, R_TOKEN, FakeSalesforce
from tapestry.sources.salesforce.checks import instance_url as check_salesforce

FAKE_PATH = Path(__file__).resolve().parents[2] / "fakes" / "salesforce.py"


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


def sf_error(r: requests.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    doc = r.json()
    assert isinstance(doc, list) and len(doc) == 1 and set(doc[0]) == {"message", "errorCode"}
    assert doc[0]["errorCode"] == code
    return str(doc[0]["message"])


# ------------------------------------------------------------------------------------ OAuth


def test_refresh_token_grant(fake: FakeSalesforce) -> None:
    r = refresh(fake)
    assert r.status_code == 200
    doc = r.json()
    assert set(doc) == {"access_token", "instance_url", "id", "token_type", "issued_at", "signature", "scope"}
    assert doc["instance_url"] == fake.root_url and doc["instance_url"].startswith("http://127.0.0.1:")
    assert doc["token_type"] == "Bearer"
    assert doc["issued_at"].isdigit()
    assert doc["id"].startswith(fake.root_url + "/id/00D")
    assert doc["access_token"].startswith("00D") and fake.tokens_issued == 1


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
    assert fake.tokens_issued == 0


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


def test_other_paths_and_methods(fake: FakeSalesforce) -> None:
    assert requests.get(fake.token_url, timeout=5).json() == {
        "error": "invalid_request",
        "error_description": "must use HTTP POST",
    }
    sf_error(requests.get(f"{fake.root_url}/services/data/v66.0/limits", timeout=5), 404, "NOT_FOUND")


# ------------------------------------------------------------------------------------ faults


def test_fail_next_kinds(fake: FakeSalesforce) -> None:
    for kind in (401, 403, 429, 500, 503, 502):
        fake.fail_next(kind)
    r = refresh(fake)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")  # what a 401 looks like at the login host
    sf_error(refresh(fake), 403, "REQUEST_LIMIT_EXCEEDED")
    sf_error(refresh(fake), 429, "REQUEST_LIMIT_EXCEEDED")
    assert "ErrorId" in sf_error(refresh(fake), 500, "UNKNOWN_EXCEPTION")
    sf_error(refresh(fake), 503, "SERVER_UNAVAILABLE")
    r = refresh(fake)
    assert r.status_code == 502 and r.headers["Content-Type"].startswith("text/html")
    assert refresh(fake).status_code == 200


def test_rate_429_fraction_is_seeded_with_retry_after() -> None:
    runs = []
    for _ in range(2):
        with FakeSalesforce(seed=5, retry_after=2, rate_429=0.25) as f:
            runs.append([refresh(f).status_code for _ in range(200)])
            f.rate_429 = 0
            f.fail_next(429)
            assert refresh(f).headers["Retry-After"] == "2"
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 429} and 30 <= runs[0].count(429) <= 70


def test_drops_are_connection_errors(fake: FakeSalesforce) -> None:
    fake.fail_next("drop", times=2)
    with pytest.raises(requests.ConnectionError):
        refresh(fake)
    with httpx.Client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.post(fake.token_url, timeout=5)
    assert fake.faults_injected["drop"] == 2


def test_request_log_masks_secrets(fake: FakeSalesforce) -> None:
    refresh(fake)
    (entry,) = fake.request_log
    assert entry["route"] == "POST /services/oauth2/token"
    assert entry["body"]["client_secret"] == "**********"
    assert entry["body"]["refresh_token"] == "**********"
    assert entry["body"]["client_id"] == fake.client_id
    fake.reset()
    assert (fake.request_log, fake.tokens_issued) == ([], 0)


# ------------------------------------------------------------------------------------ tapestry doctor


def test_the_doctor_check_returns_the_instance(fake: FakeSalesforce) -> None:
    assert check_salesforce(fake.token_url, fake.client_id, fake.client_secret, fake.refresh_token) == fake.root_url


def test_the_doctor_check_names_salesforces_reason_and_never_the_secret(fake: FakeSalesforce) -> None:
    fake.revoke_refresh_token()
    with pytest.raises(ValueError) as refused:
        check_salesforce(fake.token_url, fake.client_id, fake.client_secret, fake.refresh_token)
    assert "HTTP 400: expired access/refresh token" in str(refused.value)
    assert fake.refresh_token not in str(refused.value) and fake.client_secret not in str(refused.value)


def test_cli_subprocess() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(FAKE_PATH), "--port", "0", "--refresh-token", "rt-1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["token_url"] == ready["login_url"] + "/services/oauth2/token"
        assert ready["refresh_token"] == "rt-1"
        token = requests.post(
            ready["token_url"],
            data={"grant_type": "refresh_token", "client_id": ready["client_id"],
                  "client_secret": ready["client_secret"], "refresh_token": ready["refresh_token"]},
            timeout=5,
        ).json()  # fmt: skip
        assert token["instance_url"] == ready["login_url"]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert rc == 0


# Salesforce publishes no machine-readable spec of its token endpoint: the facts file quotes the docs, jsforce and
# recorded live answers (tests/contracts/salesforce/).


def test_the_fake_salesforce_answers_a_refresh_in_the_documented_token_response(fake: FakeSalesforce) -> None:
    facts = load(FACTS)
    assert facts["token_path"] == R_TOKEN
    assert set(facts["request"]["form_fields"]) == {"grant_type", "client_id", "client_secret", "refresh_token"}
    answer = refresh(fake)
    assert answer.status_code == 200
    token = answer.json()
    fields = facts["token_response_fields"]
    assert set(token) == set(fields), "jsforce's TokenResponse: no expires_in, no refresh_token without rotation"
    assert token["token_type"] == fields["token_type"]
    assert all(isinstance(token[name], str) for name in fields)
    assert token["issued_at"].isdigit() and len(token["issued_at"]) == 13, "milliseconds since the epoch"
    assert re.fullmatch(r".*/id/00D\w{15}/005\w{15}", token["id"]), facts["id_format"]


def test_the_fake_salesforce_refuses_as_the_docs_and_recorded_answers_do(fake: FakeSalesforce) -> None:
    recorded = load(FACTS)["errors"]
    answers = {
        "unsupported_grant_type": refresh(fake, grant_type="password"),
        "invalid_client_id": refresh(fake, client_id="3MVG9notTheApp"),
        "invalid_client": refresh(fake, client_secret="not-the-secret"),
        "invalid_grant": refresh(fake, refresh_token="5Aep861notTheToken"),
    }
    assert set(answers) == set(recorded)
    for error, answer in answers.items():
        assert (answer.status_code, answer.json()) == (recorded[error]["status"], recorded[error]["body"]), error
