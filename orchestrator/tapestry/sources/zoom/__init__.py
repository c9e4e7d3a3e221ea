"""Zoom webinar registrants: export files locally, Airbyte's source-zoom (Server-to-Server OAuth) on aws."""

from __future__ import annotations

from tapestry.sources.base import SourcePlugin
from tapestry.sources.zoom.config import ZoomSourceConfig
from tapestry.sources.zoom.streams import WEBINAR_REGISTRANTS

PLUGIN = SourcePlugin(
    type="zoom",
    label="Zoom webinar registrants",
    config_model=ZoomSourceConfig,
    streams=(WEBINAR_REGISTRANTS,),
)
