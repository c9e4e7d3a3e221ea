"""Salesforce contacts: export files locally, Airbyte's source-salesforce (Contact, incremental) on aws."""

from __future__ import annotations

from pathlib import Path

from tapestry.sources.base import SourcePlugin
from tapestry.sources.salesforce.airbyte import CONNECTOR
from tapestry.sources.salesforce.checks import CHECK
from tapestry.sources.salesforce.config import SalesforceSourceConfig
from tapestry.sources.salesforce.streams import CONTACT

PLUGIN = SourcePlugin(
    type="salesforce",
    label="Salesforce contacts",
    config_model=SalesforceSourceConfig,
    streams=(CONTACT,),
    airbyte=CONNECTOR,
    credentials=CHECK,
    dbt_dir=Path(__file__).with_name("dbt"),
)
