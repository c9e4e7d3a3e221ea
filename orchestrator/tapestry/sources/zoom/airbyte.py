"""Airbyte's source-zoom: Server-to-Server OAuth, the `webinar_registrants` stream in full each time (the
connector defines no cursor and no primary key for it)."""

from __future__ import annotations

from typing import Any

from tapestry.sources.base import AirbyteConnector, AirbyteStream, SecretLookup
from tapestry.sources.zoom.config import ZoomSourceConfig


def configuration(source: ZoomSourceConfig, secret: SecretLookup) -> dict[str, Any]:
    """source-zoom's connectionSpecification. The server fills in no default, so the required
    authorization_endpoint is always sent."""
    return {
        "account_id": source.account_id,
        "client_id": source.client_id,
        "client_secret": secret(source.client_secret) if source.client_secret else None,
        "authorization_endpoint": f"{source.oauth_url}/oauth/token",
    }


CONNECTOR = AirbyteConnector(
    source_type="zoom",
    definition_id="cbfd9856-1322-44fb-bcf1-0b39b7a8e92e",
    configuration=configuration,
    streams=(AirbyteStream("webinar_registrants", "full_refresh_overwrite"),),
)
