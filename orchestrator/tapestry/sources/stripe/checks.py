"""Stripe's secret key, checked the way source-stripe reads: one page of one customer, with the key as a Bearer
token and the account in `Stripe-Account` (no data is kept)."""

from __future__ import annotations

import re

from tapestry.engines.ingest.credentials import check_failure
from tapestry.sources.base import CredentialCheck, SecretLookup
from tapestry.sources.stripe.config import StripeSourceConfig

API_VERSION = "2022-11-15"  # the version source-stripe pins in its requests
# Stripe's messages quote the key they refused, masked but for its last characters: never repeat any of it.
_KEY = re.compile(r"\b[a-z]{2,4}_(?:test|live)_[A-Za-z0-9*]+")


def _mask_key(text: str) -> str:
    return _KEY.sub("<key>", text)


def read_one_customer(api_url: str, account_id: str, secret_key: str) -> None:
    """Raises ValueError with Stripe's reason when the key cannot read the account's customers."""
    import httpx

    response = httpx.get(
        f"{api_url.rstrip('/')}/v1/customers",
        params={"limit": 1},
        headers={
            "Authorization": f"Bearer {secret_key}",
            "Stripe-Account": account_id,
            "Stripe-Version": API_VERSION,
        },
        timeout=30.0,
    )
    if response.status_code != 200:
        raise check_failure("Stripe", "the secret key", response, redact=_mask_key)


def check(source: StripeSourceConfig, secret: SecretLookup) -> str | None:
    if source.api_key is None or source.account_id is None:
        return None
    key = secret(source.api_key) or ""
    read_one_customer(source.api_url, source.account_id, key)
    mode = "test mode" if "_test_" in key else "live mode"
    return f"customers of {source.account_id} readable ({mode})"


CHECK = CredentialCheck(
    check,
    "check the secret key (Developers > API keys; a restricted key needs read access to customers and charges) "
    "and the account id (acct_…)",
)
