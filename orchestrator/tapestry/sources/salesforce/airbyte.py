"""Airbyte's source-salesforce: the refresh-token grant of a connected app, the `Contact` object only,
incremental on SystemModstamp and de-duplicated on Id (the keys the connector itself reports)."""

from __future__ import annotations

from typing import Any

from tapestry.sources.base import AirbyteConnector, AirbyteStream, SecretLookup
from tapestry.sources.salesforce.config import SalesforceSourceConfig


def configuration(source: SalesforceSourceConfig, secret: SecretLookup) -> dict[str, Any]:
    """source-salesforce's connectionSpecification; streams_criteria keeps discovery to Contact (minutes
    instead of the whole org)."""
    return {
        "client_id": source.client_id,
        "client_secret": secret(source.client_secret) if source.client_secret else None,
        "refresh_token": secret(source.refresh_token) if source.refresh_token else None,
        "start_date": source.start_date,
        "is_sandbox": source.is_sandbox,
        "streams_criteria": [{"criteria": "exacts", "value": "Contact"}],
    }


CONNECTOR = AirbyteConnector(
    source_type="salesforce",
    definition_id="b117307c-14b6-41aa-9422-947e34922962",
    configuration=configuration,
    streams=(
        AirbyteStream("Contact", "incremental_deduped_history", cursor=("SystemModstamp",), primary_key=(("Id",),)),
    ),
)
