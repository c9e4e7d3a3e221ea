"""Airbyte's source-stripe: a secret key and the account id, the `customers` and `charges` streams,
incremental on `updated` and de-duplicated on `id` (the cursor and key the connector's manifest defines;
deleted customers arrive with `is_deleted`)."""

from __future__ import annotations

from typing import Any

from tapestry.sources.base import AirbyteConnector, AirbyteStream, SecretLookup
from tapestry.sources.stripe.config import StripeSourceConfig


def configuration(source: StripeSourceConfig, secret: SecretLookup) -> dict[str, Any]:
    """source-stripe's connectionSpecification: `client_secret` is the secret key. Options with defaults the
    connector applies itself (lookback window, slice range, workers) are left out."""
    return {
        "account_id": source.account_id,
        "client_secret": secret(source.api_key) if source.api_key else None,
        "start_date": source.start_date,
    }


def _stream(name: str) -> AirbyteStream:
    return AirbyteStream(name, "incremental_deduped_history", cursor=("updated",), primary_key=(("id",),))


CONNECTOR = AirbyteConnector(
    source_type="stripe",
    definition_id="e094cb9a-26de-4645-8761-65c0c425d1de",
    configuration=configuration,
    streams=(_stream("customers"), _stream("charges")),
)
