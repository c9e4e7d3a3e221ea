"""`destination: {type: hubspot, ...}` and the HubSpot mapping of a sync (contact properties)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from tapestry.core.settings import SecretRef
from tapestry.destinations.base import DestinationConfig, Link, MappingConfig

HUBSPOT_API = "https://api.hubapi.com"
PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")  # HubSpot's internal names: lower-case, digits, _
BATCH_MAX = 100  # HubSpot's batch endpoints take at most 100 inputs
# Private apps' burst limit per 10 seconds: Free/Starter 100, Professional/Enterprise 190, with the API limit
# increase pack 250 (tests/contracts/hubspot/hubspot-facts.json).
BURST_MAX = 250


class HubSpotConfig(DestinationConfig):
    type: Literal["hubspot"] = "hubspot"
    # The account (Hub ID, in HubSpot's account menu): the sync state is kept under it, and the preflight checks
    # that the token belongs to it.
    portal_id: str | None = Field(default=None, pattern=r"^\d{1,15}$")
    api_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(:\d+)?/?$")  # default api.hubapi.com
    access_token: SecretRef = SecretRef(env="HUBSPOT_ACCESS_TOKEN")  # a private app's access token
    requests_per_10s: Annotated[int, Field(ge=1, le=BURST_MAX)] = 100  # the portal's burst limit (Free/Starter)
    batch_size: Annotated[int, Field(ge=1, le=BATCH_MAX)] = BATCH_MAX
    concurrency: Annotated[int, Field(ge=1, le=10)] = 4  # batch calls in flight
    # mirror mode archives only contacts Tapestry created; `all` archives any contact that leaves the model
    archive: Literal["created", "all"] = "created"

    def identity(self) -> str:
        return f"hubspot:{self.portal_id or 'preview'}"

    def missing(self) -> list[str]:
        return [] if self.portal_id else ["portal_id"]

    def describe(self) -> str:
        return f"contacts of portal {self.portal_id}" if self.portal_id else ""

    def link(self) -> Link | None:
        if not self.portal_id:
            return None
        name = f"HubSpot contacts (portal {self.portal_id})"
        if self.api_url and self.api_url.rstrip("/") != HUBSPOT_API:
            return Link(name, "", f"via {self.api_url}")  # a proxy or a test double: no app to link to
        return Link(name, f"https://app.hubspot.com/contacts/{self.portal_id}/objects/0-1/views/all/list")

    @property
    def base_url(self) -> str:
        return (self.api_url or HUBSPOT_API).rstrip("/")


class HubSpotMapping(MappingConfig):
    email: str = "email_address"  # the model column with the e-mail: the contact's `email`, the upsert key
    properties: dict[str, str] = Field(  # HubSpot contact property (internal name) -> model column
        default_factory=lambda: {"firstname": "first_name", "lastname": "last_name"}
    )

    @field_validator("properties")
    @classmethod
    def _property_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if name == "email":
                raise ValueError("`email` is the upsert key: map its column with `email:`, not under properties")
            if not PROPERTY_NAME.match(name):
                raise ValueError(
                    f"{name!r} is not a HubSpot internal property name (lower-case letters, digits and _; "
                    "Settings > Properties > the property > internal name)"
                )
        return value

    @property
    def key_column(self) -> str:
        return self.email

    @property
    def model_columns(self) -> list[str]:
        return list(dict.fromkeys([self.email, *self.properties.values()]))
