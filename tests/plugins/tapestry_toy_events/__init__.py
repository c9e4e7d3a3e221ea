"""A made-up product's sign-ups and page views: a source plugin outside Tapestry (local export files only)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from tapestry.engines.ingest.streams import Column, Stream
from tapestry.sources.base import SourceConfig, SourcePlugin


class ToyEventsConfig(SourceConfig):
    type: Literal["toy_events"] = "toy_events"


SIGNUPS = Stream(
    source="toy_events",
    name="signups",
    label="toy sign-ups",
    columns=(
        Column("signup_id", required=True, key=True),
        Column("email", required=True, aliases=("e_mail_address",)),
        Column("first_name"),
        Column("last_name"),
        Column("signed_up_at", "TIMESTAMPTZ", required=True),
    ),
    file_names=("*signup*",),
)

PAGE_VIEWS = Stream(
    source="toy_events",
    name="page_views",
    label="toy page views",
    columns=(
        Column("view_id", required=True, key=True),
        Column("signup_id", required=True),
        Column("url"),
        Column("viewed_at", "TIMESTAMPTZ", required=True),
    ),
    file_names=("*view*",),
)

PLUGIN = SourcePlugin(
    type="toy_events",
    label="toy sign-ups and page views",
    config_model=ToyEventsConfig,
    streams=(SIGNUPS, PAGE_VIEWS),
    dbt_dir=Path(__file__).with_name("dbt"),
)
