"""The raw table of source-zoom's `webinar_registrants` stream (GET /v2/webinars/{id}/registrants, plus the
parent webinar id), and the other names its columns have in registrant exports."""

from __future__ import annotations

from tapestry.engines.ingest.streams import Column, Stream

WEBINAR_REGISTRANTS = Stream(
    source="zoom",
    name="webinar_registrants",
    label="Zoom webinar registrants",
    columns=(
        Column("id", required=True, key=True, aliases=("registrant_id",)),
        Column("webinar_id", required=True, key=True),
        Column("email", required=True, aliases=("email_address",)),
        Column("first_name"),
        Column("last_name"),
        Column("phone"),  # asked when the webinar's registration form has the phone field
        Column("status", aliases=("approval_status",)),
        Column("create_time", "TIMESTAMPTZ", required=True, aliases=("registration_time",)),
        Column("join_url"),
    ),
)
