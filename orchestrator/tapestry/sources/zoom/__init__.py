"""Zoom webinar registrants: export files locally, Airbyte's source-zoom (Server-to-Server OAuth) on aws."""

from __future__ import annotations

from pathlib import Path

from tapestry.sources.base import SourcePlugin
from tapestry.sources.zoom.airbyte import CONNECTOR
from tapestry.sources.zoom.checks import CHECK
from tapestry.sources.zoom.config import ZoomSourceConfig
from tapestry.sources.zoom.streams import WEBINAR_REGISTRANTS

PLUGIN = SourcePlugin(
    type="zoom",
    label="Zoom webinar registrants",
    config_model=ZoomSourceConfig,
    streams=(WEBINAR_REGISTRANTS,),
    airbyte=CONNECTOR,
    credentials=CHECK,
    dbt_dir=Path(__file__).with_name("dbt"),
)
