"""Mailchimp: keep one list (audience) equal to a model, never resubscribing anyone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tapestry.destinations.base import DestinationPlugin, OpenRequest
from tapestry.destinations.mailchimp.config import MailchimpConfig, MailchimpMapping

if TYPE_CHECKING:
    from tapestry.destinations.base import Destination


def _open(request: OpenRequest) -> Destination:
    from tapestry.destinations.mailchimp.destination import open_mailchimp  # the SDK loads only when syncing

    return open_mailchimp(request)


PLUGIN = DestinationPlugin(
    type="mailchimp",
    label="Mailchimp",
    config_model=MailchimpConfig,
    mapping_model=MailchimpMapping,
    open=_open,
    kept_label="not subscribed",
)
