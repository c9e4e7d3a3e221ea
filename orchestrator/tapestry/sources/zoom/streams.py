"""The raw table of source-zoom's `webinar_registrants` stream (GET /v2/webinars/{id}/registrants, plus the
parent webinar id)."""

from __future__ import annotations

from tapestry.engines.ingest.streams import Column, Stream

WEBINAR_REGISTRANTS = Stream(
    source="zoom",
    name="webinar_registrants",
    label="Zoom webinar registrants",
    columns=(
        Column("id", required=True, key=True),
        Column("webinar_id", required=True, key=True),
        Column("email", required=True),
        Column("first_name"),
        Column("last_name"),
        Column("phone"),  # asked when the webinar's registration form has the phone field
        Column("status"),
        Column("create_time", "TIMESTAMPTZ", required=True),
        Column("join_url"),
    ),
)
