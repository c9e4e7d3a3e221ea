"""`sources.<name>: {type: salesforce, ...}`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tapestry.core.settings import SecretRef
from tapestry.sources.base import SourceConfig


class SalesforceSourceConfig(SourceConfig):
    """Local target: export files. Cloud target: Airbyte's source-salesforce (Contact, incremental)."""

    type: Literal["salesforce"] = "salesforce"
    client_id: str | None = Field(default=None, min_length=10, max_length=256)
    client_secret: SecretRef | None = None
    refresh_token: SecretRef | None = None
    start_date: str = Field(default="2020-01-01T00:00:00Z", pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    is_sandbox: bool = False
    login_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(:\d+)?$")  # My Domain, tests

    @property
    def token_url(self) -> str:
        base = self.login_url or ("https://test.salesforce.com" if self.is_sandbox else "https://login.salesforce.com")
        return f"{base}/services/oauth2/token"

    def cloud_missing(self) -> list[str]:
        return [name for name in ("client_id", "client_secret", "refresh_token") if getattr(self, name) is None]
