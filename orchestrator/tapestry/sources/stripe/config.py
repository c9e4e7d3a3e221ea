"""`sources.<name>: {type: stripe, ...}`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tapestry.core.settings import SecretRef
from tapestry.sources.base import SourceConfig


class StripeSourceConfig(SourceConfig):
    """Local target: export files. Cloud target: Airbyte's source-stripe with a secret (or restricted) key."""

    type: Literal["stripe"] = "stripe"
    account_id: str | None = Field(default=None, pattern=r"^acct_[A-Za-z0-9]{1,64}$")  # sent as Stripe-Account
    api_key: SecretRef | None = (
        None  # the secret key sk_live_…, or a restricted rk_live_… one that reads customers, charges
    )
    start_date: str = Field(default="2017-01-25T00:00:00Z", pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    api_url: str = Field(default="https://api.stripe.com", pattern=r"^https?://[^\s/]+(:\d+)?$")  # tests, proxies

    def cloud_missing(self) -> list[str]:
        return [name for name in ("account_id", "api_key") if getattr(self, name) is None]
