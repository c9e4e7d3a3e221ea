"""The raw table of source-salesforce's `Contact` stream (SOQL field names, lower-cased), and the names its
columns have in report exports (`Contact ID`, `First Name`, ...) besides the API names of Data Loader."""

from __future__ import annotations

from tapestry.engines.ingest.streams import Column, Stream

CONTACT = Stream(
    source="salesforce",
    name="contact",
    label="Salesforce contacts",
    columns=(
        Column("id", required=True, key=True, aliases=("contact_id",)),
        Column("email", required=True),
        Column("firstname", aliases=("first_name",)),
        Column("lastname", aliases=("last_name",)),
        Column("phone"),
        Column("mobilephone", aliases=("mobile_phone", "mobile")),
        Column("accountid", aliases=("account_id",)),
        Column("createddate", "TIMESTAMPTZ", aliases=("created_date",)),
        Column("lastmodifieddate", "TIMESTAMPTZ", aliases=("last_modified_date",)),
        Column("systemmodstamp", "TIMESTAMPTZ", required=True, aliases=("system_modstamp",)),
        Column("isdeleted", "BOOLEAN", aliases=("is_deleted", "deleted")),
    ),
)
