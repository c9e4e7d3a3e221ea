"""HubSpot: keep the portal's contacts equal to a model (upsert by e-mail, archive in mirror mode)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tapestry.destinations.base import DestinationPlugin, OpenRequest
from tapestry.destinations.hubspot.config import HubSpotConfig, HubSpotMapping

if TYPE_CHECKING:
    from tapestry.destinations.base import Destination


def _open(request: OpenRequest) -> Destination:
    from tapestry.destinations.hubspot.destination import open_hubspot  # the SDK loads only when syncing

    return open_hubspot(request)


PLUGIN = DestinationPlugin(
    type="hubspot",
    label="HubSpot",
    config_model=HubSpotConfig,
    mapping_model=HubSpotMapping,
    open=_open,
    kept_label="not archived: not created by Tapestry, or not in HubSpot",
)
