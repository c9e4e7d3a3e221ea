"""Klaviyo: keep one list equal to a model (profiles upserted by e-mail), never changing anyone's consent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tapestry.destinations.base import DestinationPlugin, OpenRequest
from tapestry.destinations.klaviyo.config import KlaviyoConfig, KlaviyoMapping

if TYPE_CHECKING:
    from tapestry.destinations.base import Destination


def _open(request: OpenRequest) -> Destination:
    from tapestry.destinations.klaviyo.destination import open_klaviyo  # the SDK loads only when syncing

    return open_klaviyo(request)


PLUGIN = DestinationPlugin(
    type="klaviyo",
    label="Klaviyo",
    config_model=KlaviyoConfig,
    mapping_model=KlaviyoMapping,
    open=_open,
    kept_label="not in Klaviyo",
)
