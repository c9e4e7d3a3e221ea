"""Zendesk Support users and their tickets: Zendesk's JSON exports (or the API's) locally, Airbyte's
source-zendesk-support (users and tickets, incremental) on aws. Type `zendesk_support`, after the connector:
Zendesk Sell, Chat and Talk are other products with other connectors."""

from __future__ import annotations

from pathlib import Path

from tapestry.sources.base import SourcePlugin
from tapestry.sources.zendesk_support.airbyte import CONNECTOR
from tapestry.sources.zendesk_support.checks import CHECK
from tapestry.sources.zendesk_support.config import ZendeskSupportSourceConfig
from tapestry.sources.zendesk_support.streams import TICKETS, USERS

PLUGIN = SourcePlugin(
    type="zendesk_support",
    label="Zendesk Support users",
    config_model=ZendeskSupportSourceConfig,
    streams=(USERS, TICKETS),
    airbyte=CONNECTOR,
    credentials=CHECK,
    dbt_dir=Path(__file__).with_name("dbt"),
)
