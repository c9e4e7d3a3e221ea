"""Stripe customers and their charges: the Dashboard's exports (or the API's JSON) locally, Airbyte's
source-stripe (customers and charges, incremental on `updated`) on aws."""

from __future__ import annotations

from pathlib import Path

from tapestry.sources.base import SourcePlugin
from tapestry.sources.stripe.airbyte import CONNECTOR
from tapestry.sources.stripe.checks import CHECK
from tapestry.sources.stripe.config import StripeSourceConfig
from tapestry.sources.stripe.streams import CHARGES, CUSTOMERS

PLUGIN = SourcePlugin(
    type="stripe",
    label="Stripe customers",
    config_model=StripeSourceConfig,
    streams=(CUSTOMERS, CHARGES),
    airbyte=CONNECTOR,
    credentials=CHECK,
    dbt_dir=Path(__file__).with_name("dbt"),
)
