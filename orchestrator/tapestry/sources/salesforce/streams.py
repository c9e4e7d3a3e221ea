"""The raw table of source-salesforce's `Contact` stream (SOQL field names, lower-cased)."""

from __future__ import annotations

from tapestry.engines.ingest.streams import Column, Stream

CONTACT = Stream(
    source="salesforce",
    name="contact",
    label="Salesforce contacts",
    columns=(
        Column("id", required=True, key=True),
        Column("email", required=True),
        Column("firstname"),
        Column("lastname"),
        Column("phone"),
        Column("mobilephone"),
        Column("accountid"),
        Column("createddate", "TIMESTAMPTZ"),
        Column("lastmodifieddate", "TIMESTAMPTZ"),
        Column("systemmodstamp", "TIMESTAMPTZ", required=True),
        Column("isdeleted", "BOOLEAN"),
    ),
)
