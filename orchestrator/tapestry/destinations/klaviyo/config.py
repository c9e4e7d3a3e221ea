"""`destination: {type: klaviyo, ...}` and the Klaviyo mapping of a sync (profile attributes and properties)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from tapestry.core.settings import SecretRef
from tapestry.destinations.base import DestinationConfig, Link, MappingConfig

KLAVIYO_API = "https://a.klaviyo.com"
REVISION = "2026-07-15"  # the API revision the client speaks (klaviyo-api 24.0.0; tests/contracts/klaviyo)
JOB_MAX = 10_000  # profiles per bulk import job
# The profile attributes a profile import takes (ProfileUpsertQueryResourceObject, revision 2026-07-15), less
# `email` (the key) and `_kx`; location fields are written `location.city`. There is no consent attribute:
# subscriptions have their own endpoints, which a sync never calls.
ATTRIBUTES = (
    "first_name",
    "last_name",
    "organization",
    "title",
    "locale",
    "phone_number",
    "external_id",
    "image",
    "location.address1",
    "location.address2",
    "location.city",
    "location.country",
    "location.region",
    "location.zip",
    "location.timezone",
    "location.ip",
    "location.latitude",
    "location.longitude",
)
PROPERTY_NAME = re.compile(r"^[^\s$][^\n]{0,199}$")


class KlaviyoConfig(DestinationConfig):
    type: Literal["klaviyo"] = "klaviyo"
    list_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{4,32}$")  # the list profiles are kept in
    api_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(:\d+)?/?$")  # default a.klaviyo.com
    api_key: SecretRef = SecretRef(env="KLAVIYO_API_KEY")  # a private API key (profiles and lists, read/write)
    bulk_threshold: Annotated[int, Field(ge=1)] = 100  # this many upserts or more go through bulk import jobs
    job_size: Annotated[int, Field(ge=1, le=JOB_MAX)] = JOB_MAX
    concurrency: Annotated[int, Field(ge=1, le=16)] = 8  # direct profile imports in parallel
    jobs_in_flight: Annotated[int, Field(ge=1, le=10)] = 3

    def identity(self) -> str:
        return f"klaviyo:{self.list_id or 'preview'}"

    def missing(self) -> list[str]:
        return [] if self.list_id else ["list_id"]

    def describe(self) -> str:
        return f"list {self.list_id}" if self.list_id else ""

    def link(self) -> Link | None:
        if not self.list_id:
            return None
        name = f"Klaviyo list {self.list_id}"
        if self.api_url and self.api_url.rstrip("/") != KLAVIYO_API:
            return Link(name, "", f"via {self.api_url}")  # a proxy or a test double: no app to link to
        return Link(name, f"https://www.klaviyo.com/list/{self.list_id}")

    @property
    def base_url(self) -> str:
        return (self.api_url or KLAVIYO_API).rstrip("/")


class KlaviyoMapping(MappingConfig):
    email: str = "email_address"  # the model column with the e-mail: the profile's identifier
    attributes: dict[str, str] = Field(  # Klaviyo profile attribute -> model column
        default_factory=lambda: {"first_name": "first_name", "last_name": "last_name"}
    )
    properties: dict[str, str] = Field(default_factory=dict)  # custom profile property -> model column

    @field_validator("attributes")
    @classmethod
    def _known_attributes(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if name not in ATTRIBUTES:
                hint = "map the e-mail with `email:`" if name == "email" else "custom fields go under `properties:`"
                raise ValueError(
                    f"{name!r} is not a Klaviyo profile attribute ({hint}; attributes: {', '.join(ATTRIBUTES)})"
                )
        return value

    @field_validator("properties")
    @classmethod
    def _property_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not PROPERTY_NAME.match(name):
                raise ValueError(
                    f"custom property name {name!r} must be 1-200 characters, not starting with $ or a space"
                )
        return value

    @property
    def key_column(self) -> str:
        return self.email

    @property
    def model_columns(self) -> list[str]:
        return list(dict.fromkeys([self.email, *self.attributes.values(), *self.properties.values()]))

    def fingerprint(self) -> str:
        payload = {
            "email": self.email,
            "attributes": sorted(self.attributes.items()),
            "properties": sorted(self.properties.items()),
        }
        return hashlib.md5(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]
