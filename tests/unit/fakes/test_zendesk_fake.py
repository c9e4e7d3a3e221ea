"""Tests of the local Zendesk Support fake (tests/fakes/zendesk.py), driven over real HTTP: it signs in the way
Zendesk does (Basic `<email>/token`, or Bearer OAuth), refuses what Zendesk refuses in its error shapes, and runs
as a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from fakes.zendesk import R_ME, R_SETTINGS, FakeZendesk

FAKE_PATH = Path(__file__).resolve().parents[2] / "fakes" / "zendesk.py"


@pytest.fixture
def fake() -> Iterator[FakeZendesk]:
    with FakeZendesk(api_token="zd-token-1", access_token="zd-oauth-1", seed=3) as f:
        yield f


def get(fake: FakeZendesk, route: str, **kwargs: object) -> requests.Response:
    return requests.get(fake.api_url + route, timeout=5, **kwargs)  # type: ignore[arg-type]


def test_api_token_and_oauth_sign_in_as_the_same_user(fake: FakeZendesk) -> None:
    by_token = get(fake, R_ME, auth=(f"{fake.email}/token", "zd-token-1"))
    by_oauth = get(fake, R_ME, headers={"Authorization": "Bearer zd-oauth-1"})
    assert by_token.status_code == by_oauth.status_code == 200
    assert by_token.json()["user"] == by_oauth.json()["user"]
    assert by_token.json()["user"]["role"] == "admin"
    settings = get(fake, R_SETTINGS, auth=(f"{fake.email}/token", "zd-token-1")).json()
    assert settings["settings"]["active_features"]["organization_access_enabled"] is True


def test_without_credentials_zendesk_answers_the_anonymous_user(fake: FakeZendesk) -> None:
    r = get(fake, R_ME)
    assert r.status_code == 200 and r.json()["user"]["id"] is None
    assert get(fake, R_SETTINGS).status_code == 401


def test_credentials_zendesk_refuses(fake: FakeZendesk) -> None:
    assert get(fake, R_ME, auth=(fake.email, "zd-token-1")).json() == {
        "error": "Couldn't authenticate you"
    }  # no /token
    assert get(fake, R_ME, auth=(f"{fake.email}/token", "other")).status_code == 401
    r = get(fake, R_ME, headers={"Authorization": "Bearer expired"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_token" and "error_description" in r.json()


def test_an_end_user_may_not_read_the_settings(fake: FakeZendesk) -> None:
    fake.role = "end-user"
    r = get(fake, R_SETTINGS, headers={"Authorization": "Bearer zd-oauth-1"})
    assert r.status_code == 403 and r.json()["error"] == "Forbidden"


def test_faults_and_unknown_routes(fake: FakeZendesk) -> None:
    fake.fail_next(429)
    r = get(fake, R_ME, headers={"Authorization": "Bearer zd-oauth-1"})
    assert r.status_code == 429 and r.json()["error"] == "APIRateLimitExceeded" and r.headers["Retry-After"] == "1"
    assert get(fake, "/api/v2/users.json", headers={"Authorization": "Bearer zd-oauth-1"}).status_code == 404
    assert "zd-oauth-1" not in json.dumps(fake.request_log) and "zd-token-1" not in json.dumps(fake.request_log)


def test_cli_subprocess() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(FAKE_PATH), "--port", "0", "--role", "agent", "--api-token", "t-cli"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        r = requests.get(ready["api_url"] + R_ME, auth=(f"{ready['email']}/token", "t-cli"), timeout=5)
        assert r.status_code == 200 and r.json()["user"]["role"] == "agent"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert rc == 0
