"""`sources.<name>: {type: zendesk_support, ...}`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tapestry.core.settings import SecretRef
from tapestry.sources.base import SourceConfig


class ZendeskSupportSourceConfig(SourceConfig):
    """Local target: export files. Cloud target: Airbyte's source-zendesk-support, signed in with an API token
    (an agent's e-mail + token) or an OAuth access token."""

    type: Literal["zendesk_support"] = "zendesk_support"
    subdomain: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")  # <subdomain>.zendesk.com
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # the API token's agent
    api_token: SecretRef | None = None
    access_token: SecretRef | None = None  # OAuth instead of email + api_token
    start_date: str = Field(default="2020-01-01T00:00:00Z", pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    api_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(:\d+)?$")  # tests, proxies

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> ZendeskSupportSourceConfig:
        if self.access_token is not None and (self.api_token is not None or self.email is not None):
            raise ValueError("give either access_token (OAuth) or email + api_token, not both")
        return self

    @property
    def base_url(self) -> str:
        return self.api_url or f"https://{self.subdomain}.zendesk.com"

    def cloud_missing(self) -> list[str]:
        missing = [] if self.subdomain else ["subdomain"]
        if self.access_token is None:
            missing += [name for name in ("email", "api_token") if getattr(self, name) is None]
        return missing
