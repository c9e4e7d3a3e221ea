"""Mailchimp: keep one list (audience) equal to a model, never resubscribing anyone."""

from __future__ import annotations

from tapestry.destinations.base import DestinationPlugin
from tapestry.destinations.mailchimp.config import MailchimpConfig, MailchimpMapping

PLUGIN = DestinationPlugin(
    type="mailchimp",
    label="Mailchimp",
    config_model=MailchimpConfig,
    mapping_model=MailchimpMapping,
)
