"""Tests of the local Stripe fake (tests/fakes/stripe.py), driven over real HTTP: it refuses what Stripe refuses,
in Stripe's error shape, and runs as a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from fakes.stripe import FakeStripe

FAKE_PATH = Path(__file__).resolve().parents[2] / "fakes" / "stripe.py"


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe(seed=7) as f:
        yield f


def customers(fake: FakeStripe, key: str | None = None, account: str | None = None, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {key or fake.secret_key}", "Stripe-Account": account or fake.account_id}
    return requests.get(fake.api_url + "/v1/customers", params={"limit": 1, **params}, headers=headers, timeout=5)


def test_one_page_of_customers(fake: FakeStripe) -> None:
    r = customers(fake)
    assert r.status_code == 200 and r.headers["Request-Id"].startswith("req_")
    doc = r.json()
    assert (doc["object"], doc["url"], doc["has_more"]) == ("list", "/v1/customers", False)
    assert doc["data"][0]["id"].startswith("cus_")
    basic = requests.get(fake.api_url + "/v1/customers", auth=(fake.secret_key, ""), timeout=5)
    assert basic.status_code == 200  # the key as HTTP Basic user name works too


def test_keys_stripe_refuses(fake: FakeStripe) -> None:
    missing = requests.get(fake.api_url + "/v1/customers", timeout=5)
    assert missing.status_code == 401 and "You did not provide an API key" in missing.json()["error"]["message"]
    wrong = customers(fake, key="sk_test_wrongKey000000001234").json()["error"]
    assert wrong["type"] == "invalid_request_error"
    # Stripe quotes the refused key masked but for its last four characters
    assert wrong["message"].startswith("Invalid API Key provided: sk_test_*") and wrong["message"].endswith("1234")
    assert "wrongKey" not in wrong["message"]


def test_an_account_the_key_may_not_act_for_and_a_restricted_key(fake: FakeStripe) -> None:
    r = customers(fake, account="acct_someoneElse")
    assert r.status_code == 403 and r.json()["error"]["code"] == "account_invalid"
    fake.connected_accounts = ("acct_someoneElse",)
    assert customers(fake, account="acct_someoneElse").status_code == 200
    fake.can_read_customers = False
    r = customers(fake)
    assert r.status_code == 403 and "rak_customer_read" in r.json()["error"]["message"]


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_limit_is_a_whole_number_from_1_to_100(fake: FakeStripe, limit: str) -> None:
    r = customers(fake, limit=limit)
    assert r.status_code == 400
    assert (r.json()["error"]["code"], r.json()["error"]["param"]) == ("parameter_invalid_integer", "limit")


def test_faults_answer_in_stripes_shape_and_the_log_keeps_no_key(fake: FakeStripe) -> None:
    fake.fail_next(429)
    fake.fail_next(500)
    r = customers(fake)
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limit"
    assert customers(fake).json()["error"]["type"] == "api_error"
    assert customers(fake).status_code == 200
    assert all("authorization" not in {k.lower() for k in e["headers"]} for e in fake.request_log)
    assert fake.secret_key not in json.dumps(fake.request_log)
    assert requests.get(fake.api_url + "/v1/charges", timeout=5).status_code == 404


def test_cli_subprocess() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(FAKE_PATH), "--port", "0", "--account-id", "acct_cli1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["account_id"] == "acct_cli1" and ready["secret_key"].startswith("sk_test_")
        r = requests.get(
            ready["api_url"] + "/v1/customers",
            headers={"Authorization": f"Bearer {ready['secret_key']}", "Stripe-Account": "acct_cli1"},
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
