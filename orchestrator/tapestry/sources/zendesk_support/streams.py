"""The raw tables of source-zendesk-support's `users` and `tickets` streams (the API's field names, which
Zendesk's JSON exports share), and the other names their columns have in exports (a report's `User ID`,
`Requester ID`, `Ticket type`). Ids are whole numbers, as the API and Airbyte land them."""

from __future__ import annotations

from tapestry.engines.ingest.streams import Column, Stream

USERS = Stream(
    source="zendesk_support",
    name="users",
    label="Zendesk Support users",
    columns=(
        Column("id", "BIGINT", required=True, key=True, aliases=("user_id",)),
        Column("email", required=True, aliases=("email_address",)),
        Column("name"),
        Column("phone"),
        Column("role", required=True),  # end-user, agent or admin: only end-users are customers
        Column("active", "BOOLEAN"),  # false: the user was deleted
        Column("suspended", "BOOLEAN"),
        Column("verified", "BOOLEAN"),
        Column("organization_id", "BIGINT"),
        Column("external_id"),
        Column("locale"),
        Column("time_zone"),
        Column("created_at", "TIMESTAMPTZ", required=True),
        Column("updated_at", "TIMESTAMPTZ", required=True),  # source-zendesk-support's cursor
    ),
    file_names=("*user*",),
)

TICKETS = Stream(
    source="zendesk_support",
    name="tickets",
    label="Zendesk Support tickets",
    columns=(
        Column("id", "BIGINT", required=True, key=True, aliases=("ticket_id",)),
        Column("requester_id", "BIGINT", required=True),
        Column("submitter_id", "BIGINT"),
        Column("assignee_id", "BIGINT"),
        Column("organization_id", "BIGINT"),
        Column("status", required=True),  # new, open, pending, hold, solved, closed (deleted: gone)
        Column("priority"),
        Column("type", aliases=("ticket_type",)),
        Column("subject"),
        Column("created_at", "TIMESTAMPTZ", required=True),
        Column("updated_at", "TIMESTAMPTZ"),
        Column("generated_timestamp", "BIGINT"),  # source-zendesk-support's cursor; not in exports
    ),
    file_names=("*ticket*",),
)
