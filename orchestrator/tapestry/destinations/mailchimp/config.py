"""`destination: {type: mailchimp, ...}` and the Mailchimp mapping of a sync."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from tapestry.core.settings import SecretRef, Strict
from tapestry.destinations.base import DestinationConfig, Link, MappingConfig

MERGE_TAG = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")
MAX_CONNECTIONS = 10  # Mailchimp answers 429 beyond 10 simultaneous connections per user
MAILCHIMP_API = re.compile(r"^https://([a-z]+\d+)\.api\.mailchimp\.com/")


class MailchimpConfig(DestinationConfig):
    type: Literal["mailchimp"] = "mailchimp"
    list_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,64}$")
    api_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(:\d+)?/.*\d\.\d$")
    api_key: SecretRef = SecretRef(env="MAILCHIMP_API_KEY")
    concurrency: Annotated[int, Field(ge=1, le=MAX_CONNECTIONS)] = 8  # direct calls in parallel
    bulk_threshold: Annotated[int, Field(ge=1)] = 500  # this many operations or more use POST /batches
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 2_500

    def identity(self) -> str:
        return f"mailchimp:{self.list_id or 'preview'}"

    def missing(self) -> list[str]:
        return [] if self.list_id else ["list_id"]

    def describe(self) -> str:
        return f"list {self.list_id}" if self.list_id else ""

    def link(self) -> Link | None:
        if not self.list_id:
            return None
        name = f"Mailchimp list {self.list_id}"
        api_url = self.api_url or ""
        match = MAILCHIMP_API.match(api_url)
        if match or not api_url:
            host = f"{match.group(1)}.admin.mailchimp.com" if match else "admin.mailchimp.com"
            return Link(name, f"https://{host}/lists/")
        return Link(name, "", f"via {api_url}")  # a proxy or a test double: no admin UI to link to


class TagMapping(Strict):
    """A Mailchimp tag: a constant `name`, or the value of `column` (skipped when null/empty)."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    column: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TagMapping:
        if (self.name is None) == (self.column is None):
            raise ValueError("a tag needs exactly one of `name` (constant) or `column`")
        return self


class MailchimpMapping(MappingConfig):
    email: str = "email_address"
    merge_fields: dict[str, str] = Field(default_factory=lambda: {"FNAME": "first_name", "LNAME": "last_name"})
    tags: list[TagMapping] = Field(default_factory=list)

    @field_validator("merge_fields")
    @classmethod
    def _merge_tags(cls, value: dict[str, str]) -> dict[str, str]:
        for tag in value:
            if not MERGE_TAG.match(tag):
                raise ValueError(f"merge field tag {tag!r} must be 1-10 upper-case letters, digits or _")
        return value

    @property
    def key_column(self) -> str:
        return self.email

    @property
    def model_columns(self) -> list[str]:
        columns = [self.email, *self.merge_fields.values(), *(t.column for t in self.tags if t.column)]
        return list(dict.fromkeys(columns))

    def fingerprint(self) -> str:
        # The payload every Tapestry release has hashed: changing it would resend every member.
        payload = {
            "email": self.email,
            "merge_fields": sorted(self.merge_fields.items()),
            "tags": [(t.name, t.column) for t in self.tags],
        }
        return hashlib.md5(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]
