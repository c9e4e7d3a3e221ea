"""Airbyte's source-zendesk-support: the subdomain and an API token (or OAuth access token), the `users`
stream (incremental on `updated_at`) and the `tickets` stream (incremental on `generated_timestamp`), both
de-duplicated on `id` (the cursors and keys the connector's manifest defines)."""

from __future__ import annotations

from typing import Any

from tapestry.sources.base import AirbyteConnector, AirbyteStream, SecretLookup
from tapestry.sources.zendesk_support.config import ZendeskSupportSourceConfig


def configuration(source: ZendeskSupportSourceConfig, secret: SecretLookup) -> dict[str, Any]:
    """source-zendesk-support's connectionSpecification: `credentials` is one of its two `oneOf` branches,
    told apart by `credentials.credentials`."""
    if source.access_token is not None:
        credentials: dict[str, Any] = {"credentials": "oauth2.0", "access_token": secret(source.access_token)}
    else:
        token = secret(source.api_token) if source.api_token else None
        credentials = {"credentials": "api_token", "email": source.email, "api_token": token}
    return {"subdomain": source.subdomain, "start_date": source.start_date, "credentials": credentials}


CONNECTOR = AirbyteConnector(
    source_type="zendesk-support",
    definition_id="79c1aa37-dae3-42ae-b333-d1c105477715",
    configuration=configuration,
    streams=(
        AirbyteStream("users", "incremental_deduped_history", cursor=("updated_at",), primary_key=(("id",),)),
        AirbyteStream(
            "tickets", "incremental_deduped_history", cursor=("generated_timestamp",), primary_key=(("id",),)
        ),
    ),
)
